// Rules for the runtime source, which is copied verbatim into users' generated code.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runtimeDir = join(root, "templates/runtime");
/** Every runtime file as `slice/file.ts` (the slices are folders: core/, model/, ...). */
const runtimeFiles = readdirSync(runtimeDir, {
  recursive: true,
  encoding: "utf8",
})
  .map((f) => f.split("\\").join("/"))
  .filter((f) => f.endsWith(".ts"));
const sources = runtimeFiles.filter((f) => !f.endsWith(".test.ts"));

describe("runtime source", () => {
  it("imports only runtime modules (./*.js, ../<slice>/*.js), except the undici transport", () => {
    expect(sources.length).toBeGreaterThan(20);
    for (const file of sources) {
      const text = readFileSync(join(runtimeDir, file), "utf8");
      const specifiers = [
        ...text.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms),
      ].map((m) => m[1]!);
      for (const specifier of specifiers) {
        if (
          file === "core/transport-undici.ts" &&
          (specifier === "undici" || specifier.startsWith("node:"))
        )
          continue;
        expect(specifier, `${file} imports ${specifier}`).toMatch(
          /^(\.|\.\.\/[a-z]+)\/[a-z-]+\.js$/,
        );
        expect(specifier, `${file} imports a transport`).not.toMatch(
          /transport-(undici|fetch)/,
        );
      }
      if (file !== "core/transport-undici.ts") {
        expect(text, `${file} uses a Node API`).not.toMatch(
          /\b(Buffer|process)\./,
        );
      }
    }
  });

  // Checked once elsewhere, where they stand: the runtime's layout by `npm run format:check`
  // (prettier over templates/), and its compiling for browsers (lib DOM, no Node types, without
  // the undici transport) by test/generate.test.ts's fetch output, which holds every other
  // runtime file.
});

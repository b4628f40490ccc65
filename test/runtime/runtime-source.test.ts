// Rules for the runtime source, which is copied verbatim into users' generated code.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as prettier from "prettier";
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

  it("is formatted in prettier's default style", async () => {
    const unformatted: string[] = [];
    for (const file of runtimeFiles) {
      if (
        file === "core/wire.ts" ||
        file === "model/typed.ts" ||
        file === "model/values.ts"
      )
        continue; // not ours
      const text = readFileSync(join(runtimeDir, file), "utf8");
      if (!(await prettier.check(text, { filepath: join(runtimeDir, file) })))
        unformatted.push(file);
    }
    expect(unformatted).toEqual([]);
  });

  it("compiles for browsers with the fetch transport (tsconfig.browser.json)", async () => {
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const result = await promisify(execFile)(
      process.execPath,
      [tsc, "-p", join(root, "tsconfig.browser.json")],
      { cwd: root },
    ).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  }, 60_000);
});

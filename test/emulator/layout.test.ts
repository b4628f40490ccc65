// The emulator's layout (src/emulator/README.md): folders by concern, each named in the README,
// every source file opening with a comment that says what it holds, and no value imported from
// the generated runtime (the code the emulator tests), only wire types.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../src/emulator", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")
      ? [path]
      : [];
  });
}

/** Module specifiers of `templates/runtime` that a source imports or re-exports as values. */
function runtimeValueImports(source: string): string[] {
  const statements =
    source.match(
      /^(?:import|export)\b[^;]*?\bfrom\s+["'][^"']+["']|\bimport\(\s*["'][^"']+["']/gms,
    ) ?? [];
  return statements
    .filter((s) => /templates\/runtime\//.test(s))
    .filter((s) => !/^(?:import|export)\s+type\b/.test(s))
    .map((s) => /["']([^"']+)["']\s*\)?$/.exec(s)![1]!);
}

describe("emulator layout", () => {
  const files = sourceFiles(ROOT);

  it("imports no value from templates/runtime, only types", () => {
    expect(
      runtimeValueImports(
        'import type { A } from "../../templates/runtime/core/wire.js";\n' +
          'import { b } from "../../templates/runtime/core/json.js";\n' +
          'import {\n  c,\n} from "../../templates/runtime/core/retry.js";\n' +
          'export { d } from "../../templates/runtime/model/values.js";\n',
      ),
    ).toEqual([
      "../../templates/runtime/core/json.js",
      "../../templates/runtime/core/retry.js",
      "../../templates/runtime/model/values.js",
    ]);
    const offenders = files.flatMap((file) =>
      runtimeValueImports(readFileSync(file, "utf8")).map(
        (spec) => `${relative(ROOT, file)}: ${spec}`,
      ),
    );
    expect(offenders).toEqual([]);
  });

  it("names every folder in its README, and every source file opens with a comment", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.length).toBeGreaterThan(5);
    for (const folder of folders) expect(readme).toContain(`\`${folder}/\``);
    const uncommented = files
      .filter((file) => !readFileSync(file, "utf8").startsWith("// "))
      .map((file) => relative(ROOT, file));
    expect(uncommented).toEqual([]);
  });
});

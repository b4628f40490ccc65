import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatFiles } from "./format.js";
import { cacheKey } from "./format-cache.js";

const FILES = new Map([
  ["index.ts", 'export { a } from "./a.js";\n'],
  ["a.ts", 'export const a = { text: "x", n: 1 };\n'],
]);

describe("formatting with the user's prettier config", () => {
  let dir: string;
  let counts: { formatted: number; reused: number }[];
  const report = (c: { formatted: number; reused: number }) => counts.push(c);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dmgen-format-"));
    counts = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function writeAll(files: ReadonlyMap<string, string>) {
    for (const [path, text] of files) await writeFile(join(dir, path), text);
  }

  it("formats as prettier does, then on a repeat run reuses what is on disk", async () => {
    await writeFile(
      join(dir, ".prettierrc"),
      '{ "singleQuote": true, "semi": false }',
    );
    const cache = join(dir, "cache");
    const first = await formatFiles(FILES, dir, cache, report);
    const expected = await prettier.format(FILES.get("a.ts")!, {
      filepath: "a.ts",
      singleQuote: true,
      semi: false,
    });
    expect(first?.get("a.ts")).toBe(expected);
    expect(expected).toBe("export const a = { text: 'x', n: 1 }\n");
    await writeAll(first!);

    const second = await formatFiles(FILES, dir, cache, report);
    expect([...second!]).toEqual([...first!]);
    expect(counts).toEqual([
      { formatted: 2, reused: 0 },
      { formatted: 0, reused: 2 },
    ]);

    // A file edited on disk, a changed input or a changed config is formatted again.
    await writeFile(join(dir, "a.ts"), "// edited\n");
    const changed = new Map(FILES).set("index.ts", "export {};\n");
    const third = await formatFiles(changed, dir, cache, report);
    expect(third?.get("a.ts")).toBe(expected);
    expect(counts[2]).toEqual({ formatted: 2, reused: 0 });
    await writeAll(third!);
    await writeFile(join(dir, ".prettierrc"), '{ "singleQuote": true }');
    const fourth = await formatFiles(FILES, dir, cache, report);
    expect(fourth?.get("a.ts")).toBe("export const a = { text: 'x', n: 1 };\n");
    expect(counts[3]).toEqual({ formatted: 2, reused: 0 });
  });

  it("does nothing when the config holds prettier's defaults", async () => {
    await writeFile(join(dir, ".prettierrc"), '{ "semi": true }');
    expect(await formatFiles(FILES, dir, join(dir, "cache"))).toBeUndefined();
  });

  it("keys the cache by prettier version, options, path and text", () => {
    const base = cacheKey("3.0.0", { semi: false }, "a.ts", "x");
    expect(cacheKey("3.0.0", { semi: false }, "a.ts", "x")).toBe(base);
    for (const other of [
      cacheKey("3.0.1", { semi: false }, "a.ts", "x"),
      cacheKey("3.0.0", { semi: true }, "a.ts", "x"),
      cacheKey("3.0.0", { semi: false }, "b.ts", "x"),
      cacheKey("3.0.0", { semi: false }, "a.ts", "y"),
    ])
      expect(other).not.toBe(base);
  });
});

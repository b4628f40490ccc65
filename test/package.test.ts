// What `npm pack` ships: the built CLI and library, the runtime templates, nothing of the
// repository's tests, fixtures, examples or benchmarks; and no script that runs on install.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/generated.js";

const exec = promisify(execFile);

/** `npm pack --dry-run`'s file list (without running prepack: npm test has built dist/). */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await exec(
    "npm",
    ["pack", "--dry-run", "--json", "--ignore-scripts"],
    { cwd: REPO_ROOT },
  );
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return pack.files.map((file) => file.path).sort();
}

/** Every `.ts` file under `dir` (relative to the repository), tests and declarations left out. */
function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(REPO_ROOT, dir), {
    withFileTypes: true,
    recursive: true,
  })) {
    const path = relative(REPO_ROOT, join(entry.parentPath, entry.name));
    if (
      entry.isFile() &&
      path.endsWith(".ts") &&
      !path.endsWith(".test.ts") &&
      !path.endsWith(".d.ts")
    )
      found.push(path);
  }
  return found.sort();
}

const SHIPPED = [
  /^README\.md$/,
  /^LICENSE$/,
  /^package\.json$/,
  /^bin\/dmgen\.js$/,
  /^dist\/(src|templates\/runtime)\/.+\.(js|d\.ts)$/,
  /^templates\/runtime\/[a-z]+\/[a-z-]+\.ts$/,
];

describe("npm pack", () => {
  it("ships the CLI, the library, the runtime templates and nothing else", async () => {
    const files = await packedFiles();
    const unexpected = files.filter(
      (path) => !SHIPPED.some((pattern) => pattern.test(path)),
    );
    expect(unexpected).toEqual([]);
    expect(
      files.filter((path) => /\.test\.|fixtures|bench/.test(path)),
    ).toEqual([]);
    const expected = [
      "README.md",
      "package.json",
      "bin/dmgen.js",
      ...sourceFiles("templates/runtime"),
      ...[...sourceFiles("src"), ...sourceFiles("templates/runtime")].flatMap(
        (path) => {
          const base = `dist/${path.replace(/\.ts$/, "")}`;
          return [`${base}.js`, `${base}.d.ts`];
        },
      ),
    ].sort();
    // Every source has its build output (stale extra files in dist/ are not the package's fault).
    expect(expected.filter((path) => !files.includes(path))).toEqual([]);
  });

  it("runs no script when a consumer installs it", () => {
    const manifest = JSON.parse(
      readFileSync(join(REPO_ROOT, "package.json"), "utf8"),
    ) as { scripts: Record<string, string> };
    const installScripts = ["preinstall", "install", "postinstall", "prepare"];
    expect(
      Object.keys(manifest.scripts).filter((name) =>
        installScripts.includes(name),
      ),
    ).toEqual([]);
    expect(manifest.scripts.prepack).toMatch(/npm run build/);
  });
});

// A newcomer's app, end to end: dmgen installed from its packed tarball into a fresh app outside
// this repository (so nothing resolves from dmgen's own node_modules), code generated with the
// installed CLI, built with tsc, then run with production dependencies only (`npm prune
// --omit=dev`, what `npm ci --omit=dev` leaves) against the emulator. Uses the local npm cache.
// And what that tarball holds: the built CLI and library, the runtime templates, nothing of the
// repository's tests, fixtures, examples or benchmarks; and no script that runs on install.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import { EXAMPLES_DIR, REPO_ROOT, runTsc } from "./support/generated.js";

const exec = promisify(execFile);
const MOVIES = join(EXAMPLES_DIR, "movies", "views.json");

// Without a config, classes and accessors are named after the views (MovieView).
const APP_MAIN = `import { MovieViewApply, createClient } from "./generated/index.js";

const baseUrl = process.env.CDF_BASE_URL;
if (!baseUrl) throw new Error("set CDF_BASE_URL");
const client = createClient({ baseUrl, project: "movies", credentials: { token: "t" } });
await client.movieView.apply(
  new MovieViewApply("movies", "terminator", { title: "Terminator", releaseYear: 1984 }),
);
const [movie] = await client.movieView.retrieve([{ space: "movies", externalId: "terminator" }]);
console.log(JSON.stringify({ title: movie?.title, releaseYear: movie?.releaseYear }));
await client.close();
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: ["node"],
    rootDir: "src",
    outDir: "dist",
  },
  include: ["src"],
};

/** Runs a command in `cwd`; on failure the error carries its output. */
async function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(command, args, { cwd, env, maxBuffer: 1 << 24 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}

const NPM_QUIET = ["--prefer-offline", "--no-audit", "--no-fund"];

/** `npm pack`'s answer (`--json`): the tarball's name and the files it holds. */
interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let root: string;
let emulator: RunningEmulator;
let packed: Packed;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dmgen-install-"));
  // dist/ is built by `npm test`; --ignore-scripts skips prepack's rebuild.
  const pack = await run(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", root],
    REPO_ROOT,
  );
  [packed] = JSON.parse(pack.stdout) as [Packed];
  const input = await loadInputs([MOVIES]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["movies", "people"],
  });
});
afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

describe("installed from the packed tarball", () => {
  it("generates, builds and runs with production dependencies only", async () => {
    const { filename } = packed;
    const app = join(root, "app");
    await mkdir(join(app, "src"), { recursive: true });
    const ourUndici = (
      JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies.undici!;
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({
        name: "newcomer-app",
        private: true,
        type: "module",
        dependencies: { undici: ourUndici },
        devDependencies: {
          dmgen: `file:${join(root, filename)}`,
          "@types/node": "^20.19.0",
        },
      }),
    );
    const install = await run("npm", ["install", ...NPM_QUIET], app);
    // npm 11 warns "install-scripts ... (prepare: ...)" for a package with an install-time script.
    expect(install.stderr).not.toMatch(/prepare|install[- ]scripts?/i);

    await copyFile(MOVIES, join(app, "views.json"));
    const dmgenBin = join(app, "node_modules", "dmgen", "bin", "dmgen.js");
    const generated = await run(
      process.execPath,
      [dmgenBin, "generate", "--input", "views.json", "--out", "src/generated"],
      app,
    );
    expect(generated.stdout).toMatch(/^dmgen: 3 views → /);
    expect(generated.stderr).toBe(""); // undici is declared: no warning

    await writeFile(join(app, "src", "main.ts"), APP_MAIN);
    await writeFile(join(app, "tsconfig.json"), JSON.stringify(TSCONFIG));
    // tsc -p tsconfig.json, in this process. The app's code and the model code are type-checked;
    // the runtime's files are emitted unchecked (`--noCheck`): they are the ones in
    // templates/runtime (the pack test below), which check:types checks where they stand.
    const runtimeCopy = join(app, "src", "generated", "runtime") + sep;
    expect(
      await runTsc(join(app, "tsconfig.json"), {
        emit: true,
        checks: (fileName) =>
          !fileName.includes("/node_modules/") &&
          !resolve(fileName).startsWith(runtimeCopy),
      }),
    ).toBe("");

    await run("npm", ["prune", "--omit=dev", ...NPM_QUIET], app);
    expect(existsSync(join(app, "node_modules", "dmgen"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "undici"))).toBe(true);
    const started = await run(
      process.execPath,
      [join("dist", "main.js")],
      app,
      { ...process.env, CDF_BASE_URL: emulator.url },
    );
    expect(JSON.parse(started.stdout)).toEqual({
      title: "Terminator",
      releaseYear: 1984,
    });
  });
});

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
  /^templates\/runtime\/[a-z]+\/[a-z0-9-]+\.ts$/,
];

describe("npm pack", () => {
  it("ships the CLI, the library, the runtime templates and nothing else", () => {
    const files = packed.files.map((file) => file.path).sort();
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

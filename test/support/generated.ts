// Helpers for tests that generate code into temporary folders and compile it.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import {
  DEFAULT_CODE_OPTIONS,
  type CodeOptions,
} from "../../src/config/index.js";
import { buildFiles, readRuntimeSources } from "../../src/generate.js";
import { loadInputs } from "../../src/input/index.js";
import type { FileMap } from "../../src/output/file-map.js";

const run = promisify(execFile);

/**
 * `FULL=1 npx vitest run`: the exhaustive tier (every model × every option combination, deeper
 * property runs, every prettier config over CogniteCore). `npm test` runs the default tier, which
 * still has every fixture and every option value at least once.
 */
export const FULL = process.env.FULL === "1";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES_DIR = join(
  REPO_ROOT,
  "..",
  "shared",
  "fixtures",
  "views",
);
export const EXAMPLES_DIR = join(REPO_ROOT, "generated-examples");

/** The shared fixture files; throws (so tests fail, not skip) when the folder is missing. */
export function fixtureFiles(): string[] {
  if (!existsSync(FIXTURES_DIR))
    throw new Error(`fixture folder missing: ${FIXTURES_DIR}`);
  const files = readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
  if (files.length === 0) throw new Error(`no fixtures in ${FIXTURES_DIR}`);
  return files.map((f) => join(FIXTURES_DIR, f));
}

export async function generateFiles(
  inputs: string[],
  options: CodeOptions = DEFAULT_CODE_OPTIONS,
): Promise<FileMap> {
  const [input, runtime] = await Promise.all([
    loadInputs(inputs),
    readRuntimeSources(),
  ]);
  return buildFiles(input, runtime, options);
}

/**
 * A scratch folder inside the repository (so that `node_modules` resolves for the generated code),
 * removed by the returned cleanup.
 */
export async function scratchDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = join(REPO_ROOT, ".tmp");
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, `${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeFileMap(dir: string, files: FileMap): Promise<void> {
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** The design's strict flags, plus no unused imports or locals (generated code must not have any). */
export const STRICT_FLAGS = {
  target: "ES2022",
  noUnusedLocals: true,
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  noImplicitOverride: true,
  skipLibCheck: true,
  noEmit: true,
};

/** The folder (under a scratch folder) of the one runtime copy `writeOutputs` writes. */
export const SHARED_RUNTIME_FOLDER = "shared-runtime";

/**
 * Writes several outputs, each in its own folder under `dir`, without their `runtime/` folders,
 * and one copy of the runtime in `dir/shared-runtime/runtime/`: type-checked with
 * `typeCheck(dir, folders, mode, { sharedRuntime: true })`, every output's `./runtime/<slice>/<file>.js`
 * imports resolve to that copy (tsc's `rootDirs`), so one program checks the runtime once however
 * many outputs it holds. The generated files are written unchanged.
 *
 * `runtimeAs: "declarations"` writes the runtime's declarations (`.d.ts`, which `skipLibCheck`
 * leaves unchecked) instead of its sources: for tests about the model code, whose programs then
 * check no runtime at all. The declarations are emitted once per runtime content (under the
 * strict flags: a runtime that does not compile throws here) and cached in `.tmp/`; the runtime
 * itself is checked by the programs that take its sources (test/generate.test.ts).
 *
 * Throws when two outputs' runtime files differ (they cannot share one copy), or when an output
 * imports a file it does not contain (`rootDirs` would otherwise let another output's file stand
 * in for it). Returns the folder names, in the order of `outputs`.
 */
export async function writeOutputs(
  dir: string,
  outputs: ReadonlyMap<string, FileMap>,
  options: { readonly runtimeAs?: "sources" | "declarations" } = {},
): Promise<string[]> {
  const runtime = new Map<string, { text: string; from: string }>();
  for (const [name, files] of outputs) {
    checkImportsResolve(name, files);
    const own = new Map<string, string>();
    for (const [path, text] of files) {
      if (!path.startsWith("runtime/")) {
        own.set(path, text);
        continue;
      }
      const seen = runtime.get(path);
      if (seen && seen.text !== text)
        throw new Error(
          `${name}/${path} differs from ${seen.from}/${path}: these outputs cannot share one runtime copy; type-check them in separate programs`,
        );
      runtime.set(path, { text, from: name });
    }
    await writeFileMap(join(dir, name), own);
  }
  const sources: FileMap = new Map(
    [...runtime].map(([path, { text }]) => [path, text]),
  );
  await writeFileMap(
    join(dir, SHARED_RUNTIME_FOLDER),
    options.runtimeAs === "declarations"
      ? await runtimeDeclarations(sources)
      : sources,
  );
  return [...outputs.keys()];
}

/**
 * Replaces the runtime sources of an output written to `outDir` (by the CLI, say) with their
 * declarations, as `writeOutputs(..., { runtimeAs: "declarations" })` does: a program that
 * includes the output then checks its model code and what uses it, not the runtime again.
 */
export async function runtimeToDeclarations(outDir: string): Promise<void> {
  const folder = join(outDir, "runtime");
  const sources = new Map<string, string>();
  for (const name of await readdir(folder, { recursive: true }))
    if (name.endsWith(".ts"))
      sources.set(
        `runtime/${name.split("\\").join("/")}`,
        await readFile(join(folder, name), "utf8"),
      );
  const declarations = await runtimeDeclarations(sources);
  await rm(folder, { recursive: true, force: true });
  await writeFileMap(outDir, declarations);
}

/** The `.d.ts` files of these runtime sources (paths `runtime/<slice>/*.d.ts`), emitted once per content. */
async function runtimeDeclarations(sources: FileMap): Promise<FileMap> {
  const hash = createHash("sha256");
  // In path order: the same files hash the same however they were listed.
  for (const path of [...sources.keys()].sort())
    hash.update(`${path}\0${sources.get(path)!}\0`);
  hash.update(JSON.stringify(STRICT_FLAGS));
  hash.update(ts.version);
  const cache = join(DECLARATIONS_CACHE, hash.digest("hex").slice(0, 16));
  if (existsSync(cache)) {
    // Marks it as in use, for pruneDeclarations.
    const now = new Date();
    await utimes(cache, now, now).catch(() => undefined);
  } else {
    await emitOnce(cache, () => emitDeclarations(cache, sources));
    await pruneDeclarations();
  }
  const declarations = new Map<string, string>();
  for (const path of sources.keys()) {
    const file = path.replace(/\.ts$/, ".d.ts");
    declarations.set(file, await readFile(join(cache, file), "utf8"));
  }
  return declarations;
}

/** The runtime declarations emitted so far, one folder per runtime content. */
const DECLARATIONS_CACHE = join(REPO_ROOT, ".tmp", "runtime-declarations");

/**
 * How many runtime contents keep their declarations: the most recently used. One run uses a few
 * (the transports, the features, bigint's extra file); each change of the runtime adds its own.
 */
const DECLARATIONS_KEPT = 12;

/** Removes the declarations of all but the `DECLARATIONS_KEPT` most recently used runtimes. */
async function pruneDeclarations(): Promise<void> {
  const entries = await readdir(DECLARATIONS_CACHE, { withFileTypes: true });
  const folders = await Promise.all(
    entries
      .filter(
        (entry) => entry.isDirectory() && /^[0-9a-f]{16}$/.test(entry.name),
      )
      .map(async (entry) => {
        const path = join(DECLARATIONS_CACHE, entry.name);
        const used = await stat(path).then(
          (s) => s.mtimeMs,
          () => Infinity,
        );
        return { path, used };
      }),
  );
  folders.sort((a, b) => b.used - a.used);
  for (const { path } of folders.slice(DECLARATIONS_KEPT))
    await rm(path, { recursive: true, force: true });
}

/**
 * Runs `emit` unless another test file (another worker) is making `cache` already; then waits
 * for it. Emitting is a tsc run over the whole runtime: once per run, not once per worker.
 */
async function emitOnce(
  cache: string,
  emit: () => Promise<void>,
): Promise<void> {
  const lock = `${cache}.lock`;
  await mkdir(dirname(cache), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock older than a tsc run can take is left by a killed run.
      const age =
        Date.now() -
        (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 300_000) await rm(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
      if (existsSync(cache)) return;
    }
  }
  try {
    if (!existsSync(cache)) await emit();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Emits the declarations of `sources` into `cache` (under the strict flags; throws on errors). */
async function emitDeclarations(
  cache: string,
  sources: FileMap,
): Promise<void> {
  // Emitted beside, then renamed into place.
  const work = await mkdtemp(`${cache}-`);
  try {
    await writeFileMap(join(work, "src"), sources);
    const config = {
      compilerOptions: {
        ...STRICT_FLAGS,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023"],
        types: ["node"],
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: "src",
        outDir: "out",
      },
      include: ["src/**/*.ts"],
    };
    await writeFile(join(work, "tsconfig.json"), JSON.stringify(config));
    const errors = await runTscProcess(join(work, "tsconfig.json"));
    if (errors !== "")
      throw new Error(`the runtime does not compile:\n${errors}`);
    await rename(join(work, "out"), cache);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every relative import of an output's TypeScript files names a file of that output. */
function checkImportsResolve(name: string, files: FileMap): void {
  for (const [path, text] of files) {
    if (!path.endsWith(".ts")) continue;
    const specifiers = text.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)"(\.{1,2}\/[^"]+)"/gm,
    );
    for (const [, specifier] of specifiers) {
      const target = posix
        .join(posix.dirname(path), specifier!)
        .replace(/\.js$/, ".ts");
      if (!files.has(target))
        throw new Error(
          `${name}/${path} imports "${specifier}", which is not in the output (${target})`,
        );
    }
  }
}

/**
 * Type-checks the given folders (relative to `dir`) with `module` nodenext or bundler. With
 * `sharedRuntime`, the folders were written by `writeOutputs` and share its runtime copy. With
 * `checkOnly`, only those folders' files are type-checked (the others are read for their types):
 * for usage code over an output that another test checks already.
 */
export async function typeCheck(
  dir: string,
  include: string[],
  mode: "nodenext" | "bundler",
  options: {
    readonly sharedRuntime?: boolean;
    readonly checkOnly?: readonly string[];
  } = {},
): Promise<string> {
  const moduleOptions =
    mode === "nodenext"
      ? { module: "NodeNext", moduleResolution: "NodeNext" }
      : { module: "ESNext", moduleResolution: "Bundler" };
  const folders = options.sharedRuntime
    ? [...include, SHARED_RUNTIME_FOLDER]
    : include;
  const config = {
    compilerOptions: {
      ...STRICT_FLAGS,
      ...moduleOptions,
      lib: ["ES2023"],
      types: ["node"],
      ...(options.sharedRuntime ? { rootDirs: folders } : {}),
    },
    include: folders.map((p) => `${p}/**/*.ts`),
  };
  const file = join(dir, `tsconfig.${mode}.json`);
  await writeFile(file, JSON.stringify(config, null, 2));
  const checked = options.checkOnly?.map((folder) => `${join(dir, folder)}/`);
  return runTsc(
    file,
    checked
      ? {
          checks: (fileName) =>
            checked.some((folder) => fileName.startsWith(folder)),
        }
      : {},
  );
}

/**
 * Type-checks a tsconfig in this process, as `tsc -p` does; returns the errors as tsc prints them
 * (`path(line,col): error TS...: message`), empty when there were none. With `emit`, writes the
 * output as `tsc -p` does (nothing when there are errors, as under `noEmitOnError`). With
 * `checks`, only the files it accepts are type-checked (every file is still parsed, and emitted
 * with `emit`): for a program that holds a runtime copy checked elsewhere. The parsed files of
 * `node_modules` (TypeScript's libs, @types/node: ~60,000 lines, most of a small program's
 * time) are kept for the next program in this worker; TypeScript reuses a parsed and bound file
 * across programs as its language service does.
 */
export async function runTsc(
  file: string,
  options: {
    readonly emit?: boolean;
    readonly checks?: (fileName: string) => boolean;
  } = {},
): Promise<string> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.formatDiagnostic(diagnostic, FORMAT_HOST));
      },
    },
  )!;
  const program = createProgram(
    parsed.fileNames,
    parsed.options,
    parsed.errors,
  );
  const { checks } = options;
  const diagnostics = [
    ...parsed.errors,
    ...(checks
      ? [
          ...program.getOptionsDiagnostics(),
          ...program.getSyntacticDiagnostics(),
          ...program.getGlobalDiagnostics(),
          ...program
            .getSourceFiles()
            .filter((source) => checks(source.fileName))
            .flatMap((source) => program.getSemanticDiagnostics(source)),
        ]
      : ts.getPreEmitDiagnostics(program)),
  ];
  if (options.emit && diagnostics.length === 0) {
    // Emitting type-checks every file it writes, unless told not to (`noCheck`, as `tsc
    // --noCheck` does); the new program reuses the parsed files.
    const emitter = checks
      ? createProgram(
          parsed.fileNames,
          { ...parsed.options, noCheck: true },
          parsed.errors,
          program,
        )
      : program;
    diagnostics.push(...emitter.emit().diagnostics);
  }
  return ts.formatDiagnostics(diagnostics, FORMAT_HOST);
}

/**
 * A program over `rootNames` whose files from `node_modules` are parsed once per worker (see
 * `runTsc`), for tests that read the checker themselves.
 */
export function createProgram(
  rootNames: readonly string[],
  options: ts.CompilerOptions,
  configFileParsingDiagnostics: readonly ts.Diagnostic[] = [],
  oldProgram?: ts.Program,
): ts.Program {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!fileName.includes("/node_modules/"))
      return getSourceFile(fileName, languageVersion, ...rest);
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
    let cached = LIBRARY_FILES.get(key);
    if (!cached) {
      cached = getSourceFile(fileName, languageVersion, ...rest);
      if (cached) LIBRARY_FILES.set(key, cached);
    }
    return cached;
  };
  return ts.createProgram({
    rootNames,
    options,
    host,
    configFileParsingDiagnostics,
    ...(oldProgram ? { oldProgram } : {}),
  });
}

/** Parsed files of node_modules by path and parse options, shared by the programs of a worker. */
const LIBRARY_FILES = new Map<string, ts.SourceFile>();

const FORMAT_HOST: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => "\n",
};

/**
 * Runs tsc in a child process (for an emit); returns its output, empty when there were no errors.
 * With V8's interrupt budget as vitest's workers have it (vitest.config.ts): one emit of the
 * runtime's declarations took 3.7 s of CPU, 2.3 s with it.
 */
async function runTscProcess(file: string): Promise<string> {
  try {
    await run(
      process.execPath,
      [
        "--interrupt-budget=1081344",
        join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"),
        "-p",
        file,
      ],
      { maxBuffer: 1 << 26 },
    );
    return "";
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}` || String(error);
  }
}

// Helpers for tests that generate code into temporary folders and compile it.

import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  DEFAULT_CODE_OPTIONS,
  type CodeOptions,
} from "../../src/config/index.js";
import { buildFiles, readRuntimeSources } from "../../src/generate.js";
import { loadInputs } from "../../src/input/index.js";
import type { FileMap } from "../../src/output/file-map.js";

const run = promisify(execFile);

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

/** Type-checks the given folders (relative to `dir`) with `module` nodenext or bundler. */
export async function typeCheck(
  dir: string,
  include: string[],
  mode: "nodenext" | "bundler",
): Promise<string> {
  const moduleOptions =
    mode === "nodenext"
      ? { module: "NodeNext", moduleResolution: "NodeNext" }
      : { module: "ESNext", moduleResolution: "Bundler" };
  const config = {
    compilerOptions: {
      ...STRICT_FLAGS,
      ...moduleOptions,
      lib: ["ES2023"],
      types: ["node"],
    },
    include: include.map((p) => `${p}/**/*.ts`),
  };
  const file = join(dir, `tsconfig.${mode}.json`);
  await writeFile(file, JSON.stringify(config, null, 2));
  return runTsc(file);
}

/** Runs tsc on a tsconfig; returns its output, empty when there were no errors. */
export async function runTsc(file: string): Promise<string> {
  try {
    await run(
      process.execPath,
      [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", file],
      { maxBuffer: 1 << 26 },
    );
    return "";
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}` || String(error);
  }
}

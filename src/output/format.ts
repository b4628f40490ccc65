// Prettier runs only when the user's resolved prettier config differs from prettier's defaults:
// the emitters already print in the default style (a test holds them to it), and formatting a
// large output would cost more than generating it.

import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Options } from "prettier";
import type { FileMap } from "./file-map.js";
import { cacheKey, defaultCacheDir, FormatCache } from "./format-cache.js";

const CONFIG_FILES = [
  ".prettierrc",
  ".prettierrc.json",
  ".prettierrc.json5",
  ".prettierrc.yaml",
  ".prettierrc.yml",
  ".prettierrc.toml",
  ".prettierrc.js",
  ".prettierrc.cjs",
  ".prettierrc.mjs",
  ".prettierrc.ts",
  ".prettierrc.cts",
  ".prettierrc.mts",
  "prettier.config.js",
  "prettier.config.cjs",
  "prettier.config.mjs",
  "prettier.config.ts",
  "prettier.config.cts",
  "prettier.config.mts",
  ".editorconfig",
];

/** Options that change nothing when they hold prettier's default value. */
const DEFAULTS: Record<string, unknown> = {
  printWidth: 80,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: false,
  quoteProps: "as-needed",
  trailingComma: "all",
  bracketSpacing: true,
  bracketSameLine: false,
  arrowParens: "always",
  endOfLine: "lf",
  objectWrap: "preserve",
  experimentalTernaries: false,
  experimentalOperatorPosition: "end",
};

/** Is there any prettier config (or .editorconfig) in the output folder or above it? */
export function hasPrettierConfig(outDir: string): boolean {
  for (let dir = resolve(outDir); ; dir = dirname(dir)) {
    if (CONFIG_FILES.some((name) => existsSync(join(dir, name)))) return true;
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && packageHasPrettierKey(pkg)) return true;
    if (dirname(dir) === dir) return false;
  }
}

function packageHasPrettierKey(file: string): boolean {
  try {
    return "prettier" in (JSON.parse(readFileSync(file, "utf8")) as object);
  } catch {
    return false;
  }
}

/** Formats every file with the user's prettier config, or returns undefined when none applies. */
export async function formatFiles(
  files: FileMap,
  outDir: string,
  cacheDir: string = defaultCacheDir(),
  report?: (counts: { formatted: number; reused: number }) => void,
): Promise<FileMap | undefined> {
  if (!hasPrettierConfig(outDir)) return undefined;
  const prettier = await import("prettier");
  // A long-lived process (a watcher, a test) must see a config edited since the last run.
  await prettier.clearConfigCache();
  const root = resolve(outDir);
  const options = await prettier.resolveConfig(join(root, "index.ts"), {
    editorconfig: true,
  });
  const relevant = Object.entries(options ?? {}).filter(
    ([key, value]) => key !== "overrides" && DEFAULTS[key] !== value,
  );
  if (relevant.length === 0) return undefined;
  const jobs = await Promise.all(
    [...files].map(async ([path, text]): Promise<FormatJob> => {
      const filepath = join(root, path);
      const fileOptions =
        (await prettier.resolveConfig(filepath, { editorconfig: true })) ?? {};
      const formatOptions = { ...fileOptions, filepath };
      return {
        path,
        text,
        options: formatOptions,
        key: cacheKey(prettier.version, formatOptions, path, text),
      };
    }),
  );
  const cache = await FormatCache.open(cacheDir, root);
  const formatted = new Map<string, string>();
  const pending: FormatJob[] = [];
  await Promise.all(
    jobs.map(async (job) => {
      const reused = await cache.reuse(job.path, job.key);
      if (reused === undefined) pending.push(job);
      else formatted.set(job.path, reused);
    }),
  );
  for (const [path, text] of await formatInParallel(pending, prettier.format))
    formatted.set(path, text);
  for (const job of pending)
    cache.record(job.path, job.key, formatted.get(job.path)!);
  await cache.save();
  report?.({ formatted: pending.length, reused: jobs.length - pending.length });
  return new Map([...files.keys()].map((path) => [path, formatted.get(path)!]));
}

/** One file to format, with its resolved prettier options. */
export interface FormatJob {
  readonly path: string;
  readonly text: string;
  readonly options: Options;
  readonly key: string;
}

/** Below this much text, starting workers (each loads prettier) costs more than it saves. */
const PARALLEL_MIN_BYTES = 150_000;
const MAX_WORKERS = 3;

/**
 * Formats the jobs: on this thread when they are few, else shared between this thread and worker
 * threads (at most one per spare core), balanced by size. Options with plugins stay on this
 * thread: plugin objects cannot be sent to a worker.
 */
async function formatInParallel(
  jobs: readonly FormatJob[],
  format: (text: string, options: Options) => Promise<string>,
): Promise<[string, string][]> {
  const bytes = jobs.reduce((sum, job) => sum + job.text.length, 0);
  const workerScript = fileURLToPath(
    new URL("./format-worker.js", import.meta.url),
  );
  const workers = Math.min(MAX_WORKERS, availableParallelism() - 1);
  const inThread = (share: readonly FormatJob[]) =>
    Promise.all(
      share.map(async (job): Promise<[string, string]> => [
        job.path,
        await format(job.text, job.options),
      ]),
    );
  if (
    bytes < PARALLEL_MIN_BYTES ||
    workers < 1 ||
    !existsSync(workerScript) ||
    jobs.some((job) => job.options.plugins?.length)
  )
    return inThread(jobs);
  const shares = balance(jobs, workers + 1);
  const results = await Promise.all([
    inThread(shares[0]!),
    ...shares.slice(1).map((share) => inWorker(workerScript, share)),
  ]);
  return results.flat();
}

function inWorker(
  script: string,
  share: readonly FormatJob[],
): Promise<[string, string][]> {
  if (share.length === 0) return Promise.resolve([]);
  return new Promise((resolveResults, reject) => {
    const worker = new Worker(script, { workerData: share });
    worker.once("message", (results: [string, string][]) => {
      resolveResults(results);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`prettier worker stopped (exit code ${code})`)),
    );
  });
}

/** Splits jobs into `count` shares of similar size (largest first, each to the lightest share). */
function balance(jobs: readonly FormatJob[], count: number): FormatJob[][] {
  const shares = Array.from({ length: count }, () => ({
    bytes: 0,
    jobs: [] as FormatJob[],
  }));
  for (const job of [...jobs].sort((a, b) => b.text.length - a.text.length)) {
    const lightest = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.jobs.push(job);
    lightest.bytes += job.text.length;
  }
  return shares.map((share) => share.jobs);
}

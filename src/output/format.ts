// Prettier runs only when the user's resolved prettier config differs from prettier's defaults:
// the emitters already print in the default style (a test holds them to it), and formatting a
// large output would cost more than generating it. When it runs, a format session starts before
// the generator emits: the runtime's files (known up front, about half the bytes) are formatted
// on a worker thread while the view modules are emitted, then this thread helps with the rest.
// TypeScript files are parsed with prettier's `babel-ts` parser, about three times faster than
// its `typescript` parser and printing the same output for everything dmgen emits (a test
// compares the two on real output over a table of configs); the user's own `parser` option wins.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Options } from "prettier";
import type { FileMap } from "./file-map.js";
import { cacheKey, defaultCacheDir, FormatCache } from "./format-cache.js";
import { FormatPool, workerCount, type FormatJob } from "./format-pool.js";

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

type Prettier = typeof import("prettier");

async function formatWithPrettier(text: string, options: Options) {
  const prettier = await import("prettier");
  return prettier.format(text, options);
}

/** Formats every file with the user's prettier config, or returns undefined when none applies. */
export async function formatFiles(
  files: FileMap,
  outDir: string,
  cacheDir: string = defaultCacheDir(),
  report?: (counts: FormatCounts) => void,
): Promise<FileMap | undefined> {
  const session = await FormatSession.start(outDir, cacheDir);
  if (session === undefined) return undefined;
  try {
    const formatted = await session.finish(files);
    report?.(session.counts);
    return formatted;
  } finally {
    await session.close();
  }
}

export interface FormatCounts {
  /** Files prettier formatted. */
  readonly formatted: number;
  /** Files whose formatted text was reused from the output folder (see format-cache.ts). */
  readonly reused: number;
}

/** Below this much text to format, starting a worker (it loads prettier) costs more than it saves. */
const PARALLEL_MIN_BYTES = 150_000;

interface Submitted {
  readonly text: string;
  readonly result: Promise<{ formatted: string; reused: boolean }>;
}

/**
 * Formatting of one output folder with the user's config: files can be submitted as soon as
 * their text is known (they are formatted while the caller goes on), `finish` formats the rest
 * and returns the whole formatted map. Always `close` it (it stops the worker threads).
 */
export class FormatSession {
  private readonly submitted = new Map<string, Submitted>();
  /** The cache key of each submitted file, to record its result under. */
  private readonly keys = new Map<string, string>();
  private pendingBytes = 0;
  private finished: FormatCounts = { formatted: 0, reused: 0 };

  private constructor(
    private readonly prettier: Prettier,
    private readonly root: string,
    private readonly cache: FormatCache,
    private readonly pool: FormatPool,
  ) {}

  /** A session when a prettier config that changes the output applies to `outDir`, else undefined. */
  static async start(
    outDir: string,
    cacheDir: string = defaultCacheDir(),
  ): Promise<FormatSession | undefined> {
    if (!hasPrettierConfig(outDir)) return undefined;
    const root = resolve(outDir);
    const cache = await FormatCache.open(cacheDir, root);
    const pool = new FormatPool(formatWithPrettier);
    // Nothing to reuse (a first run): the workers load prettier while this thread resolves the
    // config and emits. A repeat run starts them only if much turns out to need formatting.
    if (cache.isEmpty) pool.startWorkers(workerCount());
    try {
      const prettier = await import("prettier");
      // A long-lived process (a watcher, a test) must see a config edited since the last run.
      await prettier.clearConfigCache();
      const options = await prettier.resolveConfig(join(root, "index.ts"), {
        editorconfig: true,
      });
      const relevant = Object.entries(options ?? {}).filter(
        ([key, value]) => key !== "overrides" && DEFAULTS[key] !== value,
      );
      if (relevant.length > 0)
        return new FormatSession(prettier, root, cache, pool);
    } catch (error) {
      await pool.close();
      throw error;
    }
    await pool.close();
    return undefined;
  }

  get counts(): FormatCounts {
    return this.finished;
  }

  /**
   * Starts formatting files whose text is final; resolves once they are checked against the
   * cache and handed to the formatter (not when they are formatted).
   */
  async submit(files: Iterable<readonly [string, string]>): Promise<void> {
    await Promise.all(
      [...files].map(async ([path, text]) => {
        const job = await this.job(path, text);
        await this.enqueue(job);
      }),
    );
  }

  /** Formats every file of `files` not submitted with the same text, and returns them all. */
  async finish(files: FileMap): Promise<FileMap> {
    await this.submit(
      [...files].filter(
        ([path, text]) => this.submitted.get(path)?.text !== text,
      ),
    );
    this.pool.help();
    const results = await Promise.all(
      [...files.keys()].map(async (path) => {
        const result = await this.submitted.get(path)!.result;
        return [path, result] as const;
      }),
    );
    const formatted = new Map<string, string>();
    let reused = 0;
    for (const [path, result] of results) {
      formatted.set(path, result.formatted);
      if (result.reused) reused++;
      else this.cache.record(path, this.keys.get(path)!, result.formatted);
    }
    await this.cache.save();
    this.finished = { formatted: results.length - reused, reused };
    return formatted;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async job(path: string, text: string): Promise<FormatJob> {
    const filepath = join(this.root, path);
    const resolved =
      (await this.prettier.resolveConfig(filepath, { editorconfig: true })) ??
      {};
    const options: Options = { ...resolved, filepath };
    const faster = resolved.parser === undefined && path.endsWith(".ts");
    return faster
      ? {
          path,
          text,
          options: { ...options, parser: "babel-ts" },
          fallbackParser: "typescript",
        }
      : { path, text, options };
  }

  /** Reuses the file on disk when the cache says it is this job's output, else formats it. */
  private async enqueue(job: FormatJob): Promise<void> {
    // The key holds the options as the user resolved them: the parser dmgen picks does not
    // change the output, so it does not invalidate a cache either.
    const key = cacheKey(
      this.prettier.version,
      job.fallbackParser === undefined
        ? job.options
        : { ...job.options, parser: undefined },
      job.path,
      job.text,
    );
    this.keys.set(job.path, key);
    const reused = await this.cache.reuse(job.path, key);
    const result =
      reused !== undefined
        ? Promise.resolve({ formatted: reused, reused: true })
        : this.format(job);
    // Awaited in finish(); a failure before then must not count as unhandled.
    result.catch(() => undefined);
    this.submitted.set(job.path, { text: job.text, result });
  }

  private format(
    job: FormatJob,
  ): Promise<{ formatted: string; reused: boolean }> {
    // Only jobs a worker can take (no plugins, see FormatPool.submit) count towards starting one.
    if (!job.options.plugins?.length) this.pendingBytes += job.text.length;
    if (this.pendingBytes >= PARALLEL_MIN_BYTES)
      this.pool.startWorkers(workerCount());
    return this.pool
      .submit(job)
      .then((formatted) => ({ formatted, reused: false }));
  }
}

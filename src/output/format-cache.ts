// What prettier made of each file last time, so that a repeat run formats only what changed.
// An entry is keyed by everything the result depends on (prettier's version, the file's resolved
// options, its path and its unformatted text) and holds the hash of the formatted text; it is used
// only when the file on disk still has exactly that hash, so a stale or foreign cache can cost a
// format but never change the output. One small JSON file per output folder, in the OS temp folder.

import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readFile, rename, writeFile } from "node:fs/promises";
import { makeFolder } from "./files.js";

export function defaultCacheDir(): string {
  return join(tmpdir(), "dmgen-cache");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The cache key of one format: prettier version, resolved options, path and text. */
export function cacheKey(
  prettierVersion: string,
  options: Readonly<Record<string, unknown>>,
  path: string,
  text: string,
): string {
  const sortedOptions = Object.keys(options)
    .sort()
    .map((key) => [key, options[key]]);
  return sha256(
    JSON.stringify([prettierVersion, sortedOptions, path, sha256(text)]),
  );
}

interface Entry {
  readonly key: string;
  /** sha256 of the formatted text. */
  readonly formatted: string;
}

export class FormatCache {
  private readonly next = new Map<string, Entry>();

  private constructor(
    private readonly file: string,
    private readonly root: string,
    private readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  /** The cache of the output folder `root` (empty when there is none or it is unreadable). */
  static async open(cacheDir: string, root: string): Promise<FormatCache> {
    const file = join(cacheDir, `format-${sha256(root).slice(0, 24)}.json`);
    let entries = new Map<string, Entry>();
    try {
      const parsed = JSON.parse(await readFile(file, "utf8")) as {
        entries?: Record<string, Entry>;
      };
      entries = new Map(Object.entries(parsed.entries ?? {}));
    } catch {
      // No cache yet, or a damaged one: format everything.
    }
    return new FormatCache(file, root, entries);
  }

  /** No entries: nothing can be reused. */
  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /** The formatted text on disk when it is what `key` formats to, else undefined. */
  async reuse(path: string, key: string): Promise<string | undefined> {
    const entry = this.entries.get(path);
    if (entry?.key !== key) return undefined;
    let onDisk: string;
    try {
      onDisk = await readFile(join(this.root, path), "utf8");
    } catch {
      return undefined;
    }
    if (sha256(onDisk) !== entry.formatted) return undefined;
    this.next.set(path, entry);
    return onDisk;
  }

  record(path: string, key: string, formatted: string): void {
    this.next.set(path, { key, formatted: sha256(formatted) });
  }

  /** Saves this run's entries (atomically; a cache that cannot be written is simply skipped). */
  async save(): Promise<void> {
    const entries = Object.fromEntries(
      [...this.next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      await makeFolder(dirname(this.file));
      await writeFile(temporary, JSON.stringify({ root: this.root, entries }));
      await rename(temporary, this.file);
    } catch {
      // Best effort: the next run formats again.
    }
  }
}

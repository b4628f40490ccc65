// Compares a file map with an output folder, and brings the folder in line: files are written only
// when their bytes change (atomically: temporary file, then rename), leftover generated files are
// deleted, and files without the generated header are never touched.

import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  writeFile,
} from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { UserError } from "../errors.js";
import { compareCodePoints } from "../input/index.js";
import { GENERATED_HEADER } from "../emit/module.js";
import { NAME_LOCK_FILE } from "../naming/lock.js";
import type { FileMap } from "./file-map.js";

export interface OutputDiff {
  /** In the map, and on disk with other content. */
  readonly changed: string[];
  /** In the map, not on disk. */
  readonly missing: string[];
  /** On disk with the generated header, not in the map. */
  readonly leftover: string[];
  /** Paths the map wants to write that hold a file dmgen did not generate. */
  readonly foreign: string[];
  readonly unchanged: number;
}

export function isStale(diff: OutputDiff): boolean {
  return diff.changed.length + diff.missing.length + diff.leftover.length > 0;
}

export async function diffOutput(
  outDir: string,
  files: FileMap,
): Promise<OutputDiff> {
  const onDisk = await listFiles(outDir);
  const diff = {
    changed: [] as string[],
    missing: [] as string[],
    leftover: [] as string[],
    foreign: [] as string[],
    unchanged: 0,
  };
  const contents = new Map<string, string>();
  await Promise.all(
    onDisk.map(async (path) => {
      contents.set(path, await readFile(join(outDir, path), "utf8"));
    }),
  );
  for (const [path, text] of files) {
    const existing = contents.get(path);
    if (existing === undefined) diff.missing.push(path);
    else if (existing === text) diff.unchanged++;
    else if (!isGenerated(path, existing)) diff.foreign.push(path);
    else diff.changed.push(path);
  }
  for (const [path, text] of contents) {
    if (!files.has(path) && isGenerated(path, text)) diff.leftover.push(path);
  }
  for (const list of [diff.changed, diff.missing, diff.leftover, diff.foreign])
    list.sort(compareCodePoints);
  return diff;
}

/** A file dmgen may overwrite or delete: it has the header, or it is the name lock. */
function isGenerated(path: string, text: string): boolean {
  return path === NAME_LOCK_FILE || text.startsWith(GENERATED_HEADER);
}

/**
 * Every `.ts` file below `dir`, and the name lock (only those can be generated; other files, such
 * as the input JSON beside an example, are not even read), as `/`-separated relative paths.
 */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"),
    )
    .filter((path) => path.endsWith(".ts") || path === NAME_LOCK_FILE);
}

/** Writes what changed and deletes leftovers. Refuses (writing nothing) to overwrite foreign files. */
export async function writeOutput(
  outDir: string,
  files: FileMap,
  diff: OutputDiff,
): Promise<void> {
  if (diff.foreign.length > 0) {
    throw new UserError(
      `refusing to overwrite files that dmgen did not generate (no "${GENERATED_HEADER}" header): ${diff.foreign.join(", ")}`,
      outDir,
    );
  }
  const toWrite = [...diff.missing, ...diff.changed];
  await Promise.all(
    [...new Set(toWrite.map((path) => dirname(join(outDir, path))))].map(
      (folder) => mkdir(folder, { recursive: true }),
    ),
  );
  await inParallel(toWrite, WRITE_CONCURRENCY, (path) =>
    writeAtomically(join(outDir, path), files.get(path)!),
  );
  for (const path of diff.leftover) {
    await rm(join(outDir, path));
    await removeEmptyParents(outDir, dirname(join(outDir, path)));
  }
}

/** Files written at once: enough to keep the disk busy, few enough for any file-handle limit. */
const WRITE_CONCURRENCY = 32;

/** Runs `work` over `items` with at most `limit` at a time; rejects with the first failure. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, "utf8");
  await rename(temporary, file);
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  for (
    let current = dir;
    current.startsWith(root) && current !== root;
    current = dirname(current)
  ) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty
    }
  }
}

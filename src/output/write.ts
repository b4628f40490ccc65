// Compares a file map with an output folder, and brings the folder in line: files are written only
// when their bytes change (all to temporary files first, then renamed over their targets), leftover
// generated files are deleted, and files without the generated header are never touched.

import {
  lstat,
  readdir,
  realpath,
  stat,
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
import { RECORD_FILE } from "../drift/record.js";
import type { FileMap } from "./file-map.js";
import {
  isFolder,
  isStrayTemporary,
  makeFolder,
  systemReason,
  temporaryBeside,
} from "./files.js";

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
  /** Temporary files left by a dmgen run that was stopped while writing (removed on write). */
  readonly strays?: string[];
}

export function isStale(diff: OutputDiff): boolean {
  return diff.changed.length + diff.missing.length + diff.leftover.length > 0;
}

export async function diffOutput(
  outDir: string,
  files: FileMap,
): Promise<OutputDiff> {
  const { files: onDisk, strays } = await listFiles(outDir);
  const diff = {
    changed: [] as string[],
    missing: [] as string[],
    leftover: [] as string[],
    foreign: [] as string[],
    unchanged: 0,
    strays,
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

/** A file dmgen may overwrite or delete: it has the header, or it is the name lock or the record. */
function isGenerated(path: string, text: string): boolean {
  return (
    path === NAME_LOCK_FILE ||
    path === RECORD_FILE ||
    text.startsWith(GENERATED_HEADER)
  );
}

/**
 * Every `.ts` file below `dir`, the name lock and the record (only those can be generated; other
 * files, such as the input JSON beside an example, are not even read), as `/`-separated paths.
 * Another output inside this one (a folder with a name lock of its own) is not part of it: its
 * files are neither compared nor removed as leftovers. Nor is anything in `node_modules`.
 * Symbolic links to folders and files are followed (a linked `views/` is part of the output), each
 * folder once however many links lead to it.
 */
async function listFiles(
  dir: string,
): Promise<{ files: string[]; strays: string[] }> {
  const paths: string[] = [];
  try {
    await walkFolder(dir, "", new Set(), paths);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { files: [], strays: [] };
    if (code === "ENOTDIR")
      throw new UserError(
        "cannot be the output folder: it is a file, or inside one",
        dir,
      );
    throw error;
  }
  paths.sort(compareCodePoints);
  const otherOutputs = paths
    .filter((path) => path.endsWith(`/${NAME_LOCK_FILE}`))
    .map((path) => path.slice(0, -NAME_LOCK_FILE.length));
  const ours = paths.filter(
    (path) => !otherOutputs.some((folder) => path.startsWith(folder)),
  );
  return {
    files: ours.filter(
      (path) =>
        path.endsWith(".ts") || path === NAME_LOCK_FILE || path === RECORD_FILE,
    ),
    strays: ours.filter(isStrayTemporary),
  };
}

/**
 * Adds the files below `folder` (at `prefix`, `/`-separated) to `paths`, following symbolic links;
 * `seen` holds the real paths of the folders walked, so that a link loop ends.
 */
async function walkFolder(
  folder: string,
  prefix: string,
  seen: Set<string>,
  paths: string[],
): Promise<void> {
  const real = await realpath(folder);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = await readdir(folder, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const path = prefix + entry.name;
      const full = join(folder, entry.name);
      // A link counts as what it points to; a dangling one, or a socket or pipe, as nothing.
      const what = entry.isSymbolicLink()
        ? await stat(full).catch(() => undefined)
        : entry;
      if (what?.isDirectory() && entry.name !== "node_modules")
        await walkFolder(full, `${path}/`, seen, paths);
      else if (what?.isFile()) paths.push(path);
    }),
  );
}

/**
 * Writes what changed and deletes leftovers. Refuses (writing nothing) to overwrite foreign files.
 *
 * In two steps, so that a failure leaves the folder as it was: every file is first written to a
 * temporary file beside it; only when all are written are they renamed over their targets. A
 * failure while writing (no space, no permission, a folder where a file should be) removes the
 * temporary files and changes nothing; the error names the file and the reason.
 */
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
  const staged = await stageFiles(outDir, toWrite, files);
  await replaceFiles(outDir, staged);
  for (const path of diff.leftover) {
    await rm(join(outDir, path));
    await removeEmptyParents(outDir, dirname(join(outDir, path)));
  }
  await removeAll((diff.strays ?? []).map((path) => join(outDir, path)));
}

interface StagedFile {
  /** The output path, relative to the output folder. */
  readonly path: string;
  /** Where the text goes: the output path, or the file a symbolic link there points to. */
  readonly destination: string;
  readonly temporary: string;
}

/** Writes each file's text to a temporary file beside it; on failure, removes them all. */
async function stageFiles(
  outDir: string,
  paths: readonly string[],
  files: FileMap,
): Promise<StagedFile[]> {
  const staged: StagedFile[] = [];
  /** Folders this call created (the first of each chain), removed again on failure. */
  const created: string[] = [];
  try {
    await inParallel(
      [...new Set(paths.map((path) => dirname(join(outDir, path))))],
      WRITE_CONCURRENCY,
      async (folder) => {
        try {
          const first = await makeFolder(folder);
          if (first !== undefined) created.push(first);
        } catch (error) {
          throw folderError(outDir, folder, error);
        }
      },
    );
    await inParallel(paths, WRITE_CONCURRENCY, async (path) => {
      const target = join(outDir, path);
      if (await isFolder(target))
        throw new UserError(
          `cannot write ${path}: a folder of that name is in the way`,
          outDir,
        );
      // Renaming over a link would replace the link: its file is written instead.
      const destination = await linkedFile(target);
      const temporary = temporaryBeside(destination);
      staged.push({ path, destination, temporary });
      await writeFile(temporary, files.get(path)!, "utf8").catch(
        (error: unknown) => {
          throw writeError(outDir, path, error);
        },
      );
    });
  } catch (error) {
    await removeAll(staged.map((file) => file.temporary));
    for (const folder of created) await removeEmptyFolders(folder);
    throw error;
  }
  return staged;
}

/** The file a symbolic link at `path` points to, or `path` itself. */
async function linkedFile(path: string): Promise<string> {
  try {
    return (await lstat(path)).isSymbolicLink() ? await realpath(path) : path;
  } catch {
    return path; // not there yet (or a dangling link, replaced by the file)
  }
}

/** Renames the staged files over their targets (after every one was written). */
async function replaceFiles(
  outDir: string,
  staged: readonly StagedFile[],
): Promise<void> {
  const replaced: string[] = [];
  for (const [i, { path, destination, temporary }] of staged.entries()) {
    try {
      await rename(temporary, destination);
      replaced.push(path);
    } catch (error) {
      await removeAll(staged.slice(i).map((file) => file.temporary));
      const done =
        replaced.length === 0
          ? "no file was replaced"
          : `replaced before the failure: ${replaced.join(", ")}`;
      throw writeError(outDir, path, error, `; ${done}`);
    }
  }
}

async function removeAll(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => rm(path, { force: true })));
}

/**
 * A file-system failure as a message naming the output file and the reason, e.g.
 * `cannot write views/Pump.ts: no space left on device (ENOSPC)`, with no stack trace (and not
 * the temporary file's path, which the system's message names).
 */
function writeError(
  outDir: string,
  path: string,
  error: unknown,
  more = "",
): UserError {
  return new UserError(
    `cannot write ${path.split(sep).join("/")}: ${systemReason(error)}${more}`,
    outDir,
  );
}

/** A folder of the output that could not be created, as `writeError` says it. */
function folderError(
  outDir: string,
  folder: string,
  error: unknown,
): UserError {
  const where = relative(outDir, folder).split(sep).join("/");
  const what = where === "" ? "the output folder" : `the folder ${where}`;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "EEXIST" || code === "ENOTDIR"
      ? "a file is in the way"
      : systemReason(error);
  return new UserError(`cannot create ${what}: ${reason}`, outDir);
}

/** Files written at once: enough to keep the disk busy, few enough for any file-handle limit. */
const WRITE_CONCURRENCY = 32;

/**
 * Runs `work` over `items` with at most `limit` at a time. After a failure no new item starts; it
 * rejects with the first failure once the items already started have settled, so that the caller
 * can clean up after all of them.
 */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  if (failure) throw failure.error;
}

/** Removes `folder` and the folders in it, if nothing but folders is left in them. */
async function removeEmptyFolders(folder: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries)
    if (entry.isDirectory()) await removeEmptyFolders(join(folder, entry.name));
  try {
    await rmdir(folder);
  } catch {
    // not empty: something else is in it
  }
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

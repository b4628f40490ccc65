// File-system steps shared by `generate` (a folder of files) and `pull` (one file): making folders
// without hanging, temporary files with short names that a later run can recognize and remove,
// and Node's error messages turned into a reason a user can read.

import {
  mkdir,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";

/**
 * Creates `folder` and its missing parents, one level at a time; returns the first one created.
 * Not `mkdir` with `recursive`: where a folder cannot be made although its parent exists (a
 * special file system such as /proc), that one retries forever.
 */
export async function makeFolder(folder: string): Promise<string | undefined> {
  try {
    await mkdir(folder);
    return folder;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && (await isFolder(folder))) return undefined;
    const parent = dirname(folder);
    if (code !== "ENOENT" || parent === folder) throw error;
    const first = await makeFolder(parent);
    try {
      await mkdir(folder);
    } catch (again) {
      // Made by a parallel call meanwhile: fine.
      if (!(await isFolder(folder))) throw again;
    }
    return first ?? folder;
  }
}

export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Temporary files get short names of their own, whatever the length of the target's name. */
let temporaryCount = 0;

/** A new temporary file name in the folder of `target`: `.dmgen-<pid>-<n>.tmp`. */
export function temporaryBeside(target: string): string {
  return join(dirname(target), `.dmgen-${process.pid}-${++temporaryCount}.tmp`);
}

/** A temporary file (see `temporaryBeside`) of a dmgen run that is not running any more. */
export function isStrayTemporary(path: string): boolean {
  const match = /(?:^|\/)\.dmgen-(\d+)-\d+\.tmp$/.exec(path);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (error) {
    // EPERM: it exists (another user's); ESRCH: it is gone.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Node's "ENOSPC: no space left on device, open '<path>'" as "no space left on device (ENOSPC)". */
export function systemReason(error: unknown): string {
  const { code, message } = error as Partial<NodeJS.ErrnoException>;
  const reason = (message ?? String(error))
    .replace(/^[A-Z]+: /, "")
    .replace(/, \w+ '.*'$/, "");
  return `${reason}${code ? ` (${code})` : ""}`;
}

/**
 * Why `file` cannot be written, found without writing anything: a folder in its place, or a file
 * where one of its folders should be. Undefined when it looks writable (the write may still fail,
 * e.g. for lack of permission or space; `writeFileAtomically` says so then).
 */
export async function unwritableReason(
  file: string,
): Promise<string | undefined> {
  try {
    return (await stat(file)).isDirectory() ? "it is a folder" : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") return systemReason(error);
  }
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    try {
      return (await stat(folder)).isDirectory()
        ? undefined
        : `${folder} is a file, not a folder`;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return systemReason(error);
      if (dirname(folder) === folder) return undefined;
    }
  }
}

/**
 * Writes `text` to `file` so that readers see the old content or the new, never half of it: to a
 * temporary file beside it, then renamed into place. Missing folders are made. A failure removes
 * the temporary file and the folders this call made, and is a `UserError` naming `file` and the
 * reason. Temporary files a killed run left beside `file` are removed.
 */
export async function writeFileAtomically(
  file: string,
  text: string,
): Promise<void> {
  const reason = await unwritableReason(file);
  if (reason) throw new UserError(`cannot write this file: ${reason}`, file);
  let created: string | undefined;
  try {
    created = await makeFolder(dirname(file));
  } catch (error) {
    throw new UserError(
      `cannot create its folder: ${systemReason(error)}`,
      file,
    );
  }
  const temporary = temporaryBeside(file);
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    if (created !== undefined) await removeMadeFolders(dirname(file), created);
    throw new UserError(`cannot write this file: ${systemReason(error)}`, file);
  }
  await removeStrayTemporaries(dirname(file));
}

/** Removes the empty folders from `deepest` up to `first` (the folders a call made). */
async function removeMadeFolders(
  deepest: string,
  first: string,
): Promise<void> {
  for (let folder = deepest; ; folder = dirname(folder)) {
    try {
      await rmdir(folder); // only if empty: something else may have been put there meanwhile
    } catch {
      return;
    }
    if (folder === first || dirname(folder) === folder) return;
  }
}

/** Removes the temporary files of stopped dmgen runs in `folder` (not in folders below it). */
async function removeStrayTemporaries(folder: string): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => isStrayTemporary(name))
      .map((name) => rm(join(folder, name), { force: true })),
  );
}

import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UserError } from "../errors.js";
import { unwritableReason, writeFileAtomically } from "./files.js";

/** When set, writing a file whose name matches fails as a full disk would. */
const failing = vi.hoisted(() => ({
  pattern: undefined as RegExp | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...fs,
    writeFile: (...args: Parameters<typeof fs.writeFile>) => {
      const [path] = args;
      if (failing.pattern?.test(String(path))) {
        const error = new Error(
          `ENOSPC: no space left on device, open '${String(path)}'`,
        ) as NodeJS.ErrnoException;
        error.code = "ENOSPC";
        return Promise.reject(error);
      }
      return fs.writeFile(...args);
    },
  };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dmgen-files-"));
  failing.pattern = undefined;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("unwritableReason", () => {
  it.each([
    ["a new file in an existing folder", "new.json", undefined],
    ["a new file in folders still to make", "a/b/new.json", undefined],
    ["an existing file", "file.txt", undefined],
    ["a folder", "folder", "it is a folder"],
    [
      "a path inside a file",
      "file.txt/x.json",
      "file.txt is a file, not a folder",
    ],
    [
      "a path deep inside a file",
      "file.txt/a/b/x.json",
      "file.txt is a file, not a folder",
    ],
    [
      "a name over 255 bytes",
      `${"n".repeat(256)}.json`,
      "name too long (ENAMETOOLONG)",
    ],
  ])("%s", async (_, path, want) => {
    await writeFile(join(dir, "file.txt"), "x");
    await mkdir(join(dir, "folder"));
    const got = await unwritableReason(join(dir, path));
    expect(got?.replaceAll(dir + "/", "")).toBe(want);
  });
});

describe("writeFileAtomically", () => {
  it("replaces the file and leaves no temporary file", async () => {
    const file = join(dir, "views.json");
    await writeFile(file, "old");
    await writeFileAtomically(file, "new");
    expect(await readFile(file, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["views.json"]);
  });

  it("on a failed write keeps the old file, and removes its temporary file and the folders it made", async () => {
    failing.pattern = /\.dmgen-\d+-\d+\.tmp$/;
    const old = join(dir, "views.json");
    await writeFile(old, "old");
    await expect(writeFileAtomically(old, "new")).rejects.toThrow(
      new UserError(
        "cannot write this file: no space left on device (ENOSPC)",
        old,
      ),
    );
    expect(await readFile(old, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["views.json"]);

    const deep = join(dir, "a", "b", "views.json");
    await expect(writeFileAtomically(deep, "new")).rejects.toBeInstanceOf(
      UserError,
    );
    expect(await readdir(dir)).toEqual(["views.json"]);
  });
});

// `dmgen pull --out`: the built CLI against the emulator. A file that cannot be written is refused
// before any request, with one line naming it; a write that fails leaves nothing behind; names up
// to the file system's limit work (the temporary file's name does not grow with them).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from "vitest";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import { EXAMPLES_DIR, REPO_ROOT, scratchDir } from "./support/generated.js";

const exec = promisify(execFile);
const BIN = join(REPO_ROOT, "bin", "dmgen.js");

let emulator: RunningEmulator;
beforeAll(async () => {
  const movies = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({ views: movies.views });
});
afterAll(() => emulator.close());

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeEach(async () => {
  scratch = await scratchDir("pull-out");
});
afterEach(() => scratch.cleanup());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function pullTo(out: string): Promise<Run> {
  const args = [
    BIN,
    "pull",
    "--base-url",
    emulator.url,
    "--project",
    emulator.project,
    "--view",
    "mySpace:PersonView/v1",
    "--out",
    out,
  ];
  try {
    const { stdout, stderr } = await exec(process.execPath, args, {
      cwd: scratch.dir,
      env: { ...process.env, CDF_TOKEN: "t" },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The progress line pull prints after its request: absent when it refused before asking. */
const ASKED = "dmgen pull: views 1/1\n";

describe("dmgen pull --out", () => {
  it("refuses a folder, or a path inside a file, before any request", async () => {
    await writeFile(join(scratch.dir, "notes.txt"), "mine\n");
    const cases: [string, string][] = [
      [".", "it is a folder"],
      ["notes.txt/views.json", "notes.txt is a file, not a folder"],
      ["notes.txt/a/b/views.json", "notes.txt is a file, not a folder"],
      [`${"v".repeat(251)}.json`, "name too long (ENAMETOOLONG)"],
    ];
    for (const [out, reason] of cases) {
      const run = await pullTo(out);
      expect(run.code, out).toBe(2);
      expect(run.stderr, out).toBe(
        `dmgen: ${out}: --out cannot be written: ${reason}\n`,
      );
    }
    expect(await readFile(join(scratch.dir, "notes.txt"), "utf8")).toBe(
      "mine\n",
    );
    expect(await readdir(scratch.dir)).toEqual(["notes.txt"]);
  });

  it("writes a name of 255 characters, and makes missing folders", async () => {
    // The temporary file beside it used to be named after it, and was too long to create.
    for (const out of [`${"v".repeat(250)}.json`, "a/b/c/views.json"]) {
      const run = await pullTo(out);
      expect(run, out).toEqual({
        code: 0,
        stdout: `Wrote 1 view(s) to ${out}\n`,
        stderr: ASKED,
      });
      const written = JSON.parse(
        await readFile(join(scratch.dir, out), "utf8"),
      ) as { items: { externalId: string }[] };
      expect(written.items.map((view) => view.externalId)).toEqual([
        "PersonView",
      ]);
    }
    expect((await readdir(scratch.dir)).sort()).toEqual([
      "a",
      "v".repeat(250) + ".json",
    ]);
    expect(await readdir(join(scratch.dir, "a", "b", "c"))).toEqual([
      "views.json",
    ]);
  });

  it("removes the temporary file of a pull that was stopped while writing", async () => {
    const gone = await deadPid();
    const stray = join(scratch.dir, `.dmgen-${gone}-1.tmp`);
    const running = join(scratch.dir, `.dmgen-${process.pid}-1.tmp`);
    await writeFile(stray, "half of a file");
    await writeFile(running, "being written");
    expect((await pullTo("views.json")).code).toBe(0);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(running)).toBe(true);
  });

  it.runIf(process.platform === "linux" && existsSync("/proc/self"))(
    "stops where no folder can be made, instead of retrying forever",
    async () => {
      // Node's recursive mkdir spun at full CPU under /proc; pull now makes one level at a time.
      const run = await pullTo("/proc/dmgen-pull/views.json");
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        ASKED +
          "dmgen: /proc/dmgen-pull/views.json: cannot create its folder: no such file or directory (ENOENT)\n",
      );
    },
  );
});

/** The pid of a process that has ended (a child that ran and exited). */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ["-e", ""]);
  const pid = child.pid!;
  await new Promise((resolve) => child.on("exit", resolve));
  return pid;
}

import { spawn } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { emulatorCommand } from "../../src/cli/emulator-command.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import {
  loadState,
  saveState,
} from "../../src/emulator/persistence/persistence.js";
import {
  createStore,
  insertInstance,
  markDeleted,
  stamp,
  type InstanceStore,
  type StoredInstance,
} from "../../src/emulator/instances/store.js";
import { isUserError } from "../../src/errors.js";
import {
  client,
  movieView,
  moviesViews,
  node,
  TEST_SPACES,
} from "./support.js";

let dir: string;

/**
 * The data file's text once it contains `expected`: a save has happened. Polls (an event in
 * another process or timer, not a guess at how long it takes); fails after 20 s.
 */
async function savedText(file: string, expected: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (text.includes(expected)) return text;
    if (Date.now() > deadline)
      throw new Error(`${file} never contained ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dmgen-emulator-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function statuses(
  emulator: RunningEmulator,
  count: number,
): Promise<(number | "reset")[]> {
  const out: (number | "reset")[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const response = await fetch(
        `${emulator.url}/api/v1/projects/emulator/models/instances/list`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        },
      );
      await response.arrayBuffer();
      out.push(response.status);
    } catch {
      out.push("reset");
    }
  }
  return out;
}

describe("faults", () => {
  it("random faults are seeded: the same seed gives the same sequence", async () => {
    const runs: (number | "reset")[][] = [];
    for (let run = 0; run < 2; run++) {
      const emulator = await startEmulator({
        spaces: TEST_SPACES,
        faults: "429:0.3,503:0.2,reset:0.1",
        seed: 42,
      });
      try {
        runs.push(await statuses(emulator, 40));
      } finally {
        await emulator.close();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(new Set(runs[0])).toEqual(new Set([200, 429, 503, "reset"]));
  });

  it("scripted faults come first, with Retry-After and auto-retryable headers, then normal service", async () => {
    const emulator = await startEmulator({
      spaces: TEST_SPACES,
      views: moviesViews(),
    });
    try {
      const api = client(emulator);
      emulator.faults.failNext(2, 429, {
        retryAfter: 3,
        path: "/instances/list",
      });
      emulator.faults.failNext(1, 503, { autoRetryable: true });
      const first = await api.post("/models/instances/list", {});
      expect(first.status).toBe(429);
      expect(first.headers.get("retry-after")).toBe("3");
      const second = await api.post("/models/instances/list", {});
      expect(second.status).toBe(429);
      const third = await api.post("/models/instances/list", {});
      expect(third.status).toBe(503);
      expect(third.headers.get("retry-after")).toBeNull();
      expect(third.headers.get("cdf-is-auto-retryable")).toBe("true");
      expect((await api.post("/models/instances/list", {})).status).toBe(200);
      expect(emulator.faults.injected.map((f) => f.fault)).toEqual([
        "429",
        "429",
        "503",
      ]);
    } finally {
      await emulator.close();
    }
  });

  it("afterProcessing: the write happens although the client sees a failure", async () => {
    const emulator = await startEmulator({
      spaces: TEST_SPACES,
      views: moviesViews(),
    });
    try {
      const api = client(emulator);
      emulator.faults.resetNext(1, {
        afterProcessing: true,
        path: "/instances",
      });
      await expect(
        api.post("/models/instances", {
          items: [node("movies", "m", movieView, { title: "T" })],
        }),
      ).rejects.toThrow();
      const read = await api.ok("/models/instances/list", {});
      expect(read.items.map((i: any) => i.externalId)).toEqual(["m"]);
    } finally {
      await emulator.close();
    }
  });

  it("latency delays requests", async () => {
    // Counted, not timed: the server waits on a 60 ms timer before each answer.
    const timers = vi.spyOn(globalThis, "setTimeout");
    const emulator = await startEmulator({
      spaces: TEST_SPACES,
      faults: "latency:60ms",
    });
    try {
      expect(await statuses(emulator, 2)).toEqual([200, 200]);
      expect(timers.mock.calls.filter(([, ms]) => ms === 60)).toHaveLength(2);
    } finally {
      timers.mockRestore();
      await emulator.close();
    }
  });

  it("faults.set replaces the spec at run time; a bad spec throws a clear error", async () => {
    const emulator = await startEmulator({ spaces: TEST_SPACES });
    try {
      emulator.faults.set("500:1");
      expect(await statuses(emulator, 2)).toEqual([500, 500]);
      emulator.faults.set(null);
      expect(await statuses(emulator, 1)).toEqual([200]);
      expect(() => emulator.faults.set("418:2")).toThrow(
        /--faults: bad entry "418:2"/,
      );
    } finally {
      await emulator.close();
    }
  });
});

describe("persistence", () => {
  it("a deleted container of --views stays deleted after a restart, its views unavailable", async () => {
    const dataFile = join(dir, "state.ndjson");
    const options = { spaces: TEST_SPACES, views: moviesViews(), dataFile };
    const first = await startEmulator(options);
    await client(first).ok("/models/containers/delete", {
      items: [{ space: "mySpace", externalId: "Movie" }],
    });
    await first.close();
    const containersAndViews = async (emulator: RunningEmulator) => {
      const api = client(emulator);
      const ids = async (route: string) =>
        ((await api.get(route, "limit=1000")).body.items as any[])
          .map((item) => item.externalId as string)
          .sort();
      return [await ids("/models/containers"), await ids("/models/views")];
    };
    const second = await startEmulator(options);
    try {
      // MovieView is unavailable, but still a view (listed).
      expect(await containersAndViews(second)).toEqual([
        ["Actor", "Person"],
        ["ActorView", "MovieView", "PersonView"],
      ]);
      const read = await client(second).post("/models/instances/list", {
        sources: [{ source: movieView }],
      });
      expect(read.status).toBe(400);
      // Created again, the container makes the view available; that too survives a restart.
      await client(second).ok("/models/containers", {
        items: [
          {
            space: "mySpace",
            externalId: "Movie",
            properties: {
              title: { type: { type: "text" } },
              releaseYear: { type: { type: "int32" } },
            },
          },
        ],
      });
    } finally {
      await second.close();
    }
    const third = await startEmulator(options);
    try {
      expect(await containersAndViews(third)).toEqual([
        ["Actor", "Movie", "Person"],
        ["ActorView", "MovieView", "PersonView"],
      ]);
    } finally {
      await third.close();
    }
  });

  it("saves on close and loads at start: instances, versions, tombstones and sync cursors survive", async () => {
    const dataFile = join(dir, "state.ndjson");
    const first = await startEmulator({
      spaces: TEST_SPACES,
      views: moviesViews(),
      dataFile,
    });
    const api = client(first);
    await api.ok("/models/instances", {
      items: [
        node("movies", "a", movieView, { title: "A" }),
        node("movies", "b", movieView, { title: "B" }),
      ],
    });
    await api.ok("/models/instances", {
      items: [node("movies", "a", movieView, { title: "A2" })],
    });
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space: "movies", externalId: "b" }],
    });
    const sync = await api.ok("/models/instances/sync", {
      with: { m: { nodes: {} } },
      select: { m: {} },
    });
    await first.close();

    const second = await startEmulator({
      spaces: TEST_SPACES,
      views: moviesViews(),
      dataFile,
    });
    try {
      const api2 = client(second);
      const read = await api2.ok("/models/instances/byids", {
        items: [{ instanceType: "node", space: "movies", externalId: "a" }],
        sources: [{ source: movieView }],
      });
      expect(read.items[0]).toMatchObject({
        version: 2,
        properties: { mySpace: { "MovieView/v1": { title: "A2" } } },
      });
      await api2.ok("/models/instances", {
        items: [node("movies", "c", movieView, { title: "C" })],
      });
      const next = await api2.ok("/models/instances/sync", {
        with: { m: { nodes: {} } },
        select: { m: {} },
        cursors: sync.nextCursor,
      });
      expect(next.items.m.map((i: any) => i.externalId)).toEqual(["c"]);
      const all = await api2.ok("/models/instances/sync", {
        with: { m: { nodes: {}, skipAlreadyDeleted: false } },
        select: { m: {} },
      });
      expect(
        all.items.m.map((i: any) => [
          i.externalId,
          i.deletedTime !== undefined,
        ]),
      ).toEqual([
        ["a", false],
        ["b", true],
        ["c", false],
      ]);
    } finally {
      await second.close();
    }
  });

  it("saves at the interval, and a corrupt file is a clear error", async () => {
    const dataFile = join(dir, "state.ndjson");
    const emulator = await startEmulator({
      spaces: TEST_SPACES,
      views: moviesViews(),
      dataFile,
      saveIntervalMs: 20,
    });
    try {
      await client(emulator).ok("/models/instances", {
        items: [node("movies", "a", movieView, { title: "A" })],
      });
      // No close, no save call: only the interval can write the file.
      const text = await savedText(dataFile, '"movies","a"');
      expect(text.split("\n")[1]).toContain('"movies","a"');
    } finally {
      await emulator.close();
    }
    await writeFile(
      dataFile,
      '{"format":"dmgen-emulator-state","version":1,"seq":1,"autoIncrement":[]}\n[broken\n',
    );
    await expect(
      startEmulator({ spaces: TEST_SPACES, dataFile }),
    ).rejects.toThrow(/state file is corrupt at line 2/);
  });
});

function storedNode(externalId: string, title: string): StoredInstance {
  return {
    kind: "node",
    space: "movies",
    externalId,
    version: 1,
    createdTime: 1,
    lastUpdatedTime: 1,
    deletedTime: undefined,
    seq: 0,
    type: undefined,
    startNode: undefined,
    endNode: undefined,
    rows: { "mySpace:Movie": { title } },
  };
}

function entry(i: StoredInstance): [string, string] {
  return [
    i.externalId,
    JSON.stringify([i.externalId, i.version, i.seq, i.deletedTime, i.rows]),
  ];
}

/** Every instance's id, version, seq, deletion and rows. */
function snapshot(store: InstanceStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const space of store.spaces.values())
    for (const i of space.values()) out.set(...entry(i));
  return out;
}

describe("crash safety", () => {
  it("a save runs in slices while writes go on, and the file holds the state at its end", async () => {
    const store = createStore();
    for (let i = 0; i < 60_000; i++) {
      const instance = storedNode(`m${i}`, `Movie ${i}`);
      insertInstance(store, instance);
      stamp(store, instance);
    }
    const expected = snapshot(store);
    // What each write step changed, and the sequence number after it: the state at any step
    // boundary is the start plus every step up to it.
    const journal: { seq: number; changed: [string, string][] }[] = [];
    const file = join(dir, "state.ndjson");
    let saved = false;
    const write = (k: number): void => {
      if (saved) return;
      // Update an early and a late instance, delete one, create one: on both sides of the walk.
      const movies = store.spaces.get("movies")!;
      const early = movies.get(`m${k}`)!;
      early.rows = { "mySpace:Movie": { title: `changed ${k}` } };
      early.version++;
      stamp(store, early);
      const late = movies.get(`m${59_999 - k}`)!;
      markDeleted(store, late, 5);
      const created = storedNode(`new${k}`, `New ${k}`);
      insertInstance(store, created);
      stamp(store, created);
      journal.push({
        seq: store.seq,
        changed: [entry(early), entry(late), entry(created)],
      });
      setImmediate(() => write(k + 1));
    };
    write(0);
    await saveState(
      () => [{ project: "p", store, schema: () => undefined }],
      file,
    );
    saved = true;
    const sections = await loadState(file);
    expect(sections.map((s) => s.project)).toEqual(["p"]);
    const loaded = sections[0]!.store;
    for (const step of journal)
      if (step.seq <= loaded.seq)
        for (const [id, value] of step.changed) expected.set(id, value);
    // Writes ran during the walk and are in the file; requests never waited for most of the save.
    expect(loaded.seq - 60_000).toBeGreaterThan(3 * 3);
    expect(journal.some((step) => step.seq === loaded.seq)).toBe(true);
    // Counted, not timed: the walk let a write step run at least once per 1 MiB chunk it wrote.
    const chunks = Math.floor((await stat(file)).size / (1 << 20));
    expect(chunks).toBeGreaterThan(3);
    expect(journal.length).toBeGreaterThanOrEqual(chunks);
    expect(loaded.liveCount).toBe(
      [...expected.values()].filter((v) => JSON.parse(v)[3] === null).length,
    );
    expect(snapshot(loaded)).toEqual(expected);
  });

  it("temporary files of killed saves are removed at start; a live process's are kept", async () => {
    const dataFile = join(dir, "state.ndjson");
    const dead = "state.ndjson.tmp-999999999-1700000000000";
    const ours = `state.ndjson.tmp-${process.pid}-1700000000000`;
    const living = `state.ndjson.tmp-${process.ppid}-1700000000000`;
    for (const name of [dead, ours, living])
      await writeFile(join(dir, name), "partial");
    await writeFile(join(dir, "other.tmp-999999999-1"), "not ours");
    const emulator = await startEmulator({ dataFile });
    await emulator.close();
    expect((await readdir(dir)).sort()).toEqual(
      [living, "other.tmp-999999999-1", "state.ndjson"].sort(),
    );
  });

  it("a state file that could never be saved is refused at start, before any request", async () => {
    await writeFile(join(dir, "notes.txt"), "mine\n");
    const cases: [string, string][] = [
      [dir, "it is a folder"],
      [
        join(dir, "notes.txt", "state.ndjson"),
        `${join(dir, "notes.txt")} is a file, not a folder`,
      ],
      [join(dir, `${"s".repeat(256)}.ndjson`), "name too long (ENAMETOOLONG)"],
    ];
    for (const [dataFile, reason] of cases) {
      const error = await startEmulator({ dataFile }).catch((e: unknown) => e);
      expect(isUserError(error), dataFile).toBe(true);
      expect((error as Error).message).toBe(
        `${dataFile}: cannot save the state here: ${reason}`,
      );
    }
    expect(await readdir(dir)).toEqual(["notes.txt"]);
  });

  it("saves a state file named up to 255 bytes, in folders it makes, and removes strays of dead runs", async () => {
    // Its temporary file used to be `<name>.tmp-<pid>-<ms>`: too long to create near 255 bytes,
    // so the emulator ran and then lost everything at its first save.
    const dataFile = join(dir, "a", "b", `${"s".repeat(248)}.ndjson`);
    // Stopped before any request: the file holds no project, and the next start reads it.
    await (await startEmulator({ dataFile })).close();
    const emulator = await startEmulator({ dataFile });
    const spacesOf = (e: RunningEmulator) =>
      `${e.url}/api/v1/projects/${e.project}/models/spaces`;
    const created = await fetch(spacesOf(emulator), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ space: "kept" }] }),
    });
    expect(created.status).toBe(200);
    const stray = join(dir, "a", "b", ".dmgen-999999999-1.tmp");
    await writeFile(stray, "partial");
    await emulator.close();
    const again = await startEmulator({ dataFile });
    try {
      const listed = (await (await fetch(spacesOf(again))).json()) as {
        items: { space: string }[];
      };
      expect(listed.items.map((item) => item.space)).toContain("kept");
    } finally {
      await again.close();
    }
    expect(await readdir(join(dir, "a", "b"))).toEqual([
      `${"s".repeat(248)}.ndjson`,
    ]);
  });

  it("a failed save is one line naming the file, and the next save still runs", async () => {
    const folder = join(dir, "state");
    const dataFile = join(folder, "state.ndjson");
    const emulator = await startEmulator({ dataFile, spaces: ["before"] });
    try {
      // The folder goes away while the emulator runs, and a file takes its place.
      await rename(folder, join(dir, "moved"));
      await writeFile(folder, "in the way");
      const error = await emulator.save().catch((e: unknown) => e);
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toBe(
        `${dataFile}: cannot save the state: not a directory (ENOTDIR)`,
      );
      await rm(folder);
      await mkdir(folder);
      await emulator.save();
      expect(await readdir(folder)).toEqual(["state.ndjson"]);
    } finally {
      await emulator.close();
    }
  });

  it("kill -9 loses at most the last save interval: writes older than it survive", async () => {
    const dataFile = join(dir, "killed.ndjson");
    const bin = new URL("../../bin/dmgen.js", import.meta.url).pathname;
    const start = () => {
      const child = spawn(
        process.execPath,
        [
          bin,
          "emulator",
          "--data",
          dataFile,
          "--save-interval",
          "0.1",
          "--spaces",
          "s",
        ],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      const url = new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (chunk: Buffer) =>
          resolve(String(chunk).trim().split("\n")[0]!),
        );
        child.once("exit", (code) =>
          reject(new Error(`the emulator exited with ${code}`)),
        );
      });
      return { child, url };
    };
    const first = start();
    const base = `${await first.url}/api/v1/projects/emulator/models/instances`;
    const response = await fetch(base, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        items: [{ instanceType: "node", space: "s", externalId: "kept" }],
      }),
    });
    expect(response.status).toBe(200);
    // Killed once an interval's save holds the write (however long the loaded machine takes).
    await savedText(dataFile, '"s","kept"');
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGKILL");
    await exited;
    const second = start();
    try {
      const read = await fetch(
        `${await second.url}/api/v1/projects/emulator/models/instances/byids`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            items: [{ instanceType: "node", space: "s", externalId: "kept" }],
          }),
        },
      );
      const body = (await read.json()) as { items: unknown[] };
      expect(body.items).toHaveLength(1);
    } finally {
      const stopped = new Promise((resolve) =>
        second.child.once("exit", resolve),
      );
      second.child.kill("SIGTERM");
      await stopped;
    }
  });
});

describe("the CLI command (in process)", () => {
  /** Runs `dmgen emulator ...args`, capturing stdout; resolves when the command has returned. */
  function runCommand(args: string[]) {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const stderrWrite = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => (
      lines.push(...String(chunk).split("\n").filter(Boolean)),
      true
    )) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    const done = emulatorCommand()
      .exitOverride()
      .parseAsync(args, { from: "user" })
      .finally(() => {
        process.stdout.write = write;
        process.stderr.write = stderrWrite;
      });
    return { lines, done };
  }

  it("prints the URL first, serves, and saves state on SIGTERM", async () => {
    const dataFile = join(dir, "cli.ndjson");
    const { lines, done } = runCommand([
      "--port",
      "0",
      "--data",
      dataFile,
      "--project",
      "demo",
      "--spaces",
      "s",
      "--seed",
      "7",
    ]);
    while (lines.length === 0)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const url = lines[0]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    while (lines.length < 2)
      await new Promise((resolve) => setTimeout(resolve, 5));
    // The second line says how to point a client at it (project pinned here).
    expect(lines[1]).toBe(
      `Point a client at base URL ${url} with project "demo", e.g. ${url}/api/v1/projects/demo/models/views`,
    );
    const response = await fetch(
      `${url}/api/v1/projects/demo/models/instances`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          items: [{ instanceType: "node", space: "s", externalId: "n1" }],
        }),
      },
    );
    expect(response.status).toBe(200);
    process.emit("SIGTERM", "SIGTERM");
    await done;
    expect(await readFile(dataFile, "utf8")).toContain('"s","n1"');
  });

  it("says so in one line when the state cannot be saved on stop", async () => {
    const folder = join(dir, "kept");
    const dataFile = join(folder, "state.ndjson");
    const { lines, done } = runCommand(["--data", dataFile, "--spaces", "s"]);
    while (lines.length === 0)
      await new Promise((resolve) => setTimeout(resolve, 5));
    // The folder is replaced by a file while the emulator runs.
    await rm(folder, { recursive: true });
    await writeFile(folder, "in the way");
    process.emit("SIGTERM", "SIGTERM");
    const error = await done.catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe(
      `stopped (SIGTERM), but ${dataFile}: cannot save the state: not a directory (ENOTDIR); the changes since the last save are lost`,
    );
  });

  it("--faults reset:1:after: the write is done, the client sees the connection drop", async () => {
    const dataFile = join(dir, "after.ndjson");
    const { lines, done } = runCommand([
      "--faults",
      "reset:1:after",
      "--data",
      dataFile,
      "--spaces",
      "s",
    ]);
    while (lines.length === 0)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const item = { instanceType: "node", space: "s", externalId: "n1" };
    await expect(
      fetch(`${lines[0]!}/api/v1/projects/emulator/models/instances`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ items: [item] }),
      }),
    ).rejects.toThrow();
    process.emit("SIGTERM", "SIGTERM");
    await done;
    expect(await readFile(dataFile, "utf8")).toContain('"s","n1"');
  });

  it.each([
    [["--faults", "429:lots"], /^--faults: bad entry "429:lots"/],
    [["--faults", "reset:0.1:later"], /reset takes only the option "after"/],
    [
      ["--data", "x.ndjson", "--save-interval", "0"],
      /^--save-interval: expected seconds/,
    ],
    [["--save-interval", "2"], /^--save-interval: needs --data/],
    [["--port", "http"], /^--port: expected an integer/],
    [["--views", "/definitely/not/here.json"], /not\/here\.json/],
  ])("%j is a UserError", async (args, message) => {
    const { done } = runCommand(args as string[]);
    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});

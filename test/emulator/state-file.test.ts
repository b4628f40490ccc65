// The state file holds every project and is written in slices: a save of several projects while
// requests change them (and create a project) loads back as exactly the state at the save's end,
// files of earlier versions still load, and a cut-off or mixed file is a clear error.

import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  loadState,
  saveState,
  type ProjectSection,
  type ProjectSource,
} from "../../src/emulator/persistence/persistence.js";
import {
  createStore,
  insertInstance,
  markDeleted,
  stamp,
  type InstanceStore,
  type StoredInstance,
} from "../../src/emulator/instances/store.js";

const BIN = fileURLToPath(new URL("../../bin/dmgen.js", import.meta.url));

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dmgen-state-file-"));
  file = join(dir, "state.ndjson");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function storedNode(
  space: string,
  externalId: string,
  title: string,
): StoredInstance {
  return {
    kind: "node",
    space,
    externalId,
    version: 1,
    createdTime: 1,
    lastUpdatedTime: 1,
    deletedTime: undefined,
    seq: 0,
    type: undefined,
    startNode: undefined,
    endNode: undefined,
    rows: { "s:Thing": { title } },
  };
}

function add(store: InstanceStore, instance: StoredInstance): void {
  insertInstance(store, instance);
  stamp(store, instance);
}

/** Every instance's id, version, seq, deletion and rows, sorted; plus the store's seq and counters. */
function snapshot(store: InstanceStore): string {
  const lines: string[] = [];
  for (const space of store.spaces.values())
    for (const i of space.values())
      lines.push(
        JSON.stringify([
          i.space,
          i.externalId,
          i.version,
          i.seq,
          i.deletedTime ?? null,
          i.rows,
        ]),
      );
  lines.sort();
  return JSON.stringify({
    seq: store.seq,
    live: store.liveCount,
    counters: [...store.autoIncrement],
    lines,
  });
}

function loadedSnapshots(sections: ProjectSection[]): Record<string, string> {
  return Object.fromEntries(
    sections.map((s) => [s.project ?? "(unnamed)", snapshot(s.store)]),
  );
}

describe("state file: every project, saved in slices", () => {
  it("a save of several projects during writes loads back as the state at its end", async () => {
    const stores = new Map<string, InstanceStore>();
    for (const project of ["alpha", "beta"]) {
      const store = createStore();
      for (let i = 0; i < 15_000; i++)
        add(store, storedNode("s", `${project}${i}`, `${project} ${i}`));
      store.autoIncrement.set("s:Thing:n", 15_000);
      stores.set(project, store);
    }
    // Taken inside the save's last, synchronous step: the state the file must hold.
    const atEnd: Record<string, string> = {};
    const schemaCalls: string[] = [];
    let asked = 0;
    const projects = (): ProjectSource[] => {
      // The writes begin with the walk, as requests would arrive during it.
      if (asked++ === 0) setImmediate(() => write(0));
      return [...stores].map(([project, store]) => ({
        project,
        store,
        schema: () => {
          schemaCalls.push(project);
          atEnd[project] = snapshot(store);
          return { spaces: [{ space: "s", seenSeq: store.seq }] };
        },
      }));
    };
    let saving = true;
    let steps = 0;
    const write = (k: number): void => {
      if (!saving) return;
      steps++;
      const alpha = stores.get("alpha")!;
      const beta = stores.get("beta")!;
      const early = alpha.spaces.get("s")!.get(`alpha${k}`)!;
      early.rows = { "s:Thing": { title: `changed ${k}` } };
      early.version++;
      stamp(alpha, early);
      markDeleted(beta, beta.spaces.get("s")!.get(`beta${14_999 - k}`)!, 5);
      add(beta, storedNode("s", `new${k}`, `new ${k}`));
      beta.autoIncrement.set("s:Thing:n", 15_000 + k);
      // A project that appears while the walk runs: it is in the file too.
      if (k === 1) stores.set("gamma", createStore());
      const gamma = stores.get("gamma");
      if (gamma) add(gamma, storedNode("g", `g${k}`, `gamma ${k}`));
      setImmediate(() => write(k + 1));
    };
    await saveState(projects, file);
    saving = false;

    expect(steps).toBeGreaterThan(10);
    expect(schemaCalls).toEqual(["alpha", "beta", "gamma"]);
    const sections = await loadState(file);
    expect(sections.map((s) => s.project)).toEqual(["alpha", "beta", "gamma"]);
    expect(sections[2]!.store.liveCount).toBeGreaterThan(0);
    expect(loadedSnapshots(sections)).toEqual(atEnd);
    const loadedBeta = sections[1]!;
    expect(loadedBeta.schema).toEqual({
      spaces: [{ space: "s", seenSeq: JSON.parse(atEnd.beta!).seq }],
    });
    // The walk ran alongside the writes: both catch-up runs and the trailer follow it.
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    const headers = lines
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { project?: string; end?: true });
    expect(headers.map((h) => h.project ?? "trailer")).toEqual([
      "alpha",
      "beta",
      "alpha",
      "beta",
      "gamma",
      "trailer",
    ]);
  });

  it("a project without instances keeps its schema and counters", async () => {
    const store = createStore();
    store.autoIncrement.set("x", 7);
    await saveState(
      () => [{ project: "empty", store, schema: () => ({ spaces: [] }) }],
      file,
    );
    const [section] = await loadState(file);
    expect(section?.project).toBe("empty");
    expect(section?.schema).toEqual({ spaces: [] });
    expect([...section!.store.autoIncrement]).toEqual([["x", 7]]);
    expect(section!.store.spaces.size).toBe(0);
  });
});

const instanceLine = (externalId: string, seq: number, title: string) =>
  JSON.stringify([
    "node",
    "s",
    externalId,
    seq,
    1,
    1,
    null,
    seq,
    null,
    null,
    null,
    { "s:Thing": { title } },
  ]);

describe("state file: earlier versions still load", () => {
  const cases: {
    name: string;
    lines: string[];
    expected: Record<string, [seq: number, titles: Record<string, string>]>;
    schemas: Record<string, unknown>;
  }[] = [
    {
      name: "version 1 (one project, no trailer)",
      lines: [
        '{"format":"dmgen-emulator-state","version":1,"seq":4,"autoIncrement":[]}',
        instanceLine("a", 1, "A"),
        instanceLine("b", 4, "B"),
      ],
      expected: { "(unnamed)": [4, { a: "A", b: "B" }] },
      schemas: { "(unnamed)": undefined },
    },
    {
      name: "version 1 with a catch-up and trailer (sliced save)",
      lines: [
        '{"format":"dmgen-emulator-state","version":1,"seq":2,"autoIncrement":[]}',
        instanceLine("a", 1, "A"),
        instanceLine("b", 2, "B"),
        instanceLine("a", 5, "A later"),
        '{"end":true,"seq":6,"autoIncrement":[["n",3]]}',
      ],
      expected: { "(unnamed)": [6, { a: "A later", b: "B" }] },
      schemas: { "(unnamed)": undefined },
    },
    {
      name: "version 2 (a header per project with its schema)",
      lines: [
        '{"format":"dmgen-emulator-state","version":2,"project":"one","seq":3,"autoIncrement":[],"schema":{"spaces":[]}}',
        instanceLine("a", 3, "one A"),
        '{"format":"dmgen-emulator-state","version":2,"project":"two","seq":9,"autoIncrement":[]}',
        instanceLine("a", 9, "two A"),
      ],
      expected: {
        one: [3, { a: "one A" }],
        two: [9, { a: "two A" }],
      },
      schemas: { one: { spaces: [] }, two: undefined },
    },
  ];
  it.each(cases)("$name", async ({ lines, expected, schemas }) => {
    await writeFile(file, lines.join("\n") + "\n");
    const sections = await loadState(file);
    const got = Object.fromEntries(
      sections.map((s) => {
        const titles: Record<string, string> = {};
        for (const i of s.store.spaces.get("s")?.values() ?? [])
          titles[i.externalId] = String(i.rows["s:Thing"]?.title);
        return [s.project ?? "(unnamed)", [s.store.seq, titles]];
      }),
    );
    expect(got).toEqual(expected);
    expect(
      Object.fromEntries(
        sections.map((s) => [s.project ?? "(unnamed)", s.schema]),
      ),
    ).toEqual(schemas);
  });
});

describe("state file: damaged files are clear errors", () => {
  async function savedLines(): Promise<string[]> {
    const store = createStore();
    add(store, storedNode("s", "a", "A"));
    await saveState(
      () => [{ project: "p", store, schema: () => undefined }],
      file,
    );
    return (await readFile(file, "utf8")).trimEnd().split("\n");
  }

  const cases: [string, (lines: string[]) => string[], RegExp][] = [
    [
      "cut off before the trailer",
      (lines) => lines.slice(0, -1),
      /incomplete: its last line is not the trailer/,
    ],
    [
      "a line after the trailer",
      (lines) => [...lines, instanceLine("b", 9, "B")],
      /corrupt at line 4: a line after the trailer/,
    ],
    [
      "headers of two versions",
      (lines) => [
        ...lines.slice(0, -1),
        '{"format":"dmgen-emulator-state","version":2,"project":"q","seq":1,"autoIncrement":[]}',
        lines.at(-1)!,
      ],
      /corrupt at line 3: not a header of this file's version/,
    ],
    [
      "a broken instance line",
      (lines) => [lines[0]!, "[broken", ...lines.slice(2)],
      /corrupt at line 2/,
    ],
    [
      "an instance whose space is an object",
      (lines) => [
        lines[0]!,
        edit(lines[1]!, (l) => (l[1] = { a: 1 })),
        ...lines.slice(2),
      ],
      /corrupt at line 2: field space must be a space identifier, got \{"a":1\}/,
    ],
    [
      "an instance line missing its last field",
      (lines) => [
        lines[0]!,
        edit(lines[1]!, (l) => l.pop()),
        ...lines.slice(2),
      ],
      /corrupt at line 2: an instance line has 12 fields .*, this one 11/,
    ],
    [
      "rows that are not container rows",
      (lines) => [
        lines[0]!,
        edit(lines[1]!, (l) => (l[11] = { "s:C": 5 })),
        ...lines.slice(2),
      ],
      /corrupt at line 2: field rows must be an object of container rows .*, got \{"s:C":5\}/,
    ],
    [
      "an edge without its end node",
      (lines) => [
        lines[0]!,
        edit(lines[1]!, (l) => {
          l[0] = "edge";
          l[8] = { space: "s", externalId: "t" };
          l[9] = { space: "s", externalId: "a" };
        }),
        ...lines.slice(2),
      ],
      /corrupt at line 2: field endNode of an edge must be \{space, externalId\}, got null/,
    ],
    [
      "a version that is not a number",
      (lines) => [
        lines[0]!,
        edit(lines[1]!, (l) => (l[3] = "1")),
        ...lines.slice(2),
      ],
      /corrupt at line 2: field version must be an integer from 1, got "1"/,
    ],
    [
      "a header whose project is not a name",
      (lines) => [
        lines[0]!.replace('"project":"p"', '"project":{"x":1}'),
        ...lines.slice(1),
      ],
      /corrupt at line 1: field project must be a project name, got \{"x":1\}/,
    ],
    [
      "a trailer with broken counters",
      (lines) => [
        ...lines.slice(0, -1),
        lines.at(-1)!.replace('"autoIncrement":[]', '"autoIncrement":{"x":1}'),
      ],
      /corrupt at line 3: field autoIncrement must be a list of \[key, number\] pairs, got \{"x":1\}/,
    ],
    [
      "another kind of file",
      () => ['{"hello":"world"}'],
      /not a dmgen emulator state file/,
    ],
  ];
  it.each(cases)("%s", async (_name, damage, message) => {
    const lines = await savedLines();
    const damaged = damage(lines);
    expect(damaged).not.toEqual(lines);
    await writeFile(file, damaged.join("\n") + "\n");
    await expect(loadState(file)).rejects.toThrow(message);
  });

  it("`dmgen emulator --data` exits 2 naming the file and line, and leaves the file as it was", async () => {
    const lines = await savedLines();
    const damaged =
      [
        lines[0]!,
        edit(lines[1]!, (l) => (l[1] = { a: 1 })),
        ...lines.slice(2),
      ].join("\n") + "\n";
    await writeFile(file, damaged);
    const run = spawnSync(
      process.execPath,
      [BIN, "emulator", "--port", "0", "--data", file],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe(
      `dmgen: ${file}: the state file is corrupt at line 2: field space must be a space identifier, got {"a":1}`,
    );
    expect(await readFile(file, "utf8")).toBe(damaged);
  });
});

/** An instance line of the file with one change. */
function edit(line: string, change: (fields: unknown[]) => void): string {
  const fields = JSON.parse(line) as unknown[];
  change(fields);
  return JSON.stringify(fields);
}

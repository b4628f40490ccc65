// Emulator benchmark: apply 100k small nodes (1000 per request, 4 in flight, real HTTP), sync
// them back (2000 per page), then fill the store to 1M nodes and report the heap; then page the
// children of one parent (25k and 100k of them) as `include` does, through edges and through a
// direct relation, and sync that graph. Bounded in time; prints a table and exits. Run with
// `npm run bench:emulator` (`-- --paging` runs only the paging rows).

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import type { ViewDefinition } from "../src/input/types.js";

const VIEW: ViewDefinition = {
  space: "bench",
  externalId: "Item",
  version: "v1",
  implements: [],
  writable: true,
  queryable: true,
  usedFor: "node",
  isGlobal: false,
  mappedContainers: [{ type: "container", space: "bench", externalId: "Item" }],
  properties: {
    name: {
      kind: "mapped",
      container: { type: "container", space: "bench", externalId: "Item" },
      containerPropertyIdentifier: "name",
      type: { type: "text", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
    value: {
      kind: "mapped",
      container: { type: "container", space: "bench", externalId: "Item" },
      containerPropertyIdentifier: "value",
      type: { type: "int32", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
    parent: {
      kind: "mapped",
      container: { type: "container", space: "bench", externalId: "Item" },
      containerPropertyIdentifier: "parent",
      type: { type: "direct", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
  },
};
const SOURCE = {
  type: "view",
  space: "bench",
  externalId: "Item",
  version: "v1",
};
const DEADLINE_MS = 120_000;

interface Row {
  what: string;
  count: number;
  seconds: number;
  rate: string;
  target: string;
}

function batchBody(start: number, size: number): string {
  const items = [];
  for (let i = start; i < start + size; i++) {
    items.push({
      instanceType: "node",
      space: "bench",
      externalId: `item-${i}`,
      sources: [
        {
          source: SOURCE,
          properties: { name: `Item ${i}`, value: i % 100_000 },
        },
      ],
    });
  }
  return JSON.stringify({ items });
}

async function post(
  emulator: RunningEmulator,
  route: string,
  body: string,
): Promise<any> {
  const response = await fetch(
    `${emulator.url}/api/v1/projects/${emulator.project}/models${route}`,
    { method: "POST", headers: { "content-type": "application/json" }, body },
  );
  const json = await response.json();
  if (response.status !== 200)
    throw new Error(
      `${route} → ${response.status}: ${JSON.stringify(json).slice(0, 300)}`,
    );
  return json;
}

/** Applies nodes [from, to) in requests of 1000 with `inFlight` requests at a time. */
async function applyRange(
  emulator: RunningEmulator,
  from: number,
  to: number,
  inFlight: number,
  started: number,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      if (performance.now() - started > DEADLINE_MS)
        throw new Error("benchmark deadline passed");
      const start = next;
      next += 1000;
      await post(
        emulator,
        "/instances",
        batchBody(start, Math.min(1000, to - start)),
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function syncAll(emulator: RunningEmulator): Promise<number> {
  let cursors: Record<string, string> | undefined;
  let total = 0;
  for (;;) {
    const body = {
      with: {
        items: { nodes: { filter: { hasData: [SOURCE] } }, limit: 2000 },
      },
      select: { items: { sources: [{ source: SOURCE, properties: ["*"] }] } },
      ...(cursors ? { cursors } : {}),
    };
    const page = await post(emulator, "/instances/sync", JSON.stringify(body));
    total += page.items.items.length;
    cursors = page.nextCursor;
    if (page.items.items.length < 2000) return total;
  }
}

const PARENT = { space: "bench", externalId: "parent" };
const CHILD_EDGE = { space: "bench", externalId: "child" };

/** One parent node, `children` nodes whose `parent` relation points at it, and an edge to each. */
async function applyFamily(
  emulator: RunningEmulator,
  children: number,
  started: number,
): Promise<void> {
  await post(
    emulator,
    "/instances",
    JSON.stringify({
      items: [
        {
          instanceType: "node",
          ...PARENT,
          sources: [{ source: SOURCE, properties: { name: "parent" } }],
        },
      ],
    }),
  );
  for (let start = 0; start < children; start += 500) {
    if (performance.now() - started > DEADLINE_MS)
      throw new Error("benchmark deadline passed");
    const items = [];
    for (let i = start; i < Math.min(children, start + 500); i++) {
      const child = { space: "bench", externalId: `child-${i}` };
      items.push(
        {
          instanceType: "node",
          ...child,
          sources: [
            {
              source: SOURCE,
              properties: { name: `Child ${i}`, value: i, parent: PARENT },
            },
          ],
        },
        {
          instanceType: "edge",
          space: "bench",
          externalId: `edge-${i}`,
          type: CHILD_EDGE,
          startNode: PARENT,
          endNode: child,
        },
      );
    }
    await post(emulator, "/instances", JSON.stringify({ items }));
  }
}

const ROOT_SET = {
  nodes: { filter: { instanceReferences: [PARENT] } },
  limit: 1000,
};
const ITEM_SELECT = { sources: [{ source: SOURCE, properties: ["*"] }] };

/** Follows `follow`'s cursor to the end, as `include` does; returns how many `count` items came back. */
async function pageQuery(
  emulator: RunningEmulator,
  query: { with: Record<string, unknown>; select: Record<string, unknown> },
  follow: string,
  count: string,
): Promise<number> {
  let cursor: string | undefined;
  let total = 0;
  do {
    const page = await post(
      emulator,
      "/instances/query",
      JSON.stringify({
        ...query,
        ...(cursor ? { cursors: { [follow]: cursor } } : {}),
      }),
    );
    total += page.items[count].length;
    cursor = page.nextCursor?.[follow];
  } while (cursor);
  return total;
}

const THROUGH_EDGES = {
  with: {
    root: ROOT_SET,
    edges: {
      edges: {
        from: "root",
        direction: "outwards",
        maxDistance: 1,
        filter: { equals: { property: ["edge", "type"], value: CHILD_EDGE } },
      },
      limit: 1000,
    },
    children: { nodes: { from: "edges", chainTo: "destination" }, limit: 1000 },
  },
  select: { root: {}, edges: {}, children: ITEM_SELECT },
};

const THROUGH_RELATION = {
  with: {
    root: ROOT_SET,
    children: {
      nodes: {
        from: "root",
        through: { source: SOURCE, identifier: "parent" },
        direction: "inwards",
      },
      limit: 1000,
    },
  },
  select: { root: {}, children: ITEM_SELECT },
};

/** Syncs root → edges → children (2000 per set and page) until every set is caught up. */
async function syncGraph(emulator: RunningEmulator): Promise<number> {
  const withSets = {
    root: { ...ROOT_SET, limit: 2000 },
    edges: { ...THROUGH_EDGES.with.edges, limit: 2000 },
    children: { ...THROUGH_EDGES.with.children, limit: 2000 },
  };
  let cursors: Record<string, string> | undefined;
  let total = 0;
  for (;;) {
    const page = await post(
      emulator,
      "/instances/sync",
      JSON.stringify({
        with: withSets,
        select: THROUGH_EDGES.select,
        ...(cursors ? { cursors } : {}),
      }),
    );
    const lengths = Object.values(page.items as Record<string, unknown[]>).map(
      (list) => list.length,
    );
    total += lengths.reduce((a, b) => a + b, 0);
    cursors = page.nextCursor;
    if (lengths.every((n) => n < 2000)) return total;
  }
}

/** Include and graph sync over 25k and 100k children: linear paging takes at most 6× for 4×. */
async function pagingRows(started: number): Promise<Row[]> {
  const rows: Row[] = [];
  const firsts = new Map<string, number>();
  for (const children of [25_000, 100_000]) {
    const emulator = await startEmulator({ views: [VIEW] });
    try {
      await applyFamily(emulator, children, started);
      const runs: [string, () => Promise<number>][] = [
        [
          "include children through edges (1000/page)",
          () => pageQuery(emulator, THROUGH_EDGES, "edges", "children"),
        ],
        [
          "include children through a direct relation (1000/page)",
          () => pageQuery(emulator, THROUGH_RELATION, "children", "children"),
        ],
        [
          "sync parent → edges → children (2000/page)",
          () => syncGraph(emulator),
        ],
      ];
      for (const [what, run] of runs) {
        const t = performance.now();
        const count = await run();
        const seconds = (performance.now() - t) / 1000;
        const first = firsts.get(what);
        if (first === undefined) firsts.set(what, seconds);
        rows.push({
          what: `${what}, ${children / 1000}k children`,
          count,
          seconds,
          rate:
            first === undefined
              ? `${Math.round(count / seconds).toLocaleString("en")} items/s`
              : `${(seconds / first).toFixed(1)}× the 25k time`,
          target: first === undefined ? "" : "≤ 6× the 25k time",
        });
      }
    } finally {
      await emulator.close();
    }
  }
  return rows;
}

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

async function main(): Promise<void> {
  const started = performance.now();
  if (process.argv.includes("--paging")) {
    printTable(await pagingRows(started));
    return;
  }
  const emulator = await startEmulator({ views: [VIEW] });
  const rows: Row[] = [];
  try {
    let t = performance.now();
    await applyRange(emulator, 0, 100_000, 4, started);
    let seconds = (performance.now() - t) / 1000;
    rows.push({
      what: "apply (1000/request, 4 in flight)",
      count: 100_000,
      seconds,
      rate: `${Math.round(100_000 / seconds).toLocaleString("en")} nodes/s`,
      target: "≥ 50,000 nodes/s",
    });

    // Three passes over unchanged data: the first writes each page with one stringify, the
    // second keeps each instance's text, later ones join kept texts.
    for (const pass of ["", ", 2nd pass", ", 3rd pass"]) {
      t = performance.now();
      const synced = await syncAll(emulator);
      seconds = (performance.now() - t) / 1000;
      rows.push({
        what: `sync (2000/page${pass})`,
        count: synced,
        seconds,
        rate: `${Math.round(synced / seconds).toLocaleString("en")} instances/s`,
        target: "≥ 100,000 instances/s",
      });
    }

    t = performance.now();
    await applyRange(emulator, 100_000, 1_000_000, 8, started);
    seconds = (performance.now() - t) / 1000;
    collectGarbage();
    const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
    rows.push({
      what: "store 1M nodes (heap after GC)",
      count: emulator.instanceCount(),
      seconds,
      rate: `${Math.round(heapMb)} MB heap`,
      target: "< 1024 MB",
    });
  } finally {
    await emulator.close();
  }
  rows.push(...(await pagingRows(performance.now())));
  printTable(rows);
}

function printTable(rows: Row[]): void {
  const header = ["measurement", "count", "seconds", "result", "target"];
  const cells = rows.map((r) => [
    r.what,
    r.count.toLocaleString("en"),
    r.seconds.toFixed(2),
    r.rate,
    r.target,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => c[i]!.length)),
  );
  const line = (c: string[]) =>
    c.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

// Emulator benchmark: apply 100k small nodes (1000 per request, 4 in flight, real HTTP), sync
// them back (2000 per page), then fill the store to 1M nodes and report the heap. Bounded in
// time; prints a table and exits. Run with `npm run bench:emulator`.

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

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

async function main(): Promise<void> {
  const started = performance.now();
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

// How long a state save stalls requests: fills a store with N instances (default 1M, set
// BENCH_SAVE_INSTANCES), then saves it while a 1 ms timer measures the longest gap in the event
// loop (a request arriving then waits that long) and writes keep changing the store. Checks that
// the file loads back with exactly the store's state at the end of the save.
// Run with `npm run bench:save`.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadState,
  saveState,
} from "../src/emulator/persistence/persistence.js";
import {
  createStore,
  insertInstance,
  stamp,
  type InstanceStore,
  type StoredInstance,
} from "../src/emulator/instances/store.js";

const COUNT = Number(process.env.BENCH_SAVE_INSTANCES ?? 1_000_000);

function fill(store: InstanceStore, count: number): void {
  for (let i = 0; i < count; i++) {
    const instance: StoredInstance = {
      kind: "node",
      space: "bench",
      externalId: `item-${i}`,
      version: 1,
      createdTime: 1_700_000_000_000 + i,
      lastUpdatedTime: 1_700_000_000_000 + i,
      deletedTime: undefined,
      seq: 0,
      type: undefined,
      startNode: undefined,
      endNode: undefined,
      rows: { "bench:Item": { name: `Item number ${i}`, value: i % 1000 } },
    };
    insertInstance(store, instance);
    stamp(store, instance);
  }
}

/** Changes one instance now and then while the save runs, as requests would. */
function startWrites(store: InstanceStore): () => number {
  let writes = 0;
  const timer = setInterval(() => {
    const instance = store.spaces.get("bench")!.get(`item-${writes * 7}`)!;
    instance.rows = { "bench:Item": { name: `changed ${writes}`, value: -1 } };
    instance.version++;
    stamp(store, instance);
    writes++;
  }, 2);
  return () => {
    clearInterval(timer);
    return writes;
  };
}

function measureStalls(): () => number {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  return () => {
    clearInterval(timer);
    return worst;
  };
}

/** Order-independent: a loaded store inserts instances in sequence order, not the original order. */
function fingerprint(store: InstanceStore): string {
  const lines: string[] = [];
  for (const space of store.spaces.values())
    for (const i of space.values())
      lines.push(
        `${i.externalId}:${i.version}:${i.seq}:${JSON.stringify(i.rows)}`,
      );
  lines.sort();
  return `${store.seq}/${store.liveCount}/${lines.length}/${hash(lines.join(";"))}`;
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "dmgen-save-bench-"));
  try {
    const store = createStore();
    fill(store, COUNT);
    const file = join(folder, "state.ndjson");
    const stopStalls = measureStalls();
    const stopWrites = startWrites(store);
    const started = performance.now();
    const projects = () => [
      { project: "bench", store, schema: () => undefined },
    ];
    await saveState(projects, file);
    const seconds = (performance.now() - started) / 1000;
    const writes = stopWrites();
    const worstMs = stopStalls();
    const [loaded] = await loadState(file);
    console.table([
      {
        instances: COUNT,
        "save s": seconds.toFixed(2),
        "longest stall ms": worstMs.toFixed(0),
        "writes during save": writes,
        "loaded live": loaded?.store.liveCount,
        "loaded seq": loaded?.store.seq,
        "store seq": store.seq,
      },
    ]);
    await saveState(projects, file);
    const [again] = await loadState(file);
    if (!again || fingerprint(again.store) !== fingerprint(store))
      throw new Error("a saved and reloaded store differs from the original");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();

// Runtime benchmark: the runtime's apply and sync engines against a hand-written undici loop that
// sends the same requests with the same concurrency, both into the emulator (running in a worker
// thread so client and server do not share one event loop); then a long sync to show that memory
// stays flat. Prints a table. Run with `npm run bench:runtime` (after `npm run build`).
// Options: --nodes <n> (default 100000), --memory-instances <n> (default 1000000).

import { Worker } from "node:worker_threads";
import { Agent } from "undici";
import type { ViewDefinition } from "../src/input/types.js";
import { DmsClient } from "../templates/runtime/read/dms-client.js";
import { createUndiciTransport } from "../templates/runtime/core/transport-undici.js";
import type { NodeWrite, SyncRequest } from "../templates/runtime/core/wire.js";

const CONTAINER = {
  type: "container",
  space: "bench",
  externalId: "Item",
} as const;
const VIEW: ViewDefinition = {
  space: "bench",
  externalId: "Item",
  version: "v1",
  implements: [],
  writable: true,
  queryable: true,
  usedFor: "node",
  isGlobal: false,
  mappedContainers: [CONTAINER],
  properties: {
    name: {
      kind: "mapped",
      container: CONTAINER,
      containerPropertyIdentifier: "name",
      type: { type: "text", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
    value: {
      kind: "mapped",
      container: CONTAINER,
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
} as const;
const CONCURRENCY = 2;
const CHUNK = 1000;
const SYNC_LIMIT = 1000;
const TOKEN = "bench-token";
const TIME_LIMIT_MS = 600_000;

interface EmulatorHandle {
  readonly url: string;
  readonly project: string;
  close(): Promise<void>;
}

/** Starts the emulator in a worker thread. */
async function startEmulatorWorker(): Promise<EmulatorHandle> {
  const moduleUrl = new URL("../src/emulator/index.js", import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    import(${JSON.stringify(moduleUrl)}).then(async ({ startEmulator }) => {
      const running = await startEmulator({ views: workerData.views, port: 0 });
      parentPort.postMessage({ url: running.url, project: running.project });
      parentPort.on("message", async () => { await running.close(); parentPort.postMessage("closed"); process.exit(0); });
    });`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { views: [VIEW] },
  });
  const address = await new Promise<{ url: string; project: string }>(
    (resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    },
  );
  return {
    ...address,
    close: async () => {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("close");
      await exited;
    },
  };
}

function nodeWrites(start: number, count: number): NodeWrite[] {
  const writes: NodeWrite[] = [];
  for (let i = start; i < start + count; i++) {
    writes.push({
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
  return writes;
}

const HEADERS = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
  accept: "application/json",
  "cdf-version": "20230101",
};

/** The baseline: a hand-written undici loop, `concurrency` workers taking chunks in turn. */
async function rawApply(
  emulator: EmulatorHandle,
  writes: NodeWrite[],
  concurrency: number,
): Promise<void> {
  const agent = new Agent({ connections: 8 });
  const url = `${emulator.url}/api/v1/projects/${emulator.project}/models/instances`;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < writes.length) {
      const start = next;
      next += CHUNK;
      const response = await agent.request({
        origin: emulator.url,
        path: new URL(url).pathname,
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify({ items: writes.slice(start, start + CHUNK) }),
      });
      const body = (await response.body.json()) as { items: unknown[] };
      if (response.statusCode !== 200)
        throw new Error(`apply failed: ${JSON.stringify(body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await agent.close();
}

function syncRequest(): SyncRequest {
  return {
    with: {
      items: { nodes: { filter: { hasData: [SOURCE] } }, limit: SYNC_LIMIT },
    },
    select: { items: { sources: [{ source: SOURCE, properties: ["*"] }] } },
  };
}

/** The baseline sync: post with the cursor until a page comes back shorter than the limit. */
async function rawSync(emulator: EmulatorHandle): Promise<number> {
  const agent = new Agent({ connections: 2 });
  const path = `/api/v1/projects/${emulator.project}/models/instances/sync`;
  let cursor: string | undefined;
  let count = 0;
  for (;;) {
    const request = syncRequest();
    const response = await agent.request({
      origin: emulator.url,
      path,
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify(
        cursor ? { ...request, cursors: { items: cursor } } : request,
      ),
    });
    const body = (await response.body.json()) as {
      items: { items: unknown[] };
      nextCursor: { items: string };
    };
    count += body.items.items.length;
    cursor = body.nextCursor.items;
    if (body.items.items.length < SYNC_LIMIT) break;
  }
  await agent.close();
  return count;
}

function client(
  emulator: EmulatorHandle,
  concurrency = CONCURRENCY,
): DmsClient {
  return new DmsClient({
    baseUrl: emulator.url,
    project: emulator.project,
    credentials: { token: TOKEN },
    transport: createUndiciTransport({ connections: 8 }),
    concurrency,
  });
}

async function runtimeSync(
  emulator: EmulatorHandle,
  onPage?: () => void,
): Promise<number> {
  const dms = client(emulator);
  let count = 0;
  for await (const page of dms.sync(syncRequest())) {
    count +=
      (page.upserts.items?.length ?? 0) + (page.deletes.items?.length ?? 0);
    onPage?.();
  }
  await dms.close();
  return count;
}

async function timed<T>(
  work: () => Promise<T>,
): Promise<{ seconds: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { seconds: (performance.now() - start) / 1000, result };
}

async function withEmulator<T>(
  work: (emulator: EmulatorHandle) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulatorWorker();
  try {
    return await work(emulator);
  } finally {
    await emulator.close();
  }
}

/** Best of `rounds` alternating runs of each side, each into a fresh emulator. */
async function compareApply(
  count: number,
  rounds: number,
): Promise<{ raw: number; runtime: number }> {
  const writes = nodeWrites(0, count);
  let raw = Infinity;
  let runtime = Infinity;
  for (let round = 0; round < rounds; round++) {
    const rawSeconds = await withEmulator(
      async (e) =>
        (await timed(() => rawApply(e, writes, CONCURRENCY))).seconds,
    );
    raw = Math.min(raw, rawSeconds);
    runtime = Math.min(
      runtime,
      await withEmulator(async (e) => {
        const dms = client(e);
        const { seconds, result } = await timed(() => dms.apply(writes));
        await dms.close();
        if (result.items.length !== count)
          throw new Error(`runtime applied ${result.items.length} of ${count}`);
        return seconds;
      }),
    );
    if (process.argv.includes("--verbose"))
      console.error(
        `apply round ${round}: raw ${rawSeconds.toFixed(3)} s, runtime best ${runtime.toFixed(3)} s`,
      );
  }
  return { raw, runtime };
}

async function compareSync(
  count: number,
  rounds: number,
): Promise<{ raw: number; runtime: number }> {
  return withEmulator(async (emulator) => {
    await rawApply(emulator, nodeWrites(0, count), 4);
    let raw = Infinity;
    let runtime = Infinity;
    for (let round = 0; round < rounds; round++) {
      // Alternate which side goes first, so neither always runs on a warmer emulator.
      const first = round % 2 === 0;
      const b0 = first ? undefined : await timed(() => runtimeSync(emulator));
      const a = await timed(() => rawSync(emulator));
      const b = b0 ?? (await timed(() => runtimeSync(emulator)));
      if (a.result !== count || b.result !== count)
        throw new Error(`synced ${a.result} / ${b.result} of ${count}`);
      raw = Math.min(raw, a.seconds);
      runtime = Math.min(runtime, b.seconds);
    }
    return { raw, runtime };
  });
}

interface MemoryReport {
  readonly count: number;
  readonly seconds: number;
  /** heapUsed (MB) after 10 %, 50 % and 100 % of the pages. */
  readonly heapAt: readonly number[];
  readonly peakHeapMb: number;
  readonly peakRssMb: number;
}

async function syncMemory(count: number): Promise<MemoryReport> {
  return withEmulator(async (emulator) => {
    for (let start = 0; start < count; start += 100_000) {
      await rawApply(
        emulator,
        nodeWrites(start, Math.min(100_000, count - start)),
        4,
      );
    }
    const pagesTotal = Math.ceil(count / SYNC_LIMIT);
    const checkpoints = new Set([
      Math.ceil(pagesTotal * 0.1),
      Math.ceil(pagesTotal * 0.5),
      pagesTotal,
    ]);
    const heapAt: number[] = [];
    let pages = 0;
    let peakHeap = 0;
    let peakRss = 0;
    const { seconds, result } = await timed(() =>
      runtimeSync(emulator, () => {
        pages++;
        const usage = process.memoryUsage();
        peakHeap = Math.max(peakHeap, usage.heapUsed);
        peakRss = Math.max(peakRss, usage.rss);
        if (checkpoints.has(pages)) heapAt.push(mb(usage.heapUsed));
      }),
    );
    if (result !== count) throw new Error(`synced ${result} of ${count}`);
    return {
      count,
      seconds,
      heapAt,
      peakHeapMb: mb(peakHeap),
      peakRssMb: mb(peakRss),
    };
  });
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const nodes = argument("--nodes", 100_000);
  const memoryInstances = argument("--memory-instances", 1_000_000);
  const deadline = setTimeout(() => {
    console.error(`bench:runtime: over ${TIME_LIMIT_MS / 1000} s, stopping`);
    process.exit(1);
  }, TIME_LIMIT_MS);
  deadline.unref();

  await compareApply(10_000, 1); // warm up both sides
  const apply = await compareApply(nodes, argument("--rounds", 5));
  const sync = await compareSync(nodes, argument("--rounds", 5));
  const memorySmall = await syncMemory(nodes);
  const memory = await syncMemory(memoryInstances);

  const ratio = (r: { raw: number; runtime: number }) =>
    (r.runtime / r.raw).toFixed(2);
  const rows = [
    ["case", "raw undici (s)", "runtime (s)", "ratio", "target"],
    [
      `apply ${nodes} nodes, ${CONCURRENCY} in flight`,
      apply.raw.toFixed(2),
      apply.runtime.toFixed(2),
      ratio(apply),
      "<= 1.10",
    ],
    [
      `sync ${nodes} nodes, ${SYNC_LIMIT}/page`,
      sync.raw.toFixed(2),
      sync.runtime.toFixed(2),
      ratio(sync),
      "<= 1.10",
    ],
  ];
  printTable(rows);
  console.log("");
  printTable([
    [
      "sync memory",
      "seconds",
      "heap MB at 10/50/100 %",
      "peak heap MB",
      "peak RSS MB",
    ],
    ...[memorySmall, memory].map((m) => [
      `${m.count} instances`,
      m.seconds.toFixed(1),
      m.heapAt.join(" / "),
      String(m.peakHeapMb),
      String(m.peakRssMb),
    ]),
  ]);
  console.log(
    "(RSS includes the emulator worker thread, which holds every instance; heap is the client's.)",
  );
  const failed = Number(ratio(apply)) > 1.1 || Number(ratio(sync)) > 1.1;
  process.exitCode = failed ? 1 : 0;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => row[column]!.length)),
  );
  for (const row of rows)
    console.log(
      row.map((cell, column) => cell.padEnd(widths[column]!)).join("  "),
    );
}

await main();

// Typed-path benchmark: the generated typed client against a hand-written undici loop, plain
// fetch, the runtime's DmsClient and @cognite/sdk 10.x (sequential chunk loop and at equal
// concurrency), side by side, into two targets in their own processes: the emulator and a
// minimal canned responder (which makes the client the bottleneck). Contenders alternate round by
// round; medians and min–max of the rounds, ratios to the undici loop and client CPU per request
// are printed, and written between markers in BENCHMARKS.md with `--markdown <file>`.
// Then CPU-only rows (in a fresh process): new XApply vs object literals, 1M XApply → request
// bodies, read objects.
//
// Options: --nodes (100000), --edges (20000), --sync (100000), --memory (1000000),
// --serialize (1000000), --rounds (7), --markdown <file>, --only <workload,...>.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Agent } from "undici";
import { DmsClient } from "../templates/runtime/read/dms-client.js";
import { createUndiciTransport } from "../templates/runtime/core/transport-undici.js";
import type {
  EdgeWrite,
  InstanceRead,
  NodeWrite,
} from "../templates/runtime/core/wire.js";
import {
  BENCH_SPACE,
  ITEM_VIEW,
  LINK_TYPE,
  LINK_VIEW,
  benchViews,
  loadBenchModel,
  type BenchModel,
} from "./typed-model.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHUNK = 1000;
const CONCURRENCY = 2;
const TOKEN = "bench-token";
const PROJECT = "emulator";
const HEADERS = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
  accept: "application/json",
  "cdf-version": "20230101",
};

// ---- targets (each in its own process)

interface Target {
  readonly name: string;
  readonly url: string;
  close(): Promise<void>;
}

async function startProcess(
  name: string,
  args: string[],
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${name} exited ${code}`)));
  });
  lines.close();
  child.stdout!.resume();
  return { url: url.trim(), child };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
}

async function startCanned(total: number): Promise<Target> {
  const script = fileURLToPath(
    new URL("./canned-responder.js", import.meta.url),
  );
  const { url, child } = await startProcess("canned responder", [
    script,
    "--total",
    String(total),
  ]);
  return { name: "canned", url, close: stopper(child) };
}

async function startEmulatorProcess(viewsFile: string): Promise<Target> {
  const { url, child } = await startProcess("emulator", [
    join(ROOT, "bin", "dmgen.js"),
    "emulator",
    "--views",
    viewsFile,
    "--project",
    PROJECT,
  ]);
  return { name: "emulator", url, close: stopper(child) };
}

// ---- workloads: the same data for every contender

interface ItemData {
  readonly externalId: string;
  readonly name: string;
  readonly value: number;
  readonly score: number;
}

function itemData(count: number): ItemData[] {
  return Array.from({ length: count }, (_, i) => ({
    externalId: `item-${i}`,
    name: `Item ${i}`,
    value: i % 100_000,
    score: i / 7,
  }));
}

function nodeLiteral(item: ItemData): NodeWrite {
  return {
    instanceType: "node",
    space: BENCH_SPACE,
    externalId: item.externalId,
    sources: [
      {
        source: ITEM_VIEW,
        properties: { name: item.name, value: item.value, score: item.score },
      },
    ],
  };
}

function edgeLiteral(i: number): EdgeWrite {
  return {
    instanceType: "edge",
    space: BENCH_SPACE,
    externalId: `link-${i}`,
    type: LINK_TYPE,
    startNode: { space: BENCH_SPACE, externalId: `item-${i}` },
    endNode: { space: BENCH_SPACE, externalId: `item-${i + 1}` },
    sources: [{ source: LINK_VIEW, properties: { weight: i / 3 } }],
  };
}

/** A contender sends a workload and returns the number of requests it made. */
type Contender = (target: Target) => Promise<number>;

async function undiciLoop(
  target: Target,
  count: number,
  build: (i: number) => unknown,
  concurrency = CONCURRENCY,
): Promise<number> {
  const agent = new Agent({ connections: 8 });
  const path = `/api/v1/projects/${PROJECT}/models/instances`;
  let next = 0;
  let requests = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next += CHUNK;
      const items = [];
      for (let i = start; i < Math.min(count, start + CHUNK); i++)
        items.push(build(i));
      const response = await agent.request({
        origin: target.url,
        path,
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify({ items }),
      });
      const body = (await response.body.json()) as { items: unknown[] };
      if (response.statusCode !== 200)
        throw new Error(`apply failed: ${JSON.stringify(body)}`);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await agent.close();
  return requests;
}

async function fetchLoop(
  target: Target,
  count: number,
  build: (i: number) => unknown,
): Promise<number> {
  const url = `${target.url}/api/v1/projects/${PROJECT}/models/instances`;
  let next = 0;
  let requests = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next += CHUNK;
      const items = [];
      for (let i = start; i < Math.min(count, start + CHUNK); i++)
        items.push(build(i));
      const response = await fetch(url, {
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify({ items }),
      });
      await response.json();
      if (!response.ok) throw new Error(`apply failed: ${response.status}`);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return requests;
}

/** The slice of @cognite/sdk's client the bench uses (its typings do not resolve under nodenext). */
interface SdkClient {
  readonly instances: {
    upsert(request: { items: unknown[] }): Promise<unknown>;
    sync(request: unknown): Promise<unknown>;
  };
}
type SdkClientClass = new (options: {
  appId: string;
  project: string;
  baseUrl: string;
  oidcTokenProvider: () => Promise<string>;
}) => SdkClient;
const { CogniteClient } = (await import("@cognite/sdk")) as unknown as {
  CogniteClient: SdkClientClass;
};

function sdkClient(target: Target): SdkClient {
  return new CogniteClient({
    appId: "dmgen-bench",
    project: PROJECT,
    baseUrl: target.url,
    oidcTokenProvider: () => Promise.resolve(TOKEN),
  });
}

async function sdkLoop(
  target: Target,
  count: number,
  build: (i: number) => unknown,
  concurrency: number,
): Promise<number> {
  const sdk = sdkClient(target);
  let next = 0;
  let requests = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next += CHUNK;
      const items = [];
      for (let i = start; i < Math.min(count, start + CHUNK); i++)
        items.push(build(i));
      await sdk.instances.upsert({ items });
      requests++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return requests;
}

function dmsClient(target: Target): DmsClient {
  return new DmsClient({
    baseUrl: target.url,
    project: PROJECT,
    credentials: { token: TOKEN },
    transport: createUndiciTransport({ connections: 8 }),
    concurrency: CONCURRENCY,
  });
}

function typedClient(model: BenchModel, target: Target) {
  return model.createClient({
    baseUrl: target.url,
    project: PROJECT,
    credentials: { token: TOKEN },
    concurrency: CONCURRENCY,
  });
}

/**
 * The same 100k items for every contender, 1000 a request, 2 in flight, every answer parsed. The
 * loops build their literals per request and keep nothing; the clients build all inputs first,
 * check each answer against its request and return one result entry per instance.
 */
function applyContenders(
  model: BenchModel,
  data: readonly ItemData[],
): Record<string, Contender> {
  const node = (i: number): NodeWrite => nodeLiteral(data[i]!);
  const count = data.length;
  return {
    "undici loop": (t) => undiciLoop(t, count, node),
    fetch: (t) => fetchLoop(t, count, node),
    DmsClient: async (t) => {
      const dms = dmsClient(t);
      const writes = data.map(nodeLiteral);
      await dms.apply(writes);
      await dms.close();
      return Math.ceil(count / CHUNK);
    },
    "typed client": async (t) => {
      const client = typedClient(model, t);
      const objects = data.map(
        (d) =>
          new model.ItemApply(BENCH_SPACE, d.externalId, {
            name: d.name,
            value: d.value,
            score: d.score,
          }),
      );
      await client.item.apply(objects);
      await client.close();
      return Math.ceil(count / CHUNK);
    },
    // The same, keeping counts only (as the undici loop keeps nothing of the answers).
    "typed, counts": async (t) => {
      const client = typedClient(model, t);
      const objects = data.map(
        (d) =>
          new model.ItemApply(BENCH_SPACE, d.externalId, {
            name: d.name,
            value: d.value,
            score: d.score,
          }),
      );
      await client.item.apply(objects, { report: "counts" });
      await client.close();
      return Math.ceil(count / CHUNK);
    },
    // Objects made as the requests go out, as the undici loop makes its literals.
    "typed, generator + counts": async (t) => {
      const client = typedClient(model, t);
      function* objects(): Generator<object> {
        for (const d of data)
          yield new model.ItemApply(BENCH_SPACE, d.externalId, {
            name: d.name,
            value: d.value,
            score: d.score,
          });
      }
      await client.item.apply(objects(), { report: "counts" });
      await client.close();
      return Math.ceil(count / CHUNK);
    },
    "sdk sequential": (t) => sdkLoop(t, count, node, 1),
    [`sdk ${CONCURRENCY} in flight`]: (t) =>
      sdkLoop(t, count, node, CONCURRENCY),
  };
}

function edgeContenders(
  model: BenchModel,
  count: number,
): Record<string, Contender> {
  return {
    "undici loop": (t) => undiciLoop(t, count, edgeLiteral),
    fetch: (t) => fetchLoop(t, count, edgeLiteral),
    DmsClient: async (t) => {
      const dms = dmsClient(t);
      const writes = Array.from({ length: count }, (_, i) => edgeLiteral(i));
      await dms.apply(writes);
      await dms.close();
      return Math.ceil(count / CHUNK);
    },
    "typed client": async (t) => {
      const client = typedClient(model, t);
      const objects = Array.from(
        { length: count },
        (_, i) =>
          new model.LinkApply(
            BENCH_SPACE,
            `link-${i}`,
            {
              startNode: { space: BENCH_SPACE, externalId: `item-${i}` },
              endNode: { space: BENCH_SPACE, externalId: `item-${i + 1}` },
              type: LINK_TYPE,
            },
            { weight: i / 3 },
          ),
      );
      await client.link.apply(objects);
      await client.close();
      return Math.ceil(count / CHUNK);
    },
    "sdk sequential": (t) => sdkLoop(t, count, edgeLiteral, 1),
    [`sdk ${CONCURRENCY} in flight`]: (t) =>
      sdkLoop(t, count, edgeLiteral, CONCURRENCY),
  };
}

function syncBody(set: string, cursor: string | undefined): string {
  const request = {
    with: {
      [set]: {
        nodes: { filter: { hasData: [ITEM_VIEW] } },
        limit: CHUNK,
        mode: "onePhase",
      },
    },
    select: { [set]: { sources: [{ source: ITEM_VIEW, properties: ["*"] }] } },
  };
  return JSON.stringify(
    cursor === undefined ? request : { ...request, cursors: { [set]: cursor } },
  );
}

interface SyncBody {
  items: Record<string, InstanceRead[]>;
  nextCursor: Record<string, string>;
}

/** Reads every page into plain objects, as a hand-written app would. */
/**
 * A hand-written mapping: each item to a row with the fields a read object carries, the rows kept
 * in a list as an app keeps them. (Rows nobody keeps let V8 skip building them, which measured
 * JSON.parse alone.)
 */
function mapItems(items: InstanceRead[]): number {
  const rows = items.map((item) => {
    const values = item.properties?.bench?.["Item/v1"] ?? {};
    return {
      space: item.space,
      externalId: item.externalId,
      version: item.version,
      createdTime: item.createdTime,
      lastUpdatedTime: item.lastUpdatedTime,
      type: item.type ?? null,
      name: (values.name as string | undefined) ?? null,
      value: (values.value as number | undefined) ?? null,
      score: (values.score as number | undefined) ?? null,
    };
  });
  keptRows = rows;
  return rows.length;
}

/** The last rows mapped: kept where the optimizer cannot see that nobody reads them. */
export let keptRows: unknown[] = [];

function syncContenders(
  model: BenchModel,
  expected: number,
): Record<string, Contender> {
  const check = (count: number): void => {
    if (count !== expected) throw new Error(`synced ${count} of ${expected}`);
  };
  return {
    "undici loop": async (t) => {
      const agent = new Agent({ connections: 2 });
      let cursor: string | undefined;
      let count = 0;
      let requests = 0;
      for (;;) {
        const response = await agent.request({
          origin: t.url,
          path: `/api/v1/projects/${PROJECT}/models/instances/sync`,
          method: "POST",
          headers: HEADERS,
          body: syncBody("items", cursor),
        });
        const body = (await response.body.json()) as SyncBody;
        requests++;
        const items = body.items.items ?? [];
        count += mapItems(items);
        cursor = body.nextCursor.items;
        if (items.length < CHUNK) break;
      }
      await agent.close();
      check(count);
      return requests;
    },
    fetch: async (t) => {
      let cursor: string | undefined;
      let count = 0;
      let requests = 0;
      for (;;) {
        const response = await fetch(
          `${t.url}/api/v1/projects/${PROJECT}/models/instances/sync`,
          { method: "POST", headers: HEADERS, body: syncBody("items", cursor) },
        );
        const body = (await response.json()) as SyncBody;
        requests++;
        const items = body.items.items ?? [];
        count += mapItems(items);
        cursor = body.nextCursor.items;
        if (items.length < CHUNK) break;
      }
      check(count);
      return requests;
    },
    DmsClient: async (t) => {
      const dms = dmsClient(t);
      let count = 0;
      let requests = 0;
      const request = JSON.parse(syncBody("items", undefined)) as Parameters<
        DmsClient["sync"]
      >[0];
      for await (const page of dms.sync(request)) {
        requests++;
        count += mapItems(page.upserts.items ?? []);
      }
      await dms.close();
      check(count);
      return requests;
    },
    "typed client": async (t) => {
      const client = typedClient(model, t);
      let count = 0;
      let requests = 0;
      for await (const page of client.item.sync()) {
        requests++;
        count += page.upserts.length;
      }
      await client.close();
      check(count);
      return requests;
    },
    "sdk sequential": async (t) => {
      const sdk = sdkClient(t);
      let cursor: string | undefined;
      let count = 0;
      let requests = 0;
      for (;;) {
        const request: unknown = JSON.parse(syncBody("items", cursor));
        const body = (await sdk.instances.sync(request)) as SyncBody;
        requests++;
        const items = body.items.items ?? [];
        count += mapItems(items);
        cursor = body.nextCursor.items;
        if (items.length < CHUNK) break;
      }
      check(count);
      return requests;
    },
  };
}

// ---- measuring

interface Sample {
  readonly seconds: number;
  readonly cpuMsPerRequest: number;
}

interface Row {
  readonly workload: string;
  readonly target: string;
  readonly contender: string;
  readonly samples: Sample[];
}

async function measure(contender: Contender, target: Target): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const requests = await contender(target);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    seconds,
    cpuMsPerRequest: (used.user + used.system) / 1000 / Math.max(1, requests),
  };
}

/** Runs every contender `rounds` times, rotating the order each round. */
async function compare(
  workload: string,
  target: Target,
  contenders: Record<string, Contender>,
  rounds: number,
): Promise<Row[]> {
  const names = Object.keys(contenders);
  const samples = new Map(names.map((name) => [name, [] as Sample[]]));
  for (const name of names) await contenders[name]!(target); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      samples.get(name)!.push(await measure(contenders[name]!, target));
    }
    if (process.argv.includes("--verbose"))
      console.error(`${workload} / ${target.name}: round ${round + 1}`);
  }
  return names.map((contender) => ({
    workload,
    target: target.name,
    contender,
    samples: samples.get(contender)!,
  }));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// ---- CPU-only rows

interface CpuRow {
  readonly what: string;
  readonly baseline: string;
  readonly ms: number[];
  readonly baselineMs: number[];
  readonly target: string;
}

/** A full garbage collection (the `gc` function V8 exposes only behind a flag). */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

function timeMs(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** One CPU-only case: a typed contender and its hand-written baseline, timed alternately. */
interface CpuCase {
  readonly what: string;
  readonly baseline: string;
  readonly target: string;
  /** Each returns a number derived from its output, so that no work can be skipped. */
  readonly typed: () => number;
  readonly hand: () => number;
}

function cpuRows(
  model: BenchModel,
  count: number,
  rounds: number,
  prepare: (objects: object[]) => unknown[],
): CpuRow[] {
  const data = itemData(count);
  const apply = (d: ItemData): object =>
    new model.ItemApply(BENCH_SPACE, d.externalId, {
      name: d.name,
      value: d.value,
      score: d.score,
    });
  const literal = (d: ItemData): object => ({
    space: BENCH_SPACE,
    externalId: d.externalId,
    name: d.name,
    value: d.value,
    score: d.score,
  });
  // Chunks of CHUNK built and dropped, as a streamed apply builds them.
  const streamed = (build: (d: ItemData) => object): number => {
    let built = 0;
    for (let start = 0; start < data.length; start += CHUNK) {
      const chunk = [];
      for (let i = start; i < Math.min(data.length, start + CHUNK); i++)
        chunk.push(build(data[i]!));
      built += chunk.length;
    }
    return built;
  };
  const toBodies = (objects: object[]): number => {
    let bytes = 0;
    for (let start = 0; start < objects.length; start += CHUNK) {
      const items = prepare(objects.slice(start, start + CHUNK));
      bytes += JSON.stringify({ items }).length;
    }
    return bytes;
  };
  const literalBodies = (): number => {
    let bytes = 0;
    for (let start = 0; start < data.length; start += CHUNK) {
      const items = [];
      for (let i = start; i < Math.min(data.length, start + CHUNK); i++)
        items.push(nodeLiteral(data[i]!));
      bytes += JSON.stringify({ items }).length;
    }
    return bytes;
  };
  // The same with every literal built first and kept, as the typed side keeps its objects: both
  // sides then hold a million objects while they serialize.
  const keptLiteralBodies = (): number => {
    const literals = data.map(nodeLiteral);
    let bytes = 0;
    for (let start = 0; start < literals.length; start += CHUNK)
      bytes += JSON.stringify({
        items: literals.slice(start, start + CHUNK),
      }).length;
    return bytes;
  };
  const streamedBodies = (): number => {
    let bytes = 0;
    for (let start = 0; start < data.length; start += CHUNK) {
      const objects = [];
      for (let i = start; i < Math.min(data.length, start + CHUNK); i++)
        objects.push(apply(data[i]!));
      bytes += JSON.stringify({ items: prepare(objects) }).length;
    }
    return bytes;
  };
  const pageText = JSON.stringify({
    items: {
      instances: Array.from({ length: CHUNK }, (_, i) => ({
        instanceType: "node",
        space: BENCH_SPACE,
        externalId: `item-${i}`,
        version: 1,
        createdTime: 1_700_000_000_000,
        lastUpdatedTime: 1_700_000_000_000,
        properties: {
          bench: { "Item/v1": { name: `Item ${i}`, value: i, score: i / 7 } },
        },
      })),
    },
  });
  const pages = Math.ceil(count / CHUNK);
  const readTyped = (): number => {
    let read = 0;
    for (let p = 0; p < pages; p++) {
      const body = JSON.parse(pageText) as SyncBody;
      keptRows = body.items.instances!.map((item) => new model.Item(item));
      read += keptRows.length;
    }
    return read;
  };
  const readMapped = (): number => {
    let read = 0;
    for (let p = 0; p < pages; p++) {
      const body = JSON.parse(pageText) as SyncBody;
      read += mapItems(body.items.instances!);
    }
    return read;
  };
  const cases: CpuCase[] = [
    {
      what: `new ItemApply × ${count}, all kept (one array)`,
      baseline: "object literals, all kept",
      target: "<= 1.50",
      typed: () => data.map(apply).length,
      hand: () => data.map(literal).length,
    },
    {
      what: `new ItemApply × ${count}, ${CHUNK} at a time`,
      baseline: `object literals, ${CHUNK} at a time`,
      target: "<= 1.50",
      typed: () => streamed(apply),
      hand: () => streamed(literal),
    },
    {
      what: `${count} ItemApply → request bodies (built first, all kept)`,
      baseline: "literals built first, all kept + JSON.stringify",
      target: "<= 1.50",
      typed: () => toBodies(data.map(apply)),
      hand: keptLiteralBodies,
    },
    {
      what: `${count} ItemApply → request bodies, ${CHUNK} at a time`,
      baseline: "literals + JSON.stringify",
      target: "<= 1.50",
      typed: streamedBodies,
      hand: literalBodies,
    },
    {
      what: `read ${count} into Item objects`,
      baseline: "JSON.parse + hand mapping",
      target: "<= 1.10",
      typed: readTyped,
      hand: readMapped,
    },
  ];
  const rows = cases.map((c) => ({
    what: c.what,
    baseline: c.baseline,
    target: c.target,
    ms: [] as number[],
    baselineMs: [] as number[],
  }));
  for (let round = 0; round < rounds + 1; round++) {
    cases.forEach((c, i) => {
      // Alternate which runs first; round 0 warms up.
      const order =
        round % 2 === 0
          ? (["typed", "hand"] as const)
          : (["hand", "typed"] as const);
      for (const side of order) {
        let result = 0;
        // Each run starts from a collected heap: no run pays for the garbage of the one before.
        collectGarbage();
        const ms = timeMs(() => {
          result = c[side]();
        });
        if (result <= 0) throw new Error(`${c.what}: no output`);
        if (round > 0)
          (side === "typed" ? rows[i]!.ms : rows[i]!.baselineMs).push(ms);
      }
    });
  }
  return rows;
}

/** Peak RSS of this process over a typed sync of `count` items from the canned responder. */
async function syncMemory(
  model: BenchModel,
  count: number,
): Promise<{ seconds: number; rssMb: number[]; peakRssMb: number }> {
  const target = await startCanned(count);
  try {
    const client = typedClient(model, target);
    const start = performance.now();
    let pages = 0;
    let peak = 0;
    const rssMb: number[] = [];
    const total = Math.ceil(count / CHUNK);
    const checkpoints = new Set([
      Math.ceil(total * 0.1),
      Math.ceil(total * 0.5),
      total,
    ]);
    let synced = 0;
    for await (const page of client.item.sync()) {
      synced += page.upserts.length;
      pages++;
      const rss = process.memoryUsage.rss();
      peak = Math.max(peak, rss);
      if (checkpoints.has(pages)) rssMb.push(mb(rss));
    }
    await client.close();
    if (synced !== count) throw new Error(`synced ${synced} of ${count}`);
    return {
      seconds: (performance.now() - start) / 1000,
      rssMb,
      peakRssMb: mb(peak),
    };
  } finally {
    await target.close();
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/** The memory row runs in a process of its own, so that earlier workloads do not inflate RSS. */
/**
 * The CPU-only rows, in a process of their own: after the network rows a process holds the
 * clients, agents and garbage they left, which made the serialization rows up to 1.5× slower.
 */
function cpuInFreshProcess(count: number, rounds: number): CpuRow[] {
  const output = execFileSync(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      "--cpu-only",
      String(count),
      "--rounds",
      String(rounds),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(output) as CpuRow[];
}

function memoryInFreshProcess(
  count: number,
): Awaited<ReturnType<typeof syncMemory>> {
  const output = execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--memory-only", String(count)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(output) as Awaited<ReturnType<typeof syncMemory>>;
}

// ---- report

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function stringArgument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function networkTable(rows: Row[]): string[][] {
  const table = [
    [
      "workload",
      "target",
      "contender",
      "median s",
      "min–max s",
      "× undici loop",
      "CPU ms/request",
      "CPU × loop",
    ],
  ];
  for (const row of rows) {
    const loop = rows.find(
      (r) =>
        r.workload === row.workload &&
        r.target === row.target &&
        r.contender === "undici loop",
    )!;
    const seconds = row.samples.map((s) => s.seconds);
    const cpu = median(row.samples.map((s) => s.cpuMsPerRequest));
    const loopCpu = median(loop.samples.map((s) => s.cpuMsPerRequest));
    table.push([
      row.workload,
      row.target,
      row.contender,
      median(seconds).toFixed(3),
      `${Math.min(...seconds).toFixed(3)}–${Math.max(...seconds).toFixed(3)}`,
      (median(seconds) / median(loop.samples.map((s) => s.seconds))).toFixed(2),
      cpu.toFixed(2),
      (cpu / loopCpu).toFixed(2),
    ]);
  }
  return table;
}

function cpuTable(rows: CpuRow[]): string[][] {
  return [
    ["case", "median ms", "baseline", "baseline ms", "ratio", "target"],
    ...rows.map((row) => [
      row.what,
      `${median(row.ms).toFixed(0)} (${Math.min(...row.ms).toFixed(0)}–${Math.max(...row.ms).toFixed(0)})`,
      row.baseline,
      `${median(row.baselineMs).toFixed(0)} (${Math.min(...row.baselineMs).toFixed(0)}–${Math.max(...row.baselineMs).toFixed(0)})`,
      (median(row.ms) / median(row.baselineMs)).toFixed(2),
      row.target,
    ]),
  ];
}

function plainTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => row[column]!.length)),
  );
  return rows
    .map((row) =>
      row.map((cell, column) => cell.padEnd(widths[column]!)).join("  "),
    )
    .join("\n");
}

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [
    `| ${head!.join(" | ")} |`,
    `| ${head!.map(() => "---").join(" | ")} |`,
    ...body.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

const START_MARK = "<!-- typed-bench:start -->";
const END_MARK = "<!-- typed-bench:end -->";

async function writeMarkdown(file: string, section: string): Promise<void> {
  let text = "";
  try {
    text = await readFile(file, "utf8");
  } catch {
    text = `# Benchmarks\n\n${START_MARK}\n${END_MARK}\n`;
  }
  const start = text.indexOf(START_MARK);
  const end = text.indexOf(END_MARK);
  if (start < 0 || end < start)
    throw new Error(`${file} lacks the ${START_MARK} … ${END_MARK} markers`);
  await writeFile(
    file,
    `${text.slice(0, start + START_MARK.length)}\n${section}\n${text.slice(end)}`,
  );
}

async function main(): Promise<void> {
  if (process.argv.includes("--cpu-only")) {
    const model = await loadBenchModel();
    const rows = cpuRows(
      model,
      argument("--cpu-only", 1_000_000),
      argument("--rounds", 7),
      model.collectWrites,
    );
    console.log(JSON.stringify(rows));
    return;
  }
  if (process.argv.includes("--memory-only")) {
    const count = argument("--memory-only", 1_000_000);
    const model = await loadBenchModel();
    console.log(JSON.stringify(await syncMemory(model, count)));
    return;
  }
  const nodes = argument("--nodes", 100_000);
  const edges = argument("--edges", 20_000);
  const syncCount = argument("--sync", 100_000);
  const memoryCount = argument("--memory", 1_000_000);
  const serializeCount = argument("--serialize", 1_000_000);
  const rounds = argument("--rounds", 7);
  const only = stringArgument("--only")?.split(",");
  const runs = (workload: string): boolean => !only || only.includes(workload);

  // Without the apply rows the emulator is filled once, for the edges and the sync rows.
  const filledNodes = runs("apply")
    ? nodes
    : Math.max(nodes, syncCount, edges + 1);
  const model = await loadBenchModel();
  const work = mkdtempSync(join(tmpdir(), "dmgen-bench-"));
  const viewsFile = join(work, "views.json");
  writeFileSync(viewsFile, JSON.stringify(benchViews()));
  const rows: Row[] = [];
  let cpu: CpuRow[] = [];
  let memory: Awaited<ReturnType<typeof syncMemory>> | undefined;
  try {
    const data = itemData(nodes);
    for (const start of [
      () => startCanned(syncCount),
      () => startEmulatorProcess(viewsFile),
    ]) {
      const target = await start();
      try {
        if (runs("apply"))
          rows.push(
            ...(await compare(
              `apply ${nodes} nodes`,
              target,
              applyContenders(model, data),
              rounds,
            )),
          );
        if (target.name === "emulator" && !runs("apply"))
          await undiciLoop(target, filledNodes, (i) =>
            nodeLiteral({
              externalId: `item-${i}`,
              name: `Item ${i}`,
              value: i,
              score: i,
            }),
          );
        if (runs("edges"))
          rows.push(
            ...(await compare(
              `apply ${edges} edges`,
              target,
              edgeContenders(model, edges),
              rounds,
            )),
          );
        if (runs("sync") && (target.name === "canned" || syncCount <= nodes))
          rows.push(
            ...(await compare(
              `sync ${syncCount} nodes`,
              target,
              syncContenders(
                model,
                target.name === "canned" ? syncCount : filledNodes,
              ),
              rounds,
            )),
          );
      } finally {
        await target.close();
      }
    }
    if (runs("cpu")) cpu = cpuInFreshProcess(serializeCount, rounds);
    if (runs("memory")) memory = memoryInFreshProcess(memoryCount);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const network = networkTable(rows);
  const cpuRowsTable = cpuTable(cpu);
  console.log(plainTable(network));
  console.log("");
  console.log(plainTable(cpuRowsTable));
  const memoryLine = memory
    ? `typed sync of ${memoryCount} from the canned responder: ${memory.seconds.toFixed(1)} s, client RSS at 10/50/100 %: ${memory.rssMb.join(" / ")} MB, peak ${memory.peakRssMb} MB`
    : "";
  if (memoryLine) console.log(`\n${memoryLine}`);

  const markdown = stringArgument("--markdown");
  if (markdown) {
    const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, ${mb(totalmem())} MB, Node ${process.version}, ${process.platform}`;
    await writeMarkdown(
      markdown,
      [
        `Run ${new Date().toISOString()} on ${machine}; ${rounds} rounds, contenders alternating.`,
        "",
        markdownTable(network),
        "",
        markdownTable(cpuRowsTable),
        "",
        memoryLine,
      ].join("\n"),
    );
  }
}

await main();

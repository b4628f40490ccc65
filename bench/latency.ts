// Latency-bound benchmark (issue 22): the typed client, @cognite/sdk and a hand-written fetch loop
// against the emulator behind a responder with CDF's pace (`latency-responder.ts`, in a process of
// its own): each admitted request takes a fixed latency per kind, and each kind has a per-project
// concurrency limit with 429 + Retry-After beyond it. Here the client's CPU hardly matters: what
// counts is how many requests it needs and how well it keeps the allowed concurrency busy.
//
// Each row: wall time, requests admitted, 429s, and the limit: admitted requests × latency ÷ the
// concurrency the work allows (the project's limit for applies; 1 for a sync, which follows one
// cursor; for a read through connections, the latency of each request that had to wait for the
// one before it, i.e. admitted requests × latency for a single paged query).
//
// Options: --nodes (100000), --sync (100000), --roots (20), --fanout (30), --fanout2 (32),
// --read-ms (80), --write-ms (150), --reads (8), --writes (4), --retry-after (0.1), --rounds (1),
// --only apply,sync,include, --runtime <dir> (an earlier templates/runtime, for before/after),
// --markdown <file> (rewrites the section between the latency markers), --writes-to-emulator
// (forward applies to the emulator; by default the responder answers them itself, so that the
// emulator's CPU time per 1000 items, large on a busy machine, is not counted as latency).

import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { LatencyStats } from "./latency-responder.js";
import {
  BENCH_SPACE,
  ITEM_VIEW,
  LINK_TYPE,
  loadBenchModel,
  type BenchModel,
} from "./typed-model.js";

const PROJECT = "emulator";
const TOKEN = "bench-token";
const CHUNK = 1000;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? Number.NaN : Number(process.argv[at + 1]);
  return Number.isFinite(value) ? value : fallback;
}
function textFlag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

const settings = {
  nodes: flag("nodes", 100_000),
  sync: flag("sync", 100_000),
  roots: flag("roots", 20),
  fanout: flag("fanout", 30),
  fanout2: flag("fanout2", 32),
  readMs: flag("read-ms", 80),
  writeMs: flag("write-ms", 150),
  reads: flag("reads", 8),
  writes: flag("writes", 4),
  retryAfter: flag("retry-after", 0.1),
  rounds: flag("rounds", 1),
};
const only = new Set(
  (textFlag("only") ?? "apply,sync,include").split(",").filter(Boolean),
);

// ---- the responder process

interface Server {
  readonly url: string;
  readonly emulatorUrl: string;
  stats(): Promise<LatencyStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const script = fileURLToPath(
    new URL("./latency-responder.js", import.meta.url),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      script,
      ...["--read-ms", String(settings.readMs)],
      ...["--write-ms", String(settings.writeMs)],
      ...["--reads", String(settings.reads)],
      ...["--writes", String(settings.writes)],
      ...["--retry-after", String(settings.retryAfter)],
      ...(process.argv.includes("--writes-to-emulator")
        ? []
        : ["--echo-writes"]),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) =>
      reject(new Error(`latency responder exited ${code}`)),
    );
  });
  lines.close();
  child.stdout!.resume();
  const { url, emulatorUrl } = JSON.parse(line) as {
    url: string;
    emulatorUrl: string;
  };
  return {
    url,
    emulatorUrl,
    stats: async () =>
      (await (await fetch(`${url}/__stats`)).json()) as LatencyStats,
    reset: async () => {
      await fetch(`${url}/__reset`, { method: "POST" });
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// ---- contenders

/** The typed client's surface used here, loosely typed (the model is generated at run time). */
interface TypedClient {
  readonly item: {
    apply(
      items: Iterable<object>,
      options?: { report?: "items" | "counts"; concurrency?: number },
    ): Promise<{ counts: { written: number } }>;
    sync(options?: {
      pageSize?: number;
    }): AsyncIterable<{ upserts: unknown[]; caughtUp: boolean }>;
    list(options: object): { toArray(): Promise<TreeItem[]> };
  };
  graph(): GraphBuilder;
  query(graph: GraphBuilder): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}
interface GraphBuilder {
  nodes(name: string, readClass: unknown, options?: object): GraphBuilder;
  edges(name: string, options: object): GraphBuilder;
}
interface TreeItem {
  /** An edge connection with edge properties: each entry is the edge and the node it leads to. */
  readonly links?: { readonly node: TreeItem }[];
}

function typedClient(model: BenchModel, url: string): TypedClient {
  return model.createClient({
    baseUrl: url,
    project: PROJECT,
    credentials: { token: TOKEN },
  }) as unknown as TypedClient;
}

/** The slice of @cognite/sdk used here (its typings do not resolve under nodenext). */
interface SdkClient {
  readonly instances: {
    upsert(request: { items: unknown[] }): Promise<unknown>;
    sync(request: unknown): Promise<SyncBody>;
    query(request: unknown): Promise<QueryBody>;
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
function sdkClient(url: string): SdkClient {
  return new CogniteClient({
    appId: "dmgen-latency-bench",
    project: PROJECT,
    baseUrl: url,
    oidcTokenProvider: () => Promise.resolve(TOKEN),
  });
}

interface SyncBody {
  items: Record<string, unknown[]>;
  nextCursor: Record<string, string>;
}
interface QueryBody {
  items: Record<string, unknown[]>;
  nextCursor?: Record<string, string | null | undefined>;
}

const HEADERS = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
  accept: "application/json",
  "cdf-version": "20230101",
};

/** POSTs as a careful hand-written loop does: on 429 it waits `Retry-After` and sends again. */
async function post<T>(url: string, path: string, body: unknown): Promise<T> {
  const text = JSON.stringify(body);
  for (;;) {
    const response = await fetch(
      `${url}/api/v1/projects/${PROJECT}/models${path}`,
      { method: "POST", headers: HEADERS, body: text },
    );
    if (response.status === 429) {
      await response.arrayBuffer();
      const seconds = Number(response.headers.get("retry-after") ?? "1");
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      continue;
    }
    if (!response.ok)
      throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}

function itemLiteral(i: number): object {
  return {
    instanceType: "node",
    space: BENCH_SPACE,
    externalId: `item-${i}`,
    sources: [
      {
        source: ITEM_VIEW,
        properties: { name: `Item ${i}`, value: i, score: i / 7 },
      },
    ],
  };
}

/** Chunks of 1000 items, `concurrency` workers, each sending the next chunk. */
async function pool(
  count: number,
  concurrency: number,
  send: (items: object[]) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next += CHUNK;
      const items: object[] = [];
      for (let i = start; i < Math.min(count, start + CHUNK); i++)
        items.push(itemLiteral(i));
      await send(items);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

type Contender = (model: BenchModel, server: Server) => Promise<number>;

function applyContenders(count: number): Record<string, Contender> {
  const typedApply =
    (options: object): Contender =>
    async (model, server) => {
      const client = typedClient(model, server.url);
      const items = Array.from(
        { length: count },
        (_, i) =>
          new model.ItemApply(BENCH_SPACE, `item-${i}`, {
            name: `Item ${i}`,
            value: i,
            score: i / 7,
          }),
      );
      const result = await client.item.apply(items, options);
      await client.close();
      return result.counts.written;
    };
  return {
    "typed, defaults": typedApply({}),
    'typed, tuned (report: "counts")': typedApply({ report: "counts" }),
    "typed, concurrency: 16 (over the limit: adapts)": typedApply({
      concurrency: 16,
    }),
    "@cognite/sdk, sequential loop": async (_model, server) => {
      const sdk = sdkClient(server.url);
      await pool(count, 1, (items) => sdk.instances.upsert({ items }));
      return count;
    },
    [`@cognite/sdk, pool of ${settings.writes}`]: async (_model, server) => {
      const sdk = sdkClient(server.url);
      await pool(count, settings.writes, (items) =>
        sdk.instances.upsert({ items }),
      );
      return count;
    },
    [`hand-written fetch, pool of ${settings.writes}`]: async (
      _model,
      server,
    ) => {
      await pool(count, settings.writes, (items) =>
        post(server.url, "/instances", { items }),
      );
      return count;
    },
  };
}

const syncRequest = (limit: number, cursor?: string) => ({
  with: {
    items: {
      nodes: { filter: { hasData: [ITEM_VIEW] } },
      limit,
    },
  },
  select: {
    items: { sources: [{ source: ITEM_VIEW, properties: ["*"] }] },
  },
  ...(cursor ? { cursors: { items: cursor } } : {}),
});

/** A sync loop as users write it: until a page comes back short. */
async function syncLoop(
  limit: number,
  send: (request: object) => Promise<SyncBody>,
): Promise<number> {
  let cursor: string | undefined;
  let total = 0;
  for (;;) {
    const page = await send(syncRequest(limit, cursor));
    const items = page.items.items ?? [];
    total += items.length;
    cursor = page.nextCursor.items;
    if (items.length < limit) return total;
  }
}

function syncContenders(): Record<string, Contender> {
  const typedSync =
    (options: { pageSize?: number }): Contender =>
    async (model, server) => {
      const client = typedClient(model, server.url);
      let total = 0;
      for await (const page of client.item.sync(options)) {
        total += page.upserts.length;
        if (page.caughtUp) break;
      }
      await client.close();
      return total;
    };
  return {
    "typed, defaults (pages of 1000)": typedSync({}),
    "typed, tuned (pageSize: 2000)": typedSync({ pageSize: 2000 }),
    "@cognite/sdk, sync loop (1000)": (_model, server) => {
      const sdk = sdkClient(server.url);
      return syncLoop(1000, (request) => sdk.instances.sync(request));
    },
    "hand-written fetch, sync loop (2000)": (_model, server) =>
      syncLoop(2000, (request) =>
        post<SyncBody>(server.url, "/instances/sync", request),
      ),
  };
}

// ---- the 3-level read

const ROOT_VALUE = -1;
const ROOT_WHERE = { value: { eq: ROOT_VALUE } };

/** Writes roots → children → grandchildren straight into the emulator (not measured). */
async function seedTree(emulatorUrl: string): Promise<number> {
  const nodes: object[] = [];
  const edges: object[] = [];
  const node = (id: string, value: number) => ({
    instanceType: "node",
    space: BENCH_SPACE,
    externalId: id,
    sources: [{ source: ITEM_VIEW, properties: { name: id, value, score: 0 } }],
  });
  const edge = (from: string, to: string) => ({
    instanceType: "edge",
    space: BENCH_SPACE,
    externalId: `${from}->${to}`,
    type: LINK_TYPE,
    startNode: { space: BENCH_SPACE, externalId: from },
    endNode: { space: BENCH_SPACE, externalId: to },
  });
  for (let r = 0; r < settings.roots; r++) {
    const root = `root-${r}`;
    nodes.push(node(root, ROOT_VALUE));
    for (let m = 0; m < settings.fanout; m++) {
      const mid = `${root}.${m}`;
      nodes.push(node(mid, -2));
      edges.push(edge(root, mid));
      for (let l = 0; l < settings.fanout2; l++) {
        const leaf = `${mid}.${l}`;
        nodes.push(node(leaf, -3));
        edges.push(edge(mid, leaf));
      }
    }
  }
  for (const all of [nodes, edges])
    for (let start = 0; start < all.length; start += CHUNK)
      await post(emulatorUrl, "/instances", {
        items: all.slice(start, start + CHUNK),
      });
  return nodes.length;
}

/** The whole tree in one `instances/query`, every cursor followed, as a user writes it. */
function treeQuery(limit: number) {
  const linkFilter = {
    equals: { property: ["edge", "type"], value: LINK_TYPE },
  };
  const select = { sources: [{ source: ITEM_VIEW, properties: ["*"] }] };
  return {
    with: {
      roots: {
        nodes: {
          filter: {
            and: [
              { hasData: [ITEM_VIEW] },
              {
                equals: {
                  property: [ITEM_VIEW.space, "Item/v1", "value"],
                  value: ROOT_VALUE,
                },
              },
            ],
          },
        },
        limit,
      },
      e1: {
        edges: {
          from: "roots",
          direction: "outwards",
          maxDistance: 1,
          filter: linkFilter,
        },
        limit,
      },
      mid: { nodes: { from: "e1", chainTo: "destination" }, limit },
      e2: {
        edges: {
          from: "mid",
          direction: "outwards",
          maxDistance: 1,
          filter: linkFilter,
        },
        limit,
      },
      leaves: { nodes: { from: "e2", chainTo: "destination" }, limit },
    },
    select: { roots: select, e1: {}, mid: select, e2: {}, leaves: select },
  };
}

/** Follows every cursor until none is left; counts the distinct nodes read. */
async function treeLoop(
  limit: number,
  send: (request: object) => Promise<QueryBody>,
): Promise<number> {
  const base = treeQuery(limit);
  const seen = new Set<string>();
  let cursors: Record<string, string> | undefined;
  for (;;) {
    const page = await send(cursors ? { ...base, cursors } : base);
    for (const set of ["roots", "mid", "leaves"])
      for (const item of (page.items[set] ?? []) as { externalId: string }[])
        seen.add(item.externalId);
    const next: Record<string, string> = {};
    for (const [set, cursor] of Object.entries(page.nextCursor ?? {}))
      if (typeof cursor === "string" && (page.items[set]?.length ?? 0) > 0)
        next[set] = cursor;
    if (Object.keys(next).length === 0) return seen.size;
    cursors = next;
  }
}

function includeContenders(): Record<string, Contender> {
  const include = { links: { include: { links: true } } };
  const countTree = (roots: TreeItem[]): number =>
    roots.reduce(
      (sum, root) =>
        sum + 1 + countTree((root.links ?? []).map((link) => link.node)),
      0,
    );
  return {
    "typed, list with include, defaults": async (model, server) => {
      const client = typedClient(model, server.url);
      const roots = await client.item
        .list({ where: ROOT_WHERE, include })
        .toArray();
      await client.close();
      return countTree(roots);
    },
    "typed, list with include, pageSize: 1000 (the former default)": async (
      model,
      server,
    ) => {
      const client = typedClient(model, server.url);
      const roots = await client.item
        .list({ where: ROOT_WHERE, include, pageSize: 1000 })
        .toArray();
      await client.close();
      return countTree(roots);
    },
    "typed, graph query, defaults": async (model, server) => {
      const client = typedClient(model, server.url);
      const graph = client
        .graph()
        .nodes("roots", model.Item, { where: ROOT_WHERE })
        .edges("e1", { from: "roots", connection: "links" })
        .nodes("mid", model.Item, { from: "e1" })
        .edges("e2", { from: "mid", connection: "links" })
        .nodes("leaves", model.Item, { from: "e2" });
      const result = await client.query(graph);
      await client.close();
      return (
        (result.roots?.length ?? 0) +
        (result.mid?.length ?? 0) +
        (result.leaves?.length ?? 0)
      );
    },
    "@cognite/sdk, one query, pages of 1000": (_model, server) => {
      const sdk = sdkClient(server.url);
      return treeLoop(1000, (request) => sdk.instances.query(request));
    },
    "hand-written fetch, one query, pages of 10,000": (_model, server) =>
      treeLoop(10_000, (request) =>
        post<QueryBody>(server.url, "/instances/query", request),
      ),
  };
}

// ---- running and reporting

interface Row {
  readonly workload: string;
  readonly contender: string;
  readonly wallMs: number;
  readonly count: number;
  readonly admitted: number;
  readonly throttled: number;
  readonly limitMs: number;
}

async function measure(
  workload: string,
  kind: "read" | "write",
  contenders: Record<string, Contender>,
  model: BenchModel,
  server: Server,
  limitOf: (admitted: number) => number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [contender, run] of Object.entries(contenders)) {
    const walls: number[] = [];
    let last: LatencyStats | undefined;
    let count = 0;
    try {
      for (let round = 0; round < settings.rounds; round++) {
        await server.reset();
        const start = performance.now();
        count = await run(model, server);
        walls.push(performance.now() - start);
        last = await server.stats();
      }
    } catch (error) {
      // An earlier runtime (--runtime) may refuse an option this one takes.
      console.log(`${workload} | ${contender}: failed: ${String(error)}`);
      continue;
    }
    walls.sort((a, b) => a - b);
    const stats = last![kind];
    const row: Row = {
      workload,
      contender,
      wallMs: walls[Math.floor(walls.length / 2)]!,
      count,
      admitted: stats.admitted,
      throttled: stats.throttled,
      limitMs: limitOf(stats.admitted),
    };
    rows.push(row);
    console.log(
      `${workload} | ${contender}: ${(row.wallMs / 1000).toFixed(2)} s, ${row.count} items, ${row.admitted} requests, ${row.throttled} 429s, limit ${(row.limitMs / 1000).toFixed(2)} s (${(row.wallMs / row.limitMs).toFixed(2)}×)`,
    );
  }
  return rows;
}

function table(rows: readonly Row[]): string {
  const lines = [
    "| workload | contender | wall | items | requests | 429s | limit | × limit |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows)
    lines.push(
      `| ${row.workload} | ${row.contender} | ${(row.wallMs / 1000).toFixed(2)} s | ${row.count} | ${row.admitted} | ${row.throttled} | ${(row.limitMs / 1000).toFixed(2)} s | ${(row.wallMs / row.limitMs).toFixed(2)} |`,
    );
  return lines.join("\n");
}

const START = "<!-- latency-bench:start -->";
const END = "<!-- latency-bench:end -->";

async function writeMarkdown(
  file: string,
  rows: readonly Row[],
): Promise<void> {
  const text = await readFile(file, "utf8");
  const at = text.indexOf(START);
  const to = text.indexOf(END);
  if (at === -1 || to === -1)
    throw new Error(`${file}: no ${START} … ${END} section to rewrite`);
  const section = [
    START,
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}; ` +
      `reads ${settings.readMs} ms (at most ${settings.reads} at once), writes ${settings.writeMs} ms (at most ${settings.writes}), Retry-After ${settings.retryAfter} s; ` +
      `${settings.rounds} round(s), the median.`,
    "",
    table(rows),
    "",
    END,
  ].join("\n");
  await writeFile(
    file,
    text.slice(0, at) + section + text.slice(to + END.length),
  );
}

async function main(): Promise<void> {
  const runtimeDir = textFlag("runtime");
  const model = await loadBenchModel({
    folder: "latency-model",
    ...(runtimeDir ? { runtimeDir } : {}),
  });
  const server = await startServer();
  const rows: Row[] = [];
  try {
    if (only.has("apply")) {
      // One small run of each first, unrecorded, so that no row pays for compiling the code.
      for (const run of Object.values(applyContenders(2 * CHUNK)))
        await run(model, server).catch(() => 0);
      rows.push(
        ...(await measure(
          `apply ${settings.nodes} nodes`,
          "write",
          applyContenders(settings.nodes),
          model,
          server,
          (admitted) => (admitted * settings.writeMs) / settings.writes,
        )),
      );
    }
    if (only.has("sync")) {
      // Applies through the responder were answered by it (see --echo-writes): write the data.
      await pool(settings.sync, 4, (items) =>
        post(server.emulatorUrl, "/instances", { items }),
      );
      rows.push(
        ...(await measure(
          `sync ${settings.sync} from scratch`,
          "read",
          syncContenders(),
          model,
          server,
          (admitted) => admitted * settings.readMs,
        )),
      );
    }
    if (only.has("include")) {
      const total = await seedTree(server.emulatorUrl);
      rows.push(
        ...(await measure(
          `3 levels (${total} nodes)`,
          "read",
          includeContenders(),
          model,
          server,
          (admitted) => admitted * settings.readMs,
        )),
      );
    }
  } finally {
    await server.close();
  }
  console.log(`\n${table(rows)}`);
  const markdown = textFlag("markdown");
  if (markdown) await writeMarkdown(markdown, rows);
}

await main();

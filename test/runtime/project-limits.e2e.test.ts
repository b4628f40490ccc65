// The default apply / delete concurrency comes from the project's limits (`GET /models/statistics`,
// `concurrentWriteLimit` / `concurrentDeleteLimit`), read once per client: against a scripted
// server that counts requests and applies in flight, and against the emulator (nominal limits).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import {
  DmsClient,
  readProjectLimits,
  type DmsClientOptions,
} from "../../templates/runtime/read/dms-client.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import type { NodeWrite } from "../../templates/runtime/core/wire.js";
import {
  applyAnswer,
  dmsError,
  fakeClock,
  startFaultServer,
  type FaultServer,
  type RecordedRequest,
  type ScriptedResponse,
} from "../support/fault-server.js";
import {
  assertValid,
  validateResponse,
  validateSchema,
} from "../support/openapi.js";
import { recordingTransport, SPACE, views } from "./support.js";

const STATISTICS = "/api/v1/projects/proj/models/statistics";
const APPLY = "/api/v1/projects/proj/models/instances";
const DELETE = "/api/v1/projects/proj/models/instances/delete";

/** A full `ProjectStatistics` answer with these concurrency limits. */
function statistics(limits: Record<string, unknown>): Record<string, unknown> {
  const countAndLimit = { count: 0, limit: 100 };
  return {
    spaces: countAndLimit,
    containers: countAndLimit,
    views: countAndLimit,
    dataModels: countAndLimit,
    containerProperties: countAndLimit,
    instances: {
      edges: 0,
      softDeletedEdges: 0,
      nodes: 0,
      softDeletedNodes: 0,
      instances: 0,
      instancesLimit: 5_000_000,
      softDeletedInstances: 0,
      softDeletedInstancesLimit: 10_000_000,
    },
    concurrentReadLimit: 8,
    concurrentWriteLimit: 4,
    concurrentDeleteLimit: 2,
    ...limits,
  };
}

/** Applies and deletes that answer after a while (so several are in flight), their most at once. */
interface Scripted {
  readonly server: FaultServer;
  readonly inFlight: Record<"apply" | "delete", { now: number; most: number }>;
  statisticsAnswer: ScriptedResponse;
  statisticsReads(): number;
}

async function scriptedServer(): Promise<Scripted> {
  const inFlight = {
    apply: { now: 0, most: 0 },
    delete: { now: 0, most: 0 },
  };
  const server = await startFaultServer();
  const scripted: Scripted = {
    server,
    inFlight,
    statisticsAnswer: { status: 200, body: statistics({}) },
    statisticsReads: () =>
      server.statisticsReads.filter((r) => r.path === STATISTICS).length,
  };
  server.statistics = () => scripted.statisticsAnswer;
  server.setHandler(async (request: RecordedRequest) => {
    const kind =
      request.path === APPLY ? "apply" : request.path === DELETE ? "delete" : 0;
    if (!kind) return dmsError(404, `no route ${request.path}`);
    const counts = inFlight[kind];
    counts.most = Math.max(counts.most, ++counts.now);
    // Held long enough for the client to start every request it may have in flight.
    await new Promise((resolve) => setTimeout(resolve, 30));
    counts.now--;
    return kind === "apply"
      ? applyAnswer(request.json)
      : { status: 200, body: { items: request.json.items } };
  });
  return scripted;
}

function nodes(count: number): NodeWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    instanceType: "node",
    space: "sp",
    externalId: `n${i}`,
  }));
}

let scripted: Scripted;
const clients: DmsClient[] = [];

beforeEach(async () => {
  scripted = await scriptedServer();
});
afterEach(async () => {
  while (clients.length > 0) await clients.pop()!.close();
  await scripted.server.close();
  expect(scripted.server.handlerErrors).toEqual([]);
});

function connect(overrides: Partial<DmsClientOptions> = {}): DmsClient {
  const client = new DmsClient({
    baseUrl: scripted.server.url,
    project: "proj",
    credentials: { token: "test-token-abcdefgh" },
    transport: createUndiciTransport({ timeoutMs: 5000 }),
    clock: fakeClock(),
    random: () => 0.5,
    ...overrides,
  });
  clients.push(client);
  return client;
}

/** 12 requests of one node each: enough for any limit up to 12 to be reached. */
const TWELVE_REQUESTS = { chunkSize: 1 } as const;

describe("default concurrency from the project's statistics", () => {
  it("starts applies at concurrentWriteLimit (2): never more than 2 in flight", async () => {
    scripted.statisticsAnswer = {
      status: 200,
      body: statistics({ concurrentWriteLimit: 2 }),
    };
    assertValid(
      "the scripted answer",
      validateSchema("ProjectStatistics", scripted.statisticsAnswer.body),
    );
    const result = await connect().apply(nodes(12), TWELVE_REQUESTS);
    expect(result.counts.written).toBe(12);
    expect(scripted.inFlight.apply.most).toBe(2);
    expect(scripted.statisticsReads()).toBe(1);
  });

  it("reads the limit once per client: two concurrent first applies and a later one share it", async () => {
    scripted.statisticsAnswer = {
      status: 200,
      body: statistics({ concurrentWriteLimit: 3 }),
    };
    const client = connect();
    await Promise.all([
      client.apply(nodes(6), TWELVE_REQUESTS),
      client.apply(nodes(6), TWELVE_REQUESTS),
    ]);
    await client.apply(nodes(12), TWELVE_REQUESTS);
    expect(scripted.statisticsReads()).toBe(1);
    // Each apply keeps its own budget of 3 (two at once: 6 in flight).
    expect(scripted.inFlight.apply.most).toBe(6);
    // Another client reads its own.
    await connect().apply(nodes(2), TWELVE_REQUESTS);
    expect(scripted.statisticsReads()).toBe(2);
  });

  it("starts deletes at concurrentDeleteLimit (1), applies at concurrentWriteLimit", async () => {
    scripted.statisticsAnswer = {
      status: 200,
      body: statistics({ concurrentWriteLimit: 3, concurrentDeleteLimit: 1 }),
    };
    const client = connect();
    const ids = Array.from({ length: 3000 }, (_, i) => ({
      instanceType: "node" as const,
      space: "sp",
      externalId: `n${i}`,
    }));
    expect(await client.delete(ids)).toHaveLength(3000);
    expect(scripted.inFlight.delete.most).toBe(1);
    await client.apply(nodes(12), TWELVE_REQUESTS);
    expect(scripted.inFlight.apply.most).toBe(3);
    expect(scripted.statisticsReads()).toBe(1);
  });

  it("caps a limit above the runtime's most (16 applies)", async () => {
    scripted.statisticsAnswer = {
      status: 200,
      body: statistics({ concurrentWriteLimit: 50 }),
    };
    // The undici transport keeps 8 connections by default: room for 16 here.
    const transport = createUndiciTransport({
      timeoutMs: 5000,
      connections: 16,
    });
    const result = await connect({ transport }).apply(nodes(40), {
      chunkSize: 1,
    });
    expect(result.counts.written).toBe(40);
    expect(scripted.inFlight.apply.most).toBe(16);
  });

  it.each([
    ["403 (the token may not read statistics)", dmsError(403, "Forbidden")],
    ["401", dmsError(401, "Unauthorized")],
    ["404", dmsError(404, "Not found")],
    [
      "a limit of 0",
      { status: 200, body: statistics({ concurrentWriteLimit: 0 }) },
    ],
    [
      "a limit as a string",
      { status: 200, body: statistics({ concurrentWriteLimit: "2" }) },
    ],
    [
      "a fractional limit",
      { status: 200, body: statistics({ concurrentWriteLimit: 2.5 }) },
    ],
    [
      "no limit at all",
      { status: 200, body: { spaces: { count: 0, limit: 1 } } },
    ],
    ["an answer that is not JSON", { status: 200, body: "<html>" }],
  ] satisfies [string, ScriptedResponse][])(
    "%s: the default of 4, and no second read",
    async (_name, answer) => {
      scripted.statisticsAnswer = answer;
      const client = connect();
      expect(
        (await client.apply(nodes(12), TWELVE_REQUESTS)).counts.written,
      ).toBe(12);
      expect(scripted.inFlight.apply.most).toBe(4);
      await client.apply(nodes(12), TWELVE_REQUESTS);
      expect(scripted.statisticsReads()).toBe(1);
    },
  );

  it("a 503 (two attempts, not the client's ten) leaves the default of 4, and no second read", async () => {
    scripted.statisticsAnswer = dmsError(503, "Unavailable");
    const client = connect();
    for (let apply = 1; apply <= 3; apply++) {
      const result = await client.apply(nodes(12), TWELVE_REQUESTS);
      expect(result.counts.written).toBe(12);
      expect(scripted.inFlight.apply.most).toBe(4);
    }
    expect(scripted.statisticsReads()).toBe(2);
  });

  it("an explicit concurrency (call or client option) never reads statistics", async () => {
    scripted.statisticsAnswer = {
      status: 200,
      body: statistics({ concurrentWriteLimit: 1, concurrentDeleteLimit: 1 }),
    };
    await connect().apply(nodes(12), { ...TWELVE_REQUESTS, concurrency: 3 });
    expect(scripted.inFlight.apply.most).toBe(3);
    const configured = connect({ concurrency: 5, deleteConcurrency: 2 });
    await configured.apply(nodes(12), TWELVE_REQUESTS);
    expect(scripted.inFlight.apply.most).toBe(5);
    const ids = nodes(2500).map(({ space, externalId }) => ({
      instanceType: "node" as const,
      space,
      externalId,
    }));
    await configured.delete(ids);
    expect(scripted.inFlight.delete.most).toBe(2);
    expect(scripted.statisticsReads()).toBe(0);
  });

  it("an apply or delete that fits one request does not read statistics", async () => {
    const client = connect();
    await client.apply(nodes(1000));
    await client.apply(nodes(3), { delete: nodes(997) });
    await client.delete(
      nodes(1000).map((n) => ({ ...n, instanceType: "node" as const })),
    );
    expect(scripted.statisticsReads()).toBe(0);
    // One more item than a request holds: the limit matters, so it is read.
    await client.apply(nodes(3), { delete: nodes(998) });
    expect(scripted.statisticsReads()).toBe(1);
  });

  it("leaves no abort listener on a long-lived signal once an apply has its limit", async () => {
    scripted.statisticsAnswer = {
      status: 200,
      body: statistics({ concurrentWriteLimit: 2 }),
    };
    const signal = new AbortController().signal;
    const listening = new Set<unknown>();
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => {
      listening.add(args[1]);
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listening.delete(args[1]);
      remove(...args);
    };
    const client = connect();
    let added = 0;
    for (let apply = 0; apply < 3; apply++) {
      await client.apply(nodes(12), { ...TWELVE_REQUESTS, signal });
      added += listening.size;
    }
    expect(added).toBe(0);
    expect(scripted.inFlight.apply.most).toBe(2);
  });

  it("an apply aborted while the read is pending rejects; the read goes on for others", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    scripted.server.statistics = async () => {
      await held;
      return { status: 200, body: statistics({ concurrentWriteLimit: 2 }) };
    };
    const client = connect();
    const controller = new AbortController();
    const aborted = client.apply(nodes(12), {
      ...TWELVE_REQUESTS,
      signal: controller.signal,
    });
    const other = client.apply(nodes(12), TWELVE_REQUESTS);
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    release();
    expect((await other).counts.written).toBe(12);
    expect(scripted.statisticsReads()).toBe(1);
    expect(
      scripted.server.requests.filter((r) => r.path === APPLY),
    ).toHaveLength(12);
  });
});

describe("against the emulator", () => {
  it("its statistics answer matches the contract and gives 4 writes and 2 deletes", async () => {
    const emulator = await startEmulator({ views, port: 0 });
    const recorder = recordingTransport(
      createUndiciTransport({ timeoutMs: 10_000 }),
    );
    const client = new DmsClient({
      baseUrl: emulator.url,
      project: emulator.project,
      credentials: { token: "any-token-value" },
      transport: recorder.transport,
    });
    try {
      const answer = await client.http.getJson("/models/statistics");
      assertValid(
        "GET /models/statistics",
        validateResponse("/models/statistics", "GET", 200, answer),
      );
      expect(await readProjectLimits(client.http)).toEqual({
        write: 4,
        delete: 2,
      });
      const written = await client.apply(
        Array.from({ length: 30 }, (_, i) => ({
          instanceType: "node" as const,
          space: SPACE,
          externalId: `limit-${i}`,
        })),
        { chunkSize: 3 },
      );
      expect(written.counts.written).toBe(30);
      const reads = recorder.calls.filter(
        (c) => c.path === "/models/statistics",
      );
      // The test's two reads (the answer, the limits read from it), then the client's one.
      expect(reads.map((c) => c.status)).toEqual([200, 200, 200]);
      expect(recorder.stats.maxInFlight).toBeLessThanOrEqual(4);
      expect(recorder.violations).toEqual([]);
    } finally {
      await client.close();
      await emulator.close();
    }
  });
});

// The runtime against the DMS emulator: apply, retries, auth, abort, sync resume, expiry, query.
import { afterEach, describe, expect, it } from "vitest";
import {
  ManualClock,
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import {
  DmsClient,
  type DmsClientOptions,
} from "../../templates/runtime/read/dms-client.js";
import {
  ApplyFailedError,
  CursorExpiredError,
} from "../../templates/runtime/core/errors.js";
import {
  parseSyncState,
  serializeSyncState,
  type SyncPage,
} from "../../templates/runtime/read/sync.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import type { Transport } from "../../templates/runtime/core/transport.js";
import type {
  EdgeWrite,
  NodeWrite,
  SyncRequest,
} from "../../templates/runtime/core/wire.js";
import { fakeClock } from "../support/fault-server.js";
import {
  linkView,
  recordingTransport,
  SPACE,
  thingId,
  thingView,
  views,
} from "./support.js";

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (started.length > 0) await started.pop()!.close();
});

async function emulator(
  options: { token?: string; clock?: ManualClock } = {},
): Promise<RunningEmulator> {
  const running = await startEmulator({ views, port: 0, ...options });
  started.push(running);
  return running;
}

function connect(
  running: RunningEmulator,
  overrides: Partial<DmsClientOptions> = {},
  wrap: (transport: Transport) => Transport = (transport) => transport,
) {
  const recorder = recordingTransport(
    createUndiciTransport({ timeoutMs: 10_000 }),
  );
  const clock = fakeClock();
  const client = new DmsClient({
    baseUrl: running.url,
    project: running.project,
    credentials: { token: "any-token-value" },
    transport: wrap(recorder.transport),
    clock,
    random: () => 0.5,
    ...overrides,
  });
  started.push(client);
  return { client, clock, ...recorder };
}

function thing(i: number, size = i): NodeWrite {
  return {
    instanceType: "node",
    space: SPACE,
    externalId: thingId(i),
    sources: [{ source: thingView, properties: { name: `thing ${i}`, size } }],
  };
}

function link(from: number, to: number): EdgeWrite {
  return {
    instanceType: "edge",
    space: SPACE,
    externalId: `${thingId(from)}-${thingId(to)}`,
    type: { space: SPACE, externalId: "links" },
    startNode: { space: SPACE, externalId: thingId(from) },
    endNode: { space: SPACE, externalId: thingId(to) },
    sources: [{ source: linkView, properties: { weight: from / 7 } }],
  };
}

const syncAll: SyncRequest = {
  with: { things: { nodes: { filter: { hasData: [thingView] } }, limit: 100 } },
  select: { things: { sources: [{ source: thingView, properties: ["*"] }] } },
};

describe("runtime × emulator", () => {
  it("applies 2,500 nodes in 3 valid requests, edges after their nodes, and reads them back", async () => {
    const running = await emulator();
    const { client, calls, violations, stats } = connect(running);
    const edges = Array.from({ length: 10 }, (_, i) => link(i + 1, 2400 + i));
    // Edges first in the input: the engine still sends them after the nodes they need.
    const result = await client.apply(
      [...edges, ...Array.from({ length: 2500 }, (_, i) => thing(i + 1))],
      {
        autoCreateStartNodes: false,
        autoCreateEndNodes: false,
      },
    );
    expect(violations).toEqual([]);
    // Three requests may go out: the default concurrency is the project's limit, read first.
    expect(calls[0]).toMatchObject({
      method: "GET",
      path: "/models/statistics",
    });
    const applies = calls.slice(1);
    expect(applies.map((c) => c.body.items.length)).toEqual([1000, 1000, 510]);
    expect(applies.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
    expect(result.items).toHaveLength(2510);
    expect(result.items[0]!.externalId).toBe(edges[0]!.externalId);
    expect(result.items.every((i) => i.version === 1 && i.wasModified)).toBe(
      true,
    );
    expect(running.instanceCount()).toBe(2510);

    const [read] = await client.retrieve(
      [{ instanceType: "node", space: SPACE, externalId: thingId(42) }],
      [thingView],
    );
    expect(read!.properties).toEqual({
      sp: { "Thing/v1": { name: "thing 42", size: 42 } },
    });
    let listed = 0;
    for await (const page of client.list({ sources: [thingView], limit: 1000 }))
      listed += page.items.length;
    expect(listed).toBe(2500);
    const all = await client.queryAll({
      with: {
        things: { nodes: { filter: { hasData: [thingView] } }, limit: 700 },
      },
      select: {
        things: { sources: [{ source: thingView, properties: ["name"] }] },
      },
    });
    expect(all.items.things).toHaveLength(2500);
    expect(new Set(all.items.things!.map((i) => i.externalId)).size).toBe(2500);
    expect(violations).toEqual([]);
  });

  it("retries injected 503/429 with backoff on a fake clock and honours Retry-After", async () => {
    const running = await emulator();
    const { client, clock, calls } = connect(running);
    running.faults.failNext(1, 503, { path: "/instances" });
    running.faults.failNext(1, 429, { path: "/instances", retryAfter: 2 });
    running.faults.resetNext(1, { path: "/instances" });
    const result = await client.apply(
      Array.from({ length: 5 }, (_, i) => thing(i + 1)),
    );
    expect(result.items).toHaveLength(5);
    expect(calls.map((c) => c.status)).toEqual([503, 429, undefined, 200]);
    expect(clock.sleeps).toEqual([250, 2000, 1000]);
    expect(running.instanceCount()).toBe(5);
  });

  it("refreshes the token once after a 401", async () => {
    const running = await emulator({ token: "fresh-token-123456" });
    const tokens = ["stale-token-123456", "fresh-token-123456"];
    const { client, calls } = connect(running, {
      credentials: {
        tokenProvider: async () => tokens.shift() ?? "fresh-token-123456",
      },
    });
    await client.apply([thing(1)]);
    expect(calls.map((c) => c.status)).toEqual([401, 200]);
    expect(running.instanceCount()).toBe(1);
  });

  it("stops an apply when aborted and reports what was written", async () => {
    const running = await emulator();
    running.faults.delayNext(10, 150, { path: "/instances" });
    const controller = new AbortController();
    // Aborts as soon as the second request has been handed to the transport: request 1 done,
    // request 2 sent (its outcome unknown), request 3 not sent, however loaded the machine is.
    let sent = 0;
    const { client, calls } = connect(running, {}, (inner) => ({
      request: (request) => {
        const response = inner.request(request);
        if (++sent === 2) controller.abort();
        return response;
      },
      close: () => inner.close(),
    }));
    const applying = client.apply(
      Array.from({ length: 3000 }, (_, i) => thing(i + 1)),
      { concurrency: 1, signal: controller.signal },
    );
    const error = (await applying.catch((e: unknown) => e)) as ApplyFailedError;
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect(error.aborted).toBe(true);
    expect([
      error.written.length,
      error.unknown.length,
      error.notWritten.length,
    ]).toEqual([1000, 1000, 1000]);
    expect(calls).toHaveLength(2);
    // The aborted request may or may not have been processed; nothing beyond it was.
    expect([1000, 2000]).toContain(running.instanceCount());
  });

  it("a sync resumed from saved cursors in a new client delivers every change exactly once", async () => {
    const running = await emulator();
    const writer = connect(running).client;
    await writer.apply(Array.from({ length: 350 }, (_, i) => thing(i + 1)));

    const seen = new Map<string, number[]>(); // externalId → versions delivered
    const deletes: string[] = [];
    const record = (page: SyncPage) => {
      for (const item of page.deletes.things ?? [])
        deletes.push(item.externalId);
      for (const item of page.upserts.things ?? [])
        seen.set(item.externalId, [
          ...(seen.get(item.externalId) ?? []),
          item.version,
        ]);
    };

    // Process 1: two pages, then "crash" after saving the state of the second.
    let saved = "";
    let pages = 0;
    for await (const page of connect(running).client.sync(syncAll)) {
      record(page);
      saved = serializeSyncState(page.state);
      if (++pages === 2) break;
    }
    expect(seen.size).toBe(200);

    // Changes while nobody syncs: updates, deletes, new instances.
    await writer.apply(
      Array.from({ length: 20 }, (_, i) => thing(i + 1, 1000 + i)),
    );
    await writer.delete(
      [thingId(300), thingId(301), thingId(5)].map((externalId) => ({
        instanceType: "node" as const,
        space: SPACE,
        externalId,
      })),
    );
    await writer.apply(Array.from({ length: 30 }, (_, i) => thing(1000 + i)));

    // Process 2: resume from the saved JSON until caught up.
    const { client, violations } = connect(running);
    let last: SyncPage | undefined;
    for await (const page of client.sync(syncAll, {
      state: parseSyncState(saved),
    })) {
      record(page);
      last = page;
    }
    expect(last!.caughtUp).toBe(true);
    expect(violations).toEqual([]);

    // Exactly once: no (id, version) twice; 348 first versions (300 and 301 were deleted before
    // they were delivered), 19 updates (thing 5 was deleted after its update), 30 new things.
    for (const [id, versions] of seen)
      expect(new Set(versions).size, id).toBe(versions.length);
    const deliveries = [...seen.values()].reduce(
      (sum, versions) => sum + versions.length,
      0,
    );
    expect(deliveries).toBe(348 + 19 + 30);
    expect(seen.get(thingId(1))).toEqual([1, 2]);
    expect(seen.get(thingId(21))).toEqual([1]);
    expect(seen.get(thingId(5))).toEqual([1]);
    expect([...deletes].sort()).toEqual(
      [thingId(300), thingId(301), thingId(5)].sort(),
    );
    // Replaying the pages gives the emulator's live set.
    const live = new Set<string>();
    for await (const page of client.list({ sources: [thingView] }))
      for (const item of page.items) live.add(item.externalId);
    const replayed = [...seen.keys()]
      .filter((id) => !deletes.includes(id))
      .sort();
    expect(replayed).toEqual([...live].sort());
    expect(live.size).toBe(350 - 3 + 30);
  });

  it("raises CursorExpiredError for cursors older than 3 days unless told to accept it", async () => {
    const clock = new ManualClock(Date.parse("2025-01-01T00:00:00Z"));
    const running = await emulator({ clock });
    const { client } = connect(running);
    await client.apply([thing(1)]);
    let state = "";
    for await (const page of client.sync(syncAll))
      state = serializeSyncState(page.state);
    clock.advance(3 * 24 * 3600_000 + 60_000);
    const error = await (async () => {
      for await (const _ of client.sync(syncAll, {
        state: parseSyncState(state),
      }))
        void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CursorExpiredError);
    expect((error as CursorExpiredError).status).toBe(400);
    const pages: SyncPage[] = [];
    for await (const page of client.sync(syncAll, {
      state: parseSyncState(state),
      allowExpiredCursorsAndAcceptMissedDeletes: true,
    }))
      pages.push(page);
    expect(pages.at(-1)!.caughtUp).toBe(true);
  });
});

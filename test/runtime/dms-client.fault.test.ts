// DmsClient against the scripted fault server: chunking, concurrency, abort, auth, and every
// request body checked against the DMS OpenAPI contract.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DmsClient } from "../../templates/runtime/read/dms-client.js";
import { ApplyFailedError } from "../../templates/runtime/core/errors.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import type { NodeWrite } from "../../templates/runtime/core/wire.js";
import { assertValid, validateRequest } from "../support/openapi.js";
import {
  applyAnswer,
  dmsError,
  fakeClock,
  startFaultServer,
  type FaultServer,
  type RecordedRequest,
} from "../support/fault-server.js";

const PREFIX = "/api/v1/projects/proj";
const view = {
  type: "view",
  space: "sp",
  externalId: "Thing",
  version: "v1",
} as const;
let server: FaultServer;
let client: DmsClient;

/** Validates each request against the contract, then answers like the API. */
function contractHandler(delayMs = 0) {
  return (request: RecordedRequest) => {
    const path = request.path.replace(PREFIX, "").replace(/\?.*$/, "");
    assertValid(
      `${request.method} ${path}`,
      validateRequest(path, request.method, request.json),
    );
    if (path === "/models/instances")
      return { ...applyAnswer(request.json), delayMs };
    return { status: 200, body: { items: [] }, delayMs };
  };
}

/** A promise and its resolve, to wait for an event instead of a timer. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Answers (as the contract handler) only once `count` requests are waiting, or the last of `total`
 * (counted from request index `first`) has come: the most requests in flight is then the client's
 * limit however slowly the machine builds them, and no timer decides it.
 */
function heldUntilInFlight(count: number, total: number, first = 0) {
  const answer = contractHandler();
  let waiting: (() => void)[] = [];
  return async (request: RecordedRequest, index: number) => {
    const arrived = new Promise<void>((resolve) => waiting.push(resolve));
    if (waiting.length === count || index === first + total - 1) {
      for (const release of waiting) release();
      waiting = [];
    }
    await arrived;
    return answer(request);
  };
}

/** The contract's externalId pattern is double-escaped (it forbids "\\", "x" and "0"), so ids avoid them. */
function thingId(i: number): string {
  return `n${String(i).replace(/0/g, "o")}`;
}

function nodes(count: number): NodeWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    instanceType: "node",
    space: "sp",
    externalId: thingId(i),
    sources: [{ source: view, properties: { name: `thing ${i}`, size: i } }],
  }));
}

beforeEach(async () => {
  server = await startFaultServer();
  client = new DmsClient({
    baseUrl: server.url,
    project: "proj",
    credentials: { token: "test-token-abcdefgh" },
    transport: createUndiciTransport({ timeoutMs: 5000 }),
    clock: fakeClock(),
    random: () => 0.5,
  });
});
afterEach(async () => {
  await client.close();
  await server.close();
  expect(server.handlerErrors).toEqual([]);
});

describe("DmsClient.apply", () => {
  it("sends 2,500 items as 3 valid requests and returns results in input order", async () => {
    server.setHandler(contractHandler());
    const items = nodes(2500);
    const result = await client.apply(items, { replace: true });
    expect(server.requests.map((r) => r.json.items.length)).toEqual([
      1000, 1000, 500,
    ]);
    expect(server.requests.every((r) => r.json.replace === true)).toBe(true);
    expect(result.items.map((i) => i.externalId)).toEqual(
      items.map((i) => i.externalId),
    );
  });

  it("never has more requests in flight than the limit", async () => {
    server.setHandler(heldUntilInFlight(3, 16));
    await client.apply(nodes(4000), { concurrency: 3, chunkSize: 250 });
    expect(server.requests).toHaveLength(16);
    expect(server.stats.maxInFlight).toBe(3);
    server.stats.maxInFlight = 0;
    server.setHandler(heldUntilInFlight(2, 8, 16));
    await client.apply(nodes(2000), { chunkSize: 250 }); // default 2
    expect(server.requests).toHaveLength(24);
    expect(server.stats.maxInFlight).toBe(2);
  });

  it("stops on abort and says what was written, unknown and not written", async () => {
    // The second request is held at the server until the test is done with it, and the abort
    // happens once it has arrived: request 1 answered, request 2 in flight, request 3 never sent,
    // whatever the machine's load (no timer decides the order).
    const secondArrived = deferred();
    const releaseSecond = deferred();
    const answer = contractHandler();
    server.setHandler(async (request, index) => {
      if (index === 1) {
        secondArrived.resolve();
        await releaseSecond.promise;
      }
      return answer(request);
    });
    const controller = new AbortController();
    const progress: number[] = [];
    const applying = client.apply(nodes(2500), {
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => progress.push(p.itemsDone),
    });
    await secondArrived.promise;
    controller.abort(new Error("user cancelled"));
    const error = (await applying.catch((e: unknown) => e)) as ApplyFailedError;
    releaseSecond.resolve();
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect(error.aborted).toBe(true);
    expect(error.written).toHaveLength(1000);
    expect(error.unknown).toHaveLength(1000);
    expect(error.notWritten).toHaveLength(500);
    expect(error.notWritten[0]).toEqual({
      space: "sp",
      externalId: thingId(2000),
    });
    expect(error.message).toContain(
      "Apply aborted: 1000 instance(s) written, 500 not written, 1000 unknown",
    );
    expect(progress).toEqual([1000]);
    // The apply has settled with request 3 not written: it was never sent.
    expect(server.requests).toHaveLength(2);
  });

  it("retries a throttled chunk and a reset connection without losing items", async () => {
    const handler = contractHandler();
    server.setHandler(handler);
    server.enqueue(dmsError(429, "Too many concurrent requests"), {
      reset: true,
    });
    const result = await client.apply(nodes(1500), { concurrency: 1 });
    expect(result.items).toHaveLength(1500);
    expect(server.requests).toHaveLength(4);
  });

  it("rejects NaN naming the item and property, sending nothing", async () => {
    const items = nodes(3);
    items[2]!.sources![0]!.properties!.size = Number.NaN;
    await expect(client.apply(items)).rejects.toThrow(
      "Item 2 (sp:n2) at sources[0].properties.size: NaN",
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("DmsClient reads and deletes", () => {
  it("sends valid delete, byids, list, query and sync bodies", async () => {
    server.setHandler((request) => {
      const answer = contractHandler()(request);
      if (request.path.endsWith("/list") && !request.json.cursor)
        return { status: 200, body: { items: [], nextCursor: "page-2" } };
      if (request.path.endsWith("/sync"))
        return {
          status: 200,
          body: { items: { all: [] }, nextCursor: { all: "c1" } },
        };
      if (request.path.endsWith("/query"))
        return { status: 200, body: { items: { all: [] }, nextCursor: {} } };
      return answer;
    });
    await client.delete([
      { instanceType: "node", space: "sp", externalId: "a" },
    ]);
    await client.retrieve(
      [{ instanceType: "node", space: "sp", externalId: "a" }],
      [view],
      { includeTyping: true },
    );
    const pages = [];
    for await (const page of client.list({
      instanceType: "node",
      sources: [view],
      limit: 10,
      filter: { hasData: [view] },
    }))
      pages.push(page);
    expect(pages).toHaveLength(2);
    await client.queryAll({
      with: { all: { nodes: { filter: { hasData: [view] } }, limit: 5 } },
      select: { all: { sources: [{ source: view, properties: ["*"] }] } },
    });
    for await (const page of client.sync(
      {
        with: { all: { nodes: { filter: { hasData: [view] } }, limit: 5 } },
        select: { all: { sources: [{ source: view, properties: ["*"] }] } },
      },
      {
        mode: "onePhase",
        includeTyping: true,
        allowExpiredCursorsAndAcceptMissedDeletes: true,
      },
    )) {
      expect(page.caughtUp).toBe(true);
    }
    expect(server.requests.map((r) => r.path.replace(PREFIX, ""))).toEqual([
      "/models/instances/delete",
      "/models/instances/byids",
      "/models/instances/list",
      "/models/instances/list",
      "/models/instances/query",
      "/models/instances/sync",
    ]);
    expect(server.requests[3]!.json.cursor).toBe("page-2");
  });
});

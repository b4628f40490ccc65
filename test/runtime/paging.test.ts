// Adaptive paging (issue 9 item 5) in the engines: which failures shrink a page, how sizes halve,
// grow back and are reported, that a set keeps its page while a set chained from it pages, and
// that query and sync lose and repeat nothing when pages shrink mid-stream with cursors. The
// simulated endpoints page by position (offset cursors, valid with any limit, as in DMS) and
// time out whenever a set's limit is above a threshold that tests move while paging.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonPoster } from "../../templates/runtime/write/apply.js";
import { DmsClient } from "../../templates/runtime/read/dms-client.js";
import {
  DmsError,
  ProtocolError,
  TransportError,
} from "../../templates/runtime/core/errors.js";
import {
  GROW_AFTER_REQUESTS,
  PageSizes,
  PageTimeoutError,
  sendAdaptive,
} from "../../templates/runtime/core/paging.js";
import { queryAll, queryPages } from "../../templates/runtime/read/query.js";
import {
  parseSyncState,
  serializeSyncState,
  syncPages,
  type SyncPage,
} from "../../templates/runtime/read/sync.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import type {
  InstanceRead,
  QueryRequest,
  SyncRequest,
} from "../../templates/runtime/core/wire.js";
import {
  fakeClock,
  startFaultServer,
  type FaultServer,
} from "../support/fault-server.js";
import { assertValid, validateRequest } from "../support/openapi.js";

const info = { method: "POST", url: "http://x/query" };
const timeout408 = () =>
  new DmsError({ ...info, status: 408, code: 408, apiMessage: "timed out" });

describe("sendAdaptive: which failures are page timeouts", () => {
  it.each([
    ["a 408 from the API", timeout408(), true],
    [
      "a client timeout",
      new TransportError({ ...info, kind: "timeout", attempts: 1 }),
      true,
    ],
    [
      "a response over the size limit",
      new ProtocolError({ ...info, problem: "too-large", detail: "big" }),
      true,
    ],
    [
      "a 400",
      new DmsError({ ...info, status: 400, code: 400, apiMessage: "bad" }),
      false,
    ],
    [
      "a 503",
      new DmsError({ ...info, status: 503, code: 503, apiMessage: "busy" }),
      false,
    ],
    [
      "a refused connection",
      new TransportError({ ...info, kind: "connection", attempts: 1 }),
      false,
    ],
    [
      "a repeated cursor",
      new ProtocolError({ ...info, problem: "repeated-cursor", detail: "x" }),
      false,
    ],
    ["a plain error", new Error("boom"), false],
  ])("%s: %s", async (_name, error, expected) => {
    // A page timeout is resent with smaller pages; any other failure is thrown as it is.
    let sent = 0;
    const send = async (): Promise<string> => {
      if (sent++ === 0) throw error;
      return "resent";
    };
    const sizes = new PageSizes({ a: 2 });
    const outcome = await sendAdaptive({ path: "/p", sizes, send }).catch(
      (thrown: unknown) => (thrown === error ? "thrown" : thrown),
    );
    expect(outcome).toBe(expected ? "resent" : "thrown");
    expect(sizes.current).toEqual({ a: expected ? 1 : 2 });
  });
});

describe("PageSizes", () => {
  it("halves the named sets down to 1, then reports that nothing shrank", () => {
    const sizes = new PageSizes({ a: 5, b: 8 });
    const seen: Record<string, number>[] = [];
    while (sizes.shrink(["a", "b"])) seen.push(sizes.current);
    expect(seen).toEqual([
      { a: 2, b: 4 },
      { a: 1, b: 2 },
      { a: 1, b: 1 },
    ]);
    expect(sizes.shrink(["b"])).toBe(false);
  });

  it("changes only the named sets", () => {
    const sizes = new PageSizes({ a: 8, b: 8 });
    sizes.shrink(["b"]);
    expect(sizes.current).toEqual({ a: 8, b: 4 });
  });

  it("starts from saved sizes, never above what is asked", () => {
    const sizes = new PageSizes({ a: 8, b: 8, c: 8 }, { a: 3, b: 50, c: 0 });
    expect(sizes.current).toEqual({ a: 3, b: 8, c: 8 });
  });

  it(`doubles back after ${GROW_AFTER_REQUESTS} successes in a row, up to what was asked`, () => {
    const sizes = new PageSizes({ a: 12, b: 12 });
    sizes.shrink(["a", "b"]);
    sizes.shrink(["a", "b"]); // 3
    const grown: number[] = [];
    for (let i = 0; i < 3 * GROW_AFTER_REQUESTS; i++) {
      sizes.growIfDue(["a"]);
      sizes.succeeded();
      grown.push(sizes.of("a"));
    }
    const expected = [
      ...Array<number>(GROW_AFTER_REQUESTS).fill(3),
      ...Array<number>(GROW_AFTER_REQUESTS).fill(6),
      ...Array<number>(GROW_AFTER_REQUESTS).fill(12),
    ];
    expect(grown).toEqual(expected);
    expect(sizes.of("b")).toBe(3);
  });

  it("a timeout restarts the count of successes", () => {
    const sizes = new PageSizes({ a: 8 });
    sizes.shrink(["a"]);
    for (let i = 0; i < GROW_AFTER_REQUESTS - 1; i++) sizes.succeeded();
    sizes.shrink([]);
    sizes.succeeded();
    sizes.growIfDue(["a"]);
    expect(sizes.of("a")).toBe(4);
  });
});

describe("sendAdaptive", () => {
  it("halves on each timeout and ends with PageTimeoutError holding the last timeout", async () => {
    const sizes = new PageSizes({ a: 4 });
    const sent: number[] = [];
    const error: unknown = await sendAdaptive({
      path: "/models/instances/query",
      sizes,
      send: () => {
        sent.push(sizes.of("a"));
        return Promise.reject(timeout408());
      },
    }).catch((e: unknown) => e);
    expect(sent).toEqual([4, 2, 1]);
    expect(error).toBeInstanceOf(PageTimeoutError);
    const timeout = error as PageTimeoutError;
    expect(timeout.attempts).toBe(3);
    expect(timeout.pageSizes).toEqual({ a: 1 });
    expect(timeout.path).toBe("/models/instances/query");
    expect((timeout.cause as DmsError).status).toBe(408);
    expect(timeout.message).toContain('{"a":1}');
  });

  it("passes other errors on at once", async () => {
    let calls = 0;
    const failure = new DmsError({
      ...info,
      status: 400,
      code: 400,
      apiMessage: "bad",
    });
    await expect(
      sendAdaptive({
        path: "/p",
        sizes: new PageSizes({ a: 4 }),
        send: () => {
          calls += 1;
          return Promise.reject(failure);
        },
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });
});

// ---- a simulated query / sync endpoint

const ID_COUNT = 23;
const allIds = Array.from({ length: ID_COUNT }, (_, i) => `n${i}`);

function node(id: string): InstanceRead {
  return {
    instanceType: "node",
    space: "s",
    externalId: id,
    version: 1,
    createdTime: 0,
    lastUpdatedTime: 0,
  };
}

/**
 * `POST /query` and `/sync` over one list of ids per set: a cursor is the position (`at:7`), a
 * request whose limit exceeds `gate.max` gets a 408. Chained sets page over their parent's page
 * (two children per parent). Every request is checked against the contract.
 */
function simulated(path: "/models/instances/query" | "/models/instances/sync") {
  const gate = { max: Infinity };
  const bodies: (QueryRequest & SyncRequest)[] = [];
  const poster: JsonPoster = {
    postJson: <T>(to: string, raw: unknown) => {
      expect(to).toBe(path);
      const body = structuredClone(raw) as QueryRequest & SyncRequest;
      assertValid("request", validateRequest(path, "post", body));
      bodies.push(body);
      const limits = Object.values(body.with).map((w) => w.limit ?? 100);
      if (limits.some((limit) => limit > gate.max))
        return Promise.reject(timeout408());
      const items: Record<string, InstanceRead[]> = {};
      const nextCursor: Record<string, string> = {};
      const pageOf = new Map<string, string[]>();
      for (const [name, expression] of Object.entries(body.with)) {
        const parent = expression.nodes?.from;
        const source =
          parent === undefined
            ? allIds
            : (pageOf.get(parent) ?? []).flatMap((p) => [`${p}x`, `${p}y`]);
        const cursor = body.cursors?.[name];
        const offset = cursor ? Number(cursor.slice("at:".length)) : 0;
        const limit = expression.limit ?? 100;
        const page = source.slice(offset, offset + limit);
        pageOf.set(name, page);
        items[name] = page.map(node);
        const end = offset + page.length;
        if (path === "/models/instances/sync" || end < source.length)
          nextCursor[name] = `at:${end}`;
      }
      return Promise.resolve({ items, nextCursor } as T);
    },
  };
  return { poster, bodies, gate };
}

const ids = (list: readonly InstanceRead[]) => list.map((i) => i.externalId);

describe("queryPages", () => {
  it("shrinks a set that already has a cursor and loses or repeats nothing", async () => {
    const api = simulated("/models/instances/query");
    const request: QueryRequest = {
      with: { all: { nodes: {}, limit: 8 } },
      select: { all: {} },
    };
    const seen: string[] = [];
    const sizes: number[] = [];
    for await (const page of queryPages(api.poster, request)) {
      seen.push(...ids(page.items.all ?? []));
      sizes.push(page.pageSizes.all!);
      api.gate.max = 3; // from the second page on, pages above 3 time out
    }
    expect(seen).toEqual(allIds);
    expect(sizes[0]).toBe(8);
    expect(sizes[1]).toBe(2);
    // The cursor of page 1 went out with the smaller limits.
    expect(
      api.bodies.slice(1, 4).map((b) => [b.with.all?.limit, b.cursors?.all]),
    ).toEqual([
      [8, "at:8"],
      [4, "at:8"],
      [2, "at:8"],
    ]);
    // Grown back to 4 after enough successes, it timed out and went to 2 again.
    expect(Math.max(...sizes.slice(1))).toBe(2);
  });

  it("grows back to the asked size once the API answers again", async () => {
    const api = simulated("/models/instances/query");
    api.gate.max = 1;
    const request: QueryRequest = {
      with: { all: { nodes: {}, limit: 4 } },
      select: { all: {} },
    };
    const seen: string[] = [];
    const sizes: number[] = [];
    for await (const page of queryPages(api.poster, request)) {
      seen.push(...ids(page.items.all ?? []));
      sizes.push(page.pageSizes.all!);
      api.gate.max = Infinity;
    }
    expect(seen).toEqual(allIds);
    const grownAt = GROW_AFTER_REQUESTS;
    expect(sizes.slice(0, grownAt)).toEqual(Array<number>(grownAt).fill(1));
    expect(sizes[grownAt]).toBe(2);
    expect(sizes.at(-1)).toBe(4);
  });

  it("on a timeout while children page, shrinks the children only", async () => {
    const api = simulated("/models/instances/query");
    const request: QueryRequest = {
      with: {
        parents: { nodes: {}, limit: 4 },
        children: { nodes: { from: "parents" }, limit: 4 },
      },
      select: { parents: {}, children: {} },
    };
    const pages = queryPages(api.poster, request);
    const first = await pages.next();
    expect(first.value?.pageSizes).toEqual({ parents: 4, children: 4 });
    api.gate.max = 3;
    // Both cursors go out next; the parent's child is paging, so only the children may shrink,
    // and the parent's limit of 4 keeps timing out: nothing left to shrink.
    const error: unknown = await pages.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageTimeoutError);
    expect(
      api.bodies
        .slice(1)
        .map((b) => [b.with.parents?.limit, b.with.children?.limit]),
    ).toEqual([
      [4, 4],
      [4, 2],
      [4, 1],
    ]);
  });

  it("ends with PageTimeoutError when pages of one time out", async () => {
    const api = simulated("/models/instances/query");
    api.gate.max = 0;
    const error: unknown = await queryAll(api.poster, {
      with: { all: { nodes: {}, limit: 8 } },
      select: { all: {} },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageTimeoutError);
    expect(api.bodies.map((b) => b.with.all?.limit)).toEqual([8, 4, 2, 1]);
  });
});

describe("syncPages", () => {
  const request: SyncRequest = {
    with: { all: { nodes: {}, limit: 8 } },
    select: { all: {} },
  };

  it("shrinks mid-stream, judges caught-up by the size sent, and saves the sizes in the state", async () => {
    const api = simulated("/models/instances/sync");
    const pages: SyncPage[] = [];
    for await (const page of syncPages(api.poster, request)) {
      pages.push(page);
      api.gate.max = 3;
    }
    // A page of 2 is full at size 2: ending there would have lost the rest.
    expect(pages.flatMap((p) => ids(p.upserts.all ?? []))).toEqual(allIds);
    expect(pages.at(-1)?.caughtUp).toBe(true);
    // The second page was asked for ahead (before the loop body lowered the gate): full size.
    expect(pages[0]?.pageSizes).toEqual({ all: 8 });
    expect(pages[1]?.pageSizes).toEqual({ all: 8 });
    expect(pages[1]?.state.pageSizes).toBeUndefined();
    expect(pages[2]?.pageSizes).toEqual({ all: 2 });
    expect(pages[2]?.state.pageSizes).toEqual({ all: 2 });
    expect(api.bodies[1]?.cursors).toEqual({ all: "at:8" });
    expect(api.bodies[2]?.cursors).toEqual({ all: "at:16" });
    expect(api.bodies[4]).toMatchObject({
      cursors: { all: "at:16" },
      with: { all: { limit: 2 } },
    });
  });

  it("resumes from a saved state with the saved page sizes", async () => {
    const api = simulated("/models/instances/sync");
    const first = await syncPages(api.poster, request).next();
    const saved = serializeSyncState({
      ...first.value!.state,
      pageSizes: { all: 2 },
    });
    const state = parseSyncState(saved);
    expect(state.pageSizes).toEqual({ all: 2 });
    const resumed = await syncPages(api.poster, request, { state }).next();
    expect(api.bodies.at(-1)?.with.all?.limit).toBe(2);
    expect(ids(resumed.value!.upserts.all ?? [])).toEqual(["n8", "n9"]);
  });

  it.each([
    ["not whole", { all: 1.5 }],
    ["below 1", { all: 0 }],
    ["not a map", 5],
  ])("parseSyncState rejects page sizes %s", (_name, pageSizes) => {
    expect(() =>
      parseSyncState(
        JSON.stringify({
          version: 1,
          fingerprint: "f",
          cursors: {},
          pageSizes,
        }),
      ),
    ).toThrow(/pageSizes/);
  });
});

// ---- the HTTP client leaves timeouts of paged reads to the pager

describe("a 408 over HTTP", () => {
  let server: FaultServer;
  let client: DmsClient;
  beforeEach(async () => {
    server = await startFaultServer();
    client = new DmsClient({
      baseUrl: server.url,
      project: "proj",
      credentials: { token: "test-token" },
      transport: createUndiciTransport({ timeoutMs: 5000 }),
      clock: fakeClock(),
      random: () => 0,
    });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it("is not retried as it is: the next request has a smaller page", async () => {
    server.setHandler((request) => {
      const limit = (request.json as QueryRequest).with.all?.limit ?? 100;
      return limit > 2
        ? {
            status: 408,
            body: {
              error: {
                code: 408,
                message:
                  "Graph query timed out. Reduce load or contention, or optimise your query.",
              },
            },
          }
        : {
            status: 200,
            body: { items: { all: [node("a")] }, nextCursor: {} },
          };
    });
    const all = await client.queryAll({
      with: { all: { nodes: {}, limit: 8 } },
      select: { all: {} },
    });
    expect(ids(all.items.all ?? [])).toEqual(["a"]);
    expect(all.pageSizes).toEqual({ all: 2 });
    expect(
      server.requests.map((r) => (r.json as QueryRequest).with.all?.limit),
    ).toEqual([8, 4, 2]);
  });

  it("a client timeout shrinks the page too, without a retry as it is", async () => {
    const slow = new DmsClient({
      baseUrl: server.url,
      project: "proj",
      credentials: { token: "test-token" },
      transport: createUndiciTransport({ timeoutMs: 150 }),
      clock: fakeClock(),
      random: () => 0,
    });
    try {
      server.setHandler((request) => {
        const limit = (request.json as QueryRequest).with.all?.limit ?? 100;
        const body = { items: { all: [node("a")] }, nextCursor: {} };
        return limit > 2 ? { delayMs: 1000, body } : { body };
      });
      const all = await slow.queryAll({
        with: { all: { nodes: {}, limit: 8 } },
        select: { all: {} },
      });
      expect(all.pageSizes).toEqual({ all: 2 });
      expect(
        server.requests.map((r) => (r.json as QueryRequest).with.all?.limit),
      ).toEqual([8, 4, 2]);
    } finally {
      await slow.close();
    }
  });

  it("is still retried as it is for other requests", async () => {
    server.enqueue({
      status: 408,
      body: { error: { code: 408, message: "t" } },
    });
    server.setHandler(() => ({ status: 200, body: { items: [] } }));
    await client.retrieve([
      { instanceType: "node", space: "s", externalId: "a" },
    ]);
    expect(server.requests).toHaveLength(2);
  });
});

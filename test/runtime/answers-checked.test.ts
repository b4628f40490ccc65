// The client vouches only for what it checked (issue 26): against a server on 127.0.0.1 that
// answers with valid JSON of the wrong content, an apply never reports writes it cannot match to
// its request, retrieve never returns instances it did not ask for, and every paged read ends.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DmsClient } from "../../templates/runtime/read/dms-client.js";
import {
  ApplyFailedError,
  ProtocolError,
} from "../../templates/runtime/core/errors.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import type { NodeWrite } from "../../templates/runtime/core/wire.js";
import {
  applyAnswer,
  fakeClock,
  startFaultServer,
  type FaultServer,
} from "../support/fault-server.js";

let server: FaultServer;
const clients: DmsClient[] = [];

beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  while (clients.length > 0) await clients.pop()!.close();
  await server.close();
});

function connect(options: { maxPagesPerRead?: number } = {}): DmsClient {
  const client = new DmsClient({
    baseUrl: server.url,
    project: "proj",
    credentials: { token: "test-token-abcdefgh" },
    transport: createUndiciTransport({ timeoutMs: 5000 }),
    clock: fakeClock(),
    random: () => 0.5,
    ...options,
  });
  clients.push(client);
  return client;
}

const nodes = (...ids: string[]): NodeWrite[] =>
  ids.map((externalId) => ({ instanceType: "node", space: "sp", externalId }));

type Item = Record<string, unknown>;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

/** Reads every page of an async iterable; the number of pages read, or the error. */
async function drain(pages: AsyncIterable<unknown>): Promise<unknown> {
  let count = 0;
  try {
    for await (const page of pages) {
      void page;
      count += 1;
    }
    return count;
  } catch (error) {
    return error;
  }
}

function instance(externalId: string): Item {
  return {
    instanceType: "node",
    space: "sp",
    externalId,
    version: 1,
    createdTime: 1,
    lastUpdatedTime: 1,
    properties: {},
  };
}

describe("apply answers", () => {
  const cases: [string, (items: Item[]) => unknown[], RegExp][] = [
    [
      "names 3 ids that were never sent",
      (items) =>
        items.map((item) => ({
          ...item,
          externalId: `x${String(item.externalId)}`,
        })),
      /names node sp:xa, which its request did not send/,
    ],
    [
      "lists 2 of 3 (no skipOnVersionConflict)",
      (items) => items.slice(0, 2),
      /leaves out 1 of the 3 instances .* node sp:c\), and skipOnVersionConflict was not set/,
    ],
    ["is [{},{},{}]", (items) => items.map(() => ({})), /no instance id/],
    [
      "names the same id 3 times",
      (items) => items.map(() => items[0]),
      /names node sp:a twice/,
    ],
  ];
  it.each(cases)(
    "an answer that %s fails: ProtocolError, the writes unknown (never written or skipped)",
    async (_name, answerItems, message) => {
      server.setHandler((request) => {
        const answer = applyAnswer(request.json).body as { items: Item[] };
        return { status: 200, body: { items: answerItems(answer.items) } };
      });
      const error = await failure(connect().apply(nodes("a", "b", "c")));
      expect(error).toBeInstanceOf(ApplyFailedError);
      const report = error as ApplyFailedError;
      expect(report.cause).toBeInstanceOf(ProtocolError);
      expect((report.cause as ProtocolError).problem).toBe(
        "unexpected-instances",
      );
      expect((report.cause as Error).message).toMatch(message);
      expect(report.unknown.map((id) => id.externalId)).toEqual([
        "a",
        "b",
        "c",
      ]);
      expect(report.written).toEqual([]);
      expect(report.notWritten).toEqual([]);
      expect(server.requests).toHaveLength(1);
    },
  );

  it("an answer in reverse order is returned in input order", async () => {
    server.setHandler((request) => {
      const answer = applyAnswer(request.json).body as { items: Item[] };
      return { status: 200, body: { items: [...answer.items].reverse() } };
    });
    const result = await connect().apply(nodes("a", "b", "c"));
    expect(result.items.map((item) => item.externalId)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(result.counts).toEqual({ written: 3, skipped: 0, deleted: 0 });
  });
});

describe("retrieve answers", () => {
  const ids = ["a", "b"].map((externalId) => ({
    instanceType: "node" as const,
    space: "sp",
    externalId,
  }));
  it.each([
    [
      "other ids",
      [instance("x"), instance("y")],
      /names node sp:x, which was not asked for/,
    ],
    ["an id twice", [instance("a"), instance("a")], /names node sp:a twice/],
    [
      "an edge with an asked node's id",
      [{ ...instance("a"), instanceType: "edge" }],
      /names edge sp:a, which was not asked for/,
    ],
  ])("answered with %s is a ProtocolError", async (_name, items, message) => {
    server.setHandler(() => ({ status: 200, body: { items } }));
    const error = await failure(connect().retrieve(ids));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("unexpected-instances");
    expect((error as Error).message).toMatch(message);
  });

  it("answered with some of the ids (the others missing) returns those", async () => {
    server.setHandler(() => ({
      status: 200,
      body: { items: [instance("b")] },
    }));
    const found = await connect().retrieve(ids);
    expect(found.map((item) => item.externalId)).toEqual(["b"]);
  });
});

describe("delete answers", () => {
  const deletes = (...names: string[]) =>
    names.map((externalId) => ({
      instanceType: "node" as const,
      space: "sp",
      externalId,
    }));
  const asked = deletes("a", "b", "c");

  it.each([
    [
      "an id never sent",
      deletes("a", "x"),
      /names node sp:x, which its request did not send/,
    ],
    ["an id twice", deletes("a", "a"), /names node sp:a twice/],
    [
      "an edge with a sent node's id",
      [{ ...deletes("a")[0]!, instanceType: "edge" }],
      /names edge sp:a, which its request did not send/,
    ],
    ["an item that is no id", [{ space: "sp" }], /no instance id/],
  ])(
    "answered with %s is a ProtocolError: the deletes unknown, none reported deleted",
    async (_name, deleted, message) => {
      server.setHandler(() => ({ status: 200, body: { items: deleted } }));
      const error = await failure(connect().delete(asked));
      expect(error).toBeInstanceOf(ApplyFailedError);
      const report = error as ApplyFailedError;
      expect(report.cause).toBeInstanceOf(ProtocolError);
      expect((report.cause as Error).message).toMatch(message);
      expect(report.unknown.map((id) => id.externalId)).toEqual([
        "a",
        "b",
        "c",
      ]);
    },
  );

  it("an apply's deleted list is checked the same way", async () => {
    server.setHandler((request) => {
      const answer = applyAnswer(request.json).body as Record<string, unknown>;
      return { status: 200, body: { ...answer, deleted: deletes("x") } };
    });
    const error = await failure(
      connect().apply(nodes("n"), { delete: deletes("a") }),
    );
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect(((error as Error).cause as Error).message).toMatch(
      /names node sp:x, which its request did not send/,
    );
  });

  it("answered with some of the ids (the API leaves out those it did not find) returns those", async () => {
    server.setHandler(() => ({ status: 200, body: { items: deletes("b") } }));
    const deleted = await connect().delete(asked);
    expect(deleted.map((item) => item.externalId)).toEqual(["b"]);
  });
});

describe("paging that never ends", () => {
  const syncRequest = {
    with: { a: { nodes: {}, limit: 2 } },
    select: { a: {} },
  };
  const query = { with: { a: { nodes: {} } }, select: { a: {} } };
  const full = [instance("n0"), instance("n1")];

  it("list with cursors cycling A → B → A fails after the third page", async () => {
    const cursors = ["A", "B", "A", "B"];
    server.setHandler((_request, index) => ({
      status: 200,
      body: { items: [instance(`n${index}`)], nextCursor: cursors[index % 4] },
    }));
    const error = await drain(connect().list());
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("repeated-cursor");
    expect((error as Error).message).toMatch(
      /\/models\/instances\/list: after page 3 the server repeated cursors of this read/,
    );
    expect(server.requests.map((r) => r.json.cursor)).toEqual([
      undefined,
      "A",
      "B",
    ]);
  });

  it("list answering empty pages with fresh cursors stops at maxPagesPerRead", async () => {
    server.setHandler((_request, index) => ({
      status: 200,
      body: { items: [], nextCursor: `c${index}` },
    }));
    const error = await drain(connect({ maxPagesPerRead: 50 }).list());
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("endless-paging");
    expect((error as Error).message).toMatch(
      /\/models\/instances\/list: the read did not end after 50 pages/,
    );
    expect(server.requests).toHaveLength(50);
  });

  it("sync with full pages and cursors cycling A → B → A fails", async () => {
    const cursors = ["A", "B"];
    server.setHandler((_request, index) => ({
      status: 200,
      body: { items: { a: full }, nextCursor: { a: cursors[index % 2] } },
    }));
    const error = await drain(connect().sync(syncRequest));
    expect((error as ProtocolError).problem).toBe("repeated-cursor");
    expect((error as Error).message).toMatch(/after page 3/);
    // The third page's request, and at most one asked for ahead on a guess (then aborted).
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    expect(server.requests.length).toBeLessThanOrEqual(4);
  });

  it("sync with a full page and nextCursor {} fails instead of starting over", async () => {
    server.setHandler(() => ({
      status: 200,
      body: { items: { a: full }, nextCursor: {} },
    }));
    const error = await drain(connect().sync(syncRequest));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("endless-paging");
    expect((error as Error).message).toMatch(
      /page 1 named no cursor for "a" \(a full page\)/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("sync caught up on its first page with nextCursor {} fails instead of saving a state that starts over", async () => {
    server.setHandler(() => ({
      status: 200,
      body: { items: { a: [] }, nextCursor: {} },
    }));
    const error = await drain(connect().sync(syncRequest));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toMatch(
      /page 1 named no cursor for "a" \(none known\)/,
    );
  });

  it("sync with full pages and fresh cursors stops at maxPagesPerRead", async () => {
    server.setHandler((_request, index) => ({
      status: 200,
      body: { items: { a: full }, nextCursor: { a: `c${index}` } },
    }));
    const error = await drain(
      connect({ maxPagesPerRead: 40 }).sync(syncRequest),
    );
    expect((error as ProtocolError).problem).toBe("endless-paging");
    expect((error as Error).message).toMatch(/did not end after 40 pages/);
    expect(server.requests.length).toBeGreaterThanOrEqual(40);
    expect(server.requests.length).toBeLessThanOrEqual(41);
  });

  it("a sync in follow mode may send the cursors of a caught-up page again", async () => {
    // Caught up twice at "c1" (nothing new), then a full page and the end: no error.
    server.enqueue(
      { status: 200, body: { items: { a: [] }, nextCursor: { a: "c1" } } },
      { status: 200, body: { items: { a: [] }, nextCursor: { a: "c1" } } },
      { status: 200, body: { items: { a: full }, nextCursor: { a: "c2" } } },
      { status: 200, body: { items: { a: [] }, nextCursor: { a: "c2" } } },
    );
    const controller = new AbortController();
    const client = connect();
    const seen: boolean[] = [];
    for await (const page of client.sync(syncRequest, {
      follow: true,
      signal: controller.signal,
    })) {
      seen.push(page.caughtUp);
      if (seen.length === 4) break;
    }
    expect(seen).toEqual([true, true, false, true]);
  });

  it("queryAll with cursors cycling A → B → A fails", async () => {
    const cursors = ["A", "B"];
    server.setHandler((_request, index) => ({
      status: 200,
      body: {
        items: { a: [instance(`n${index}`)] },
        nextCursor: { a: cursors[index % 2] },
      },
    }));
    const error = await failure(connect().queryAll(query));
    expect((error as ProtocolError).problem).toBe("repeated-cursor");
    expect((error as Error).message).toMatch(
      /\/models\/instances\/query: after page 3/,
    );
    expect(server.requests).toHaveLength(3);
  });

  it("queryAll with endless fresh cursors stops at maxPagesPerRead", async () => {
    server.setHandler((_request, index) => ({
      status: 200,
      body: {
        items: { a: [instance(`n${index}`)] },
        nextCursor: { a: `c${index}` },
      },
    }));
    const error = await failure(
      connect({ maxPagesPerRead: 60 }).queryAll(query),
    );
    expect((error as ProtocolError).problem).toBe("endless-paging");
    expect((error as Error).message).toMatch(/did not end after 60 pages/);
    expect(server.requests).toHaveLength(60);
  });
});

describe("maxPagesPerRead", () => {
  it.each([0, -1, 1.5, Number.NaN])(
    "%s is a RangeError when the client is made",
    (value) => {
      expect(() => connect({ maxPagesPerRead: value })).toThrow(
        new RangeError(
          `maxPagesPerRead must be a positive integer, got ${value}`,
        ),
      );
    },
  );
});

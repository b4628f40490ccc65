import { describe, expect, it } from "vitest";
import { applyInstances, deleteInstances, type JsonPoster } from "./apply.js";
import {
  ConflictingWritesError,
  WriteCollector,
  checkRawWrite,
  type CollectsWrites,
} from "../model/collect.js";
import type { RequestOptions } from "../core/http.js";
import {
  ApplyFailedError,
  DmsError,
  InvalidValueError,
  ProtocolError,
} from "../core/errors.js";
import type {
  ApplyRequest,
  EdgeWrite,
  InstanceWrite,
  NodeWrite,
} from "../core/wire.js";

type ApplyOptionsLike = { skipOnVersionConflict?: boolean };

const view = {
  type: "view",
  space: "s",
  externalId: "V",
  version: "1",
} as const;

function node(
  id: string,
  properties: Record<string, unknown> = { name: id },
): NodeWrite {
  return {
    instanceType: "node",
    space: "s",
    externalId: id,
    sources: [{ source: view, properties: properties as never }],
  };
}

function edge(id: string, from: string, to: string): EdgeWrite {
  return {
    instanceType: "edge",
    space: "s",
    externalId: id,
    type: { space: "s", externalId: "rel" },
    startNode: { space: "s", externalId: from },
    endNode: { space: "s", externalId: to },
  };
}

/** A poster that answers applies like the API and records bodies and concurrency. */
/** A body the fake server was given, as plain values. */
function sentBody<T = ApplyRequest>(body: unknown): T {
  return body as T;
}

function fakeApi(
  options: {
    fail?: (body: ApplyRequest, index: number) => unknown;
    delayMs?: number;
    /** The items the server answers with, in place of one per write in order. */
    answerItems?: (items: Record<string, unknown>[]) => unknown[];
  } = {},
) {
  const bodies: ApplyRequest[] = [];
  const stats = { inFlight: 0, max: 0 };
  const poster: JsonPoster = {
    postJson: async <T>(_path: string, body: unknown): Promise<T> => {
      const request = sentBody(body);
      const index = bodies.push(request) - 1;
      stats.inFlight++;
      stats.max = Math.max(stats.max, stats.inFlight);
      try {
        await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
        const failure = options.fail?.(request, index);
        if (failure) throw failure;
        const items = request.items.map((item) => ({
          instanceType: item.instanceType,
          space: item.space,
          externalId: item.externalId,
          version: 1,
          wasModified: true,
          createdTime: 0,
          lastUpdatedTime: 0,
        }));
        const answer = {
          items: options.answerItems?.(items) ?? items,
          ...(request.delete
            ? {
                deleted: request.delete.map(
                  ({ instanceType, space, externalId }) => ({
                    instanceType,
                    space,
                    externalId,
                  }),
                ),
              }
            : {}),
        };
        return answer as T;
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { poster, bodies, stats };
}

describe("value checks", () => {
  it("rejects NaN and Infinity naming the item and the property", () => {
    expect(() => checkRawWrite(node("a", { height: Number.NaN }), 4)).toThrow(
      "Item 4 (s:a) at sources[0].properties.height: NaN is not a finite number; the API accepts no NaN or Infinity",
    );
    expect(() =>
      checkRawWrite(node("a", { doc: { list: [1, Infinity] } }), 0),
    ).toThrow("at sources[0].properties.doc.list[1]: Infinity");
    expect(() =>
      checkRawWrite(node("a", { x: 1.5, y: null, z: [1, 2] }), 0),
    ).not.toThrow();
  });
  it("the engine checks before sending anything", async () => {
    const api = fakeApi();
    await expect(
      applyInstances(api.poster, [node("a"), node("b", { v: -Infinity })]),
    ).rejects.toBeInstanceOf(InvalidValueError);
    expect(api.bodies).toHaveLength(0);
  });
  it("drops exact duplicates and rejects conflicting ones", () => {
    const collected = (writes: InstanceWrite[]): InstanceWrite[] => {
      const collector = new WriteCollector();
      writes.forEach((write, i) => collector.push(write, i));
      return collector.writes();
    };
    expect(
      collected([node("a"), node("b"), node("a")]).map((w) => w.externalId),
    ).toEqual(["a", "b"]);
    expect(() => collected([node("a"), node("a", { name: "other" })])).toThrow(
      'item 0 and item 1 both write node s:a with different values for s:V/1.name: "a" and "other"',
    );
  });
});

describe("applyInstances: write-merge policy while streaming", () => {
  it("does not send again an input object that a later input references after its request", async () => {
    const api = fakeApi();
    const apply = (id: string, parent?: CollectsWrites): CollectsWrites => ({
      space: "s",
      externalId: id,
      collect(collector) {
        if (parent) collector.reference(parent);
        collector.push(node(id));
      },
    });
    const first = apply("a");
    const result = await applyInstances(
      api.poster,
      [first, apply("b"), apply("c", first)],
      { chunkSize: 2 },
    );
    expect(
      api.bodies.map((body) => body.items.map((i) => i.externalId)),
    ).toEqual([["a", "b"], ["c"]]);
    expect(result.counts.written).toBe(3);
  });
  it("collects objects that reference each other once each, and a shared one once", async () => {
    const api = fakeApi();
    const apply = (
      id: string,
      refs: () => CollectsWrites[],
    ): CollectsWrites => ({
      space: "s",
      externalId: id,
      collect(collector) {
        for (const ref of refs()) collector.reference(ref);
        collector.push(node(id));
      },
    });
    const shared = apply("shared", () => []);
    const a: CollectsWrites = apply("a", () => [b, shared]);
    const b: CollectsWrites = apply("b", () => [a, shared]);
    const result = await applyInstances(api.poster, [
      a,
      b,
      apply("c", () => [shared, shared]),
    ]);
    expect(api.bodies[0]?.items.map((i) => i.externalId)).toEqual([
      "shared",
      "b",
      "a",
      "c",
    ]);
    expect(result.counts.written).toBe(4);
  });
  it("merges writes of one instance within a request into the first one's place", async () => {
    const api = fakeApi();
    const result = await applyInstances(api.poster, [
      node("a", { x: 1 }),
      node("b"),
      node("a", { y: 2 }),
    ]);
    expect(api.bodies).toHaveLength(1);
    expect(api.bodies[0]?.items).toEqual([
      node("a", { x: 1, y: 2 }),
      node("b"),
    ]);
    expect(result.items.map((i) => i.externalId)).toEqual(["a", "b"]);
  });
  it("rejects conflicting values within a request before sending, naming both items", async () => {
    const api = fakeApi();
    const apply = applyInstances(api.poster, [
      node("a", { x: 1 }),
      node("a", { x: 2 }),
    ]);
    await expect(apply).rejects.toBeInstanceOf(ConflictingWritesError);
    await expect(
      applyInstances(api.poster, [node("a", { x: 1 }), node("a", { x: 2 })]),
    ).rejects.toThrow("item 0 and item 1 both write node s:a");
    expect(api.bodies).toHaveLength(0);
  });
  it("writes an instance of a later window again, after the request that wrote it first", async () => {
    const api = fakeApi({ delayMs: 5 });
    await applyInstances(
      api.poster,
      [node("a", { x: 1 }), node("b"), node("a", { x: 2 })],
      { chunkSize: 2, concurrency: 4 },
    );
    expect(api.bodies.map((b) => b.items.map((i) => i.externalId))).toEqual([
      ["a", "b"],
      ["a"],
    ]);
    expect(api.bodies[1]?.items[0]).toEqual(node("a", { x: 2 }));
    // The second request waited for the first: the later write wins on the server.
    expect(api.stats.max).toBe(1);
  });
  it("keeps ordering rewrites after the index of unfinished writes is rebuilt", async () => {
    // 40 requests (more writes than the index keeps before it drops finished ones), each writing
    // "shared" with a new value: each must wait for the one before, whatever was dropped.
    function* input(): Generator<NodeWrite> {
      for (let k = 0; k < 40; k++) {
        yield node("shared", { x: k });
        for (let i = 0; i < 999; i++) yield node(`n${k}-${i}`);
      }
    }
    const api = fakeApi();
    await applyInstances(api.poster, input(), { concurrency: 4 });
    const shared = api.bodies.map(
      (b) =>
        b.items.find((i) => i.externalId === "shared")?.sources?.[0]?.properties
          ?.x,
    );
    expect(shared).toEqual(Array.from({ length: 40 }, (_, k) => k));
    expect(api.stats.max).toBe(1);
  });
  it("sends an edge after the unfinished request that wrote its end node in an earlier window", async () => {
    const api = fakeApi({ delayMs: 5 });
    await applyInstances(
      api.poster,
      [node("a"), node("b"), edge("e1", "a", "b"), edge("e2", "b", "c")],
      { chunkSize: 2, concurrency: 4 },
    );
    expect(api.bodies.map((b) => b.items.map((i) => i.externalId))).toEqual([
      ["a", "b"],
      ["e1", "e2"],
    ]);
    expect(api.stats.max).toBe(1);
  });
  it("writes an edge of a later window again after its first request, also from a request of nodes and edges", async () => {
    const moved = { ...edge("e1", "a", "c") };
    const api = fakeApi({ delayMs: 5 });
    await applyInstances(
      api.poster,
      [edge("e1", "a", "b"), edge("e2", "b", "c"), node("n"), moved],
      { chunkSize: 2, concurrency: 4 },
    );
    // The last request holds a node, then the edge again: it waits for the first one.
    expect(api.bodies.map((b) => b.items.map((i) => i.externalId))).toEqual([
      ["e1", "e2"],
      ["n", "e1"],
    ]);
    expect(api.bodies[1]?.items[1]).toEqual(moved);
    expect(api.stats.max).toBe(1);
  });
  it("does not hold back edges whose end nodes were written by requests already finished", async () => {
    const api = fakeApi({ delayMs: 5 });
    async function* input(): AsyncGenerator<InstanceWrite> {
      yield node("a");
      yield node("b");
      // Let the node request finish before the edges are read.
      await new Promise((r) => setTimeout(r, 30));
      yield edge("e1", "a", "b");
      yield edge("e2", "a", "b");
      yield edge("e3", "b", "a");
      yield edge("e4", "b", "a");
    }
    await applyInstances(api.poster, input(), {
      chunkSize: 2,
      concurrency: 4,
    });
    expect(api.bodies).toHaveLength(3);
    expect(api.stats.max).toBe(2);
  });
  it("does not hold back a later request that writes the same values again", async () => {
    const api = fakeApi({ delayMs: 5 });
    await applyInstances(api.poster, [node("a"), node("b"), node("a")], {
      chunkSize: 2,
      concurrency: 4,
    });
    expect(api.bodies).toHaveLength(2);
    expect(api.stats.max).toBe(2);
  });
});

describe("applyInstances", () => {
  it("sends 3 requests for 2,500 items and merges results in input order", async () => {
    const api = fakeApi();
    const writes = Array.from({ length: 2500 }, (_, i) => node(`n${i}`));
    const result = await applyInstances(api.poster, writes, { concurrency: 3 });
    expect(api.bodies.map((b) => b.items.length)).toEqual([1000, 1000, 500]);
    expect(result.items.map((i) => i.externalId)).toEqual(
      writes.map((w) => w.externalId),
    );
    expect(result.skipped).toEqual([]);
  });
  it("accepts an answer in any order and returns it in input order", async () => {
    const api = fakeApi({ answerItems: (items) => [...items].reverse() });
    const writes = ["a", "b", "c"].map((id) => node(id));
    const result = await applyInstances(api.poster, writes);
    expect(result.items.map((i) => i.externalId)).toEqual(["a", "b", "c"]);
    expect(result.counts).toEqual({ written: 3, skipped: 0, deleted: 0 });
  });

  // Each answer is valid JSON of the right shape that does not prove what the request wrote.
  const foreign = (items: Record<string, unknown>[]) =>
    items.map((item) => ({
      ...item,
      externalId: `x-${String(item.externalId)}`,
    }));
  const unprovable: [
    string,
    ApplyOptionsLike,
    (items: Record<string, unknown>[]) => unknown[],
    RegExp,
  ][] = [
    [
      "names ids never sent",
      {},
      foreign,
      /names node s:x-a, which its request did not send/,
    ],
    [
      "lists 2 of 3",
      {},
      (items) => items.slice(0, 2),
      /leaves out 1 of the 3 instances .*first: node s:c/,
    ],
    [
      "is [{},{},{}]",
      {},
      (items) => items.map(() => ({})),
      /names an item that is no instance id \(\{\}\)/,
    ],
    [
      "names one id 3 times",
      {},
      (items) => items.map(() => items[0]),
      /names node s:a twice/,
    ],
    [
      "names an edge for a node",
      {},
      (items) => items.map((item) => ({ ...item, instanceType: "edge" })),
      /names edge s:a, which/,
    ],
    [
      "names an id of another space",
      {},
      (items) => items.map((item) => ({ ...item, space: "t" })),
      /names node t:a, which/,
    ],
    [
      "with skipOnVersionConflict, names ids never sent",
      { skipOnVersionConflict: true },
      foreign,
      /names node s:x-a, which/,
    ],
    [
      "with skipOnVersionConflict, names one id twice",
      { skipOnVersionConflict: true },
      (items) => [items[0], items[0]],
      /names node s:a twice/,
    ],
  ];
  it.each(unprovable)(
    "fails when a successful answer %s, with the request's writes unknown",
    async (_name, options, answerItems, message) => {
      const api = fakeApi({ answerItems });
      const writes = ["a", "b", "c"].map((id) => node(id));
      const error = (await applyInstances(api.poster, [...writes, node("d")], {
        ...options,
        chunkSize: 3,
        concurrency: 1,
      }).catch((e: unknown) => e)) as ApplyFailedError;
      expect(error).toBeInstanceOf(ApplyFailedError);
      expect(error.cause).toBeInstanceOf(ProtocolError);
      expect((error.cause as Error).message).toMatch(message);
      expect(error.unknown.map((i) => i.externalId)).toEqual(["a", "b", "c"]);
      expect(error.written).toEqual([]);
      expect(error.notWritten.map((i) => i.externalId)).toEqual(["d"]);
    },
  );
  it("with report counts, also puts the writes of an unprovable answer under unknown", async () => {
    const api = fakeApi({ answerItems: (items) => items.slice(1) });
    const error = (await applyInstances(
      api.poster,
      ["a", "b"].map((id) => node(id)),
      { report: "counts" },
    ).catch((e: unknown) => e)) as ApplyFailedError;
    expect(error.cause).toBeInstanceOf(ProtocolError);
    expect(error.unknown.map((i) => i.externalId)).toEqual(["a", "b"]);
    expect(error.writtenCount).toBe(0);
  });
  it("with skipOnVersionConflict, reports the writes an answer leaves out as skipped, in input order", async () => {
    const api = fakeApi({ answerItems: (items) => [items[2], items[0]] });
    const result = await applyInstances(
      api.poster,
      ["a", "b", "c"].map((id) => node(id)),
      { skipOnVersionConflict: true },
    );
    expect(result.items.map((i) => i.externalId)).toEqual(["a", "c"]);
    expect(result.skipped).toEqual([{ space: "s", externalId: "b" }]);
    expect(result.counts).toEqual({ written: 2, skipped: 1, deleted: 0 });
  });

  it("reads an array by index, and one with an iterator of its own through it", async () => {
    const api = fakeApi();
    const plain = [node("a"), node("b"), node("c")];
    await applyInstances(api.poster, plain, { chunkSize: 2 });
    const reversed = Object.assign([node("a"), node("b"), node("c")], {
      *[Symbol.iterator]() {
        yield node("c");
        yield node("b");
        yield node("a");
      },
    });
    await applyInstances(api.poster, reversed, { chunkSize: 2 });
    expect(
      api.bodies.map((body) => body.items.map((item) => item.externalId)),
    ).toEqual([["a", "b"], ["c"], ["c", "b"], ["a"]]);
  });

  it("never has more requests in flight than the concurrency", async () => {
    for (const concurrency of [1, 2, 4, 16]) {
      const api = fakeApi({ delayMs: 5 });
      await applyInstances(
        api.poster,
        Array.from({ length: 40 }, (_, i) => node(`n${i}`)),
        { concurrency, chunkSize: 1 },
      );
      expect(api.stats.max).toBe(concurrency);
    }
    const byDefault = fakeApi({ delayMs: 5 });
    await applyInstances(
      byDefault.poster,
      Array.from({ length: 10 }, (_, i) => node(`n${i}`)),
      { chunkSize: 1 },
    );
    expect(byDefault.stats.max).toBe(4);
    for (const concurrency of [0, 17, 2.5])
      await expect(
        applyInstances(fakeApi().poster, [], { concurrency }),
      ).rejects.toThrow(RangeError);
  });

  it("lowers its concurrency on 429s and shares a project's budget with another writer", async () => {
    // A server that admits 4 requests at once and throttles beyond (as CDF does per project),
    // with a poster that retries as HttpClient does: it reports each 429 to `onRetry`.
    const budget = { limit: 4, inFlight: 0, admitted: 0, throttled: 0, max: 0 };
    const poster: JsonPoster = {
      postJson: async <T>(
        _path: string,
        body: unknown,
        options?: RequestOptions,
      ): Promise<T> => {
        for (;;) {
          if (budget.inFlight < budget.limit) break;
          budget.throttled++;
          options?.onRetry?.({ status: 429, retryAfterMs: undefined });
          await new Promise((r) => setTimeout(r, 2));
        }
        budget.inFlight++;
        budget.admitted++;
        budget.max = Math.max(budget.max, budget.inFlight);
        await new Promise((r) => setTimeout(r, 2));
        budget.inFlight--;
        const items = sentBody(body).items.map((item) => ({
          ...item,
          version: 1,
          wasModified: true,
          createdTime: 0,
          lastUpdatedTime: 0,
        }));
        return { items } as T;
      },
    };
    const writer = (name: string) =>
      applyInstances(
        poster,
        Array.from({ length: 60 }, (_, i) => node(`${name}${i}`)),
        { chunkSize: 1 },
      );
    const [first, second] = await Promise.all([writer("a"), writer("b")]);
    expect(first.items).toHaveLength(60);
    expect(second.items).toHaveLength(60);
    expect(budget.admitted).toBe(120);
    expect(budget.max).toBe(4);
    // Two writers at a fixed 4 would be throttled on about every other request (~120 429s):
    // halving on a 429 and growing back slowly keeps it to a fraction of that.
    expect(budget.throttled).toBeGreaterThan(0);
    expect(budget.throttled).toBeLessThan(60);
  });
  it("passes every flag given, and no other, with the writes", async () => {
    const texts: string[] = [];
    const poster: JsonPoster = {
      postJson: async <T>(_path: string, body: unknown): Promise<T> => {
        texts.push(JSON.stringify(body));
        const { items } = sentBody(body);
        return { items: items.map((item) => ({ ...item, version: 1 })) } as T;
      },
    };
    await applyInstances(poster, [node("a"), node("b")], {
      replace: true,
      skipOnVersionConflict: false,
      autoCreateStartNodes: true,
    });
    expect(texts).toEqual([
      JSON.stringify({
        items: [node("a"), node("b")],
        autoCreateStartNodes: true,
        skipOnVersionConflict: false,
        replace: true,
      }),
    ]);
  });

  it("expands objects with toInstanceWrites and passes every flag", async () => {
    const api = fakeApi();
    const typed = {
      toInstanceWrites: () => [node("a"), edge("a-b", "a", "b"), node("b")],
    };
    const result = await applyInstances(api.poster, [typed], {
      replace: true,
      skipOnVersionConflict: true,
      autoCreateDirectRelations: false,
      autoCreateStartNodes: true,
      autoCreateEndNodes: false,
      delete: [{ instanceType: "node", space: "s", externalId: "old" }],
    });
    const { items, delete: deletes, ...flags } = api.bodies[0]!;
    expect(items.map((i) => i.externalId)).toEqual(["a", "b", "a-b"]);
    expect(deletes).toEqual([
      { instanceType: "node", space: "s", externalId: "old" },
    ]);
    expect(flags).toEqual({
      replace: true,
      skipOnVersionConflict: true,
      autoCreateDirectRelations: false,
      autoCreateStartNodes: true,
      autoCreateEndNodes: false,
    });
    expect(result.items.map((i) => i.externalId)).toEqual(["a", "a-b", "b"]);
    expect(result.deleted).toEqual([
      { instanceType: "node", space: "s", externalId: "old" },
    ]);
  });
  it("reports skipped instances the API left out", async () => {
    const poster: JsonPoster = {
      postJson: async <T>() =>
        ({
          items: [
            {
              instanceType: "node",
              space: "s",
              externalId: "b",
              version: 2,
              wasModified: true,
              createdTime: 0,
              lastUpdatedTime: 0,
            },
          ],
        }) as T,
    };
    const result = await applyInstances(poster, [node("a"), node("b")], {
      skipOnVersionConflict: true,
    });
    expect(result.items.map((i) => i.externalId)).toEqual(["b"]);
    expect(result.skipped).toEqual([{ space: "s", externalId: "a" }]);
  });
  it("says which items were written when a request fails for good", async () => {
    const rejection = new DmsError({
      method: "POST",
      url: "u",
      status: 400,
      code: 400,
      apiMessage: "bad",
    });
    const api = fakeApi({
      fail: (_b, index) => (index === 1 ? rejection : undefined),
    });
    const writes = Array.from({ length: 5 }, (_, i) => node(`n${i}`));
    const error = await applyInstances(api.poster, writes, {
      chunkSize: 2,
      concurrency: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    const failed = error as ApplyFailedError;
    expect(failed.written.map((i) => i.externalId)).toEqual(["n0", "n1"]);
    expect(failed.notWritten.map((i) => i.externalId)).toEqual([
      "n2",
      "n3",
      "n4",
    ]);
    expect(failed.unknown).toEqual([]);
    expect(failed.cause).toBe(rejection);
    expect(api.bodies).toHaveLength(2);
  });
  it("reports progress after each request", async () => {
    const api = fakeApi();
    const progress: unknown[] = [];
    await applyInstances(
      api.poster,
      Array.from({ length: 3 }, (_, i) => node(`n${i}`)),
      {
        chunkSize: 2,
        concurrency: 1,
        onProgress: (p) => progress.push(p),
      },
    );
    expect(progress).toEqual([
      { requestsDone: 1, requestsTotal: 2, itemsDone: 2, itemsTotal: 3 },
      { requestsDone: 2, requestsTotal: 2, itemsDone: 3, itemsTotal: 3 },
    ]);
  });
});

describe("deleteInstances", () => {
  it("sends 2 at a time by default (deletes need no order) and adapts to a limit of 1", async () => {
    const ids = Array.from({ length: 12_000 }, (_, i) => ({
      instanceType: "node" as const,
      space: "s",
      externalId: `d${i}`,
    }));
    for (const limit of [Infinity, 1]) {
      const budget = { inFlight: 0, max: 0, throttled: 0, sent: 0 };
      const poster: JsonPoster = {
        postJson: async <T>(
          _path: string,
          body: unknown,
          options?: RequestOptions,
        ): Promise<T> => {
          while (budget.inFlight >= limit) {
            budget.throttled++;
            options?.onRetry?.({ status: 429, retryAfterMs: undefined });
            await new Promise((r) => setTimeout(r, 3));
          }
          budget.inFlight++;
          budget.sent++;
          budget.max = Math.max(budget.max, budget.inFlight);
          await new Promise((r) => setTimeout(r, 3));
          budget.inFlight--;
          return { items: sentBody<{ items: unknown[] }>(body).items } as T;
        },
      };
      const deleted = await deleteInstances(poster, ids);
      expect(deleted).toHaveLength(12_000);
      expect(budget.sent).toBe(12);
      if (limit === Infinity) {
        // Before, each delete request waited for every earlier one: never more than 1.
        expect(budget.max).toBe(2);
        expect(budget.throttled).toBe(0);
      } else {
        expect(budget.max).toBe(1);
        expect(budget.throttled).toBeGreaterThan(0);
      }
    }
  });

  it("chunks deletes by 1000, at most 8 in flight", async () => {
    const bodies: unknown[] = [];
    const poster: JsonPoster = {
      postJson: async <T>(path: string, body: unknown) => {
        expect(path).toBe("/models/instances/delete");
        bodies.push(body);
        return { items: sentBody<{ items: unknown[] }>(body).items } as T;
      },
    };
    const ids = Array.from({ length: 1500 }, (_, i) => ({
      instanceType: "node" as const,
      space: "s",
      externalId: `d${i}`,
    }));
    const deleted = await deleteInstances(poster, ids, { concurrency: 2 });
    expect(bodies.map((b) => (b as { items: unknown[] }).items.length)).toEqual(
      [1000, 500],
    );
    expect(deleted).toHaveLength(1500);
    await expect(
      deleteInstances(poster, ids, { concurrency: 9 }),
    ).rejects.toThrow(RangeError);
  });
});

describe("WriteCollector numbers", () => {
  it("numbers each instance once, in first-seen order, across takes", () => {
    const collector = new WriteCollector();
    const again: [number, string][] = [];
    collector.writtenAgain = (request, write) =>
      again.push([request, write.externalId]);
    collector.push(node("a"), 0);
    collector.push(edge("e", "a", "b"), 1);
    collector.push(node("b"), 2);
    collector.push(node("a"), 3);
    expect(collector.instances).toBe(3);
    expect(collector.take("node", 1, 7).numbers).toEqual([0]);
    expect(collector.nodeWhere({ space: "s", externalId: "a" })).toBe(7);
    // Collected, not taken: negative.
    expect(collector.nodeWhere({ space: "s", externalId: "b" })).toBe(~1);
    expect(collector.nodeWhere({ space: "s", externalId: "e" })).toBe(
      undefined,
    );
    // Written again after its take: sent again under its first number, counted once.
    collector.push(node("a", { name: "new" }), 4);
    expect(again).toEqual([[7, "a"]]);
    expect(collector.instances).toBe(3);
    expect(collector.take("node", 5, 8).numbers).toEqual([2, ~0]);
    expect(collector.take("edge", 5, 8).numbers).toEqual([1]);
  });
});

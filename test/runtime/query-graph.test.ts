// The chained-set pager of `include` and graph queries against a small simulated query endpoint:
// parents with children, offsets as cursors (valid with any page size, as in DMS and the
// emulator), timeouts for pages that are too large. Every request body is checked against the
// OpenAPI contract.
import { describe, expect, it } from "vitest";
import {
  DmsError,
  ProtocolError,
} from "../../templates/runtime/core/errors.js";
import { PageTimeoutError } from "../../templates/runtime/core/paging.js";
import {
  runQueryGraph,
  type QueryPoster,
} from "../../templates/runtime/features/query-graph.js";
import { readRuntime } from "../../templates/runtime/client/read-runtime.js";
import type { QueryProgress } from "../../templates/runtime/read/query.js";
import type {
  InstanceRead,
  QueryRequest,
  QueryResponse,
} from "../../templates/runtime/core/wire.js";
import { assertValid, validateRequest } from "../support/openapi.js";

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

/** Parents p0..p(n-1); parent i has children `p{i}c0..c{i}`; grandchildren g0, g1 per child. */
function simulated(parents: number, maxPage = Infinity) {
  const bodies: QueryRequest[] = [];
  const poster: QueryPoster = {
    query: (body) => {
      bodies.push(structuredClone(body));
      assertValid(
        "query request",
        validateRequest("/models/instances/query", "post", body),
      );
      const limit = (name: string) => body.with[name]?.limit ?? 100;
      if (Object.keys(body.with).some((name) => limit(name) > maxPage))
        return Promise.reject(
          new DmsError({
            status: 408,
            code: 408,
            apiMessage: "timeout",
            method: "POST",
            url: "/query",
          }),
        );
      const items: Record<string, InstanceRead[]> = {};
      const nextCursor: Record<string, string> = {};
      const page = (name: string, all: string[]): string[] => {
        const cursor = body.cursors?.[name];
        const offset = cursor ? Number(cursor.slice("at:".length)) : 0;
        const slice = all.slice(offset, offset + limit(name));
        if (offset + limit(name) < all.length)
          nextCursor[name] = `at:${offset + limit(name)}`;
        items[name] = slice.map(node);
        return slice;
      };
      const roots = page(
        "root",
        Array.from({ length: parents }, (_, i) => `p${i}`),
      );
      const children = page(
        "child",
        roots.flatMap((p) =>
          Array.from({ length: Number(p.slice(1)) + 1 }, (_, c) => `${p}c${c}`),
        ),
      );
      page(
        "grandchild",
        children.flatMap((c) => [`${c}g0`, `${c}g1`]),
      );
      return Promise.resolve({ items, nextCursor } satisfies QueryResponse);
    },
  };
  return { poster, bodies };
}

function request(limit: number): QueryRequest {
  return {
    with: {
      root: { nodes: {}, limit },
      child: { nodes: { from: "root" }, limit },
      grandchild: { nodes: { from: "child" }, limit },
    },
    select: { root: {}, child: {}, grandchild: {} },
  };
}

function expected(parents: number[]): Record<string, string[]> {
  const child = parents.flatMap((p) =>
    Array.from({ length: p + 1 }, (_, c) => `p${p}c${c}`),
  );
  return {
    root: parents.map((p) => `p${p}`),
    child,
    grandchild: child.flatMap((c) => [`${c}g0`, `${c}g1`]),
  };
}

const ids = (batch: Record<string, InstanceRead[]>) =>
  Object.fromEntries(
    Object.entries(batch).map(([name, items]) => [
      name,
      items.map((i) => i.externalId),
    ]),
  );

describe("runQueryGraph", () => {
  it("drains every chained set per root page, deepest first, one batch per root page", async () => {
    const { poster } = simulated(5);
    const batches = [];
    for await (const batch of runQueryGraph(
      readRuntime,
      poster,
      request(2),
      "root",
    ))
      batches.push(ids(batch));
    expect(batches).toEqual([
      expected([0, 1]),
      expected([2, 3]),
      expected([4]),
    ]);
  });

  it("collects everything in one batch without a root to batch by", async () => {
    const { poster } = simulated(4);
    const batches = [];
    for await (const batch of runQueryGraph(
      readRuntime,
      poster,
      request(3),
      undefined,
    ))
      batches.push(ids(batch));
    expect(batches).toEqual([expected([0, 1, 2, 3])]);
  });

  it("halves the page size after a timeout and reports the size it ended with", async () => {
    const { poster, bodies } = simulated(3, 2);
    const reports: QueryProgress[] = [];
    const batches = [];
    for await (const batch of runQueryGraph(
      readRuntime,
      poster,
      request(8),
      "root",
      {
        onProgress: (p) => reports.push(p),
      },
    ))
      batches.push(ids(batch));
    expect(batches.flatMap((b) => b.root)).toEqual(["p0", "p1", "p2"]);
    expect(batches.flatMap((b) => b.grandchild)).toEqual(
      expected([0, 1, 2]).grandchild,
    );
    expect(bodies.slice(0, 3).map((b) => b.with.root?.limit)).toEqual([
      8, 4, 2,
    ]);
    expect(reports.at(-1)?.pageSizes).toEqual({
      root: 2,
      child: 2,
      grandchild: 2,
    });
  });

  it("checks each answer's shape: a malformed one is a ProtocolError naming the query", async () => {
    const answers: unknown[] = [
      {},
      { items: { root: "not a list" } },
      { items: { root: [] }, nextCursor: { root: 7 } },
    ];
    for (const answer of answers) {
      const poster: QueryPoster = {
        query: () => Promise.resolve(answer as QueryResponse),
      };
      const error: unknown = await runQueryGraph(
        readRuntime,
        poster,
        request(2),
        "root",
      )
        .next()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).message).toContain(
        "/models/instances/query",
      );
    }
  });

  it("gives up on a timeout when no page can shrink", async () => {
    const { poster } = simulated(3, 0);
    const error: unknown = await runQueryGraph(
      readRuntime,
      poster,
      request(1),
      "root",
    )
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageTimeoutError);
    expect((error as PageTimeoutError).cause).toBeInstanceOf(DmsError);
    expect((error as PageTimeoutError).attempts).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import type { JsonPoster } from "../write/apply.js";
import { ancestorsByResultSet, queryAll, queryPages } from "./query.js";
import type {
  InstanceRead,
  QueryRequest,
  QueryResponse,
} from "../core/wire.js";

function read(id: string): InstanceRead {
  return {
    instanceType: "node",
    space: "s",
    externalId: id,
    version: 1,
    createdTime: 0,
    lastUpdatedTime: 0,
  };
}

function scripted(responses: QueryResponse[]) {
  const bodies: QueryRequest[] = [];
  const poster: JsonPoster = {
    postJson: async <T>(path: string, body: unknown) => {
      expect(path).toBe("/models/instances/query");
      bodies.push(structuredClone(body) as QueryRequest);
      return responses.shift() as T;
    },
  };
  return { poster, bodies };
}

describe("queryPages", () => {
  it("follows cursors per result set until each is exhausted", async () => {
    const request: QueryRequest = {
      with: { a: { nodes: {}, limit: 1 }, b: { nodes: {}, limit: 1 } },
      select: { a: {}, b: {} },
    };
    const api = scripted([
      {
        items: { a: [read("a1")], b: [read("b1")] },
        nextCursor: { a: "a-2", b: "b-2" },
      },
      {
        items: { a: [read("a2")], b: [read("b2")] },
        nextCursor: { a: "a-3", b: null },
      },
      {
        items: { a: [read("a3")], b: [read("b1")] },
        nextCursor: { a: null, b: "ignored" },
      },
    ]);
    const all = await queryAll(api.poster, request);
    expect(all.items.a!.map((i) => i.externalId)).toEqual(["a1", "a2", "a3"]);
    expect(all.items.b!.map((i) => i.externalId)).toEqual(["b1", "b2"]);
    expect(api.bodies.map((b) => b.cursors)).toEqual([
      undefined,
      { a: "a-2", b: "b-2" },
      { a: "a-3" },
    ]);
  });

  it("reports a chained result set again when its parent moved", async () => {
    const request: QueryRequest = {
      with: { a: { nodes: {}, limit: 1 }, e: { edges: { from: "a" } } },
      select: { a: {}, e: {} },
    };
    const api = scripted([
      { items: { a: [read("a1")], e: [read("e1")] }, nextCursor: { a: "a-2" } },
      { items: { a: [read("a2")], e: [read("e2")] }, nextCursor: {} },
    ]);
    const pages = [];
    for await (const page of queryPages(api.poster, request)) pages.push(page);
    expect(pages.map((p) => Object.keys(p.items))).toEqual([
      ["a", "e"],
      ["a", "e"],
    ]);
  });

  it("ancestorsByResultSet follows from-chains", () => {
    const map = ancestorsByResultSet({
      a: { nodes: {} },
      b: { edges: { from: "a" } },
      c: { nodes: { from: "b" } },
    });
    expect(map.get("c")).toEqual(["b", "a"]);
    expect(map.get("a")).toEqual([]);
  });
});

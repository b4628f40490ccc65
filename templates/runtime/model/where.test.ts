import { describe, expect, it } from "vitest";
import type { ViewClassInfo } from "./typed.js";
import {
  compileSelect,
  compileSort,
  compileWhere,
  WhereError,
} from "./where.js";

const thing: ViewClassInfo = {
  view: { type: "view", space: "sp", externalId: "Thing", version: "1" },
  properties: {
    name: { identifier: "name", type: "text" },
    score: { identifier: "score", type: "float64" },
  },
  connections: {},
};
const ref = { space: "s", externalId: "x" };

describe("compileWhere: instance fields", () => {
  it("takes space / externalId as text, times as epoch ms, type and edge ends as references", () => {
    expect(
      compileWhere(
        {
          space: { prefix: "a" },
          lastUpdatedTime: new Date(5),
          type: ref,
          startNode: { in: [ref] },
        },
        thing,
        "edge",
      ),
    ).toEqual({
      and: [
        { prefix: { property: ["edge", "space"], value: "a" } },
        { equals: { property: ["edge", "lastUpdatedTime"], value: 5 } },
        { equals: { property: ["edge", "type"], value: ref } },
        { in: { property: ["edge", "startNode"], values: [ref] } },
      ],
    });
  });

  it("sends only the id of a reference that holds more (a read object)", () => {
    const read = { ...ref, version: 3, name: "a read object" };
    expect(compileWhere({ type: { in: [read] } }, thing, "node")).toEqual({
      in: { property: ["node", "type"], values: [ref] },
    });
  });

  it.each([
    [{ startNode: ref }, "node", /has no property "startNode"/],
    [{ type: "x" }, "node", /where\.type/],
    [{ createdTime: { gt: "yesterday" } }, "node", /where\.createdTime\.gt/],
    [{ space: { nested: {} } }, "node", /unknown operator "nested"/],
    [{ name: new Date(0) }, "node", /where\.name/],
    // Only instance times take a `Date` as epoch milliseconds.
    [{ score: { gt: new Date(0) } }, "node", /where\.score\.gt/],
  ] as const)("rejects %j on a %s", (where, instanceType, message) => {
    const compile = () => compileWhere(where, thing, instanceType);
    expect(compile).toThrow(WhereError);
    expect(compile).toThrow(message);
  });
});

describe("names", () => {
  const extended = {
    ...thing,
    properties: {
      ...thing.properties,
      space: { identifier: "sp", type: "text" },
    },
    connections: { friends: {} },
  } as unknown as ViewClassInfo;

  it("takes a view property named like an instance field as the property", () => {
    expect(compileWhere({ space: "a" }, extended, "node")).toEqual({
      equals: { property: ["sp", "Thing/1", "sp"], value: "a" },
    });
  });

  it("calls a connection a connection in where, sort and select", () => {
    const compiles = [
      () => compileWhere({ friends: ref }, extended, "node"),
      () => compileSort({ property: "friends" }, extended, "node"),
      () => compileSelect(["friends"], extended),
    ];
    for (const compile of compiles)
      expect(compile).toThrow(
        /friends is a connection of sp:Thing\/1, not a property/,
      );
  });
});

// A `where` through a direct relation whose target class is found by view id in the client's
// registry (the only way: property maps carry no class thunks).
import { describe, expect, it } from "vitest";
import type { ViewClassInfo } from "./typed.js";
import { compileWhere, loadWhereClasses, WhereError } from "./where.js";

const PERSON: ViewClassInfo = {
  view: { type: "view", space: "sp", externalId: "Person", version: "1" },
  properties: { name: { identifier: "name", type: "text" } },
  connections: {},
};

const MOVIE: ViewClassInfo = {
  view: { type: "view", space: "sp", externalId: "Movie", version: "1" },
  properties: {
    director: { identifier: "director", type: "direct", target: "sp:Person/1" },
  },
  connections: {},
};

/** A registry of one class that loads it on first use, and counts loads. */
function registry() {
  const loaded = new Map<string, ViewClassInfo>();
  const loads: string[] = [];
  return {
    loads,
    find: (view: string) => loaded.get(view),
    load: async (view: string) => {
      loads.push(view);
      if (view === "sp:Person/1") loaded.set(view, PERSON);
      return loaded.get(view);
    },
  };
}

describe("a nested where through a direct relation, by the target's view id", () => {
  const where = {
    $or: [{ director: { nested: { name: { prefix: "K" } } } }],
  };

  it("compiles once the registry has loaded the target class", async () => {
    const classes = registry();
    await loadWhereClasses(where, MOVIE, classes);
    expect(classes.loads).toEqual(["sp:Person/1"]);
    const filter = JSON.stringify(compileWhere(where, MOVIE, "node", classes));
    expect(filter).toContain(
      '{"nested":{"scope":["sp","Movie/1","director"],"filter":{"prefix":{"property":["sp","Person/1","name"],"value":"K"}}}}',
    );
  });

  it("is an error, not a filter matching every target, without a class for the target", () => {
    expect(() => compileWhere(where, MOVIE, "node")).toThrow(WhereError);
    expect(() => compileWhere(where, MOVIE, "node")).toThrow(
      /director\.nested: the relation's target view has no class in this client/,
    );
  });
});

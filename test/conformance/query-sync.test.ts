// Query and sync as a CDF project answers them: a node → edge → node graph, result sets paged
// through their cursors, and sync delivering changes and soft deletes after its cursor.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployMoviesModel, type MoviesModel } from "./model.js";
import { openSuite, type Suite } from "./suite.js";

let suite: Suite;
let model: MoviesModel;
beforeAll(async () => {
  suite = await openSuite();
  model = await deployMoviesModel(suite);
  await suite.api.ok("/models/instances", {
    items: [
      model.personNode("arnold", { name: "Arnold", born: 1947 }),
      model.personNode("linda", { name: "Linda", born: 1956 }),
      model.personNode("sam", { name: "Sam", born: 1976 }),
      model.movieNode("terminator", { title: "Terminator", year: 1984 }),
      model.movieNode("avatar", { title: "Avatar", year: 2009 }),
    ],
  });
  await suite.api.ok("/models/instances", {
    items: [
      model.actsInEdge("arnold", "terminator"),
      model.actsInEdge("linda", "terminator"),
      model.actsInEdge("sam", "avatar"),
    ],
  });
});
afterAll(async () => {
  await suite?.close();
});

const ids = (items: any[]) => items.map((i) => i.externalId).sort();

describe("conformance: query and sync", () => {
  it("query: movies before 2000 → their acts-in edges → the actors, with names", async () => {
    const { api, space } = suite;
    const result = await api.ok("/models/instances/query", {
      with: {
        movies: {
          nodes: {
            filter: {
              and: [
                { equals: { property: ["node", "space"], value: space } },
                { range: { property: model.movieProperty("year"), lt: 2000 } },
              ],
            },
          },
        },
        roles: {
          edges: {
            from: "movies",
            direction: "inwards",
            filter: {
              equals: { property: ["edge", "type"], value: model.actsIn },
            },
          },
        },
        actors: { nodes: { from: "roles", chainTo: "destination" } },
      },
      select: {
        movies: {},
        roles: {},
        actors: {
          sources: [{ source: model.person, properties: ["name"] }],
        },
      },
    });
    expect(ids(result.items.movies)).toEqual(["terminator"]);
    expect(ids(result.items.roles)).toEqual([
      "arnold-acts-in-terminator",
      "linda-acts-in-terminator",
    ]);
    expect(
      result.items.actors
        .map((a: any) => a.properties[space]["PersonView/v1"].name)
        .sort(),
    ).toEqual(["Arnold", "Linda"]);
  });

  it("query: a result set pages through its cursor, each node once", async () => {
    const { api, space } = suite;
    const request = {
      with: {
        people: {
          nodes: {
            filter: {
              and: [
                { equals: { property: ["node", "space"], value: space } },
                { hasData: [model.person] },
              ],
            },
          },
          limit: 2,
        },
      },
      select: { people: {} },
    };
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await api.ok("/models/instances/query", {
        ...request,
        ...(cursor ? { cursors: { people: cursor } } : {}),
      });
      expect(result.items.people.length).toBeLessThanOrEqual(2);
      seen.push(...result.items.people.map((i: any) => i.externalId));
      cursor = result.nextCursor?.people ?? undefined;
      if (!cursor || result.items.people.length === 0) break;
    }
    expect(seen.sort()).toEqual(["arnold", "linda", "sam"]);
  });

  it("query: a cursor resumes after its last node when the delivered ones are deleted", async () => {
    const { api, space } = suite;
    const ids = ["qc-0", "qc-1", "qc-2", "qc-3"];
    await api.ok("/models/instances", {
      items: ids.map((id) => model.personNode(id, { name: id })),
    });
    const request = {
      with: {
        some: {
          nodes: {
            filter: {
              and: [
                { equals: { property: ["node", "space"], value: space } },
                { prefix: { property: ["node", "externalId"], value: "qc-" } },
              ],
            },
          },
          limit: 2,
        },
      },
      select: { some: {} },
    };
    const first = await api.ok("/models/instances/query", request);
    const delivered = first.items.some.map((i: any) => i.externalId);
    expect(delivered).toHaveLength(2);
    await api.ok("/models/instances/delete", {
      items: delivered.map((externalId: string) => ({
        instanceType: "node",
        space,
        externalId,
      })),
    });
    const next = await api.ok("/models/instances/query", {
      ...request,
      cursors: first.nextCursor,
    });
    expect(next.items.some.map((i: any) => i.externalId).sort()).toEqual(
      ids.filter((id) => !delivered.includes(id)),
    );
  });

  it("sync: after its cursor, changes and soft deletes (with deletedTime) only", async () => {
    const { api, space } = suite;
    await api.ok("/models/instances", {
      items: [
        model.movieNode("sync-a", { title: "A", year: 1 }),
        model.movieNode("sync-b", { title: "B", year: 2 }),
        model.movieNode("sync-c", { title: "C", year: 3 }),
      ],
    });
    const request = {
      with: {
        synced: {
          nodes: {
            filter: {
              and: [
                { equals: { property: ["node", "space"], value: space } },
                {
                  prefix: { property: ["node", "externalId"], value: "sync-" },
                },
              ],
            },
          },
          limit: 1000,
        },
      },
      select: { synced: {} },
    };
    const first = await api.ok("/models/instances/sync", request);
    expect(ids(first.items.synced)).toEqual(["sync-a", "sync-b", "sync-c"]);
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space, externalId: "sync-b" }],
    });
    await api.ok("/models/instances", {
      items: [model.movieNode("sync-c", { title: "C2", year: 3 })],
    });
    await suite.eventually(async () => {
      const next = await api.ok("/models/instances/sync", {
        ...request,
        cursors: first.nextCursor,
      });
      const byId = new Map(
        next.items.synced.map((i: any) => [i.externalId, i]),
      );
      expect([...byId.keys()].sort()).toEqual(["sync-b", "sync-c"]);
      expect(typeof (byId.get("sync-b") as any).deletedTime).toBe("number");
      expect(byId.get("sync-c")).toMatchObject({ version: 2 });
      expect((byId.get("sync-c") as any).deletedTime).toBeUndefined();
    });
  });
});

// Instances as a CDF project answers them: apply and its versions, optimistic locking, byids, list
// with filters and cursors, delete, and the 400 shapes that name what is missing or duplicated.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployMoviesModel, type MoviesModel } from "./model.js";
import { openSuite, type Suite } from "./suite.js";

let suite: Suite;
let model: MoviesModel;
beforeAll(async () => {
  suite = await openSuite();
  model = await deployMoviesModel(suite);
});
afterAll(async () => {
  await suite?.close();
});

const nodeId = (externalId: string) => ({
  instanceType: "node",
  space: suite.space,
  externalId,
});

/** Every externalId a list delivers, following its cursors, `limit` at a time. */
async function listIds(body: Record<string, unknown>, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await suite.api.ok("/models/instances/list", {
      ...body,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((i: any) => i.externalId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

describe("conformance: instances", () => {
  it("apply answers version 1 and wasModified; byids reads the values back by view", async () => {
    const { api, space } = suite;
    const applied = await api.ok("/models/instances", {
      items: [model.personNode("ada", { name: "Ada", born: 1815 })],
    });
    const item = applied.items[0];
    expect(item).toMatchObject({
      instanceType: "node",
      space,
      externalId: "ada",
      version: 1,
      wasModified: true,
    });
    expect(item.createdTime).toBe(item.lastUpdatedTime);
    const read = await api.ok("/models/instances/byids", {
      items: [nodeId("ada")],
      sources: [{ source: model.person }],
    });
    expect(read.items[0].properties).toEqual({
      [space]: { "PersonView/v1": { name: "Ada", born: 1815 } },
    });
    expect(read.items[0].version).toBe(1);
  });

  it("an unchanged apply is not a modification; a change bumps the version", async () => {
    const { api } = suite;
    const write = (born: number) =>
      api.ok("/models/instances", {
        items: [model.personNode("grace", { name: "Grace", born })],
      });
    await write(1906);
    const same = await write(1906);
    expect(same.items[0]).toMatchObject({ version: 1, wasModified: false });
    const changed = await write(1907);
    expect(changed.items[0]).toMatchObject({ version: 2, wasModified: true });
  });

  it("existingVersion: 0 inserts only; an older version is a 409 conflict", async () => {
    const { api } = suite;
    const alan = model.personNode("alan", { name: "Alan" });
    const inserted = await api.ok("/models/instances", {
      items: [{ ...alan, existingVersion: 0 }],
    });
    expect(inserted.items[0].version).toBe(1);
    const again = await api.post("/models/instances", {
      items: [{ ...alan, existingVersion: 0 }],
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(
      "A version conflict caused the ingest to fail.",
    );
    const current = await api.ok("/models/instances", {
      items: [
        { ...model.personNode("alan", { name: "Alan T" }), existingVersion: 1 },
      ],
    });
    expect(current.items[0].version).toBe(2);
    const stale = await api.post("/models/instances", {
      items: [
        { ...model.personNode("alan", { name: "Old" }), existingVersion: 1 },
      ],
    });
    expect(stale.status).toBe(409);
    const read = await api.ok("/models/instances/byids", {
      items: [nodeId("alan")],
      sources: [{ source: model.person }],
    });
    expect(read.items[0].properties[suite.space]["PersonView/v1"].name).toBe(
      "Alan T",
    );
  });

  it("the same instance twice in one apply is 400 with it in duplicated", async () => {
    const { api, space } = suite;
    const twice = await api.post("/models/instances", {
      items: [
        model.personNode("twin", { name: "A" }),
        model.personNode("twin", { name: "B" }),
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.duplicated).toEqual([
      expect.objectContaining({ space, externalId: "twin" }),
    ]);
  });

  it("an apply through a view that does not exist is 400 with the view in missing", async () => {
    const { api, space } = suite;
    const ghost = {
      type: "view",
      space,
      externalId: "GhostView",
      version: "v1",
    };
    const result = await api.post("/models/instances", {
      items: [
        {
          ...nodeId("haunted"),
          sources: [{ source: ghost, properties: { name: "x" } }],
        },
      ],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.missing).toEqual([
      expect.objectContaining({
        space,
        externalId: "GhostView",
        version: "v1",
      }),
    ]);
  });

  it("writing instances into a space that does not exist is 400 naming the space", async () => {
    const { api, absentSpace } = suite;
    const result = await api.post("/models/instances", {
      items: [{ instanceType: "node", space: absentSpace, externalId: "x" }],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.missing).toEqual([{ space: absentSpace }]);
  });

  it("byids leaves unknown instances out", async () => {
    const read = await suite.api.ok("/models/instances/byids", {
      items: [nodeId("ada"), nodeId("nobody")],
    });
    expect(read.items.map((i: any) => i.externalId)).toEqual(["ada"]);
  });

  it("delete answers the ids; the instance is gone from byids and list", async () => {
    const { api } = suite;
    await api.ok("/models/instances", {
      items: [model.personNode("brief", { name: "Brief" })],
    });
    const deleted = await api.ok("/models/instances/delete", {
      items: [nodeId("brief")],
    });
    expect(deleted.items).toEqual([nodeId("brief")]);
    const read = await api.ok("/models/instances/byids", {
      items: [nodeId("brief")],
    });
    expect(read.items).toEqual([]);
    const listed = await api.ok("/models/instances/list", {
      filter: {
        equals: { property: ["node", "externalId"], value: "brief" },
      },
    });
    expect(listed.items).toEqual([]);
  });

  it("deleting a node deletes the edges that start or end at it", async () => {
    const { api, space } = suite;
    await api.ok("/models/instances", {
      items: [
        model.personNode("leaving", { name: "L" }),
        model.movieNode("staying", { title: "S" }),
      ],
    });
    await api.ok("/models/instances", {
      items: [model.actsInEdge("leaving", "staying")],
    });
    const edge = {
      instanceType: "edge",
      space,
      externalId: "leaving-acts-in-staying",
    };
    await api.ok("/models/instances/delete", { items: [nodeId("leaving")] });
    const read = await api.ok("/models/instances/byids", {
      items: [edge, nodeId("staying")],
    });
    expect(read.items.map((i: any) => i.externalId)).toEqual(["staying"]);
  });

  it("filters: equals, in, range, prefix, exists, hasData and their combinations", async () => {
    const { api, space } = suite;
    const movies = [
      ["f-1980", "Alien", 1979],
      ["f-1984", "Terminator", 1984],
      ["f-1991", "Terminator 2", 1991],
      ["f-2009", "Avatar", 2009],
      ["f-none", "Untitled", null],
    ] as const;
    await api.ok("/models/instances", {
      items: movies.map(([id, title, year]) =>
        model.movieNode(id, { title, year }),
      ),
    });
    const year = model.movieProperty("year");
    const title = model.movieProperty("title");
    const inSpace = {
      and: [
        { equals: { property: ["node", "space"], value: space } },
        { prefix: { property: ["node", "externalId"], value: "f-" } },
      ],
    };
    const ids = async (filter: unknown) =>
      (
        await api.ok("/models/instances/list", {
          sources: [{ source: model.movie }],
          filter: { and: [inSpace, { hasData: [model.movie] }, filter] },
          limit: 1000,
        })
      ).items
        .map((i: any) => i.externalId)
        .sort();
    expect(await ids({ equals: { property: year, value: 1984 } })).toEqual([
      "f-1984",
    ]);
    expect(
      await ids({ in: { property: title, values: ["Alien", "Avatar"] } }),
    ).toEqual(["f-1980", "f-2009"]);
    expect(
      await ids({ range: { property: year, gte: 1984, lt: 2009 } }),
    ).toEqual(["f-1984", "f-1991"]);
    expect(await ids({ prefix: { property: title, value: "Term" } })).toEqual([
      "f-1984",
      "f-1991",
    ]);
    expect(await ids({ not: { exists: { property: year } } })).toEqual([
      "f-none",
    ]);
    expect(
      await ids({
        or: [
          { equals: { property: year, value: 1979 } },
          { prefix: { property: title, value: "Ava" } },
        ],
      }),
    ).toEqual(["f-1980", "f-2009"]);
  });

  it("a sorted list pages through cursors, each instance exactly once", async () => {
    const { api, space } = suite;
    const names = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    await api.ok("/models/instances", {
      items: names.map((id, i) => model.personNode(id, { name: id, born: i })),
    });
    const body = {
      sources: [{ source: model.person }],
      filter: {
        and: [
          { equals: { property: ["node", "space"], value: space } },
          { prefix: { property: ["node", "externalId"], value: "page-" } },
        ],
      },
      sort: [
        { property: model.personProperty("born"), direction: "descending" },
      ],
    };
    expect(await listIds(body, 3)).toEqual([...names].reverse());
    const unsorted = await listIds({ filter: body.filter }, 2);
    expect([...unsorted].sort()).toEqual(names);
  });

  it("a list cursor resumes after its last item when earlier items are deleted", async () => {
    const { api, space } = suite;
    const ids = ["cur-0", "cur-1", "cur-2", "cur-3"];
    await api.ok("/models/instances", {
      items: ids.map((id) => model.personNode(id, { name: id })),
    });
    const body = {
      filter: {
        and: [
          { equals: { property: ["node", "space"], value: space } },
          { prefix: { property: ["node", "externalId"], value: "cur-" } },
        ],
      },
      sort: [{ property: ["node", "externalId"], direction: "ascending" }],
    };
    const first = await api.ok("/models/instances/list", { ...body, limit: 2 });
    expect(first.items.map((i: any) => i.externalId)).toEqual([
      "cur-0",
      "cur-1",
    ]);
    await api.ok("/models/instances/delete", {
      items: [nodeId("cur-0"), nodeId("cur-1")],
    });
    const next = await api.ok("/models/instances/list", {
      ...body,
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(next.items.map((i: any) => i.externalId)).toEqual([
      "cur-2",
      "cur-3",
    ]);
  });
});

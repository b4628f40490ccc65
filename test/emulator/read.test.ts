import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { datasetItems } from "./dataset.js";
import {
  actorView,
  client,
  movieView,
  moviesViews,
  personView,
  type Client,
  TEST_SPACES,
} from "./support.js";

let emulator: RunningEmulator;
let api: Client;

beforeAll(async () => {
  emulator = await startEmulator({
    spaces: TEST_SPACES,
    views: moviesViews(),
    dataModels: [
      {
        space: "mySpace",
        externalId: "Movies",
        version: "1",
        views: [personView, actorView, movieView],
      },
    ],
  });
  api = client(emulator);
  await api.ok("/models/instances", { items: datasetItems() });
});
afterAll(async () => {
  await emulator.close();
});

const year = ["mySpace", "MovieView/v1", "releaseYear"];
const title = ["mySpace", "MovieView/v1", "title"];
const ids = (body: { items: { externalId: string }[] }) =>
  body.items.map((i) => i.externalId);

async function listMovies(
  filter: unknown,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  return ids(
    await api.ok("/models/instances/list", {
      instanceType: "node",
      filter,
      sort: [{ property: year }],
      ...extra,
    }),
  );
}

describe("list with filters", () => {
  const hasMovie = { hasData: [movieView] };
  it.each([
    [
      "range lt",
      { and: [hasMovie, { range: { property: year, lt: 2000 } }] },
      ["Terminator", "T2", "Titanic"],
    ],
    [
      "range gte + lte",
      { range: { property: year, gte: 1991, lte: 1997 } },
      ["T2", "Titanic"],
    ],
    ["equals", { equals: { property: title, value: "Avatar" } }, ["Avatar"]],
    [
      "in",
      { in: { property: year, values: [1984, 2009] } },
      ["Terminator", "Avatar"],
    ],
    [
      "prefix",
      { prefix: { property: title, value: "Termin" } },
      ["Terminator", "T2"],
    ],
    [
      "not",
      { and: [hasMovie, { not: { prefix: { property: title, value: "T" } } }] },
      ["Avatar"],
    ],
    [
      "or",
      {
        or: [
          { equals: { property: ["node", "externalId"], value: "Titanic" } },
          { equals: { property: year, value: 1984 } },
        ],
      },
      ["Terminator", "Titanic"],
    ],
    [
      "exists",
      { exists: { property: year } },
      ["Terminator", "T2", "Titanic", "Avatar"],
    ],
    [
      "container property",
      {
        equals: { property: ["mySpace", "Movie", "releaseYear"], value: 1991 },
      },
      ["T2"],
    ],
    [
      "instanceReferences",
      {
        instanceReferences: [
          { space: "movies", externalId: "Avatar" },
          { space: "movies", externalId: "nope" },
        ],
      },
      ["Avatar"],
    ],
    [
      "space",
      {
        and: [
          { equals: { property: ["node", "space"], value: "movies" } },
          { range: { property: year, gt: 1990 } },
        ],
      },
      ["T2", "Titanic", "Avatar"],
    ],
    [
      "matchAll + hasData",
      { and: [{ matchAll: {} }, hasMovie] },
      ["Terminator", "T2", "Titanic", "Avatar"],
    ],
  ])("%s", async (_name, filter, expected) => {
    expect(await listMovies(filter)).toEqual(expected);
  });

  it("hasData on actors, sorted descending by birth year", async () => {
    const body = await api.ok("/models/instances/list", {
      filter: { hasData: [actorView] },
      sort: [
        {
          property: ["mySpace", "PersonView/v1", "birthYear"],
          direction: "descending",
        },
      ],
      sources: [{ source: personView }],
    });
    expect(ids(body)).toEqual(["zoe", "kate", "linda", "arnold"]);
    expect(body.items[0].properties).toEqual({
      mySpace: { "PersonView/v1": { name: "Zoe Saldana", birthYear: 1978 } },
    });
  });

  it("edges filtered by type, startNode and the edge list", async () => {
    const body = await api.ok("/models/instances/list", {
      instanceType: "edge",
      filter: {
        and: [
          {
            equals: {
              property: ["edge", "type"],
              value: { space: "types", externalId: "acts-in" },
            },
          },
          {
            equals: {
              property: ["edge", "startNode"],
              value: { space: "actors", externalId: "arnold" },
            },
          },
        ],
      },
    });
    expect(ids(body).sort()).toEqual([
      "arnold.acts-in.T2",
      "arnold.acts-in.Terminator",
    ]);
  });

  it("pages with limit and cursor", async () => {
    const first = await api.ok("/models/instances/list", {
      filter: { hasData: [movieView] },
      sort: [{ property: year }],
      limit: 3,
    });
    expect(ids(first)).toEqual(["Terminator", "T2", "Titanic"]);
    expect(typeof first.nextCursor).toBe("string");
    const second = await api.ok("/models/instances/list", {
      filter: { hasData: [movieView] },
      sort: [{ property: year }],
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(ids(second)).toEqual(["Avatar"]);
    expect(second.nextCursor).toBeUndefined();
    const garbage = await api.post("/models/instances/list", {
      limit: 3,
      cursor: "garbage",
    });
    expect(garbage.status).toBe(400);
  });

  it("unknown properties in filters are 400", async () => {
    const result = await api.post("/models/instances/list", {
      filter: {
        equals: { property: ["mySpace", "MovieView/v1", "nope"], value: 1 },
      },
    });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain(
      'has no stored property "nope"',
    );
  });

  it("includeTyping returns property types", async () => {
    const body = await api.ok("/models/instances/list", {
      sources: [{ source: movieView }],
      limit: 1,
      includeTyping: true,
    });
    expect(body.typing.mySpace["MovieView/v1"].releaseYear).toMatchObject({
      type: { type: "int32", list: false },
      nullable: true,
    });
  });
});

describe("query", () => {
  it("the seed's chain: movies before 2000 → Movie.actors edges → actors, sorted by name", async () => {
    const body = await api.ok("/models/instances/query", {
      with: {
        movies: {
          nodes: { filter: { range: { property: year, lt: 2000 } } },
          limit: 100,
        },
        actors_in_movie: {
          edges: {
            from: "movies",
            direction: "outwards",
            filter: {
              equals: {
                property: ["edge", "type"],
                value: { space: "mySpace", externalId: "Movie.actors" },
              },
            },
          },
        },
        actors: { nodes: { from: "actors_in_movie" } },
      },
      select: {
        actors: {
          sources: [{ source: actorView, properties: ["name"] }],
          sort: [{ property: ["mySpace", "ActorView/v1", "name"] }],
        },
        movies: {},
      },
      includeTyping: true,
    });
    expect(ids({ items: body.items.actors })).toEqual([
      "arnold",
      "kate",
      "linda",
    ]);
    expect(body.items.actors[0].properties).toEqual({
      mySpace: { "ActorView/v1": { name: "Arnold Schwarzenegger" } },
    });
    expect(ids({ items: body.items.movies }).sort()).toEqual([
      "T2",
      "Terminator",
      "Titanic",
    ]);
    expect(body.items.actors_in_movie).toBeUndefined();
    expect(body.typing.actors.mySpace["ActorView/v1"]).toEqual({
      name: expect.objectContaining({ type: { type: "text", list: false } }),
    });
  });

  it("parameters, inwards traversal, chainTo source, nodeFilter and sort + limit + cursors", async () => {
    const request = (cursors?: Record<string, string>) => ({
      with: {
        kate: {
          nodes: {
            filter: {
              equals: {
                property: ["node", "externalId"],
                value: { parameter: "who" },
              },
            },
          },
        },
        roles: {
          edges: {
            from: "kate",
            direction: "inwards",
            maxDistance: 1,
            nodeFilter: { range: { property: year, gt: 1990 } },
          },
        },
        movies: { nodes: { from: "roles", chainTo: "destination" } },
        all: {
          nodes: { filter: { hasData: [movieView] } },
          sort: [{ property: year, direction: "descending" }],
          limit: 2,
        },
      },
      select: { movies: {}, all: {} },
      parameters: { who: "kate" },
      ...(cursors ? { cursors } : {}),
    });
    const first = await api.ok("/models/instances/query", request());
    expect(ids({ items: first.items.movies })).toEqual(["Titanic"]);
    expect(ids({ items: first.items.all })).toEqual(["Avatar", "Titanic"]);
    const second = await api.ok(
      "/models/instances/query",
      request({ all: first.nextCursor.all }),
    );
    expect(ids({ items: second.items.all })).toEqual(["T2", "Terminator"]);
    expect(second.nextCursor.all).toBeUndefined();
  });

  it("a parameter without a value is a 400", async () => {
    const result = await api.post("/models/instances/query", {
      with: {
        a: {
          nodes: {
            filter: {
              equals: {
                property: ["node", "externalId"],
                value: { parameter: "missing" },
              },
            },
          },
        },
      },
      select: { a: {} },
    });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain('parameter "missing"');
  });

  it("multi-hop traversal with maxDistance and terminationFilter", async () => {
    // arnold -acts-in-> Terminator; Terminator -Movie.actors-> linda: two hops outwards from arnold.
    const body = await api.ok("/models/instances/query", {
      with: {
        start: {
          nodes: {
            filter: {
              instanceReferences: [{ space: "actors", externalId: "arnold" }],
            },
          },
        },
        hops: {
          edges: {
            from: "start",
            direction: "outwards",
            maxDistance: 2,
            terminationFilter: {
              equals: { property: ["node", "externalId"], value: "T2" },
            },
          },
          limit: 100,
        },
      },
      select: { hops: {} },
    });
    const hops = ids({ items: body.items.hops }).sort();
    expect(hops).toEqual([
      "Terminator.arnold",
      "Terminator.linda",
      "arnold.acts-in.T2",
      "arnold.acts-in.Terminator",
    ]);
  });
});

describe("views and data models", () => {
  it("views/byids with and without version, and inherited properties", async () => {
    const body = await api.ok("/models/views/byids", {
      items: [
        { space: "mySpace", externalId: "ActorView" },
        { space: "mySpace", externalId: "Missing", version: "v1" },
      ],
    });
    expect(body.items.map((v: any) => v.externalId)).toEqual(["ActorView"]);
    expect(Object.keys(body.items[0].properties)).toEqual([
      "name",
      "birthYear",
      "wonOscar",
      "movies",
    ]);
    const own = await api.ok(
      "/models/views/byids",
      { items: [{ space: "mySpace", externalId: "ActorView", version: "v1" }] },
      "includeInheritedProperties=false",
    );
    expect(Object.keys(own.items[0].properties)).toEqual([
      "wonOscar",
      "movies",
    ]);
  });

  it("GET views pages; datamodels/byids inlines views on request", async () => {
    const first = await api.get("/models/views", "limit=2");
    expect(first.body.items.map((v: any) => v.externalId)).toEqual([
      "PersonView",
      "ActorView",
    ]);
    const second = await api.get(
      "/models/views",
      `limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.body.items.map((v: any) => v.externalId)).toEqual([
      "MovieView",
    ]);
    const refs = await api.ok("/models/datamodels/byids", {
      items: [{ space: "mySpace", externalId: "Movies" }],
    });
    expect(refs.items[0].views).toEqual([personView, actorView, movieView]);
    const inline = await api.ok(
      "/models/datamodels/byids",
      { items: [{ space: "mySpace", externalId: "Movies", version: "1" }] },
      "inlineViews=true",
    );
    expect(inline.items[0].views[2].properties.title.type).toEqual({
      type: "text",
      list: false,
    });
  });
});

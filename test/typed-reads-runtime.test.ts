// The runtime side of typed reads against a stub server: the request bodies of list (select,
// sort, where), search and aggregate, each validated against the DMS OpenAPI contract, and the
// typed results built from canned responses (also validated). The emulator's search and aggregate
// are tested end to end in typed-reads-search.e2e.pending.ts.
import { describe, expect, it } from "vitest";
import {
  Movie,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import type {
  Transport,
  TransportRequest,
} from "../generated-examples/movies/runtime/core/transport.js";
import {
  IN_VALUES_LIMIT,
  WhereError,
  compileSelect,
  compileSort,
  compileWhere,
} from "../templates/runtime/model/where.js";
import type { ViewClassInfo } from "../templates/runtime/model/typed.js";
import {
  assertValid,
  validateRequest,
  validateResponse,
} from "./support/openapi.js";

/**
 * The response check, minus one spec defect: `AggregatedResultItemCollection` lists `properties`
 * as required but defines no such field (and CDF does not send one).
 */
function responseCheck(path: string, answer: unknown) {
  const result = validateResponse(path, "POST", 200, answer);
  const errors = result.errors.filter(
    (e) =>
      !(
        path === "/models/instances/aggregate" &&
        e.startsWith("/ must have required property 'properties'")
      ),
  );
  return { valid: errors.length === 0, errors };
}

interface Call {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** A client whose transport answers each path with a canned body, checking both ends. */
function stubClient(answers: Record<string, unknown>): {
  client: Client;
  calls: Call[];
} {
  const calls: Call[] = [];
  const transport: Transport = {
    request: (request: TransportRequest) => {
      const path = new URL(request.url).pathname.replace(
        /^\/api\/v1\/projects\/[^/]+/,
        "",
      );
      const body = JSON.parse(request.body ?? "{}") as Record<string, unknown>;
      assertValid(`${path} request`, validateRequest(path, "POST", body));
      calls.push({ path, body });
      const answer = answers[path];
      if (answer === undefined) throw new Error(`no answer for ${path}`);
      assertValid(`${path} response`, responseCheck(path, answer));
      return Promise.resolve({
        status: 200,
        header: (name: string) =>
          name === "content-type" ? "application/json" : undefined,
        body: JSON.stringify(answer),
      });
    },
    close: () => Promise.resolve(),
  };
  const client = createClient({
    baseUrl: "http://stub.invalid",
    project: "p",
    credentials: { token: "t" },
    transport,
  });
  return { client, calls };
}

const MOVIE_KEY = "MovieView/v1";
const moviePath = (id: string): string[] => ["mySpace", MOVIE_KEY, id];

function movieRead(externalId: string, properties: Record<string, unknown>) {
  return {
    instanceType: "node",
    space: "movies",
    externalId,
    version: 1,
    createdTime: 1,
    lastUpdatedTime: 2,
    properties: { mySpace: { [MOVIE_KEY]: properties } },
  };
}

describe("list request", () => {
  it("sends where, sort and select as one query result set with sources[].properties", async () => {
    const { client, calls } = stubClient({
      "/models/instances/query": {
        items: { instances: [movieRead("t1", { title: "Terminator" })] },
        nextCursor: {},
      },
    });
    const movies = await client.movie
      .list({
        where: { releaseYear: { lt: 2000 }, title: { prefix: "T" } },
        sort: { property: "releaseYear", direction: "descending" },
        select: ["title"],
        pageSize: 50,
      })
      .toArray();
    expect(movies[0]).toBeInstanceOf(Movie);
    expect(movies[0]?.title).toBe("Terminator");
    expect("releaseYear" in movies[0]!).toBe(false);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({
      with: {
        instances: {
          nodes: {
            filter: {
              and: [
                {
                  hasData: [
                    {
                      type: "view",
                      space: "mySpace",
                      externalId: "MovieView",
                      version: "v1",
                    },
                  ],
                },
                {
                  and: [
                    { range: { property: moviePath("releaseYear"), lt: 2000 } },
                    { prefix: { property: moviePath("title"), value: "T" } },
                  ],
                },
              ],
            },
          },
          limit: 50,
          sort: [
            { property: moviePath("releaseYear"), direction: "descending" },
          ],
        },
      },
      select: {
        instances: {
          sources: [
            {
              source: {
                type: "view",
                space: "mySpace",
                externalId: "MovieView",
                version: "v1",
              },
              properties: ["title"],
            },
          ],
        },
      },
    });
  });
});

describe("search", () => {
  it("posts instances/search with the view, query, properties by identifier, filter and limit", async () => {
    const { client, calls } = stubClient({
      "/models/instances/search": {
        items: [movieRead("t1", { title: "Terminator", releaseYear: 1984 })],
      },
    });
    const found = await client.movie.search({
      query: "term",
      properties: ["title"],
      where: { releaseYear: { gte: 1980 } },
      operator: "AND",
      limit: 10,
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toBeInstanceOf(Movie);
    expect(found[0]?.releaseYear).toBe(1984);
    expect(calls[0]).toEqual({
      path: "/models/instances/search",
      body: {
        view: {
          type: "view",
          space: "mySpace",
          externalId: "MovieView",
          version: "v1",
        },
        instanceType: "node",
        query: "term",
        properties: ["title"],
        operator: "AND",
        filter: { range: { property: moviePath("releaseYear"), gte: 1980 } },
        limit: 10,
      },
    });
  });

  it("select drops the other properties from search results", async () => {
    const { client } = stubClient({
      "/models/instances/search": {
        items: [movieRead("t1", { title: "Terminator", releaseYear: 1984 })],
      },
    });
    const [movie] = await client.movie.search({ select: ["releaseYear"] });
    expect(movie?.releaseYear).toBe(1984);
    expect("title" in movie!).toBe(false);
  });
});

describe("aggregate", () => {
  it("posts the aggregates and groupBy by identifier and types the groups by TypeScript name", async () => {
    const { client, calls } = stubClient({
      "/models/instances/aggregate": {
        items: [
          {
            instanceType: "node",
            group: { title: "Terminator" },
            aggregates: [
              { aggregate: "count", value: 2 },
              { aggregate: "avg", property: "releaseYear", value: 1987.5 },
              {
                aggregate: "histogram",
                property: "releaseYear",
                interval: 10,
                buckets: [{ start: 1980, count: 2 }],
              },
            ],
          },
        ],
      },
    });
    const groups = await client.movie.aggregate(
      {
        count: true,
        avg: "releaseYear",
        histogram: { property: "releaseYear", interval: 10 },
      },
      { groupBy: ["title"], where: { releaseYear: { lt: 2000 } }, query: "t" },
    );
    expect(groups).toEqual([
      {
        group: { title: "Terminator" },
        count: 2,
        avg: 1987.5,
        histogram: { interval: 10, buckets: [{ start: 1980, count: 2 }] },
      },
    ]);
    expect(calls[0]!.body).toEqual({
      view: {
        type: "view",
        space: "mySpace",
        externalId: "MovieView",
        version: "v1",
      },
      instanceType: "node",
      aggregates: [
        { count: {} },
        { avg: { property: "releaseYear" } },
        { histogram: { property: "releaseYear", interval: 10 } },
      ],
      groupBy: ["title"],
      filter: { range: { property: moviePath("releaseYear"), lt: 2000 } },
      query: "t",
    });
  });

  it("an aggregate over a missing value comes out null; a count of a property names it", async () => {
    const { client, calls } = stubClient({
      "/models/instances/aggregate": {
        items: [
          {
            instanceType: "node",
            aggregates: [
              { aggregate: "count", property: "releaseYear", value: 0 },
              { aggregate: "max", property: "releaseYear" },
            ],
          },
        ],
      },
    });
    const [result] = await client.movie.aggregate({
      count: "releaseYear",
      max: "releaseYear",
    });
    expect(result).toEqual({ group: {}, count: 0, max: null });
    expect(calls[0]!.body.aggregates).toEqual([
      { count: { property: "releaseYear" } },
      { max: { property: "releaseYear" } },
    ]);
  });
});

// ---- compileWhere on a hand-written view whose identifiers differ from the TypeScript names

const person: ViewClassInfo = {
  view: { type: "view", space: "sp", externalId: "Person", version: "2" },
  properties: {
    birthYear: { identifier: "birth_year", type: "int32" },
    name: { identifier: "full-name", type: "text" },
    born: { identifier: "born_at", type: "timestamp" },
    friend: {
      identifier: "best_friend",
      type: "direct",
      target: "sp:Person/2",
    },
    nicknames: { identifier: "nick_names", type: "text", list: true },
  },
  connections: {},
};
const p = (id: string): string[] => ["sp", "Person/2", id];

describe("compileWhere", () => {
  it("maps TypeScript names to identifiers, also inside nested", () => {
    expect(
      compileWhere(
        {
          birthYear: { gte: 1950 },
          friend: { nested: { name: "Ann", birthYear: 1960 } },
        },
        person,
        "node",
        { find: (view) => (view === "sp:Person/2" ? person : undefined) },
      ),
    ).toEqual({
      and: [
        { range: { property: p("birth_year"), gte: 1950 } },
        {
          nested: {
            scope: p("best_friend"),
            filter: {
              and: [
                { equals: { property: p("full-name"), value: "Ann" } },
                { equals: { property: p("birth_year"), value: 1960 } },
              ],
            },
          },
        },
      ],
    });
  });

  it("sends timestamps as ISO strings with milliseconds, instance times as epoch ms", () => {
    expect(
      compileWhere(
        {
          born: { gt: new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)) },
          createdTime: { lt: new Date(1000) },
        },
        person,
        "edge",
      ),
    ).toEqual({
      and: [
        { range: { property: p("born_at"), gt: "2020-01-02T03:04:05.006Z" } },
        { range: { property: ["edge", "createdTime"], lt: 1000 } },
      ],
    });
  });

  it("an empty where, empty operator objects and undefined conditions are no filter", () => {
    expect(compileWhere({}, person, "node")).toBeUndefined();
    expect(
      compileWhere(
        { name: {}, birthYear: undefined, $and: [] },
        person,
        "node",
      ),
    ).toBeUndefined();
    expect(compileWhere({ $or: [] }, person, "node")).toEqual({
      not: { matchAll: {} },
    });
  });

  it("an empty in or containsAny list matches nothing, an empty containsAll everything", () => {
    const nothing = { not: { matchAll: {} } };
    expect(compileWhere({ name: { in: [] } }, person, "node")).toEqual(nothing);
    expect(
      compileWhere({ nicknames: { containsAny: [] } }, person, "node"),
    ).toEqual(nothing);
    expect(
      compileWhere({ nicknames: { containsAll: [] } }, person, "node"),
    ).toEqual({ matchAll: {} });
    expect(
      compileWhere({ externalId: { in: [] }, name: "x" }, person, "node"),
    ).toMatchObject({
      and: [nothing, { equals: expect.anything() as unknown }],
    });
  });

  it(`splits an in list into chunks of ${IN_VALUES_LIMIT}`, () => {
    const values = Array.from({ length: 2500 }, (_, i) => `n${i}`);
    const filter = compileWhere({ externalId: { in: values } }, person, "node");
    expect(filter).toEqual({
      or: [
        {
          in: {
            property: ["node", "externalId"],
            values: values.slice(0, 1000),
          },
        },
        {
          in: {
            property: ["node", "externalId"],
            values: values.slice(1000, 2000),
          },
        },
        {
          in: { property: ["node", "externalId"], values: values.slice(2000) },
        },
      ],
    });
    const all = compileWhere(
      { nicknames: { containsAll: values } },
      person,
      "node",
    ) as { and: unknown[] };
    expect(all.and).toHaveLength(3);
  });

  it.each([
    [{ age: 3 }, /has no property "age"/],
    [{ birthYear: { prefix: "19" } }, /birthYear\.prefix: unknown operator/],
    [{ birthYear: "1950" }, /birthYear/],
    [{ birthYear: 2 ** 40 }, /birthYear/],
    [{ nicknames: "x" }, /nicknames/],
    [{ born: { gt: "yesterday" } }, /born\.gt/],
    [{ name: { eq: null } }, /exists: false/],
    [{ $or: { name: "x" } }, /\$or must be a list/],
    [{ friend: "ann" }, /friend/],
  ])("rejects %j with a clear error", (where, message) => {
    expect(() => compileWhere(where, person, "node")).toThrow(WhereError);
    expect(() => compileWhere(where, person, "node")).toThrow(message);
  });

  it("compiles sort and select by identifier and rejects lists and unknown names", () => {
    expect(
      compileSort(
        [
          { property: "birthYear", direction: "descending", nullsFirst: true },
          { property: "externalId" },
        ],
        person,
        "node",
      ),
    ).toEqual([
      {
        property: p("birth_year"),
        direction: "descending",
        nullsFirst: true,
      },
      { property: ["node", "externalId"] },
    ]);
    expect(() =>
      compileSort({ property: "nicknames" }, person, "node"),
    ).toThrow(/cannot be sorted/);
    expect(compileSelect(["birthYear", "name"], person)).toEqual([
      "birth_year",
      "full-name",
    ]);
    expect(() => compileSelect(["age"], person)).toThrow(/has no property/);
  });
});

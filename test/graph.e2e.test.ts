// Result-set graphs on the generated movies client against the emulator: a query whose sets page
// past several cursors (checked against sets computed here), an actor's movies inwards by edge type,
// and a graph sync that sees an insert, an update, an edge delete and a node delete in the right
// sets, resumed from JSON state in a fresh client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  ManualClock,
  startEmulator,
  type RunningEmulator,
} from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  Actor,
  ActorApply,
  Movie,
  CursorExpiredError,
  MovieApply,
  TypedEdge,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import {
  parseGraphSyncState,
  type GraphSyncState,
} from "../generated-examples/movies/runtime/features/graph.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let client: Client;
const clock = new ManualClock();

const MOVIES = 9;
const ACTORS = 7;
/** Movie m has actors m % 7 and (m + 3) % 7; released 1990 + m. */
const castOf = (m: number): number[] => [m % ACTORS, (m + 3) % ACTORS];

function connect(): Client {
  return createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "any" },
  });
}

beforeAll(async () => {
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["actors", "movies"],
    clock,
  });
  client = connect();
  await client.actor.apply(
    Array.from(
      { length: ACTORS },
      (_, a) => new ActorApply("actors", `a${a}`, { name: `Actor ${a}` }),
    ),
  );
  await client.movie.apply(
    Array.from(
      { length: MOVIES },
      (_, m) =>
        new MovieApply("movies", `m${m}`, {
          title: `Movie ${m}`,
          releaseYear: 1990 + m,
          actors: castOf(m).map((a) => ({
            space: "actors",
            externalId: `a${a}`,
          })),
        }),
    ),
  );
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

const ids = (list: readonly { externalId: string }[]): string[] =>
  list.map((i) => i.externalId).sort();

describe("graph query", () => {
  it("returns every set typed by its view, paging past several cursors", async () => {
    const graph = client
      .graph()
      .nodes("movies", Movie, { where: { releaseYear: { lt: 1996 } } })
      .edges("cast", { from: "movies", connection: "actors" })
      .nodes("actors", Actor, { from: "cast" });
    let requests = 0;
    const result = await client.query(graph, {
      pageSize: 2,
      onProgress: (progress) => {
        requests = progress.requests;
      },
    });
    const movies = Array.from({ length: 6 }, (_, m) => m);
    expect(ids(result.movies)).toEqual(movies.map((m) => `m${m}`));
    expect(result.movies[0]).toBeInstanceOf(Movie);
    expect(result.actors[0]).toBeInstanceOf(Actor);
    expect(result.cast[0]).toBeInstanceOf(TypedEdge);
    const cast = movies.flatMap((m) => castOf(m).map((a) => `m${m}->a${a}`));
    expect(
      result.cast
        .map((e) => `${e.startNode.externalId}->${e.endNode.externalId}`)
        .sort(),
    ).toEqual(cast.sort());
    const actors = [...new Set(movies.flatMap(castOf))].map((a) => `a${a}`);
    expect(ids(result.actors)).toEqual(actors.sort());
    expect(result.actors.every((a) => a.name?.startsWith("Actor "))).toBe(true);
    expect(requests).toBeGreaterThan(3);
  });

  it("reads an actor's movies inwards by edge type, with a sorted, limited set", async () => {
    const graph = client
      .graph()
      .nodes("actor", Actor, { where: { externalId: "a3" } })
      .edges("roles", {
        from: "actor",
        type: { space: "mySpace", externalId: "Movie.actors" },
        direction: "inwards",
      })
      .nodes("movies", Movie, {
        from: "roles",
        chainTo: "destination",
        sort: [
          {
            property: ["mySpace", "MovieView/v1", "releaseYear"],
            direction: "descending",
          },
        ],
        limit: 2,
      });
    const result = await client.query(graph);
    const playedIn = Array.from({ length: MOVIES }, (_, m) => m).filter((m) =>
      castOf(m).includes(3),
    );
    expect(result.movies.map((m) => m.releaseYear)).toEqual(
      playedIn
        .map((m) => 1990 + m)
        .sort((a, b) => b - a)
        .slice(0, 2),
    );
    expect(result.roles).toHaveLength(playedIn.length);
  });
});

describe("graph sorts by TypeScript names", () => {
  it("sorts and limits a node set by the view's sortable properties", async () => {
    const graph = client.graph().nodes("movies", Movie, {
      sort: { property: "releaseYear", direction: "descending" },
      limit: 2,
    });
    const result = await client.query(graph);
    expect(result.movies.map((m) => m.releaseYear)).toEqual([
      1990 + MOVIES - 1,
      1990 + MOVIES - 2,
    ]);
  });
});

describe("graph sync", () => {
  it("pages typed changes per set and resumes from JSON state in a fresh client", async () => {
    const graph = (c: Client) =>
      c
        .graph()
        .nodes("movies", Movie, { where: { releaseYear: { lt: 1994 } } })
        .edges("cast", { from: "movies", connection: "actors" })
        .nodes("actors", Actor, { from: "cast", select: ["name"] });
    let saved = "";
    const first: string[] = [];
    for await (const page of client.sync(graph(client), { pageSize: 3 })) {
      first.push(...page.upserts.movies.map((m) => m.externalId));
      saved = JSON.stringify(page.state);
      if (page.caughtUp) break;
    }
    expect(first.sort()).toEqual(["m0", "m1", "m2", "m3"]);

    // An insert, an update, an edge delete and a node delete.
    await client.actor.apply(new ActorApply("actors", "a9", { name: "New" }));
    await client.movie.apply(
      new MovieApply("movies", "m1", {
        title: "Movie 1, recut",
        actors: [{ space: "actors", externalId: "a9" }],
      }),
    );
    await client.dms.delete([
      {
        instanceType: "edge",
        space: "movies",
        externalId: castEdge(2, 5),
      },
    ]);
    await client.actor.delete([{ space: "actors", externalId: "a0" }]);

    const fresh = connect();
    try {
      const upserts: Record<string, string[]> = {
        movies: [],
        cast: [],
        actors: [],
      };
      const deletes: Record<string, string[]> = {
        movies: [],
        cast: [],
        actors: [],
      };
      expect(() => parseGraphSyncState(saved.slice(0, 10))).toThrow(
        /^Not a saved graph sync state: not JSON \(/,
      );
      for await (const page of fresh.sync(graph(fresh), {
        state: parseGraphSyncState(saved),
      })) {
        upserts.movies!.push(
          ...page.upserts.movies.map((m) => `${m.externalId}:${m.title}`),
        );
        upserts.cast!.push(...page.upserts.cast.map((e) => e.externalId));
        upserts.actors!.push(
          ...page.upserts.actors.map((a) => `${a.externalId}:${a.name}`),
        );
        for (const name of ["movies", "cast", "actors"] as const)
          deletes[name]!.push(...page.deletes[name].map((d) => d.externalId));
        if (page.caughtUp) break;
      }
      expect(upserts.movies).toEqual(["m1:Movie 1, recut"]);
      expect(upserts.cast).toEqual([castEdge(1, 9)]);
      expect(upserts.actors).toEqual(["a9:New"]);
      // The edges of the sync's movies that went are reported; the emulator may also report other
      // deleted edges of the same type (tombstones are not matched against the chain), never a live one.
      const deletedEdges = [
        castEdge(2, 5),
        ...Array.from({ length: MOVIES }, (_, m) => m)
          .filter((m) => castOf(m).includes(0))
          .map((m) => castEdge(m, 0)),
      ];
      expect(deletes.cast).toEqual(
        expect.arrayContaining([castEdge(0, 0), castEdge(2, 5)]),
      );
      for (const edge of deletes.cast ?? [])
        expect(deletedEdges).toContain(edge);
      expect(deletes.actors).toEqual(["a0"]);
      expect(deletes.movies).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("fails an expired cursor with CursorExpiredError, unless missed deletes are accepted", async () => {
    const graph = client.graph().nodes("movies", Movie);
    let saved: GraphSyncState | undefined;
    for await (const page of client.sync(graph)) {
      saved = page.state;
      if (page.caughtUp) break;
    }
    if (!saved) throw new Error("the sync returned no page");
    const state = saved;
    clock.advance(4 * 24 * 3600 * 1000);
    await expect(client.sync(graph, { state }).next()).rejects.toBeInstanceOf(
      CursorExpiredError,
    );
    const resumed = await client
      .sync(graph, { state, allowExpiredCursorsAndAcceptMissedDeletes: true })
      .next();
    expect(resumed.value?.caughtUp).toBe(true);
  });

  it("follows: keeps polling once caught up and yields what changes next", async () => {
    const graph = client
      .graph()
      .nodes("movies", Movie, { where: { releaseYear: { gte: 2030 } } });
    const seen: string[] = [];
    let caughtUpPages = 0;
    for await (const page of client.sync(graph, {
      follow: { pollIntervalMs: 5, maxPollIntervalMs: 20 },
    })) {
      seen.push(...page.upserts.movies.map((m) => m.externalId));
      if (page.caughtUp) caughtUpPages += 1;
      if (caughtUpPages === 1 && seen.length === 0)
        await client.movie.apply(
          new MovieApply("movies", "future", {
            title: "Future",
            releaseYear: 2031,
          }),
        );
      if (seen.length > 0) break;
    }
    expect(seen).toEqual(["future"]);
    expect(caughtUpPages).toBeGreaterThanOrEqual(1);
  });

  it("refuses a state saved for another graph", async () => {
    const other = client.graph().nodes("movies", Movie);
    const state = parseGraphSyncState(
      JSON.stringify({
        version: 1,
        fingerprint: "0",
        cursors: { movies: "x" },
        pageSize: 10,
      }),
    );
    await expect(client.sync(other, { state }).next()).rejects.toThrow(
      "belongs to a different sync request",
    );
  });
});

/** The default id of the edge from movie `m` to actor `a`: type, start and end as full ids. */
function castEdge(m: number, a: number): string {
  return `mySpace:Movie.actors:movies:m${m}:actors:a${a}`;
}

// `include` on the generated movies client against the emulator: movies with their actors (a
// `where` on the actors' birth year), nested three levels, limits, retrieve, and small pages that
// make every result set follow several cursors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  Actor,
  ActorApply,
  Movie,
  MovieApply,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let client: Client;

/** 6 movies, 8 actors; movie i has actors i..i+2 (Movie.actors) and each actor acts in it (acts-in). */
const MOVIES = 6;
const ACTORS = 8;
const actorYear = (a: number): number => 1940 + a * 5;
const castOf = (m: number): number[] => [m, m + 1, m + 2];

beforeAll(async () => {
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["actors", "movies"],
  });
  client = createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "any" },
  });
  const actors = Array.from(
    { length: ACTORS },
    (_, a) =>
      new ActorApply("actors", `a${a}`, {
        name: `Actor ${a}`,
        birthYear: actorYear(a),
      }),
  );
  const movies = Array.from(
    { length: MOVIES },
    (_, m) =>
      new MovieApply("movies", `m${m}`, {
        title: `Movie ${m}`,
        releaseYear: 1980 + m,
        actors: castOf(m).map((a) => actors[a]!.id),
      }),
  );
  const actsIn = actors.map(
    (actor, a) =>
      new ActorApply("actors", actor.externalId, {
        movies: movies
          .filter((_, m) => castOf(m).includes(a))
          .map((movie) => movie.id),
      }),
  );
  await client.actor.apply(actors);
  await client.movie.apply(movies);
  await client.actor.apply(actsIn);
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const names = (list: readonly { externalId: string }[]): string[] =>
  list.map((i) => i.externalId).sort();

describe("include", () => {
  it("fills movie.actors with Actor instances matching the where", async () => {
    const seen: Record<string, string[]> = {};
    for await (const movie of client.movie.list({
      include: { actors: { where: { birthYear: { gte: 1955 } } } },
    })) {
      expect(movie).toBeInstanceOf(Movie);
      for (const actor of movie.actors) expect(actor).toBeInstanceOf(Actor);
      seen[movie.externalId] = names(movie.actors);
    }
    const expected: Record<string, string[]> = {};
    for (let m = 0; m < MOVIES; m++) {
      expected[`m${m}`] = castOf(m)
        .filter((a) => actorYear(a) >= 1955)
        .map((a) => `a${a}`)
        .sort();
    }
    expect(seen).toEqual(expected);
  });

  it("follows three levels with pages of 2, so every set pages past several cursors", async () => {
    let requests = 0;
    const movies = await collect(
      client.movie.list({
        pageSize: 2,
        include: {
          actors: { include: { movies: { include: { actors: true } } } },
        },
        onProgress: (progress) => {
          requests = progress.requests;
        },
      }),
    );
    expect(movies.map((m) => m.externalId).sort()).toEqual(
      Array.from({ length: MOVIES }, (_, m) => `m${m}`),
    );
    expect(requests).toBeGreaterThan(MOVIES);
    for (const movie of movies) {
      const m = Number(movie.externalId.slice(1));
      expect(names(movie.actors)).toEqual(castOf(m).map((a) => `a${a}`));
      for (const actor of movie.actors) {
        const a = Number(actor.externalId.slice(1));
        const playedIn = Array.from({ length: MOVIES }, (_, i) => i).filter(
          (i) => castOf(i).includes(a),
        );
        expect(names(actor.movies)).toEqual(playedIn.map((i) => `m${i}`));
        for (const other of actor.movies) {
          const o = Number(other.externalId.slice(1));
          expect(names(other.actors)).toEqual(castOf(o).map((x) => `a${x}`));
        }
      }
    }
  });

  it("limits per object, selects properties and retrieves by id", async () => {
    const [movie, missing] = await client.movie.retrieve(
      [
        { space: "movies", externalId: "m2" },
        { space: "movies", externalId: "nope" },
      ],
      { include: { actors: { limit: 2, select: ["name"] } } },
    );
    expect(missing).toBeUndefined();
    expect(movie?.title).toBe("Movie 2");
    expect(movie?.actors).toHaveLength(2);
    expect(movie?.actors[0]?.name).toMatch(/^Actor [234]$/);
    // Not selected: not read, and not on the object (nor in its type).
    expect(Object.keys(movie!.actors[0]!)).not.toContain("birthYear");
  });

  it("sorts each object's targets, then limits them", async () => {
    const [movie] = await client.movie.retrieve(
      [{ space: "movies", externalId: "m2" }],
      {
        include: {
          actors: {
            sort: { property: "birthYear", direction: "descending" },
            limit: 2,
          },
        },
      },
    );
    // m2's cast is a2, a3, a4: the two youngest, youngest first.
    expect(movie?.actors.map((a) => a.externalId)).toEqual(["a4", "a3"]);
    const [ascending] = await client.movie.retrieve(
      [{ space: "movies", externalId: "m2" }],
      { include: { actors: { sort: [{ property: "name" }] } } },
    );
    expect(ascending?.actors.map((a) => a.name)).toEqual([
      "Actor 2",
      "Actor 3",
      "Actor 4",
    ]);
  });

  it("stops after `limit` root objects and rejects an unknown connection", async () => {
    const taken = [];
    for await (const movie of client.movie.list({
      pageSize: 4,
      limit: 3,
      include: { actors: true },
    }))
      taken.push(movie.externalId);
    expect(taken).toHaveLength(3);
    // @ts-expect-error: Movie has no connection `directors`
    const bad = client.movie.list({
      include: { directors: true },
    });
    await expect(bad.toArray()).rejects.toThrow(
      'include.directors: MovieView has no connection or direct relation "directors"',
    );
  });
});

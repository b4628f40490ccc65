// The generated movies client end to end against the emulator: the seed's apply example through
// typed accessors, reads as typed classes, a sync resumed from saved state, deletes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  Actor,
  ActorApply,
  Movie,
  MovieApply,
  PersonApply,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let client: Client;

beforeAll(async () => {
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["actors", "movies", "people"], // the emulator rejects writes into spaces that do not exist
  });
  client = createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "any" },
  });
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("generated client against the emulator", () => {
  it("applies the seed's Arnold, Terminator and acts-in edge, and reads them back typed", async () => {
    const result = await client.actor.apply([
      new ActorApply("actors", "arnold_schwarzenegger", {
        name: "Arnold Schwarzenegger",
        birthYear: 1947,
        wonOscar: false,
        movies: [
          new MovieApply("movies", "Terminator", {
            title: "Terminator",
            releaseYear: 1984,
          }),
        ],
      }),
    ]);
    expect(
      result.items.map(
        (i) => `${i.instanceType} ${i.space}:${i.externalId} v${i.version}`,
      ),
    ).toEqual([
      "node actors:arnold_schwarzenegger v1",
      "node movies:Terminator v1",
      "edge actors:types:acts-in:actors:arnold_schwarzenegger:movies:Terminator v1",
    ]);

    const [arnold] = await client.actor.retrieve([
      { space: "actors", externalId: "arnold_schwarzenegger" },
    ]);
    expect(arnold).toBeInstanceOf(Actor);
    expect(arnold).toMatchObject({
      name: "Arnold Schwarzenegger",
      birthYear: 1947,
      wonOscar: false,
      version: 1,
    });

    const movies: Movie[] = [];
    for await (const movie of client.movie.list()) movies.push(movie);
    expect(movies.map((m) => [m.title, m.releaseYear])).toEqual([
      ["Terminator", 1984],
    ]);
  });

  it("syncs a view, resumes from saved state in a new client, and sees deletes", async () => {
    await client.person.apply([
      new PersonApply("people", "p1", { name: "One", birthYear: 1990 }),
      new PersonApply("people", "p2", { name: "Two" }),
    ]);
    let saved: string | undefined;
    const seen: string[] = [];
    for await (const page of client.person.sync({ pageSize: 100 })) {
      seen.push(...page.upserts.map((p) => `${p.externalId}:${p.name}`));
      saved = JSON.stringify(page.state);
      if (page.caughtUp) break;
    }
    // Actors are persons too: the view's sync sees Arnold written through ActorView.
    expect(seen.sort()).toEqual([
      "arnold_schwarzenegger:Arnold Schwarzenegger",
      "p1:One",
      "p2:Two",
    ]);

    await client.person.apply(new PersonApply("people", "p1", { name: "Uno" }));
    await client.person.delete([{ space: "people", externalId: "p2" }]);

    const resumed = createClient({
      baseUrl: emulator.url,
      project: "movies",
      credentials: { token: "any" },
    });
    try {
      const upserts: string[] = [];
      const deletes: string[] = [];
      for await (const page of resumed.person.sync({
        pageSize: 100,
        state: JSON.parse(saved!),
      })) {
        upserts.push(...page.upserts.map((p) => `${p.externalId}:${p.name}`));
        deletes.push(...page.deletes.map((d) => d.externalId));
        if (page.caughtUp) break;
      }
      expect(upserts).toEqual(["p1:Uno"]);
      expect(deletes).toEqual(["p2"]);
    } finally {
      await resumed.close();
    }
  });

  it("rejects a bad value before sending, naming the instance and property", async () => {
    await expect(
      client.movie.apply(
        new MovieApply("movies", "bad", { title: "Bad", releaseYear: 1.5 }),
      ),
    ).rejects.toThrow(
      "MovieView movies:bad: releaseYear must be an integer within -2147483648..2147483647, got 1.5",
    );
  });

  it("refuses a limit or page size out of range before any request", async () => {
    // Before: limit -1 read nothing and NaN everything without a word; a page size of 0 or 5000
    // failed at the API with a 400.
    const cases: [() => unknown, string][] = [
      [
        () => client.movie.list({ limit: -1 }),
        "list: limit must be a whole number from 0 to Infinity (all), got -1",
      ],
      [
        () => client.movie.list({ limit: NaN }),
        "list: limit must be a whole number from 0 to Infinity (all), got NaN",
      ],
      [
        () => client.movie.list({ pageSize: 0 }),
        "list: pageSize must be a whole number from 1 to 10000, got 0",
      ],
      [
        () => client.movie.list({ pageSize: 2.5 }),
        "list: pageSize must be a whole number from 1 to 10000, got 2.5",
      ],
    ];
    for (const [call, message] of cases)
      expect(call).toThrow(new RangeError(message));
    await expect(
      client.movie.aggregate({ count: true }, { limit: 0 }),
    ).rejects.toThrow(
      new RangeError(
        "aggregate: limit must be a whole number from 1 to 1000, got 0",
      ),
    );
    // NaN became null in JSON: the API read it as no limit.
    await expect(client.movie.search({ limit: NaN })).rejects.toThrow(
      new RangeError(
        "search: limit must be a whole number from 1 to 1000, got NaN",
      ),
    );
    await expect(client.movie.sync({ pageSize: 5000 }).next()).rejects.toThrow(
      new RangeError(
        "sync: pageSize must be a whole number from 1 to 2000, got 5000",
      ),
    );
    // Infinity is "all".
    expect(
      (await client.movie.list({ limit: Infinity }).toArray()).length,
    ).toBeGreaterThan(0);
  });
});

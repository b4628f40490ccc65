// The client-level writes of a generated client against the emulator: `client.spaces` creates,
// lists, retrieves and deletes spaces; `client.apply` writes apply objects of several views in one
// call (one collector: two objects for one node merge), `client.delete` takes ids, read objects and
// apply objects of any view.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  ActorApply,
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
  // No instance spaces yet: the client creates them.
  emulator = await startEmulator({ views: input.views, project: "movies" });
  client = createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "any" },
  });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe("client.spaces", () => {
  it("applies, lists, retrieves and deletes spaces", async () => {
    const applied = await client.spaces.apply([
      { space: "movies", name: "Movies" },
      { space: "people", description: "Actors and directors" },
      { space: "scratch" },
    ]);
    expect(applied.map((s) => [s.space, s.name ?? null])).toEqual([
      ["movies", "Movies"],
      ["people", null],
      ["scratch", null],
    ]);
    expect(applied.every((s) => s.isGlobal === false)).toBe(true);
    const listed = (await client.spaces.list()).map((s) => s.space);
    expect(listed).toEqual(
      expect.arrayContaining(["movies", "people", "scratch"]),
    );
    const retrieved = await client.spaces.retrieve(["people", "nowhere"]);
    expect(retrieved.map((s) => [s.space, s.description])).toEqual([
      ["people", "Actors and directors"],
    ]);
    expect(await client.spaces.delete(["scratch"])).toEqual(["scratch"]);
    expect(await client.spaces.retrieve(["scratch"])).toEqual([]);
  });
});

describe("client.apply and client.delete", () => {
  it("writes apply objects of several views in one call, merging one node's views", async () => {
    const terminator = new MovieApply("movies", "terminator", {
      title: "Terminator",
      releaseYear: 1984,
    });
    const result = await client.apply([
      new ActorApply("people", "arnold", {
        name: "Arnold",
        movies: [terminator],
      }),
      // The same node through another view: one item with two sources.
      new PersonApply("people", "arnold", { birthYear: 1947 }),
      terminator,
    ]);
    expect(
      result.items.map((i) => `${i.instanceType} ${i.space}:${i.externalId}`),
    ).toEqual([
      "node people:arnold",
      "node movies:terminator",
      expect.stringMatching(/^edge people:/),
    ]);
    expect(result.counts.written).toBe(3);
    const [arnold] = await client.person.retrieve([
      { space: "people", externalId: "arnold" },
    ]);
    expect([arnold?.name, arnold?.birthYear]).toEqual(["Arnold", 1947]);
  });

  it("deletes ids, read objects and apply objects of any view", async () => {
    await client.apply(new MovieApply("movies", "alien", { title: "Alien" }));
    const [alien] = await client.movie.retrieve([
      { space: "movies", externalId: "alien" },
    ]);
    const deleted = await client.delete([
      alien!,
      new ActorApply("people", "arnold", { name: "Arnold" }),
      { instanceType: "node", space: "movies", externalId: "terminator" },
    ]);
    expect(deleted.map((d) => `${d.instanceType} ${d.externalId}`)).toEqual([
      "node alien",
      "node arnold",
      "node terminator",
    ]);
    expect(emulator.instanceCount()).toBe(0);
  });

  it("refuses an id without its instance type before any request", async () => {
    await expect(
      client.delete([{ space: "movies", externalId: "x" } as never]),
    ).rejects.toThrow(
      'delete: item 0 is neither { instanceType: "node" | "edge", space, externalId } nor a read or apply object of a generated view',
    );
  });
});

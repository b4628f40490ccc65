import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ManualClock,
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import {
  actorView,
  client,
  edge,
  movieView,
  moviesViews,
  node,
  personView,
  seedApplyItems,
  type Client,
  TEST_SPACES,
} from "./support.js";

let emulator: RunningEmulator;
let api: Client;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  emulator = await startEmulator({
    spaces: TEST_SPACES,
    views: moviesViews(),
    clock,
  });
  api = client(emulator);
});
afterEach(async () => {
  await emulator.close();
});

const byId = (space: string, externalId: string, instanceType = "node") => ({
  instanceType,
  space,
  externalId,
});

describe("apply: the seed examples", () => {
  it("stores Arnold (two sources), Terminator and the acts-in edge, in request order", async () => {
    const response = await api.ok("/models/instances", {
      items: seedApplyItems(),
    });
    expect(
      response.items.map((i: any) => [
        i.instanceType,
        i.space,
        i.externalId,
        i.version,
        i.wasModified,
      ]),
    ).toEqual([
      ["node", "actors", "arnold_schwarzenegger", 1, true],
      ["node", "movies", "Terminator", 1, true],
      ["edge", "actors", "relation:arnold_schwarzenegger:terminator", 1, true],
    ]);
    expect(response.items[0].createdTime).toBe(clock.now());
    expect(response.deleted).toEqual([]); // required by the contract, empty here
    const read = await api.ok("/models/instances/byids", {
      items: [byId("actors", "arnold_schwarzenegger")],
      sources: [{ source: personView }, { source: actorView }],
    });
    expect(read.items[0].properties).toEqual({
      mySpace: {
        "PersonView/v1": { name: "Arnold Schwarzenegger", birthYear: 1947 },
        "ActorView/v1": {
          name: "Arnold Schwarzenegger",
          birthYear: 1947,
          wonOscar: false,
        },
      },
    });
    const edgeRead = await api.ok("/models/instances/byids", {
      items: [
        byId("actors", "relation:arnold_schwarzenegger:terminator", "edge"),
      ],
    });
    expect(edgeRead.items[0]).toMatchObject({
      instanceType: "edge",
      type: { space: "types", externalId: "acts-in" },
      startNode: { space: "actors", externalId: "arnold_schwarzenegger" },
      endNode: { space: "movies", externalId: "Terminator" },
    });
  });

  it("the bare node of the seed (NodeApply with no sources) is stored without properties", async () => {
    const response = await api.ok("/models/instances", {
      items: [
        { instanceType: "node", space: "mySpace", externalId: "myNodeId" },
      ],
    });
    expect(response.items[0]).toMatchObject({
      externalId: "myNodeId",
      version: 1,
      wasModified: true,
    });
    const read = await api.ok("/models/instances/byids", {
      items: [byId("mySpace", "myNodeId")],
    });
    expect(read.items).toHaveLength(1);
    expect(read.items[0].properties).toBeUndefined();
  });

  it("an edge to missing nodes is a 409 unless autoCreateStartNodes / autoCreateEndNodes", async () => {
    const edgeOnly = seedApplyItems()[2];
    const refused = await api.post("/models/instances", { items: [edgeOnly] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.missing).toEqual([
      { space: "actors", externalId: "arnold_schwarzenegger" },
      { space: "movies", externalId: "Terminator" },
    ]);
    const onlyStart = await api.post("/models/instances", {
      items: [edgeOnly],
      autoCreateStartNodes: true,
    });
    expect(onlyStart.status).toBe(409);
    expect(onlyStart.body.error.missing).toEqual([
      { space: "movies", externalId: "Terminator" },
    ]);
    const created = await api.ok("/models/instances", {
      items: [edgeOnly],
      autoCreateStartNodes: true,
      autoCreateEndNodes: true,
    });
    expect(created.items).toHaveLength(1);
    const ends = await api.ok("/models/instances/byids", {
      items: [
        byId("actors", "arnold_schwarzenegger"),
        byId("movies", "Terminator"),
      ],
    });
    expect(
      ends.items.map((n: any) => [n.externalId, n.version, n.properties]),
    ).toEqual([
      ["arnold_schwarzenegger", 1, undefined],
      ["Terminator", 1, undefined],
    ]);
  });
});

describe("apply: versions, no-op writes, patch and replace", () => {
  it("bumps the version only when something changes", async () => {
    const terminator = node("movies", "Terminator", movieView, {
      title: "Terminator",
      releaseYear: 1984,
    });
    await api.ok("/models/instances", { items: [terminator] });
    clock.advance(1000);
    const same = await api.ok("/models/instances", { items: [terminator] });
    expect(same.items[0]).toMatchObject({
      version: 1,
      wasModified: false,
      lastUpdatedTime: clock.now() - 1000,
    });
    const changed = await api.ok("/models/instances", {
      items: [node("movies", "Terminator", movieView, { releaseYear: 1985 })],
    });
    expect(changed.items[0]).toMatchObject({
      version: 2,
      wasModified: true,
      lastUpdatedTime: clock.now(),
    });
  });

  it("patch keeps other properties; null clears; replace resets omitted ones", async () => {
    await api.ok("/models/instances", {
      items: [
        node("movies", "T2", movieView, { title: "T2", releaseYear: 1991 }),
      ],
    });
    await api.ok("/models/instances", {
      items: [node("movies", "T2", movieView, { title: "Terminator 2" })],
    });
    const read = async () =>
      (
        await api.ok("/models/instances/byids", {
          items: [byId("movies", "T2")],
          sources: [{ source: movieView }],
        })
      ).items[0].properties.mySpace["MovieView/v1"];
    expect(await read()).toEqual({ title: "Terminator 2", releaseYear: 1991 });
    // The spec's RawPropertyValueV3 has no null, but the API clears a property with null (memo §2.4).
    const cleared = await api.post(
      "/models/instances",
      { items: [node("movies", "T2", movieView, { releaseYear: null })] },
      { skipRequestValidation: true },
    );
    expect(cleared.status).toBe(200);
    expect(await read()).toEqual({ title: "Terminator 2" });
    await api.ok("/models/instances", {
      items: [node("movies", "T2", movieView, { releaseYear: 1991 })],
    });
    const replaced = await api.ok("/models/instances", {
      items: [node("movies", "T2", movieView, { releaseYear: 1992 })],
      replace: true,
    });
    expect(replaced.items[0]).toMatchObject({ version: 5, wasModified: true });
    expect(await read()).toEqual({ releaseYear: 1992 });
  });

  it("two views mapping one container see the same values", async () => {
    await api.ok("/models/instances", {
      items: [
        node("actors", "a1", actorView, {
          name: "Linda Hamilton",
          wonOscar: false,
        }),
      ],
    });
    await api.ok("/models/instances", {
      items: [node("actors", "a1", personView, { birthYear: 1956 })],
    });
    const read = await api.ok("/models/instances/byids", {
      items: [byId("actors", "a1")],
      sources: [{ source: actorView }],
    });
    expect(read.items[0].properties.mySpace["ActorView/v1"]).toEqual({
      name: "Linda Hamilton",
      birthYear: 1956,
      wonOscar: false,
    });
  });

  it("existingVersion: 409 on conflict, skipOnVersionConflict skips the item", async () => {
    await api.ok("/models/instances", {
      items: [node("movies", "m", movieView, { title: "A" })],
    });
    await api.ok("/models/instances", {
      items: [node("movies", "m", movieView, { title: "B" })],
    });
    const stale = {
      ...node("movies", "m", movieView, { title: "C" }),
      existingVersion: 1,
    };
    const conflict = await api.post("/models/instances", { items: [stale] });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toBe(
      "A version conflict caused the ingest to fail.",
    );
    const insertOnly = await api.post("/models/instances", {
      items: [{ ...stale, existingVersion: 0 }],
    });
    expect(insertOnly.status).toBe(409);
    const skipped = await api.ok("/models/instances", {
      items: [stale, node("movies", "other", movieView, { title: "O" })],
      skipOnVersionConflict: true,
    });
    expect(skipped.items.map((i: any) => i.externalId)).toEqual(["other"]);
    const current = await api.ok("/models/instances", {
      items: [{ ...stale, existingVersion: 2 }],
    });
    expect(current.items[0]).toMatchObject({ version: 3, wasModified: true });
  });
});

describe("apply: validation is atomic", () => {
  it("checks each write against the view it names, also when the views alternate", async () => {
    // The request's writes name Movie, Person, Movie, Actor: each is checked against its own view.
    const accepted = await api.ok("/models/instances", {
      items: [
        node("movies", "m1", movieView, { title: "One" }),
        node("actors", "p1", personView, { name: "Ann" }),
        node("movies", "m2", movieView, { title: "Two" }),
        node("actors", "a1", actorView, { name: "Bo", wonOscar: true }),
      ],
    });
    expect(accepted.items).toHaveLength(4);
    const refused = await api.post("/models/instances", {
      items: [
        node("actors", "a2", actorView, { wonOscar: false }),
        node("actors", "p2", personView, { wonOscar: false }),
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain(
      'items[1].sources[0].properties.wonOscar: view mySpace:PersonView/v1 has no property "wonOscar"',
    );
    const missingVersion = await api.post("/models/instances", {
      items: [
        node("movies", "m3", movieView, { title: "Three" }),
        node("movies", "m4", { ...movieView, version: "2" }, { title: "Four" }),
      ],
    });
    expect(missingVersion.status).toBe(400);
    expect(missingVersion.body.error.missing).toEqual([
      { ...movieView, version: "2" },
    ]);
  });

  it("one bad value rejects the whole request and stores nothing", async () => {
    const result = await api.post("/models/instances", {
      items: [
        node("movies", "good", movieView, { title: "Good" }),
        node("movies", "bad", movieView, { releaseYear: "1984" }),
      ],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain(
      "items[1].sources[0].properties.releaseYear",
    );
    const read = await api.ok("/models/instances/byids", {
      items: [byId("movies", "good")],
    });
    expect(read.items).toEqual([]);
  });

  it.each([
    ["int32 out of range", { releaseYear: 2 ** 31 }, "out of range for int32"],
    ["a float for int32", { releaseYear: 1984.5 }, "expected int32"],
    ["a list for a single value", { title: ["a"] }, "got a list"],
    [
      "an unknown property",
      { director: "Cameron" },
      'has no property "director"',
    ],
    ["a connection property", { actors: [] }, "is a connection"],
  ])("rejects %s", async (_what, properties, message) => {
    const result = await api.post(
      "/models/instances",
      { items: [node("movies", "m", movieView, properties)] },
      { skipRequestValidation: true },
    );
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain(message);
  });

  it("names unknown views in missing and duplicated ids in duplicated", async () => {
    const unknown = {
      type: "view",
      space: "mySpace",
      externalId: "Nope",
      version: "v1",
    };
    const missing = await api.post("/models/instances", {
      items: [
        {
          instanceType: "node",
          space: "s",
          externalId: "y",
          sources: [{ source: unknown, properties: { a: 1 } }],
        },
      ],
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.missing).toEqual([unknown]);
    const twice = await api.post("/models/instances", {
      items: [
        node("movies", "m", movieView, { title: "A" }),
        node("movies", "m", movieView, { title: "B" }),
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.duplicated).toEqual([
      { space: "movies", externalId: "m" },
    ]);
  });

  it("rejects more than 1000 items", async () => {
    const items = Array.from({ length: 1001 }, (_, i) =>
      node("movies", `m${i}`, movieView, { title: "x" }),
    );
    const result = await api.post(
      "/models/instances",
      { items },
      { skipRequestValidation: true },
    );
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain("cannot exceed 1000");
  });
});

describe("deletes", () => {
  it("soft-deletes a node and its edges; unknown ids are skipped", async () => {
    await api.ok("/models/instances", { items: seedApplyItems() });
    const result = await api.ok("/models/instances/delete", {
      items: [byId("movies", "Terminator"), byId("movies", "nope")],
    });
    expect(result.items).toEqual([
      { instanceType: "node", space: "movies", externalId: "Terminator" },
    ]);
    const edges = await api.ok("/models/instances/list", {
      instanceType: "edge",
    });
    expect(edges.items).toEqual([]);
    const nodes = await api.ok("/models/instances/list", {});
    expect(nodes.items.map((n: any) => n.externalId)).toEqual([
      "arnold_schwarzenegger",
    ]);
  });

  it("apply's delete list returns `deleted`; re-creating continues the version", async () => {
    await api.ok("/models/instances", {
      items: [node("movies", "m", movieView, { title: "A" })],
    });
    const result = await api.ok("/models/instances", {
      items: [],
      delete: [byId("movies", "m")],
    });
    expect(result).toEqual({
      items: [],
      deleted: [{ instanceType: "node", space: "movies", externalId: "m" }],
    });
    clock.advance(5);
    const again = await api.ok("/models/instances", {
      items: [node("movies", "m", movieView, { title: "A" })],
    });
    expect(again.items[0]).toMatchObject({
      version: 3,
      wasModified: true,
      createdTime: clock.now(),
    });
  });
});

describe("wire behaviour", () => {
  it("accepts gzip bodies", async () => {
    const response = await api.post(
      "/models/instances",
      { items: [node("movies", "gz", movieView, { title: "Zipped" })] },
      { gzip: true },
    );
    expect(response.status).toBe(200);
    expect(response.body.items[0].externalId).toBe("gz");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("unknown routes are 404, wrong methods 405, other projects have their own state, bad JSON 400", async () => {
    const base = `${emulator.url}/api/v1/projects/${emulator.project}`;
    const unknown = await fetch(`${base}/models/nothing`, {
      method: "POST",
      body: "{}",
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe(404);
    const wrongMethod = await fetch(`${base}/models/instances`, {
      method: "GET",
    });
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as any).error).toMatchObject({
      code: 405,
    });
    const otherProject = await fetch(
      `${emulator.url}/api/v1/projects/other/models/instances/list`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      },
    );
    expect(otherProject.status).toBe(200);
    expect(await otherProject.json()).toEqual({ items: [] });
    const badJson = await fetch(`${base}/models/instances`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as any).error.message).toBe(
      "The request body is not valid JSON",
    );
  });

  it("with a token, other bearer tokens get 401", async () => {
    const guarded = await startEmulator({
      spaces: TEST_SPACES,
      views: moviesViews(),
      token: "secret",
    });
    try {
      const wrong = await client(guarded, "wrong").post(
        "/models/instances/list",
        {},
      );
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe(401);
      const right = await client(guarded, "secret").post(
        "/models/instances/list",
        {},
      );
      expect(right.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe("edge helper", () => {
  it("edges between existing nodes are stored", async () => {
    await api.ok("/models/instances", { items: seedApplyItems().slice(0, 2) });
    const result = await api.ok("/models/instances", {
      items: [
        edge(
          "movies",
          "e1",
          ["mySpace", "Movie.actors"],
          ["movies", "Terminator"],
          ["actors", "arnold_schwarzenegger"],
        ),
      ],
    });
    expect(result.items[0]).toMatchObject({
      instanceType: "edge",
      externalId: "e1",
      version: 1,
    });
  });
});

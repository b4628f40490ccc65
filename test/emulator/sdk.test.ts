// The emulator driven by the official @cognite/sdk (a client nobody here wrote), through a proxy
// that checks every request and response against dms-openapi.json: a model deployed through the
// API, the seed's apply and sync examples, and an error of each class.

import { CogniteClient, type CogniteError } from "./cognite-sdk.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { startValidatingProxy, type ValidatingProxy } from "./proxy.js";
import { actorView, movieView, personView, seedApplyItems } from "./support.js";

const TOKEN = "sdk-test-token";
const PROJECT = "sdk-project";
let emulator: RunningEmulator;
let proxy: ValidatingProxy;
let sdk: any;

function clientWith(token: string): any {
  return new CogniteClient({
    appId: "dmgen-emulator-test",
    baseUrl: proxy.url,
    project: PROJECT,
    oidcTokenProvider: () => Promise.resolve(token),
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ token: TOKEN });
  proxy = await startValidatingProxy(emulator.url);
  sdk = clientWith(TOKEN);
});
afterAll(async () => {
  await proxy.close();
  await emulator.close();
  // Every exchange of the whole suite matched the contract.
  expect(proxy.violations).toEqual([]);
});

const container = (externalId: string) => ({
  type: "container" as const,
  space: "mySpace",
  externalId,
});

/** The SDK's error for a failed call (a CogniteError, or its HttpError for a 401 after re-auth). */
async function caught(promise: Promise<unknown>): Promise<CogniteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect(typeof (error as CogniteError).status).toBe("number");
  return error as CogniteError;
}

describe("@cognite/sdk against the emulator", () => {
  it("spaces: upsert, list with auto-paging, retrieve", async () => {
    const spaces = ["mySpace", "actors", "movies", "types"];
    await sdk.spaces.upsert(spaces.map((space) => ({ space })));
    const listed = await sdk.spaces
      .list({ limit: 1 })
      .autoPagingToArray({ limit: Infinity });
    expect(listed.map((s: any) => s.space).sort()).toEqual([...spaces].sort());
    const retrieved = await sdk.spaces.retrieve(["actors", "nowhere"]);
    expect(retrieved.items.map((s: any) => s.space)).toEqual(["actors"]);
  });

  it("containers, views and a data model deployed through the API", async () => {
    const text = { type: { type: "text" as const } };
    const int = { type: { type: "int32" as const } };
    await sdk.containers.upsert([
      {
        space: "mySpace",
        externalId: "Person",
        properties: { name: text, birthYear: int },
      },
      {
        space: "mySpace",
        externalId: "Actor",
        properties: { wonOscar: { type: { type: "boolean" } } },
      },
      {
        space: "mySpace",
        externalId: "Movie",
        properties: { title: text, releaseYear: int },
      },
    ]);
    const containers = await sdk.containers
      .list({ space: "mySpace", limit: 2 })
      .autoPagingToArray({ limit: Infinity });
    expect(containers.map((c: any) => c.externalId).sort()).toEqual([
      "Actor",
      "Movie",
      "Person",
    ]);
    const mappedTo = (c: string, p: string) => ({
      container: container(c),
      containerPropertyIdentifier: p,
    });
    await sdk.views.upsert([
      {
        space: "mySpace",
        externalId: "PersonView",
        version: "v1",
        properties: {
          name: mappedTo("Person", "name"),
          birthYear: mappedTo("Person", "birthYear"),
        },
      },
      {
        space: "mySpace",
        externalId: "ActorView",
        version: "v1",
        implements: [personView],
        properties: {
          wonOscar: mappedTo("Actor", "wonOscar"),
          movies: {
            connectionType: "multi_edge_connection",
            type: { space: "types", externalId: "acts-in" },
            source: movieView,
            direction: "outwards",
          },
        },
      },
      {
        space: "mySpace",
        externalId: "MovieView",
        version: "v1",
        properties: {
          title: mappedTo("Movie", "title"),
          releaseYear: mappedTo("Movie", "releaseYear"),
          actors: {
            connectionType: "multi_edge_connection",
            type: { space: "mySpace", externalId: "Movie.actors" },
            source: actorView,
            direction: "outwards",
          },
        },
      },
    ]);
    // The SDK sends GET /models/views/ with a trailing slash.
    const views = await sdk.views
      .list({ space: "mySpace", limit: 1 })
      .autoPagingToArray({ limit: Infinity });
    expect(views.map((v: any) => v.externalId).sort()).toEqual([
      "ActorView",
      "MovieView",
      "PersonView",
    ]);
    const [actor] = (await sdk.views.retrieve([actorView])).items;
    expect(Object.keys(actor!.properties).sort()).toEqual([
      "birthYear",
      "movies",
      "name",
      "wonOscar",
    ]);
    const own = await sdk.views.retrieve([actorView], {
      includeInheritedProperties: false,
    });
    expect(Object.keys(own.items[0]!.properties).sort()).toEqual([
      "movies",
      "wonOscar",
    ]);
    await sdk.dataModels.upsert([
      {
        space: "mySpace",
        externalId: "Movies",
        version: "1",
        views: [personView, actorView, movieView],
      },
    ]);
    const models = await sdk.dataModels
      .list({ inlineViews: true })
      .autoPagingToArray({ limit: Infinity });
    expect(models).toHaveLength(1);
    const inline = models[0]!.views as {
      externalId: string;
      properties?: object;
    }[];
    expect(inline.map((v: any) => v.externalId)).toEqual([
      "PersonView",
      "ActorView",
      "MovieView",
    ]);
    expect(inline.every((v: any) => v.properties !== undefined)).toBe(true);
    const retrieved = await sdk.dataModels.retrieve([
      { space: "mySpace", externalId: "Movies", version: "1" },
    ]);
    expect(retrieved.items[0]!.views).toEqual([
      personView,
      actorView,
      movieView,
    ]);
  });

  it("the seed's apply example: upsert, retrieve, list, inspect", async () => {
    const applied = await sdk.instances.upsert({
      items: seedApplyItems() as never,
    });
    expect(
      applied.items.map((i: any) => [i.externalId, i.version, i.wasModified]),
    ).toEqual([
      ["arnold_schwarzenegger", 1, true],
      ["Terminator", 1, true],
      ["relation:arnold_schwarzenegger:terminator", 1, true],
    ]);
    const retrieved = await sdk.instances.retrieve({
      items: [
        {
          instanceType: "node",
          space: "actors",
          externalId: "arnold_schwarzenegger",
        },
      ],
      sources: [{ source: actorView }],
    });
    expect(retrieved.items[0]!.properties).toEqual({
      mySpace: {
        "ActorView/v1": {
          name: "Arnold Schwarzenegger",
          birthYear: 1947,
          wonOscar: false,
        },
      },
    });
    const listed = await sdk.instances.list({
      instanceType: "node",
      sources: [{ source: movieView }],
      filter: { hasData: [movieView] },
    });
    expect(listed.items.map((i: any) => i.externalId)).toEqual(["Terminator"]);
    const inspected = await sdk.instances.inspect({
      inspectionOperations: { involvedViews: {}, involvedContainers: {} },
      items: [
        {
          instanceType: "node",
          space: "actors",
          externalId: "arnold_schwarzenegger",
        },
      ],
    });
    const results = inspected.items[0]!.inspectionResults;
    expect(results.involvedViews?.map((v: any) => v.externalId).sort()).toEqual(
      ["ActorView", "PersonView"],
    );
    expect(
      results.involvedContainers?.map((c: any) => c.externalId).sort(),
    ).toEqual(["Actor", "Person"]);
  });

  it("the seed's sync example, query, and delete", async () => {
    await sdk.instances.upsert({
      items: [
        {
          instanceType: "edge",
          space: "movies",
          externalId: "Terminator-arnold",
          type: { space: "mySpace", externalId: "Movie.actors" },
          startNode: { space: "movies", externalId: "Terminator" },
          endNode: { space: "actors", externalId: "arnold_schwarzenegger" },
        },
      ],
    });
    const query = {
      with: {
        movies: {
          nodes: {
            filter: {
              range: {
                property: ["mySpace", "MovieView/v1", "releaseYear"],
                lt: 2000,
              },
            },
          },
        },
        actors_in_movie: {
          edges: {
            from: "movies",
            direction: "outwards" as const,
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
        movies: { sources: [{ source: movieView, properties: ["title"] }] },
        actors: { sources: [{ source: actorView, properties: ["name"] }] },
      },
    };
    const first = await sdk.instances.sync(query);
    expect(first.items.movies!.map((m: any) => m.externalId)).toEqual([
      "Terminator",
    ]);
    expect(first.items.actors!.map((a: any) => a.properties)).toEqual([
      { mySpace: { "ActorView/v1": { name: "Arnold Schwarzenegger" } } },
    ]);
    const again = await sdk.instances.sync({
      ...query,
      cursors: first.nextCursor,
    });
    expect(again.items.actors).toEqual([]);
    const queried = await sdk.instances.query(query);
    expect(queried.items.actors!.map((m: any) => m.externalId)).toEqual([
      "arnold_schwarzenegger",
    ]);
    await sdk.instances.delete([
      { instanceType: "node", space: "movies", externalId: "Terminator" },
    ]);
    const afterDelete = await sdk.instances.sync({
      ...query,
      cursors: again.nextCursor,
    });
    // The movie is gone: its edges went with it, and sync reports both deletes.
    expect(
      afterDelete.items.movies!.map((m: any) => [
        m.externalId,
        m.deletedTime !== undefined,
      ]),
    ).toEqual([["Terminator", true]]);
  });

  it("errors of each class: 400 missing, 400 duplicated, 409 version conflict, 401", async () => {
    const missing = await caught(
      sdk.instances.upsert({
        items: [{ instanceType: "node", space: "nowhere", externalId: "x" }],
      }),
    );
    expect([missing.status, missing.missing]).toEqual([
      400,
      [{ space: "nowhere" }],
    ]);
    const node = {
      instanceType: "node" as const,
      space: "actors",
      externalId: "twice",
    };
    const duplicated = await caught(
      sdk.instances.upsert({ items: [node, node] }),
    );
    expect([duplicated.status, duplicated.duplicated]).toEqual([
      400,
      [{ space: "actors", externalId: "twice" }],
    ]);
    const conflict = await caught(
      sdk.instances.upsert({
        items: [
          {
            instanceType: "node",
            space: "actors",
            externalId: "arnold_schwarzenegger",
            existingVersion: 0,
          },
        ],
      }),
    );
    expect(conflict.status).toBe(409);
    const unauthorised = await caught(
      clientWith("wrong-token").spaces.list().autoPagingToArray(),
    );
    expect(unauthorised.status).toBe(401);
  });

  it("schema deletes: a container views still map goes, as in CDF; those views become unavailable, then model and views go", async () => {
    await sdk.containers.delete([container("Movie")]);
    const left = await sdk.containers
      .list({ space: "mySpace" })
      .autoPagingToArray();
    expect(left.map((c: any) => c.externalId).sort()).toEqual([
      "Actor",
      "Person",
    ]);
    const views = await sdk.views
      .list({ space: "mySpace", allVersions: true })
      .autoPagingToArray();
    // Unavailable, MovieView is still a view: listed, and deleted below.
    expect(views.map((v: any) => v.externalId)).toContain("MovieView");
    const movies = await caught(
      sdk.instances.list({
        instanceType: "node",
        sources: [
          {
            source: {
              type: "view",
              space: "mySpace",
              externalId: "MovieView",
              version: "v1",
            },
          },
        ],
      }),
    );
    expect(movies.status).toBe(400);
    await sdk.dataModels.delete([
      { space: "mySpace", externalId: "Movies", version: "1" },
    ]);
    const deletedViews = await sdk.views.delete([
      { space: "mySpace", externalId: "MovieView", version: "v1" },
    ]);
    expect(deletedViews.items).toHaveLength(1);
    await sdk.spaces.upsert([{ space: "scratch" }]);
    const removed = await sdk.spaces.delete(["scratch"]);
    expect(removed.items).toEqual([{ space: "scratch" }]);
    const notEmpty = await caught(sdk.spaces.delete(["actors"]));
    expect(notEmpty.status).toBe(400);
    expect(proxy.seen).toContain("GET /models/views 200");
  });
});

// The emulator's assumptions (src/emulator/assumptions.ts: what neither the contract nor the memo
// settles) asked of the target. Against the emulator they hold by construction; against a CDF
// project a failure here means that assumption is wrong, and the emulator with it. Assumptions
// the other conformance files already confirm name those tests instead.

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

/** A raw request to the target: for the tests that leave the contract on purpose. */
async function raw(
  path: string,
  init: {
    method?: string;
    body?: string;
    token?: string;
    project?: string;
  } = {},
) {
  const { target } = suite;
  const project = init.project ?? target.project;
  const response = await fetch(
    `${target.baseUrl}/api/v1/projects/${encodeURIComponent(project)}${path}`,
    {
      method: init.method ?? "GET",
      headers: {
        authorization: `Bearer ${init.token ?? (await target.token())}`,
        ...(init.body === undefined
          ? {}
          : { "content-type": "application/json" }),
      },
      ...(init.body === undefined ? {} : { body: init.body }),
    },
  );
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: parseOrText(text),
  };
}

/** JSON when the answer is JSON; otherwise its text, so the assertion shows what came back. */
function parseOrText(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The API's error format with a code matching the status. */
function expectErrorBody(result: { status: number; body: any }) {
  expect(result.body?.error?.code).toBe(result.status);
  expect(typeof result.body.error.message).toBe("string");
}

describe("conformance: the emulator's assumptions", () => {
  it("unknown-project: another project than the token's is refused in the error format", async () => {
    const result = await raw("/models/spaces", {
      project: `${suite.target.project}-dmgen-absent`,
    });
    expect([401, 403, 404]).toContain(result.status);
    expectErrorBody(result);
  });

  it("unauthorised: a wrong bearer token is 401 in the error format", async () => {
    const result = await raw("/models/spaces", { token: "not-a-valid-token" });
    expect(result.status).toBe(401);
  });

  it("missing-byids: an instance read through a source it has no data in comes back without that group", async () => {
    const { api, space } = suite;
    await api.ok("/models/instances", {
      items: [model.personNode("only-person", { name: "P" })],
    });
    const read = await api.ok("/models/instances/byids", {
      items: [{ instanceType: "node", space, externalId: "only-person" }],
      sources: [{ source: model.person }, { source: model.movie }],
    });
    expect(Object.keys(read.items[0].properties[space])).toEqual([
      "PersonView/v1",
    ]);
  });

  it("empty-lists: a source whose values are all unset is left out of properties", async () => {
    const { api, space } = suite;
    await api.ok("/models/instances", {
      items: [model.personNode("blank", { name: null })],
    });
    const read = await api.ok("/models/instances/byids", {
      items: [{ instanceType: "node", space, externalId: "blank" }],
      sources: [{ source: model.person }],
    });
    expect(read.items[0].properties).toEqual({});
  });

  it("timestamps: instance times are epoch milliseconds; timestamp values come back as given", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [
        {
          space,
          externalId: "Stamped",
          properties: { at: { type: { type: "timestamp" } } },
        },
      ],
    });
    const source = { type: "container", space, externalId: "Stamped" };
    await api.ok("/models/views", {
      items: [
        {
          space,
          externalId: "StampedView",
          version: "v1",
          properties: {
            at: { container: source, containerPropertyIdentifier: "at" },
          },
        },
      ],
    });
    const view = {
      type: "view",
      space,
      externalId: "StampedView",
      version: "v1",
    };
    const at = "2024-01-02T03:04:05.678+00:00";
    const applied = await api.ok("/models/instances", {
      items: [
        {
          instanceType: "node",
          space,
          externalId: "stamped",
          sources: [{ source: view, properties: { at } }],
        },
      ],
    });
    const { createdTime, lastUpdatedTime } = applied.items[0];
    expect(Number.isInteger(createdTime) && createdTime > 1.5e12).toBe(true);
    expect(lastUpdatedTime).toBe(createdTime);
    const read = await api.ok("/models/instances/byids", {
      items: [{ instanceType: "node", space, externalId: "stamped" }],
      sources: [{ source: view }],
    });
    expect(read.items[0].properties[space]["StampedView/v1"].at).toBe(at);
  });

  it("unsupported-route: an unknown path is 404 and a wrong method 405, in the error format", async () => {
    const unknown = await raw("/models/nothing-here");
    expect(unknown.status).toBe(404);
    expectErrorBody(unknown);
    const wrongMethod = await raw("/models/instances");
    expect(wrongMethod.status).toBe(405);
    expectErrorBody(wrongMethod);
  });

  it("statistics-limits: space statistics count what the space holds", async () => {
    const { api, space } = suite;
    const count = async (route: string) =>
      (await api.get(route, `space=${space}&limit=1000&allVersions=true`)).body
        .items.length;
    const containers = (
      await api.get("/models/containers", `space=${space}&limit=1000`)
    ).body.items.length;
    const result = await api.ok("/models/statistics/spaces/byids", {
      items: [{ space }],
    });
    expect(result.items[0]).toMatchObject({
      space,
      containers,
      views: await count("/models/views"),
      dataModels: await count("/models/datamodels"),
    });
    expect(containers).toBeGreaterThanOrEqual(2);
    const project = await api.get("/models/statistics");
    expect(project.status).toBe(200);
    expect(typeof project.body.spaces.limit).toBe("number");
  });

  it("core-model-paths: a CogniteAsset's path and root follow its parent", async () => {
    const { api, space } = suite;
    const asset = {
      type: "view",
      space: "cdf_cdm",
      externalId: "CogniteAsset",
      version: "v1",
    };
    const node = (externalId: string, parent?: string) => ({
      instanceType: "node",
      space,
      externalId,
      sources: [
        {
          source: asset,
          properties: {
            name: externalId,
            ...(parent ? { parent: { space, externalId: parent } } : {}),
          },
        },
      ],
    });
    await api.ok("/models/instances", { items: [node("root")] });
    await api.ok("/models/instances", { items: [node("child", "root")] });
    await suite.eventually(async () => {
      const read = await api.ok("/models/instances/byids", {
        items: [{ instanceType: "node", space, externalId: "child" }],
        sources: [{ source: asset }],
      });
      const values = read.items[0].properties.cdf_cdm["CogniteAsset/v1"];
      expect(values.root).toEqual({ space, externalId: "root" });
      expect(values.path).toEqual([
        { space, externalId: "root" },
        { space, externalId: "child" },
      ]);
    });
    const cycle = await api.post("/models/instances", {
      items: [node("root", "child")],
    });
    expect(cycle.status).toBe(400);
  });

  it("request-limits: JSON nested deeper than 200 levels is 400", async () => {
    const body = (levels: number) =>
      `{"limit":1,"x":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;
    const deep = await raw("/models/instances/list", {
      method: "POST",
      body: body(201),
    });
    expect(deep.status).toBe(400);
    expectErrorBody(deep);
  });

  it("filter-limits: 5000 values in an in filter pass, 5001 are 400; 33 nested levels are 400", async () => {
    const list = (filter: unknown) =>
      suite.api.post(
        "/models/instances/list",
        { filter, limit: 1 },
        { skipRequestValidation: true },
      );
    const values = (n: number) => ({
      in: {
        property: ["node", "externalId"],
        values: Array.from({ length: n }, (_, i) => `x${i}`),
      },
    });
    expect((await list(values(5000))).status).toBe(200);
    expect((await list(values(5001))).status).toBe(400);
    const nest = (levels: number): unknown =>
      levels === 0 ? values(1) : { not: nest(levels - 1) };
    expect((await list(nest(32))).status).toBe(200);
    expect((await list(nest(33))).status).toBe(400);
  });

  it("search-matching: query words match words and word prefixes, case-insensitively", async () => {
    const { api, space } = suite;
    await api.ok("/models/instances", {
      items: [
        model.movieNode("s-a", { title: "The TERMINATOR" }),
        model.movieNode("s-b", { title: "Term paper" }),
        model.movieNode("s-c", { title: "Determined" }),
      ],
    });
    const search = async (query: string, operator?: "AND" | "OR") =>
      (
        await api.ok("/models/instances/search", {
          view: model.movie,
          query,
          filter: { equals: { property: ["node", "space"], value: space } },
          ...(operator ? { operator } : {}),
        })
      ).items
        .map((i: any) => i.externalId)
        .sort();
    await suite.eventually(async () => {
      expect(await search("term")).toEqual(["s-a", "s-b"]);
      expect(await search("term paper", "AND")).toEqual(["s-b"]);
      expect(await search("mined")).toEqual([]);
    });
  });

  it("cursor-limit: a query cursor survives a new limit, not a new filter", async () => {
    const { api, space } = suite;
    await api.ok("/models/instances", {
      items: ["cl-0", "cl-1", "cl-2", "cl-3", "cl-4"].map((id) =>
        model.personNode(id, { name: id }),
      ),
    });
    const filter = {
      and: [
        { equals: { property: ["node", "space"], value: space } },
        { prefix: { property: ["node", "externalId"], value: "cl-" } },
      ],
    };
    const request = (limit: number, nodes: unknown = { filter }) => ({
      with: { people: { nodes, limit } },
      select: { people: {} },
    });
    const first = await api.ok("/models/instances/query", request(2));
    const next = await api.ok("/models/instances/query", {
      ...request(3),
      cursors: first.nextCursor,
    });
    const ids = [...first.items.people, ...next.items.people].map(
      (i: any) => i.externalId,
    );
    expect(ids.sort()).toEqual(["cl-0", "cl-1", "cl-2", "cl-3", "cl-4"]);
    const other = await api.post("/models/instances/query", {
      ...request(3, { filter: filter.and[1] }),
      cursors: first.nextCursor,
    });
    expect(other.status).toBe(400);
  });
});

// Routing like CDF, CORS, projects, and the schema endpoints' rules (spaces, containers, views,
// data models, inspect, statistics), every response checked against the contract.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { client, moviesViews, movieView, node } from "./support.js";

const running: RunningEmulator[] = [];
async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator(options);
  running.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const text = { type: { type: "text" } };

describe("routing", () => {
  it("ignores trailing slashes, checks query parameters, and answers unknown paths and methods in the API's format", async () => {
    const emulator = await start({ views: moviesViews() });
    const base = `${emulator.url}/api/v1/projects/p/models`;
    const slash = await fetch(`${base}/views/?limit=1&allVersions=false`);
    expect(slash.status).toBe(200);
    expect(((await slash.json()) as any).items).toHaveLength(1);
    const badFlag = await fetch(`${base}/views?includeGlobal=yes`);
    expect(badFlag.status).toBe(400);
    const wrongMethod = await fetch(`${base}/spaces/byids`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    const notModels = await fetch(
      `${emulator.url}/api/v1/projects/p/timeseries`,
    );
    expect([
      notModels.status,
      ((await notModels.json()) as any).error.code,
    ]).toEqual([404, 404]);
    const badEncoding = await fetch(
      `${emulator.url}/api/v1/projects/p%zz/models/views`,
    );
    expect(badEncoding.status).toBe(400);
    expect(((await badEncoding.json()) as any).error.message).toContain(
      "percent-encoding",
    );
  });

  it("serves any project with its own state, or only the pinned one", async () => {
    const open = await start({ spaces: ["s"] });
    const a = client({ ...open, project: "project-a" } as RunningEmulator);
    const b = client({ ...open, project: "project-b" } as RunningEmulator);
    await a.ok("/models/instances", {
      items: [node("s", "n1", movieView, {})].map(({ sources: _s, ...n }) => n),
    });
    expect((await a.ok("/models/instances/list", {})).items).toHaveLength(1);
    expect((await b.ok("/models/instances/list", {})).items).toEqual([]);
    const pinned = await start({ project: "only" });
    const other = await client({
      ...pinned,
      project: "other",
    } as RunningEmulator).post("/models/instances/list", {});
    expect(other.status).toBe(404);
    expect(other.body.error.message).toContain('serves only project "only"');
  });
});

describe("CORS", () => {
  async function preflight(emulator: RunningEmulator, origin: string) {
    return fetch(`${emulator.url}/api/v1/projects/p/models/instances/list`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers":
          "authorization, x-cdp-app, cdf-version",
      },
    });
  }

  it("answers preflights from loopback origins by default, with the headers SDKs send", async () => {
    const emulator = await start({ token: "t" });
    const allowed = await preflight(emulator, "http://localhost:5173");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(
      "http://localhost:5173",
    );
    const headers = allowed.headers
      .get("access-control-allow-headers")!
      .split(", ");
    expect(headers).toEqual(
      expect.arrayContaining(["authorization", "x-cdp-app", "cdf-version"]),
    );
    expect(allowed.headers.get("access-control-allow-methods")).toBe(
      "POST, OPTIONS",
    );
    const foreign = await preflight(emulator, "https://example.com");
    expect(foreign.status).toBe(403);
    const response = await fetch(
      `${emulator.url}/api/v1/projects/p/models/spaces`,
      {
        headers: { origin: "http://127.0.0.1:3000", authorization: "Bearer t" },
      },
    );
    expect(response.headers.get("access-control-allow-origin")).toBe(
      "http://127.0.0.1:3000",
    );
  });

  it("is configurable: a list of origins, or off", async () => {
    const listed = await start({ cors: ["https://app.example"] });
    expect((await preflight(listed, "https://app.example")).status).toBe(204);
    expect((await preflight(listed, "http://localhost:5173")).status).toBe(403);
    const off = await start({ cors: "off" });
    expect((await preflight(off, "http://localhost:5173")).status).toBe(403);
  });
});

describe("spaces", () => {
  it("apply, byids, list pages; writes into a missing space are 400; only empty spaces can be deleted", async () => {
    const emulator = await start();
    const api = client(emulator);
    await api.ok("/models/spaces", {
      items: [{ space: "a", name: "A" }, { space: "b" }],
    });
    const reserved = await api.post(
      "/models/spaces",
      { items: [{ space: "cdf" }] },
      { skipRequestValidation: true },
    );
    expect(reserved.status).toBe(400);
    const page1 = (await api.get("/models/spaces", "limit=1")).body;
    const page2 = (
      await api.get("/models/spaces", `limit=1&cursor=${page1.nextCursor}`)
    ).body;
    expect([...page1.items, ...page2.items].map((s: any) => s.space)).toEqual([
      "a",
      "b",
    ]);
    expect(page2.nextCursor).toBeUndefined();
    const missing = await api.post("/models/instances", {
      items: [{ instanceType: "node", space: "c", externalId: "x" }],
    });
    expect([missing.status, missing.body.error.missing]).toEqual([
      400,
      [{ space: "c" }],
    ]);
    await api.ok("/models/instances", {
      items: [{ instanceType: "node", space: "a", externalId: "x" }],
    });
    const notEmpty = await api.post("/models/spaces/delete", {
      items: [{ space: "a" }, { space: "b" }],
    });
    expect(notEmpty.status).toBe(400);
    expect(notEmpty.body.error.message).toContain(
      'space "a" holds 1 instances',
    );
    expect(
      (await api.ok("/models/spaces/byids", { items: [{ space: "b" }] })).items,
    ).toHaveLength(1);
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space: "a", externalId: "x" }],
    });
    const deleted = await api.ok("/models/spaces/delete", {
      items: [{ space: "a" }, { space: "zz" }],
    });
    expect(deleted.items).toEqual([{ space: "a" }]);
  });
});

describe("containers, views and data models", () => {
  async function deployed() {
    const emulator = await start();
    const api = client(emulator);
    await api.ok("/models/spaces", { items: [{ space: "m" }] });
    await api.ok("/models/containers", {
      items: [{ space: "m", externalId: "Thing", properties: { name: text } }],
    });
    await api.ok("/models/views", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          version: "v1",
          properties: {
            name: {
              container: { type: "container", space: "m", externalId: "Thing" },
              containerPropertyIdentifier: "name",
            },
          },
        },
      ],
    });
    return { emulator, api };
  }

  it("containers may gain properties and names; a type change or a removal is 400; unchanged keeps lastUpdatedTime", async () => {
    const { api, emulator } = await deployed();
    const before = (
      await api.ok("/models/containers/byids", {
        items: [{ space: "m", externalId: "Thing" }],
      })
    ).items[0];
    const same = await api.ok("/models/containers", {
      items: [{ space: "m", externalId: "Thing", properties: { name: text } }],
    });
    expect(same.items[0].lastUpdatedTime).toBe(before.lastUpdatedTime);
    await api.ok("/models/containers", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          properties: {
            name: { ...text, name: "Name" },
            size: { type: { type: "int64" } },
          },
        },
      ],
    });
    const changed = await api.post("/models/containers", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          properties: {
            name: { type: { type: "int32" } },
            size: { type: { type: "int64" } },
          },
        },
      ],
    });
    expect(changed.status).toBe(400);
    const removed = await api.post("/models/containers", {
      items: [{ space: "m", externalId: "Thing", properties: { name: text } }],
    });
    expect(removed.status).toBe(400);
    expect(removed.body.error.message).toContain('"size"');
    void emulator;
  });

  it("a view version may change only name and description; a new version is listed as the latest", async () => {
    const { api } = await deployed();
    const mapped = (p: string) => ({
      container: { type: "container", space: "m", externalId: "Thing" },
      containerPropertyIdentifier: p,
    });
    await api.ok("/models/containers", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          properties: { name: text, note: text },
        },
      ],
    });
    const renamed = await api.ok("/models/views", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          version: "v1",
          name: "Thing!",
          properties: { name: mapped("name") },
        },
      ],
    });
    expect(renamed.items[0].name).toBe("Thing!");
    const grown = await api.post("/models/views", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          version: "v1",
          properties: { name: mapped("name"), note: mapped("note") },
        },
      ],
    });
    expect(grown.status).toBe(400);
    expect(grown.body.error.message).toContain("new version");
    await api.ok("/models/views", {
      items: [
        {
          space: "m",
          externalId: "Thing",
          version: "v2",
          properties: { name: mapped("name"), note: mapped("note") },
        },
      ],
    });
    const latest = (await api.get("/models/views", "space=m")).body.items;
    expect(latest.map((v: any) => v.version)).toEqual(["v2"]);
    const all = (await api.get("/models/views", "space=m&allVersions=true"))
      .body.items;
    expect(all.map((v: any) => v.version).sort()).toEqual(["v1", "v2"]);
    // Writable only when every non-nullable property of the mapped containers is mapped.
    await api.ok("/models/containers", {
      items: [
        {
          space: "m",
          externalId: "Strict",
          properties: { must: { ...text, nullable: false }, may: text },
        },
      ],
    });
    const strict = (p: string) => ({
      container: { type: "container", space: "m", externalId: "Strict" },
      containerPropertyIdentifier: p,
    });
    const partial = await api.ok("/models/views", {
      items: [
        {
          space: "m",
          externalId: "Partial",
          version: "v1",
          properties: { may: strict("may") },
        },
        {
          space: "m",
          externalId: "Full",
          version: "v1",
          properties: { may: strict("may"), must: strict("must") },
        },
      ],
    });
    expect(partial.items.map((v: any) => v.writable)).toEqual([false, true]);
    const unknownContainer = await api.post("/models/views", {
      items: [
        {
          space: "m",
          externalId: "Other",
          version: "v1",
          properties: {
            x: {
              container: { type: "container", space: "m", externalId: "Nope" },
              containerPropertyIdentifier: "x",
            },
          },
        },
      ],
    });
    expect(unknownContainer.status).toBe(400);
  });

  it("a data model with inline views creates the views; inspect and statistics count what is there", async () => {
    const { api } = await deployed();
    const model = await api.ok("/models/datamodels", {
      items: [
        {
          space: "m",
          externalId: "Model",
          version: "1",
          views: [
            { type: "view", space: "m", externalId: "Thing", version: "v1" },
            {
              space: "m",
              externalId: "Named",
              version: "v1",
              implements: [
                {
                  type: "view",
                  space: "m",
                  externalId: "Thing",
                  version: "v1",
                },
              ],
              properties: {},
            },
          ],
        },
      ],
    });
    expect(model.items[0].views.map((v: any) => v.externalId)).toEqual([
      "Thing",
      "Named",
    ]);
    const named = (
      await api.ok("/models/views/byids", {
        items: [{ space: "m", externalId: "Named", version: "v1" }],
      })
    ).items[0];
    expect(Object.keys(named.properties)).toEqual(["name"]);
    await api.ok("/models/instances", {
      items: [
        {
          instanceType: "node",
          space: "m",
          externalId: "t1",
          sources: [
            {
              source: {
                type: "view",
                space: "m",
                externalId: "Named",
                version: "v1",
              },
              properties: { name: "one" },
            },
          ],
        },
      ],
    });
    const inspected = await api.ok("/models/instances/inspect", {
      inspectionOperations: {
        involvedViews: { allVersions: true },
        involvedContainers: {},
      },
      items: [{ instanceType: "node", space: "m", externalId: "t1" }],
    });
    expect(
      inspected.items[0].inspectionResults.involvedViews
        .map((v: any) => v.externalId)
        .sort(),
    ).toEqual(["Named", "Thing"]);
    expect(inspected.items[0].inspectionResults.involvedContainers).toEqual([
      { type: "container", space: "m", externalId: "Thing" },
    ]);
    const stats = (await api.get("/models/statistics")).body;
    expect([
      stats.spaces.count,
      stats.containers.count,
      stats.views.count,
      stats.dataModels.count,
      stats.instances.nodes,
    ]).toEqual([1, 1, 2, 1, 1]);
    const perSpace = await api.ok("/models/statistics/spaces/byids", {
      items: [{ space: "m" }, { space: "none" }],
    });
    expect(perSpace.items).toEqual([
      {
        space: "m",
        containers: 1,
        views: 2,
        dataModels: 1,
        nodes: 1,
        edges: 0,
        softDeletedNodes: 0,
        softDeletedEdges: 0,
      },
    ]);
  });
});

describe("a model given with --views, deployed again through the API", () => {
  it("is a no-op (same createdTime and lastUpdatedTime), and instances keep working", async () => {
    const emulator = await start({ views: moviesViews(), spaces: ["movies"] });
    const api = client(emulator);
    const before = (await api.get("/models/views", "allVersions=true&limit=10"))
      .body.items;
    // The create shape: own properties only (inherited ones come from `implements`).
    const create = moviesViews().map((view) => {
      const inherited = new Set(
        view.implements.flatMap((ref) =>
          Object.keys(
            moviesViews().find((v) => v.externalId === ref.externalId)!
              .properties,
          ),
        ),
      );
      const properties: Record<string, unknown> = {};
      for (const [id, property] of Object.entries(view.properties)) {
        if (inherited.has(id)) continue;
        const { kind: _kind, ...rest } = property;
        properties[id] =
          property.kind === "mapped"
            ? {
                container: property.container,
                containerPropertyIdentifier:
                  property.containerPropertyIdentifier,
              }
            : rest;
      }
      return {
        space: view.space,
        externalId: view.externalId,
        version: view.version,
        implements: view.implements,
        properties,
      };
    });
    const applied = await api.ok("/models/views", { items: create });
    const times = (items: any[]) =>
      items.map((v) => [v.externalId, v.createdTime, v.lastUpdatedTime]).sort();
    expect(times(applied.items)).toEqual(times(before));
    const written = await api.ok("/models/instances", {
      items: [node("movies", "m1", movieView, { title: "T" })],
    });
    expect(written.items[0].wasModified).toBe(true);
  });
});

describe("persistence of schema and projects", () => {
  it("a version 1 state file (one project, no schema) loads into the default project", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dmgen-emu-v1-"));
    try {
      const dataFile = join(dir, "state.ndjson");
      const header = {
        format: "dmgen-emulator-state",
        version: 1,
        seq: 1,
        autoIncrement: [],
      };
      const line = [
        "node",
        "old",
        "n1",
        1,
        1000,
        1000,
        null,
        1,
        null,
        null,
        null,
        {},
      ];
      await writeFile(
        dataFile,
        `${JSON.stringify(header)}\n${JSON.stringify(line)}\n`,
      );
      const emulator = await start({ dataFile });
      const api = client(emulator);
      const read = await api.ok("/models/instances/list", {});
      expect(
        read.items.map((i: any) => [i.space, i.externalId, i.version]),
      ).toEqual([["old", "n1", 1]]);
      // The instance's space exists, so it can be written to again.
      expect(
        (await api.ok("/models/spaces/byids", { items: [{ space: "old" }] }))
          .items,
      ).toHaveLength(1);
      await emulator.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("spaces, containers, views, data models and instances of every project survive a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dmgen-emu-api-"));
    try {
      const dataFile = join(dir, "state.ndjson");
      const first = await startEmulator({ dataFile });
      for (const project of ["one", "two"]) {
        const api = client({ ...first, project } as RunningEmulator);
        await api.ok("/models/spaces", { items: [{ space: project }] });
        await api.ok("/models/containers", {
          items: [
            { space: project, externalId: "C", properties: { name: text } },
          ],
        });
        await api.ok("/models/views", {
          items: [
            {
              space: project,
              externalId: "V",
              version: "1",
              properties: {
                name: {
                  container: {
                    type: "container",
                    space: project,
                    externalId: "C",
                  },
                  containerPropertyIdentifier: "name",
                },
              },
            },
          ],
        });
        await api.ok("/models/datamodels", {
          items: [
            {
              space: project,
              externalId: "M",
              version: "1",
              views: [
                { type: "view", space: project, externalId: "V", version: "1" },
              ],
            },
          ],
        });
        await api.ok("/models/instances", {
          items: [
            {
              instanceType: "node",
              space: project,
              externalId: "x",
              sources: [
                {
                  source: {
                    type: "view",
                    space: project,
                    externalId: "V",
                    version: "1",
                  },
                  properties: { name: project },
                },
              ],
            },
          ],
        });
      }
      await first.close();
      const second = await startEmulator({ dataFile });
      for (const project of ["one", "two"]) {
        const api = client({ ...second, project } as RunningEmulator);
        const view = {
          type: "view",
          space: project,
          externalId: "V",
          version: "1",
        };
        const read = await api.ok("/models/instances/list", {
          sources: [{ source: view }],
        });
        expect(
          read.items.map((i: any) => i.properties[project]["V/1"].name),
        ).toEqual([project]);
        expect(
          (await api.get("/models/spaces")).body.items.map((s: any) => s.space),
        ).toEqual([project]);
        expect((await api.get("/models/datamodels")).body.items).toHaveLength(
          1,
        );
        expect(
          (await api.get("/models/containers")).body.items[0].externalId,
        ).toBe("C");
      }
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// One test per assumption of src/emulator/assumptions.ts (the behaviours the contract and the memo
// leave open), and a check that the README lists every one of them.

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  ASSUMPTION_LIST,
  ManualClock,
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { ASSUMPTION_CONFORMANCE } from "../../src/emulator/assumptions.js";
import { DEFAULT_BODY_LIMITS } from "../../src/emulator/http/body.js";
import { client, moviesViews, movieView, personView } from "./support.js";

const running: RunningEmulator[] = [];
async function start(options: EmulatorOptions = {}) {
  const emulator = await startEmulator({
    views: moviesViews(),
    spaces: ["s"],
    ...options,
  });
  running.push(emulator);
  return { emulator, api: client(emulator) };
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const text = { type: { type: "text" } };
const person = (externalId: string, properties: Record<string, unknown>) => ({
  instanceType: "node",
  space: "s",
  externalId,
  sources: [{ source: personView, properties }],
});

const TESTS: Record<string, () => Promise<void>> = {
  "unknown-project": async () => {
    const { emulator } = await start({ project: "pinned" });
    const response = await fetch(
      `${emulator.url}/api/v1/projects/other/models/spaces`,
    );
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.message).toBe(
      'Unknown project "other": this emulator serves only project "pinned"',
    );
  },
  unauthorised: async () => {
    const { emulator } = await start({ token: "t" });
    const route = `${emulator.url}/api/v1/projects/p/models/nothing-here`;
    // 401 comes before the unknown route's 404.
    expect((await fetch(route)).status).toBe(401);
    const preflight = await fetch(route.replace("nothing-here", "spaces"), {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:1",
        "access-control-request-method": "GET",
      },
    });
    expect(preflight.status).toBe(204);
    // A page of another site is refused before its credentials are looked at.
    const foreign = await fetch(route, {
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
  },
  "missing-space": async () => {
    const { api } = await start();
    const result = await api.post("/models/containers", {
      items: [
        { space: "nowhere", externalId: "C", properties: { name: text } },
      ],
    });
    expect([result.status, result.body.error.missing]).toEqual([
      400,
      [{ space: "nowhere" }],
    ]);
    expect(
      (await api.get("/models/containers", "space=nowhere")).body.items,
    ).toEqual([]);
  },
  "space-not-empty": async () => {
    const { api } = await start();
    const result = await api.post("/models/spaces/delete", {
      items: [{ space: "mySpace" }],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toBe(
      'Only empty spaces can be deleted: space "mySpace" holds 3 containers, 3 views',
    );
  },
  "schema-versioning": async () => {
    const { api } = await start();
    const model = (views: unknown[]) => ({
      items: [{ space: "mySpace", externalId: "M", version: "1", views }],
    });
    await api.ok("/models/datamodels", model([personView]));
    const updated = await api.ok(
      "/models/datamodels",
      model([personView, movieView]),
    );
    expect(updated.items[0].views).toHaveLength(2);
  },
  "schema-delete": async () => {
    const { api } = await start();
    await api.ok("/models/instances", { items: [person("p1", { name: "P" })] });
    const byContainer = {
      type: "container",
      space: "mySpace",
      externalId: "Person",
    };
    const inspectContainer = (options: Record<string, unknown>) =>
      api.ok("/models/containers/inspect", {
        inspectionOperations: {
          involvedViews: {},
          totalInvolvedViewCount: options,
        },
        items: [{ space: "mySpace", externalId: "Actor" }],
      });
    const inspect = {
      inspectionOperations: { involvedContainers: {} },
      items: [{ instanceType: "node", space: "s", externalId: "p1" }],
    };
    const version = async () =>
      (
        await api.ok("/models/instances/byids", {
          items: [{ instanceType: "node", space: "s", externalId: "p1" }],
        })
      ).items[0].version;
    const before = await version();
    // PersonView and ActorView still map Person: the delete goes through, as in CDF.
    const deleted = await api.ok("/models/containers/delete", {
      items: [byContainer],
    });
    expect(deleted.items).toEqual([{ space: "mySpace", externalId: "Person" }]);
    expect(await version()).toBe(before + 1);
    const gone = await api.ok("/models/instances/inspect", inspect);
    expect(gone.items[0].inspectionResults.involvedContainers).toEqual([]);
    // The views that mapped it are unavailable, yet still resources: listed and returned by byids...
    const listed = await api.get("/models/views", "allVersions=true");
    expect(
      listed.body.items.map((v: any) => v.externalId as string).sort(),
    ).toEqual(["ActorView", "MovieView", "PersonView"]);
    const byIds = await api.ok("/models/views/byids", {
      items: [{ space: "mySpace", externalId: "PersonView", version: "v1" }],
    });
    expect(byIds.items.map((v: any) => v.externalId)).toEqual(["PersonView"]);
    // ...counted by containers/inspect only with includeUnavailableViews...
    const counted = await inspectContainer({});
    expect(counted.items[0].inspectionResults).toEqual({
      involvedViewCount: 1,
      involvedViews: [],
    });
    const available = await inspectContainer({
      includeUnavailableViews: false,
    });
    expect(available.items[0].inspectionResults.involvedViewCount).toBe(0);
    // ...and reading or writing through one is 400, the view in `missing`.
    const read = await api.post("/models/instances/list", {
      sources: [{ source: personView }],
    });
    expect([read.status, read.body.error.missing]).toEqual([400, [personView]]);
    const write = await api.post("/models/instances", {
      items: [person("p2", { name: "Q" })],
    });
    expect([write.status, write.body.error.missing]).toEqual([
      400,
      [personView],
    ]);
    const search = await api.post("/models/instances/search", {
      view: personView,
    });
    expect([search.status, search.body.error.missing]).toEqual([
      400,
      [personView],
    ]);
    const sync = await api.post("/models/instances/sync", {
      with: { people: { nodes: {}, limit: 10 } },
      select: {
        people: { sources: [{ source: personView, properties: ["*"] }] },
      },
    });
    expect([sync.status, sync.body.error.missing]).toEqual([400, [personView]]);
    // A data model may still name it.
    const modelled = await api.ok("/models/datamodels", {
      items: [
        {
          space: "mySpace",
          externalId: "People",
          version: "1",
          views: [personView],
        },
      ],
    });
    expect(modelled.items[0].views).toEqual([personView]);
    // A container of that id again makes them available (its old data stays gone).
    await api.ok("/models/containers", {
      items: [
        {
          space: "mySpace",
          externalId: "Person",
          properties: { name: text, birthYear: { type: { type: "int32" } } },
        },
      ],
    });
    const back = await api.ok("/models/instances/byids", {
      items: [{ instanceType: "node", space: "s", externalId: "p1" }],
      sources: [{ source: personView }],
    });
    expect(back.items[0].properties).toEqual({});
    // Deleting a view leaves instance data as it is.
    await api.ok("/models/instances", { items: [person("p1", { name: "R" })] });
    await api.ok("/models/views/delete", {
      items: [{ ...personView, type: undefined }],
    });
    const kept = await api.ok("/models/instances/inspect", inspect);
    expect(kept.items[0].inspectionResults.involvedContainers).toEqual([
      byContainer,
    ]);
  },
  "system-spaces": async () => {
    const core = {
      space: "cdf_cdm",
      externalId: "CogniteDescribable",
      version: "v1",
      isGlobal: true,
      properties: {
        name: {
          container: {
            type: "container",
            space: "cdf_cdm",
            externalId: "CogniteDescribable",
          },
          containerPropertyIdentifier: "name",
          type: { type: "text", list: false },
        },
      },
    };
    const { api } = await start({
      views: [
        {
          space: "cdf_cdm",
          externalId: "CogniteCore",
          version: "v1",
          isGlobal: true,
          views: [core],
        },
        ...moviesViews(),
      ] as never,
    });
    const describable = {
      type: "view",
      space: "cdf_cdm",
      externalId: "CogniteDescribable",
      version: "v1",
    };
    const names = (body: any) =>
      body.items
        .map((item: any) => `${item.space}:${item.externalId}:${item.isGlobal}`)
        .sort();
    const lists: [string, string][] = [
      ["/models/spaces", "cdf_cdm:undefined:true"],
      ["/models/containers", "cdf_cdm:CogniteDescribable:true"],
      ["/models/views", "cdf_cdm:CogniteDescribable:true"],
      ["/models/datamodels", "cdf_cdm:CogniteCore:true"],
    ];
    for (const [route, global] of lists) {
      const own = names((await api.get(route, "limit=1000")).body);
      expect([route, own.filter((n: string) => n.startsWith("cdf_"))]).toEqual([
        route,
        [],
      ]);
      const all = names(
        (await api.get(route, "limit=1000&includeGlobal=true")).body,
      );
      expect([route, all.filter((n: string) => n.startsWith("cdf_"))]).toEqual([
        route,
        [global],
      ]);
    }
    // byids returns global items without asking.
    const spaces = await api.ok("/models/spaces/byids", {
      items: [{ space: "cdf_cdm" }],
    });
    expect(spaces.items[0].isGlobal).toBe(true);
    // Writes into a system space are refused, whole, whatever they write.
    const refusals: [string, unknown][] = [
      ["/models/spaces", { items: [{ space: "cdf_cdm", name: "mine" }] }],
      ["/models/spaces/delete", { items: [{ space: "cdf_cdm" }] }],
      [
        "/models/containers",
        {
          items: [
            { space: "cdf_cdm", externalId: "Mine", properties: { x: text } },
          ],
        },
      ],
      [
        "/models/containers/delete",
        { items: [{ space: "cdf_cdm", externalId: "CogniteDescribable" }] },
      ],
      [
        "/models/views",
        { items: [{ space: "cdf_cdm", externalId: "Mine", version: "v1" }] },
      ],
      [
        "/models/views/delete",
        {
          items: [
            {
              space: "cdf_cdm",
              externalId: "CogniteDescribable",
              version: "v1",
            },
          ],
        },
      ],
      [
        "/models/datamodels",
        { items: [{ space: "cdf_cdm", externalId: "Mine", version: "v1" }] },
      ],
      [
        "/models/datamodels/delete",
        {
          items: [
            { space: "cdf_cdm", externalId: "CogniteCore", version: "v1" },
          ],
        },
      ],
      [
        "/models/instances",
        {
          items: [
            person("p1", { name: "P" }),
            {
              instanceType: "node",
              space: "cdf_cdm",
              externalId: "asset",
              sources: [{ source: describable, properties: { name: "A" } }],
            },
          ],
        },
      ],
      [
        "/models/instances/delete",
        {
          items: [
            { instanceType: "node", space: "cdf_cdm", externalId: "asset" },
          ],
        },
      ],
    ];
    for (const [route, body] of refusals) {
      const refused = await api.post(route, body);
      expect([route, refused.status]).toEqual([route, 400]);
      expect(refused.body.error.message).toContain("system space cdf_cdm");
    }
    expect((await api.ok("/models/instances/list", {})).items).toEqual([]);
    // Through a system view into a space of one's own: allowed.
    await api.ok("/models/instances", {
      items: [
        {
          instanceType: "node",
          space: "s",
          externalId: "asset",
          sources: [{ source: describable, properties: { name: "A" } }],
        },
      ],
    });
  },
  "missing-byids": async () => {
    const { api } = await start();
    await api.ok("/models/instances", { items: [person("p1", { name: "P" })] });
    const read = await api.ok("/models/instances/byids", {
      items: [
        { instanceType: "node", space: "s", externalId: "p1" },
        { instanceType: "node", space: "s", externalId: "ghost" },
      ],
      sources: [{ source: personView }, { source: movieView }],
    });
    expect(
      read.items.map((i: any) => Object.keys(i.properties.mySpace)),
    ).toEqual([["PersonView/v1"]]);
    const views = await api.ok("/models/views/byids", {
      items: [{ space: "mySpace", externalId: "Ghost", version: "v1" }],
    });
    expect(views.items).toEqual([]);
  },
  "empty-lists": async () => {
    const { api } = await start();
    await api.ok("/models/instances", {
      items: [person("p1", { name: null })],
    });
    const read = await api.ok("/models/instances/byids", {
      items: [{ instanceType: "node", space: "s", externalId: "p1" }],
      sources: [{ source: personView }],
    });
    // Every value unset: no group at all rather than an empty one.
    expect(read.items[0].properties).toEqual({});
  },
  timestamps: async () => {
    const clock = new ManualClock(1_700_000_000_123);
    const { api } = await start({ clock });
    const applied = await api.ok("/models/instances", {
      items: [person("p1", { name: "P" })],
    });
    expect([
      applied.items[0].createdTime,
      applied.items[0].lastUpdatedTime,
    ]).toEqual([1_700_000_000_123, 1_700_000_000_123]);
  },
  "error-text": async () => {
    const { api } = await start();
    await api.ok("/models/instances", { items: [person("p1", { name: "P" })] });
    const conflict = await api.post("/models/instances", {
      items: [{ ...person("p1", { name: "Q" }), existingVersion: 0 }],
    });
    expect([conflict.status, conflict.body.error.message]).toEqual([
      409,
      "A version conflict caused the ingest to fail.",
    ]);
  },
  "unsupported-route": async () => {
    const { emulator } = await start();
    const response = await fetch(
      `${emulator.url}/api/v1/projects/p/models/instances`,
    );
    expect([response.status, response.headers.get("allow")]).toEqual([
      405,
      "POST",
    ]);
    expect(((await response.json()) as any).error.code).toBe(405);
  },
  "statistics-limits": async () => {
    const { api } = await start();
    const stats = (await api.get("/models/statistics")).body;
    expect([
      stats.spaces.limit,
      stats.views.count,
      stats.concurrentWriteLimit,
    ]).toEqual([100, 3, 4]);
  },
  "core-model-paths": async () => {
    // Without cdf_cdm:CogniteAsset nothing is maintained: writes stay exactly as given.
    const { api } = await start();
    const applied = await api.ok("/models/instances", {
      items: [person("p1", { name: "P" })],
    });
    expect(applied.items[0].version).toBe(1);
    // With it, test/emulator/core-model.test.ts covers path, root, the subtree and cycles.
  },
  "request-limits": async () => {
    // The numbers as stated; test/emulator/limits.test.ts sends bodies over each of them.
    expect(DEFAULT_BODY_LIMITS).toEqual({
      maxWireBytes: 10 * 1024 * 1024,
      maxDecodedBytes: 32 * 1024 * 1024,
      maxJsonDepth: 200,
    });
    const { emulator } = await start();
    // `{"limit":1,"x":[[...]]}`: the object is one level, each bracket one more.
    const post = async (levels: number) => {
      const response = await fetch(
        `${emulator.url}/api/v1/projects/p/models/instances/list`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: `{"limit":1,"x":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`,
        },
      );
      return [response.status, ((await response.json()) as any).error?.message];
    };
    expect(await post(200)).not.toEqual([
      400,
      "The request body is nested deeper than 200 levels",
    ]);
    expect(await post(201)).toEqual([
      400,
      "The request body is nested deeper than 200 levels",
    ]);
  },
  "filter-limits": async () => {
    const { api } = await start();
    const list = (filter: unknown) =>
      api.post("/models/instances/list", { filter });
    const values = (n: number) => ({
      in: {
        property: ["node", "externalId"],
        values: Array.from({ length: n }, (_, i) => `x${i}`),
      },
    });
    expect((await list(values(5000))).status).toBe(200);
    expect((await list(values(5001))).status).toBe(400);
    // `levels` operators around a leaf.
    const nest = (levels: number): unknown =>
      levels === 0 ? values(1) : { not: nest(levels - 1) };
    expect((await list(nest(32))).status).toBe(200);
    expect((await list(nest(33))).status).toBe(400);
  },
  "search-matching": async () => {
    const { api } = await start();
    await api.ok("/models/instances", {
      items: [
        person("a", { name: "The TERMINATOR" }),
        person("b", { name: "Term paper" }),
        person("c", { name: "Determined" }),
      ],
    });
    const search = async (query: string, operator?: "AND" | "OR") =>
      (
        await api.ok("/models/instances/search", {
          view: personView,
          query,
          ...(operator ? { operator } : {}),
        })
      ).items.map((i: any) => i.externalId);
    // A prefix of a word, any case; never the middle of a word. The exact word ranks first.
    expect(await search("term")).toEqual(["b", "a"]);
    expect(await search("TERMINATOR paper")).toEqual(
      expect.arrayContaining(["a", "b"]),
    );
    expect(await search("term paper", "AND")).toEqual(["b"]);
    expect(await search("mined")).toEqual([]);
  },
  "cursor-limit": async () => {
    const { api } = await start();
    await api.ok("/models/instances", {
      items: ["p0", "p1", "p2", "p3", "p4"].map((id) =>
        person(id, { name: id }),
      ),
    });
    const request = (endpoint: "query" | "sync", limit: number) => ({
      with: {
        people: {
          nodes: { filter: { hasData: [personView] } },
          limit,
          ...(endpoint === "query"
            ? { sort: [{ property: ["node", "externalId"] }] }
            : {}),
        },
      },
      select: { people: {} },
    });
    const ids = (body: any): string[] =>
      body.items.people.map((i: any) => i.externalId);
    for (const endpoint of ["query", "sync"] as const) {
      const path = `/models/instances/${endpoint}`;
      const first = await api.ok(path, request(endpoint, 2));
      const next = await api.ok(path, {
        ...request(endpoint, 3),
        cursors: first.nextCursor,
      });
      expect(
        [...ids(first), ...ids(next)].sort(),
        `${endpoint}: a larger page after the cursor`,
      ).toEqual(["p0", "p1", "p2", "p3", "p4"]);
      const other = await api.post(path, {
        ...request(endpoint, 3),
        with: { people: { nodes: {}, limit: 3 } },
        cursors: first.nextCursor,
      });
      expect(other.status, `${endpoint}: another filter`).toBe(400);
    }
  },
  "cursor-keyset": async () => {
    const { api } = await start();
    await api.ok("/models/instances", {
      items: ["c", "a", "b"].map((id) => person(id, { name: id })),
    });
    const filter = { hasData: [personView] };
    const ids = (items: any[]): string[] => items.map((i) => i.externalId);
    const first = await api.ok("/models/instances/list", { filter, limit: 2 });
    expect(ids(first.items), "no sort: by space, then externalId").toEqual([
      "a",
      "b",
    ]);
    // "aa" is created before the cursor's place (after "b"), "bb" after it; "c" is deleted.
    await api.ok("/models/instances", {
      items: [person("aa", { name: "aa" }), person("bb", { name: "bb" })],
      delete: [{ instanceType: "node", space: "s", externalId: "c" }],
    });
    const next = await api.ok("/models/instances/list", {
      filter,
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(ids(next.items)).toEqual(["bb"]);
    expect(next.nextCursor).toBeUndefined();
  },
};

/** The titles of the `it("…")` calls in a file of test/conformance. */
function conformanceTitles(file: string): string[] {
  const source = readFileSync(
    new URL(`../conformance/${file}`, import.meta.url),
    "utf8",
  );
  return [...source.matchAll(/\bit\(\s*("(?:[^"\\]|\\.)*")/g)].map(
    (match) => JSON.parse(match[1]!) as string,
  );
}

describe("emulator assumptions", () => {
  it("every assumption has a test here and a line in the README", () => {
    expect(Object.keys(TESTS).sort()).toEqual(
      ASSUMPTION_LIST.map((a) => a.id).sort(),
    );
    const readme = readFileSync(
      new URL("../../README.md", import.meta.url),
      "utf8",
    );
    for (const { id } of ASSUMPTION_LIST) expect(readme).toContain(`\`${id}\``);
  });
  it("every assumption names conformance tests that exist", () => {
    expect(Object.keys(ASSUMPTION_CONFORMANCE).sort()).toEqual(
      ASSUMPTION_LIST.map((a) => a.id).sort(),
    );
    for (const [id, tests] of Object.entries(ASSUMPTION_CONFORMANCE)) {
      expect(tests.length, id).toBeGreaterThan(0);
      for (const named of tests) {
        const [file = "", title, ...rest] = named.split(" > ");
        expect(rest, named).toEqual([]);
        expect(conformanceTitles(file), `${id}: ${named}`).toContain(title);
      }
    }
  });
  it.each(ASSUMPTION_LIST.map((a) => [a.id, a.decision]))(
    "%s: %s",
    async (id) => {
      await TESTS[id]!();
    },
  );
});

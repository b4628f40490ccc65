// Filters without other coverage (containsAny, containsAll, overlaps, nested, prefix on lists,
// exists and boolean combinations, parameters) and node result sets chained `through` a direct
// relation (outwards and inwards, single and list) in query and sync, over HTTP.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  MappedPropertyDefinition,
  PropertyType,
  ViewDefinition,
  ViewReference,
} from "../../src/input/types.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { client, node, type Client, TEST_SPACES } from "./support.js";

const MODEL = "plant-model";
const assetView: ViewReference = {
  type: "view",
  space: MODEL,
  externalId: "Asset",
  version: "v1",
};
const siteView: ViewReference = {
  type: "view",
  space: MODEL,
  externalId: "Site",
  version: "v1",
};
const assetContainer = {
  type: "container" as const,
  space: MODEL,
  externalId: "AssetC",
};
const siteContainer = {
  type: "container" as const,
  space: MODEL,
  externalId: "SiteC",
};

function mapped(
  container: typeof assetContainer,
  property: string,
  type: PropertyType,
): MappedPropertyDefinition {
  return {
    kind: "mapped",
    container,
    containerPropertyIdentifier: property,
    type,
    nullable: true,
    immutable: false,
    autoIncrement: false,
  };
}

/** Asset: list text, list int, a start/end period and a single and a list direct relation to Site. */
function views(): ViewDefinition[] {
  const base = {
    implements: [],
    writable: true,
    queryable: true,
    usedFor: "node" as const,
    isGlobal: false,
  };
  const id = (ref: ViewReference) => ({
    space: ref.space,
    externalId: ref.externalId,
    version: ref.version,
  });
  return [
    {
      ...base,
      ...id(assetView),
      mappedContainers: [assetContainer],
      properties: {
        tags: mapped(assetContainer, "tags", { type: "text", list: true }),
        codes: mapped(assetContainer, "codes", { type: "int32", list: true }),
        start: mapped(assetContainer, "start", {
          type: "timestamp",
          list: false,
        }),
        end: mapped(assetContainer, "end", { type: "timestamp", list: false }),
        // View ids differ from the container ids so that view and container references are told apart.
        site: mapped(assetContainer, "siteRef", {
          type: "direct",
          list: false,
          source: siteView,
        }),
        sites: mapped(assetContainer, "siteRefs", {
          type: "direct",
          list: true,
          source: siteView,
        }),
      },
    },
    {
      ...base,
      ...id(siteView),
      mappedContainers: [siteContainer],
      properties: {
        name: mapped(siteContainer, "name", { type: "text", list: false }),
        region: mapped(siteContainer, "region", { type: "text", list: false }),
      },
    },
  ];
}

const geo = (externalId: string) => ({ space: "geo", externalId });
const SITES: [string, string, string][] = [
  ["oslo", "Oslo", "north"],
  ["bergen", "Bergen", "west"],
  ["rome", "Rome", "south"],
  ["lima", "Lima", "south"], // nothing points at lima
];

/**
 * Periods: pump [Jan 1, Mar 1], valve [Feb 15, open), tank (open, Jan 15], fan [Jun 1, Jun 30], pipe none.
 * pipe.site points at "ghost", a node auto-created without Site data.
 */
function items() {
  const asset = (externalId: string, properties: Record<string, unknown>) =>
    node("plant", externalId, assetView, properties);
  return [
    ...SITES.map(([externalId, name, region]) =>
      node("geo", externalId, siteView, { name, region }),
    ),
    asset("pump", {
      tags: ["hot", "wet"],
      codes: [1, 2, 3],
      start: "2024-01-01T00:00:00Z",
      end: "2024-03-01T00:00:00Z",
      site: geo("oslo"),
      sites: [geo("oslo"), geo("bergen")],
    }),
    asset("valve", {
      tags: ["cold"],
      codes: [3, 4],
      start: "2024-02-15T00:00:00Z",
      end: null,
      site: geo("bergen"),
      sites: [geo("rome")],
    }),
    asset("tank", {
      tags: ["hot", "cold", "big"],
      codes: [5],
      end: "2024-01-15T00:00:00.000+00:00",
      site: geo("oslo"),
    }),
    asset("fan", {
      start: "2024-06-01T00:00:00Z",
      end: "2024-06-30T00:00:00Z",
      site: geo("rome"),
      sites: [geo("bergen"), geo("rome")],
    }),
    asset("pipe", { tags: ["wet"], codes: [2], site: geo("ghost") }),
  ];
}

const prop = (name: string) => [MODEL, "Asset/v1", name];
const siteProp = (name: string) => [MODEL, "Site/v1", name];
const isAsset = { hasData: [assetView] };
const sortedIds = (items: { externalId: string }[]) =>
  items.map((i) => i.externalId).sort();

let emulator: RunningEmulator;
let api: Client;

beforeAll(async () => {
  emulator = await startEmulator({
    spaces: TEST_SPACES,
    views: views(),
    host: "127.0.0.1",
    port: 0,
  });
  api = client(emulator);
  await api.ok("/models/instances", { items: items() });
});
afterAll(async () => {
  await emulator.close();
});

/** The nodes matching `filter` by instances/list (when no parameters) and by a one-set query, which must agree. */
async function matching(
  filter: unknown,
  parameters?: Record<string, unknown>,
): Promise<string[]> {
  const query = await api.ok("/models/instances/query", {
    with: { found: { nodes: { filter }, limit: 100 } },
    select: { found: {} },
    ...(parameters ? { parameters } : {}),
  });
  const viaQuery = sortedIds(query.items.found);
  if (!parameters) {
    const listed = await api.ok("/models/instances/list", {
      instanceType: "node",
      filter,
      limit: 100,
    });
    expect(sortedIds(listed.items)).toEqual(viaQuery);
  }
  return viaQuery;
}

describe("containsAny / containsAll", () => {
  const rome = geo("rome");
  const bergen = geo("bergen");
  it.each([
    [
      "any text, one value",
      { containsAny: { property: prop("tags"), values: ["hot"] } },
      ["pump", "tank"],
    ],
    [
      "any text, two values",
      { containsAny: { property: prop("tags"), values: ["cold", "wet"] } },
      ["pipe", "pump", "tank", "valve"],
    ],
    [
      "any text, miss",
      { containsAny: { property: prop("tags"), values: ["nope", "HOT"] } },
      [],
    ],
    [
      "all text",
      { containsAll: { property: prop("tags"), values: ["hot", "cold"] } },
      ["tank"],
    ],
    [
      "all text, order does not matter",
      { containsAll: { property: prop("tags"), values: ["wet", "hot"] } },
      ["pump"],
    ],
    [
      "all text, one missing",
      { containsAll: { property: prop("tags"), values: ["hot", "nope"] } },
      [],
    ],
    [
      "any int",
      { containsAny: { property: prop("codes"), values: [4, 5] } },
      ["tank", "valve"],
    ],
    [
      "any int, shared value",
      { containsAny: { property: prop("codes"), values: [3] } },
      ["pump", "valve"],
    ],
    [
      "all int",
      { containsAll: { property: prop("codes"), values: [3, 1] } },
      ["pump"],
    ],
    [
      "all int, miss",
      { containsAll: { property: prop("codes"), values: [1, 4] } },
      [],
    ],
    [
      "any int, miss",
      { containsAny: { property: prop("codes"), values: [0, 6] } },
      [],
    ],
    [
      "any direct (list)",
      { containsAny: { property: prop("sites"), values: [rome] } },
      ["fan", "valve"],
    ],
    [
      "all direct (list)",
      { containsAll: { property: prop("sites"), values: [bergen, rome] } },
      ["fan"],
    ],
    [
      "all direct, miss",
      { containsAll: { property: prop("sites"), values: [geo("oslo"), rome] } },
      [],
    ],
    [
      "container property",
      {
        containsAny: {
          property: [MODEL, "AssetC", "siteRefs"],
          values: [geo("oslo")],
        },
      },
      ["pump"],
    ],
  ])("%s", async (_name, filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });
});

describe("overlaps", () => {
  const period = { startProperty: prop("start"), endProperty: prop("end") };
  it.each([
    [
      "gte + lte (closed)",
      { gte: "2024-02-01T00:00:00Z", lte: "2024-02-28T00:00:00Z" },
      ["pump", "valve"],
    ],
    [
      "gt only (open-ended above)",
      { gt: "2024-03-01T00:00:00Z" },
      ["fan", "valve"],
    ],
    [
      "gte only: a period ending on the bound touches it",
      { gte: "2024-03-01T00:00:00Z" },
      ["fan", "pump", "valve"],
    ],
    ["lt only (open-ended below)", { lt: "2024-01-01T00:00:00Z" }, ["tank"]],
    [
      "lte only: a period starting on the bound touches it",
      { lte: "2024-01-01T00:00:00Z" },
      ["pump", "tank"],
    ],
    [
      "gt + lt exclude touching ends",
      { gt: "2024-01-15T00:00:00Z", lt: "2024-02-15T00:00:00Z" },
      ["pump"],
    ],
    [
      "gte + lte include touching ends",
      { gte: "2024-01-15T00:00:00Z", lte: "2024-02-15T00:00:00Z" },
      ["pump", "tank", "valve"],
    ],
    [
      "wide range: every period, not the asset without one",
      { gte: "2000-01-01T00:00:00Z", lte: "2100-01-01T00:00:00Z" },
      ["fan", "pump", "tank", "valve"],
    ],
    [
      "between periods",
      { gt: "2024-03-02T00:00:00Z", lt: "2024-05-01T00:00:00Z" },
      ["valve"],
    ],
    [
      "bounds in another time zone",
      { gt: "2024-03-01T01:00:00+01:00", lt: "2024-06-01T00:00:00Z" },
      ["valve"],
    ],
  ])("%s", async (_name, bounds, expected) => {
    expect(await matching({ overlaps: { ...period, ...bounds } })).toEqual(
      expected,
    );
  });
});

describe("nested", () => {
  it.each([
    [
      "single relation, equals on the target",
      {
        nested: {
          scope: prop("site"),
          filter: { equals: { property: siteProp("region"), value: "north" } },
        },
      },
      ["pump", "tank"],
    ],
    [
      "single relation, in on the target",
      {
        nested: {
          scope: prop("site"),
          filter: {
            in: { property: siteProp("region"), values: ["south", "west"] },
          },
        },
      },
      ["fan", "valve"],
    ],
    [
      "list relation: any target matches",
      {
        nested: {
          scope: prop("sites"),
          filter: { equals: { property: siteProp("region"), value: "south" } },
        },
      },
      ["fan", "valve"],
    ],
    [
      "list relation, base property of the target",
      {
        nested: {
          scope: prop("sites"),
          filter: {
            equals: { property: ["node", "externalId"], value: "bergen" },
          },
        },
      },
      ["fan", "pump"],
    ],
    [
      "target without Site data",
      {
        nested: {
          scope: prop("site"),
          filter: { not: { exists: { property: siteProp("region") } } },
        },
      },
      ["pipe"],
    ],
    [
      "container scope, prefix on the target",
      {
        nested: {
          scope: [MODEL, "AssetC", "siteRef"],
          filter: { prefix: { property: siteProp("name"), value: "Ber" } },
        },
      },
      ["valve"],
    ],
    [
      "no match",
      {
        nested: {
          scope: prop("site"),
          filter: { equals: { property: siteProp("region"), value: "east" } },
        },
      },
      [],
    ],
  ])("%s", async (_name, filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });
});

describe("exists, not, and, or", () => {
  it.each([
    [
      "exists end (null end is not set)",
      { exists: { property: prop("end") } },
      ["fan", "pump", "tank"],
    ],
    [
      "exists start",
      { exists: { property: prop("start") } },
      ["fan", "pump", "valve"],
    ],
    [
      "exists list relation",
      { exists: { property: prop("sites") } },
      ["fan", "pump", "valve"],
    ],
    [
      "exists list text",
      { exists: { property: prop("tags") } },
      ["pipe", "pump", "tank", "valve"],
    ],
    [
      "not exists, within the view",
      { and: [isAsset, { not: { exists: { property: prop("end") } } }] },
      ["pipe", "valve"],
    ],
    [
      "and of containsAny and not containsAny",
      {
        and: [
          { containsAny: { property: prop("tags"), values: ["hot"] } },
          { not: { containsAny: { property: prop("codes"), values: [1] } } },
        ],
      },
      ["tank"],
    ],
    [
      "or of containsAll and nested",
      {
        or: [
          { containsAll: { property: prop("tags"), values: ["hot", "cold"] } },
          {
            nested: {
              scope: prop("site"),
              filter: {
                equals: { property: siteProp("region"), value: "south" },
              },
            },
          },
        ],
      },
      ["fan", "tank"],
    ],
    [
      "not of an or, within the view",
      {
        and: [
          isAsset,
          {
            not: {
              or: [
                { containsAny: { property: prop("tags"), values: ["wet"] } },
                { exists: { property: prop("end") } },
              ],
            },
          },
        ],
      },
      ["valve"],
    ],
    [
      "overlaps and not nested",
      {
        and: [
          {
            overlaps: {
              startProperty: prop("start"),
              endProperty: prop("end"),
              gte: "2024-01-01T00:00:00Z",
            },
          },
          {
            not: {
              nested: {
                scope: prop("site"),
                filter: {
                  equals: { property: siteProp("region"), value: "north" },
                },
              },
            },
          },
        ],
      },
      ["fan", "valve"],
    ],
  ])("%s", async (_name, filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });
});

describe("prefix on list properties (query)", () => {
  it.each([
    [
      "int list",
      { prefix: { property: prop("codes"), value: [1, 2] } },
      ["pump"],
    ],
    [
      "int list, not a prefix",
      { prefix: { property: prop("codes"), value: [2] } },
      ["pipe"],
    ],
    [
      "text list",
      { prefix: { property: prop("tags"), value: ["hot"] } },
      ["pump", "tank"],
    ],
    [
      "text list, two items",
      { prefix: { property: prop("tags"), value: ["hot", "cold"] } },
      ["tank"],
    ],
  ])("%s", async (_name, filter, expected) => {
    const body = await api.ok("/models/instances/query", {
      with: { found: { nodes: { filter }, limit: 100 } },
      select: { found: {} },
    });
    expect(sortedIds(body.items.found)).toEqual(expected);
  });
});

describe("parameters in query filters", () => {
  it.each([
    [
      "containsAny values",
      {
        containsAny: { property: prop("tags"), values: { parameter: "tags" } },
      },
      { tags: ["big", "wet"] },
      ["pipe", "pump", "tank"],
    ],
    [
      "containsAll values",
      {
        containsAll: {
          property: prop("codes"),
          values: { parameter: "codes" },
        },
      },
      { codes: [2, 3] },
      ["pump"],
    ],
    [
      "overlaps bounds",
      {
        overlaps: {
          startProperty: prop("start"),
          endProperty: prop("end"),
          gte: { parameter: "from" },
          lt: { parameter: "to" },
        },
      },
      { from: "2024-06-30T00:00:00Z", to: "2024-07-01T00:00:00Z" },
      ["fan", "valve"],
    ],
    [
      "equals on a direct relation",
      { equals: { property: prop("site"), value: { parameter: "site" } } },
      { site: geo("oslo") },
      ["pump", "tank"],
    ],
    [
      "in values",
      {
        in: { property: ["node", "externalId"], values: { parameter: "ids" } },
      },
      { ids: ["fan", "pipe", "nope"] },
      ["fan", "pipe"],
    ],
    [
      "prefix value",
      {
        and: [
          isAsset,
          {
            prefix: {
              property: ["node", "externalId"],
              value: { parameter: "p" },
            },
          },
        ],
      },
      { p: "p" },
      ["pipe", "pump"],
    ],
    [
      "parameters inside and/or/not",
      {
        or: [
          {
            containsAny: {
              property: prop("codes"),
              values: { parameter: "codes" },
            },
          },
          {
            and: [
              { hasData: [siteView] },
              {
                not: {
                  equals: {
                    property: siteProp("region"),
                    value: { parameter: "region" },
                  },
                },
              },
            ],
          },
        ],
      },
      { codes: [5], region: "north" },
      ["bergen", "lima", "rome", "tank"],
    ],
  ])("%s", async (_name, filter, parameters, expected) => {
    expect(await matching(filter, parameters)).toEqual(expected);
  });
});

describe("query: node sets chained through a direct relation", () => {
  const viewThrough = (identifier: string) => ({
    source: assetView,
    identifier,
  });
  const refs = (...externalIds: string[]) => ({
    instanceReferences: externalIds.map((x) =>
      x === "ghost" || SITES.some(([s]) => s === x)
        ? geo(x)
        : { space: "plant", externalId: x },
    ),
  });

  async function chain(
    start: unknown,
    through: unknown,
    direction: "outwards" | "inwards" | undefined,
    extra: Record<string, unknown> = {},
  ): Promise<string[]> {
    const body = await api.ok("/models/instances/query", {
      with: {
        start: { nodes: { filter: start }, limit: 100 },
        next: {
          nodes: {
            from: "start",
            through,
            ...(direction ? { direction } : {}),
            ...extra,
          },
          limit: 100,
        },
      },
      select: { next: {} },
    });
    return sortedIds(body.items.next);
  }

  it.each([
    ["single relation", refs("pump", "valve"), "site", ["bergen", "oslo"]],
    [
      "single relation, shared target once",
      refs("pump", "tank"),
      "site",
      ["oslo"],
    ],
    [
      "single relation, to a node without view data",
      refs("pipe", "fan"),
      "site",
      ["ghost", "rome"],
    ],
    ["list relation", refs("pump", "fan"), "sites", ["bergen", "oslo", "rome"]],
    [
      "list relation, unset on the start nodes",
      refs("tank", "pipe"),
      "sites",
      [],
    ],
    [
      "every asset, single relation",
      isAsset,
      "site",
      ["bergen", "ghost", "oslo", "rome"],
    ],
    [
      "every asset, list relation",
      isAsset,
      "sites",
      ["bergen", "oslo", "rome"],
    ],
  ])("outwards: %s", async (_name, start, identifier, expected) => {
    expect(await chain(start, viewThrough(identifier), "outwards")).toEqual(
      expected,
    );
  });

  it.each([
    ["single relation", refs("oslo"), "site", ["pump", "tank"]],
    [
      "single relation, several targets",
      refs("bergen", "rome"),
      "site",
      ["fan", "valve"],
    ],
    ["single relation, nothing points here", refs("lima"), "site", []],
    ["to the auto-created node", refs("ghost"), "site", ["pipe"]],
    ["list relation", refs("bergen"), "sites", ["fan", "pump"]],
    ["list relation, other target", refs("rome"), "sites", ["fan", "valve"]],
    [
      "list relation, by region",
      { equals: { property: siteProp("region"), value: "south" } },
      "sites",
      ["fan", "valve"],
    ],
    ["list relation, nothing points here", refs("lima"), "sites", []],
  ])("inwards: %s", async (_name, start, identifier, expected) => {
    expect(await chain(start, viewThrough(identifier), "inwards")).toEqual(
      expected,
    );
  });

  it("the chained set's filter applies to the nodes reached", async () => {
    expect(
      await chain(isAsset, viewThrough("site"), "outwards", {
        filter: { hasData: [siteView] },
      }),
    ).toEqual(["bergen", "oslo", "rome"]);
    expect(
      await chain(refs("rome", "lima"), viewThrough("sites"), "inwards", {
        filter: { containsAny: { property: prop("tags"), values: ["cold"] } },
      }),
    ).toEqual(["valve"]);
  });

  it("a container property, and the deprecated {view, identifier} form", async () => {
    expect(
      await chain(
        refs("pump", "valve"),
        { source: assetContainer, identifier: "siteRef" },
        "outwards",
      ),
    ).toEqual(["bergen", "oslo"]);
    expect(
      await chain(
        refs("bergen"),
        { source: assetContainer, identifier: "siteRefs" },
        "inwards",
      ),
    ).toEqual(["fan", "pump"]);
    expect(
      await chain(
        refs("oslo"),
        { view: assetView, identifier: "site" },
        "inwards",
      ),
    ).toEqual(["pump", "tank"]);
  });

  it("direction defaults to inwards (the spec's default)", async () => {
    expect(await chain(refs("oslo"), viewThrough("site"), undefined)).toEqual([
      "pump",
      "tank",
    ]);
  });

  it("out and back in: assets sharing a site, with a parameter and the reached nodes' properties", async () => {
    const body = await api.ok("/models/instances/query", {
      with: {
        start: {
          nodes: {
            filter: {
              equals: {
                property: ["node", "externalId"],
                value: { parameter: "asset" },
              },
            },
          },
        },
        site: {
          nodes: {
            from: "start",
            through: viewThrough("site"),
            direction: "outwards",
          },
        },
        siblings: {
          nodes: {
            from: "site",
            through: viewThrough("site"),
            direction: "inwards",
          },
          sort: [{ property: ["node", "externalId"] }],
        },
        listed: {
          nodes: {
            from: "start",
            through: viewThrough("sites"),
            direction: "outwards",
          },
          sort: [{ property: siteProp("name"), direction: "descending" }],
        },
      },
      select: {
        site: {
          sources: [{ source: siteView, properties: ["name", "region"] }],
        },
        siblings: { sources: [{ source: assetView, properties: ["codes"] }] },
        listed: { sources: [{ source: siteView, properties: ["name"] }] },
      },
      parameters: { asset: "pump" },
    });
    expect(
      body.items.site.map((n: any) => [n.externalId, n.properties]),
    ).toEqual([
      ["oslo", { [MODEL]: { "Site/v1": { name: "Oslo", region: "north" } } }],
    ]);
    expect(
      body.items.siblings.map((n: any) => [
        n.externalId,
        n.properties[MODEL]["Asset/v1"].codes,
      ]),
    ).toEqual([
      ["pump", [1, 2, 3]],
      ["tank", [5]],
    ]);
    expect(
      body.items.listed.map((n: any) => n.properties[MODEL]["Site/v1"].name),
    ).toEqual(["Oslo", "Bergen"]);
  });

  it("through a property that is not a direct relation is a 400", async () => {
    const result = await api.post("/models/instances/query", {
      with: {
        start: { nodes: { filter: isAsset } },
        next: {
          nodes: {
            from: "start",
            through: viewThrough("tags"),
            direction: "outwards",
          },
        },
      },
      select: { next: {} },
    });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain(
      "tags is not a direct relation",
    );
  });
});

describe("sync: node sets chained through a direct relation", () => {
  let syncEmulator: RunningEmulator;
  let syncApi: Client;
  beforeAll(async () => {
    syncEmulator = await startEmulator({
      spaces: TEST_SPACES,
      views: views(),
      host: "127.0.0.1",
      port: 0,
    });
    syncApi = client(syncEmulator);
    await syncApi.ok("/models/instances", { items: items() });
  });
  afterAll(async () => {
    await syncEmulator.close();
  });

  const outwards = {
    with: {
      cold: {
        nodes: {
          filter: {
            containsAny: {
              property: prop("tags"),
              values: { parameter: "tag" },
            },
          },
        },
      },
      sites: {
        nodes: {
          from: "cold",
          through: { source: assetView, identifier: "site" },
          direction: "outwards",
        },
      },
    },
    select: {
      cold: {},
      sites: { sources: [{ source: siteView, properties: ["name"] }] },
    },
    parameters: { tag: "cold" },
  };
  const inwards = {
    with: {
      south: {
        nodes: {
          filter: { equals: { property: siteProp("region"), value: "south" } },
        },
      },
      assets: {
        nodes: {
          from: "south",
          through: { source: assetView, identifier: "sites" },
          direction: "inwards",
        },
      },
    },
    select: { assets: {} },
  };

  it("outwards and inwards: the first call, then nothing new, then only changes of current members", async () => {
    const first = await syncApi.ok("/models/instances/sync", outwards);
    expect(sortedIds(first.items.cold)).toEqual(["tank", "valve"]);
    expect(sortedIds(first.items.sites)).toEqual(["bergen", "oslo"]);
    expect(
      first.items.sites.find((s: any) => s.externalId === "bergen").properties,
    ).toEqual({ [MODEL]: { "Site/v1": { name: "Bergen" } } });
    const firstIn = await syncApi.ok("/models/instances/sync", inwards);
    expect(sortedIds(firstIn.items.assets)).toEqual(["fan", "valve"]);

    const nothing = await syncApi.ok("/models/instances/sync", {
      ...outwards,
      cursors: first.nextCursor,
    });
    expect(nothing.items.sites).toEqual([]);
    expect(nothing.items.cold).toEqual([]);

    // valve now points at rome instead of bergen; then both sites change: only rome is still reached.
    await syncApi.ok("/models/instances", {
      items: [node("plant", "valve", assetView, { site: geo("rome") })],
    });
    await syncApi.ok("/models/instances", {
      items: [
        node("geo", "rome", siteView, { name: "Roma" }),
        node("geo", "bergen", siteView, { name: "Bergen!" }),
      ],
    });
    const changed = await syncApi.ok("/models/instances/sync", {
      ...outwards,
      cursors: nothing.nextCursor,
    });
    expect(sortedIds(changed.items.cold)).toEqual(["valve"]);
    expect(
      changed.items.sites.map((s: any) => [
        s.externalId,
        s.properties[MODEL]["Site/v1"].name,
      ]),
    ).toEqual([["rome", "Roma"]]);

    // Inwards: pump now lists rome too; valve changed (its single relation) and still lists rome;
    // the unchanged fan is not sent again.
    await syncApi.ok("/models/instances", {
      items: [
        node("plant", "pump", assetView, { sites: [geo("oslo"), geo("rome")] }),
      ],
    });
    const changedIn = await syncApi.ok("/models/instances/sync", {
      ...inwards,
      cursors: firstIn.nextCursor,
    });
    expect(sortedIds(changedIn.items.assets)).toEqual(["pump", "valve"]);

    // Deletes: a through set reports the tombstones its relation reaches, not every deleted node.
    const gone = (space: string, externalId: string) => ({
      instanceType: "node",
      space,
      externalId,
    });
    await syncApi.ok("/models/instances/delete", {
      items: [
        gone("plant", "pipe"),
        gone("plant", "fan"),
        gone("geo", "lima"),
        gone("geo", "bergen"),
        gone("geo", "oslo"),
      ],
    });
    const deleted = await syncApi.ok("/models/instances/sync", {
      ...outwards,
      cursors: changed.nextCursor,
    });
    expect(deleted.items.cold).toEqual([]);
    // tank still points at oslo; valve moved from bergen to rome.
    expect(
      deleted.items.sites.map((s: any) => [s.externalId, typeof s.deletedTime]),
    ).toEqual([["oslo", "number"]]);
    const deletedIn = await syncApi.ok("/models/instances/sync", {
      ...inwards,
      cursors: changedIn.nextCursor,
    });
    // fan listed rome (still south and live); pipe listed no sites.
    expect(
      deletedIn.items.assets.map((a: any) => [
        a.externalId,
        typeof a.deletedTime,
      ]),
    ).toEqual([["fan", "number"]]);
  });
});

// Typed reads of a client generated from the public CogniteCore views (in a scratch folder, never
// committed) plus a small view whose identifier `birth_year` becomes `birthYear`, against the
// emulator: assets by parent, by a nested condition on the parent, by tags; the renamed property.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  FIXTURES_DIR,
  generateFiles,
  scratchDir,
  writeFileMap,
} from "./support/generated.js";

const PERSON_VIEW = {
  space: "people",
  externalId: "Person",
  version: "v1",
  implements: [],
  writable: true,
  queryable: true,
  usedFor: "node",
  isGlobal: false,
  mappedContainers: [
    { type: "container", space: "people", externalId: "Person" },
  ],
  createdTime: 0,
  lastUpdatedTime: 0,
  filter: null,
  properties: {
    birth_year: {
      container: { type: "container", space: "people", externalId: "Person" },
      containerPropertyIdentifier: "birth_year",
      type: { type: "int32", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
    name: {
      container: { type: "container", space: "people", externalId: "Person" },
      containerPropertyIdentifier: "name",
      type: { type: "text", list: false, collation: "ucs_basic" },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
  },
};

let generated: any;
let client: any;
let emulator: RunningEmulator;
let cleanup: () => Promise<void>;

const SPACE = "plant";
const ref = (externalId: string) => ({ space: SPACE, externalId });

interface AssetRow {
  id: string;
  name: string;
  parent?: string;
  tags?: string[];
}

const ASSETS: AssetRow[] = [
  { id: "site", name: "Site", tags: ["root"] },
  { id: "area-1", name: "Area 1", parent: "site", tags: ["area", "north"] },
  { id: "area-2", name: "Area 2", parent: "site", tags: ["area"] },
  { id: "pump-1", name: "Pump 1", parent: "area-1", tags: ["pump"] },
  { id: "pump-2", name: "Pump 2", parent: "area-2", tags: ["pump", "north"] },
];

beforeAll(async () => {
  const scratch = await scratchDir("typed-reads-core");
  cleanup = scratch.cleanup;
  const personFile = join(scratch.dir, "person.json");
  await writeFile(personFile, JSON.stringify({ items: [PERSON_VIEW] }));
  const inputs = [join(FIXTURES_DIR, "CogniteCore.json"), personFile];
  await writeFileMap(join(scratch.dir, "out"), await generateFiles(inputs));
  generated = await import(join(scratch.dir, "out", "index.ts"));
  const input = await loadInputs(inputs);
  emulator = await startEmulator({
    views: input.views,
    project: "core",
    spaces: [SPACE],
  });
  client = generated.createClient({
    baseUrl: emulator.url,
    project: "core",
    credentials: { token: "any" },
  });
  await client.cogniteAsset.apply(
    ASSETS.map(
      ({ id, parent, ...rest }) =>
        new generated.CogniteAssetApply(SPACE, id, {
          ...rest,
          ...(parent ? { parent: ref(parent) } : {}),
        }),
    ),
  );
  await client.person.apply([
    new generated.PersonApply("people", "ann", {
      name: "Ann",
      birthYear: 1950,
    }),
    new generated.PersonApply("people", "bob", {
      name: "Bob",
      birthYear: 1990,
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await emulator?.close();
  await cleanup?.();
});

async function assetIds(where: object): Promise<string[]> {
  const assets = await client.cogniteAsset.list({ where }).toArray();
  return assets.map((a: { externalId: string }) => a.externalId).sort();
}

function expected(predicate: (row: AssetRow) => boolean): string[] {
  return ASSETS.filter(predicate)
    .map((a) => a.id)
    .sort();
}

describe("CogniteCore typed reads", () => {
  it("filters assets by parent", async () => {
    expect(await assetIds({ parent: ref("site") })).toEqual(
      expected((a) => a.parent === "site"),
    );
  });

  it("filters assets by a nested condition on the parent", async () => {
    const byName = new Map(ASSETS.map((a) => [a.id, a]));
    expect(
      await assetIds({
        parent: { nested: { tags: { containsAny: ["north"] } } },
      }),
    ).toEqual(
      expected(
        (a) =>
          a.parent !== undefined &&
          byName.get(a.parent)?.tags?.includes("north") === true,
      ),
    );
  });

  it("filters assets by tags", async () => {
    expect(
      await assetIds({ tags: { containsAll: ["area", "north"] } }),
    ).toEqual(
      expected((a) => ["area", "north"].every((t) => a.tags?.includes(t))),
    );
    expect(await assetIds({ tags: { containsAny: ["pump", "root"] } })).toEqual(
      expected(
        (a) => a.tags?.some((t) => t === "pump" || t === "root") === true,
      ),
    );
  });

  it("selects, sorts by name descending, and reads the parent reference", async () => {
    const assets = await client.cogniteAsset
      .list({
        where: { parent: { exists: true } },
        sort: { property: "name", direction: "descending" },
        select: ["name", "parent"],
      })
      .toArray();
    expect(
      assets.map((a: any) => [a.name, a.parent?.externalId, "tags" in a]),
    ).toEqual(
      ASSETS.filter((a) => a.parent)
        .sort((a, b) => (a.name < b.name ? 1 : -1))
        .map((a) => [a.name, a.parent, false]),
    );
  });

  it("filters and sorts by birthYear, sent as the identifier birth_year", async () => {
    expect(generated.Person.properties.birthYear.identifier).toBe("birth_year");
    const people = await client.person
      .list({ where: { birthYear: { lt: 1970 } } })
      .toArray();
    expect(people.map((p: any) => [p.name, p.birthYear])).toEqual([
      ["Ann", 1950],
    ]);
    const sorted = await client.person
      .list({ sort: { property: "birthYear", direction: "descending" } })
      .toArray();
    expect(sorted.map((p: any) => p.name)).toEqual(["Bob", "Ann"]);
  });
});

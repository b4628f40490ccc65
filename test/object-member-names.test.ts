// Property identifiers that `Object.prototype` also has (`constructor`, `toString`, `valueOf`, ...)
// are valid in DMS. Indexing parsed JSON with one finds the prototype's function when the property
// is unset; read objects then held `[Function: Object]` where their type says `string | null`, and
// the emulator took an unset `constructor` for a set one (`exists`, immutability). Each read goes
// through own values now: the runtime's read plan, the emulator.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS } from "../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { buildFiles, readRuntimeSources } from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import { REPO_ROOT, writeFileMap } from "./support/generated.js";

const CONTAINER = { type: "container", space: "odd", externalId: "Oddity" };

function property(identifier: string, type: object, immutable = false) {
  return {
    container: CONTAINER,
    containerPropertyIdentifier: identifier,
    type,
    nullable: true,
    immutable,
    autoIncrement: false,
  };
}

const TEXT = { type: "text", list: false };
const VIEW = {
  space: "odd",
  externalId: "Oddity",
  version: "v1",
  usedFor: "node",
  implements: [],
  writable: true,
  queryable: true,
  mappedContainers: [CONTAINER],
  properties: {
    name: property("name", TEXT),
    constructor: property("constructor", TEXT, true),
    toString: property("toString", TEXT),
    valueOf: property("valueOf", { type: "timestamp", list: false }),
    hasOwnProperty: property("hasOwnProperty", { type: "int64", list: false }),
    isPrototypeOf: property("isPrototypeOf", { type: "boolean", list: false }),
    propertyIsEnumerable: property("propertyIsEnumerable", {
      type: "text",
      list: true,
    }),
    toLocaleString: property("toLocaleString", TEXT),
  },
};

/** The TypeScript names the generator gives the identifiers (members every object has). */
const ODD_FIELDS = [
  "constructorProperty",
  "toStringProperty",
  "valueOfProperty",
  "hasOwnPropertyProperty",
  "isPrototypeOfProperty",
  "propertyIsEnumerableProperty",
  "toLocaleStringProperty",
];

type Read = Record<string, unknown> & { externalId: string };
type ReadClass = new (instance: unknown) => Read;
interface OddityModule {
  Oddity: ReadClass;
  OddityApply: new (
    space: string,
    externalId: string,
    properties: Record<string, unknown>,
  ) => object;
  createClient(options: object): {
    oddity: {
      apply(items: object[]): Promise<unknown>;
      retrieve(ids: object[]): Promise<Read[]>;
      list(options: object): { toArray(): Promise<Read[]> };
      sync(): AsyncIterable<{ upserts: Read[] }>;
    };
    dms: { retrieve(ids: object[], sources: object[]): Promise<unknown[]> };
    close(): Promise<void>;
  };
}

const OUT = join(REPO_ROOT, ".tmp", "test-object-member-names");
let files: ReadonlyMap<string, string>;
let module: OddityModule;
let emulator: RunningEmulator;
let client: ReturnType<OddityModule["createClient"]>;

beforeAll(async () => {
  const input = mergeDocuments([
    parseInputDocument({ items: [VIEW] }, "views.json"),
  ]);
  files = buildFiles(input, await readRuntimeSources(), DEFAULT_CODE_OPTIONS);
  await rm(OUT, { recursive: true, force: true });
  // Run from its sources (vite transpiles them).
  await writeFileMap(OUT, files);
  module = (await import(join(OUT, "index.ts"))) as OddityModule;
  emulator = await startEmulator({ views: [VIEW], spaces: ["i"] });
  client = module.createClient({
    baseUrl: emulator.url,
    project: emulator.project,
    credentials: { token: "t" },
  });
  await client.oddity.apply([
    new module.OddityApply("i", "full", {
      name: "full",
      constructorProperty: "made",
      toStringProperty: "text",
      valueOfProperty: new Date("2024-05-06T07:08:09.010Z"),
      hasOwnPropertyProperty: 42,
      isPrototypeOfProperty: false,
      propertyIsEnumerableProperty: ["a", "b"],
      toLocaleStringProperty: "local",
    }),
    new module.OddityApply("i", "bare", { name: "bare" }),
  ]);
});

afterAll(async () => {
  await client.close();
  await emulator.close();
  await rm(OUT, { recursive: true, force: true });
});

const FULL_VALUES = {
  constructorProperty: "made",
  toStringProperty: "text",
  valueOfProperty: new Date("2024-05-06T07:08:09.010Z"),
  hasOwnPropertyProperty: 42,
  isPrototypeOfProperty: false,
  propertyIsEnumerableProperty: ["a", "b"],
  toLocaleStringProperty: "local",
};
const UNSET = Object.fromEntries(ODD_FIELDS.map((name) => [name, null]));

describe("identifiers that Object.prototype also has", () => {
  it("read as null when unset, and as written when set", async () => {
    const [full, bare] = await client.oddity.retrieve([
      { space: "i", externalId: "full" },
      { space: "i", externalId: "bare" },
    ]);
    expect(full).toMatchObject(FULL_VALUES);
    expect(bare).toMatchObject(UNSET);
  });

  it("read the same through the generic fill (a class without its own readValues)", async () => {
    // A subclass has no own `readValues`: the runtime fills it with its generic loop.
    class Generic extends module.Oddity {}
    const raw = await client.dms.retrieve(
      [
        { instanceType: "node", space: "i", externalId: "full" },
        { instanceType: "node", space: "i", externalId: "bare" },
      ],
      [{ type: "view", space: "odd", externalId: "Oddity", version: "v1" }],
    );
    const [full, bare] = raw.map((instance) => new Generic(instance));
    expect(full).toMatchObject(FULL_VALUES);
    expect(bare).toMatchObject(UNSET);
  });

  it("are unset for the emulator's filters when unset, and an immutable one can be set once", async () => {
    const unset = await client.oddity
      .list({ where: { constructorProperty: { exists: false } } })
      .toArray();
    expect(unset.map((read) => read.externalId)).toEqual(["bare"]);
    const set = await client.oddity
      .list({ where: { toStringProperty: { exists: true } } })
      .toArray();
    expect(set.map((read) => read.externalId)).toEqual(["full"]);
    // `constructor` is immutable: the emulator took the unset value for a set one and refused.
    await client.oddity.apply([
      new module.OddityApply("i", "bare", { constructorProperty: "late" }),
    ]);
    const [bare] = await client.oddity.retrieve([
      { space: "i", externalId: "bare" },
    ]);
    expect(bare?.constructorProperty).toBe("late");
  });

  it("leave the generated module in prettier's layout, without a fill of its own", async () => {
    const module = files.get("views/Oddity.ts")!;
    expect(module).not.toContain("readValues");
    expect(await prettier.format(module, { parser: "typescript" })).toBe(
      module,
    );
  });
});

// Property-based round trips (issue 12 item 10): random values of every DMS type, written with
// the runtime's value conversion through `apply` into the emulator and read back, give back
// equal values. Unicode text, empty lists, nulls, timestamps at millisecond precision across the
// API's whole range, int64 near 2^53, json within the API's limits, float32 values. Then the
// bigint half: a model generated with `int64: "bigint"`, int64 values near ±2^63 and ±2^53 (lists,
// nulls) through the generated client, read back by retrieve, list, sync, query and aggregate
// groups.
import fc from "fast-check";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS } from "../../src/config/index.js";
import { buildFiles, readRuntimeSources } from "../../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../../src/input/index.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import type {
  MappedPropertyDefinition,
  PropertyType,
  ViewDefinition,
} from "../../src/input/types.js";
import { DmsClient } from "../../templates/runtime/read/dms-client.js";
import { stableStringify } from "../../templates/runtime/core/json.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import {
  readConverter,
  toWireValue,
  type DmsType,
  type PropertyDefinition,
} from "../../templates/runtime/model/values.js";

/** A read value in its TypeScript form, as a read class converts it; absent is `null`. */
function fromWireValue(
  value: unknown,
  definition: PropertyDefinition,
): unknown {
  const convert = readConverter(definition);
  if (value === null || value === undefined) return null;
  return convert ? convert(value) : value;
}
import type {
  NodeWrite,
  PropertyValue,
} from "../../templates/runtime/core/wire.js";
import { scratchDir } from "../support/generated.js";

const SPACE = "sp";
const container = {
  type: "container",
  space: SPACE,
  externalId: "All",
} as const;
const view = {
  type: "view",
  space: SPACE,
  externalId: "All",
  version: "v1",
} as const;

/** One property per DMS type, and lists of a few. */
const columns: Record<
  string,
  { type: DmsType; list?: boolean; values?: string[] }
> = {
  text: { type: "text" },
  flag: { type: "boolean" },
  small: { type: "int32" },
  big: { type: "int64" },
  single: { type: "float32" },
  double: { type: "float64" },
  at: { type: "timestamp" },
  day: { type: "date" },
  doc: { type: "json" },
  ref: { type: "direct" },
  kind: { type: "enum", values: ["alpha", "beta"] },
  texts: { type: "text", list: true },
  bigs: { type: "int64", list: true },
  doubles: { type: "float64", list: true },
  ats: { type: "timestamp", list: true },
  refs: { type: "direct", list: true },
};

function propertyType(column: (typeof columns)[string]): PropertyType {
  if (column.type === "enum")
    return {
      type: "enum",
      list: false,
      values: Object.fromEntries((column.values ?? []).map((v) => [v, {}])),
    };
  if (column.type === "direct")
    return { type: "direct", list: column.list ?? false };
  return {
    type: column.type as Exclude<DmsType, "enum" | "direct">,
    list: column.list ?? false,
  } as PropertyType;
}

const views: ViewDefinition[] = [
  {
    space: SPACE,
    externalId: "All",
    version: "v1",
    implements: [],
    writable: true,
    queryable: true,
    usedFor: "node",
    isGlobal: false,
    mappedContainers: [container],
    properties: Object.fromEntries(
      Object.entries(columns).map(([name, column]) => [
        name,
        {
          kind: "mapped",
          container,
          containerPropertyIdentifier: name,
          type: propertyType(column),
          nullable: true,
          immutable: false,
          autoIncrement: false,
        } satisfies MappedPropertyDefinition,
      ]),
    ),
  },
];

const definitions: Record<string, PropertyDefinition> = Object.fromEntries(
  Object.entries(columns).map(([name, column]) => [
    name,
    {
      identifier: name,
      type: column.type,
      ...(column.list ? { list: true } : {}),
      ...(column.values ? { values: column.values } : {}),
    },
  ]),
);

// ---- generators of valid values, per type

const text = fc
  .string({ unit: "grapheme", maxLength: 40 })
  .filter((s) => !s.includes("\u0000"));
const int64 = fc.oneof(
  fc.integer(),
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    2 ** 53 - 2,
    -(2 ** 53) + 2,
    0,
  ),
  fc.maxSafeInteger(),
);
const float64 = fc.double({ noNaN: true, noDefaultInfinity: true });
const float32 = fc.float({ noNaN: true, noDefaultInfinity: true });
const timestamp = fc.date({
  min: new Date("0001-01-01T00:00:00.000Z"),
  max: new Date("9999-12-31T23:59:59.999Z"),
  noInvalidDate: true,
});
const date = fc
  .date({
    min: new Date("0001-01-01T00:00:00.000Z"),
    max: new Date("9999-12-31T00:00:00.000Z"),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10));
const json = fc
  .dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), {
    maxKeys: 6,
  })
  .filter((value) => JSON.stringify(value).length < 8_000);
const reference = fc.record({
  space: fc.constant(SPACE),
  externalId: fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
    .filter((s) => !s.includes("\u0000")),
});

const nullable = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });
const list = <T>(value: fc.Arbitrary<T>) =>
  nullable(fc.array(value, { maxLength: 5 }));

const row = fc.record({
  text: nullable(text),
  flag: nullable(fc.boolean()),
  small: nullable(fc.integer()),
  big: nullable(int64),
  single: nullable(float32),
  double: nullable(float64),
  at: nullable(timestamp),
  day: nullable(date),
  doc: nullable(json),
  ref: nullable(reference),
  kind: nullable(fc.constantFrom("alpha", "beta")),
  texts: list(text),
  bigs: list(int64),
  doubles: list(float64),
  ats: list(timestamp),
  refs: list(reference),
});

/** Values as comparable text: Dates as epoch ms, json key order and -0 ignored. */
function comparable(value: unknown): string {
  return stableStringify(
    value instanceof Date
      ? value.getTime()
      : Array.isArray(value)
        ? value.map((item) => (item instanceof Date ? item.getTime() : item))
        : value,
  );
}

let emulator: RunningEmulator;
let client: DmsClient;
beforeAll(async () => {
  emulator = await startEmulator({ views, port: 0 });
  client = new DmsClient({
    baseUrl: emulator.url,
    project: emulator.project,
    credentials: { token: "t-abcdefgh" },
    transport: createUndiciTransport({ timeoutMs: 5000 }),
  });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("apply → emulator → read round trips", () => {
  it("gives back equal values of every DMS type", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(row, async (values) => {
        const externalId = `row-${run++}`;
        const properties: Record<string, PropertyValue> = {};
        for (const [name, value] of Object.entries(values))
          properties[name] = toWireValue(value, definitions[name]!, name);
        const write: NodeWrite = {
          instanceType: "node",
          space: SPACE,
          externalId,
          sources: [{ source: view, properties }],
        };
        await client.apply([write]);
        const [read] = await client.retrieve(
          [{ instanceType: "node", space: SPACE, externalId }],
          [view],
        );
        const stored = read?.properties?.[SPACE]?.["All/v1"] ?? {};
        for (const [name, value] of Object.entries(values)) {
          const back = fromWireValue(stored[name], definitions[name]!);
          expect(comparable(back), name).toBe(comparable(value));
        }
      }),
      { numRuns: 60, seed: 12 },
    );
  }, 60_000);
});

// ---- the bigint half: a model generated with `int64: "bigint"`, read back every way

/** A view property of the raw API document, mapped to a container property of the same name. */
function rawProperty(
  containerId: string,
  name: string,
  type: string,
  list: boolean,
) {
  return {
    container: { type: "container", space: SPACE, externalId: containerId },
    containerPropertyIdentifier: name,
    type: { type, list },
    nullable: true,
    immutable: false,
    autoIncrement: false,
  };
}

function rawView(externalId: string, columns: [string, string, boolean][]) {
  return {
    space: SPACE,
    externalId,
    version: "v1",
    implements: [],
    writable: true,
    queryable: true,
    usedFor: "node",
    isGlobal: false,
    createdTime: 0,
    lastUpdatedTime: 0,
    mappedContainers: [
      { type: "container", space: SPACE, externalId: externalId },
    ],
    properties: Object.fromEntries(
      columns.map(([name, type, list]) => [
        name,
        rawProperty(externalId, name, type, list),
      ]),
    ),
  };
}

/**
 * Counter has the int64 properties; Gauge has a float64 and a json property, `big` (the name of
 * Counter's int64) and `doc`, whose values must come back as numbers (JSON.parse's), not bigint.
 */
const BIGINT_VIEWS = {
  items: [
    rawView("Counter", [
      ["big", "int64", false],
      ["bigs", "int64", true],
      ["label", "text", false],
    ]),
    rawView("Gauge", [
      ["big", "float64", false],
      ["doc", "json", false],
    ]),
  ],
};

interface CounterRead {
  readonly externalId: string;
  readonly big: bigint | null;
  readonly bigs: bigint[] | null;
  readonly label: string | null;
}
interface GaugeRead {
  readonly externalId: string;
  readonly big: number | null;
  readonly doc: unknown;
}
interface Accessor<R> {
  retrieve(ids: { space: string; externalId: string }[]): Promise<R[]>;
  list(options: { where: object }): { toArray(): Promise<R[]> };
  sync(options: {
    where: object;
  }): AsyncIterable<{ upserts: R[]; caughtUp: boolean }>;
}
interface GraphBuilder {
  nodes(name: string, view: object, options: { where: object }): GraphBuilder;
}
/** The part of the generated module the test uses (it is imported at run time). */
interface BigintModule {
  Counter: object;
  Gauge: object;
  CounterApply: new (
    space: string,
    externalId: string,
    properties: object,
  ) => object;
  GaugeApply: new (
    space: string,
    externalId: string,
    properties: object,
  ) => object;
  createClient(options: {
    baseUrl: string;
    project: string;
    credentials: { token: string };
  }): {
    counter: Accessor<CounterRead> & {
      aggregate(
        aggregates: { count: true },
        options: { groupBy: string[]; where: object },
      ): Promise<{ count: number; group: Record<string, unknown> }[]>;
    };
    gauge: Accessor<GaugeRead>;
    dms: { apply(items: object[]): Promise<unknown> };
    graph(): GraphBuilder;
    query(graph: unknown): Promise<Record<string, unknown[]>>;
    close(): Promise<void>;
  };
}

/** Generates the model with `int64: "bigint"`, transpiles it into `dir` and imports it. */
async function generateBigintModule(dir: string): Promise<BigintModule> {
  const input = mergeDocuments([
    parseInputDocument(BIGINT_VIEWS, "views.json"),
  ]);
  const files = buildFiles(input, await readRuntimeSources(), {
    ...DEFAULT_CODE_OPTIONS,
    int64: "bigint",
  });
  await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
  for (const [path, source] of files) {
    const file = join(dir, path.replace(/\.ts$/, ".js"));
    await mkdir(dirname(file), { recursive: true });
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
      },
    });
    await writeFile(file, outputText);
  }
  return (await import(
    pathToFileURL(join(dir, "index.js")).href
  )) as BigintModule;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const near = (center: bigint, spread: bigint) =>
  fc.bigInt({
    min: center - spread < INT64_MIN ? INT64_MIN : center - spread,
    max: center + spread > INT64_MAX ? INT64_MAX : center + spread,
  });
/** Any int64, weighted towards ±2^63 and ±2^53 (where number would lose digits). */
const bigInt64 = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  near(INT64_MAX, 1000n),
  near(INT64_MIN, 1000n),
  near(2n ** 53n, 1000n),
  near(-(2n ** 53n), 1000n),
  fc.constantFrom(0n, 1n, -1n, INT64_MAX, INT64_MIN, 2n ** 53n + 1n),
);
/** Floats that print as long integers (and any other double). */
const bigDouble = fc.oneof(
  float64,
  fc.constantFrom(2 ** 63, -(2 ** 63), 2 ** 53 + 2, 1e19, -1e20),
);
const bigintRow = fc.record({
  counter: fc.record({
    big: nullable(bigInt64),
    bigs: nullable(fc.array(bigInt64, { maxLength: 5 })),
    label: nullable(text),
  }),
  gauge: fc.record({
    big: nullable(bigDouble),
    doc: nullable(
      fc.record({
        big: bigDouble,
        bigs: fc.array(bigDouble, { maxLength: 3 }),
        nested: fc.record({ big: bigDouble }),
      }),
    ),
  }),
});

describe('int64: "bigint" round trips (generated client)', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let module: BigintModule;
  let bigintEmulator: RunningEmulator;
  let typed: ReturnType<BigintModule["createClient"]>;
  beforeAll(async () => {
    scratch = await scratchDir("bigint-roundtrip");
    module = await generateBigintModule(scratch.dir);
    bigintEmulator = await startEmulator({
      views: mergeDocuments([parseInputDocument(BIGINT_VIEWS, "views.json")])
        .views,
      port: 0,
      spaces: [SPACE],
    });
    typed = module.createClient({
      baseUrl: bigintEmulator.url,
      project: bigintEmulator.project,
      credentials: { token: "t-abcdefgh" },
    });
  }, 60_000);
  afterAll(async () => {
    await typed.close();
    await bigintEmulator.close();
    await scratch.cleanup();
  });

  it("gives back int64 values near ±2^63 and 2^53 as bigint from retrieve, list, sync, query and aggregate groups", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(bigintRow, { minLength: 1, maxLength: 6 }),
        async (rows) => {
          const prefix = `b${run++}-`;
          const ids = rows.map((_, i) => ({
            space: SPACE,
            externalId: `${prefix}${i}`,
          }));
          await typed.dms.apply(
            rows.flatMap((row, i) => [
              new module.CounterApply(SPACE, ids[i]!.externalId, row.counter),
              new module.GaugeApply(SPACE, ids[i]!.externalId, row.gauge),
            ]),
          );
          // Expected values, computed without the parser under test: int64 as given, every
          // other number as JSON.parse reads what JSON.stringify wrote.
          const counters = rows.map((row, i) => ({
            externalId: ids[i]!.externalId,
            ...row.counter,
          }));
          const gauges = rows.map((row, i) => ({
            externalId: ids[i]!.externalId,
            ...(JSON.parse(JSON.stringify(row.gauge)) as object),
          }));
          const where = { externalId: { prefix } };
          const pick = <R extends { externalId: string }>(
            items: readonly R[],
            keys: readonly string[],
          ) =>
            [...items]
              .sort((a, b) => (a.externalId < b.externalId ? -1 : 1))
              .map((item) =>
                Object.fromEntries(
                  keys.map((key) => [key, item[key as keyof R]]),
                ),
              );
          const counterKeys = ["externalId", "big", "bigs", "label"];
          const gaugeKeys = ["externalId", "big", "doc"];
          const wantCounters = pick(counters, counterKeys);
          const wantGauges = pick(gauges, gaugeKeys);

          const retrieved = await typed.counter.retrieve(ids);
          expect(pick(retrieved, counterKeys), "retrieve").toEqual(
            wantCounters,
          );
          expect(
            pick(await typed.gauge.retrieve(ids), gaugeKeys),
            "retrieve gauge",
          ).toEqual(wantGauges);
          const listed = await typed.counter.list({ where }).toArray();
          expect(pick(listed, counterKeys), "list").toEqual(wantCounters);
          const synced: CounterRead[] = [];
          for await (const page of typed.counter.sync({ where })) {
            synced.push(...page.upserts);
            if (page.caughtUp) break;
          }
          expect(pick(synced, counterKeys), "sync").toEqual(wantCounters);
          const queried = await typed.query(
            typed
              .graph()
              .nodes("counters", module.Counter, { where })
              .nodes("gauges", module.Gauge, { where }),
          );
          expect(
            pick(queried.counters as CounterRead[], counterKeys),
            "query",
          ).toEqual(wantCounters);
          expect(
            pick(queried.gauges as GaugeRead[], gaugeKeys),
            "query gauge",
          ).toEqual(wantGauges);
          // groupBy an int64: exact bigint group values, counted per value.
          const wantGroups = new Map<bigint, number>();
          for (const { big } of counters)
            if (big !== null)
              wantGroups.set(big, (wantGroups.get(big) ?? 0) + 1);
          const groups = await typed.counter.aggregate(
            { count: true },
            { groupBy: ["big"], where },
          );
          expect(
            new Map(
              groups
                .filter((g) => g.group.big !== null)
                .map((g) => [g.group.big, g.count]),
            ),
            "aggregate groupBy",
          ).toEqual(wantGroups);
        },
      ),
      { numRuns: 25, seed: 63 },
    );
  }, 120_000);
});

// Property-based round trips (issue 12 item 10): random values of every DMS type, written with
// the runtime's value conversion through `apply` into the emulator and read back, give back
// equal values. Unicode text, empty lists, nulls, timestamps at millisecond precision across the
// API's whole range, int64 near 2^53, json within the API's limits, float32 values.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import type {
  MappedPropertyDefinition,
  PropertyType,
  ViewDefinition,
} from "../../src/input/types.js";
import { DmsClient } from "../../templates/runtime/dms-client.js";
import { stableStringify } from "../../templates/runtime/sync.js";
import { createUndiciTransport } from "../../templates/runtime/transport-undici.js";
import {
  fromWireValue,
  toWireValue,
  type DmsType,
  type PropertyDefinition,
} from "../../templates/runtime/values.js";
import type { NodeWrite, PropertyValue } from "../../templates/runtime/wire.js";

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

  // The bigint half of item 10: int64 values near ±2^63 as `bigint`, once the typed-path
  // helper's `int64: "bigint"` option lands (issue "Generator correctness and scale").
  it.todo('gives back int64 values near ±2^63 as bigint with int64: "bigint"');
});

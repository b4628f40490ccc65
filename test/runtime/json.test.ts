// The exact int64 JSON parser: only the values at the place of an int64 property of the view they
// belong to become bigint; every other number is what JSON.parse gives (issue 12, item 10; the
// "Noticed, not fixed" of the last round: a float or json key named like an int64 property).
import { describe, expect, it } from "vitest";
import {
  parseExact,
  int64JsonParser,
  stringifyJson,
} from "../../templates/runtime/core/json.js";
import { int64Properties } from "../../templates/runtime/client/int64.js";
import type { PropertyMap } from "../../templates/runtime/model/values.js";
import { aggregateResults } from "../../templates/runtime/features/aggregate.js";

const MAX = "9223372036854775807";
const MIN = "-9223372036854775808";
const ABOVE_2_53 = "9007199254740993";

const view = (externalId: string, space = "s") =>
  ({ type: "view", space, externalId, version: "v1" }) as const;

/** Counter/v1 has int64 `count` and int64 list `counts` read as bigint. */
const paths = int64Properties({
  s: { "Counter/v1": { count: {}, counts: {} } },
});
const parse = int64JsonParser(paths);

/** A node of `items` with the given properties of one view. */
function node(
  viewKey: string,
  properties: string,
  space = "s",
): { text: string; wrap: (values: object) => object } {
  return {
    text: `{"instanceType":"node","space":"${space}","externalId":"n","version":1,"createdTime":1700000000000,"properties":{"${space}":{"${viewKey}":${properties}}}}`,
    wrap: (values) => ({
      instanceType: "node",
      space,
      externalId: "n",
      version: 1,
      createdTime: 1700000000000,
      properties: { [space]: { [viewKey]: values } },
    }),
  };
}

function listResponse(item: ReturnType<typeof node>, values: object) {
  return {
    text: `{"items":[${item.text}],"nextCursor":null}`,
    want: { items: [item.wrap(values)], nextCursor: null },
  };
}

const cases: { name: string; text: string; want: unknown }[] = [
  {
    name: "an int64 beyond 2^53 at its view's property",
    ...listResponse(node("Counter/v1", `{"count":${MAX}}`), {
      count: BigInt(MAX),
    }),
  },
  {
    name: "int64 lists exact, safe members stay numbers",
    ...listResponse(
      node("Counter/v1", `{"counts":[${MAX},${MIN},1,${ABOVE_2_53}]}`),
      { counts: [BigInt(MAX), BigInt(MIN), 1, BigInt(ABOVE_2_53)] },
    ),
  },
  {
    name: "a float property with an int64 property's identifier in another view",
    ...listResponse(node("Gauge/v1", `{"count":${MAX}}`), {
      count: Number(MAX),
    }),
  },
  {
    name: "the int64 view's identifier in another space",
    ...listResponse(node("Counter/v1", `{"count":${MAX}}`, "other"), {
      count: Number(MAX),
    }),
  },
  {
    name: "another version of the int64 view",
    ...listResponse(node("Counter/v2", `{"count":${MAX}}`), {
      count: Number(MAX),
    }),
  },
  {
    name: "json keys named like an int64 property stay numbers, nested or not",
    ...listResponse(
      node(
        "Counter/v1",
        `{"count":${MIN},"doc":{"count":${MAX},"counts":[${MAX}],"deep":{"count":[[${MIN}]]}}}`,
      ),
      {
        count: BigInt(MIN),
        doc: {
          count: Number(MAX),
          counts: [Number(MAX)],
          deep: { count: [[Number(MIN)]] },
        },
      },
    ),
  },
  {
    name: "a float property of the int64 view stays a number",
    ...listResponse(
      node("Counter/v1", `{"ratio":12345678901234567890,"count":1}`),
      { ratio: Number("12345678901234567890"), count: 1 },
    ),
  },
  {
    name: "fractions and exponents with long digit runs stay as JSON.parse reads them",
    ...listResponse(
      node(
        "Counter/v1",
        `{"ratio":-0.0000010063018737340721,"counts":[1.12345678901234567,1e+1234567890123456],"count":${MAX}}`,
      ),
      {
        ratio: -0.0000010063018737340721,
        counts: [1.1234567890123457, Infinity],
        count: BigInt(MAX),
      },
    ),
  },
  {
    name: "digits and the parser's mark inside strings stay strings",
    ...listResponse(
      node(
        "Counter/v1",
        `{"doc":{"t":"\\"count\\":${MAX}","m":"\\u0000dmgen-int64:5"},"count":${MAX}}`,
      ),
      {
        doc: { t: `"count":${MAX}`, m: "\u0000dmgen-int64:5" },
        count: BigInt(MAX),
      },
    ),
  },
  {
    name: "query and sync result sets, nodes and edges",
    text: `{"items":{"a":[${node("Counter/v1", `{"count":${MAX}}`).text}],"b":[{"instanceType":"edge","space":"s","externalId":"e","properties":{"s":{"Counter/v1":{"counts":[${MIN}]},"Gauge/v1":{"count":${MAX}}}}}]},"nextCursor":{"a":"c"}}`,
    want: {
      items: {
        a: [node("Counter/v1", "").wrap({ count: BigInt(MAX) })],
        b: [
          {
            instanceType: "edge",
            space: "s",
            externalId: "e",
            properties: {
              s: {
                "Counter/v1": { counts: [BigInt(MIN)] },
                "Gauge/v1": { count: Number(MAX) },
              },
            },
          },
        ],
      },
      nextCursor: { a: "c" },
    },
  },
  {
    name: "aggregate group values stay exact (aggregateResults converts them per property), aggregate values are numbers",
    text: `{"items":[{"instanceType":"node","group":{"count":${MAX},"other":${MIN}},"aggregates":[{"aggregate":"max","property":"count","value":${MAX}}]}]}`,
    want: {
      items: [
        {
          instanceType: "node",
          group: { count: BigInt(MAX), other: BigInt(MIN) },
          aggregates: [
            { aggregate: "max", property: "count", value: Number(MAX) },
          ],
        },
      ],
    },
  },
  {
    // The set named "0" must not be taken for the index of a plain list.
    name: "query result sets named like list indexes",
    text: `{"items":{"0":[${node("Counter/v1", `{"count":${MAX}}`).text}]}}`,
    want: {
      items: { "0": [node("Counter/v1", "").wrap({ count: BigInt(MAX) })] },
    },
  },
  {
    name: "a json value holding a path that looks like an int64 property stays a number",
    ...listResponse(
      node(
        "Counter/v1",
        `{"doc":{"properties":{"s":{"Counter/v1":{"count":${MAX}}}}}}`,
      ),
      { doc: { properties: { s: { "Counter/v1": { count: Number(MAX) } } } } },
    ),
  },
  {
    name: "a group-shaped object that is not an aggregate item (no aggregates)",
    text: `{"items":[{"group":{"count":${MAX}}}]}`,
    want: { items: [{ group: { count: Number(MAX) } }] },
  },
  {
    name: "a key named like an int64 property outside items",
    text: `{"count":${MAX},"items":[]}`,
    want: { count: Number(MAX), items: [] },
  },
  {
    name: "no long integer: JSON.parse as is",
    ...listResponse(node("Counter/v1", `{"count":12,"ratio":0.1}`), {
      count: 12,
      ratio: 0.1,
    }),
  },
];

describe("int64JsonParser", () => {
  it.each(cases)("$name", ({ text, want }) => {
    expect(parse(text)).toEqual(want);
  });

  it("takes JSON.parse for every text when the model has no bigint int64", () => {
    const text = `{"items":[${node("Counter/v1", `{"count":${MAX}}`).text}]}`;
    expect(int64JsonParser(new Map())(text)).toEqual(JSON.parse(text));
  });

  it("throws on text that is not JSON, on either path", () => {
    expect(() => parse("{")).toThrow(SyntaxError);
    expect(() => parse(`{"count":${MAX}`)).toThrow(SyntaxError);
  });
});

describe("aggregateResults groups", () => {
  const info = {
    view: view("Counter"),
    properties: {
      count: { identifier: "count", type: "int64", as: "bigint" },
      ratio: { identifier: "ratio", type: "float64" },
      plain: { identifier: "plain", type: "int64" },
    } satisfies PropertyMap,
    connections: {},
  };
  it.each([
    { name: "count", given: BigInt(MAX), want: BigInt(MAX) },
    { name: "count", given: 12, want: 12n },
    { name: "count", given: null, want: null },
    { name: "ratio", given: BigInt(MAX), want: Number(MAX) },
    { name: "ratio", given: 0.5, want: 0.5 },
    { name: "plain", given: 12, want: 12 },
  ])("$name: $given → $want", ({ name, given, want }) => {
    const identifier =
      info.properties[name as keyof typeof info.properties].identifier;
    const [result] = aggregateResults(
      [{ group: { [identifier]: given }, aggregates: [] }],
      [name],
      info,
    );
    expect(result?.group).toEqual({ [name]: want });
  });
});

describe("parseExact with BigInt (the emulator's: every key)", () => {
  const exact = (text: string): unknown => parseExact(text, BigInt);
  it.each([
    {
      name: "any integer beyond 2^53, in objects and lists",
      text: `{"a":${MAX},"b":[${MIN},1],"c":{"d":${ABOVE_2_53}}}`,
      want: {
        a: BigInt(MAX),
        b: [BigInt(MIN), 1],
        c: { d: BigInt(ABOVE_2_53) },
      },
    },
    {
      name: "safe 16-digit integers stay numbers",
      text: `{"a":9007199254740991,"b":-9007199254740991}`,
      want: { a: 9007199254740991, b: -9007199254740991 },
    },
    {
      name: "a top-level long integer",
      text: MAX,
      want: BigInt(MAX),
    },
    {
      name: "fractions, exponents and strings untouched",
      text: `{"d":[-0.0000010063018737340721,1e+1234567890123456],"s":"${MAX}"}`,
      want: { d: [-0.0000010063018737340721, Infinity], s: MAX },
    },
  ])("$name", ({ text, want }) => {
    expect(exact(text)).toEqual(want);
  });
});

describe("stringifyJson", () => {
  it("writes bigint values as their exact digits, strings untouched", () => {
    expect(
      stringifyJson({ n: BigInt(MAX), l: [BigInt(MIN)], s: `${MAX}` }),
    ).toBe(`{"n":${MAX},"l":[${MIN}],"s":"${MAX}"}`);
  });
});

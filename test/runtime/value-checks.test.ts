// Value checks that match the API (issue 12 item 5): each bad value is a PropertyValueError that
// names the property, found before anything is sent; each good value near a limit passes.
import { describe, expect, it } from "vitest";
import {
  JSON_LIMITS,
  PropertyValueError,
  toWireValue,
  type PropertyDefinition,
} from "../../templates/runtime/model/values.js";

const float32: PropertyDefinition = { identifier: "f", type: "float32" };
const timestamp: PropertyDefinition = { identifier: "t", type: "timestamp" };
const json: PropertyDefinition = { identifier: "j", type: "json" };
const intList: PropertyDefinition = {
  identifier: "l",
  type: "int32",
  list: true,
};

function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

// A list with a hole at 1, as `[1, , 3]` writes it.
const sparse: number[] = [1];
sparse[2] = 3;

const cyclic: Record<string, unknown> = { name: "loop" };
cyclic.self = { back: cyclic };

const manyKeys = Object.fromEntries(
  Array.from({ length: 257 }, (_, i) => [`k${i}`, i]),
);
const justEnoughKeys = Object.fromEntries(
  Array.from({ length: 256 }, (_, i) => [`k${i}`, i]),
);

// Five values of 9,000 bytes: each under 10,240, together over 40,960.
const bigTotal = Object.fromEntries(
  Array.from({ length: 5 }, (_, i) => [`v${i}`, "x".repeat(9_000)]),
);

const rejected: [string, PropertyDefinition, unknown, RegExp][] = [
  ["float32 1e39", float32, 1e39, /out of range for float32/],
  ["float32 -3.5e38", float32, -3.5e38, /out of range for float32/],
  [
    "a Date before year 1",
    timestamp,
    new Date("0000-06-01T00:00:00Z"),
    /outside the API's timestamp range/,
  ],
  [
    "a Date after year 9999",
    timestamp,
    new Date("+010000-01-01T00:00:00Z"),
    /outside the API's timestamp range/,
  ],
  ["an invalid Date", timestamp, new Date(Number.NaN), /invalid Date/],
  [
    "February 30",
    timestamp,
    "2024-02-30T00:00:00Z",
    /2024-02-30 is not a calendar date/,
  ],
  [
    "February 29 of a non-leap year",
    timestamp,
    "2023-02-29T00:00:00Z",
    /not a calendar date/,
  ],
  ["hour 24", timestamp, "2024-01-01T24:00:00Z", /not a time of day/],
  ["year 0000", timestamp, "0000-12-31T00:00:00Z", /not a calendar date/],
  [
    "year 0001 pushed before the range by its zone",
    timestamp,
    "0001-01-01T00:00:00+01:00",
    /outside the API's range/,
  ],
  ["a list with a hole", intList, sparse, /l\[1\] is a hole/],
  ["a bare string json value", json, "hello", /must be a JSON object/],
  ["a list json value", json, [1, 2], /must be a JSON object/],
  ["a number json value", json, 42, /must be a JSON object/],
  ["257 json keys", json, manyKeys, /257 keys, more than the API's 256/],
  [
    "a 129-character json key",
    json,
    { ["k".repeat(129)]: 1 },
    /key of 129 characters/,
  ],
  [
    "a json value over 10,240 bytes",
    json,
    { big: "x".repeat(10_240) },
    /j\.big is 10242 bytes/,
  ],
  [
    "a json object over 40,960 bytes",
    json,
    bigTotal,
    /more than the API's 40960/,
  ],
  ["a cyclic json value", json, cyclic, /j\.self\.back refers back/],
  [
    "a 100,000-deep json value",
    json,
    deep(100_000),
    /nested deeper than 1000 levels/,
  ],
];

const accepted: [string, PropertyDefinition, unknown][] = [
  ["float32 at its maximum", float32, 3.4028234663852886e38],
  ["February 29 of a leap year", timestamp, "2024-02-29T23:59:59.999Z"],
  ["the first instant of the range", timestamp, "0001-01-01T00:00:00.000Z"],
  ["the last instant of the range", timestamp, "9999-12-31T23:59:59.999Z"],
  ["a ±HHMM zone", timestamp, "2024-05-01T12:00:00+0200"],
  ["a ±HH zone", timestamp, "2024-05-01T12:00:00-05"],
  ["a Date in range", timestamp, new Date("2024-05-01T12:00:00Z")],
  ["a dense list", intList, [1, 2, 3]],
  ["an empty list", intList, []],
  ["256 json keys", json, justEnoughKeys],
  ["a shared (not cyclic) json object", json, { a: { x: 1 }, b: { x: 1 } }],
  ["a json value 500 levels deep", json, deep(500)],
  ["a unicode json value", json, { ключ: "值 🎉" }],
];

describe("value checks that match the API", () => {
  it.each(rejected)("rejects %s", (_label, definition, value, message) => {
    let error: unknown;
    try {
      toWireValue(value, definition, definition.identifier);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PropertyValueError);
    expect((error as PropertyValueError).message).toMatch(message);
    expect((error as PropertyValueError).property).toMatch(
      new RegExp(`^${definition.identifier}`),
    );
  });

  it.each(accepted)("accepts %s", (_label, definition, value) => {
    expect(() =>
      toWireValue(value, definition, definition.identifier),
    ).not.toThrow();
  });

  it("the limits are the API's documented ones", () => {
    expect(JSON_LIMITS).toMatchObject({
      maxBytes: 40_960,
      maxKeys: 256,
      maxKeyLength: 128,
      maxValueBytes: 10_240,
    });
  });
});

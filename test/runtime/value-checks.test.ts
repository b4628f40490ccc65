// Value checks that match the API (issue 12 item 5): each bad value is a PropertyValueError that
// names the property, found before anything is sent; each good value near a limit passes.
import { describe, expect, it } from "vitest";
import {
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
  [
    "int32 below its minimum",
    { identifier: "i", type: "int32" },
    -(2 ** 31) - 1,
    /i must be an integer within -2147483648\.\.2147483647, got -2147483649/,
  ],
  [
    "a zone that moves 9999-12-31 past the range",
    timestamp,
    "9999-12-31T23:59:59.999-01:00",
    /got "9999-12-31T23:59:59\.999-01:00"/,
  ],
  [
    "a NaN deep in a json value",
    json,
    { a: { b: [Number.NaN] } },
    /j\.a must be JSON/,
  ],
  [
    "float32 1e39",
    float32,
    1e39,
    /f must be a finite number within ±3\.4028234663852886e\+38, got 1e\+39/,
  ],
  ["float32 -3.5e38", float32, -3.5e38, /got -3\.5e\+38/],
  [
    "a Date before year 1",
    timestamp,
    new Date("0000-06-01T00:00:00Z"),
    /within years 0001\.\.9999, got 0000-06-01T00:00:00\.000Z/,
  ],
  [
    "a Date after year 9999",
    timestamp,
    new Date("+010000-01-01T00:00:00Z"),
    /got \+010000-01-01T00:00:00\.000Z/,
  ],
  ["an invalid Date", timestamp, new Date(Number.NaN), /got Invalid Date/],
  [
    "February 30",
    timestamp,
    "2024-02-30T00:00:00Z",
    /t must be a Date or an ISO 8601 timestamp .*, got "2024-02-30T00:00:00Z"/,
  ],
  [
    "February 29 of a non-leap year",
    timestamp,
    "2023-02-29T00:00:00Z",
    /got "2023-02-29T00:00:00Z"/,
  ],
  ["hour 24", timestamp, "2024-01-01T24:00:00Z", /got "2024-01-01T24:00:00Z"/],
  [
    "year 0000",
    timestamp,
    "0000-12-31T00:00:00Z",
    /got "0000-12-31T00:00:00Z"/,
  ],
  [
    "year 0001 pushed before the range by its zone",
    timestamp,
    "0001-01-01T00:00:00+01:00",
    /got "0001-01-01T00:00:00\+01:00"/,
  ],
  [
    "a list with a hole",
    intList,
    sparse,
    /l\[1\] must be an integer .*, got undefined/,
  ],
  ["a bare string json value", json, "hello", /must be a JSON object/],
  ["a list json value", json, [1, 2], /must be a JSON object/],
  ["a number json value", json, 42, /must be a JSON object/],
  [
    "257 json keys",
    json,
    manyKeys,
    /j must be a JSON object of at most 256 keys/,
  ],
  [
    "a 129-character json key",
    json,
    { ["k".repeat(129)]: 1 },
    /keys of at most 128 characters, got "kkkk/,
  ],
  [
    "a json value over 10,240 bytes",
    json,
    { big: "x".repeat(10_240) },
    /j\.big must be JSON of at most 10240 bytes/,
  ],
  [
    "a json object over 40,960 bytes",
    json,
    bigTotal,
    /j must be at most 40960 bytes of JSON, got an object/,
  ],
  ["a cyclic json value", json, cyclic, /j\.self must be JSON .*no cycles/],
  ["a 100,000-deep json value", json, deep(100_000), /j\.a must be JSON/],
];

const accepted: [string, PropertyDefinition, unknown][] = [
  ["int32 at its minimum", { identifier: "i", type: "int32" }, -(2 ** 31)],
  ["a json value of exactly 10,240 bytes", json, { v: "x".repeat(10_238) }],
  ["a json key of 128 characters", json, { ["k".repeat(128)]: 1 }],
  [
    "a zone that moves 0001-01-01 later",
    timestamp,
    "0001-01-01T00:00:00-01:00",
  ],
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
});

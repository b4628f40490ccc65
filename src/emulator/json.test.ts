import { describe, expect, it } from "vitest";
import { readJson, writeJson } from "./json.js";

// A string with a long digit run sends a text down the exact reader (not JSON.parse alone).
const EXACT_PATH = "1234567890123456";

describe("emulator JSON", () => {
  it("reads integers beyond 2^53 as bigint, wherever they are, and everything else as JSON.parse", () => {
    const text =
      '{"a": [9007199254740993, -9007199254740993, 9007199254740991], "b": {"c": 12345678901234567890}, ' +
      '"f": -0.0000010063018737340721, "e": 1e+1234567890123456, "s": "12345678901234567890", "t": true, "n": null}';
    expect(readJson(text)).toEqual({
      a: [9007199254740993n, -9007199254740993n, 9007199254740991],
      b: { c: 12345678901234567890n },
      f: -0.0000010063018737340721,
      e: Infinity,
      s: "12345678901234567890",
      t: true,
      n: null,
    });
  });

  it("agrees with JSON.parse on documents without large integers, escapes and odd keys included", () => {
    const docs = [
      {
        pad: EXACT_PATH,
        empty: {},
        none: [],
        nested: [[[], {}], { x: [1, 2.5, -3e-7] }],
      },
      {
        pad: EXACT_PATH,
        text: 'quote " back \\ slash \\" \u00e9 \u2028 \n\t',
        'k"ey': "v",
      },
      [EXACT_PATH, false, null, 0, -0, 1e21, 123456789012345],
    ];
    for (const doc of docs) {
      const text = JSON.stringify(doc, null, 2);
      expect(readJson(text)).toEqual(JSON.parse(text));
    }
    const proto = readJson(
      `{"pad": "${EXACT_PATH}", "__proto__": {"x": 1}}`,
    ) as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["pad", "__proto__"]);
  });

  it("reads any depth and refuses invalid text", () => {
    const depth = 100_000;
    const deep = "[".repeat(depth) + "12345678901234567890" + "]".repeat(depth);
    let value = readJson(deep);
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    expect(value).toBe(12345678901234567890n);
    expect(() => readJson("[12345678901234567890,]")).toThrow(SyntaxError);
    expect(() => readJson("")).toThrow(SyntaxError);
  });

  it("writes bigint as its digits and drops what JSON.stringify drops", () => {
    const value = {
      big: 12345678901234567890n,
      list: [1n, undefined, () => 1, "x"],
      gone: undefined,
      date: new Date(0),
      nested: { a: [{ b: -9007199254740993n }] },
    };
    expect(writeJson(value)).toBe(
      '{"big":12345678901234567890,"list":[1,null,null,"x"],"date":"1970-01-01T00:00:00.000Z","nested":{"a":[{"b":-9007199254740993}]}}',
    );
    expect(readJson(writeJson(value))).toEqual({
      big: 12345678901234567890n,
      list: [1, null, null, "x"],
      date: "1970-01-01T00:00:00.000Z",
      nested: { a: [{ b: -9007199254740993n }] },
    });
    // Strings and keys that look like the writer's own bigint tags are written as they are.
    const lookalike = {
      "\u0000bigint:1": "\u0000bigint:2",
      list: ['x"\u0000bigint:3', 12345678901234567890n],
    };
    expect(writeJson(lookalike)).toBe(
      '{"\\u0000bigint:1":"\\u0000bigint:2","list":["x\\"\\u0000bigint:3",12345678901234567890]}',
    );
    expect(readJson(writeJson(lookalike))).toEqual(lookalike);
    expect(writeJson({ a: 1, b: "x" })).toBe(JSON.stringify({ a: 1, b: "x" }));
  });
});

// JSON text in and out for the runtime. Plain JSON.stringify / JSON.parse, with one addition for
// clients generated with `int64: "bigint"`: int64 values travel as exact integers. A bigint is
// written as its digits; a response is parsed so that integers beyond 2^53 under the keys of int64
// properties become bigint (every other number parses as JSON.parse would parse it).

import type { PropertyMap } from "./values.js";

/** A string no API value holds (texts cannot contain NUL); marks a bigint inside JSON text. */
const MARK = "\u0000dmgen-int64:";
const MARKED_IN_TEXT = /"\\u0000dmgen-int64:(-?\d+)"/g;

/** JSON.stringify, with bigint values written as their exact digits. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // JSON.stringify throws a TypeError on a bigint; only then is the slower path taken.
    if (!(error instanceof TypeError)) throw error;
  }
  const marked = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "bigint" ? `${MARK}${item}` : item,
  );
  return marked.replace(MARKED_IN_TEXT, "$1");
}

/**
 * Every string token, and after a key, a number or a list of numbers that may hold a long
 * integer (16 or more digits). Matching every string keeps the scan in step with the text, so a
 * digit run inside a string is never mistaken for a number.
 */
const TOKENS =
  /"((?:[^"\\]|\\.)*)"(?:(\s*:\s*)(-?\d{16,}|\[[-\d\s,.eE+]*\])(?=\s*[,}\]]))?/g;
// Not the digits of a fraction or an exponent (`-0.0000010063018737340721`, `1e+1234567890123456`).
const LONG_INTEGER = /(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;
// The fast-path test: a text whose only long digit runs are fractions (most float values print
// 16 or 17 digits) goes straight to JSON.parse.
const LONG_DIGITS = /(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/;

/**
 * A response parser that keeps int64 values exact: under a key in `keys`, an integer outside the
 * safe range (±2^53) becomes a bigint. Texts without a run of 16 digits take JSON.parse as is.
 */
export function int64JsonParser(
  keys: ReadonlySet<string>,
): (text: string) => unknown {
  if (keys.size === 0) return (text) => JSON.parse(text) as unknown;
  return exactJsonParser((key) => keys.has(key));
}

/**
 * A parser that turns integers outside the safe range into bigint under the keys `exact` accepts
 * (a key as written in the text); the emulator accepts every key.
 */
export function exactJsonParser(
  exact: (key: string) => boolean,
): (text: string) => unknown {
  return (text) => {
    if (!LONG_DIGITS.test(text)) return JSON.parse(text) as unknown;
    let marked = false;
    const rewritten = text.replace(
      TOKENS,
      (match, key: string, colon?: string, value?: string) => {
        if (value === undefined || colon === undefined || !exact(key))
          return match;
        const rewrittenValue = value.replace(LONG_INTEGER, (digits) => {
          const number = BigInt(digits);
          if (
            number >= BigInt(Number.MIN_SAFE_INTEGER) &&
            number <= BigInt(Number.MAX_SAFE_INTEGER)
          )
            return digits;
          marked = true;
          return `"\\u0000dmgen-int64:${digits}"`;
        });
        return `"${key}"${colon}${rewrittenValue}`;
      },
    );
    if (!marked) return JSON.parse(text) as unknown;
    return JSON.parse(rewritten, (_key, item: unknown) =>
      typeof item === "string" && item.startsWith(MARK)
        ? BigInt(item.slice(MARK.length))
        : item,
    ) as unknown;
  };
}

/** The identifiers of the int64 properties a model reads as bigint (from its read classes). */
export function bigintKeys(
  classes: readonly { readonly properties: PropertyMap }[],
): Set<string> {
  const keys = new Set<string>();
  for (const { properties } of classes) {
    for (const definition of Object.values(properties)) {
      if (definition.type === "int64" && definition.as === "bigint")
        keys.add(definition.identifier);
    }
  }
  return keys;
}

// JSON text in and out. Plain JSON.stringify / JSON.parse, plus, for clients generated with
// `int64: "bigint"`, int64 values as exact integers: a bigint is written as its digits, and an
// integer beyond 2^53 read where the view has an int64 property becomes a bigint.

import type { ViewReference } from "./wire.js";

/** A string no API value holds (texts cannot contain NUL); marks a bigint inside JSON text. */
const MARK = "\u0000dmgen-int64:";

/** JSON.stringify, with bigint values written as their exact digits. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // JSON.stringify throws a TypeError on a bigint; only then is the slower path taken.
    if (!(error instanceof TypeError)) throw error;
  }
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "bigint" ? `${MARK}${item}` : item,
  ).replace(/"\\u0000dmgen-int64:(-?\d+)"/g, "$1");
}

/** Integers of 16+ digits outside floats; strings too, so that the scan stays in step. */
const LONG_INTEGER = /(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/;
const STRING_OR_LONG_INTEGER = new RegExp(
  `"[^"\\\\]*(?:\\\\.[^"\\\\]*)*"|${LONG_INTEGER.source}`,
  "g",
);

/** Parses `text`, integers outside ±2^53 as strings after `mark` for `convert`. */
function parseMarked(
  text: string,
  convert: (parsed: unknown, mark: string, count: number) => unknown,
): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  let mark = MARK;
  for (let i = 0; text.includes(JSON.stringify(mark).slice(1, -1)); i++)
    mark = `\u0000dmgen-int64-${i}:`;
  const written = JSON.stringify(mark).slice(1, -1);
  let count = 0;
  const marked = text.replace(STRING_OR_LONG_INTEGER, (token) => {
    if (token.startsWith('"') || Number.isSafeInteger(Number(token)))
      return token;
    count += 1;
    return `"${written}${token}"`;
  });
  return count ? convert(JSON.parse(marked), mark, count) : JSON.parse(text);
}

/** Replaces every marked string in a parsed value, in place; returns the (possibly new) value. */
function unmark(
  value: unknown,
  mark: string,
  toValue: (digits: string) => unknown,
): unknown {
  if (typeof value === "string")
    return value.startsWith(mark) ? toValue(value.slice(mark.length)) : value;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record))
      record[key] = unmark(record[key], mark, toValue);
  }
  return value;
}

/** A parser that turns every integer outside the safe range into a bigint, wherever it is. */
export function exactJsonParser(): (text: string) => unknown {
  return (text) =>
    parseMarked(text, (parsed, mark) => unmark(parsed, mark, BigInt));
}

/** Identifiers of int64 properties read as bigint, by space, then by `externalId/version`. */
export type Int64Paths = ReadonlyMap<
  string,
  ReadonlyMap<string, ReadonlySet<string>>
>;

/** What `int64Paths` reads of model/values.ts's `PropertyDefinition` (core/ imports nothing above). */
interface NumericProperty {
  readonly identifier: string;
  readonly type: string;
  readonly list?: boolean;
  readonly as?: "bigint" | "string";
}

/** The int64 properties a model reads as bigint, per view (from its read classes). */
export function int64Paths(
  classes: Iterable<{
    readonly view: ViewReference;
    readonly properties: Readonly<Record<string, NumericProperty>>;
  }>,
): Int64Paths {
  const paths = new Map<string, Map<string, Set<string>>>();
  for (const { view, properties } of classes)
    for (const { identifier, type, as } of Object.values(properties)) {
      if (type !== "int64" || as !== "bigint") continue;
      const views = paths.get(view.space) ?? new Map<string, Set<string>>();
      paths.set(view.space, views);
      const key = `${view.externalId}/${view.version}`;
      views.set(key, (views.get(key) ?? new Set()).add(identifier));
    }
  return paths;
}

/**
 * A response parser that keeps int64 values exact: an integer outside ±2^53 at
 * `properties.<space>.<externalId/version>.<identifier>` of an instance in `items` (a list, or
 * the result sets of query and sync) where `paths` names an int64 property, and one in the
 * `group` of an aggregate item (`aggregateResults` converts it by its property), becomes a bigint.
 * Every other number is what JSON.parse gives.
 */
export function int64JsonParser(paths: Int64Paths): (text: string) => unknown {
  if (paths.size === 0) return (text) => JSON.parse(text) as unknown;
  return (text) =>
    parseMarked(text, (parsed, mark, count) => {
      let converted = 0;
      const toBigInt = (value: unknown): unknown => {
        if (typeof value !== "string" || !value.startsWith(mark)) return value;
        converted += 1;
        return BigInt(value.slice(mark.length));
      };
      const { items } = (parsed ?? {}) as { items?: unknown };
      const instances = Array.isArray(items)
        ? items
        : isRecord(items)
          ? Object.values(items).flatMap((set) =>
              Array.isArray(set) ? set : [],
            )
          : [];
      for (const item of instances) {
        if (!isRecord(item)) continue;
        if (isRecord(item.group) && "aggregates" in item)
          for (const key of Object.keys(item.group))
            item.group[key] = toBigInt(item.group[key]);
        if (!isRecord(item.properties)) continue;
        for (const [space, views] of Object.entries(item.properties)) {
          const int64Views = paths.get(space);
          if (!int64Views || !isRecord(views)) continue;
          for (const [view, values] of Object.entries(views)) {
            const identifiers = int64Views.get(view);
            if (!identifiers || !isRecord(values)) continue;
            for (const identifier of identifiers) {
              const value = values[identifier];
              if (Array.isArray(value))
                for (let i = 0; i < value.length; i++)
                  value[i] = toBigInt(value[i]);
              else if (Object.hasOwn(values, identifier))
                values[identifier] = toBigInt(value);
            }
          }
        }
      }
      // Long integers anywhere else (a float property, a json value) are numbers, as
      // JSON.parse says.
      return converted === count ? parsed : unmark(parsed, mark, Number);
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

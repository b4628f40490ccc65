// JSON text in and out for the runtime. Plain JSON.stringify / JSON.parse, with one addition for
// clients generated with `int64: "bigint"`: int64 values travel as exact integers. A bigint is
// written as its digits; a response is parsed so that integers beyond 2^53 at the place of an int64
// property of the view they belong to (`properties.<space>.<view/version>.<identifier>` of an
// instance) become bigint. Every other number parses as JSON.parse would parse it.

import type { ViewReference } from "./wire.js";

/** A string no API value holds (texts cannot contain NUL); marks a bigint inside JSON text. */
const MARK = "\u0000dmgen-int64:";
const MARKED_IN_TEXT = /"\\u0000dmgen-int64:(-?\d+)"/g;

/**
 * A body serialized ahead of sending: `HttpClient.postJson` sends its text as it is. The apply
 * engine serializes a request when it builds it, so that the writes need not be kept until sent.
 */
export class JsonText {
  constructor(readonly text: string) {}

  /** The value the text stands for (integers beyond 2^53 as bigint, as they were written). */
  parse(): unknown {
    return exactJsonParser()(this.text);
  }
}

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
 * A string token, or an integer of 16 or more digits that is not the fraction or exponent of a
 * float (`-0.0000010063018737340721`, `1e+1234567890123456`). Matching every string keeps the scan
 * in step with the text, so a digit run inside a string is never mistaken for a number.
 */
const STRING_OR_LONG_INTEGER =
  /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;
// The fast-path test: a text whose only long digit runs are fractions (most float values print
// 16 or 17 digits) goes straight to JSON.parse.
const LONG_DIGITS = /(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The JSON text with every integer outside ±2^53 (outside strings) as a marked string. */
interface MarkedText {
  readonly text: string;
  readonly mark: string;
  readonly count: number;
}

function markUnsafeIntegers(text: string): MarkedText {
  const mark = unusedMark(text);
  // The mark as it is written inside a JSON string (NUL is always escaped as \u0000).
  const written = JSON.stringify(mark).slice(1, -1);
  let count = 0;
  const marked = text.replace(STRING_OR_LONG_INTEGER, (token) => {
    if (token.startsWith('"')) return token;
    const number = BigInt(token);
    if (number >= MIN_SAFE && number <= MAX_SAFE) return token;
    count += 1;
    return `"${written}${token}"`;
  });
  return { text: marked, mark, count };
}

/** The mark, unless a string of the text holds it already (then a variant it does not hold). */
function unusedMark(text: string): string {
  let mark = MARK;
  for (let i = 0; text.includes(JSON.stringify(mark).slice(1, -1)); i++)
    mark = `\u0000dmgen-int64-${i}:`;
  return mark;
}

/** Replaces every marked string in a parsed value, in place; returns the (possibly new) value. */
function unmark(
  value: unknown,
  mark: string,
  toValue: (digits: string) => unknown,
): unknown {
  if (typeof value === "string")
    return value.startsWith(mark) ? toValue(value.slice(mark.length)) : value;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      value[i] = unmark(value[i], mark, toValue);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const next = unmark(item, mark, toValue);
      if (next !== item) record[key] = next;
    }
  }
  return value;
}

/**
 * Parses `text`, handing the integers outside the safe range (marked) to `convert` when there are
 * any. A text without a long digit run (most responses) takes JSON.parse as it is.
 */
function parseMarked(
  text: string,
  convert: (parsed: unknown, marked: MarkedText) => unknown,
): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text) as unknown;
  const marked = markUnsafeIntegers(text);
  if (marked.count === 0) return JSON.parse(text) as unknown;
  return convert(JSON.parse(marked.text), marked);
}

/**
 * A parser that turns every integer outside the safe range into a bigint, wherever it is (the
 * emulator's: it stores what it is sent exactly).
 */
export function exactJsonParser(): (text: string) => unknown {
  return (text) =>
    parseMarked(text, (parsed, { mark }) => unmark(parsed, mark, BigInt));
}

/** Identifiers of int64 properties read as bigint, by space, then by `externalId/version`. */
export type Int64Paths = ReadonlyMap<
  string,
  ReadonlyMap<string, ReadonlySet<string>>
>;

/**
 * What `int64Paths` reads of a property definition: model/values.ts's `PropertyDefinition` has
 * it, named structurally here because core/ imports nothing from the slices above it.
 */
interface NumericProperty {
  readonly identifier: string;
  readonly type: string;
  /** A list's elements are converted one by one. */
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
  for (const { view, properties } of classes) {
    for (const definition of Object.values(properties)) {
      if (definition.type !== "int64" || definition.as !== "bigint") continue;
      const views = paths.get(view.space) ?? new Map<string, Set<string>>();
      paths.set(view.space, views);
      const key = `${view.externalId}/${view.version}`;
      const identifiers = views.get(key) ?? new Set<string>();
      views.set(key, identifiers);
      identifiers.add(definition.identifier);
    }
  }
  return paths;
}

/**
 * A response parser that keeps int64 values exact: an integer outside the safe range (±2^53) at
 * `properties.<space>.<externalId/version>.<identifier>` of an instance in `items` (a list, or the
 * result sets of query and sync), where `paths` names an int64 property of that view, becomes a
 * bigint (also inside a list value), and so does one in the `group` of an aggregate item (see
 * `convertGroup`). Every other number, json values included, is what JSON.parse gives. Texts
 * without a long integer take JSON.parse as is.
 */
export function int64JsonParser(paths: Int64Paths): (text: string) => unknown {
  if (paths.size === 0) return (text) => JSON.parse(text) as unknown;
  return (text) =>
    parseMarked(text, (parsed, { mark, count }) => {
      const exact = { paths, mark, converted: 0 };
      for (const item of instancesOf(parsed)) {
        convertInstance(item, exact);
        convertGroup(item, exact);
      }
      // Long integers anywhere else (a float property, a json value) are numbers, as JSON.parse
      // says.
      return exact.converted === count ? parsed : unmark(parsed, mark, Number);
    });
}

/** The instances of a response: `items` as a list, or as result sets (query and sync). */
function* instancesOf(response: unknown): Iterable<unknown> {
  if (!isRecord(response)) return;
  const { items } = response;
  if (Array.isArray(items)) {
    yield* items;
  } else if (isRecord(items)) {
    for (const set of Object.values(items)) if (Array.isArray(set)) yield* set;
  }
}

interface ExactContext {
  readonly paths: Int64Paths;
  readonly mark: string;
  converted: number;
}

/** Converts the marked int64 values of one instance's properties to bigint, in place. */
function convertInstance(item: unknown, context: ExactContext): void {
  if (!isRecord(item) || !isRecord(item.properties)) return;
  for (const [space, views] of Object.entries(item.properties)) {
    const int64Views = context.paths.get(space);
    if (int64Views === undefined || !isRecord(views)) continue;
    for (const [view, values] of Object.entries(views)) {
      const identifiers = int64Views.get(view);
      if (identifiers === undefined || !isRecord(values)) continue;
      for (const identifier of identifiers) {
        if (Object.hasOwn(values, identifier))
          values[identifier] = toBigInts(values[identifier], context);
      }
    }
  }
}

/**
 * Keeps the `group` values of an `instances/aggregate` item exact: the response does not name the
 * view, so `aggregateResults` (which knows it) converts each by its property's definition.
 */
function convertGroup(item: unknown, context: ExactContext): void {
  if (!isRecord(item) || !isRecord(item.group) || !("aggregates" in item))
    return;
  const { group } = item;
  for (const key of Object.keys(group))
    group[key] = toBigInt(group[key], context);
}

/** An int64 value (or list of them): marked strings become bigint. */
function toBigInts(value: unknown, context: ExactContext): unknown {
  if (!Array.isArray(value)) return toBigInt(value, context);
  for (let i = 0; i < value.length; i++) value[i] = toBigInt(value[i], context);
  return value;
}

function toBigInt(value: unknown, context: ExactContext): unknown {
  if (typeof value !== "string" || !value.startsWith(context.mark))
    return value;
  context.converted += 1;
  return BigInt(value.slice(context.mark.length));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

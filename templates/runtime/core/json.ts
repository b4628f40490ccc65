// JSON in and out; with `int64: "bigint"`, int64 values as exact integers: a bigint is written as
// its digits, and an integer beyond 2^53 read where the view has an int64 property is a bigint.

/** A string no API value holds (texts cannot contain NUL); marks a bigint inside JSON text. */
const MARK = "\u0000dmgen-int64:";

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
const STRING_OR_LONG_INTEGER =
  /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/** Parses `text`; an integer outside ±2^53 becomes `toValue(digits, keys to it, their objects)`. */
export function parseExact(
  text: string,
  toValue: (
    digits: string,
    path: readonly string[],
    holders: readonly object[],
  ) => unknown,
): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  let mark = MARK;
  for (let i = 0; text.includes(JSON.stringify(mark).slice(1, -1)); i++)
    mark = `\u0000dmgen-int64-${i}:`;
  const written = JSON.stringify(mark).slice(1, -1);
  const path: string[] = [];
  const holders: object[] = [];
  // Each integer outside ±2^53 as a marked string, then replaced in the parsed value.
  const unmark = (value: unknown): unknown => {
    if (typeof value === "string")
      return value.startsWith(mark)
        ? toValue(value.slice(mark.length), path, holders)
        : value;
    if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      holders.push(record);
      for (const key of Object.keys(record)) {
        path.push(key);
        record[key] = unmark(record[key]);
        path.pop();
      }
      holders.pop();
    }
    return value;
  };
  return unmark(
    JSON.parse(
      text.replace(STRING_OR_LONG_INTEGER, (token) =>
        token.startsWith('"') || Number.isSafeInteger(Number(token))
          ? token
          : `"${written}${token}"`,
      ),
    ),
  );
}

export type Int64Paths = ReadonlyMap<
  string,
  ReadonlyMap<string, ReadonlySet<string>>
>;

/**
 * A response parser that keeps int64 values exact: an integer outside ±2^53 in `items` (a list,
 * or result sets) at `<instance>.properties.<space>.<externalId/version>.<identifier>[.<n>]` where
 * `paths` names an int64 property, or in an aggregate's `group`, is a bigint; others are numbers.
 */
export function int64JsonParser(paths: Int64Paths): (text: string) => unknown {
  if (paths.size === 0) return (text) => JSON.parse(text) as unknown;
  return (text) =>
    parseExact(text, (digits, path, holders) => {
      // items.<index> or items.<set>.<index>: the instance's keys follow.
      const at = Array.isArray(holders[1]) ? 2 : 3;
      const [field, space = "", view = "", id = "", ...rest] = path.slice(at);
      const exact =
        path[0] === "items" &&
        (field === "group"
          ? !view && "aggregates" in holders[at]!
          : field === "properties" &&
            rest.length <= 1 &&
            !!paths.get(space)?.get(view)?.has(id));
      return exact ? BigInt(digits) : Number(digits);
    });
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableStringify(record[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

// Checks one property value against its type (memo §2.5) and returns it in the stored form:
// timestamps normalised to `YYYY-MM-DDTHH:MM:SS.sss+00:00`, everything else as sent.

import type {
  InstanceId,
  JsonValue,
} from "../../../templates/runtime/core/wire.js";
import type { PropertyType } from "../../input/types.js";
import { badRequest } from "../http/api-error.js";
import { isRecord } from "../http/request-shape.js";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const MAX_TEXT_BYTES = 128_000;
const MAX_JSON_BYTES = 40_960;
const DEFAULT_MAX_LIST = 1000;
const DEFAULT_MAX_DIRECT_LIST = 100;
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}(:?\d{2})?)$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Validates and normalises a non-null value; throws a 400 naming `where` on a mismatch. */
export function checkValue(
  value: JsonValue,
  type: PropertyType,
  where: string,
): JsonValue {
  // An exact parse hands integers beyond 2^53 as bigint: kept for int64, numbers for the rest.
  if (type.type !== "int64") value = withoutBigInts(value);
  if (type.type !== "enum" && type.list) {
    if (!Array.isArray(value))
      throw badRequest(
        `${where}: expected a list of ${type.type}, got ${describeValue(value)}`,
      );
    const max =
      type.maxListSize ??
      (type.type === "direct" ? DEFAULT_MAX_DIRECT_LIST : DEFAULT_MAX_LIST);
    if (value.length > max)
      throw badRequest(
        `${where}: list has ${value.length} items, more than the maximum of ${max}`,
      );
    return value.map((item, i) => checkScalar(item, type, `${where}[${i}]`));
  }
  if (Array.isArray(value))
    throw badRequest(
      `${where}: expected a single ${type.type} value, got a list`,
    );
  return checkScalar(value, type, where);
}

function checkScalar(
  value: JsonValue,
  type: PropertyType,
  where: string,
): JsonValue {
  switch (type.type) {
    case "text":
      return checkText(value, type.maxTextSize, where);
    case "timeseries":
    case "file":
    case "sequence":
      return checkText(value, undefined, where);
    case "boolean":
      if (typeof value !== "boolean") throw mismatch(where, "boolean", value);
      return value;
    case "int32":
      return checkInteger(value, where, INT32_MIN, INT32_MAX, "int32");
    case "int64":
      return checkInt64(value, where);
    case "float32":
    case "float64":
      if (typeof value !== "number" || !Number.isFinite(value))
        throw mismatch(where, type.type, value);
      if (type.type === "float32" && Math.abs(value) > 3.4028234663852886e38)
        throw badRequest(`${where}: ${value} is out of range for float32`);
      return value;
    case "timestamp":
      return normaliseTimestamp(value, where);
    case "date":
      return checkDate(value, where);
    case "json":
      return checkJson(value, where);
    case "direct":
      return checkDirect(value, where);
    case "enum":
      if (typeof value !== "string" || !Object.hasOwn(type.values, value)) {
        throw badRequest(
          `${where}: ${JSON.stringify(value)} is not one of the enum values ${Object.keys(type.values).join(", ")}`,
        );
      }
      if (value === type.unknownValue)
        throw badRequest(
          `${where}: the enum's unknownValue "${value}" cannot be ingested`,
        );
      return value;
  }
}

function checkText(
  value: JsonValue,
  maxBytes: number | undefined,
  where: string,
): string {
  if (typeof value !== "string") throw mismatch(where, "text", value);
  if (value.includes("\u0000"))
    throw badRequest(`${where}: text must not contain NUL characters`);
  const limit = maxBytes ?? MAX_TEXT_BYTES;
  // Cheap pre-check: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (value.length * 3 > limit && Buffer.byteLength(value, "utf8") > limit) {
    throw badRequest(`${where}: text is longer than ${limit} bytes`);
  }
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** int64: exact as a bigint when the request held more than 2^53 (stored and returned as is). */
function checkInt64(value: JsonValue, where: string): JsonValue {
  const exact = value as unknown;
  if (typeof exact === "bigint") {
    if (exact < INT64_MIN || exact > INT64_MAX)
      throw badRequest(`${where}: ${exact} is out of range for int64`);
    return exact as unknown as JsonValue;
  }
  return checkInteger(
    value,
    where,
    Number.MIN_SAFE_INTEGER * 1024,
    Number.MAX_SAFE_INTEGER * 1024,
    "int64",
  );
}

function withoutBigInts(value: JsonValue): JsonValue {
  const raw = value as unknown;
  if (typeof raw === "bigint") return Number(raw);
  if (typeof value !== "object" || value === null || !containsBigInt(value))
    return value;
  if (Array.isArray(value)) return value.map(withoutBigInts);
  const copy: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value))
    copy[key] = withoutBigInts(item);
  return copy;
}

function containsBigInt(value: unknown): boolean {
  if (typeof value === "bigint") return true;
  if (typeof value !== "object" || value === null) return false;
  for (const item of Object.values(value))
    if (containsBigInt(item)) return true;
  return false;
}

function checkInteger(
  value: JsonValue,
  where: string,
  min: number,
  max: number,
  typeName: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value))
    throw mismatch(where, typeName, value);
  if (value < min || value > max)
    throw badRequest(`${where}: ${value} is out of range for ${typeName}`);
  return value;
}

/** Parses an API timestamp to epoch ms, or undefined when it is not one. */
export function parseTimestamp(value: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  if (Number(year) < 1 || !validDate(Number(year), Number(month), Number(day)))
    return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return undefined;
  const ms = Date.parse(normaliseZone(value));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Date.parse needs `±HH:MM`; the API also takes `±HHMM` and `±HH`. */
function normaliseZone(value: string): string {
  return value
    .replace(/([+-])(\d{2})(\d{2})$/, "$1$2:$3")
    .replace(/([+-]\d{2})$/, "$1:00");
}

export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

function normaliseTimestamp(value: JsonValue, where: string): string {
  const ms = typeof value === "string" ? parseTimestamp(value) : undefined;
  if (ms === undefined)
    throw badRequest(
      `${where}: expected a timestamp like 2024-01-31T12:00:00.000Z, got ${describeValue(value)}`,
    );
  return formatTimestamp(ms);
}

function checkDate(value: JsonValue, where: string): string {
  const match = typeof value === "string" ? DATE_PATTERN.exec(value) : null;
  if (
    !match ||
    Number(match[1]) < 1 ||
    !validDate(Number(match[1]), Number(match[2]), Number(match[3]))
  ) {
    throw badRequest(
      `${where}: expected a date like 2024-01-31, got ${describeValue(value)}`,
    );
  }
  return value as string;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // leap year 2000: February has 29
  if (month === 2 && day === 29)
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= days;
}

function checkJson(value: JsonValue, where: string): JsonValue {
  if (!isRecord(value))
    throw badRequest(
      `${where}: expected a JSON object, got ${describeValue(value)}`,
    );
  const keys = Object.keys(value);
  if (keys.length > 256)
    throw badRequest(`${where}: JSON object has more than 256 keys`);
  if (keys.some((k) => k.length > 128))
    throw badRequest(
      `${where}: JSON object keys must be at most 128 characters`,
    );
  if (Buffer.byteLength(JSON.stringify(value), "utf8") > MAX_JSON_BYTES)
    throw badRequest(
      `${where}: JSON object is larger than ${MAX_JSON_BYTES} bytes`,
    );
  return value;
}

function checkDirect(value: JsonValue, where: string): JsonValue {
  if (
    !isRecord(value) ||
    typeof value.space !== "string" ||
    typeof value.externalId !== "string" ||
    value.space === "" ||
    value.externalId === ""
  ) {
    throw badRequest(
      `${where}: expected a direct relation {"space", "externalId"}, got ${describeValue(value)}`,
    );
  }
  if (Object.keys(value).length !== 2)
    throw badRequest(
      `${where}: a direct relation takes only "space" and "externalId"`,
    );
  return { space: value.space, externalId: value.externalId };
}

function mismatch(where: string, typeName: string, value: JsonValue): Error {
  return badRequest(
    `${where}: expected ${typeName}, got ${describeValue(value)}`,
  );
}

function describeValue(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? text.slice(0, 40) + "…" : text}`;
}

/** Structural equality of stored values (no-op detection, equals filters). */
export function sameValue(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null)
    return a === b;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as JsonValue[];
    return (
      a.length === bs.length && a.every((item, i) => sameValue(item, bs[i]))
    );
  }
  const ao = a as Record<string, JsonValue>;
  const bo = b as Record<string, JsonValue>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && sameValue(ao[k], bo[k]));
}

/** Direct-relation targets in a stored value (single or list). */
export function directTargets(value: JsonValue | undefined): InstanceId[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value))
    return value.filter(isRecord) as unknown as InstanceId[];
  return isRecord(value) ? [value as unknown as InstanceId] : [];
}

export function sameId(
  a: InstanceId | undefined,
  b: InstanceId | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.space === b.space && a.externalId === b.externalId;
}

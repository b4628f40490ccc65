// Property maps, and property values between their TypeScript and JSON forms: a rule per DMS
// type, checked before sending (the API fails a whole request for one bad value).

import { idOf, isInstanceId } from "./collect.js";
import type { ViewClassInfo } from "./typed.js";
import type {
  InstanceId,
  PropertyValue,
  ThroughReference,
  ViewReference,
} from "../core/wire.js";

type ScalarType = "text" | "boolean" | "timestamp" | "date" | "json" | "enum";
type NumberType = "int32" | "int64" | "float32" | "float64";
type ReferenceType = "timeseries" | "file" | "sequence" | "direct";
export type DmsType = ScalarType | NumberType | ReferenceType;

/** One container-backed property of a view: how its TypeScript name maps to the API. */
export interface PropertyDefinition {
  /** The view property identifier on the wire. */
  readonly identifier: string;
  readonly type: DmsType;
  readonly list?: boolean;
  /** Default true. */
  readonly nullable?: boolean;
  /** Informational: the API rejects changes after the first write. */
  readonly immutable?: boolean;
  readonly autoIncrement?: boolean;
  readonly maxListSize?: number;
  /** Bytes of UTF-8. */
  readonly maxTextSize?: number;
  readonly values?: readonly string[];
  /** Unit external id (float properties). */
  readonly unit?: string;
  /** The container holding the value, as `space:externalId` (drift checks compare it). */
  readonly container?: string;
  /** The property of `container` holding the value. Default: `identifier`. */
  readonly containerProperty?: string;
  /** The value (JSON) the API fills in when a write leaves the property out. */
  readonly default?: unknown;
  /** The view a direct relation's target has data in, as `space:externalId/version`. */
  readonly target?: string;
  /** The TypeScript form, when not the default: `bigint` for int64, `string` for timestamps. */
  readonly as?: "bigint" | "string";
}

/** The client's classes by view id (`space:externalId/version`), those loaded so far. */
export interface TargetClasses {
  find(view: string): ViewClassInfo | undefined;
}

/** An edge connection: edges of `edgeType` from (outwards) or to (inwards) the node. */
export interface EdgeConnectionDefinition {
  readonly identifier: string;
  readonly connection: "edge";
  readonly multi: boolean;
  readonly edgeType: InstanceId;
  readonly direction: "outwards" | "inwards";
  /** The view of the nodes at the other end, as `space:externalId/version`. */
  readonly target: string;
  /** The view holding the edges' properties, when the edges have some. */
  readonly edgeSource?: EdgeSourceDefinition;
}

/** Nodes whose direct relation `through` (in the `target` view) points at this node. Read only. */
export interface ReverseRelationDefinition {
  readonly identifier: string;
  readonly connection: "reverse";
  readonly multi: boolean;
  readonly target: string;
  readonly through: ThroughReference;
}

/** The edge view of a connection; `properties` is a thunk (view modules import each other). */
export interface EdgeSourceDefinition {
  readonly view: ViewReference;
  readonly properties?: () => PropertyMap;
}

export type PropertyMap = Readonly<Record<string, PropertyDefinition>>;
export type ConnectionMap = Readonly<
  Record<string, EdgeConnectionDefinition | ReverseRelationDefinition>
>;

/** A value that failed a check before it was sent; names the instance, property and rule. */
export class PropertyValueError extends Error {
  override readonly name = "PropertyValueError";
  constructor(
    message: string,
    readonly property: string,
    readonly instance?: InstanceId,
  ) {
    super(message);
  }
}

/** Throws the one message every value check gives: `<name> must be <rule>, got <value>`. */
export function mustBe(name: string, rule: string, value: unknown): never {
  const got =
    typeof value === "string"
      ? JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
      : typeof value === "bigint"
        ? `${value}n`
        : Array.isArray(value)
          ? `a list of ${value.length}`
          : value instanceof Date && !Number.isNaN(value.getTime())
            ? value.toISOString()
            : value instanceof Object && !(value instanceof Date)
              ? "an object"
              : String(value);
  throw new PropertyValueError(`${name} must be ${rule}, got ${got}`, name);
}

// ---- the rules, per type: a value's wire form, or undefined when it breaks the rule

type Check = (value: unknown, d: PropertyDefinition, name: string) => unknown;
type Rule = readonly [string | ((d: PropertyDefinition) => string), Check];

const FLOAT32_MAX = 3.4028234663852886e38;
const INT64 = 2n ** 63n;
/** The API's timestamps: 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z. */
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const MAX_TIMESTAMP_MS = 253_402_300_799_999;
const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const TIMESTAMP =
  /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?(Z|[+-]\d\d(:?\d\d)?)$/;
const UTF8 = new TextEncoder();

const utf8Bytes = (text: string): number => UTF8.encode(text).length;
const when = (passes: boolean, value: unknown): unknown =>
  passes ? value : undefined;
const textLimit = (d: PropertyDefinition): number => d.maxTextSize ?? 128_000;
const string: Rule = ["a string", (v) => when(typeof v === "string", v)];
const integer = (min: number, max: number): Rule => [
  `an integer within ${min}..${max}`,
  (v) =>
    when(
      Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
      v,
    ),
];

/** By DMS type; `bigint` is int64 in a client generated with `int64: "bigint"`. */
const RULES: Readonly<Record<DmsType | "bigint", Rule>> = {
  text: [
    (d) => `a string of at most ${textLimit(d)} bytes of UTF-8, no NUL`,
    // A UTF-16 code unit is at most 3 bytes of UTF-8: bytes are counted only when it matters.
    (v, d) =>
      when(
        typeof v === "string" &&
          !v.includes("\u0000") &&
          (v.length * 3 <= textLimit(d) || utf8Bytes(v) <= textLimit(d)),
        v,
      ),
  ],
  timeseries: string,
  file: string,
  sequence: string,
  boolean: ["a boolean", (v) => when(typeof v === "boolean", v)],
  int32: integer(-(2 ** 31), 2 ** 31 - 1),
  int64: integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  bigint: [
    `a bigint within ${-INT64}..${INT64 - 1n}`,
    (v) => when(typeof v === "bigint" && v >= -INT64 && v < INT64, v),
  ],
  float32: [
    `a finite number within ±${FLOAT32_MAX}`,
    (v) => when(Number.isFinite(v) && Math.abs(v as number) <= FLOAT32_MAX, v),
  ],
  float64: ["a finite number", (v) => when(Number.isFinite(v), v)],
  timestamp: [
    "a Date or an ISO 8601 timestamp like 2024-05-01T12:00:00.000Z within years 0001..9999",
    toTimestamp,
  ],
  date: [
    "a date like 2024-04-30",
    (v) => when(typeof v === "string" && isCalendarDate(DATE.exec(v)), v),
  ],
  json: ["a JSON object", checkJson],
  enum: [
    (d) => (d.values ? `one of ${d.values.join(", ")}` : "a string"),
    (v, d) =>
      when(typeof v === "string" && (!d.values || d.values.includes(v)), v),
  ],
  direct: [
    "a node reference { space, externalId }",
    (v) => (isInstanceId(v) ? idOf(v) : undefined),
  ],
};

export const ruleOf = ({ type, as }: PropertyDefinition): Rule =>
  RULES[type === "int64" && as === "bigint" ? "bigint" : type];

/** A property value's wire form, or a PropertyValueError naming `name` (`name[i]`: an item). */
export function toWireValue(
  value: unknown,
  definition: PropertyDefinition,
  name: string,
): PropertyValue {
  const { type, list } = definition;
  const [rule, check] = ruleOf(definition);
  const fail = (at: string, item: unknown): never =>
    mustBe(at, typeof rule === "string" ? rule : rule(definition), item);
  if (value === null) {
    if (definition.nullable === false) mustBe(name, "set (not nullable)", null);
    return null;
  }
  if (!list)
    return (check(value, definition, name) ??
      fail(name, value)) as PropertyValue;
  const limit = definition.maxListSize ?? (type === "direct" ? 100 : 1000);
  if (!Array.isArray(value) || value.length > limit)
    mustBe(name, `a list of at most ${limit} items`, value);
  // A hole of a sparse list reads as undefined (Array.from visits it), which no rule takes.
  // Only json names the parts of an item, so only json builds an item's name before failing.
  return Array.from(
    value,
    (item: unknown, i) =>
      check(item, definition, type === "json" ? `${name}[${i}]` : name) ??
      fail(`${name}[${i}]`, item),
  ) as PropertyValue;
}

const inTimestampRange = (ms: number): boolean =>
  ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS;

/** A Date as the API's ISO string (millisecond precision); a string as it is, once checked. */
function toTimestamp(value: unknown): string | undefined {
  if (value instanceof Date)
    return inTimestampRange(value.getTime()) ? value.toISOString() : undefined;
  const match = typeof value === "string" ? TIMESTAMP.exec(value) : null;
  if (!match || !isCalendarDate(match)) return undefined;
  // Date.parse takes a zone as `Z` or `±HH:MM` only; the zone moves the range's ends.
  const zone = match[6] as string;
  const iso =
    zone.length === 3 ? `${zone}:00` : zone.replace(/(\d\d)(\d\d)$/, "$1:$2");
  return inTimestampRange(Date.parse(match.input.slice(0, -zone.length) + iso))
    ? match.input
    : undefined;
}

/** Whether a match's groups 1 to 3 (`year-month-day`) are a day of the calendar from year 1. */
function isCalendarDate(match: RegExpExecArray | null): boolean {
  const [year, month, day] = (match ?? []).slice(1, 4).map(Number);
  if (!year || !month || !day) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (days[month - 1] ?? 0);
}

/**
 * The API's json limits, each value measured by the JSON.stringify that sends it: a NaN, a bigint,
 * a cycle or a depth that overflows the stack fails there, named by its key.
 */
function checkJson(value: unknown, _: unknown, name: string): unknown {
  // Not a list, a Date, a Map, ...: their JSON is no object, or not what they hold.
  if (Object.prototype.toString.call(value) !== "[object Object]")
    return undefined;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  const long = keys.find((key) => key.length > 128);
  const rule = "a JSON object of at most 256 keys of at most 128 characters";
  if (keys.length > 256 || long !== undefined)
    mustBe(name, rule, long ?? value);
  let total = 1; // `{` and `}`, a `:` and a `,` per key but the last
  for (const key of keys) {
    let bytes = Infinity;
    try {
      bytes = utf8Bytes(JSON.stringify(object[key], finiteNumbers) ?? "");
    } catch {
      // No JSON: over any limit.
    }
    if (bytes > 10_240)
      mustBe(
        `${name}.${key}`,
        "JSON of at most 10240 bytes (finite numbers, no cycles)",
        object[key],
      );
    total += utf8Bytes(JSON.stringify(key)) + bytes + 2;
  }
  return total > 40_960
    ? mustBe(name, "at most 40960 bytes of JSON", value)
    : value;
}

function finiteNumbers(_: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value))
    throw new RangeError();
  return value;
}

const READS: Partial<Record<DmsType, (value: unknown) => unknown>> = {
  // The API may shorten fractions (`.17`) and uses `+00:00`; Date takes both.
  timestamp: (v) => (typeof v === "string" ? new Date(v) : null),
  direct: (v) => (isInstanceId(v) ? idOf(v) : null),
  // `int64JsonParser` gives a bigint beyond 2^53, a number within.
  int64: (v) =>
    typeof v === "bigint"
      ? v
      : Number.isInteger(v)
        ? BigInt(v as number)
        : null,
};

/** What turns a read value (not null) into its generated type; undefined when it is already. */
export function readConverter(
  definition: PropertyDefinition,
): ((value: unknown) => unknown) | undefined {
  const { type, as } = definition;
  const kept = type === "int64" ? as !== "bigint" : as === "string";
  const one = kept ? undefined : READS[type];
  return (
    one && ((v) => (Array.isArray(v) ? v.map((item) => one(item)) : one(v)))
  );
}

// Property maps, and the conversion of property values between their TypeScript form and the
// API's JSON form, with the checks the API would otherwise fail a whole request for.

import type { ViewClassInfo } from "./typed.js";
import type {
  InstanceId,
  JsonValue,
  PropertyValue,
  PropertyValues,
  ThroughReference,
  ViewReference,
} from "../core/wire.js";

export type DmsType =
  | "text"
  | "boolean"
  | "int32"
  | "int64"
  | "float32"
  | "float64"
  | "timestamp"
  | "date"
  | "json"
  | "timeseries"
  | "file"
  | "sequence"
  | "direct"
  | "enum";

/** One container-backed property of a view: how its TypeScript name maps to the API. */
export interface PropertyDefinition {
  /** The view property identifier on the wire. */
  readonly identifier: string;
  readonly type: DmsType;
  /** Default false. */
  readonly list?: boolean;
  /** Default true. A non-nullable property rejects `null`. */
  readonly nullable?: boolean;
  /** Default false. Informational: the API rejects changes after the first write. */
  readonly immutable?: boolean;
  /** Default false. The API fills the value in. */
  readonly autoIncrement?: boolean;
  readonly maxListSize?: number;
  /** Bytes of UTF-8. */
  readonly maxTextSize?: number;
  /** Enum values. */
  readonly values?: readonly string[];
  /** Unit external id (float properties). */
  readonly unit?: string;
  /** The container holding the value, as `space:externalId` (drift checks compare it). */
  readonly container?: string;
  /** The property of `container` holding the value. Default: `identifier`. */
  readonly containerProperty?: string;
  /** The value (JSON) the API fills in when a write leaves the property out. */
  readonly default?: unknown;
  /** The view a direct relation's target is expected to have data in, as `space:externalId/version`. */
  readonly target?: string;
  /** The read class of `target`, when it is generated too (a thunk: modules import each other). */
  readonly targetClass?: TargetClassThunk;
  /**
   * The TypeScript form when it is not the default, fixed at generation time: `"bigint"` for int64
   * (default `number`), `"string"` for timestamps read as the API's ISO strings (default `Date`).
   */
  readonly as?: "bigint" | "string";
}

/**
 * The read class at the other end of a relation, as a thunk (modules import each other). Typed
 * `object`, not `ViewClassInfo`: checking a generated class against the base statics would then
 * compare every class reachable through relations, and a model with long relation chains hits
 * tsc's depth limit. `targetInfo` gives the runtime its `ViewClassInfo`.
 */
export type TargetClassThunk = () => object;

/** The client's classes by view id (`space:externalId/version`), those loaded so far. */
export interface TargetClasses {
  find(view: string): ViewClassInfo | undefined;
}

/**
 * The class info of a relation's target read class, when it is generated: its thunk (older
 * output), else the class of its `target` view in `classes` (the client's registry).
 */
export function targetInfo(
  definition: {
    readonly targetClass?: TargetClassThunk;
    readonly target?: string;
  },
  classes?: TargetClasses,
): ViewClassInfo | undefined {
  if (definition.targetClass)
    return definition.targetClass() as ViewClassInfo | undefined;
  return definition.target === undefined
    ? undefined
    : classes?.find(definition.target);
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
  /** The read class of `target`, when it is generated too (a thunk: modules import each other). */
  readonly targetClass?: TargetClassThunk;
  /** The view holding the edges' properties, when the edges have some. */
  readonly edgeSource?: EdgeSourceDefinition;
}

/** Nodes whose direct relation `through` points at this node. Read only. */
export interface ReverseRelationDefinition {
  readonly identifier: string;
  readonly connection: "reverse";
  readonly multi: boolean;
  /** The view of the nodes holding the direct relation, as `space:externalId/version`. */
  readonly target: string;
  /** The read class of `target`, when it is generated too (a thunk: modules import each other). */
  readonly targetClass?: TargetClassThunk;
  /** The direct relation of `target` that points here: its view and its API identifier. */
  readonly through: ThroughReference;
}

/** The edge view of a connection; `properties` is a function so that view modules can import each other. */
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

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const DEFAULT_MAX_LIST_SIZE = 1000;
const DEFAULT_MAX_DIRECT_LIST_SIZE = 100;
const MAX_TEXT_BYTES = 128_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Converts a property value to its wire form, or throws a PropertyValueError.
 * `direct` values arrive already reduced to `{ space, externalId }` by the caller.
 */
export function toWireValue(
  value: unknown,
  definition: PropertyDefinition,
  name: string,
): PropertyValue {
  if (value === null) {
    if (definition.nullable === false) {
      throw new PropertyValueError(`${name} is not nullable`, name);
    }
    return null;
  }
  if (!definition.list) return toWireScalar(value, definition, name);
  if (!Array.isArray(value)) {
    throw new PropertyValueError(`${name} must be a list`, name);
  }
  checkNoHoles(value, name);
  const limit =
    definition.maxListSize ??
    (definition.type === "direct"
      ? DEFAULT_MAX_DIRECT_LIST_SIZE
      : DEFAULT_MAX_LIST_SIZE);
  if (value.length > limit) {
    throw new PropertyValueError(
      `${name} has ${value.length} items, more than its limit of ${limit}`,
      name,
    );
  }
  const wire: PropertyValue[] = [];
  for (let i = 0; i < value.length; i++) {
    try {
      wire.push(toWireScalar(value[i], definition, name));
    } catch (error) {
      // The element's name is built only now: check it again to fail with `name[i]`.
      if (!(error instanceof PropertyValueError)) throw error;
      toWireScalar(value[i], definition, `${name}[${i}]`);
      throw error;
    }
  }
  return wire as PropertyValue;
}

function toWireScalar(
  value: unknown,
  definition: PropertyDefinition,
  name: string,
): PropertyValue {
  switch (definition.type) {
    case "text":
      return checkText(value, definition, name);
    case "timeseries":
    case "file":
    case "sequence":
      return expectString(value, name);
    case "boolean":
      if (typeof value !== "boolean") throw mismatch(name, "a boolean", value);
      return value;
    case "int32":
      return checkInteger(value, name, INT32_MIN, INT32_MAX);
    case "int64":
      // A bigint goes out as its exact digits (see `stringifyJson`); JSON's types cannot say so.
      return definition.as === "bigint"
        ? (checkBigInt(value, name) as unknown as PropertyValue)
        : checkInteger(
            value,
            name,
            Number.MIN_SAFE_INTEGER,
            Number.MAX_SAFE_INTEGER,
          );
    case "float32":
      return checkFloat32Range(checkFinite(value, name), name);
    case "float64":
      return checkFinite(value, name);
    case "timestamp":
      return toTimestamp(value, name);
    case "date":
      return checkDate(value, name);
    case "json":
      return checkJson(value, name);
    case "enum":
      return checkEnum(value, definition, name);
    case "direct":
      return checkReference(value, name);
  }
}

function mismatch(
  name: string,
  expected: string,
  value: unknown,
): PropertyValueError {
  const found =
    value === undefined
      ? "undefined"
      : typeof value === "bigint"
        ? `${value}n`
        : typeof value === "number" || typeof value === "boolean"
          ? String(value)
          : typeof value === "string"
            ? JSON.stringify(
                value.length > 40 ? `${value.slice(0, 37)}...` : value,
              )
            : Array.isArray(value)
              ? "a list"
              : typeof value;
  return new PropertyValueError(
    `${name} must be ${expected}, got ${found}`,
    name,
  );
}

function expectString(value: unknown, name: string): string {
  if (typeof value !== "string") throw mismatch(name, "a string", value);
  return value;
}

function checkText(
  value: unknown,
  definition: PropertyDefinition,
  name: string,
): string {
  const text = expectString(value, name);
  const limit = definition.maxTextSize ?? MAX_TEXT_BYTES;
  // A UTF-16 code unit is at most 3 bytes of UTF-8: count bytes only when it could matter.
  if (text.length * 3 > limit) {
    const bytes = utf8Bytes(text);
    if (bytes > limit) {
      throw new PropertyValueError(
        `${name} is ${bytes} bytes of UTF-8, more than its limit of ${limit}`,
        name,
      );
    }
  }
  if (text.includes("\u0000")) {
    throw new PropertyValueError(
      `${name} must not contain NUL characters`,
      name,
    );
  }
  return text;
}

function checkFinite(value: unknown, name: string): number {
  if (typeof value !== "number") throw mismatch(name, "a number", value);
  if (!Number.isFinite(value)) {
    throw new PropertyValueError(
      `${name} must be a finite number, got ${value}`,
      name,
    );
  }
  return value;
}

function checkInteger(
  value: unknown,
  name: string,
  min: number,
  max: number,
): number {
  const number = checkFinite(value, name);
  if (!Number.isInteger(number)) {
    throw new PropertyValueError(
      `${name} must be a whole number, got ${number}`,
      name,
    );
  }
  if (number < min || number > max) {
    throw new PropertyValueError(
      `${name} is out of range: ${number} is not within ${min}..${max}`,
      name,
    );
  }
  return number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An int64 in a `bigint` client: a bigint within the 64-bit range, sent exactly. */
function checkBigInt(value: unknown, name: string): bigint {
  if (typeof value !== "bigint") throw mismatch(name, "a bigint", value);
  if (value < INT64_MIN || value > INT64_MAX) {
    throw new PropertyValueError(
      `${name} is out of range: ${value} is not within ${INT64_MIN}..${INT64_MAX}`,
      name,
    );
  }
  return value;
}

/** Dates become ISO strings with millisecond precision, as the API stores them. */
function toTimestamp(value: unknown, name: string): string {
  if (value instanceof Date) {
    checkTimestampDate(value, name);
    return value.toISOString();
  }
  const text = expectString(value, name);
  const problem = timestampProblem(text);
  if (problem) {
    throw new PropertyValueError(
      `${name} must be a Date or an ISO 8601 timestamp like 2024-05-01T12:00:00.000Z, got ${JSON.stringify(text)}` +
        (problem === NOT_A_TIMESTAMP ? "" : `: ${problem}`),
      name,
    );
  }
  return text;
}

function checkDate(value: unknown, name: string): string {
  const text = expectString(value, name);
  const match = DATE_PATTERN.exec(text);
  // The calendar check first: `new Date` of a month 13 is an invalid date, whose toISOString throws.
  const valid =
    match !== null &&
    isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
  if (!valid) {
    throw new PropertyValueError(
      `${name} must be a date like 2024-04-30, got ${JSON.stringify(text)}`,
      name,
    );
  }
  return text;
}

function checkEnum(
  value: unknown,
  definition: PropertyDefinition,
  name: string,
): string {
  const text = expectString(value, name);
  if (definition.values && !definition.values.includes(text)) {
    throw new PropertyValueError(
      `${name} must be one of ${definition.values.join(", ")}, got ${JSON.stringify(text)}`,
      name,
    );
  }
  return text;
}

/** Only `space` and `externalId` go on the wire, whatever else the object carries. */
function checkReference(value: unknown, name: string): PropertyValue {
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as InstanceId).space !== "string" ||
    typeof (value as InstanceId).externalId !== "string"
  ) {
    throw mismatch(name, "a node reference { space, externalId }", value);
  }
  const { space, externalId } = value as InstanceId;
  return { space, externalId };
}

/** Whether a read value needs converting (else the wire value is the TypeScript value). */
export function needsReadConversion(definition: PropertyDefinition): boolean {
  switch (definition.type) {
    case "timestamp":
      return definition.as !== "string";
    case "int64":
      return definition.as === "bigint";
    case "direct":
      return true;
    default:
      return false;
  }
}

/**
 * A property's value in an instance's values, when the response has it. For identifiers that
 * `Object.prototype` also has (`constructor`, `toString`, `valueOf`, ...): indexing the parsed
 * JSON with them finds the prototype's function when the response leaves the property out, so
 * the read (generated `readValues`, the generic fill) asks through this instead.
 */
export function ownValue(
  values: PropertyValues,
  identifier: string,
): PropertyValue | undefined {
  return Object.hasOwn(values, identifier) ? values[identifier] : undefined;
}

/**
 * Converts a value read from the API to its TypeScript form, exactly as the property's generated
 * type says (the definition carries the choices made at generation time). An int64 as `bigint`
 * comes as a bigint from a lossless parse (`parseJsonLossless`), or as a number or string.
 */
export function fromWireValue(
  value: PropertyValue | bigint | undefined,
  definition: PropertyDefinition,
): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return fromBigInt(value, definition);
  switch (definition.type) {
    case "timestamp":
      if (definition.as === "string") return value;
      return Array.isArray(value)
        ? value.map((item) => parseTimestamp(item))
        : parseTimestamp(value);
    case "direct":
      return Array.isArray(value)
        ? value.map((item) => toReference(item))
        : toReference(value);
    case "int64":
      if (definition.as !== "bigint") return value;
      return Array.isArray(value)
        ? value.map((item: unknown) => toBigInt(item))
        : toBigInt(value);
    default:
      return value;
  }
}

function fromBigInt(value: bigint, definition: PropertyDefinition): unknown {
  return definition.type === "int64" && definition.as === "bigint"
    ? value
    : Number(value);
}

function toBigInt(value: unknown): bigint | null {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value))
    return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  return null;
}

/** The API may shorten fractions (`.17`) and uses `+00:00`; Date.parse takes both. */
function parseTimestamp(value: PropertyValue): Date | null {
  return typeof value === "string" ? new Date(value) : null;
}

function toReference(value: PropertyValue): InstanceId | null {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return null;
  const { space, externalId } = value;
  return typeof space === "string" && typeof externalId === "string"
    ? { space, externalId }
    : null;
}

// ---- checks that match the API's limits, so a bad value fails before anything is sent

/** The largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** The API's timestamp range: 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z. */
export const MIN_TIMESTAMP_MS = -62_135_596_800_000;
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;
/** The API's json limits: the whole object, its top-level keys and each top-level value. */
export const JSON_LIMITS = {
  maxBytes: 40_960,
  maxKeys: 256,
  maxKeyLength: 128,
  maxValueBytes: 10_240,
  /** Ours: far deeper than any object within `maxBytes` needs, and safe for recursion. */
  maxDepth: 1000,
} as const;

/** A float32 beyond ±3.4e38 would be refused by the API (it cannot be stored). */
export function checkFloat32Range(value: number, name: string): number {
  if (Math.abs(value) > FLOAT32_MAX) {
    throw new PropertyValueError(
      `${name} is out of range for float32: ${value} is beyond ±${FLOAT32_MAX}`,
      name,
    );
  }
  return value;
}

/** A sparse list (`[1, , 3]`) would send `null` for each hole. */
export function checkNoHoles(list: readonly unknown[], name: string): void {
  for (let i = 0; i < list.length; i++) {
    if (!(i in list)) {
      throw new PropertyValueError(
        `${name}[${i}] is a hole in a sparse list; give every item a value`,
        `${name}[${i}]`,
      );
    }
  }
}

/** A Date the API can store: valid, and within years 0001 to 9999. */
export function checkTimestampDate(value: Date, name: string): void {
  const ms = value.getTime();
  if (Number.isNaN(ms)) {
    throw new PropertyValueError(`${name} is an invalid Date`, name);
  }
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) {
    throw new PropertyValueError(
      `${name} is outside the API's timestamp range 0001-01-01T00:00:00.000Z..9999-12-31T23:59:59.999Z`,
      name,
    );
  }
}

const NOT_A_TIMESTAMP = "it is not like 2024-05-01T12:00:00.000Z";

const TIMESTAMP_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * Why an ISO timestamp string is one the API would refuse (not that shape, a day the calendar
 * lacks such as February 30, a time past 23:59:59, outside the API's range), or undefined.
 */
export function timestampProblem(text: string): string | undefined {
  const match = TIMESTAMP_PARTS.exec(text);
  if (!match) return NOT_A_TIMESTAMP;
  const [year, month, day, hour, minute, second] = match
    .slice(1, 7)
    .map(Number) as [number, number, number, number, number, number];
  if (!isCalendarDate(year, month, day))
    return `${match[1]}-${match[2]}-${match[3]} is not a calendar date`;
  if (hour > 23 || minute > 59 || second > 59)
    return `${match[4]}:${match[5]}:${match[6]} is not a time of day`;
  const zone = (match[8] as string)
    .replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")
    .replace(/^([+-]\d{2})$/, "$1:00");
  const ms = Date.parse(text.slice(0, text.length - match[8]!.length) + zone);
  if (Number.isNaN(ms)) return "it is not a valid time";
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS)
    return "it is outside the API's range 0001-01-01T00:00:00.000Z..9999-12-31T23:59:59.999Z";
  return undefined;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (days[month - 1] as number);
}

/**
 * A json property value the API would take: an object at the top (not a list, string or number),
 * at most 256 keys of at most 128 characters, each value at most 10,240 bytes and the whole at
 * most 40,960 bytes of JSON; inside, JSON values only, no cycles, no deeper than
 * `JSON_LIMITS.maxDepth`. The walk comes first, so a cycle or a deep value never reaches
 * `JSON.stringify`.
 */
function checkJson(value: unknown, name: string): JsonValue {
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Date
  ) {
    const found = Array.isArray(value)
      ? "a list"
      : value instanceof Date
        ? "a Date"
        : value === null
          ? "null"
          : `a ${typeof value}`;
    throw new PropertyValueError(
      `${name} must be a JSON object at the top (wrap a list or a single value in an object), got ${found}`,
      name,
    );
  }
  checkJsonValue(value, name, 0, new Set());
  const limits = JSON_LIMITS;
  const keys = Object.keys(value);
  if (keys.length > limits.maxKeys) {
    throw new PropertyValueError(
      `${name} has ${keys.length} keys, more than the API's ${limits.maxKeys}`,
      name,
    );
  }
  let total = 1; // `{` and `}`, a `:` and a `,` per key but the last
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (key.length > limits.maxKeyLength) {
      throw new PropertyValueError(
        `${name} has a key of ${key.length} characters, more than the API's ${limits.maxKeyLength}: ${JSON.stringify(key.slice(0, 40))}...`,
        name,
      );
    }
    const bytes = utf8Bytes(JSON.stringify(item));
    if (bytes > limits.maxValueBytes) {
      throw new PropertyValueError(
        `${name}.${key} is ${bytes} bytes of JSON, more than the API's ${limits.maxValueBytes} per value`,
        `${name}.${key}`,
      );
    }
    total += utf8Bytes(JSON.stringify(key)) + bytes + 2;
  }
  if (total > limits.maxBytes) {
    throw new PropertyValueError(
      `${name} is ${total} bytes of JSON, more than the API's ${limits.maxBytes}`,
      name,
    );
  }
  return value as JsonValue;
}

/** JSON values only (finite numbers, no Dates), no cycles, no deeper than the limit. */
function checkJsonValue(
  value: unknown,
  path: string,
  depth: number,
  ancestors: Set<object>,
): void {
  if (value === null || typeof value === "string" || typeof value === "boolean")
    return;
  if (typeof value === "number") {
    checkFinite(value, path);
    return;
  }
  if (typeof value !== "object" || value instanceof Date)
    throw mismatch(path, "a JSON value", value);
  if (depth >= JSON_LIMITS.maxDepth) {
    throw new PropertyValueError(
      `${path} is nested deeper than ${JSON_LIMITS.maxDepth} levels`,
      path,
    );
  }
  if (ancestors.has(value)) {
    throw new PropertyValueError(
      `${path} refers back to an object that contains it (a cycle); JSON cannot hold it`,
      path,
    );
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) =>
      checkJsonValue(item, `${path}[${i}]`, depth + 1, ancestors),
    );
  } else {
    for (const [key, item] of Object.entries(value))
      checkJsonValue(item, `${path}.${key}`, depth + 1, ancestors);
  }
  ancestors.delete(value);
}

const UTF8 = new TextEncoder();

function utf8Bytes(text: string): number {
  return UTF8.encode(text).length;
}

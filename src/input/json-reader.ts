// Small typed accessors over parsed JSON that know where they are: every failure becomes a
// UserError naming the file and the JSON path of the offending value.

import { UserError } from "../errors.js";

export type JsonObject = Record<string, unknown>;

/** A position in one input file. */
export interface JsonLocation {
  readonly file: string;
  readonly path: string;
}

export function at(location: JsonLocation, key: string | number): JsonLocation {
  const step =
    typeof key === "number"
      ? `[${key}]`
      : /^[A-Za-z_$][\w$]*$/.test(key)
        ? `.${key}`
        : `[${JSON.stringify(key)}]`;
  return { file: location.file, path: location.path + step };
}

export function fail(location: JsonLocation, message: string): never {
  throw new UserError(message, location.file, location.path);
}

export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return `the string ${JSON.stringify(truncate(value))}`;
  return `${typeof value} ${String(value)}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function expectObject(
  value: unknown,
  location: JsonLocation,
): JsonObject {
  if (!isObject(value))
    fail(location, `expected an object, found ${describe(value)}`);
  return value;
}

export function expectArray(value: unknown, location: JsonLocation): unknown[] {
  if (!Array.isArray(value))
    fail(location, `expected an array, found ${describe(value)}`);
  return value;
}

export function requiredString(
  obj: JsonObject,
  key: string,
  location: JsonLocation,
): string {
  const value = obj[key];
  if (value === undefined || value === null)
    fail(at(location, key), `missing required string "${key}"`);
  if (typeof value !== "string")
    fail(at(location, key), `expected a string, found ${describe(value)}`);
  if (value.length === 0) fail(at(location, key), `"${key}" must not be empty`);
  return value;
}

/** An optional string; `null` counts as absent (the API and SDK dumps use both). */
export function optionalString(
  obj: JsonObject,
  key: string,
  location: JsonLocation,
): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    fail(at(location, key), `expected a string, found ${describe(value)}`);
  return value;
}

export function optionalBoolean(
  obj: JsonObject,
  key: string,
  location: JsonLocation,
): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean")
    fail(at(location, key), `expected true or false, found ${describe(value)}`);
  return value;
}

export function optionalNumber(
  obj: JsonObject,
  key: string,
  location: JsonLocation,
): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    fail(at(location, key), `expected a number, found ${describe(value)}`);
  }
  return value;
}

export function optionalPositiveInteger(
  obj: JsonObject,
  key: string,
  location: JsonLocation,
): number | undefined {
  const value = optionalNumber(obj, key, location);
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    fail(at(location, key), `expected a positive whole number, found ${value}`);
  }
  return value;
}

export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  location: JsonLocation,
  what: string,
): T {
  if (
    typeof value === "string" &&
    (allowed as readonly string[]).includes(value)
  )
    return value as T;
  fail(
    location,
    `unknown ${what} ${describe(value)}; expected one of ${allowed.join(", ")}`,
  );
}

/** Parses JSON text; a syntax error names the line and column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const where = position ? lineAndColumn(text, Number(position[1])) : "";
    // The message quotes the text near the error: its line breaks must not break the one line.
    const said = message
      .replace(/^JSON\.parse: /, "")
      .replace(CONTROL_CHARACTERS, (char) => JSON.stringify(char).slice(1, -1));
    throw new UserError(`invalid JSON${where}: ${said}`, file);
  }
}

/** Characters below the space: control characters, line breaks among them. */
const CONTROL_CHARACTERS = /[^ -\uffff]/g;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A JSON file's text: UTF-8 (a byte order mark is allowed), or UTF-16 with its byte order mark
 * (what Windows PowerShell 5 writes with `>`). Bytes that are not valid UTF-8 are an error, not
 * replacement characters in the generated code.
 */
export function decodeJsonFile(bytes: Uint8Array, file: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return Buffer.from(bytes.subarray(2)).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const body = Buffer.from(bytes.subarray(2));
    if (body.length % 2 === 0) return body.swap16().toString("utf16le");
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new UserError(
      `not UTF-8 text (byte 0x${bytes[offset]!.toString(16).padStart(2, "0")} at offset ${offset}); save the file as UTF-8`,
      file,
    );
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
    if (length === 0) return i;
    try {
      // The strict decoder also refuses overlong forms and surrogates within the sequence.
      UTF8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}`;
}

/**
 * An empty record for keys that come from input files: without a prototype, a key such as
 * `constructor` or `toString` can never be mistaken for an inherited member.
 */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

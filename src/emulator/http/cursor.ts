// Opaque cursors: base64url JSON plus a checksum, so a cursor that was edited, truncated or made
// up is told apart from a real one and rejected with a 400.

import { createHash } from "node:crypto";
import { readJson, writeJson } from "../json.js";
import { badRequest } from "./api-error.js";
import { isRecord, type JsonRecord } from "./request-shape.js";

function checksum(text: string): string {
  return createHash("sha1")
    .update("dmgen-emulator-cursor:")
    .update(text)
    .digest("base64url")
    .slice(0, 12);
}

export function encodeCursor(payload: JsonRecord): string {
  const text = Buffer.from(writeJson(payload), "utf8").toString("base64url");
  return `${text}.${checksum(text)}`;
}

export function decodeCursor(cursor: unknown, what: string): JsonRecord {
  if (typeof cursor !== "string")
    throw badRequest(`${what}: a cursor must be a string`);
  const dot = cursor.lastIndexOf(".");
  const text = cursor.slice(0, dot);
  if (dot <= 0 || checksum(text) !== cursor.slice(dot + 1))
    throw badRequest(`${what}: invalid cursor`);
  try {
    // Cursors carry sort values: int64 beyond 2^53 stays exact (bigint) through them.
    const payload: unknown = readJson(
      Buffer.from(text, "base64url").toString("utf8"),
    );
    if (isRecord(payload)) return payload;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest(`${what}: invalid cursor`);
}

/** A short stable hash of a JSON value, to tie a cursor to the request that made it. */
export function fingerprint(value: unknown): string {
  return createHash("sha1")
    .update(stableJson(value))
    .digest("base64url")
    .slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(",")}}`;
  }
  return writeJson(value) ?? "null";
}

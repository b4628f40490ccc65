// Reading request bodies under limits. The body is counted while it streams in and refused as
// soon as it passes a limit, so nothing beyond the limit is ever buffered: a 200 MB upload is
// refused after 10 MiB, and a 3 MB gzip bomb stops inflating at 32 MiB.
//
// The emulator's limits (CDF does not document a request-size limit for the DMS API; these are
// its stated assumptions, generous for 1000-item requests):
// - 10 MiB as sent (after any Content-Encoding) → 413;
// - 32 MiB after gzip decompression → 413;
// - JSON nested deeper than 200 levels → 400 (filters have their own, lower limit in filters.ts);
// - bodies that are not valid gzip, UTF-8 or JSON → 400.

import type { IncomingMessage } from "node:http";
import { createGunzip, type Gunzip } from "node:zlib";
import { readJson } from "../json.js";
import { ApiError, badRequest } from "./api-error.js";

export interface BodyLimits {
  /** Bytes as received on the wire. */
  maxWireBytes: number;
  /** Bytes after decompression (equal to the wire bytes without Content-Encoding). */
  maxDecodedBytes: number;
  /** Nesting of JSON arrays and objects. */
  maxJsonDepth: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = {
  maxWireBytes: 10 * 1024 * 1024,
  maxDecodedBytes: 32 * 1024 * 1024,
  maxJsonDepth: 200,
};

const MIB = 1024 * 1024;

function tooLarge(what: string, limit: number): ApiError {
  const size = limit % MIB === 0 ? `${limit / MIB} MiB` : `${limit} bytes`;
  return new ApiError(413, `The request body ${what} is larger than ${size}`);
}

/**
 * Reads and parses a JSON body; undefined when the request has none. Throws ApiError 400 / 413.
 * After a 413 the rest of the upload is not read: the caller answers with `connection: close`.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limits: BodyLimits = DEFAULT_BODY_LIMITS,
): Promise<unknown> {
  const bytes = await readDecoded(req, limits);
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("The request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    // Any depth parses (readJson is not recursive); the readers downstream are. Integers beyond
    // 2^53 stay exact (bigint), so int64 values are stored without loss.
    value = readJson(text);
  } catch {
    throw badRequest("The request body is not valid JSON");
  }
  checkJsonDepth(value, limits.maxJsonDepth);
  return value;
}

function contentEncoding(req: IncomingMessage): "gzip" | "identity" {
  const encoding = (req.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return "gzip";
  if (encoding === "" || encoding === "identity") return "identity";
  throw badRequest(
    `Unsupported Content-Encoding "${encoding}"; send gzip or no encoding`,
  );
}

/** The body after decompression, refused as soon as either limit is passed. */
function readDecoded(
  req: IncomingMessage,
  limits: BodyLimits,
): Promise<Buffer> {
  const encoding = contentEncoding(req);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxWireBytes)
    return Promise.reject(tooLarge("as sent", limits.maxWireBytes));
  const decodedLimit =
    encoding === "identity"
      ? Math.min(limits.maxWireBytes, limits.maxDecodedBytes)
      : limits.maxDecodedBytes;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let decodedBytes = 0;
    let settled = false;
    const gunzip: Gunzip | undefined =
      encoding === "gzip" ? createGunzip() : undefined;
    const fail = (error: ApiError): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      req.removeListener("data", onWire);
      req.pause();
      gunzip?.destroy();
      reject(error);
    };
    const onDecoded = (chunk: Buffer): void => {
      decodedBytes += chunk.length;
      if (decodedBytes > decodedLimit)
        fail(
          tooLarge(
            encoding === "gzip" ? "after decompression" : "as sent",
            decodedLimit,
          ),
        );
      else chunks.push(chunk);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    function onWire(chunk: Buffer): void {
      wireBytes += chunk.length;
      if (wireBytes > limits.maxWireBytes)
        return fail(tooLarge("as sent", limits.maxWireBytes));
      if (gunzip) {
        // Stop reading the socket while the inflater is behind, so output stays bounded.
        if (!gunzip.write(chunk)) {
          req.pause();
          gunzip.once("drain", () => settled || req.resume());
        }
      } else onDecoded(chunk);
    }
    req.on("data", onWire);
    const cutOff = (): void => {
      if (!req.complete) fail(badRequest("The request body was cut off"));
    };
    req.on("error", cutOff);
    req.on("close", cutOff);
    if (gunzip) {
      gunzip.on("data", onDecoded);
      gunzip.on("error", () =>
        fail(badRequest("The request body is not valid gzip")),
      );
      gunzip.on("end", finish);
      req.on("end", () => settled || gunzip.end());
    } else req.on("end", finish);
  });
}

/**
 * Refuses JSON nested deeper than `max`, so no recursive reader downstream (filters, values,
 * sorting) can overflow the stack. Checked on the parsed value: visiting its arrays and objects
 * costs a fraction of reading every character of the text, and stops `max` levels down.
 */
export function checkJsonDepth(value: unknown, max: number): void {
  if (deeperThan(value, max))
    throw badRequest(`The request body is nested deeper than ${max} levels`);
}

/** Whether arrays and objects nest more than `levels` deep in `value`. */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  return nestsDeeperThan(value, levels);
}

/**
 * `deeperThan` for an array or object. Members that are neither are skipped here rather than in a
 * call each: most members of a body are strings and numbers.
 */
function nestsDeeperThan(value: object, levels: number): boolean {
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value as unknown[])
      if (
        typeof item === "object" &&
        item !== null &&
        nestsDeeperThan(item, levels - 1)
      )
        return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (
      typeof item === "object" &&
      item !== null &&
      nestsDeeperThan(item, levels - 1)
    )
      return true;
  }
  return false;
}

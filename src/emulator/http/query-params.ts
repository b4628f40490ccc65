// Query-string parameters of the GET list endpoints, each checked like the API checks them (400).

import { badRequest } from "./api-error.js";
import { decodeCursor } from "./cursor.js";

export function queryInteger(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max)
    throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  return value;
}

export function queryBoolean(
  params: URLSearchParams,
  name: string,
  fallback: boolean,
): boolean {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw badRequest(`${name} must be true or false, got "${raw}"`);
}

/** The offset a list cursor of this kind points at (0 without a cursor). */
export function pageOffset(params: URLSearchParams, kind: string): number {
  const cursor = params.get("cursor");
  if (cursor === null || cursor === "") return 0;
  const payload = decodeCursor(cursor, "cursor");
  if (payload.k !== kind || typeof payload.o !== "number")
    throw badRequest("cursor: invalid cursor");
  return payload.o;
}

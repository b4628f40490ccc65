// Small readers for request bodies. Each failure is a 400 naming the JSON path, the way the API
// names the offending field.

import type {
  InstanceId,
  SourceReference,
  ViewReference,
} from "../../../templates/runtime/core/wire.js";
import { badRequest } from "./api-error.js";

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown, path: string): JsonRecord {
  if (!isRecord(value)) throw badRequest(`${path} must be an object`);
  return value;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${path} must be an array`);
  return value;
}

export function asString(value: unknown, path: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw badRequest(`${path} must be a non-empty string`);
  return value;
}

export function optionalBoolean(
  obj: JsonRecord,
  key: string,
  path: string,
  fallback: boolean,
): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean")
    throw badRequest(`${path}.${key} must be a boolean`);
  return value;
}

export function optionalInteger(
  obj: JsonRecord,
  key: string,
  path: string,
  range: { min: number; max: number; fallback: number },
): number {
  const value = obj[key];
  if (value === undefined || value === null) return range.fallback;
  if (typeof value !== "number" || !Number.isInteger(value))
    throw badRequest(`${path}.${key} must be an integer`);
  if (value < range.min || value > range.max) {
    throw badRequest(
      `${path}.${key} must be between ${range.min} and ${range.max}, got ${value}`,
    );
  }
  return value;
}

const SPACE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,41}[a-zA-Z0-9]?$/;

export function asInstanceId(value: unknown, path: string): InstanceId {
  const obj = asRecord(value, path);
  const space = asString(obj.space, `${path}.space`);
  const externalId = asString(obj.externalId, `${path}.externalId`);
  if (!SPACE_PATTERN.test(space))
    throw badRequest(
      `${path}.space "${space}" is not a valid space identifier`,
    );
  if (externalId.length > 256 || externalId.includes("\u0000"))
    throw badRequest(`${path}.externalId is not a valid external id`);
  return { space, externalId };
}

/** A direct-relation value: exactly `space` and `externalId`. */
export function asStrictInstanceId(value: unknown, path: string): InstanceId {
  const id = asInstanceId(value, path);
  for (const key of Object.keys(value as JsonRecord)) {
    if (key !== "space" && key !== "externalId")
      throw badRequest(`${path} has an unexpected key "${key}"`);
  }
  return id;
}

export function asViewReference(value: unknown, path: string): ViewReference {
  const obj = asRecord(value, path);
  if (obj.type !== undefined && obj.type !== "view")
    throw badRequest(`${path}.type must be "view"`);
  return {
    type: "view",
    space: asString(obj.space, `${path}.space`),
    externalId: asString(obj.externalId, `${path}.externalId`),
    version: asString(obj.version, `${path}.version`),
  };
}

export function asSourceReference(
  value: unknown,
  path: string,
): SourceReference {
  const obj = asRecord(value, path);
  if (obj.type === "container") {
    return {
      type: "container",
      space: asString(obj.space, `${path}.space`),
      externalId: asString(obj.externalId, `${path}.externalId`),
    };
  }
  if (obj.type === "view") return asViewReference(obj, path);
  throw badRequest(`${path}.type must be "view" or "container"`);
}

export function asInstanceType(
  value: unknown,
  path: string,
  fallback?: "node" | "edge",
): "node" | "edge" {
  if ((value === undefined || value === null) && fallback) return fallback;
  if (value !== "node" && value !== "edge")
    throw badRequest(`${path} must be "node" or "edge"`);
  return value;
}

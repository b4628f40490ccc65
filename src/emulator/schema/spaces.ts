// Spaces: list, apply, byids, delete, and the check that instance and schema writes name spaces
// that exist.

import { badRequest } from "../http/api-error.js";
import { missingSpaces, systemSpaceWrite } from "../assumptions.js";
import { encodeCursor } from "../http/cursor.js";
import {
  pageOffset,
  queryBoolean,
  queryInteger,
} from "../http/query-params.js";
import { asArray, asRecord, asString } from "../http/request-shape.js";
import { isSystemSpace, type SchemaStore, type SpaceRecord } from "./store.js";
import type { EmulatorState } from "../state.js";

type Json = Record<string, unknown>;

const SPACE_PATTERN =
  /^(?!(space|cdf|dms|pg3|shared|system|node|edge)$)[a-zA-Z][a-zA-Z0-9_-]{0,41}[a-zA-Z0-9]?$/;

export function spaceToApi(schema: SchemaStore, space: SpaceRecord): Json {
  const out: Json = { space: space.space };
  if (space.name !== undefined) out.name = space.name;
  if (space.description !== undefined) out.description = space.description;
  out.createdTime = space.createdTime;
  out.lastUpdatedTime = space.lastUpdatedTime;
  out.isGlobal = isSystemSpace(schema, space.space);
  return out;
}

export function listSpaces(
  state: EmulatorState,
  params: URLSearchParams,
): Json {
  const limit = queryInteger(params, "limit", 10, 1, 1000);
  const includeGlobal = queryBoolean(params, "includeGlobal", false);
  const spaces = [...state.schema.spaces.values()].filter(
    (s) => includeGlobal || !isSystemSpace(state.schema, s.space),
  );
  const offset = pageOffset(params, "spaces");
  const out: Json = {
    items: spaces
      .slice(offset, offset + limit)
      .map((s) => spaceToApi(state.schema, s)),
  };
  if (offset + limit < spaces.length)
    out.nextCursor = encodeCursor({ k: "spaces", o: offset + limit });
  return out;
}

export function applySpaces(state: EmulatorState, body: unknown): Json {
  const items = boundedItems(body, 100);
  const now = state.clock.now();
  const parsed = items.map((raw, i) => parseSpace(raw, `items[${i}]`));
  refuseSystemSpaces(
    state.schema,
    parsed.map((s) => s.space),
  );
  const out = parsed.map((next) => {
    const existing = state.schema.spaces.get(next.space);
    if (
      existing &&
      existing.name === next.name &&
      existing.description === next.description
    )
      return spaceToApi(state.schema, existing);
    const record: SpaceRecord = {
      ...next,
      createdTime: existing?.createdTime ?? now,
      lastUpdatedTime: now,
    };
    state.schema.spaces.set(record.space, record);
    return spaceToApi(state.schema, record);
  });
  return { items: out };
}

function parseSpace(
  raw: unknown,
  path: string,
): Omit<SpaceRecord, "createdTime" | "lastUpdatedTime"> {
  const obj = asRecord(raw, path);
  const space = asString(obj.space, `${path}.space`);
  if (!SPACE_PATTERN.test(space))
    throw badRequest(
      `${path}.space "${space}" is not a valid space identifier (or is reserved)`,
    );
  const out: Omit<SpaceRecord, "createdTime" | "lastUpdatedTime"> = { space };
  if (obj.name !== undefined && obj.name !== null)
    out.name = asString(obj.name, `${path}.name`);
  if (obj.description !== undefined && obj.description !== null)
    out.description = asString(obj.description, `${path}.description`);
  return out;
}

export function spacesByIds(state: EmulatorState, body: unknown): Json {
  const ids = spaceIds(body);
  const items: Json[] = [];
  for (const id of ids) {
    const found = state.schema.spaces.get(id);
    if (found) items.push(spaceToApi(state.schema, found));
  }
  return { items };
}

/** Deletes empty spaces; a space that still holds anything rejects the whole request. */
export function deleteSpaces(state: EmulatorState, body: unknown): Json {
  const named = spaceIds(body);
  refuseSystemSpaces(state.schema, named);
  const ids = named.filter((id) => state.schema.spaces.has(id));
  const problems = ids
    .map((id) => spaceContents(state, id))
    .filter((p) => p !== undefined);
  if (problems.length > 0)
    throw badRequest(
      `Only empty spaces can be deleted: ${problems.join("; ")}`,
    );
  for (const id of ids) {
    state.schema.spaces.delete(id);
    state.store.spaces.delete(id); // only tombstones can be left
  }
  return { items: ids.map((space) => ({ space })) };
}

/** What a space still holds, as a sentence part, or undefined when it is empty. */
function spaceContents(
  state: EmulatorState,
  space: string,
): string | undefined {
  let instances = 0;
  for (const instance of state.store.spaces.get(space)?.values() ?? [])
    if (instance.deletedTime === undefined) instances++;
  const schema = state.schema;
  const containers = [...schema.containers.values()].filter(
    (c) => c.ref.space === space,
  ).length;
  const views = [...schema.views.values()].filter(
    (v) => v.definition.space === space,
  ).length;
  const models = schema.dataModels.filter((m) => m.space === space).length;
  const parts = [
    [instances, "instances"],
    [containers, "containers"],
    [views, "views"],
    [models, "data models"],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, what]) => `${String(count)} ${String(what)}`);
  return parts.length > 0
    ? `space "${space}" holds ${parts.join(", ")}`
    : undefined;
}

function spaceIds(body: unknown): string[] {
  return boundedItems(body, 100).map((raw, i) =>
    asString(asRecord(raw, `items[${i}]`).space, `items[${i}].space`),
  );
}

export function boundedItems(body: unknown, max: number): unknown[] {
  const items = asArray(asRecord(body, "body").items, "items");
  if (items.length === 0 || items.length > max)
    throw badRequest(`items must have between 1 and ${max} entries`);
  return items;
}

/** Rejects the request when any of the spaces is a system space (read-only). */
export function refuseSystemSpaces(
  schema: SchemaStore,
  spaces: Iterable<string>,
): void {
  const system: string[] = [];
  for (const space of spaces)
    if (isSystemSpace(schema, space)) system.push(space);
  if (system.length > 0) throw systemSpaceWrite(system);
}

/** Rejects the request when any of the spaces does not exist. */
export function requireSpaces(
  schema: SchemaStore,
  spaces: Iterable<string>,
): void {
  const missing: string[] = [];
  for (const space of spaces)
    if (!schema.spaces.has(space)) missing.push(space);
  if (missing.length > 0) throw missingSpaces(missing);
}

// Parses and validates an apply request (`POST /models/instances`) into planned container writes.
// Nothing here looks at stored instances: that is apply.ts. Every problem is a 400.

import type {
  InstanceId,
  JsonValue,
  SourceReference,
  ViewReference,
} from "../../../templates/runtime/core/wire.js";
import { badRequest } from "../http/api-error.js";
import {
  asArray,
  asInstanceId,
  asInstanceType,
  asRecord,
  asSourceReference,
  isRecord,
  optionalBoolean,
  type JsonRecord,
} from "../http/request-shape.js";
import {
  containerKeyOf,
  findSource,
  viewKeyOf,
  type ContainerDefinition,
  type ResolvedView,
  type SchemaStore,
} from "../schema/store.js";
import { checkValue } from "./values.js";

export const MAX_APPLY_ITEMS = 1000;
const RESERVED_PROPERTY_IDS = new Set([
  "space",
  "externalId",
  "createdTime",
  "lastUpdatedTime",
  "deletedTime",
  "extensions",
]);

/** Values for one container: container property id → value, `null` = clear. */
export type ContainerValues = Map<string, JsonValue | null>;

export interface ParsedWrite {
  kind: "node" | "edge";
  space: string;
  externalId: string;
  existingVersion: number | undefined;
  type: InstanceId | undefined;
  startNode: InstanceId | undefined;
  endNode: InstanceId | undefined;
  /** container key → values written; a view source touches all its containers, even with no values. */
  containers: Map<string, ContainerValues>;
  path: string;
}

export interface ParsedDelete {
  kind: "node" | "edge";
  space: string;
  externalId: string;
  existingVersion: number | undefined;
}

export interface ApplyFlags {
  autoCreateDirectRelations: boolean;
  autoCreateStartNodes: boolean;
  autoCreateEndNodes: boolean;
  skipOnVersionConflict: boolean;
  replace: boolean;
}

export interface ParsedApply {
  writes: ParsedWrite[];
  deletes: ParsedDelete[];
  flags: ApplyFlags;
}

export function parseApplyRequest(
  schema: SchemaStore,
  body: unknown,
): ParsedApply {
  const request = asRecord(body, "body");
  const items = asArray(request.items, "items");
  const deletes =
    request.delete === undefined || request.delete === null
      ? []
      : asArray(request.delete, "delete");
  if (items.length + deletes.length > MAX_APPLY_ITEMS) {
    throw badRequest(
      `The total number of ingested and deleted items cannot exceed ${MAX_APPLY_ITEMS}, got ${items.length + deletes.length}`,
    );
  }
  const flags: ApplyFlags = {
    autoCreateDirectRelations: optionalBoolean(
      request,
      "autoCreateDirectRelations",
      "body",
      true,
    ),
    autoCreateStartNodes: optionalBoolean(
      request,
      "autoCreateStartNodes",
      "body",
      false,
    ),
    autoCreateEndNodes: optionalBoolean(
      request,
      "autoCreateEndNodes",
      "body",
      false,
    ),
    skipOnVersionConflict: optionalBoolean(
      request,
      "skipOnVersionConflict",
      "body",
      false,
    ),
    replace: optionalBoolean(request, "replace", "body", false),
  };
  const missing = new Map<string, Record<string, unknown>>();
  const sources = new SourceLookup(schema);
  const writes = items.map((item, i) =>
    parseWrite(sources, item, `items[${i}]`, missing),
  );
  if (missing.size > 0) {
    throw badRequest("One or more views or containers do not exist", {
      missing: [...missing.values()],
    });
  }
  const parsedDeletes = deletes.map((item, i) =>
    parseDelete(item, `delete[${i}]`),
  );
  rejectDuplicates(writes, parsedDeletes);
  return { writes, deletes: parsedDeletes, flags };
}

/**
 * Finds the sources a request's writes name, remembering the last one found: the writes of one
 * request mostly name the same view, and building its key and looking it up for each write was
 * 3 % of an apply. One per request (the schema may change between requests).
 */
class SourceLookup {
  #last: SourceReference | undefined;
  #found: ResolvedView | ContainerDefinition | undefined;

  constructor(readonly schema: SchemaStore) {}

  find(ref: SourceReference): ResolvedView | ContainerDefinition | undefined {
    const last = this.#last;
    if (
      last !== undefined &&
      ref.type === last.type &&
      ref.space === last.space &&
      ref.externalId === last.externalId &&
      (ref.type === "container" ||
        ref.version === (last as ViewReference).version)
    )
      return this.#found;
    const found = findSource(this.schema, ref);
    if (found !== undefined) {
      this.#last = ref;
      this.#found = found;
    }
    return found;
  }
}

function parseWrite(
  lookup: SourceLookup,
  raw: unknown,
  path: string,
  missing: Map<string, Record<string, unknown>>,
): ParsedWrite {
  const item = asRecord(raw, path);
  const kind = asInstanceType(item.instanceType, `${path}.instanceType`);
  const id = asInstanceId(item, path);
  const write: ParsedWrite = {
    kind,
    space: id.space,
    externalId: id.externalId,
    existingVersion: parseExistingVersion(item, path),
    type:
      item.type === undefined || item.type === null
        ? undefined
        : asInstanceId(item.type, `${path}.type`),
    startNode: undefined,
    endNode: undefined,
    containers: new Map(),
    path,
  };
  if (kind === "edge") {
    if (write.type === undefined)
      throw badRequest(`${path}.type is required for edges`);
    write.startNode = asInstanceId(item.startNode, `${path}.startNode`);
    write.endNode = asInstanceId(item.endNode, `${path}.endNode`);
  }
  if (item.sources !== undefined && item.sources !== null) {
    const sources = asArray(item.sources, `${path}.sources`);
    if (sources.length > 100)
      throw badRequest(`${path}.sources: at most 100 sources per instance`);
    sources.forEach((source, i) =>
      parseSource(lookup, write, source, `${path}.sources[${i}]`, missing),
    );
  }
  return write;
}

function parseExistingVersion(
  item: JsonRecord,
  path: string,
): number | undefined {
  const value = item.existingVersion;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    throw badRequest(`${path}.existingVersion must be a non-negative integer`);
  return value;
}

function parseSource(
  lookup: SourceLookup,
  write: ParsedWrite,
  raw: unknown,
  path: string,
  missing: Map<string, Record<string, unknown>>,
): void {
  const entry = asRecord(raw, path);
  const ref = asSourceReference(entry.source, `${path}.source`);
  const source = lookup.find(ref);
  if (!source) {
    const key = ref.type === "view" ? viewKeyOf(ref) : containerKeyOf(ref);
    missing.set(key, { ...ref });
    return;
  }
  const properties =
    entry.properties === undefined || entry.properties === null
      ? {}
      : asRecord(entry.properties, `${path}.properties`);
  if (
    entry.properties !== undefined &&
    entry.properties !== null &&
    Object.keys(properties).length === 0
  ) {
    throw badRequest(`${path}.properties must have at least one property`);
  }
  if ("mapped" in source) writeViewSource(write, source, properties, path);
  else writeContainerSource(write, source, properties, path);
}

function writeViewSource(
  write: ParsedWrite,
  view: ResolvedView,
  properties: JsonRecord,
  path: string,
): void {
  const usedFor = view.definition.usedFor;
  if (
    (usedFor === "node" && write.kind === "edge") ||
    (usedFor === "edge" && write.kind === "node")
  ) {
    throw badRequest(
      `${path}.source: view ${view.key} is used for ${usedFor}s and cannot hold data of an ${write.kind}`,
    );
  }
  for (const containerKey of view.containerKeys)
    containerValues(write, containerKey);
  for (const [propertyId, value] of Object.entries(properties)) {
    const where = `${path}.properties.${propertyId}`;
    if (RESERVED_PROPERTY_IDS.has(propertyId) && !view.mapped.has(propertyId))
      throw badRequest(`${where}: "${propertyId}" is a reserved property name`);
    const mapped = view.mapped.get(propertyId);
    if (!mapped) {
      const exists = Object.hasOwn(view.definition.properties, propertyId);
      throw badRequest(
        exists
          ? `${where}: "${propertyId}" is a connection of view ${view.key}; connections are written as edges or direct relations, not as values`
          : `${where}: view ${view.key} has no property "${propertyId}"`,
      );
    }
    const def = mapped.definition;
    containerValues(write, mapped.containerKey).set(
      mapped.containerPropertyId,
      checked(value as JsonValue, def.type, def.nullable, where),
    );
  }
}

function writeContainerSource(
  write: ParsedWrite,
  container: ContainerDefinition,
  properties: JsonRecord,
  path: string,
): void {
  if (container.usedFor !== "all" && container.usedFor !== write.kind)
    throw badRequest(
      `${path}.source: container ${container.key} is used for ${container.usedFor}s and cannot hold data of an ${write.kind}`,
    );
  const values = containerValues(write, container.key);
  for (const [propertyId, value] of Object.entries(properties)) {
    const where = `${path}.properties.${propertyId}`;
    const def = container.properties.get(propertyId);
    if (!def)
      throw badRequest(
        `${where}: container ${container.key} has no property "${propertyId}"`,
      );
    values.set(
      propertyId,
      checked(value as JsonValue, def.type, def.nullable, where),
    );
  }
}

function checked(
  value: JsonValue,
  type: Parameters<typeof checkValue>[1],
  nullable: boolean,
  where: string,
): JsonValue | null {
  if (value === null) {
    if (!nullable) throw badRequest(`${where}: the property is not nullable`);
    return null;
  }
  return checkValue(value, type, where);
}

function containerValues(
  write: ParsedWrite,
  containerKey: string,
): ContainerValues {
  let values = write.containers.get(containerKey);
  if (!values) {
    values = new Map();
    write.containers.set(containerKey, values);
  }
  return values;
}

function parseDelete(raw: unknown, path: string): ParsedDelete {
  const item = asRecord(raw, path);
  const id = asInstanceId(item, path);
  return {
    kind: asInstanceType(item.instanceType, `${path}.instanceType`),
    space: id.space,
    externalId: id.externalId,
    existingVersion: isRecord(item)
      ? parseExistingVersion(item, path)
      : undefined,
  };
}

/** An id may appear once per request, across items and deletes. */
function rejectDuplicates(
  writes: ParsedWrite[],
  deletes: ParsedDelete[],
): void {
  // Ids by space: no key string is built (and hashed) per item.
  const seen = new Map<string, Set<string>>();
  const duplicated = new Map<string, Record<string, unknown>>();
  for (const list of [writes, deletes])
    for (const item of list) {
      let ids = seen.get(item.space);
      if (ids === undefined) seen.set(item.space, (ids = new Set()));
      const before = ids.size;
      if (ids.add(item.externalId).size === before)
        duplicated.set(`${item.space}\u0000${item.externalId}`, {
          space: item.space,
          externalId: item.externalId,
        });
    }
  if (duplicated.size > 0)
    throw badRequest("Duplicate instances in the request", {
      duplicated: [...duplicated.values()],
    });
}

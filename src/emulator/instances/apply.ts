// Apply (`POST /models/instances`) and delete (`POST /models/instances/delete`). A request is
// planned in full against the current state first and only then committed, so any invalid item
// rejects the whole request with nothing stored (the API applies a request as one transaction).

import type {
  ApplyResponse,
  DeletedInstance,
  InstanceId,
  SlimInstance,
} from "../../../templates/runtime/core/wire.js";
import { ApiError, badRequest } from "../http/api-error.js";
import {
  parseApplyRequest,
  type ApplyFlags,
  type ContainerValues,
  type ParsedApply,
  type ParsedDelete,
  type ParsedWrite,
} from "./apply-parse.js";
import { checkAssetCycles, maintainCoreModel } from "./core-model.js";
import { asArray, asRecord } from "../http/request-shape.js";
import { refuseSystemSpaces, requireSpaces } from "../schema/spaces.js";
import type { ContainerDefinition, SchemaStore } from "../schema/store.js";
import type { EmulatorState } from "../state.js";
import {
  edgesAt,
  getInstance,
  insertInstance,
  markDeleted,
  nodeKey,
  purgeTombstones,
  stamp,
  type ContainerRow,
  type InstanceStore,
  type StoredInstance,
  storedValue,
} from "./store.js";
import { directTargets, sameId, sameValue } from "./values.js";

const VERSION_CONFLICT = "A version conflict caused the ingest to fail.";

interface PlannedWrite {
  write: ParsedWrite;
  /** The live instance this write updates, if any. */
  existing: StoredInstance | undefined;
  rows: Record<string, ContainerRow>;
  modified: boolean;
}

interface ApplyPlan {
  planned: PlannedWrite[];
  autoCreate: InstanceId[];
  deletes: StoredInstance[];
  /** autoIncrement counters as they will be after the commit. */
  counters: Map<string, number>;
}

export function applyInstances(
  state: EmulatorState,
  body: unknown,
): ApplyResponse {
  const now = state.clock.now();
  purgeTombstones(state.store, now, state.retentionMs);
  const parsed = parseApplyRequest(state.schema, body);
  const named = spacesOf(parsed.writes, parsed.deletes);
  refuseSystemSpaces(state.schema, named);
  requireSpaces(state.schema, named);
  const plan = planApply(state.schema, state.store, parsed);
  const created = spacesOf(plan.autoCreate, []);
  refuseSystemSpaces(state.schema, created);
  requireSpaces(state.schema, created);
  checkAssetCycles(state, plan.planned);
  const response = commitApply(state.store, plan, parsed, now);
  maintainCoreModel(state, plan.planned, now);
  return response;
}

function planApply(
  schema: SchemaStore,
  store: InstanceStore,
  parsed: ParsedApply,
): ApplyPlan {
  const counters = new Map<string, number>();
  const conflicts: Record<string, unknown>[] = [];
  const planned: PlannedWrite[] = [];
  for (const write of parsed.writes) {
    const existing = liveInstance(store, write.space, write.externalId);
    if (existing && existing.kind !== write.kind) {
      throw badRequest(
        `${write.path}: ${write.space}:${write.externalId} already exists as an ${existing.kind}`,
      );
    }
    if (versionConflict(existing, write.existingVersion)) {
      conflicts.push({ space: write.space, externalId: write.externalId });
      continue;
    }
    planned.push(
      planWrite(schema, store, write, existing, parsed.flags.replace, counters),
    );
  }
  if (conflicts.length > 0 && !parsed.flags.skipOnVersionConflict)
    throw new ApiError(409, VERSION_CONFLICT, undefined, conflicts);
  const autoCreate = planReferencedNodes(schema, store, planned, parsed.flags);
  const deletes = planDeletes(
    store,
    parsed.deletes,
    parsed.flags.skipOnVersionConflict,
  );
  return { planned, autoCreate, deletes, counters };
}

/** The distinct spaces of the items (a loop, not a Set of 1000 strings: apply is hot). */
function spacesOf(
  writes: readonly { space: string }[],
  deletes: readonly { space: string }[],
): string[] {
  const spaces: string[] = [];
  for (const list of [writes, deletes])
    for (const item of list)
      if (!spaces.includes(item.space)) spaces.push(item.space);
  return spaces;
}

function liveInstance(
  store: InstanceStore,
  space: string,
  externalId: string,
): StoredInstance | undefined {
  const found = getInstance(store, space, externalId);
  return found && found.deletedTime === undefined ? found : undefined;
}

/** The API: conflict when the stored version is greater than existingVersion, or 0 was given and it exists. */
function versionConflict(
  existing: StoredInstance | undefined,
  existingVersion: number | undefined,
): boolean {
  if (existingVersion === undefined || !existing) return false;
  return existingVersion === 0 || existing.version > existingVersion;
}

function planWrite(
  schema: SchemaStore,
  store: InstanceStore,
  write: ParsedWrite,
  existing: StoredInstance | undefined,
  replace: boolean,
  counters: Map<string, number>,
): PlannedWrite {
  if (existing?.kind === "edge") rejectEdgeEndChanges(write, existing);
  const rows: Record<string, ContainerRow> = existing
    ? { ...existing.rows }
    : {};
  // An omitted node type leaves the stored one as it is.
  let modified =
    !existing ||
    (write.type !== undefined && !sameId(existing.type, write.type));
  for (const [containerKey, values] of write.containers) {
    const container = schema.containers.get(containerKey)!;
    const oldRow = existing?.rows[containerKey];
    const row = buildRow(
      store,
      container,
      oldRow,
      values,
      replace,
      counters,
      write.path,
    );
    if (!oldRow || !sameRow(oldRow, row)) modified = true;
    rows[containerKey] = row;
  }
  return { write, existing, rows, modified };
}

function rejectEdgeEndChanges(
  write: ParsedWrite,
  existing: StoredInstance,
): void {
  for (const field of ["type", "startNode", "endNode"] as const) {
    if (!sameId(existing[field], write[field])) {
      throw badRequest(
        `${write.path}.${field}: the ${field} of an existing edge cannot be changed`,
      );
    }
  }
}

/** The container row after the write: a patch merges into the old row, replace (or a new row) starts from defaults. */
function buildRow(
  store: InstanceStore,
  container: ContainerDefinition,
  oldRow: ContainerRow | undefined,
  values: ContainerValues,
  replace: boolean,
  counters: Map<string, number>,
  path: string,
): ContainerRow {
  const fresh = replace || !oldRow;
  const row: ContainerRow = fresh ? {} : { ...oldRow };
  for (const [propertyId, value] of values) {
    const def = container.properties.get(propertyId)!;
    if (
      def.immutable &&
      oldRow &&
      storedValue(oldRow, propertyId) !== undefined &&
      !sameValue(storedValue(oldRow, propertyId), value)
    ) {
      throw badRequest(
        `${path}: property "${propertyId}" of container ${container.key} is immutable and already set`,
      );
    }
    if (value === null) delete row[propertyId];
    else row[propertyId] = value;
  }
  if (fresh)
    fillDefaults(store, container, oldRow, row, values, counters, path);
  return row;
}

/** For new and replaced rows: defaults, autoIncrement values, and the required-property check. */
function fillDefaults(
  store: InstanceStore,
  container: ContainerDefinition,
  oldRow: ContainerRow | undefined,
  row: ContainerRow,
  values: ContainerValues,
  counters: Map<string, number>,
  path: string,
): void {
  for (const [propertyId, def] of container.properties) {
    if (values.has(propertyId)) continue;
    const old = storedValue(oldRow, propertyId);
    if (def.immutable && old !== undefined) {
      row[propertyId] = old; // replace does not clear what can never change
    } else if (def.autoIncrement && old !== undefined) {
      row[propertyId] = old;
    } else if (def.autoIncrement) {
      row[propertyId] = nextAutoIncrement(
        store,
        counters,
        `${container.key}\u0000${propertyId}`,
      );
    } else if (
      def.defaultValue !== undefined &&
      !(def.type.type !== "enum" && def.type.list)
    ) {
      row[propertyId] = def.defaultValue;
    } else if (!def.nullable) {
      throw badRequest(
        `${path}: missing required property "${propertyId}" of container ${container.key}`,
      );
    }
  }
}

function nextAutoIncrement(
  store: InstanceStore,
  counters: Map<string, number>,
  key: string,
): number {
  const next = (counters.get(key) ?? store.autoIncrement.get(key) ?? 0) + 1;
  counters.set(key, next);
  return next;
}

function sameRow(a: ContainerRow, b: ContainerRow): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!sameValue(a[key], b[key])) return false;
  return true;
}

/** Edge ends and direct-relation targets must exist, be written here, or be auto-created. */
function planReferencedNodes(
  schema: SchemaStore,
  store: InstanceStore,
  planned: PlannedWrite[],
  flags: ApplyFlags,
): InstanceId[] {
  // The nodes this request writes, by key, made when first asked for: a request of nodes
  // without edges or direct relations never asks, and making it was 2-3 % of such an apply.
  let written: Map<string, PlannedWrite> | undefined;
  const writtenNode = (id: InstanceId): PlannedWrite | undefined => {
    if (written === undefined) {
      written = new Map();
      for (const p of planned)
        if (p.write.kind === "node") written.set(nodeKey(p.write), p);
    }
    return written.get(nodeKey(id));
  };
  const autoCreate = new Map<string, InstanceId>();
  const missingEnds = new Map<string, Record<string, unknown>>();
  const missingTargets = new Map<string, Record<string, unknown>>();
  const exists = (id: InstanceId): boolean =>
    writtenNode(id) !== undefined ||
    liveInstance(store, id.space, id.externalId)?.kind === "node";
  for (const p of planned) {
    if (p.write.kind === "edge") {
      checkEnd(
        p.write.startNode!,
        flags.autoCreateStartNodes,
        exists,
        autoCreate,
        missingEnds,
      );
      checkEnd(
        p.write.endNode!,
        flags.autoCreateEndNodes,
        exists,
        autoCreate,
        missingEnds,
      );
    }
    checkDirectTargets(
      schema,
      store,
      p,
      writtenNode,
      exists,
      flags.autoCreateDirectRelations,
      autoCreate,
      missingTargets,
    );
  }
  if (missingEnds.size > 0) {
    throw new ApiError(
      409,
      "Cannot create edges: their start or end nodes do not exist. Set autoCreateStartNodes / autoCreateEndNodes to create them.",
      [...missingEnds.values()],
    );
  }
  if (missingTargets.size > 0)
    throw badRequest("Direct relations point at nodes that do not exist", {
      missing: [...missingTargets.values()],
    });
  return [...autoCreate.values()];
}

function checkEnd(
  id: InstanceId,
  allowCreate: boolean,
  exists: (id: InstanceId) => boolean,
  autoCreate: Map<string, InstanceId>,
  missing: Map<string, Record<string, unknown>>,
): void {
  if (exists(id)) return;
  const key = nodeKey(id);
  if (allowCreate)
    autoCreate.set(key, { space: id.space, externalId: id.externalId });
  else missing.set(key, { space: id.space, externalId: id.externalId });
}

function checkDirectTargets(
  schema: SchemaStore,
  store: InstanceStore,
  p: PlannedWrite,
  writtenNode: (id: InstanceId) => PlannedWrite | undefined,
  exists: (id: InstanceId) => boolean,
  allowCreate: boolean,
  autoCreate: Map<string, InstanceId>,
  missing: Map<string, Record<string, unknown>>,
): void {
  for (const [containerKey, values] of p.write.containers) {
    const container = schema.containers.get(containerKey)!;
    for (const [propertyId, value] of values) {
      const def = container.properties.get(propertyId)!;
      if (def.type.type !== "direct" || value === null) continue;
      const required = def.type.container;
      for (const target of directTargets(value)) {
        if (required) {
          const targetRows =
            writtenNode(target)?.rows ??
            liveInstance(store, target.space, target.externalId)?.rows;
          if (!targetRows?.[`${required.space}:${required.externalId}`]) {
            throw badRequest(
              `${p.write.path}: direct relation "${propertyId}" must point at a node with data in container ${required.space}:${required.externalId}`,
              {
                missing: [
                  { space: target.space, externalId: target.externalId },
                ],
              },
            );
          }
        } else if (!exists(target)) {
          checkEnd(target, allowCreate, exists, autoCreate, missing);
        }
      }
    }
  }
}

function planDeletes(
  store: InstanceStore,
  deletes: ParsedDelete[],
  skipOnVersionConflict: boolean,
): StoredInstance[] {
  const found: StoredInstance[] = [];
  const conflicts: Record<string, unknown>[] = [];
  for (const item of deletes) {
    const existing = liveInstance(store, item.space, item.externalId);
    if (!existing || existing.kind !== item.kind) continue; // the API skips what does not exist
    if (
      item.existingVersion !== undefined &&
      existing.version > item.existingVersion
    ) {
      conflicts.push({ space: item.space, externalId: item.externalId });
      continue;
    }
    found.push(existing);
  }
  if (conflicts.length > 0 && !skipOnVersionConflict)
    throw new ApiError(409, VERSION_CONFLICT, undefined, conflicts);
  return found;
}

function commitApply(
  store: InstanceStore,
  plan: ApplyPlan,
  parsed: ParsedApply,
  now: number,
): ApplyResponse {
  for (const [key, value] of plan.counters) store.autoIncrement.set(key, value);
  for (const id of plan.autoCreate)
    createInstance(store, "node", id, undefined, {}, now);
  const items: SlimInstance[] = plan.planned.map((p) =>
    commitWrite(store, p, now),
  );
  // The contract requires `deleted`, empty when nothing was deleted.
  const deleted =
    parsed.deletes.length > 0 ? deleteInstances(store, plan.deletes, now) : [];
  return { items, deleted };
}

function commitWrite(
  store: InstanceStore,
  p: PlannedWrite,
  now: number,
): SlimInstance {
  const { write, existing } = p;
  if (!existing) {
    const ends =
      write.kind === "edge"
        ? { startNode: write.startNode!, endNode: write.endNode! }
        : undefined;
    return slim(
      createInstance(store, write.kind, write, write.type, p.rows, now, ends),
      true,
    );
  }
  if (!p.modified) return slim(existing, false);
  existing.rows = p.rows;
  if (write.kind === "node" && write.type !== undefined)
    existing.type = write.type;
  existing.version++;
  existing.lastUpdatedTime = now;
  stamp(store, existing);
  return slim(existing, true);
}

function createInstance(
  store: InstanceStore,
  kind: "node" | "edge",
  id: InstanceId,
  type: InstanceId | undefined,
  rows: Record<string, ContainerRow>,
  now: number,
  ends?: { startNode: InstanceId; endNode: InstanceId },
): StoredInstance {
  // A re-created instance continues the version of its tombstone, so versions never go backwards.
  const tombstone = getInstance(store, id.space, id.externalId);
  const instance: StoredInstance = {
    kind,
    space: id.space,
    externalId: id.externalId,
    version: (tombstone?.version ?? 0) + 1,
    createdTime: now,
    lastUpdatedTime: now,
    deletedTime: undefined,
    seq: 0,
    type,
    startNode: ends?.startNode,
    endNode: ends?.endNode,
    rows,
    readSeq: undefined,
    readMemo: undefined,
  };
  insertInstance(store, instance);
  stamp(store, instance);
  return instance;
}

function slim(instance: StoredInstance, wasModified: boolean): SlimInstance {
  return {
    instanceType: instance.kind,
    space: instance.space,
    externalId: instance.externalId,
    version: instance.version,
    wasModified,
    createdTime: instance.createdTime,
    lastUpdatedTime: instance.lastUpdatedTime,
  };
}

/** Soft-deletes the instances; a node takes its incoming and outgoing edges with it. */
function deleteInstances(
  store: InstanceStore,
  instances: StoredInstance[],
  now: number,
): DeletedInstance[] {
  const deleted: DeletedInstance[] = [];
  for (const instance of instances) {
    if (instance.deletedTime !== undefined) continue; // already taken by a cascade
    if (instance.kind === "node")
      for (const edge of edgesAt(store, instance))
        markDeleted(store, edge, now);
    markDeleted(store, instance, now);
    deleted.push({
      instanceType: instance.kind,
      space: instance.space,
      externalId: instance.externalId,
    });
  }
  return deleted;
}

/** `POST /models/instances/delete`. */
export function deleteEndpoint(
  state: EmulatorState,
  body: unknown,
): { items: DeletedInstance[] } {
  const now = state.clock.now();
  purgeTombstones(state.store, now, state.retentionMs);
  const request = asRecord(body, "body");
  const items = asArray(request.items, "items");
  if (items.length === 0 || items.length > 1000)
    throw badRequest("items must have between 1 and 1000 entries");
  const parsed = parseApplyRequest(state.schema, { items: [], delete: items });
  refuseSystemSpaces(state.schema, spacesOf([], parsed.deletes));
  requireSpaces(state.schema, spacesOf([], parsed.deletes));
  const found = planDeletes(state.store, parsed.deletes, false);
  return { items: deleteInstances(state.store, found, now) };
}

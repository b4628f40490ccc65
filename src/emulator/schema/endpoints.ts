// Schema through the API: containers, views and data models (apply, list, byids, delete), with
// CDF's versioning rules as the emulator assumes them (assumptions.ts "schema-versioning"). A view
// applied here is usable for instances at once, exactly like one given with `--views`.

import { UserError } from "../../errors.js";
import { normalizeView } from "../../input/normalize.js";
import type {
  DataModelDefinition,
  MappedPropertyDefinition,
  ViewDefinition,
  ViewReference,
} from "../../input/types.js";
import type { JsonValue } from "../../../templates/runtime/core/wire.js";
import { ApiError, badRequest } from "../http/api-error.js";
import { encodeCursor } from "../http/cursor.js";
import {
  pageOffset,
  queryBoolean,
  queryInteger,
} from "../http/query-params.js";
import { asRecord, asString, isRecord } from "../http/request-shape.js";
import {
  containerKeyOf,
  findStoredView,
  findView,
  isAvailable,
  isSystemSpace,
  resolveView,
  viewKeyOf,
  type ContainerDefinition,
  type ContainerPropertyDefinition,
  type ContainerUsedFor,
  type ResolvedView,
  type SchemaStore,
  type StoredDataModel,
} from "./store.js";
import {
  containerToApi,
  dataModelToApi,
  sameJson,
  viewToApi,
} from "./output.js";
import { boundedItems, refuseSystemSpaces, requireSpaces } from "./spaces.js";
import type { EmulatorState } from "../state.js";
import { allInstances, stamp } from "../instances/store.js";

type Json = Record<string, unknown>;

// ---- containers

export function applyContainers(state: EmulatorState, body: unknown): Json {
  const now = state.clock.now();
  const parsed = boundedItems(body, 100).map((raw, i) =>
    parseContainer(raw, `items[${i}]`, now),
  );
  rejectDuplicates(parsed.map((c) => c.ref));
  refuseSystemSpaces(
    state.schema,
    parsed.map((c) => c.ref.space),
  );
  requireSpaces(
    state.schema,
    parsed.map((c) => c.ref.space),
  );
  const results = parsed.map((next) => {
    const existing = state.schema.containers.get(next.key);
    if (!existing) return next;
    checkContainerChange(existing, next);
    if (
      sameJson(
        containerToApi(state.schema, existing),
        containerToApi(state.schema, {
          ...next,
          createdTime: existing.createdTime,
          lastUpdatedTime: existing.lastUpdatedTime,
        }),
      )
    )
      return existing;
    return { ...next, createdTime: existing.createdTime };
  });
  for (const container of results) {
    state.schema.containers.set(container.key, container);
    state.schema.removedContainers.delete(container.key);
  }
  return { items: results.map((c) => containerToApi(state.schema, c)) };
}

/** Parses a container in the create shape (the read shape too: its extra fields are ignored). */
export function parseContainer(
  raw: unknown,
  path: string,
  now: number,
): ContainerDefinition {
  const obj = asRecord(raw, path);
  const space = asString(obj.space, `${path}.space`);
  const externalId = asString(obj.externalId, `${path}.externalId`);
  const rawProperties = asRecord(obj.properties, `${path}.properties`);
  if (Object.keys(rawProperties).length === 0)
    throw badRequest(`${path}.properties must have at least one property`);
  const ref = { type: "container" as const, space, externalId };
  // The property types are read by the same validator as view files: one mapped property each.
  const probe: Json = {};
  for (const [id, property] of Object.entries(rawProperties))
    probe[id] = {
      ...asRecord(property, `${path}.properties.${id}`),
      container: ref,
      containerPropertyIdentifier: id,
    };
  const view = viaInputValidator(() =>
    normalizeView(
      { space, externalId, version: "container", properties: probe },
      { file: path, path: "$" },
    ),
  );
  const properties = new Map<string, ContainerPropertyDefinition>();
  for (const [id, property] of Object.entries(view.properties))
    properties.set(id, containerProperty(property as MappedPropertyDefinition));
  const usedFor = obj.usedFor ?? "node";
  if (!isUsedFor(usedFor))
    throw badRequest(
      `${path}.usedFor must be one of ${USED_FOR.map((u) => `"${u}"`).join(", ")}`,
    );
  const container: ContainerDefinition = {
    ref,
    key: containerKeyOf(ref),
    properties,
    usedFor,
    createdTime: typeof obj.createdTime === "number" ? obj.createdTime : now,
    lastUpdatedTime:
      typeof obj.lastUpdatedTime === "number" ? obj.lastUpdatedTime : now,
    constraints: jsonMap(obj.constraints, `${path}.constraints`),
    indexes: jsonMap(obj.indexes, `${path}.indexes`),
    explicit: true,
  };
  if (typeof obj.name === "string") container.name = obj.name;
  if (typeof obj.description === "string")
    container.description = obj.description;
  return container;
}

function containerProperty(
  property: MappedPropertyDefinition,
): ContainerPropertyDefinition {
  const out: ContainerPropertyDefinition = {
    type: property.type,
    nullable: property.nullable,
    immutable: property.immutable,
    autoIncrement: property.autoIncrement,
  };
  if (property.defaultValue !== undefined && property.defaultValue !== null)
    out.defaultValue = property.defaultValue;
  if (property.name !== undefined) out.name = property.name;
  if (property.description !== undefined)
    out.description = property.description;
  return out;
}

function jsonMap(value: unknown, path: string): Record<string, JsonValue> {
  if (value === undefined || value === null) return {};
  return asRecord(value, path) as Record<string, JsonValue>;
}

/** Input-validator errors (UserError) become 400s naming the item. */
function viaInputValidator<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof UserError) throw badRequest(error.message);
    throw error;
  }
}

/** Properties may be added and renamed; anything else that changes a stored property is breaking. */
function checkContainerChange(
  existing: ContainerDefinition,
  next: ContainerDefinition,
): void {
  for (const [id, before] of existing.properties) {
    const after = next.properties.get(id);
    const what = `container ${existing.key} property "${id}"`;
    if (!after)
      throw badRequest(
        `Cannot remove ${what}: removing a container property is a breaking change`,
      );
    const { name: _n1, description: _d1, ...core1 } = before;
    const { name: _n2, description: _d2, ...core2 } = after;
    if (!sameJson(core1, core2))
      throw badRequest(
        `Cannot change ${what}: only name and description of an existing property may change (type, nullable, immutable, autoIncrement and defaultValue are fixed)`,
      );
  }
}

const USED_FOR: readonly ContainerUsedFor[] = ["node", "edge", "record", "all"];

function isUsedFor(value: unknown): value is ContainerUsedFor {
  return USED_FOR.includes(value as ContainerUsedFor);
}

export function listContainers(
  state: EmulatorState,
  params: URLSearchParams,
): Json {
  const limit = queryInteger(params, "limit", 10, 1, 1000);
  const space = params.get("space");
  const includeGlobal = queryBoolean(params, "includeGlobal", false);
  const usedFor = usedForFilter(params);
  const all = [...state.schema.containers.values()].filter(
    (c) =>
      (space === null || c.ref.space === space) &&
      (includeGlobal || !isSystemSpace(state.schema, c.ref.space)) &&
      usedFor.has(c.usedFor),
  );
  return page(all, params, "containers", limit, (c) =>
    containerToApi(state.schema, c),
  );
}

/**
 * The `usedFor` list filter (an array parameter: repeated, `usedFor=node&usedFor=edge`, or
 * comma-separated): containers marked with one of the values; `all` means containers marked
 * `all`. Without it: node, edge and all (the contract's default), so record containers are listed
 * only when asked for.
 */
function usedForFilter(params: URLSearchParams): Set<ContainerUsedFor> {
  const values = params
    .getAll("usedFor")
    .flatMap((value) => value.split(","))
    .map((value) => value.trim());
  if (values.length === 0) return new Set(["node", "edge", "all"]);
  for (const value of values)
    if (!isUsedFor(value))
      throw badRequest(
        `usedFor must be one or more of ${USED_FOR.join(", ")}, got "${value}"`,
      );
  return new Set(values as ContainerUsedFor[]);
}

export function containersByIds(state: EmulatorState, body: unknown): Json {
  const items: Json[] = [];
  for (const ref of containerIds(body)) {
    const found = state.schema.containers.get(containerKeyOf(ref));
    if (found) items.push(containerToApi(state.schema, found));
  }
  return { items };
}

/**
 * Deletes containers and their data, as CDF does also while views map them: those views become
 * unavailable (schema/store.ts `isAvailable`).
 */
export function deleteContainers(state: EmulatorState, body: unknown): Json {
  const named = containerIds(body);
  refuseSystemSpaces(
    state.schema,
    named.map((ref) => ref.space),
  );
  const refs = named.filter((ref) =>
    state.schema.containers.has(containerKeyOf(ref)),
  );
  const keys = new Set(refs.map(containerKeyOf));
  const now = state.clock.now();
  for (const instance of allInstances(state.store)) {
    if (instance.deletedTime !== undefined) continue;
    let touched = false;
    for (const key of keys) {
      if (instance.rows[key] === undefined) continue;
      const { [key]: _dropped, ...rest } = instance.rows;
      instance.rows = rest;
      touched = true;
    }
    if (touched) {
      instance.version++;
      instance.lastUpdatedTime = now;
      stamp(state.store, instance);
    }
  }
  for (const key of keys) {
    if (!state.schema.containers.get(key)!.explicit)
      state.schema.removedContainers.add(key);
    state.schema.containers.delete(key);
  }
  return {
    items: refs.map((r) => ({ space: r.space, externalId: r.externalId })),
  };
}

/**
 * `containers/inspect`: per container, the operations asked for. `involvedViews` lists the
 * available views that map it; `totalInvolvedViewCount` counts them, and with
 * `includeUnavailableViews` (the default) also the views that map it but are unavailable because
 * another container they map was deleted. Latest versions unless `allVersions`.
 */
export function inspectContainers(state: EmulatorState, body: unknown): Json {
  const request = asRecord(body, "body");
  const operations = asRecord(
    request.inspectionOperations,
    "inspectionOperations",
  );
  const listed = inspectOption(operations, "involvedViews");
  const counted = inspectOption(operations, "totalInvolvedViewCount");
  const refs = boundedItems(body, 10).map((raw, i) => {
    const obj = asRecord(raw, `items[${i}]`);
    return {
      space: asString(obj.space, `items[${i}].space`),
      externalId: asString(obj.externalId, `items[${i}].externalId`),
    };
  });
  const items = refs
    .filter((ref) => state.schema.containers.has(containerKeyOf(ref)))
    .map((ref) => {
      const key = containerKeyOf(ref);
      const mapping = (allVersions: boolean, unavailable: boolean) =>
        [...state.schema.views.values()].filter(
          (v) =>
            v.containerKeys.includes(key) &&
            (unavailable || isAvailable(state.schema, v)) &&
            (allVersions || isLatestVersion(state.schema, v)),
        );
      const results: Json = {};
      if (counted)
        results.involvedViewCount = mapping(
          counted.allVersions === true,
          counted.includeUnavailableViews !== false,
        ).length;
      if (listed)
        results.involvedViews = mapping(listed.allVersions === true, false).map(
          (v) => viewReferenceOf(v.definition),
        );
      return {
        space: ref.space,
        externalId: ref.externalId,
        inspectionResults: results,
      };
    });
  return { items };
}

function inspectOption(
  operations: Json,
  name: string,
): Record<string, unknown> | undefined {
  const raw = operations[name];
  if (raw === undefined || raw === null) return undefined;
  const option = asRecord(raw, `inspectionOperations.${name}`);
  for (const flag of ["allVersions", "includeUnavailableViews"])
    if (option[flag] !== undefined && typeof option[flag] !== "boolean")
      throw badRequest(
        `inspectionOperations.${name}.${flag} must be a boolean`,
      );
  return option;
}

/** The newest version of its space and externalId among all stored views, available or not. */
function isLatestVersion(schema: SchemaStore, view: ResolvedView): boolean {
  const def = view.definition;
  for (const other of schema.views.values()) {
    const o = other.definition;
    if (
      other !== view &&
      o.space === def.space &&
      o.externalId === def.externalId &&
      ((o.createdTime ?? 0) > (def.createdTime ?? 0) ||
        ((o.createdTime ?? 0) === (def.createdTime ?? 0) &&
          o.version > def.version))
    )
      return false;
  }
  return true;
}

/** `constraints/delete` and `indexes/delete`: drops the named entries of the containers. */
export function deleteContainerParts(
  state: EmulatorState,
  body: unknown,
  part: "constraints" | "indexes",
): Json {
  const items: Json[] = [];
  const named = subObjectIds(body);
  refuseSystemSpaces(
    state.schema,
    named.map((item) => item.space),
  );
  for (const item of named) {
    const container = state.schema.containers.get(containerKeyOf(item));
    if (!container || !(item.identifier in container[part])) continue;
    const { [item.identifier]: _dropped, ...rest } = container[part];
    container[part] = rest;
    container.lastUpdatedTime = state.clock.now();
    items.push(item.wire);
  }
  return { items };
}

/** The emulator has no failed constraints or indexes: a retry returns what exists, unchanged. */
export function retryContainerParts(
  state: EmulatorState,
  body: unknown,
  part: "constraints" | "indexes" | "properties",
): Json {
  const items: Json[] = [];
  for (const item of subObjectIds(body)) {
    const container = state.schema.containers.get(containerKeyOf(item));
    const exists =
      part === "properties"
        ? container?.properties.has(item.identifier)
        : container !== undefined && item.identifier in container[part];
    if (exists) items.push(item.wire);
  }
  return { items };
}

function subObjectIds(
  body: unknown,
): { space: string; externalId: string; identifier: string; wire: Json }[] {
  return boundedItems(body, 10).map((raw, i) => {
    const obj = asRecord(raw, `items[${i}]`);
    const space = asString(obj.space, `items[${i}].space`);
    const externalId = asString(
      obj.containerExternalId,
      `items[${i}].containerExternalId`,
    );
    const identifier = asString(obj.identifier, `items[${i}].identifier`);
    return {
      space,
      externalId,
      identifier,
      wire: { space, containerExternalId: externalId, identifier },
    };
  });
}

function containerIds(body: unknown): { space: string; externalId: string }[] {
  return boundedItems(body, 100).map((raw, i) => {
    const obj = asRecord(raw, `items[${i}]`);
    if (obj.type !== undefined && obj.type !== "container")
      throw badRequest(`items[${i}].type must be "container"`);
    return {
      space: asString(obj.space, `items[${i}].space`),
      externalId: asString(obj.externalId, `items[${i}].externalId`),
    };
  });
}

// ---- views

export function applyViews(state: EmulatorState, body: unknown): Json {
  const items = boundedItems(body, 100);
  const views = applyViewItems(state, items, "items");
  return { items: views.map((v) => viewToApiFull(state.schema, v)) };
}

function applyViewItems(
  state: EmulatorState,
  items: unknown[],
  path: string,
): ViewDefinition[] {
  const now = state.clock.now();
  const raws = items.map((raw, i) => asRecord(raw, `${path}[${i}]`));
  rejectDuplicates(
    raws.map((raw, i) => ({
      space: asString(raw.space, `${path}[${i}].space`),
      externalId: asString(raw.externalId, `${path}[${i}].externalId`),
      version: asString(raw.version, `${path}[${i}].version`),
    })),
  );
  refuseSystemSpaces(
    state.schema,
    raws.map((raw) => raw.space as string),
  );
  requireSpaces(
    state.schema,
    raws.map((raw) => raw.space as string),
  );
  // Views of one request may implement each other: build in dependency order.
  const pending = new Map(raws.map((raw, i) => [keyOfRaw(raw), { raw, i }]));
  const built: ViewDefinition[] = new Array<ViewDefinition>(raws.length);
  const visit = (key: string, trail: string[]): void => {
    const entry = pending.get(key);
    if (!entry) return;
    if (trail.includes(key))
      throw badRequest(
        `Views implement each other in a cycle: ${[...trail, key].join(" → ")}`,
      );
    for (const parent of implementsOf(entry.raw))
      visit(viewKeyOf(parent), [...trail, key]);
    pending.delete(key);
    const view = buildView(state.schema, entry.raw, `${path}[${entry.i}]`, now);
    built[entry.i] = commitView(state.schema, view);
  };
  for (const raw of raws) visit(keyOfRaw(raw), []);
  return built;
}

function keyOfRaw(raw: Json): string {
  return viewKeyOf(
    raw as { space: string; externalId: string; version: string },
  );
}

function implementsOf(raw: Json): ViewReference[] {
  return Array.isArray(raw.implements)
    ? raw.implements.filter(isRecord).map((r) => r as unknown as ViewReference)
    : [];
}

/** The view in the read shape: own properties from containers, inherited ones from `implements`. */
function buildView(
  schema: SchemaStore,
  raw: Json,
  path: string,
  now: number,
): ViewDefinition {
  const ownRaw =
    raw.properties === undefined
      ? {}
      : asRecord(raw.properties, `${path}.properties`);
  const properties: Json = {};
  for (const parentRef of implementsOf(raw)) {
    const parent = findView(schema, parentRef);
    if (!parent)
      throw new ApiError(
        400,
        `${path}.implements: view ${viewKeyOf(parentRef)} does not exist`,
        [
          {
            type: "view",
            space: parentRef.space,
            externalId: parentRef.externalId,
            version: parentRef.version,
          },
        ],
      );
    for (const [id, property] of Object.entries(parent.definition.properties))
      if (!(id in properties)) properties[id] = propertyAsRead(property);
  }
  for (const [id, rawProperty] of Object.entries(ownRaw)) {
    const property = asRecord(rawProperty, `${path}.properties.${id}`);
    properties[id] =
      property.connectionType !== undefined || property.container === undefined
        ? property
        : mappedFromContainer(schema, property, `${path}.properties.${id}`);
  }
  const composed: Json = {
    ...raw,
    properties,
    createdTime: now,
    lastUpdatedTime: now,
  };
  delete composed.writable;
  delete composed.queryable;
  delete composed.mappedContainers;
  delete composed.isGlobal;
  const view = viaInputValidator(() =>
    normalizeView(composed, { file: path, path: "$" }),
  );
  view.writable = mapsEveryRequiredProperty(schema, view);
  return view;
}

/** The API: a view is writable when it maps every non-nullable property of the containers it maps. */
function mapsEveryRequiredProperty(
  schema: SchemaStore,
  view: ViewDefinition,
): boolean {
  const mapped = new Set<string>();
  for (const property of Object.values(view.properties))
    if (property.kind === "mapped")
      mapped.add(
        `${containerKeyOf(property.container)}\u0000${property.containerPropertyIdentifier}`,
      );
  return view.mappedContainers.every((ref) => {
    const container = schema.containers.get(containerKeyOf(ref));
    if (!container) return true;
    for (const [id, def] of container.properties) {
      const required =
        !def.nullable && !def.autoIncrement && def.defaultValue === undefined;
      if (required && !mapped.has(`${container.key}\u0000${id}`)) return false;
    }
    return true;
  });
}

function propertyAsRead(property: ViewDefinition["properties"][string]): Json {
  const { kind: _kind, ...rest } = property;
  return rest as Json;
}

/** A mapped property of a view create request, completed from its container. */
function mappedFromContainer(
  schema: SchemaStore,
  property: Json,
  path: string,
): Json {
  const ref = asRecord(property.container, `${path}.container`);
  const key = containerKeyOf({
    space: asString(ref.space, `${path}.container.space`),
    externalId: asString(ref.externalId, `${path}.container.externalId`),
  });
  const container = schema.containers.get(key);
  const id = asString(
    property.containerPropertyIdentifier,
    `${path}.containerPropertyIdentifier`,
  );
  const definition = container?.properties.get(id);
  if (!container || !definition)
    throw new ApiError(
      400,
      `${path}: container property ${key}.${id} does not exist`,
      [{ type: "container", space: ref.space, externalId: ref.externalId }],
    );
  const type: Json = { ...definition.type };
  if (property.source !== undefined && definition.type.type === "direct")
    type.source = property.source;
  const out: Json = {
    container: container.ref,
    containerPropertyIdentifier: id,
    type,
    nullable: definition.nullable,
    immutable: definition.immutable,
    autoIncrement: definition.autoIncrement,
  };
  if (definition.defaultValue !== undefined)
    out.defaultValue = definition.defaultValue;
  const name = property.name ?? definition.name;
  const description = property.description ?? definition.description;
  if (name !== undefined) out.name = name;
  if (description !== undefined) out.description = description;
  return out;
}

/** Stores the view unless an equal one exists; a different view of the same version is refused. */
function commitView(schema: SchemaStore, view: ViewDefinition): ViewDefinition {
  const key = viewKeyOf(view);
  const stored = schema.views.get(key);
  // An unavailable view (a container it mapped was deleted) is replaced by the one applied now.
  const existing =
    stored && isAvailable(schema, stored) ? stored.definition : undefined;
  if (existing) {
    if (!sameJson(viewShape(existing), viewShape(view)))
      throw badRequest(
        `View ${key} already exists with other properties, implements or filter; only name and description may change within a version: apply it with a new version`,
      );
    if (
      existing.name === view.name &&
      existing.description === view.description
    )
      return existing;
    if (existing.createdTime !== undefined)
      view.createdTime = existing.createdTime;
  }
  schema.views.set(key, resolveView(view, schema.containers));
  return view;
}

/**
 * What a view version fixes: filter, implements, usedFor, and per property what it maps or
 * connects. Names, descriptions and what the API derives (writable, queryable, mappedContainers,
 * types copied from containers) are left out, so re-applying a view given with `--views` is a no-op.
 */
function viewShape(view: ViewDefinition): Json {
  const properties: Json = {};
  for (const [id, property] of Object.entries(view.properties)) {
    if (property.kind === "mapped") {
      const source =
        property.type.type === "direct" ? property.type.source : undefined;
      properties[id] = {
        container: containerKeyOf(property.container),
        property: property.containerPropertyIdentifier,
        source: source === undefined ? undefined : viewKeyOf(source),
      };
    } else {
      const { name: _n, description: _d, ...rest } = property;
      properties[id] = rest;
    }
  }
  return {
    filter: view.filter,
    implements: view.implements.map(viewKeyOf),
    usedFor: view.usedFor,
    properties,
  };
}

/** The apply response carries inherited properties, as GET does by default. */
function viewToApiFull(schema: SchemaStore, view: ViewDefinition): Json {
  return viewToApi(schema, schema.views.get(viewKeyOf(view))!, true);
}

export function deleteViews(state: EmulatorState, body: unknown): Json {
  const named = versionedIds(body);
  refuseSystemSpaces(
    state.schema,
    named.map((ref) => ref.space),
  );
  const refs = named.filter((ref) => state.schema.views.has(viewKeyOf(ref)));
  for (const ref of refs) state.schema.views.delete(viewKeyOf(ref));
  return { items: refs };
}

// ---- data models

export function applyDataModels(state: EmulatorState, body: unknown): Json {
  const items = boundedItems(body, 100);
  const now = state.clock.now();
  const models = items.map((raw, i) => {
    const obj = asRecord(raw, `items[${i}]`);
    const model: DataModelDefinition = {
      space: asString(obj.space, `items[${i}].space`),
      externalId: asString(obj.externalId, `items[${i}].externalId`),
      version: asString(obj.version, `items[${i}].version`),
      views: [],
    };
    if (typeof obj.name === "string") model.name = obj.name;
    if (typeof obj.description === "string")
      model.description = obj.description;
    return { model, obj, path: `items[${i}]` };
  });
  rejectDuplicates(models.map((m) => m.model));
  refuseSystemSpaces(
    state.schema,
    models.map((m) => m.model.space),
  );
  requireSpaces(
    state.schema,
    models.map((m) => m.model.space),
  );
  const stored = models.map(({ model, obj, path }) => {
    const entries =
      obj.views === undefined || obj.views === null
        ? []
        : (obj.views as unknown[]);
    if (!Array.isArray(entries))
      throw badRequest(`${path}.views must be an array`);
    const inline = entries.filter(
      (e) => isRecord(e) && e.properties !== undefined,
    );
    if (inline.length > 0) applyViewItems(state, inline, `${path}.views`);
    model.views = entries.map((entry, j) => {
      const ref = asRecord(entry, `${path}.views[${j}]`);
      const view: ViewReference = {
        type: "view",
        space: asString(ref.space, `${path}.views[${j}].space`),
        externalId: asString(ref.externalId, `${path}.views[${j}].externalId`),
        version: asString(ref.version, `${path}.views[${j}].version`),
      };
      if (!findStoredView(state.schema, view))
        throw new ApiError(
          400,
          `${path}.views[${j}]: view ${viewKeyOf(view)} does not exist`,
          [{ ...view }],
        );
      return view;
    });
    return upsertDataModel(state.schema, model, now);
  });
  return { items: stored.map((m) => dataModelToApi(state.schema, m, false)) };
}

function upsertDataModel(
  schema: SchemaStore,
  model: DataModelDefinition,
  now: number,
): StoredDataModel {
  const index = schema.dataModels.findIndex(
    (m) => viewKeyOf(m) === viewKeyOf(model),
  );
  const existing = schema.dataModels[index];
  if (existing) {
    const { createdTime: _c, lastUpdatedTime: _u, ...before } = existing;
    if (sameJson(before, model)) return existing;
    const updated = {
      ...model,
      createdTime: existing.createdTime,
      lastUpdatedTime: now,
    };
    schema.dataModels[index] = updated;
    return updated;
  }
  const created = { ...model, createdTime: now, lastUpdatedTime: now };
  schema.dataModels.push(created);
  return created;
}

export function deleteDataModels(state: EmulatorState, body: unknown): Json {
  const refs = versionedIds(body);
  refuseSystemSpaces(
    state.schema,
    refs.map((ref) => ref.space),
  );
  const keys = new Set(refs.map(viewKeyOf));
  const deleted = state.schema.dataModels.filter((m) => keys.has(viewKeyOf(m)));
  state.schema.dataModels = state.schema.dataModels.filter(
    (m) => !keys.has(viewKeyOf(m)),
  );
  return {
    items: deleted.map((m) => ({
      space: m.space,
      externalId: m.externalId,
      version: m.version,
    })),
  };
}

// ---- shared

function versionedIds(
  body: unknown,
): { space: string; externalId: string; version: string }[] {
  return boundedItems(body, 100).map((raw, i) => {
    const obj = asRecord(raw, `items[${i}]`);
    return {
      space: asString(obj.space, `items[${i}].space`),
      externalId: asString(obj.externalId, `items[${i}].externalId`),
      version: asString(obj.version, `items[${i}].version`),
    };
  });
}

function rejectDuplicates(
  ids: { space: string; externalId: string; version?: string }[],
): void {
  const seen = new Set<string>();
  const duplicated: Record<string, unknown>[] = [];
  for (const id of ids) {
    const key = `${id.space}:${id.externalId}/${id.version ?? ""}`;
    if (seen.has(key)) duplicated.push({ ...id });
    seen.add(key);
  }
  if (duplicated.length > 0)
    throw badRequest("The request names some items more than once", {
      duplicated,
    });
}

function viewReferenceOf(view: ViewDefinition): ViewReference {
  return {
    type: "view",
    space: view.space,
    externalId: view.externalId,
    version: view.version,
  };
}

function page<T>(
  all: T[],
  params: URLSearchParams,
  kind: string,
  limit: number,
  toApi: (item: T) => Json,
): Json {
  const offset = pageOffset(params, kind);
  const out: Json = { items: all.slice(offset, offset + limit).map(toApi) };
  if (offset + limit < all.length)
    out.nextCursor = encodeCursor({ k: kind, o: offset + limit });
  return out;
}

// The schema store: the loaded views and data models, and the containers derived from the views'
// mapped properties. A write through a view lands in these containers, so two views that map one
// container property see one value.

import type {
  ContainerReference,
  JsonValue,
  SourceReference,
  ViewReference,
} from "../../../templates/runtime/core/wire.js";
import type {
  DataModelDefinition,
  MappedPropertyDefinition,
  PropertyType,
  ViewDefinition,
} from "../../input/types.js";

export interface ContainerPropertyDefinition {
  name?: string;
  description?: string;
  type: PropertyType;
  nullable: boolean;
  immutable: boolean;
  autoIncrement: boolean;
  defaultValue?: JsonValue;
}

/** What a container holds: nodes, edges, both (`all`), or records (never instances). */
export type ContainerUsedFor = "node" | "edge" | "all" | "record";

export interface ContainerDefinition {
  ref: ContainerReference;
  key: string;
  properties: Map<string, ContainerPropertyDefinition>;
  name?: string;
  description?: string;
  usedFor: ContainerUsedFor;
  createdTime: number;
  lastUpdatedTime: number;
  /** Kept as given (the emulator does not enforce them) so reads return them. */
  constraints: Record<string, JsonValue>;
  indexes: Record<string, JsonValue>;
  /** True for containers created through the API; false for those derived from `--views`. */
  explicit: boolean;
}

export interface SpaceRecord {
  space: string;
  name?: string;
  description?: string;
  createdTime: number;
  lastUpdatedTime: number;
}

/** A data model with the timestamps the API returns. */
export interface StoredDataModel extends DataModelDefinition {
  createdTime: number;
  lastUpdatedTime: number;
}

/** A view property that maps a container property, resolved to the container's key. */
export interface ResolvedMappedProperty {
  propertyId: string;
  containerKey: string;
  containerPropertyId: string;
  definition: MappedPropertyDefinition;
}

export interface ResolvedView {
  definition: ViewDefinition;
  key: string;
  /** `externalId/version`, the key of the view's group in read `properties`. */
  groupKey: string;
  mapped: Map<string, ResolvedMappedProperty>;
  /** Keys of the containers the view maps; an instance "has data" in the view when it has all of them. */
  containerKeys: string[];
}

export interface SchemaStore {
  spaces: Map<string, SpaceRecord>;
  views: Map<string, ResolvedView>;
  containers: Map<string, ContainerDefinition>;
  dataModels: StoredDataModel[];
  /** Spaces of views and data models loaded with `isGlobal: true` (besides the `cdf_` spaces). */
  globalSpaces: Set<string>;
  /** Keys of containers derived from `--views` that were deleted: a restart must not bring them back. */
  removedContainers: Set<string>;
  /** When views carry no timestamps the API shape still needs them. */
  loadedAt: number;
}

/**
 * CDF's system spaces (`cdf_cdm`, `cdf_cdm_3d`, `cdf_cdm_units`, `cdf_core`, ...: the `cdf_`
 * prefix), and any space whose views or data models were loaded as global: their schema is global
 * (listed only with `includeGlobal=true`) and read-only (assumptions.ts "system-spaces").
 */
export function isSystemSpace(schema: SchemaStore, space: string): boolean {
  return space.startsWith("cdf_") || schema.globalSpaces.has(space);
}

export function containerKeyOf(ref: {
  space: string;
  externalId: string;
}): string {
  return `${ref.space}:${ref.externalId}`;
}

export function viewKeyOf(ref: {
  space: string;
  externalId: string;
  version: string;
}): string {
  return `${ref.space}:${ref.externalId}/${ref.version}`;
}

export function buildSchema(
  views: readonly ViewDefinition[],
  dataModels: readonly DataModelDefinition[],
  loadedAt: number,
): SchemaStore {
  const schema: SchemaStore = {
    spaces: new Map(),
    views: new Map(),
    containers: new Map(),
    dataModels: dataModels.map((m) => ({
      ...m,
      createdTime: loadedAt,
      lastUpdatedTime: loadedAt,
    })),
    globalSpaces: new Set(),
    removedContainers: new Set(),
    loadedAt,
  };
  for (const item of [...views, ...dataModels])
    if (item.isGlobal === true) schema.globalSpaces.add(item.space);
  for (const view of views) {
    const timed = {
      ...view,
      createdTime: view.createdTime ?? loadedAt,
      lastUpdatedTime: view.lastUpdatedTime ?? view.createdTime ?? loadedAt,
    };
    schema.views.set(viewKeyOf(view), resolveView(timed, schema.containers));
  }
  // Every space the schema names exists from the start (instance spaces are created separately).
  for (const space of schemaSpaces(schema)) addSpace(schema, space, loadedAt);
  return schema;
}

function schemaSpaces(schema: SchemaStore): string[] {
  const spaces = new Set<string>();
  for (const view of schema.views.values()) {
    spaces.add(view.definition.space);
    for (const property of Object.values(view.definition.properties))
      if (property.kind === "edge") spaces.add(property.type.space);
  }
  for (const container of schema.containers.values())
    spaces.add(container.ref.space);
  for (const model of schema.dataModels) spaces.add(model.space);
  return [...spaces];
}

/** Creates the space unless it exists. */
export function addSpace(
  schema: SchemaStore,
  space: string,
  now: number,
): void {
  if (!schema.spaces.has(space))
    schema.spaces.set(space, { space, createdTime: now, lastUpdatedTime: now });
}

/**
 * The view with its mapped properties resolved to container keys. With `register` (views given
 * with `--views`), the containers its properties map are derived from it; a view restored from a
 * state file maps only containers that exist (a deleted one is not brought back).
 */
export function resolveView(
  view: ViewDefinition,
  containers: Map<string, ContainerDefinition>,
  register = true,
): ResolvedView {
  const mapped = new Map<string, ResolvedMappedProperty>();
  const containerKeys = new Set<string>();
  for (const [propertyId, property] of Object.entries(view.properties)) {
    if (property.kind !== "mapped") continue;
    const containerKey = containerKeyOf(property.container);
    containerKeys.add(containerKey);
    mapped.set(propertyId, {
      propertyId,
      containerKey,
      containerPropertyId: property.containerPropertyIdentifier,
      definition: property,
    });
    if (register)
      registerContainerProperty(containers, containerKey, property, view);
  }
  for (const ref of view.mappedContainers)
    containerKeys.add(containerKeyOf(ref));
  return {
    definition: view,
    key: viewKeyOf(view),
    groupKey: `${view.externalId}/${view.version}`,
    mapped,
    containerKeys: [...containerKeys],
  };
}

/** The first view that maps a container property defines it; views of one model agree on it. */
function registerContainerProperty(
  containers: Map<string, ContainerDefinition>,
  key: string,
  property: MappedPropertyDefinition,
  view: ViewDefinition,
): void {
  const createdTime = view.createdTime ?? 0;
  let container = containers.get(key);
  if (!container) {
    container = {
      ref: {
        type: "container",
        space: property.container.space,
        externalId: property.container.externalId,
      },
      key,
      properties: new Map(),
      usedFor:
        view.usedFor === "edge" || view.usedFor === "all"
          ? view.usedFor
          : "node",
      createdTime,
      lastUpdatedTime: createdTime,
      constraints: {},
      indexes: {},
      explicit: false,
    };
    containers.set(key, container);
  }
  if (container.properties.has(property.containerPropertyIdentifier)) return;
  const definition: ContainerPropertyDefinition = {
    type: property.type,
    nullable: property.nullable,
    immutable: property.immutable,
    autoIncrement: property.autoIncrement,
  };
  if (property.defaultValue !== undefined && property.defaultValue !== null)
    definition.defaultValue = property.defaultValue;
  container.properties.set(property.containerPropertyIdentifier, definition);
}

/** The view, unless it does not exist or is unavailable (see `isAvailable`): for instance operations. */
export function findView(
  schema: SchemaStore,
  ref: ViewReference,
): ResolvedView | undefined {
  const view = schema.views.get(viewKeyOf(ref));
  return view && isAvailable(schema, view) ? view : undefined;
}

/** The view as a schema resource, available or not: what lists, byids and data models see. */
export function findStoredView(
  schema: SchemaStore,
  ref: ViewReference,
): ResolvedView | undefined {
  return schema.views.get(viewKeyOf(ref));
}

/**
 * A view is available while every container it maps exists. Deleting a container a view maps
 * leaves the view in place but unavailable (assumptions.ts "schema-delete"): it is still listed,
 * returned by byids, referenced by data models and deletable, but instance operations through it
 * (read, write, filter, search, query, sync) answer as for a view that does not exist.
 */
export function isAvailable(schema: SchemaStore, view: ResolvedView): boolean {
  for (const key of view.containerKeys)
    if (!schema.containers.has(key)) return false;
  return true;
}

export function findSource(
  schema: SchemaStore,
  ref: SourceReference,
): ResolvedView | ContainerDefinition | undefined {
  return ref.type === "view"
    ? findView(schema, ref)
    : schema.containers.get(containerKeyOf(ref));
}

/** Every view (available or not) with this space and externalId, newest version last (by createdTime, then version). */
export function viewVersions(
  schema: SchemaStore,
  space: string,
  externalId: string,
): ResolvedView[] {
  const found = [...schema.views.values()].filter(
    (v) =>
      v.definition.space === space && v.definition.externalId === externalId,
  );
  return found.sort(
    (a, b) =>
      (a.definition.createdTime ?? 0) - (b.definition.createdTime ?? 0) ||
      compare(a.definition.version, b.definition.version),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function viewRef(view: ViewDefinition): ViewReference {
  return {
    type: "view",
    space: view.space,
    externalId: view.externalId,
    version: view.version,
  };
}

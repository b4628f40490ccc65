// The schema store: the loaded views and data models, and the containers derived from the views'
// mapped properties. A write through a view lands in these containers, so two views that map one
// container property see one value.

import type {
  ContainerReference,
  JsonValue,
  SourceReference,
  ViewReference,
} from "../../templates/runtime/wire.js";
import type {
  DataModelDefinition,
  MappedPropertyDefinition,
  PropertyType,
  ViewDefinition,
} from "../input/types.js";

export interface ContainerPropertyDefinition {
  type: PropertyType;
  nullable: boolean;
  immutable: boolean;
  autoIncrement: boolean;
  defaultValue?: JsonValue;
}

export interface ContainerDefinition {
  ref: ContainerReference;
  key: string;
  properties: Map<string, ContainerPropertyDefinition>;
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
  views: Map<string, ResolvedView>;
  containers: Map<string, ContainerDefinition>;
  dataModels: DataModelDefinition[];
  /** When views carry no timestamps the API shape still needs them. */
  loadedAt: number;
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
    views: new Map(),
    containers: new Map(),
    dataModels: [...dataModels],
    loadedAt,
  };
  for (const view of views)
    schema.views.set(viewKeyOf(view), resolveView(view, schema.containers));
  return schema;
}

function resolveView(
  view: ViewDefinition,
  containers: Map<string, ContainerDefinition>,
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
    registerContainerProperty(containers, containerKey, property);
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
): void {
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

export function findView(
  schema: SchemaStore,
  ref: ViewReference,
): ResolvedView | undefined {
  return schema.views.get(viewKeyOf(ref));
}

export function findSource(
  schema: SchemaStore,
  ref: SourceReference,
): ResolvedView | ContainerDefinition | undefined {
  return ref.type === "view"
    ? findView(schema, ref)
    : schema.containers.get(containerKeyOf(ref));
}

/** Every view with this space and externalId, newest version last (by createdTime, then version). */
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

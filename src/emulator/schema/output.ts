// The schema store's views and data models in the API's read shape (ViewDefinition, DataModel).

import type { JsonValue } from "../../../templates/runtime/core/wire.js";
import type {
  MappedPropertyDefinition,
  PropertyType,
  ReverseDirectRelationDefinition,
  ViewDefinition,
  ViewPropertyDefinition,
} from "../../input/types.js";
import {
  containerKeyOf,
  findStoredView,
  isSystemSpace,
  viewKeyOf,
  type ContainerDefinition,
  type ResolvedView,
  type SchemaStore,
  type StoredDataModel,
} from "./store.js";

type Json = { [key: string]: unknown };

export function viewToApi(
  schema: SchemaStore,
  view: ResolvedView,
  includeInherited: boolean,
): Json {
  const def = view.definition;
  const inherited = includeInherited
    ? new Set<string>()
    : inheritedPropertyIds(schema, def);
  const properties: Json = {};
  for (const [id, property] of Object.entries(def.properties)) {
    if (!inherited.has(id)) properties[id] = propertyToApi(schema, property);
  }
  const out: Json = {
    space: def.space,
    externalId: def.externalId,
    version: def.version,
  };
  if (def.name !== undefined) out.name = def.name;
  if (def.description !== undefined) out.description = def.description;
  if (def.filter !== undefined) out.filter = def.filter;
  out.implements = def.implements;
  out.createdTime = def.createdTime ?? schema.loadedAt;
  out.lastUpdatedTime =
    def.lastUpdatedTime ?? def.createdTime ?? schema.loadedAt;
  out.writable = def.writable;
  out.queryable = def.queryable;
  out.usedFor = def.usedFor;
  out.isGlobal = def.isGlobal || isSystemSpace(schema, def.space);
  out.mappedContainers = def.mappedContainers;
  out.properties = properties;
  return out;
}

/** Property ids that the view gets from the views it implements (transitively, as far as they are loaded). */
function inheritedPropertyIds(
  schema: SchemaStore,
  def: ViewDefinition,
): Set<string> {
  const ids = new Set<string>();
  const seen = new Set<string>();
  const queue = [...def.implements];
  while (queue.length > 0) {
    const ref = queue.shift()!;
    const key = viewKeyOf(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    const parent = findStoredView(schema, ref);
    if (!parent) continue;
    for (const id of Object.keys(parent.definition.properties)) ids.add(id);
    queue.push(...parent.definition.implements);
  }
  return ids;
}

export function propertyToApi(
  schema: SchemaStore,
  property: ViewPropertyDefinition,
): Json {
  const { kind: _kind, ...rest } = property;
  if (property.kind === "reverse")
    return {
      ...rest,
      targetsList: property.targetsList ?? throughIsList(schema, property),
    };
  if (property.kind !== "mapped") return rest;
  return {
    ...rest,
    type: typeToApi(property.type),
    constraintState: constraintState(property),
  };
}

/** Older view dumps lack `targetsList`; the API derives it from the direct relation it goes through. */
function throughIsList(
  schema: SchemaStore,
  property: ReverseDirectRelationDefinition,
): boolean {
  const { source, identifier } = property.through;
  const type =
    source.type === "view"
      ? findStoredView(schema, source)?.mapped.get(identifier)?.definition.type
      : schema.containers
          .get(containerKeyOf(source))
          ?.properties.get(identifier)?.type;
  return type !== undefined && type.type !== "enum" && type.list;
}

/** Property type information as `typing` returns it (ViewCorePropertyDefinition). */
export function typingOf(property: MappedPropertyDefinition): Json {
  const out: Json = {
    type: typeToApi(property.type),
    nullable: property.nullable,
    immutable: property.immutable,
    autoIncrement: property.autoIncrement,
    constraintState: constraintState(property),
  };
  if (property.defaultValue !== undefined)
    out.defaultValue = property.defaultValue as JsonValue;
  if (property.name !== undefined) out.name = property.name;
  if (property.description !== undefined)
    out.description = property.description;
  return out;
}

function typeToApi(type: PropertyType): Json {
  if (type.type === "enum") {
    const { list: _list, ...rest } = type;
    return rest;
  }
  return { ...type };
}

function constraintState(property: {
  nullable: boolean;
  type: PropertyType;
}): Json {
  const state: Json = {};
  if (!property.nullable) state.nullability = "current";
  if (property.type.type !== "enum" && property.type.maxListSize !== undefined)
    state.maxListSize = "current";
  if (property.type.type === "text" && property.type.maxTextSize !== undefined)
    state.maxTextSize = "current";
  return state;
}

export function dataModelToApi(
  schema: SchemaStore,
  model: StoredDataModel,
  inlineViews: boolean,
): Json {
  const out: Json = {
    space: model.space,
    externalId: model.externalId,
    version: model.version,
  };
  if (model.name !== undefined) out.name = model.name;
  if (model.description !== undefined) out.description = model.description;
  out.createdTime = model.createdTime;
  out.lastUpdatedTime = model.lastUpdatedTime;
  out.isGlobal = model.isGlobal === true || isSystemSpace(schema, model.space);
  out.views = model.views.map((ref) => {
    const view = inlineViews ? findStoredView(schema, ref) : undefined;
    return view
      ? viewToApi(schema, view, true)
      : {
          type: "view",
          space: ref.space,
          externalId: ref.externalId,
          version: ref.version,
        };
  });
  return out;
}

/** A container in the read shape (ContainerDefinition). */
export function containerToApi(
  schema: SchemaStore,
  container: ContainerDefinition,
): Json {
  const properties: Json = {};
  for (const [id, property] of container.properties) {
    const out: Json = {};
    if (property.name !== undefined) out.name = property.name;
    if (property.description !== undefined)
      out.description = property.description;
    out.type = typeToApi(property.type);
    out.nullable = property.nullable;
    out.immutable = property.immutable;
    out.autoIncrement = property.autoIncrement;
    if (property.defaultValue !== undefined)
      out.defaultValue = property.defaultValue;
    out.constraintState = constraintState(property);
    properties[id] = out;
  }
  const out: Json = {
    space: container.ref.space,
    externalId: container.ref.externalId,
  };
  if (container.name !== undefined) out.name = container.name;
  if (container.description !== undefined)
    out.description = container.description;
  out.usedFor = container.usedFor;
  out.properties = properties;
  out.constraints = container.constraints;
  out.indexes = container.indexes;
  out.createdTime = container.createdTime;
  out.lastUpdatedTime = container.lastUpdatedTime;
  out.isGlobal = isSystemSpace(schema, container.ref.space);
  return out;
}

/** Deep equality of JSON-like values, key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return (
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameJson(item, b[i]))
    );
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Json)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Json)[k] !== undefined);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameJson((a as Json)[k], (b as Json)[k]))
    );
  }
  return false;
}

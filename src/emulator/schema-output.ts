// The schema store's views and data models in the API's read shape (ViewDefinition, DataModel).

import type { JsonValue } from "../../templates/runtime/wire.js";
import type {
  DataModelDefinition,
  MappedPropertyDefinition,
  PropertyType,
  ReverseDirectRelationDefinition,
  ViewDefinition,
  ViewPropertyDefinition,
} from "../input/types.js";
import {
  containerKeyOf,
  findView,
  viewKeyOf,
  type ResolvedView,
  type SchemaStore,
} from "./schema.js";

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
  out.isGlobal = def.isGlobal;
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
    const parent = findView(schema, ref);
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
      ? findView(schema, source)?.mapped.get(identifier)?.definition.type
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

function constraintState(property: MappedPropertyDefinition): Json {
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
  model: DataModelDefinition,
  inlineViews: boolean,
): Json {
  const out: Json = {
    space: model.space,
    externalId: model.externalId,
    version: model.version,
  };
  if (model.name !== undefined) out.name = model.name;
  if (model.description !== undefined) out.description = model.description;
  out.createdTime = schema.loadedAt;
  out.lastUpdatedTime = schema.loadedAt;
  out.isGlobal = false;
  out.views = model.views.map((ref) => {
    const view = inlineViews ? findView(schema, ref) : undefined;
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

// Turns one parsed view definition into the normalised ViewDefinition, validating as it goes.
// Accepts the current API read shape and the older ones: a direct relation's target view at
// `source` (write shape) instead of `type.source`, edge connections without `connectionType`,
// references without their `type` discriminator, and no `queryable` / `mappedContainers`.

import type { JsonValue } from "../../templates/runtime/core/wire.js";
import {
  at,
  describe,
  emptyRecord,
  expectArray,
  expectObject,
  fail,
  isObject,
  oneOf,
  optionalBoolean,
  optionalNumber,
  optionalPositiveInteger,
  optionalString,
  requiredString,
  type JsonLocation,
  type JsonObject,
} from "./json-reader.js";
import type {
  ContainerReference,
  EdgeConnectionDefinition,
  EnumPropertyType,
  InstanceId,
  MappedPropertyDefinition,
  PrimitiveTypeName,
  PropertyType,
  ReverseDirectRelationDefinition,
  UsedFor,
  ViewDefinition,
  ViewPropertyDefinition,
  ViewReference,
} from "./types.js";

const PRIMITIVE_TYPES: readonly PrimitiveTypeName[] = [
  "text",
  "boolean",
  "int32",
  "int64",
  "float32",
  "float64",
  "timestamp",
  "date",
  "json",
  "timeseries",
  "file",
  "sequence",
];
const PROPERTY_TYPES = [...PRIMITIVE_TYPES, "direct", "enum"] as const;
const CONNECTION_TYPES = [
  "single_edge_connection",
  "multi_edge_connection",
  "single_reverse_direct_relation",
  "multi_reverse_direct_relation",
] as const;
const USED_FOR: readonly UsedFor[] = ["node", "edge", "all", "record"];

/** DMS identifier rules (memo §1.1). */
const SPACE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,41}[a-zA-Z0-9]?$/;
const EXTERNAL_ID_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_]{0,253}[a-zA-Z0-9])?$/;
const VERSION_PATTERN = /^[a-zA-Z0-9]([.a-zA-Z0-9_-]{0,41}[a-zA-Z0-9])?$/;
const PROPERTY_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,253}[a-zA-Z0-9]?$/;
const ENUM_VALUE_PATTERN = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

export function isViewLike(value: unknown): boolean {
  return (
    isObject(value) &&
    "properties" in value &&
    "space" in value &&
    "externalId" in value
  );
}

export function normalizeView(
  raw: unknown,
  location: JsonLocation,
): ViewDefinition {
  const obj = expectObject(raw, location);
  const space = patterned(obj, "space", SPACE_PATTERN, location, "space");
  const externalId = patterned(
    obj,
    "externalId",
    EXTERNAL_ID_PATTERN,
    location,
    "view externalId",
  );
  const version = patterned(
    obj,
    "version",
    VERSION_PATTERN,
    location,
    "view version",
  );
  const propertiesLocation = at(location, "properties");
  const rawProperties = expectObject(obj.properties, propertiesLocation);
  const properties = emptyRecord<ViewPropertyDefinition>();
  for (const [propertyId, rawProperty] of Object.entries(rawProperties)) {
    const propertyLocation = at(propertiesLocation, propertyId);
    if (!PROPERTY_ID_PATTERN.test(propertyId)) {
      fail(
        propertyLocation,
        `${JSON.stringify(propertyId)} is not a valid DMS property identifier`,
      );
    }
    properties[propertyId] = normalizeProperty(rawProperty, propertyLocation);
  }
  const usedFor =
    obj.usedFor == null
      ? "node"
      : oneOf(obj.usedFor, USED_FOR, at(location, "usedFor"), "usedFor");
  const view: ViewDefinition = {
    space,
    externalId,
    version,
    implements: normalizeImplements(obj.implements, at(location, "implements")),
    writable: optionalBoolean(obj, "writable", location) ?? true,
    queryable:
      optionalBoolean(obj, "queryable", location) ??
      deriveQueryable(obj.filter, properties),
    usedFor,
    isGlobal: optionalBoolean(obj, "isGlobal", location) ?? false,
    mappedContainers: normalizeMappedContainers(
      obj.mappedContainers,
      properties,
      at(location, "mappedContainers"),
    ),
    properties,
  };
  const name = optionalString(obj, "name", location);
  const description = optionalString(obj, "description", location);
  const createdTime = optionalNumber(obj, "createdTime", location);
  const lastUpdatedTime = optionalNumber(obj, "lastUpdatedTime", location);
  if (name !== undefined) view.name = name;
  if (description !== undefined) view.description = description;
  if (obj.filter != null)
    view.filter = expectObject(obj.filter, at(location, "filter")) as JsonValue;
  if (createdTime !== undefined) view.createdTime = createdTime;
  if (lastUpdatedTime !== undefined) view.lastUpdatedTime = lastUpdatedTime;
  return view;
}

function patterned(
  obj: JsonObject,
  key: string,
  pattern: RegExp,
  location: JsonLocation,
  what: string,
): string {
  const value = requiredString(obj, key, location);
  if (!pattern.test(value))
    fail(at(location, key), `${JSON.stringify(value)} is not a valid ${what}`);
  return value;
}

/** The API says: queryable when the view has a filter or maps at least one container property. */
function deriveQueryable(
  filter: unknown,
  properties: Record<string, ViewPropertyDefinition>,
): boolean {
  return (
    filter != null || Object.values(properties).some((p) => p.kind === "mapped")
  );
}

function normalizeImplements(
  raw: unknown,
  location: JsonLocation,
): ViewReference[] {
  if (raw == null) return [];
  return expectArray(raw, location).map((item, i) =>
    viewReference(item, at(location, i)),
  );
}

function normalizeMappedContainers(
  raw: unknown,
  properties: Record<string, ViewPropertyDefinition>,
  location: JsonLocation,
): ContainerReference[] {
  if (raw != null)
    return expectArray(raw, location).map((item, i) =>
      containerReference(item, at(location, i)),
    );
  const seen = new Map<string, ContainerReference>();
  for (const property of Object.values(properties)) {
    if (property.kind !== "mapped") continue;
    const key = `${property.container.space}:${property.container.externalId}`;
    if (!seen.has(key)) seen.set(key, property.container);
  }
  return [...seen.values()];
}

export function viewReference(
  raw: unknown,
  location: JsonLocation,
): ViewReference {
  const obj = expectObject(raw, location);
  if (obj.type != null && obj.type !== "view") {
    fail(
      at(location, "type"),
      `expected a view reference ("type": "view"), found ${describe(obj.type)}`,
    );
  }
  return {
    type: "view",
    space: requiredString(obj, "space", location),
    externalId: requiredString(obj, "externalId", location),
    version: requiredString(obj, "version", location),
  };
}

function containerReference(
  raw: unknown,
  location: JsonLocation,
): ContainerReference {
  const obj = expectObject(raw, location);
  if (obj.type != null && obj.type !== "container") {
    fail(
      at(location, "type"),
      `expected a container reference ("type": "container"), found ${describe(obj.type)}`,
    );
  }
  return {
    type: "container",
    space: requiredString(obj, "space", location),
    externalId: requiredString(obj, "externalId", location),
  };
}

function instanceId(raw: unknown, location: JsonLocation): InstanceId {
  const obj = expectObject(raw, location);
  return {
    space: requiredString(obj, "space", location),
    externalId: requiredString(obj, "externalId", location),
  };
}

function normalizeProperty(
  raw: unknown,
  location: JsonLocation,
): ViewPropertyDefinition {
  const obj = expectObject(raw, location);
  if (obj.connectionType != null) {
    const connectionType = oneOf(
      obj.connectionType,
      CONNECTION_TYPES,
      at(location, "connectionType"),
      "connectionType",
    );
    return connectionType.endsWith("_reverse_direct_relation")
      ? reverseRelation(
          obj,
          connectionType as ReverseDirectRelationDefinition["connectionType"],
          location,
        )
      : edgeConnection(
          obj,
          connectionType as EdgeConnectionDefinition["connectionType"],
          location,
        );
  }
  if (obj.container != null) return mappedProperty(obj, location);
  // Older API versions had no connectionType: a `through` means a reverse direct relation,
  // a `type` node reference plus a target `source` view means an edge connection.
  if (obj.through != null)
    return reverseRelation(obj, "multi_reverse_direct_relation", location);
  if (isObject(obj.type) && obj.source != null)
    return edgeConnection(obj, "multi_edge_connection", location);
  fail(
    location,
    "not a property definition: expected a mapped property (with container) or a connection",
  );
}

function describedFields(
  obj: JsonObject,
  location: JsonLocation,
): { name?: string; description?: string } {
  const result: { name?: string; description?: string } = {};
  const name = optionalString(obj, "name", location);
  const description = optionalString(obj, "description", location);
  if (name !== undefined) result.name = name;
  if (description !== undefined) result.description = description;
  return result;
}

function edgeConnection(
  obj: JsonObject,
  connectionType: EdgeConnectionDefinition["connectionType"],
  location: JsonLocation,
): EdgeConnectionDefinition {
  const direction =
    obj.direction == null
      ? "outwards"
      : oneOf(
          obj.direction,
          ["outwards", "inwards"],
          at(location, "direction"),
          "direction",
        );
  const connection: EdgeConnectionDefinition = {
    kind: "edge",
    connectionType,
    type: instanceId(obj.type, at(location, "type")),
    source: viewReference(obj.source, at(location, "source")),
    direction,
    ...describedFields(obj, location),
  };
  if (obj.edgeSource != null)
    connection.edgeSource = viewReference(
      obj.edgeSource,
      at(location, "edgeSource"),
    );
  return connection;
}

function reverseRelation(
  obj: JsonObject,
  connectionType: ReverseDirectRelationDefinition["connectionType"],
  location: JsonLocation,
): ReverseDirectRelationDefinition {
  const throughLocation = at(location, "through");
  const through = expectObject(obj.through, throughLocation);
  // Older dumps name the through source `view`.
  const throughSourceRaw = through.source ?? through.view;
  const throughSourceObj = expectObject(
    throughSourceRaw,
    at(throughLocation, "source"),
  );
  const throughSource =
    throughSourceObj.type === "container"
      ? containerReference(throughSourceObj, at(throughLocation, "source"))
      : viewReference(throughSourceObj, at(throughLocation, "source"));
  const relation: ReverseDirectRelationDefinition = {
    kind: "reverse",
    connectionType,
    source: viewReference(obj.source, at(location, "source")),
    through: {
      source: throughSource,
      identifier: requiredString(through, "identifier", throughLocation),
    },
    ...describedFields(obj, location),
  };
  const targetsList = optionalBoolean(obj, "targetsList", location);
  if (targetsList !== undefined) relation.targetsList = targetsList;
  return relation;
}

function mappedProperty(
  obj: JsonObject,
  location: JsonLocation,
): MappedPropertyDefinition {
  const property: MappedPropertyDefinition = {
    kind: "mapped",
    container: containerReference(obj.container, at(location, "container")),
    containerPropertyIdentifier: requiredString(
      obj,
      "containerPropertyIdentifier",
      location,
    ),
    type: propertyType(
      obj.type,
      at(location, "type"),
      obj.source,
      at(location, "source"),
    ),
    nullable: optionalBoolean(obj, "nullable", location) ?? true,
    immutable: optionalBoolean(obj, "immutable", location) ?? false,
    autoIncrement: optionalBoolean(obj, "autoIncrement", location) ?? false,
    ...describedFields(obj, location),
  };
  if (obj.defaultValue != null)
    property.defaultValue = obj.defaultValue as JsonValue;
  if (
    property.autoIncrement &&
    property.type.type !== "int32" &&
    property.type.type !== "int64"
  ) {
    fail(
      at(location, "autoIncrement"),
      `autoIncrement is only allowed on int32 and int64, not ${property.type.type}`,
    );
  }
  if (property.defaultValue !== undefined)
    checkDefault(property, at(location, "defaultValue"));
  return property;
}

function propertyType(
  raw: unknown,
  location: JsonLocation,
  legacySource: unknown,
  legacySourceLocation: JsonLocation,
): PropertyType {
  const obj = expectObject(raw, location);
  const typeName = oneOf(
    obj.type,
    PROPERTY_TYPES,
    at(location, "type"),
    "property type",
  );
  if (typeName === "enum") return enumType(obj, location);
  const list = optionalBoolean(obj, "list", location) ?? false;
  const maxListSize = optionalPositiveInteger(obj, "maxListSize", location);
  if (maxListSize !== undefined && !list)
    fail(
      at(location, "maxListSize"),
      "maxListSize is only allowed on list properties",
    );
  if (typeName === "direct") {
    const direct: PropertyType = { type: "direct", list };
    if (maxListSize !== undefined) direct.maxListSize = maxListSize;
    if (obj.container != null)
      direct.container = containerReference(
        obj.container,
        at(location, "container"),
      );
    if (obj.source != null)
      direct.source = viewReference(obj.source, at(location, "source"));
    else if (legacySource != null)
      direct.source = viewReference(legacySource, legacySourceLocation);
    return direct;
  }
  const primitive: PropertyType = { type: typeName, list };
  if (maxListSize !== undefined) primitive.maxListSize = maxListSize;
  const maxTextSize = optionalPositiveInteger(obj, "maxTextSize", location);
  if (maxTextSize !== undefined) primitive.maxTextSize = maxTextSize;
  const collation = optionalString(obj, "collation", location);
  if (collation !== undefined) primitive.collation = collation;
  if (obj.unit != null) {
    const unitLocation = at(location, "unit");
    const unit = expectObject(obj.unit, unitLocation);
    const sourceUnit = optionalString(unit, "sourceUnit", unitLocation);
    primitive.unit = {
      externalId: requiredString(unit, "externalId", unitLocation),
    };
    if (sourceUnit !== undefined) primitive.unit.sourceUnit = sourceUnit;
  }
  return primitive;
}

function enumType(obj: JsonObject, location: JsonLocation): EnumPropertyType {
  if (obj.list === true)
    fail(at(location, "list"), "enum properties cannot be lists");
  const valuesLocation = at(location, "values");
  const rawValues = expectObject(obj.values, valuesLocation);
  const entries = Object.entries(rawValues);
  if (entries.length === 0)
    fail(valuesLocation, "an enum needs at least one value");
  const values = emptyRecord<EnumPropertyType["values"][string]>();
  for (const [value, rawMeta] of entries) {
    const valueLocation = at(valuesLocation, value);
    if (
      !ENUM_VALUE_PATTERN.test(value) ||
      ["true", "false", "null"].includes(value)
    ) {
      fail(
        valueLocation,
        `${JSON.stringify(value)} is not a valid enum value identifier`,
      );
    }
    const meta = rawMeta == null ? {} : expectObject(rawMeta, valueLocation);
    values[value] = describedFields(meta, valueLocation);
  }
  const result: EnumPropertyType = { type: "enum", list: false, values };
  const unknownValue = optionalString(obj, "unknownValue", location);
  if (unknownValue !== undefined) {
    if (!(unknownValue in values)) {
      fail(
        at(location, "unknownValue"),
        `${JSON.stringify(unknownValue)} is not one of the enum's values`,
      );
    }
    result.unknownValue = unknownValue;
  }
  return result;
}

/** A default value must fit its property type, or the generated apply type would lie. */
function checkDefault(
  property: MappedPropertyDefinition,
  location: JsonLocation,
): void {
  const value = property.defaultValue;
  const type = property.type;
  const ok = (() => {
    switch (type.type) {
      case "text":
      case "timestamp":
      case "date":
      case "timeseries":
      case "file":
      case "sequence":
        return typeof value === "string";
      case "boolean":
        return typeof value === "boolean";
      case "int32":
      case "int64":
        return typeof value === "number" && Number.isInteger(value);
      case "float32":
      case "float64":
        return typeof value === "number";
      case "json":
        return isObject(value);
      case "enum":
        return typeof value === "string" && value in type.values;
      case "direct":
        return isObject(value);
    }
  })();
  if (!ok)
    fail(
      location,
      `default value ${describe(value)} does not fit property type ${type.type}`,
    );
}

// Stored instances in the API's read shape (memo §4): base fields, and `properties` as
// {space: {"externalId/version": {propertyId: value}}} for the selected sources.

import type {
  InstanceRead,
  JsonValue,
  PropertyValues,
} from "../../templates/runtime/wire.js";
import type { StoredInstance } from "./store.js";

/** One selected source, resolved to (output property id → container key + container property id). */
export interface SelectedSource {
  space: string;
  groupKey: string;
  properties: {
    id: string;
    containerKey: string;
    containerPropertyId: string;
  }[];
  /** The instance must have rows in all of these to "have data" in the source. */
  containerKeys: string[];
}

export function hasDataIn(
  instance: StoredInstance,
  containerKeys: readonly string[],
): boolean {
  if (containerKeys.length === 0) return false;
  for (const key of containerKeys)
    if (instance.rows[key] === undefined) return false;
  return true;
}

/**
 * The read shape. Null (unset) values are left out. A source group appears only for sources the
 * instance has data in and that have a value; tombstones carry no properties.
 */
export function toRead(
  instance: StoredInstance,
  sources: readonly SelectedSource[],
): InstanceRead {
  const properties =
    instance.deletedTime === undefined && sources.length > 0
      ? project(instance, sources)
      : undefined;
  if (instance.kind === "node") {
    const node: InstanceRead = {
      instanceType: "node",
      space: instance.space,
      externalId: instance.externalId,
      version: instance.version,
      createdTime: instance.createdTime,
      lastUpdatedTime: instance.lastUpdatedTime,
    };
    if (instance.type !== undefined) node.type = instance.type;
    if (instance.deletedTime !== undefined)
      node.deletedTime = instance.deletedTime;
    if (properties) node.properties = properties;
    return node;
  }
  const edge: InstanceRead = {
    instanceType: "edge",
    space: instance.space,
    externalId: instance.externalId,
    version: instance.version,
    type: instance.type!,
    startNode: instance.startNode!,
    endNode: instance.endNode!,
    createdTime: instance.createdTime,
    lastUpdatedTime: instance.lastUpdatedTime,
  };
  if (instance.deletedTime !== undefined)
    edge.deletedTime = instance.deletedTime;
  if (properties) edge.properties = properties;
  return edge;
}

function project(
  instance: StoredInstance,
  sources: readonly SelectedSource[],
): Record<string, Record<string, PropertyValues>> {
  const out: Record<string, Record<string, PropertyValues>> = {};
  for (const source of sources) {
    if (!hasDataIn(instance, source.containerKeys)) continue;
    const values: PropertyValues = {};
    let count = 0;
    for (const p of source.properties) {
      const value: JsonValue | undefined =
        instance.rows[p.containerKey]?.[p.containerPropertyId];
      if (value !== undefined) {
        values[p.id] = value;
        count++;
      }
    }
    // The contract wants at least one property per group: a source whose values are all unset is left out.
    if (count > 0) (out[source.space] ??= {})[source.groupKey] = values;
  }
  return out;
}

// Stored instances in the API's read shape (memo §4): base fields, and `properties` as
// {space: {"externalId/version": {propertyId: value}}} for the selected sources.

import type {
  InstanceRead,
  JsonValue,
  PropertyValues,
} from "../../../templates/runtime/core/wire.js";
import { writeJson } from "../json.js";
import { storedValue, type StoredInstance } from "./store.js";

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
      const value: JsonValue | undefined = storedValue(
        instance.rows[p.containerKey],
        p.containerPropertyId,
      );
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

/**
 * A key naming what a selection reads (source groups and the container properties behind them):
 * two requests with equal keys read equal text from an unchanged instance.
 */
export function selectionKey(sources: readonly SelectedSource[]): string {
  return sources
    .map(
      (source) =>
        `${source.space}\u0000${source.groupKey}\u0000${source.containerKeys.join("\u0000")}\u0001${source.properties
          .map(
            (p) =>
              `${p.id}\u0000${p.containerKey}\u0000${p.containerPropertyId}`,
          )
          .join("\u0001")}`,
    )
    .join("\u0002");
}

/**
 * The read shape of a page of instances as a JSON array text. An instance read for the first time
 * at its current change goes into one `JSON.stringify` with the rest of the page (the cheapest way
 * to write it once); one read again at the same change keeps its own text from then on, so a page
 * of such instances (a sync repeated over unchanged data, another client's sync) costs a join
 * instead of a stringify. Every change of an instance stamps a new seq or replaces its rows, so a
 * memo with the same seq, rows and selection is still exact.
 */
export function readPageText(
  instances: readonly StoredInstance[],
  sources: readonly SelectedSource[],
  selection: string,
): string {
  const parts: (string | InstanceRead)[] = [];
  let objects = 0;
  for (const instance of instances) {
    const memo = instance.readMemo;
    if (
      memo !== undefined &&
      memo.seq === instance.seq &&
      memo.rows === instance.rows &&
      memo.selection === selection
    ) {
      parts.push(memo.text);
    } else if (instance.readSeq === instance.seq) {
      const text = writeJson(toRead(instance, sources));
      instance.readMemo = {
        seq: instance.seq,
        rows: instance.rows,
        selection,
        text,
      };
      parts.push(text);
    } else {
      instance.readSeq = instance.seq;
      parts.push(toRead(instance, sources));
      objects++;
    }
  }
  if (objects === parts.length) return writeJson(parts);
  if (objects === 0) return `[${parts.join(",")}]`;
  return `[${parts
    .map((part) => (typeof part === "string" ? part : writeJson(part)))
    .join(",")}]`;
}

// `client.apply` and `client.delete` across views, through the accessors' collector and engine.

import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
} from "../write/apply.js";
import type { DmsClient, TypedInstanceId } from "../read/dms-client.js";
import {
  TypedEdge,
  TypedEdgeApply,
  TypedNode,
  TypedNodeApply,
} from "../model/typed.js";
import { isIterable } from "./view-accessor.js";
import { idOf, isInstanceId } from "../model/collect.js";
import type { DeletedInstance } from "../core/wire.js";

/** An apply object of any generated view: a node or an edge. */
export type AnyApply = TypedNodeApply | TypedEdgeApply;

/** What `client.delete` takes: an id with its instance type, or a read or apply object. */
export type InstanceToDelete =
  TypedInstanceId | TypedNode | TypedEdge | TypedNodeApply | TypedEdgeApply;

/** The client-level methods of a generated client. */
export interface ClientWrites {
  /**
   * Creates or updates instances of any of the model's views, with their nested nodes and edges.
   * Two apply objects for one instance become one item (two views, two sources).
   */
  apply(
    items: AnyApply | Iterable<AnyApply> | AsyncIterable<AnyApply>,
    options?: ApplyOptions,
  ): Promise<ApplyResult>;
  /** Deletes nodes and edges of any view (deleting a node deletes its edges too). */
  delete(
    ids: readonly InstanceToDelete[],
    options?: DeleteOptions,
  ): Promise<DeletedInstance[]>;
}

export function clientWrites(dms: DmsClient): ClientWrites {
  return {
    // Async: a bad input rejects the promise as a failed request would, never throws.
    apply: async (items, options) =>
      dms.apply(isIterable(items) ? items : [items], options),
    delete: async (ids, options) => dms.delete(ids.map(deletedId), options),
  };
}

/** The id of an instance to delete, with its type; a TypeError (before any request) otherwise. */
function deletedId(item: InstanceToDelete, index: number): TypedInstanceId {
  const instanceType =
    item instanceof TypedEdgeApply || item instanceof TypedEdge
      ? "edge"
      : item instanceof TypedNodeApply || item instanceof TypedNode
        ? "node"
        : (item as Partial<TypedInstanceId>).instanceType;
  if (
    (instanceType === "node" || instanceType === "edge") &&
    isInstanceId(item)
  )
    return { instanceType, ...idOf(item) };
  throw new TypeError(
    `delete: item ${index} is neither { instanceType: "node" | "edge", space, externalId } nor a read or apply object of a generated view`,
  );
}

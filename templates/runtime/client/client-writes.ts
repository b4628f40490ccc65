// What the typed client offers besides its view accessors: `apply` and `delete` across views
// (through the same collector and apply engine as the accessors), and `spaces` over
// `/models/spaces`, typed, so that an app (or a test) creates its instance spaces with the client.

import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
} from "../write/apply.js";
import type { DmsClient, TypedInstanceId } from "../read/dms-client.js";
import {
  expectCursor,
  expectItems,
  expectObject,
  repeatedCursor,
  type HttpClient,
} from "../core/http.js";
import {
  TypedEdge,
  TypedEdgeApply,
  TypedNode,
  TypedNodeApply,
} from "../model/typed.js";
import { isIterable } from "./view-accessor.js";
import type { DeletedInstance } from "../core/wire.js";

/** An apply object of any generated view: a node or an edge. */
export type AnyApply = TypedNodeApply | TypedEdgeApply;

/**
 * What `client.delete` takes: an id that says whether it is a node or an edge, or a read or apply
 * object of a generated view (which knows).
 */
export type InstanceToDelete =
  TypedInstanceId | TypedNode | TypedEdge | TypedNodeApply | TypedEdgeApply;

/** The client-level methods of a generated client. */
export interface ClientWrites {
  /**
   * Creates or updates instances of any of the model's views (with their nested nodes and edges):
   * one apply object, a list, or any iterable or async iterable of them. One write-merge policy
   * with the accessors: two apply objects for one instance become one item (two views, two
   * sources), each instance is written and counted once.
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
  /** The project's spaces: apply, list, retrieve, delete. */
  readonly spaces: SpacesClient;
}

/** The client-level methods over one DMS client. */
export function clientWrites(dms: DmsClient): ClientWrites {
  return {
    // Async: a bad input rejects the promise as a failed request would, never throws.
    apply: async (items, options = {}) =>
      dms.apply(
        (isIterable(items) ? items : [items]) as Parameters<
          DmsClient["apply"]
        >[0],
        options,
      ),
    delete: async (ids, options = {}) =>
      dms.delete(ids.map(deletedId), options),
    spaces: new SpacesClient(dms.http),
  };
}

/** The id of an instance to delete, with its type; a TypeError (before any request) otherwise. */
function deletedId(item: InstanceToDelete, index: number): TypedInstanceId {
  const { space, externalId } = item;
  if (item instanceof TypedEdgeApply || item instanceof TypedEdge)
    return { instanceType: "edge", space, externalId };
  if (item instanceof TypedNodeApply || item instanceof TypedNode)
    return { instanceType: "node", space, externalId };
  const instanceType = (item as Partial<TypedInstanceId>).instanceType;
  if (
    (instanceType === "node" || instanceType === "edge") &&
    typeof space === "string" &&
    typeof externalId === "string"
  )
    return { instanceType, space, externalId };
  throw new TypeError(
    `delete: item ${index} is neither { instanceType: "node" | "edge", space, externalId } nor a read or apply object of a generated view`,
  );
}

// ---- spaces

/** A space to create or update (`POST /models/spaces`). */
export interface SpaceCreateDefinition {
  /** 1 to 43 characters: a letter, then letters, digits, `_` and `-`. */
  readonly space: string;
  readonly name?: string;
  readonly description?: string;
}

/** A space as the API returns it. */
export interface SpaceDefinition {
  readonly space: string;
  readonly name?: string;
  readonly description?: string;
  /** Epoch milliseconds. */
  readonly createdTime: number;
  /** Epoch milliseconds. */
  readonly lastUpdatedTime: number;
  /** A system space (such as `cdf_cdm`), read only. */
  readonly isGlobal: boolean;
}

export interface SpaceRequestOptions {
  readonly signal?: AbortSignal;
}

/** The API's most spaces per apply, byids and delete request. */
const SPACES_PER_REQUEST = 100;
/** The API's largest page of `GET /models/spaces`. */
const SPACES_PER_PAGE = 1000;
const SPACES = "/models/spaces";

/** Spaces of the project, over `/models/spaces` (requests of at most 100 spaces). */
export class SpacesClient {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Creates or updates spaces; the spaces as stored. */
  async apply(
    spaces: readonly SpaceCreateDefinition[],
    options: SpaceRequestOptions = {},
  ): Promise<SpaceDefinition[]> {
    const items = spaces.map(({ space, name, description }) => ({
      space,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
    }));
    return this.#inChunks(SPACES, items, options);
  }

  /** Every space of the project (following cursors); system spaces with `includeGlobal`. */
  async list(
    options: SpaceRequestOptions & { readonly includeGlobal?: boolean } = {},
  ): Promise<SpaceDefinition[]> {
    const spaces: SpaceDefinition[] = [];
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(SPACES_PER_PAGE) });
      if (options.includeGlobal) query.set("includeGlobal", "true");
      if (cursor !== undefined) query.set("cursor", cursor);
      const answer = await this.#http.getJson<unknown>(
        `${SPACES}?${query.toString()}`,
        options.signal ? { signal: options.signal } : {},
      );
      spaces.push(...expectItems<SpaceDefinition>(answer, SPACES));
      const next = expectCursor(expectObject(answer, SPACES), SPACES);
      if (next !== undefined && next === cursor)
        throw repeatedCursor(SPACES, next);
      cursor = next;
    } while (cursor !== undefined);
    return spaces;
  }

  /** The spaces with these ids that exist. */
  retrieve(
    spaces: readonly string[],
    options: SpaceRequestOptions = {},
  ): Promise<SpaceDefinition[]> {
    return this.#inChunks(
      `${SPACES}/byids`,
      spaces.map((space) => ({ space })),
      options,
    );
  }

  /** Deletes empty spaces; the ids of those deleted. */
  async delete(
    spaces: readonly string[],
    options: SpaceRequestOptions = {},
  ): Promise<string[]> {
    const deleted = await this.#inChunks<{ space: string }>(
      `${SPACES}/delete`,
      spaces.map((space) => ({ space })),
      options,
    );
    return deleted.map((item) => item.space);
  }

  async #inChunks<T>(
    path: string,
    items: readonly object[],
    options: SpaceRequestOptions,
  ): Promise<T[]> {
    const result: T[] = [];
    for (let start = 0; start < items.length; start += SPACES_PER_REQUEST) {
      const answer = await this.#http.postJson<unknown>(
        path,
        { items: items.slice(start, start + SPACES_PER_REQUEST) },
        options.signal ? { signal: options.signal } : {},
      );
      result.push(...expectItems<T>(answer, path));
    }
    return result;
  }
}

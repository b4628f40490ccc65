// Typed result-set graphs for `client.query(...)` and `client.sync(...)`: named node and edge
// sets chained from each other (by connection, by edge type, or through a direct relation in
// either direction), each typed by its view. Building a graph only records its sets; running it
// (graph-run.ts: compiling it to one DMS query or sync request) is loaded on its first run.

import type { DmsClient } from "../read/dms-client.js";
import type { GraphQueryOptions } from "./query-graph.js";
import type { GraphRunRuntime } from "./graph-run.js";
import {
  parseSyncState,
  type SyncOptions,
  type SyncState,
} from "../read/sync.js";
import {
  TypedEdge,
  type Connected,
  type TypedInstance,
  type TypedNode,
} from "../model/typed.js";
import type { Filter, InstanceId, PropertySort } from "../core/wire.js";
import type {
  LooseWhere,
  ReadClassOf,
  SortIn,
  ViewClasses,
  WhereIn,
} from "./targets.js";

type AnyReadClass = ReadClassOf<TypedInstance>;

/** An edge read without an edge view: ids, type and ends. */
export class PlainEdge extends TypedEdge {
  static override readonly view = {
    type: "view" as const,
    space: "",
    externalId: "",
    version: "",
  };
  static override readonly properties = {};
  static override readonly connections = {};
}

/** Result set name → the type of its items. */
export type SetTypes = Record<string, unknown>;

type Element<V> = V extends readonly (infer E)[] ? E : V;

/** Connections of T that are edges. */
export type EdgeConnectionKey<T> = {
  [K in keyof T]-?: Element<NonNullable<T[K]>> extends
    TypedInstance | Connected<unknown, unknown>
    ? K
    : never;
}[keyof T];

/** The read type of a connection's edges. */
type EdgeReadOf<V> =
  Element<NonNullable<V>> extends Connected<unknown, infer E> ? E : PlainEdge;

interface SetOptionsBase {
  /** Query: the most items of the set (with `sort`, the first ones). Sync: items per page. */
  readonly limit?: number;
}

/**
 * The names of `T`'s direct relations: its properties (required on read objects, unlike the
 * optional connection fields) whose values are node references or lists of them.
 */
export type DirectRelationKey<T> = Extract<
  {
    [K in keyof T]-?: K extends keyof TypedNode | keyof TypedEdge
      ? never
      : object extends Pick<T, K>
        ? never
        : NonNullable<T[K]> extends InstanceId | readonly InstanceId[]
          ? K
          : never;
  }[keyof T],
  string
>;

export interface NodeSetCommon<V, T> extends SetOptionsBase {
  readonly where?: WhereIn<V>;
  readonly select?: readonly Extract<keyof T, string>[];
  /**
   * Query only: by the view's sortable properties (TypeScript names, as `list` takes them), or
   * the API's sorts by property reference.
   */
  readonly sort?: SortIn<V> | readonly PropertySort[];
  /** Which end of the `from` edge set's edges (default `destination`). */
  readonly chainTo?: "source" | "destination";
}

/**
 * A node set: every node of the view matching `where`, or chained `from` another set (named by
 * the graph's own set names): the ends of its edges, or the nodes reached `through` a direct
 * relation: outwards (the default), one of the `from` set's (typed by that set's view);
 * inwards, one of this view's that points at the `from` set's nodes.
 */
export type NodeSetOptions<
  V,
  T,
  S extends SetTypes,
  F extends Extract<keyof S, string> = Extract<keyof S, string>,
> = NodeSetCommon<V, T> &
  (
    | {
        readonly from?: F;
        readonly through?: DirectRelationKey<S[F]>;
        readonly direction?: "outwards";
      }
    | {
        readonly from: F;
        readonly through: DirectRelationKey<T>;
        readonly direction: "inwards";
      }
  );

export interface EdgeSetCommon extends SetOptionsBase {
  readonly maxDistance?: number;
  /** Raw filter on the nodes the edges reach. */
  readonly nodeFilter?: Filter;
  /** Raw filter: traversal stops at nodes matching it. */
  readonly terminationFilter?: Filter;
  /** Raw filter on the edges. */
  readonly filter?: Filter;
}

/** An edge set following a connection of the `from` set's view. */
export interface ConnectionEdgeSetOptions<
  F extends string,
  C,
> extends EdgeSetCommon {
  readonly from: F;
  readonly connection: C;
  /** Only edges to nodes matching this (on the connection's target view). */
  readonly nodeWhere?: object;
  /** Only edges whose properties match this (connections with an edge view). */
  readonly edgeWhere?: object;
}

/** An edge set by explicit edge type (and edge view, when the edges carry properties). */
export interface TypeEdgeSetOptions<F extends string, E> extends EdgeSetCommon {
  readonly from?: F;
  readonly type: InstanceId;
  /** Default `outwards`. */
  readonly direction?: "outwards" | "inwards";
  readonly view?: ReadClassOf<E>;
  readonly edgeWhere?: LooseWhere;
}

/** A node set's options as a graph records them (`nodes` checks their types). */
export interface RecordedNodeSetOptions extends NodeSetCommon<
  AnyReadClass,
  object
> {
  readonly from?: string;
  readonly through?: string;
  readonly direction?: "outwards" | "inwards";
}

/** One set of a graph as its `nodes` or `edges` call gave it, compiled when the graph runs. */
export type GraphStep =
  | {
      readonly kind: "nodes";
      readonly name: string;
      readonly view: AnyReadClass;
      readonly options: RecordedNodeSetOptions;
    }
  | {
      readonly kind: "edges";
      readonly name: string;
      readonly options:
        | ConnectionEdgeSetOptions<string, unknown>
        | TypeEdgeSetOptions<string, TypedInstance>;
    };

/**
 * A graph of named result sets; each call returns a new graph with one more set. The sets are
 * checked (names, `from`, connections, `where`) when the graph runs.
 */
export class Graph<S extends SetTypes = Record<never, never>> {
  /** @internal */
  constructor(/** @internal */ readonly steps: readonly GraphStep[] = []) {}

  /** Adds a node set named `name`, read through `view`. */
  nodes<
    N extends string,
    V extends AnyReadClass,
    F extends Extract<keyof S, string> = never,
  >(
    name: N,
    view: V,
    options: NodeSetOptions<V, InstanceType<V>, S, F> = {},
  ): Graph<S & { readonly [K in N]: InstanceType<V> }> {
    return new Graph([
      ...this.steps,
      {
        kind: "nodes",
        name,
        view,
        options: options as unknown as RecordedNodeSetOptions,
      },
    ]);
  }

  /** Adds an edge set following `connection` of the `from` set's view. */
  edges<
    N extends string,
    F extends Extract<keyof S, string>,
    C extends EdgeConnectionKey<S[F]>,
  >(
    name: N,
    options: ConnectionEdgeSetOptions<F, C>,
  ): Graph<S & { readonly [K in N]: EdgeReadOf<S[F][C]> }>;
  /** Adds an edge set of edges of `type` (from a set, or all of them). */
  edges<
    N extends string,
    F extends Extract<keyof S, string>,
    E extends TypedInstance = PlainEdge,
  >(
    name: N,
    options: TypeEdgeSetOptions<F, E>,
  ): Graph<S & { readonly [K in N]: E }>;
  edges(
    name: string,
    options:
      | ConnectionEdgeSetOptions<string, unknown>
      | TypeEdgeSetOptions<string, TypedInstance>,
    // The overloads say what the sets hold; `S` is invariant (set names constrain `from`).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Graph<any> {
    return new Graph([...this.steps, { kind: "edges", name, options }]);
  }
}

/** Every set's items, typed by its view. */
export type GraphResult<S extends SetTypes> = { [K in keyof S]: S[K][] };

/**
 * Where a graph sync stands: the sync state plus the page size asked (which the request is
 * rebuilt with; `pageSizes` holds the smaller sizes in use after timeouts).
 */
export interface GraphSyncState extends SyncState {
  readonly pageSize: number;
}

/** One page of a graph sync. */
export interface GraphSyncPage<S extends SetTypes> {
  /** Set → created or updated items, typed by the set's view. */
  readonly upserts: { readonly [K in keyof S]: S[K][] };
  /** Set → ids of deleted instances. */
  readonly deletes: { readonly [K in keyof S]: InstanceId[] };
  /** Save once the page is processed; resumes in any process (JSON). */
  readonly state: GraphSyncState;
  readonly caughtUp: boolean;
  /** Set → the page size this page was read with (below the asked one after timeouts). */
  readonly pageSizes: Readonly<Record<string, number>>;
}

/** Reported after every page of a graph sync. */
export interface SyncProgress {
  readonly pages: number;
  readonly upserts: Readonly<Record<string, number>>;
  readonly deletes: Readonly<Record<string, number>>;
  /** The smallest page size of any set now; below the asked one after timeouts. */
  readonly pageSize: number;
  /** Set → its page size now (halved on timeouts, grown back after; see `PageTimeoutError`). */
  readonly pageSizes: Readonly<Record<string, number>>;
}

/** Options of a graph sync. */
export interface GraphSyncOptions extends Omit<SyncOptions, "state"> {
  /** Resume here (a `page.state` saved before, parsed from JSON). */
  readonly state?: GraphSyncState;
  /** Items per set and page (default 1000); a set's own `limit` wins. */
  readonly pageSize?: number;
  readonly onProgress?: (progress: SyncProgress) => void;
}

/** Reads a graph sync state saved as JSON; throws on anything else. */
export function parseGraphSyncState(text: string): GraphSyncState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // An empty or cut-off file (a crash while saving it) says so, not only "Unexpected end".
    throw new Error(
      `Not a saved graph sync state: not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const state = value as Partial<GraphSyncState> | null;
  if (
    typeof state !== "object" ||
    state === null ||
    state.version !== 1 ||
    typeof state.fingerprint !== "string" ||
    typeof state.pageSize !== "number" ||
    typeof state.cursors !== "object" ||
    state.cursors === null ||
    !Object.values(state.cursors).every((c) => typeof c === "string")
  ) {
    throw new Error(
      "Not a saved graph sync state (expected version 1 with fingerprint, cursors and pageSize)",
    );
  }
  const { pageSizes } = parseSyncState(text);
  return {
    version: 1,
    fingerprint: state.fingerprint,
    cursors: { ...state.cursors },
    pageSize: state.pageSize,
    ...(pageSizes ? { pageSizes } : {}),
  };
}

/** What a generated client offers over graphs of result sets. */

/** What a generated client offers over graphs of result sets. */
export interface GraphMethods {
  /** A new, empty graph of result sets; add sets with `.nodes(...)` and `.edges(...)`. */
  graph(): Graph;
  /** Runs a graph as one query, following every set's cursor; items typed by each set's view. */
  query<S extends SetTypes>(
    graph: Graph<S>,
    options?: GraphQueryOptions & { readonly pageSize?: number },
  ): Promise<GraphResult<S>>;
  /** Syncs a graph: pages of typed upserts and deletes per set, with state to resume from. */
  sync<S extends SetTypes>(
    graph: Graph<S>,
    options?: GraphSyncOptions,
  ): AsyncGenerator<GraphSyncPage<S>, void, undefined>;
}

/**
 * The graph methods of a client over `dms`, knowing its read classes. What runs a graph is
 * loaded on the first `query` or `sync`: an app that never runs one does not carry it.
 */
export function graphMethods(
  dms: DmsClient,
  views: ViewClasses,
  /** The client's `readRuntime` (client/read-runtime.ts), handed to what runs a graph. */
  readRuntime: Omit<GraphRunRuntime, "PlainEdge">,
): GraphMethods {
  const runtime = { ...readRuntime, PlainEdge };
  return {
    graph: () => new Graph(),
    query: async (graph, options = {}) =>
      (await import("./graph-run.js")).queryGraph(
        runtime,
        dms,
        views,
        graph,
        options,
      ),
    async *sync(graph, options = {}) {
      const { syncGraph } = await import("./graph-run.js");
      yield* syncGraph(runtime, dms, views, graph, options);
    },
  };
}

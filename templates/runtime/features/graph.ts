// Typed result-set graphs for `client.query(...)` and `client.sync(...)`: named node and edge
// sets chained from each other (by connection, by edge type, or through a direct relation in
// either direction), each typed by its view, compiled to one DMS query or sync request.

import { MAX_QUERY_LIMIT } from "../read/query.js";
import type { DmsClient } from "../read/dms-client.js";
import {
  viewKey,
  type LooseSortKey,
  type LooseWhere,
  type ReadClassOf,
  type SortIn,
  type ViewRegistry,
  type WhereIn,
} from "./include.js";
import { runQueryGraph, type GraphQueryOptions } from "../read/query-graph.js";
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
import type { EdgeConnectionDefinition } from "../model/values.js";
import { compileSort, compileWhere } from "../model/where.js";
import type {
  EdgeExpression,
  Filter,
  InstanceId,
  InstanceRead,
  NodeExpression,
  PropertySort,
  QueryRequest,
  Select,
  SyncMode,
  SyncRequest,
} from "../core/wire.js";

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

interface NodeSetCommon<V, T> extends SetOptionsBase {
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

interface EdgeSetCommon extends SetOptionsBase {
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

interface SetDefinition {
  readonly kind: "nodes" | "edges";
  readonly readClass: AnyReadClass;
  readonly expression: NodeExpression | EdgeExpression;
  readonly limit?: number;
  readonly sort?: readonly PropertySort[];
  readonly select: Select;
}

/** A graph of named result sets; each call returns a new graph with one more set. */
export class Graph<S extends SetTypes = Record<never, never>> {
  /** @internal */
  constructor(
    /** @internal */ readonly sets: ReadonlyMap<
      string,
      SetDefinition
    > = new Map(),
    /** @internal */ readonly views?: ViewRegistry,
  ) {}

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
    const filters: Filter[] = [{ hasData: [view.view] }];
    const where = compileWhere(options.where, view, "node", this.views);
    if (where) filters.push(where);
    const expression: NodeExpression = { filter: and(filters) };
    if (options.from !== undefined) {
      const parent = this.parent(name, options.from);
      expression.from = options.from;
      if (options.through !== undefined) {
        const direction = options.direction ?? "outwards";
        const holder = direction === "outwards" ? parent.readClass : view;
        const property = Object.hasOwn(holder.properties, options.through)
          ? holder.properties[options.through]
          : undefined;
        if (property?.type !== "direct")
          throw new Error(
            `${name}.through: ${holder.view.externalId} has no direct relation "${options.through}"`,
          );
        expression.through = {
          source: holder.view,
          identifier: property.identifier,
        };
        expression.direction = direction;
      } else if (parent.kind === "edges") {
        expression.chainTo = options.chainTo ?? "destination";
      }
    }
    return this.with(name, {
      kind: "nodes",
      readClass: view,
      expression,
      ...limitAndSort({
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.sort !== undefined
          ? { sort: nodeSetSort(options.sort, view) }
          : {}),
      }),
      select: selectOf(view, options.select),
    });
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
    return "connection" in options
      ? this.connectionEdges(name, options)
      : this.typeEdges(name, options);
  }

  private connectionEdges(
    name: string,
    options: ConnectionEdgeSetOptions<string, unknown>,
  ): Graph<SetTypes> {
    const parent = this.parent(name, options.from);
    const connectionName = String(options.connection);
    const connection = parent.readClass.connections[connectionName];
    if (connection?.connection !== "edge")
      throw new Error(
        `${name}.connection: ${parent.readClass.view.externalId} has no edge connection "${connectionName}"`,
      );
    const target = this.views?.find(connection.target);
    const edgeClass = this.edgeClassOf(connection);
    const nodeFilters: Filter[] = [];
    if (target) {
      nodeFilters.push({ hasData: [target.view] });
      const where = compileWhere(options.nodeWhere, target, "node", this.views);
      if (where) nodeFilters.push(where);
    } else if (options.nodeWhere) {
      throw new Error(
        `${name}.nodeWhere: no read class for ${connection.target} in this client`,
      );
    }
    if (options.nodeFilter) nodeFilters.push(options.nodeFilter);
    return this.edgeSet(name, options, {
      type: connection.edgeType,
      direction: connection.direction,
      edgeClass,
      nodeFilters,
      edgeWhere: options.edgeWhere,
    });
  }

  private typeEdges(
    name: string,
    options: TypeEdgeSetOptions<string, TypedInstance>,
  ): Graph<SetTypes> {
    if (options.from !== undefined) this.parent(name, options.from);
    return this.edgeSet(name, options, {
      type: options.type,
      direction: options.direction ?? "outwards",
      edgeClass: options.view ?? PlainEdge,
      nodeFilters: options.nodeFilter ? [options.nodeFilter] : [],
      edgeWhere: options.edgeWhere,
    });
  }

  private edgeSet(
    name: string,
    options: EdgeSetCommon & { readonly from?: string },
    edge: {
      readonly type: InstanceId;
      readonly direction: "outwards" | "inwards";
      readonly edgeClass: AnyReadClass;
      readonly nodeFilters: Filter[];
      readonly edgeWhere: object | undefined;
    },
  ): Graph<SetTypes> {
    const filters: Filter[] = [
      {
        equals: {
          property: ["edge", "type"],
          value: { space: edge.type.space, externalId: edge.type.externalId },
        },
      },
    ];
    if (edge.edgeClass !== PlainEdge) {
      const where = compileWhere(edge.edgeWhere, edge.edgeClass, "edge");
      if (where) filters.push(where);
    }
    if (options.filter) filters.push(options.filter);
    const expression: EdgeExpression = {
      direction: edge.direction,
      filter: and(filters),
      maxDistance: options.maxDistance ?? 1,
    };
    if (options.from !== undefined) expression.from = options.from;
    if (edge.nodeFilters.length > 0)
      expression.nodeFilter = and(edge.nodeFilters);
    if (options.terminationFilter)
      expression.terminationFilter = options.terminationFilter;
    return this.with(name, {
      kind: "edges",
      readClass: edge.edgeClass,
      expression,
      ...limitAndSort(options),
      select:
        edge.edgeClass === PlainEdge ? {} : selectOf(edge.edgeClass, undefined),
    });
  }

  private edgeClassOf(connection: EdgeConnectionDefinition): AnyReadClass {
    if (!connection.edgeSource) return PlainEdge;
    return (
      this.views?.find(viewKey(connection.edgeSource.view)) ??
      anonymousEdgeClass(connection.edgeSource)
    );
  }

  private parent(name: string, from: string): SetDefinition {
    const parent = this.sets.get(from);
    if (!parent)
      throw new Error(`${name}.from: there is no result set "${from}"`);
    return parent;
  }

  /** This graph with one more set; `T` (the caller's result type) says what the sets hold. */
  private with<T extends SetTypes>(
    name: string,
    definition: SetDefinition,
  ): Graph<T> {
    if (this.sets.has(name))
      throw new Error(`there is already a result set "${name}"`);
    const sets = new Map(this.sets);
    sets.set(name, definition);
    return new Graph<T>(sets, this.views);
  }

  /** The `instances/query` request of this graph, at most `pageSize` items per set and request. */
  toQueryRequest(pageSize = QUERY_PAGE): QueryRequest {
    const request: QueryRequest = { with: {}, select: {} };
    for (const [name, set] of this.sets) {
      request.with[name] = {
        [set.kind]: set.expression,
        limit: Math.min(set.limit ?? pageSize, pageSize),
        ...(set.sort ? { sort: [...set.sort] } : {}),
      };
      request.select[name] = set.select;
    }
    return request;
  }

  /** The `instances/sync` request of this graph, `pageSize` items per set and page by default. */
  toSyncRequest(pageSize: number, mode?: SyncMode): SyncRequest {
    const request: SyncRequest = { with: {}, select: {} };
    for (const [name, set] of this.sets) {
      if (set.sort)
        throw new Error(
          `${name}.sort: sync cannot sort (the API takes sort in queries only)`,
        );
      request.with[name] = {
        [set.kind]: set.expression,
        limit: set.limit ?? pageSize,
        ...(mode ? { mode } : {}),
      };
      request.select[name] = set.select;
    }
    return request;
  }

  /** @internal The read class of each set. */
  classes(): Map<string, AnyReadClass> {
    return new Map([...this.sets].map(([name, set]) => [name, set.readClass]));
  }

  /** @internal The most items asked of each set, for a query. */
  caps(): Record<string, number> {
    const caps: Record<string, number> = {};
    for (const [name, set] of this.sets)
      if (set.limit !== undefined) caps[name] = set.limit;
    return caps;
  }
}

const QUERY_PAGE = MAX_QUERY_LIMIT;

/** A node set's sort: the API's sorts as they are, or typed keys compiled by the view. */
function nodeSetSort(
  sort: LooseSortKey | readonly LooseSortKey[] | readonly PropertySort[],
  view: AnyReadClass,
): readonly PropertySort[] {
  const keys = (Array.isArray(sort) ? sort : [sort]) as readonly (
    LooseSortKey | PropertySort
  )[];
  if (keys.every((key) => Array.isArray(key.property)))
    return keys as readonly PropertySort[];
  return compileSort(keys as readonly LooseSortKey[], view, "node") ?? [];
}

function limitAndSort(options: {
  readonly limit?: number;
  readonly sort?: readonly PropertySort[];
}): { limit?: number; sort?: readonly PropertySort[] } {
  return {
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.sort ? { sort: options.sort } : {}),
  };
}

function selectOf(
  view: AnyReadClass,
  select: readonly string[] | undefined,
): Select {
  if (!select) return { sources: [{ source: view.view, properties: ["*"] }] };
  const properties = select.map((name) => {
    const definition = Object.hasOwn(view.properties, name)
      ? view.properties[name]
      : undefined;
    if (!definition)
      throw new Error(
        `select: ${view.view.externalId} has no property "${name}"`,
      );
    return definition.identifier;
  });
  return { sources: [{ source: view.view, properties }] };
}

function and(filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0]! : { and: filters };
}

function anonymousEdgeClass(
  source: NonNullable<EdgeConnectionDefinition["edgeSource"]>,
): AnyReadClass {
  const properties = source.properties?.() ?? {};
  return class extends TypedEdge {
    static override readonly view = source.view;
    static override readonly properties = properties;
    static override readonly connections = {};
  };
}

// ---- running

/** Every set's items, typed by its view. */
export type GraphResult<S extends SetTypes> = { [K in keyof S]: S[K][] };

/** Runs a graph query, following every set's cursor (up to each set's `limit`). */
export async function queryGraph<S extends SetTypes>(
  dms: DmsClient,
  graph: Graph<S>,
  options: GraphQueryOptions & {
    /**
     * Items per set and request, at most 10,000 (the API's largest; the default); cursors are
     * followed either way.
     */
    readonly pageSize?: number;
  } = {},
): Promise<GraphResult<S>> {
  const classes = graph.classes();
  const caps = graph.caps();
  const result: Record<string, TypedInstance[]> = {};
  for (const name of classes.keys()) result[name] = [];
  for await (const batch of runQueryGraph(
    dms,
    graph.toQueryRequest(options.pageSize),
    undefined,
    { ...options, caps },
  )) {
    for (const [name, items] of Object.entries(batch)) {
      const readClass = classes.get(name);
      if (!readClass) continue;
      const cap = caps[name] ?? Infinity;
      const list = (result[name] ??= []);
      for (const item of items) {
        if (list.length >= cap) break;
        list.push(new readClass(item as never));
      }
    }
  }
  return result as GraphResult<S>;
}

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

const SYNC_PAGE = 1000;

/**
 * Syncs a graph: pages of typed upserts and deletes per set. A request that times out is sent
 * again with smaller pages, cursors kept (see `paging.ts`); the state records the sizes in use.
 */
export async function* syncGraph<S extends SetTypes>(
  dms: DmsClient,
  graph: Graph<S>,
  options: GraphSyncOptions = {},
): AsyncGenerator<GraphSyncPage<S>, void, undefined> {
  const classes = graph.classes();
  const pageSize = options.state?.pageSize ?? options.pageSize ?? SYNC_PAGE;
  const upserted: Record<string, number> = {};
  const deleted: Record<string, number> = {};
  let pages = 0;
  const { state, pageSize: _size, onProgress, ...syncOptions } = options;
  const request = graph.toSyncRequest(pageSize, options.mode);
  const sync = dms.sync(
    request,
    state ? { ...syncOptions, state } : syncOptions,
  );
  for await (const page of sync) {
    pages += 1;
    const upserts = typedItems(classes, page.upserts);
    const deletes: Record<string, InstanceId[]> = {};
    for (const name of classes.keys()) {
      const gone = (page.deletes[name] ?? []).map(plainId);
      deletes[name] = gone;
      upserted[name] = (upserted[name] ?? 0) + (upserts[name]?.length ?? 0);
      deleted[name] = (deleted[name] ?? 0) + gone.length;
    }
    onProgress?.({
      pages,
      upserts: { ...upserted },
      deletes: { ...deleted },
      pageSize: Math.min(...Object.values(page.pageSizes)),
      pageSizes: page.pageSizes,
    });
    yield {
      upserts: upserts as GraphSyncPage<S>["upserts"],
      deletes: deletes as GraphSyncPage<S>["deletes"],
      state: { ...page.state, pageSize },
      caughtUp: page.caughtUp,
      pageSizes: page.pageSizes,
    };
  }
}

function typedItems(
  classes: ReadonlyMap<string, AnyReadClass>,
  items: Readonly<Record<string, readonly InstanceRead[]>>,
): Record<string, TypedInstance[]> {
  const typed: Record<string, TypedInstance[]> = {};
  for (const [name, readClass] of classes) {
    typed[name] = (items[name] ?? []).map(
      (item) => new readClass(item as never),
    );
  }
  return typed;
}

function plainId({ space, externalId }: InstanceId): InstanceId {
  return { space, externalId };
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

/** The graph methods of a client over `dms`, knowing its read classes. */
export function graphMethods(
  dms: DmsClient,
  views: ViewRegistry,
): GraphMethods {
  return {
    graph: () => new Graph(new Map(), views),
    query: (graph, options = {}) => queryGraph(dms, graph, options),
    sync: (graph, options = {}) => syncGraph(dms, graph, options),
  };
}

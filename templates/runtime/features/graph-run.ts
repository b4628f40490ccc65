// Running a result-set graph (`client.query`, `client.sync`): its recorded sets compiled to one
// DMS query or sync request, pages typed by each set's view. Loaded on the first run of a graph.

import type * as query from "../read/query.js";
import type { DmsClient } from "../read/dms-client.js";
import {
  runQueryGraph,
  type GraphQueryOptions,
  type QueryGraphRuntime,
} from "./query-graph.js";
import type * as typed from "../model/typed.js";
import type { TypedInstance } from "../model/typed.js";
import type { EdgeConnectionDefinition } from "../model/values.js";
import type * as where from "../model/where.js";
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
import type {
  PlainEdge,
  ConnectionEdgeSetOptions,
  EdgeSetCommon,
  Graph,
  GraphResult,
  GraphStep,
  GraphSyncOptions,
  GraphSyncPage,
  RecordedNodeSetOptions,
  SetTypes,
  TypeEdgeSetOptions,
} from "./graph.js";
import {
  anonymousEdgeClass,
  loadTargetClass,
  viewKey,
  type LooseSortKey,
  type ReadClassOf,
  type ViewClasses,
} from "./targets.js";

type AnyReadClass = ReadClassOf<TypedInstance>;

/** What running a graph uses of the eager runtime, handed in (client/read-runtime.ts says why). */
export type GraphRunRuntime = QueryGraphRuntime &
  Pick<typeof where, "compileSort" | "compileWhere" | "loadWhereClasses"> &
  Pick<typeof query, "MAX_QUERY_LIMIT"> &
  Pick<typeof typed, "TypedEdge"> & { readonly PlainEdge: typeof PlainEdge };

interface SetDefinition {
  readonly kind: "nodes" | "edges";
  readonly readClass: AnyReadClass;
  readonly expression: NodeExpression | EdgeExpression;
  readonly limit?: number;
  readonly sort?: readonly PropertySort[];
  readonly select: Select;
}

/** A graph of named result sets; each call returns a new graph with one more set. */

/** A graph's sets compiled in the order they were added; the views of connections loaded. */
class CompiledGraph {
  readonly sets = new Map<string, SetDefinition>();

  constructor(
    private readonly runtime: GraphRunRuntime,
    private readonly views: ViewClasses | undefined,
  ) {}

  async add(step: GraphStep): Promise<void> {
    const { loadWhereClasses } = this.runtime;
    if (step.kind === "nodes") {
      if (this.views)
        await loadWhereClasses(step.options.where, step.view, this.views);
      this.nodes(step.name, step.view, step.options);
    } else if ("connection" in step.options)
      await this.connectionEdges(step.name, step.options);
    else this.typeEdges(step.name, step.options);
  }

  private nodes(
    name: string,
    view: AnyReadClass,
    options: RecordedNodeSetOptions,
  ): void {
    const { compileWhere } = this.runtime;
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
    this.define(name, {
      kind: "nodes",
      readClass: view,
      expression,
      ...limitAndSort({
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.sort !== undefined
          ? { sort: this.nodeSetSort(options.sort, view) }
          : {}),
      }),
      select: selectOf(view, options.select),
    });
  }

  private async connectionEdges(
    name: string,
    options: ConnectionEdgeSetOptions<string, unknown>,
  ): Promise<void> {
    const parent = this.parent(name, options.from);
    const connectionName = String(options.connection);
    const connection = parent.readClass.connections[connectionName];
    if (connection?.connection !== "edge")
      throw new Error(
        `${name}.connection: ${parent.readClass.view.externalId} has no edge connection "${connectionName}"`,
      );
    const [target, edgeClass] = await Promise.all([
      loadTargetClass(connection, this.views),
      this.edgeClassOf(connection),
    ]);
    const { compileWhere, loadWhereClasses } = this.runtime;
    const nodeFilters: Filter[] = [];
    if (target) {
      nodeFilters.push({ hasData: [target.view] });
      if (this.views)
        await loadWhereClasses(options.nodeWhere, target, this.views);
      const where = compileWhere(options.nodeWhere, target, "node", this.views);
      if (where) nodeFilters.push(where);
    } else if (options.nodeWhere) {
      throw new Error(
        `${name}.nodeWhere: no read class for ${connection.target} in this client`,
      );
    }
    if (options.nodeFilter) nodeFilters.push(options.nodeFilter);
    this.edgeSet(name, options, {
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
  ): void {
    if (options.from !== undefined) this.parent(name, options.from);
    this.edgeSet(name, options, {
      type: options.type,
      direction: options.direction ?? "outwards",
      edgeClass: options.view ?? this.runtime.PlainEdge,
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
  ): void {
    const filters: Filter[] = [
      {
        equals: {
          property: ["edge", "type"],
          value: { space: edge.type.space, externalId: edge.type.externalId },
        },
      },
    ];
    const { PlainEdge, compileWhere } = this.runtime;
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
    this.define(name, {
      kind: "edges",
      readClass: edge.edgeClass,
      expression,
      ...limitAndSort(options),
      select:
        edge.edgeClass === PlainEdge ? {} : selectOf(edge.edgeClass, undefined),
    });
  }

  private async edgeClassOf(
    connection: EdgeConnectionDefinition,
  ): Promise<AnyReadClass> {
    if (!connection.edgeSource) return this.runtime.PlainEdge;
    return (
      (await this.views?.load(viewKey(connection.edgeSource.view))) ??
      anonymousEdgeClass(this.runtime.TypedEdge, connection.edgeSource)
    );
  }

  /** A node set's sort: the API's sorts as they are, or typed keys compiled by the view. */
  private nodeSetSort(
    sort: LooseSortKey | readonly LooseSortKey[] | readonly PropertySort[],
    view: AnyReadClass,
  ): readonly PropertySort[] {
    const keys = (Array.isArray(sort) ? sort : [sort]) as readonly (
      LooseSortKey | PropertySort
    )[];
    if (keys.every((key) => Array.isArray(key.property)))
      return keys as readonly PropertySort[];
    const loose = keys as readonly LooseSortKey[];
    return this.runtime.compileSort(loose, view, "node") ?? [];
  }

  private parent(name: string, from: string): SetDefinition {
    const parent = this.sets.get(from);
    if (!parent)
      throw new Error(`${name}.from: there is no result set "${from}"`);
    return parent;
  }

  private define(name: string, definition: SetDefinition): void {
    if (this.sets.has(name))
      throw new Error(`there is already a result set "${name}"`);
    this.sets.set(name, definition);
  }

  /** The `instances/query` request of this graph, at most `pageSize` items per set and request. */
  toQueryRequest(pageSize = this.runtime.MAX_QUERY_LIMIT): QueryRequest {
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

/** Compiles a graph's recorded sets, loading the classes its connections lead to. */
async function compile(
  runtime: GraphRunRuntime,
  graph: Pick<Graph, "steps">,
  views: ViewClasses | undefined,
): Promise<CompiledGraph> {
  const compiled = new CompiledGraph(runtime, views);
  for (const step of graph.steps) await compiled.add(step);
  return compiled;
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

// ---- running

/** Runs a graph query, following every set's cursor (up to each set's `limit`). */
export async function queryGraph<S extends SetTypes>(
  runtime: GraphRunRuntime,
  dms: DmsClient,
  views: ViewClasses,
  graph: Graph<S>,
  options: GraphQueryOptions & {
    /**
     * Items per set and request, at most 10,000 (the API's largest; the default); cursors are
     * followed either way.
     */
    readonly pageSize?: number;
  } = {},
): Promise<GraphResult<S>> {
  const compiled = await compile(runtime, graph, views);
  const classes = compiled.classes();
  const caps = compiled.caps();
  const result: Record<string, TypedInstance[]> = {};
  for (const name of classes.keys()) result[name] = [];
  for await (const batch of runQueryGraph(
    runtime,
    dms,
    compiled.toQueryRequest(options.pageSize),
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

const SYNC_PAGE = 1000;

/**
 * Syncs a graph: pages of typed upserts and deletes per set. A request that times out is sent
 * again with smaller pages, cursors kept (see `paging.ts`); the state records the sizes in use.
 */
export async function* syncGraph<S extends SetTypes>(
  runtime: GraphRunRuntime,
  dms: DmsClient,
  views: ViewClasses,
  graph: Graph<S>,
  options: GraphSyncOptions = {},
): AsyncGenerator<GraphSyncPage<S>, void, undefined> {
  const compiled = await compile(runtime, graph, views);
  const classes = compiled.classes();
  const pageSize = options.state?.pageSize ?? options.pageSize ?? SYNC_PAGE;
  const upserted: Record<string, number> = {};
  const deleted: Record<string, number> = {};
  let pages = 0;
  const { state, pageSize: _size, onProgress, ...syncOptions } = options;
  const request = compiled.toSyncRequest(pageSize, options.mode);
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

// One view's operations on a DmsClient, typed by the view's generated classes: what the generated
// client offers per view (`client.movie.list()`, ...).

import { MAX_QUERY_LIMIT } from "../read/query.js";
import {
  aggregateRequest,
  aggregateResults,
  searchRequest,
  type AggregateOptions,
  type AggregateResult,
  type Aggregates,
  type OnlyAggregates,
  type SearchOptions,
} from "../features/aggregate.js";
import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
} from "../write/apply.js";
import { collectsWrites } from "../model/collect.js";
import type { DmsClient } from "../read/dms-client.js";
import {
  listWithInclude,
  retrieveWithInclude,
  type ExactInclude,
  type IncludeContext,
  type IncludeOf,
  type ReadClassOf,
  type SelectedIn,
  type ViewRegistry,
  type WithIncluded,
} from "../features/include.js";
import type { QueryProgress } from "../read/query-graph.js";
import type { TypedInstance } from "../model/typed.js";
import type { SyncOptions, SyncState } from "../read/sync.js";
import type { VerifiableClass, ViewVerifier } from "../read/view-drift.js";
import {
  compileSelect,
  compileSort,
  compileWhere,
  dropUnselected,
  type AnyViewTypes,
  type GroupableOf,
  type HasViewTypes,
  type SelectOf,
  type SelectedOf,
  type SortOf,
  type TypedReadClass,
  type WhereOf,
} from "../model/where.js";
import type {
  DeletedInstance,
  Filter,
  InstanceId,
  InstanceRead,
  QueryRequest,
  SourceSelector,
  SyncMode,
  ViewReference,
} from "../core/wire.js";

/** Options every typed read of a view takes. */
export interface ViewReadOptions<C extends HasViewTypes> {
  /** Only instances matching this typed filter. */
  readonly where?: WhereOf<C>;
  readonly signal?: AbortSignal;
}

/** Options of `list`. */
export interface ListOptions<
  C extends HasViewTypes,
> extends ViewReadOptions<C> {
  /** One sort key or several (at most 5). */
  readonly sort?: SortOf<C>;
  /** Only these properties are read; the result type narrows to them. */
  readonly select?: readonly SelectOf<C>[];
  /** Stop after this many instances. Default: all. */
  readonly limit?: number;
  /**
   * Instances per request, 1 to 10,000 (the API's largest query page). Default 10,000. Halved
   * while the API times out.
   */
  readonly pageSize?: number;
  /** Called after every request, with the page sizes in use (smaller after timeouts). */
  readonly onProgress?: (progress: QueryProgress) => void;
}

/** Options of `retrieve`. */
export interface RetrieveOptions<C extends HasViewTypes> {
  /** Only these properties come out; the result type narrows to them. */
  readonly select?: readonly SelectOf<C>[];
  readonly signal?: AbortSignal;
}

/** Options of `sync`, on top of the sync engine's (state, follow, mode, ...). */
export interface ViewSyncOptions<
  C extends HasViewTypes = HasViewTypes,
> extends SyncOptions {
  /** Only instances matching this typed filter (besides having data in the view). */
  readonly where?: WhereOf<C>;
  /** Only these properties are read; the result type narrows to them. */
  readonly select?: readonly SelectOf<C>[];
  /** Instances per page, 1 to 2000. Default 1000. Halved while the API times out. */
  readonly pageSize?: number;
  /** Default `onePhase`. */
  readonly mode?: SyncMode;
}

/** One page of a view's sync: typed upserts, deleted ids, and the state to save. */
export interface ViewSyncPage<T> {
  readonly upserts: T[];
  readonly deletes: InstanceId[];
  readonly state: SyncState;
  readonly caughtUp: boolean;
  /** The page size this page was read with: below the asked one after timeouts. */
  readonly pageSize: number;
}

/** Options of `list` with `include`: one query, paged root page by root page. */
export interface IncludeListOptions<
  C extends TypedReadClass,
  I,
> extends ListOptions<C> {
  /** Connections to read along, each with its own where / select / limit / include. */
  readonly include: I & ExactInclude<InstanceType<C>, I, C>;
  /** Called after every request, with the page sizes in use (smaller after timeouts). */
  readonly onProgress?: (progress: QueryProgress) => void;
}

/** Options of `retrieve` with `include`. */
export interface IncludeRetrieveOptions<
  C extends TypedReadClass,
  I,
> extends RetrieveOptions<C> {
  /** Connections to read along, each with its own where / select / limit / include. */
  readonly include: I & ExactInclude<InstanceType<C>, I, C>;
  /** Called after every request, with the page sizes in use (smaller after timeouts). */
  readonly onProgress?: (progress: QueryProgress) => void;
}

/** Options of `search` with `include`: the search, then one query for what it found. */
export interface IncludeSearchOptions<
  C extends TypedReadClass,
  I,
> extends SearchOptions<C> {
  /** Only these properties are read; the result type narrows to them. */
  readonly select?: readonly SelectOf<C>[];
  /** Connections to read along, each with its own where / select / limit / include. */
  readonly include: I & ExactInclude<InstanceType<C>, I, C>;
  /** Called after every request of the query, with the page sizes in use. */
  readonly onProgress?: (progress: QueryProgress) => void;
}

/**
 * What a read with `include` (and `select` `K`) returns: root objects narrowed to `K` (plus the
 * included connections), with their connections filled.
 */
export type IncludedRead<
  C extends TypedReadClass,
  I,
  K extends SelectOf<C>,
> = WithIncluded<SelectedIn<InstanceType<C>, C, K, keyof I>, I, C>;

/**
 * The instances a `list` reads: iterate with `for await` (pages are requested as the loop needs
 * them), or collect all with `toArray()`.
 */
export class InstanceList<T> implements AsyncIterable<T> {
  constructor(
    private readonly read: () => AsyncGenerator<T, void, undefined>,
  ) {}

  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this.read();
  }

  /** Every instance, in one array. */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this.read()) all.push(item);
    return all;
  }
}

const RESULT_SET = "instances";
const DEFAULT_LIST_PAGE_SIZE = MAX_QUERY_LIMIT;
const DEFAULT_SYNC_PAGE_SIZE = 1000;

/** Reads of one view: retrieve, list, search, aggregate and sync, as instances of its read class. */
export class ReadOnlyViewAccessor<C extends TypedReadClass> {
  constructor(
    protected readonly client: DmsClient,
    protected readonly readClass: C,
    protected readonly instanceType: "node" | "edge",
    /** The client's read classes, to find what connections lead to (for `include`). */
    protected readonly views?: ViewRegistry,
    /** Checks the view against its live definition before the first read or write (`verifyViews`). */
    protected readonly verifier?: ViewVerifier,
  ) {}

  /** With `verifyViews`, the view's live check (made once per client); rejects with `ViewDriftError`. */
  protected verified(): Promise<void> | undefined {
    return this.verifier?.beforeUse
      ? this.verifier.check(this.readClass as unknown as VerifiableClass)
      : undefined;
  }

  /** The view this accessor reads and writes through. */
  get view(): ViewReference {
    return this.readClass.view;
  }

  /** What `include` needs from this accessor: the client, the read class and the registry. */
  private includeContext(): IncludeContext {
    return {
      dms: this.client,
      readClass: this.readClass as unknown as ReadClassOf<TypedInstance>,
      instanceType: this.instanceType,
      ...(this.views ? { views: this.views } : {}),
    };
  }

  /** An instance of the read class, without the properties `select` left out. */
  protected toRead(
    instance: InstanceRead,
    select?: readonly string[],
  ): InstanceType<C> {
    const read = new this.readClass(instance) as InstanceType<C>;
    return dropUnselected(read, select, this.readClass);
  }

  /** Instances by id with connections read along (`include`); the result type says which. */
  retrieve<
    const I extends IncludeOf<InstanceType<C>, C>,
    K extends SelectOf<C> = SelectOf<C>,
  >(
    ids: readonly InstanceId[],
    options: IncludeRetrieveOptions<C, I> & { readonly select?: readonly K[] },
  ): Promise<IncludedRead<C, I, K>[]>;
  /** Instances by id; ids that do not exist or have no data in the view are left out. */
  retrieve<K extends SelectOf<C>>(
    ids: readonly InstanceId[],
    options: RetrieveOptions<C> & { readonly select: readonly K[] },
  ): Promise<SelectedOf<C, K>[]>;
  retrieve(
    ids: readonly InstanceId[],
    options?: RetrieveOptions<C>,
  ): Promise<InstanceType<C>[]>;
  async retrieve(
    ids: readonly InstanceId[],
    options: RetrieveOptions<C> & {
      readonly include?: object;
      readonly onProgress?: (progress: QueryProgress) => void;
    } = {},
    // `unknown`: each overload above says what comes back for its options.
  ): Promise<unknown[]> {
    await this.verified();
    if (options.include)
      return (await retrieveWithInclude(
        this.includeContext(),
        ids,
        options.include,
        options as Parameters<typeof retrieveWithInclude>[3],
      )) as InstanceType<C>[];
    compileSelect(options.select, this.readClass);
    const typed = ids.map(({ space, externalId }) => ({
      instanceType: this.instanceType,
      space,
      externalId,
    }));
    const found = await this.client.retrieve(
      typed,
      [this.view],
      options.signal ? { signal: options.signal } : {},
    );
    return found.map((instance) => this.toRead(instance, options.select));
  }

  /** With `include`: root objects with their connections filled, one root page at a time. */
  list<
    const I extends IncludeOf<InstanceType<C>, C>,
    K extends SelectOf<C> = SelectOf<C>,
  >(
    options: IncludeListOptions<C, I> & { readonly select?: readonly K[] },
  ): InstanceList<IncludedRead<C, I, K>>;
  /**
   * Instances with data in the view that match `where`, in `sort` order, read page by page as
   * they are iterated (`for await`), or all at once with `.toArray()`.
   */
  list<K extends SelectOf<C>>(
    options: ListOptions<C> & { readonly select: readonly K[] },
  ): InstanceList<SelectedOf<C, K>>;
  list(options?: ListOptions<C>): InstanceList<InstanceType<C>>;
  list(
    options: ListOptions<C> & {
      readonly include?: object;
      readonly onProgress?: (progress: QueryProgress) => void;
    } = {},
    // `unknown`: each overload above says what comes back for its options.
  ): InstanceList<unknown> {
    checkCount("list: limit", options.limit, 0, Infinity);
    checkCount("list: pageSize", options.pageSize, 1, MAX_QUERY_LIMIT);
    if (options.include) return this.listIncluding(options.include, options);
    const request = this.listRequest(options);
    return new InstanceList(() => this.readList(request, options));
  }

  /** `list` with `include`: one query, root objects handed out one root page at a time. */
  private listIncluding(
    include: object,
    options: ListOptions<C> & {
      readonly onProgress?: (progress: QueryProgress) => void;
    },
  ): InstanceList<InstanceType<C>> {
    const sort = compileSort(options.sort, this.readClass, this.instanceType);
    const { where, select, limit, pageSize, signal, onProgress } = options;
    const loose = {
      ...(where !== undefined ? { where } : {}),
      ...(sort ? { sort } : {}),
      ...(select ? { select } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(pageSize !== undefined ? { pageSize } : {}),
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    };
    return new InstanceList(() =>
      this.afterCheck(
        () =>
          listWithInclude(
            this.includeContext(),
            include,
            loose,
          ) as AsyncGenerator<InstanceType<C>, void, undefined>,
      ),
    );
  }

  /** The items of `items()` once the view's live check (if any) has passed. */
  private async *afterCheck<T>(
    items: () => AsyncGenerator<T, void, undefined>,
  ): AsyncGenerator<T, void, undefined> {
    await this.verified();
    yield* items();
  }

  /** The query of a `list`: one result set, the view's properties (or the selected ones). */
  protected listRequest(options: ListOptions<C>): QueryRequest {
    const filter = this.filterWithData(options.where);
    const sort = compileSort(options.sort, this.readClass, this.instanceType);
    const pageSize = Math.min(
      options.pageSize ?? DEFAULT_LIST_PAGE_SIZE,
      options.limit ?? Infinity,
    );
    const expression =
      this.instanceType === "node"
        ? { nodes: { filter } }
        : { edges: { filter } };
    return {
      with: {
        [RESULT_SET]: {
          ...expression,
          limit: Math.max(1, pageSize),
          ...(sort ? { sort } : {}),
        },
      },
      select: { [RESULT_SET]: this.selection(options.select) },
    };
  }

  private async *readList(
    request: QueryRequest,
    options: ListOptions<C>,
  ): AsyncGenerator<InstanceType<C>, void, undefined> {
    const limit = options.limit ?? Infinity;
    if (limit <= 0) return;
    await this.verified();
    let count = 0;
    const pages = this.client.queryPages(request, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    for await (const page of pages) {
      for (const instance of page.items[RESULT_SET] ?? []) {
        yield this.toRead(instance, options.select);
        if (++count >= limit) return;
      }
    }
  }

  /** `hasData` on the view, AND-ed with the compiled `where`. */
  protected filterWithData(where: object | undefined): Filter {
    const hasData: Filter = { hasData: [this.view] };
    const filter = compileWhere(
      where,
      this.readClass,
      this.instanceType,
      this.views,
    );
    return filter ? { and: [hasData, filter] } : hasData;
  }

  /** The `select` of the view's result set: every property, or the selected ones. */
  protected selection(select: readonly string[] | undefined): {
    sources: SourceSelector[];
  } {
    return {
      sources: [
        {
          source: this.view,
          properties: compileSelect(select, this.readClass),
        },
      ],
    };
  }

  /**
   * Instances whose text properties match `query` (`instances/search`: relevance order, at most
   * `limit`), AND-ed with `where`.
   */
  search<
    const I extends IncludeOf<InstanceType<C>, C>,
    K extends SelectOf<C> = SelectOf<C>,
  >(
    options: IncludeSearchOptions<C, I> & { readonly select?: readonly K[] },
  ): Promise<IncludedRead<C, I, K>[]>;
  search<K extends SelectOf<C>>(
    options: SearchOptions<C> & { readonly select: readonly K[] },
  ): Promise<SelectedOf<C, K>[]>;
  search(
    options?: SearchOptions<C> & { readonly select?: readonly SelectOf<C>[] },
  ): Promise<InstanceType<C>[]>;
  async search(
    options: SearchOptions<C> & {
      readonly select?: readonly SelectOf<C>[];
      readonly include?: object;
      readonly onProgress?: (progress: QueryProgress) => void;
    } = {},
    // `unknown`: each overload above says what comes back for its options.
  ): Promise<unknown[]> {
    checkCount("search: limit", options.limit, 1, MAX_SEARCH_LIMIT);
    compileSelect(options.select, this.readClass);
    await this.verified();
    if (options.include) {
      const { include, select, signal, onProgress } = options;
      const found = await this.searchItems(options);
      return retrieveWithInclude(this.includeContext(), found, include, {
        ...(select ? { select } : {}),
        ...(signal ? { signal } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
    }
    const items = await this.searchItems(options);
    return items.map((item) => this.toRead(item, options.select));
  }

  /** The items of `instances/search`, in the API's (relevance) order. */
  private async searchItems(
    options: SearchOptions<C> & { readonly select?: readonly SelectOf<C>[] },
  ): Promise<InstanceRead[]> {
    const body = searchRequest(
      options as SearchOptions<AnyViewTypes>,
      this.readClass,
      this.instanceType,
    );
    const response = await this.client.http.postJson<{
      items: InstanceRead[];
    }>(
      "/models/instances/search",
      body,
      options.signal ? { signal: options.signal } : {},
    );
    return response.items;
  }

  /**
   * Aggregates over the view's instances (`instances/aggregate`): one result, or one per group
   * with `groupBy`, holding exactly the aggregates asked for.
   */
  async aggregate<
    const A extends Aggregates<C>,
    const G extends GroupableOf<C> = never,
  >(
    aggregates: OnlyAggregates<A, C>,
    options: AggregateOptions<C, G> = {},
  ): Promise<AggregateResult<A, G>[]> {
    checkCount("aggregate: limit", options.limit, 1, MAX_SEARCH_LIMIT);
    await this.verified();
    const body = aggregateRequest(
      aggregates as Aggregates<AnyViewTypes>,
      options as unknown as AggregateOptions<AnyViewTypes, string>,
      this.readClass,
      this.instanceType,
    );
    const response = await this.client.http.postJson<{
      items: Parameters<typeof aggregateResults>[0];
    }>(
      "/models/instances/aggregate",
      body,
      options.signal ? { signal: options.signal } : {},
    );
    return aggregateResults(
      response.items,
      options.groupBy,
      this.readClass,
    ) as AggregateResult<A, G>[];
  }

  /**
   * Changes to the view's instances: a full backfill first (or from `state`), then what changed.
   * Save `page.state` once a page is processed; pass it back as `state` to resume.
   */
  sync<K extends SelectOf<C>>(
    options: ViewSyncOptions<C> & { readonly select: readonly K[] },
  ): AsyncGenerator<ViewSyncPage<SelectedOf<C, K>>, void, undefined>;
  sync(
    options?: ViewSyncOptions<C>,
  ): AsyncGenerator<ViewSyncPage<InstanceType<C>>, void, undefined>;
  async *sync(
    options: ViewSyncOptions<C> = {},
  ): AsyncGenerator<ViewSyncPage<InstanceType<C>>, void, undefined> {
    const { where, select, pageSize, mode, ...syncOptions } = options;
    checkCount("sync: pageSize", pageSize, 1, MAX_SYNC_PAGE_SIZE);
    const filter = this.filterWithData(where);
    const expression =
      this.instanceType === "node"
        ? { nodes: { filter } }
        : { edges: { filter } };
    const request = {
      with: {
        [RESULT_SET]: {
          ...expression,
          limit: pageSize ?? DEFAULT_SYNC_PAGE_SIZE,
          mode: mode ?? "onePhase",
        },
      },
      select: { [RESULT_SET]: this.selection(select) },
    };
    await this.verified();
    for await (const page of this.client.sync(request, syncOptions)) {
      yield {
        upserts: (page.upserts[RESULT_SET] ?? []).map((i) =>
          this.toRead(i, select),
        ),
        deletes: (page.deletes[RESULT_SET] ?? []).map(
          ({ space, externalId }) => ({
            space,
            externalId,
          }),
        ),
        state: page.state,
        caughtUp: page.caughtUp,
        pageSize:
          page.pageSizes[RESULT_SET] ?? pageSize ?? DEFAULT_SYNC_PAGE_SIZE,
      };
    }
  }
}

/** Reads and writes of one writable view. */
export class ViewAccessor<
  C extends TypedReadClass,
  TApply extends object,
> extends ReadOnlyViewAccessor<C> {
  /**
   * Creates or updates instances (with their nested nodes and edges): one apply object, a list,
   * or any iterable or async iterable of them, read as the requests go out (a generator of
   * millions streams; with `report: "counts"` memory stays bounded).
   */
  apply(
    items: TApply | Iterable<TApply> | AsyncIterable<TApply>,
    options: ApplyOptions = {},
  ): Promise<ApplyResult> {
    const inputs = (isIterable(items) ? items : [items]) as Parameters<
      DmsClient["apply"]
    >[0];
    // Nothing of the write is read or sent before the view's live check passes.
    const check = this.verified();
    if (check) return check.then(() => this.client.apply(inputs, options));
    return this.client.apply(inputs, options);
  }

  /** Deletes instances by id (deleting a node deletes its edges too). */
  delete(
    ids: readonly InstanceId[],
    options: DeleteOptions = {},
  ): Promise<DeletedInstance[]> {
    return this.client.delete(
      ids.map(({ space, externalId }) => ({
        instanceType: this.instanceType,
        space,
        externalId,
      })),
      options,
    );
  }
}

/** A list, iterable or async iterable of apply objects (an apply object itself is neither). */
export function isIterable<T extends object>(
  items: T | Iterable<T> | AsyncIterable<T>,
): items is Iterable<T> | AsyncIterable<T> {
  return (
    typeof items === "object" &&
    items !== null &&
    !collectsWrites(items) &&
    (Symbol.iterator in items || Symbol.asyncIterator in items)
  );
}

/** The API's largest `limit` of a query result set (and of a search), and of a sync result set. */
const MAX_SEARCH_LIMIT = 1000;
const MAX_SYNC_PAGE_SIZE = 2000;

/**
 * A count option is a whole number from `min` to `max` (`limit` may be `Infinity`: all): a
 * `RangeError` naming it otherwise, before any request. Else `limit: -1` or `NaN` read nothing or
 * everything without a word, and a `pageSize` of 0 or 5000 failed at the API with a 400.
 */
function checkCount(
  option: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || (value === Infinity && max === Infinity)) return;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `${option} must be a whole number from ${min} to ${max === Infinity ? "Infinity (all)" : max}, got ${String(value)}`,
    );
}

/** A view's entry in the client's table: its read class, instance type, and whether it writes. */
export type ViewAccessorEntry = readonly [
  readClass: TypedReadClass & ReadClassOf<TypedInstance>,
  instanceType: "node" | "edge",
  writable: boolean,
];

/** The client's table of view accessors: one entry per member of `A`, no other. */
export type ViewAccessorTable<A> = {
  readonly [K in keyof A]: ViewAccessorEntry;
};

/**
 * Gives `client` one getter per entry of `table` that creates the view's accessor on first use and
 * keeps it, so that a client of a model with a thousand views costs nothing until a view is used.
 * `A` is the type of the accessors (the generated `Client`'s view members): the table must list
 * exactly its keys.
 */
export function defineViewAccessors<T extends object, A>(
  client: T,
  table: ViewAccessorTable<A>,
  context: {
    readonly dms: DmsClient;
    readonly views: ViewRegistry;
    readonly verifier: ViewVerifier;
  },
): T & A {
  const entries = table as Readonly<Record<string, ViewAccessorEntry>>;
  for (const name of Object.keys(entries)) {
    const [readClass, instanceType, writable] = entries[name]!;
    Object.defineProperty(client, name, {
      configurable: true,
      get(): unknown {
        // Explicit type arguments: inferring them from the entry made tsc instantiate the
        // accessor's include and select types for another class type.
        const read = readClass as TypedReadClass;
        const { dms, views, verifier } = context;
        const accessor = writable
          ? new ViewAccessor<TypedReadClass, object>(
              dms,
              read,
              instanceType,
              views,
              verifier,
            )
          : new ReadOnlyViewAccessor<TypedReadClass>(
              dms,
              read,
              instanceType,
              views,
              verifier,
            );
        Object.defineProperty(client, name, { value: accessor });
        return accessor;
      },
    });
  }
  return client as T & A;
}

// One view's operations on a DmsClient, typed by the view's generated classes: what the generated
// client offers per view (`client.movie.list()`, ...). The view's read class is loaded on first
// use (the client refers to view modules lazily); `include`, search and aggregate, and the live
// views' check are features an output may leave out, loaded on first use when it has them.

import { MAX_QUERY_LIMIT, type QueryProgress } from "../read/query.js";
import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
} from "../write/apply.js";
import { collectsWrites } from "../model/collect.js";
import type { DmsClient } from "../read/dms-client.js";
import type { SyncOptions, SyncState } from "../read/sync.js";
import type { TypedInstance } from "../model/typed.js";
import {
  compileSelect,
  compileSort,
  compileWhere,
  dropUnselected,
  loadWhereClasses,
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

/** A generated read class, as the registry holds it. */
type ReadClass = TypedReadClass<TypedInstance>;

/** Loads a view's read class: the client's table imports the view's module on first use. */
export type ReadClassLoader = () => Promise<ReadClass>;

/**
 * The client's read classes by view id (`space:externalId/version`), each loaded on first use: an
 * app that uses one view of a large model loads that view's module (and what it extends) only.
 */
export class ViewRegistry {
  readonly #loaders: ReadonlyMap<string, ReadClassLoader>;
  readonly #loaded = new Map<string, ReadClass>();

  constructor(table: Readonly<Record<string, ViewAccessorEntry>>) {
    this.#loaders = new Map(
      Object.values(table).map(([view, , , load]) => [view, load]),
    );
  }

  /** The class of a view, once loaded. */
  find(view: string): ReadClass | undefined {
    return this.#loaded.get(view);
  }

  /** Loads the class of a view; undefined when the client has none for it. */
  async load(view: string): Promise<ReadClass | undefined> {
    const loaded = this.#loaded.get(view);
    if (loaded) return loaded;
    const readClass = await this.#loaders.get(view)?.();
    if (readClass) this.#loaded.set(view, readClass);
    return readClass;
  }

  /** The ids of the client's views. */
  ids(): string[] {
    return [...this.#loaders.keys()];
  }
}

/** What every accessor of a client shares. */
export interface AccessorContext {
  readonly dms: DmsClient;
  readonly views: ViewRegistry;
  /** `verifyViews`: the view's live check before its first read or write (`ViewDriftError`). */
  readonly check?: ((readClass: TypedReadClass) => Promise<void>) | undefined;
  /** Reads with `include` (client/include-reads.ts); absent when the output has no include. */
  readonly include?: {
    retrieve(
      accessor: object,
      ids: readonly InstanceId[],
      options: object,
    ): Promise<unknown[]>;
    list(
      accessor: object,
      options: object,
    ): AsyncGenerator<unknown, void, undefined>;
  };
  /** Methods of features (search, aggregate) every accessor gets. */
  readonly methods?: readonly object[];
}

const RESULT_SET = "instances";
const DEFAULT_LIST_PAGE_SIZE = MAX_QUERY_LIMIT;
const DEFAULT_SYNC_PAGE_SIZE = 1000;

/** Reads of one view: retrieve, list and sync, as instances of its read class. */
export class ReadOnlyViewAccessor<C extends TypedReadClass> {
  /** @internal */
  constructor(
    /** @internal */ readonly context: AccessorContext,
    /** @internal */ readonly entry: ViewAccessorEntry,
  ) {}

  /** The view this accessor reads and writes through. */
  get view(): ViewReference {
    const [, space, externalId, version] = /^([^:]*):(.*)\/([^/]*)$/.exec(
      this.entry[0],
    )!;
    return {
      type: "view",
      space: space!,
      externalId: externalId!,
      version: version!,
    };
  }

  /** @internal The read class (loaded on first use), once the view's live check (if any) passed. */
  async ready(): Promise<C> {
    const readClass = (await this.context.views.load(this.entry[0])) as C;
    await this.context.check?.(readClass);
    return readClass;
  }

  /** @internal An instance of the read class, without the properties `select` left out. */
  toRead(
    readClass: C,
    instance: InstanceRead,
    select?: readonly string[],
  ): InstanceType<C> {
    const read = new readClass(instance) as InstanceType<C>;
    return dropUnselected(read, select, readClass);
  }

  /** @internal What reads with `include` (a `TypeError` when the output has no include). */
  includes(): NonNullable<AccessorContext["include"]> {
    if (this.context.include) return this.context.include;
    throw new TypeError(
      "include: this client was generated without the include feature (dmgen generate --features)",
    );
  }

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
    options: RetrieveOptions<C> & { readonly include?: object } = {},
    // `unknown`: each overload (here and in the include feature's) says what comes back.
  ): Promise<unknown[]> {
    if (options.include)
      return this.includes().retrieve(this, ids, {
        ...options,
        include: options.include,
      });
    const readClass = await this.ready();
    compileSelect(options.select, readClass);
    const typed = ids.map(({ space, externalId }) => ({
      instanceType: this.entry[1],
      space,
      externalId,
    }));
    const found = await this.context.dms.retrieve(
      typed,
      [readClass.view],
      options.signal ? { signal: options.signal } : {},
    );
    return found.map((instance) =>
      this.toRead(readClass, instance, options.select),
    );
  }

  /**
   * Instances with data in the view that match `where`, in `sort` order, read page by page as
   * they are iterated (`for await`), or all at once with `.toArray()`.
   */
  list<K extends SelectOf<C>>(
    options: ListOptions<C> & { readonly select: readonly K[] },
  ): InstanceList<SelectedOf<C, K>>;
  list(options?: ListOptions<C>): InstanceList<InstanceType<C>>;
  list(
    options: ListOptions<C> & { readonly include?: object } = {},
    // `unknown`: each overload (here and in the include feature's) says what comes back.
  ): InstanceList<unknown> {
    checkCount("list: limit", options.limit, 0, Infinity);
    checkCount("list: pageSize", options.pageSize, 1, MAX_QUERY_LIMIT);
    return new InstanceList(() => this.readList(options));
  }

  private async *readList(
    options: ListOptions<C> & { readonly include?: object },
  ): AsyncGenerator<unknown, void, undefined> {
    const limit = options.limit ?? Infinity;
    if (limit <= 0) return;
    if (options.include) {
      yield* this.includes().list(this, options);
      return;
    }
    const readClass = await this.ready();
    await loadWhereClasses(options.where, readClass, this.context.views);
    const request = this.listRequest(readClass, options);
    let count = 0;
    const pages = this.context.dms.queryPages(request, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    for await (const page of pages) {
      for (const instance of page.items[RESULT_SET] ?? []) {
        yield this.toRead(readClass, instance, options.select);
        if (++count >= limit) return;
      }
    }
  }

  /** The query of a `list`: one result set, the view's properties (or the selected ones). */
  private listRequest(readClass: C, options: ListOptions<C>): QueryRequest {
    const sort = compileSort(options.sort, readClass, this.entry[1]);
    const pageSize = Math.min(
      options.pageSize ?? DEFAULT_LIST_PAGE_SIZE,
      options.limit ?? Infinity,
    );
    return {
      with: {
        [RESULT_SET]: {
          ...this.expression(readClass, options.where),
          limit: Math.max(1, pageSize),
          ...(sort ? { sort } : {}),
        },
      },
      select: { [RESULT_SET]: this.selection(readClass, options.select) },
    };
  }

  /** The nodes (or edges) with data in the view, AND-ed with the compiled `where`. */
  private expression(
    readClass: C,
    where: object | undefined,
  ): { nodes: { filter: Filter } } | { edges: { filter: Filter } } {
    const hasData: Filter = { hasData: [readClass.view] };
    const { views } = this.context;
    const compiled = compileWhere(where, readClass, this.entry[1], views);
    const filter = compiled ? { and: [hasData, compiled] } : hasData;
    return this.entry[1] === "node"
      ? { nodes: { filter } }
      : { edges: { filter } };
  }

  /** The `select` of the view's result set: every property, or the selected ones. */
  private selection(
    readClass: C,
    select: readonly string[] | undefined,
  ): { sources: SourceSelector[] } {
    return {
      sources: [
        {
          source: readClass.view,
          properties: compileSelect(select, readClass),
        },
      ],
    };
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
    const readClass = await this.ready();
    await loadWhereClasses(where, readClass, this.context.views);
    const request = {
      with: {
        [RESULT_SET]: {
          ...this.expression(readClass, where),
          limit: pageSize ?? DEFAULT_SYNC_PAGE_SIZE,
          mode: mode ?? "onePhase",
        },
      },
      select: { [RESULT_SET]: this.selection(readClass, select) },
    };
    for await (const page of this.context.dms.sync(request, syncOptions)) {
      yield {
        upserts: (page.upserts[RESULT_SET] ?? []).map((i) =>
          this.toRead(readClass, i, select),
        ),
        deletes: (page.deletes[RESULT_SET] ?? []).map(
          ({ space, externalId }) => ({ space, externalId }),
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
    const { dms, check } = this.context;
    // Nothing of the write is read or sent before the view's live check passes.
    if (check) return this.ready().then(() => dms.apply(inputs, options));
    return dms.apply(inputs, options);
  }

  /** Deletes instances by id (deleting a node deletes its edges too). */
  delete(
    ids: readonly InstanceId[],
    options: DeleteOptions = {},
  ): Promise<DeletedInstance[]> {
    return this.context.dms.delete(
      ids.map(({ space, externalId }) => ({
        instanceType: this.entry[1],
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

/** The API's largest page of a sync result set. */
const MAX_SYNC_PAGE_SIZE = 2000;

/**
 * A count option is a whole number from `min` to `max` (`limit` may be `Infinity`), else a
 * `RangeError` naming it before any request (not a silent `limit: NaN` or the API's 400).
 */
export function checkCount(
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

/**
 * A view's entry in the client's table: its view id, instance type, whether it takes writes, and
 * how to load its read class.
 */
export type ViewAccessorEntry = readonly [
  view: string,
  instanceType: "node" | "edge",
  writable: boolean,
  load: ReadClassLoader,
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
  context: AccessorContext,
): T & A {
  const entries = table as Readonly<Record<string, ViewAccessorEntry>>;
  for (const name of Object.keys(entries)) {
    const entry = entries[name]!;
    Object.defineProperty(client, name, {
      configurable: true,
      get(): unknown {
        // Explicit type arguments: inferring them from the entry made tsc instantiate the
        // accessor's select types for another class type.
        const accessor = entry[2]
          ? new ViewAccessor<TypedReadClass, object>(context, entry)
          : new ReadOnlyViewAccessor<TypedReadClass>(context, entry);
        Object.assign(accessor, ...(context.methods ?? []));
        Object.defineProperty(client, name, { value: accessor });
        return accessor;
      },
    });
  }
  return client as T & A;
}

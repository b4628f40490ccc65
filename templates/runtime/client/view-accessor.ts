// One view's operations on a DmsClient, typed by its generated classes (`client.movie.list()`). The
// read class and the features' code (include, search, view checks) load on first use.

import { MAX_QUERY_LIMIT, type QueryProgress } from "../read/query.js";
import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
} from "../write/apply.js";
import { collectsWrites, idOf } from "../model/collect.js";
import type { DmsClient, TypedInstanceId } from "../read/dms-client.js";
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
  InstanceId,
  InstanceRead,
  QueryRequest,
  ViewReference,
} from "../core/wire.js";

/** Options every typed read of a view takes. */
export interface ViewReadOptions<C extends HasViewTypes> {
  /** Only instances matching this typed filter. */
  readonly where?: WhereOf<C>;
  readonly signal?: AbortSignal;
}

/** Options of `retrieve`. */
export interface RetrieveOptions<C extends HasViewTypes> {
  /** Only these properties are read; the result type narrows to them. */
  readonly select?: readonly SelectOf<C>[];
  readonly signal?: AbortSignal;
}

/** Options of `list`. */
export interface ListOptions<C extends HasViewTypes>
  extends ViewReadOptions<C>, RetrieveOptions<C> {
  /** One sort key or several (at most 5). */
  readonly sort?: SortOf<C>;
  /** Stop after this many instances. Default: all. */
  readonly limit?: number;
  /** Instances per request, 1 to 10,000 (the default). Halved while the API times out. */
  readonly pageSize?: number;
  /** Called after every request, with the page sizes in use (smaller after timeouts). */
  readonly onProgress?: (progress: QueryProgress) => void;
}

/** Options of `sync`: the sync engine's (state, follow, `mode` default `onePhase`, ...) and more. */
export interface ViewSyncOptions<C extends HasViewTypes = HasViewTypes>
  extends SyncOptions, ViewReadOptions<C>, RetrieveOptions<C> {
  /** Instances per page, 1 to 2000. Default 1000. Halved while the API times out. */
  readonly pageSize?: number;
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

/** The instances a `list` reads: `for await` requests pages as the loop needs them; `toArray()` all. */
export class InstanceList<T> implements AsyncIterable<T> {
  constructor(private readonly read: () => AsyncGenerator<T>) {}

  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this.read();
  }

  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this.read()) all.push(item);
    return all;
  }
}

type ReadClass = TypedReadClass<TypedInstance>;

/** The client's read classes by view id (`space:externalId/version`), each module loaded on first use. */
export class ViewRegistry {
  readonly #loaders: ReadonlyMap<string, () => Promise<ReadClass>>;
  readonly #loaded = new Map<string, ReadClass>();

  constructor(table: Readonly<Record<string, ViewAccessorEntry>>) {
    this.#loaders = new Map(
      Object.values(table).map(([view, , , load]) => [view, load]),
    );
  }

  find(view: string): ReadClass | undefined {
    return this.#loaded.get(view);
  }

  /** Undefined when the client has no class for the view. */
  async load(view: string): Promise<ReadClass | undefined> {
    const readClass =
      this.#loaded.get(view) ?? (await this.#loaders.get(view)?.());
    if (readClass) this.#loaded.set(view, readClass);
    return readClass;
  }

  ids(): string[] {
    return [...this.#loaders.keys()];
  }
}

/** Reads with `include` (client/include-reads.ts), untyped: the feature's overloads type them. */
interface IncludeReader {
  retrieve(
    accessor: object,
    ids: readonly InstanceId[],
    options: object,
  ): Promise<unknown[]>;
  list(accessor: object, options: object): AsyncGenerator<unknown>;
}

/** What every accessor of a client shares; the features' entries load their modules. */
export interface AccessorContext {
  readonly dms: DmsClient;
  readonly views: ViewRegistry;
  /** `verifyViews`: the view's live check before its first read or write (`ViewDriftError`). */
  readonly check?: ((readClass: TypedReadClass) => Promise<void>) | undefined;
  /** client/read-runtime.ts's `readRuntime`, when the output has include or search. */
  readonly runtime?: object;
  /** client/include-reads.ts, when the output has include. */
  readonly include?: () => Promise<{ readonly includeReader: IncludeReader }>;
  /** client/search-reads.ts, when the output has search: `search` and `aggregate`. */
  readonly search?: () => Promise<
    Record<"search" | "aggregate", (...args: never[]) => Promise<unknown>>
  >;
}

const RESULT_SET = "instances";
const MAX_SYNC_PAGE_SIZE = 2000;

/** Reads of one view: retrieve, list and sync, as instances of its read class. */
export class ReadOnlyViewAccessor<C extends TypedReadClass> {
  /** @internal */
  constructor(
    /** @internal */ readonly context: AccessorContext,
    /** @internal */ readonly entry: ViewAccessorEntry,
  ) {}

  /** The view this accessor reads and writes through. */
  get view(): ViewReference {
    const [, space = "", externalId = "", version = ""] =
      /^([^:]*):(.*)\/([^/]*)$/.exec(this.entry[0])!;
    return { type: "view", space, externalId, version };
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

  /** @internal The ids with this view's instance type. */
  typed(ids: readonly InstanceId[]): TypedInstanceId[] {
    const [, instanceType] = this.entry;
    return ids.map(({ space, externalId }) => ({
      instanceType,
      space,
      externalId,
    }));
  }

  /** @internal The include feature's reads (a `TypeError` when the output has no include). */
  async includes(): Promise<IncludeReader> {
    if (!this.context.include)
      throw new TypeError(
        "include: this client was generated without the include feature (dmgen generate --features)",
      );
    return (await this.context.include()).includeReader;
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
  // `unknown`: each overload (here and in the include feature's) says what comes back.
  async retrieve(
    ids: readonly InstanceId[],
    options: RetrieveOptions<C> & { readonly include?: object } = {},
  ): Promise<unknown[]> {
    if (options.include)
      return (await this.includes()).retrieve(this, ids, options);
    const readClass = await this.ready();
    compileSelect(options.select, readClass);
    const found = await this.context.dms.retrieve(
      this.typed(ids),
      [readClass.view],
      options,
    );
    return found.map((i) => this.toRead(readClass, i, options.select));
  }

  /** Instances with data in the view matching `where`, in `sort` order, read as iterated. */
  list<K extends SelectOf<C>>(
    options: ListOptions<C> & { readonly select: readonly K[] },
  ): InstanceList<SelectedOf<C, K>>;
  list(options?: ListOptions<C>): InstanceList<InstanceType<C>>;
  list(
    options: ListOptions<C> & { readonly include?: object } = {},
  ): InstanceList<unknown> {
    checkCount("list: limit", options.limit, 0, Infinity);
    checkCount("list: pageSize", options.pageSize, 1, MAX_QUERY_LIMIT);
    return new InstanceList(() => this.readList(options));
  }

  private async *readList(
    options: ListOptions<C> & { readonly include?: object },
  ): AsyncGenerator<unknown, void, undefined> {
    const { limit = Infinity, sort, select } = options;
    if (limit <= 0) return;
    if (options.include)
      return yield* (await this.includes()).list(this, options);
    const readClass = await this.ready();
    const compiled = compileSort(sort, readClass, this.entry[1]);
    const pageSize = Math.min(options.pageSize ?? MAX_QUERY_LIMIT, limit);
    const request = await this.request(readClass, options, {
      limit: pageSize,
      ...(compiled ? { sort: compiled } : {}),
    });
    let count = 0;
    for await (const page of this.context.dms.queryPages(request, options))
      for (const instance of page.items[RESULT_SET] ?? []) {
        yield this.toRead(readClass, instance, select);
        if (++count >= limit) return;
      }
  }

  /** One result set of the view's instances (with data in it) matching `where`, `select`ed. */
  private async request(
    readClass: C,
    { where, select }: ViewReadOptions<C> & RetrieveOptions<C>,
    expression: object,
  ): Promise<QueryRequest> {
    await loadWhereClasses(where, readClass, this.context.views);
    const hasData = { hasData: [readClass.view] };
    const compiled = compileWhere(
      where,
      readClass,
      this.entry[1],
      this.context.views,
    );
    const filter = compiled ? { and: [hasData, compiled] } : hasData;
    const set =
      this.entry[1] === "node" ? { nodes: { filter } } : { edges: { filter } };
    const properties = compileSelect(select, readClass);
    return {
      with: { [RESULT_SET]: { ...set, ...expression } },
      select: {
        [RESULT_SET]: { sources: [{ source: readClass.view, properties }] },
      },
    };
  }

  /** A backfill (or from `state`), then changes; save `page.state` once processed to resume. */
  sync<K extends SelectOf<C>>(
    options: ViewSyncOptions<C> & { readonly select: readonly K[] },
  ): AsyncGenerator<ViewSyncPage<SelectedOf<C, K>>, void, undefined>;
  sync(
    options?: ViewSyncOptions<C>,
  ): AsyncGenerator<ViewSyncPage<InstanceType<C>>, void, undefined>;
  async *sync(
    options: ViewSyncOptions<C> = {},
  ): AsyncGenerator<ViewSyncPage<InstanceType<C>>, void, undefined> {
    // The engine takes the rest of the options (`where`, `select` and `pageSize` it ignores).
    const { select, pageSize = 1000, mode = "onePhase" } = options;
    checkCount("sync: pageSize", pageSize, 1, MAX_SYNC_PAGE_SIZE);
    const readClass = await this.ready();
    const request = await this.request(readClass, options, {
      limit: pageSize,
      mode,
    });
    for await (const page of this.context.dms.sync(request, options))
      yield {
        upserts: (page.upserts[RESULT_SET] ?? []).map((i) =>
          this.toRead(readClass, i, select),
        ),
        deletes: (page.deletes[RESULT_SET] ?? []).map(idOf),
        state: page.state,
        caughtUp: page.caughtUp,
        pageSize: page.pageSizes[RESULT_SET] ?? pageSize,
      };
  }
}

/** Reads and writes of one writable view. */
export class ViewAccessor<
  C extends TypedReadClass,
  TApply extends object,
> extends ReadOnlyViewAccessor<C> {
  /**
   * Creates or updates instances (with nested nodes and edges): one apply object, a list, or any
   * (async) iterable, read as the requests go out (with `report: "counts"` memory stays bounded).
   */
  async apply(
    items: TApply | Iterable<TApply> | AsyncIterable<TApply>,
    options: ApplyOptions = {},
  ): Promise<ApplyResult> {
    // Nothing of the write is read or sent before the view's live check passes.
    if (this.context.check) await this.ready();
    return this.context.dms.apply(
      (isIterable(items) ? items : [items]) as Parameters<
        DmsClient["apply"]
      >[0],
      options,
    );
  }

  /** Deletes instances by id (deleting a node deletes its edges too). */
  delete(
    ids: readonly InstanceId[],
    options: DeleteOptions = {},
  ): Promise<DeletedInstance[]> {
    return this.context.dms.delete(this.typed(ids), options);
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

/** A count option is a whole number from `min` to `max`: else a `RangeError` before any request. */
export function checkCount(
  option: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || (value === Infinity && max === Infinity)) return;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `${option} must be a whole number from ${min} to ${max === Infinity ? "Infinity (all)" : max}, got ${value}`,
    );
}

/** A view in the client's table: its id, instance type, whether it takes writes, its read class. */
export type ViewAccessorEntry = readonly [
  view: string,
  instanceType: "node" | "edge",
  writable: boolean,
  load: () => Promise<ReadClass>,
];

/** The client's table of view accessors: one entry per member of `A`, no other. */
export type ViewAccessorTable<A> = {
  readonly [K in keyof A]: ViewAccessorEntry;
};

/**
 * Gives `client` a getter per entry of `table` that creates the view's accessor on first use (a
 * thousand views cost nothing until used). `A`: the `Client`'s view members, the table's keys.
 */
export function defineViewAccessors<T extends object, A>(
  client: T,
  table: ViewAccessorTable<A>,
  context: AccessorContext,
): T & A {
  const { search } = context;
  for (const [name, entry] of Object.entries<ViewAccessorEntry>(table)) {
    Object.defineProperty(client, name, {
      configurable: true,
      get(): unknown {
        // Explicit type arguments: inferring them from the entry made tsc instantiate the
        // accessor's select types for another class type.
        const accessor = (entry[2]
          ? new ViewAccessor<TypedReadClass, object>(context, entry)
          : new ReadOnlyViewAccessor<TypedReadClass>(
              context,
              entry,
            )) as unknown as Record<string, unknown>;
        if (search)
          for (const method of ["search", "aggregate"] as const)
            accessor[method] = async function (
              this: ReadOnlyViewAccessor<TypedReadClass>,
              ...args: never[]
            ) {
              return (await search())[method].apply(this, args);
            };
        Object.defineProperty(client, name, { value: accessor });
        return accessor;
      },
    });
  }
  return client as T & A;
}

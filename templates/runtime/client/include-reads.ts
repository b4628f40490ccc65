// The types `include` adds to a view accessor: `list({ include })` and `retrieve(ids, { include })`
// with connections read along, typed by what they lead to. The accessors load this module (and
// features/include.ts) on the first call with `include`.

import type { QueryProgress } from "../read/query.js";
import type { HasViewTypes, SelectOf, TypedReadClass } from "../model/where.js";
import type { ReadRuntime } from "./read-runtime.js";
import type { InstanceId } from "../core/wire.js";
import {
  listWithInclude,
  retrieveWithInclude,
  type ExactInclude,
  type IncludeContext,
  type IncludeOf,
  type LooseListOptions,
  type SelectedIn,
  type WithIncluded,
} from "../features/include.js";
import type {
  AccessorContext,
  InstanceList,
  ListOptions,
  RetrieveOptions,
  ViewAccessorEntry,
} from "./view-accessor.js";

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

/**
 * What a read with `include` (and `select` `K`) returns: root objects narrowed to `K` (plus the
 * included connections), with their connections filled.
 */
export type IncludedRead<
  C extends TypedReadClass,
  I,
  K extends SelectOf<C>,
> = WithIncluded<SelectedIn<InstanceType<C>, C, K, keyof I>, I, C>;

/** The `include` overloads of a view's accessor (`C`: the view's read class). */
export interface IncludeReads<C extends TypedReadClass> {
  /** Instances by id with connections read along (`include`); the result type says which. */
  retrieve<
    const I extends IncludeOf<InstanceType<C>, C>,
    K extends SelectOf<C> = SelectOf<C>,
  >(
    ids: readonly InstanceId[],
    options: IncludeRetrieveOptions<C, I> & { readonly select?: readonly K[] },
  ): Promise<IncludedRead<C, I, K>[]>;
  /** With `include`: root objects with their connections filled, one root page at a time. */
  list<
    const I extends IncludeOf<InstanceType<C>, C>,
    K extends SelectOf<C> = SelectOf<C>,
  >(
    options: IncludeListOptions<C, I> & { readonly select?: readonly K[] },
  ): InstanceList<IncludedRead<C, I, K>>;
}

/** Reads with `include` (client/include-reads.ts). */
interface IncludeReader {
  retrieve(
    accessor: AnyAccessor,
    ids: readonly InstanceId[],
    options: IncludeOptions,
  ): Promise<unknown[]>;
  list(
    accessor: AnyAccessor,
    options: IncludeOptions & ListOptions<HasViewTypes>,
  ): AsyncGenerator<unknown, void, undefined>;
}

/** The options of a read with `include`, untyped (the include feature's overloads type them). */
interface IncludeOptions {
  readonly include: object;
  readonly select?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: QueryProgress) => void;
}

/** What a read with `include` uses of an accessor. */
interface AnyAccessor {
  ready(): Promise<TypedReadClass>;
  readonly context: AccessorContext;
  readonly entry: ViewAccessorEntry;
}

/** Reads with `include`. */
export const includeReader: IncludeReader = {
  async retrieve(accessor, ids, options) {
    const context = await includeContext(accessor);
    return retrieveWithInclude(context, ids, options.include, options);
  },
  async *list(accessor, options) {
    const context = await includeContext(accessor);
    const { runtime, readClass, instanceType } = context;
    const { sort: keys, ...rest } = options;
    const sort = runtime.compileSort(keys, readClass, instanceType);
    yield* listWithInclude(context, options.include, {
      ...(rest as Omit<LooseListOptions, "sort">),
      ...(sort ? { sort } : {}),
    });
  },
};

/** What `include` needs of an accessor: its client, registry and (loaded, checked) read class. */
async function includeContext(accessor: AnyAccessor): Promise<IncludeContext> {
  const readClass = await accessor.ready();
  const { dms, views, runtime } = accessor.context;
  return {
    runtime: runtime as ReadRuntime,
    dms,
    readClass: readClass as unknown as IncludeContext["readClass"],
    instanceType: accessor.entry[1],
    views,
  };
}

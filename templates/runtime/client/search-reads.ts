// `search` and `aggregate` of a view accessor: their types, and their code, which the accessors
// load on the first call of either.

import type {
  AnyViewTypes,
  GroupableOf,
  SelectOf,
  SelectedOf,
  TypedReadClass,
} from "../model/where.js";
import type { QueryProgress } from "../read/query.js";
import type { ReadRuntime } from "./read-runtime.js";
import {
  aggregateInstances,
  searchInstances,
  type AggregateOptions,
  type AggregateResult,
  type Aggregates,
  type OnlyAggregates,
  type SearchOptions,
} from "../features/aggregate.js";
import type { ReadOnlyViewAccessor } from "./view-accessor.js";

/** `search` and `aggregate` of a view's accessor (`C`: the view's read class). */
export interface SearchReads<C extends TypedReadClass> {
  /**
   * Instances whose text properties match `query` (`instances/search`: relevance order, at most
   * `limit`), AND-ed with `where`.
   */
  search<K extends SelectOf<C>>(
    options: SearchOptions<C> & { readonly select: readonly K[] },
  ): Promise<SelectedOf<C, K>[]>;
  search(
    options?: SearchOptions<C> & { readonly select?: readonly SelectOf<C>[] },
  ): Promise<InstanceType<C>[]>;
  /**
   * Aggregates over the view's instances (`instances/aggregate`): one result, or one per group
   * with `groupBy`, holding exactly the aggregates asked for.
   */
  aggregate<
    const A extends Aggregates<C>,
    const G extends GroupableOf<C> = never,
  >(
    aggregates: OnlyAggregates<A, C>,
    options?: AggregateOptions<C, G>,
  ): Promise<AggregateResult<A, G>[]>;
}

/** The API's largest `limit` of a search, and of aggregate groups. */
const MAX_SEARCH_LIMIT = 1000;

type Accessor = ReadOnlyViewAccessor<TypedReadClass>;

/** What `search` takes, untyped (the overloads type it); `include` with the include feature. */
interface SearchCall extends SearchOptions<AnyViewTypes> {
  readonly select?: readonly string[];
  readonly include?: object;
  readonly onProgress?: (progress: QueryProgress) => void;
}

export async function search(
  this: Accessor,
  options: SearchCall = {},
): Promise<unknown[]> {
  const runtime = this.context.runtime as ReadRuntime;
  runtime.checkCount("search: limit", options.limit, 1, MAX_SEARCH_LIMIT);
  const readClass = await this.ready();
  runtime.compileSelect(options.select, readClass);
  const { dms, views } = this.context;
  const found = await searchInstances(
    runtime,
    dms,
    views,
    readClass,
    this.entry[1],
    options,
  );
  if (!options.include)
    return found.map((item) => this.toRead(readClass, item, options.select));
  // With `include`: one query for what the search found.
  const { include, select, signal, onProgress } = options;
  return (await this.includes()).retrieve(this, found, {
    include,
    ...(select ? { select } : {}),
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}

export async function aggregate(
  this: Accessor,
  aggregates: Aggregates<AnyViewTypes>,
  options: AggregateOptions<AnyViewTypes, string> = {},
): Promise<unknown[]> {
  const runtime = this.context.runtime as ReadRuntime;
  runtime.checkCount("aggregate: limit", options.limit, 1, MAX_SEARCH_LIMIT);
  return aggregateInstances(
    runtime,
    this.context.dms,
    this.context.views,
    await this.ready(),
    this.entry[1],
    aggregates,
    options,
  );
}

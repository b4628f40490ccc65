// `search({ include })`: the search, then one query for what it found, with connections read along.
// Present when the output has both the include and the search feature.

import type { QueryProgress } from "../read/query.js";
import type { SelectOf, TypedReadClass } from "../model/where.js";
import type { ExactInclude, IncludeOf } from "../features/include.js";
import type { SearchOptions } from "../features/aggregate.js";
import type { IncludedRead } from "./include-reads.js";

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

/** The `include` overload of a view accessor's `search`. */
export interface IncludeSearch<C extends TypedReadClass> {
  /**
   * Instances whose text properties match `query` (`instances/search`: relevance order, at most
   * `limit`), AND-ed with `where`, with connections read along.
   */
  search<
    const I extends IncludeOf<InstanceType<C>, C>,
    K extends SelectOf<C> = SelectOf<C>,
  >(
    options: IncludeSearchOptions<C, I> & { readonly select?: readonly K[] },
  ): Promise<IncludedRead<C, I, K>[]>;
}

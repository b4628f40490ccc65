// Paging a query whose result sets chain from each other. A chained set's cursor only means
// something for the page its parent returned, so cursors advance like an odometer: the deepest set
// that has more is advanced first, and when a set moves on, the cursors of the sets chained from
// it are dropped (they start over on the new page). Every root-set move ends a batch, so callers
// can hand out one root page at a time. A request that times out (408, or no answer in time) is
// sent again with smaller pages (`paging.ts`) for every set no paging set is chained from.

import type * as http from "../core/http.js";
import type * as paging from "../core/paging.js";
import type * as query from "../read/query.js";
import type { QueryProgress } from "../read/query.js";
import type {
  InstanceRead,
  QueryRequest,
  QueryResponse,
} from "../core/wire.js";

/** What the pager uses of the eager runtime, handed in (client/read-runtime.ts says why). */
export type QueryGraphRuntime = Pick<
  typeof http,
  "expectResultSets" | "repeatedCursor"
> &
  Pick<
    typeof paging,
    | "ADAPTIVE_REQUEST"
    | "askedLimits"
    | "PageSizes"
    | "PagingGuard"
    | "sendAdaptive"
  > &
  Pick<
    typeof query,
    "ancestorsByResultSet" | "DEFAULT_QUERY_LIMIT" | "resizable"
  >;

/** What sends one query request (the runtime's `DmsClient` does). */
export interface QueryPoster {
  query(
    request: QueryRequest,
    options?: {
      readonly signal?: AbortSignal;
      readonly retryTimeouts?: boolean;
    },
  ): Promise<QueryResponse>;
  /** The most pages one read fetches (the runtime's `DmsClient` has it); default 100 000. */
  readonly maxPagesPerRead?: number;
}

/** Options of a paged graph query. */
export interface GraphQueryOptions {
  readonly signal?: AbortSignal;
  /** Called after every request. */
  readonly onProgress?: (progress: QueryProgress) => void;
  /**
   * The most pages this read fetches: more, or cursors that come back to ones sent before in the
   * read, is a `ProtocolError`. Default: the client's `maxPagesPerRead` (100 000).
   */
  readonly maxPages?: number;
}

/** Result set name → instances, each once. */
export type Batch = Record<string, InstanceRead[]>;

interface SetShape {
  readonly depth: number;
  readonly descendants: readonly string[];
}

/**
 * Runs `request` to the end of every result set. With `batchBy` (a root set), yields one batch per
 * page of that set, holding its page and everything chained from it; without, yields one batch.
 */
export async function* runQueryGraph(
  runtime: QueryGraphRuntime,
  dms: QueryPoster,
  request: QueryRequest,
  batchBy: string | undefined,
  options: GraphQueryOptions & {
    /** Stop following a set's cursor once it has this many items. */
    readonly caps?: Readonly<Record<string, number>>;
  } = {},
): AsyncGenerator<Batch, void, undefined> {
  const { ADAPTIVE_REQUEST, PageSizes, PagingGuard, resizable } = runtime;
  const ancestors = runtime.ancestorsByResultSet(request.with);
  const shapes = setShapes(request, ancestors);
  const names = Object.keys(request.with);
  const sizes = new PageSizes(
    runtime.askedLimits(request.with, runtime.DEFAULT_QUERY_LIMIT),
  );
  const counts: Record<string, number> = {};
  let requests = 0;
  let cursors: Record<string, string> = {};
  let batch = new BatchCollector();
  const guard = new PagingGuard(
    QUERY_PATH,
    options.maxPages ?? dms.maxPagesPerRead,
    cursors,
  );

  for (;;) {
    const sent = cursors;
    const response = await runtime.sendAdaptive({
      path: QUERY_PATH,
      sizes,
      changeable: () => resizable(names, ancestors, sent),
      onAttempt: () => (requests += 1),
      send: () => {
        const body: QueryRequest = {
          ...request,
          with: sizes.applyTo(request.with),
        };
        if (Object.keys(sent).length > 0) body.cursors = { ...sent };
        return dms.query(
          body,
          options.signal
            ? { ...ADAPTIVE_REQUEST, signal: options.signal }
            : ADAPTIVE_REQUEST,
        );
      },
    });
    // As `queryPages` does: a hostile or broken answer is a ProtocolError, not a TypeError.
    runtime.expectResultSets(response, QUERY_PATH, false);
    for (const [name, items] of Object.entries(response.items))
      counts[name] = (counts[name] ?? 0) + batch.add(name, items);
    options.onProgress?.({
      requests,
      items: { ...counts },
      pageSizes: sizes.current,
    });
    const full = new Set(
      Object.entries(options.caps ?? {})
        .filter(([name, cap]) => (counts[name] ?? 0) >= cap)
        .map(([name]) => name),
    );
    const next = nextToAdvance(shapes, response, batchBy, full);
    if (next === undefined) {
      yield batch.items();
      return;
    }
    if (next === batchBy) {
      yield batch.items();
      batch = new BatchCollector();
    }
    const cursor = response.nextCursor?.[next] ?? "";
    if (cursors[next] === cursor)
      throw runtime.repeatedCursor(QUERY_PATH, cursor, next);
    cursors = advance(cursors, next, cursor, shapes);
    guard.follow(cursors);
  }
}

const QUERY_PATH = "/models/instances/query";

class BatchCollector {
  private readonly seen = new Map<string, Set<string>>();
  private readonly collected: Batch = {};

  /** Adds what is new; returns how many were. */
  add(name: string, items: readonly InstanceRead[]): number {
    let seen = this.seen.get(name);
    if (!seen) {
      seen = new Set();
      this.seen.set(name, seen);
    }
    const list = (this.collected[name] ??= []);
    let added = 0;
    for (const item of items) {
      const key = `${item.instanceType}\u0000${item.space}\u0000${item.externalId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      list.push(item);
      added += 1;
    }
    return added;
  }

  items(): Batch {
    return this.collected;
  }
}

function setShapes(
  request: QueryRequest,
  ancestors: ReadonlyMap<string, readonly string[]>,
): Map<string, SetShape> {
  const shapes = new Map<string, SetShape>();
  for (const name of Object.keys(request.with)) {
    shapes.set(name, {
      depth: ancestors.get(name)?.length ?? 0,
      descendants: [...ancestors]
        .filter(([, chain]) => chain.includes(name))
        .map(([other]) => other),
    });
  }
  return shapes;
}

/** The deepest set with more to read; a `batchBy` root only once nothing else has more. */
function nextToAdvance(
  shapes: ReadonlyMap<string, SetShape>,
  response: QueryResponse,
  batchBy: string | undefined,
  full: ReadonlySet<string>,
): string | undefined {
  let best: string | undefined;
  let bestDepth = -1;
  for (const [name, shape] of shapes) {
    if (full.has(name)) continue;
    const cursor = response.nextCursor?.[name];
    if (typeof cursor !== "string" || cursor === "") continue;
    const depth = name === batchBy ? -0.5 : shape.depth;
    if (depth > bestDepth) {
      best = name;
      bestDepth = depth;
    }
  }
  return best;
}

function advance(
  cursors: Readonly<Record<string, string>>,
  name: string,
  cursor: string,
  shapes: ReadonlyMap<string, SetShape>,
): Record<string, string> {
  const next = { ...cursors, [name]: cursor };
  for (const descendant of shapes.get(name)?.descendants ?? [])
    delete next[descendant];
  return next;
}

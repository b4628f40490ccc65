// Paging a query whose result sets chain from each other. A chained set's cursor only means
// something for the page its parent returned, so cursors advance like an odometer: the deepest set
// that has more is advanced first, and when a set moves on, the cursors of the sets chained from
// it are dropped (they start over on the new page). Every root-set move ends a batch, so callers
// can hand out one root page at a time. A request that times out (408, or no answer in time) is
// retried with smaller pages for the sets that are starting afresh.

import { DmsError, TransportError } from "./errors.js";
import { ancestorsByResultSet } from "./query.js";
import type { InstanceRead, QueryRequest, QueryResponse } from "./wire.js";

/** What sends one query request (the runtime's `DmsClient` does). */
export interface QueryPoster {
  query(
    request: QueryRequest,
    options?: { readonly signal?: AbortSignal },
  ): Promise<QueryResponse>;
}

/** Reported after every request of a paged query. */
export interface QueryProgress {
  /** Requests sent so far (retries with smaller pages included). */
  readonly requests: number;
  /** Instances received so far per result set (repeats not counted). */
  readonly items: Readonly<Record<string, number>>;
  /** The page size (`limit`) of every result set now; smaller than asked after timeouts. */
  readonly pageSizes: Readonly<Record<string, number>>;
}

/** Options of a paged graph query. */
export interface GraphQueryOptions {
  readonly signal?: AbortSignal;
  /** Called after every request. */
  readonly onProgress?: (progress: QueryProgress) => void;
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
  dms: QueryPoster,
  request: QueryRequest,
  batchBy: string | undefined,
  options: GraphQueryOptions & {
    /** Stop following a set's cursor once it has this many items. */
    readonly caps?: Readonly<Record<string, number>>;
  } = {},
): AsyncGenerator<Batch, void, undefined> {
  const shapes = setShapes(request);
  const pageSizes: Record<string, number> = {};
  for (const [name, expression] of Object.entries(request.with))
    pageSizes[name] = expression.limit ?? 100;
  const counts: Record<string, number> = {};
  let requests = 0;
  let cursors: Record<string, string> = {};
  let batch = new BatchCollector();

  for (;;) {
    const response = await sendAdaptive(dms, request, cursors, pageSizes, {
      ...options,
      onRequest: () => (requests += 1),
    });
    for (const [name, items] of Object.entries(response.items))
      counts[name] = (counts[name] ?? 0) + batch.add(name, items);
    options.onProgress?.({
      requests,
      items: { ...counts },
      pageSizes: { ...pageSizes },
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
    cursors = advance(cursors, next, response, shapes);
  }
}

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

function setShapes(request: QueryRequest): Map<string, SetShape> {
  const ancestors = ancestorsByResultSet(request.with);
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
  response: QueryResponse,
  shapes: ReadonlyMap<string, SetShape>,
): Record<string, string> {
  const cursor = response.nextCursor?.[name] ?? "";
  if (cursors[name] === cursor) {
    throw new Error(
      `The API returned the same cursor twice for result set "${name}"; stopping instead of looping`,
    );
  }
  const next = { ...cursors, [name]: cursor };
  for (const descendant of shapes.get(name)?.descendants ?? [])
    delete next[descendant];
  return next;
}

/** A timeout answer: 408 from the API or the proxy in front, or no answer in time. */
export function isTimeout(error: unknown): boolean {
  return (
    (error instanceof DmsError && error.status === 408) ||
    (error instanceof TransportError && error.kind === "timeout")
  );
}

/**
 * Sends one request; on a timeout halves the page size of every set that has no cursor (a cursor
 * belongs to the page size it was made with) and tries again, down to pages of one.
 */
async function sendAdaptive(
  dms: QueryPoster,
  request: QueryRequest,
  cursors: Readonly<Record<string, string>>,
  pageSizes: Record<string, number>,
  options: GraphQueryOptions & { readonly onRequest: () => void },
): Promise<QueryResponse> {
  for (;;) {
    const withSizes: QueryRequest["with"] = {};
    for (const [name, expression] of Object.entries(request.with))
      withSizes[name] = { ...expression, limit: pageSizes[name] ?? 100 };
    const body: QueryRequest = { ...request, with: withSizes };
    if (Object.keys(cursors).length > 0) body.cursors = { ...cursors };
    options.onRequest();
    try {
      return await dms.query(
        body,
        options.signal ? { signal: options.signal } : {},
      );
    } catch (error) {
      if (!isTimeout(error)) throw error;
      let shrunk = false;
      for (const name of Object.keys(pageSizes)) {
        const size = pageSizes[name] ?? 1;
        if (name in cursors || size <= 1) continue;
        pageSizes[name] = Math.max(1, Math.floor(size / 2));
        shrunk = true;
      }
      if (!shrunk) throw error;
    }
  }
}

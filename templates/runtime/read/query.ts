// The query engine: `POST /models/instances/query` with cursors followed until every result set
// is exhausted, as an async iterator of pages whose sizes adapt to timeouts (`paging.ts`).

import type { JsonPoster } from "../write/apply.js";
import { expectResultSets, repeatedCursor } from "../core/http.js";
import {
  ADAPTIVE_REQUEST,
  askedLimits,
  PageSizes,
  PagingGuard,
  sendAdaptive,
} from "../core/paging.js";
import type {
  InstanceRead,
  QueryRequest,
  QueryResponse,
  QueryResultSetExpression,
} from "../core/wire.js";

/** One response of a paged query, or (`queryAll`) all of them. */
export interface QueryPage {
  /** Result set name → instances new in this page (a set whose cursor ran out is left out). */
  readonly items: Readonly<Record<string, InstanceRead[]>>;
  readonly typing?: Readonly<Record<string, unknown>>;
  /** Result set name → the page size this page was read with (smaller after timeouts). */
  readonly pageSizes: Readonly<Record<string, number>>;
}

export const DEFAULT_QUERY_LIMIT = 100;
/** The API's largest `limit`, typed reads' default: against CDF's latency fewer pages are faster. */
export const MAX_QUERY_LIMIT = 10_000;

/** Reported after every request of a paged query, with the page sizes in use now. */
export interface QueryProgress extends Pick<QueryPage, "pageSizes"> {
  /** Requests sent so far (retries with smaller pages included). */
  readonly requests: number;
  /** Instances received so far per result set (repeats not counted). */
  readonly items: Readonly<Record<string, number>>;
}

export interface QueryOptions {
  readonly signal?: AbortSignal;
  /** More pages, or cursors that come back, is a `ProtocolError`. Default: `maxPagesPerRead`. */
  readonly maxPages?: number;
  /** Called after every page, with the page sizes in use (smaller after timeouts). */
  readonly onProgress?: (progress: QueryProgress) => void;
}

/**
 * Runs a query, following each result set's `nextCursor` until all are exhausted; a set chained
 * (`from`) from one whose cursor moved is reported again. A request that times out is sent again
 * with smaller pages (`paging.ts`), but not a set another set with a cursor is chained from.
 */
export async function* queryPages(
  http: JsonPoster,
  request: QueryRequest,
  options: QueryOptions = {},
): AsyncGenerator<QueryPage, void, undefined> {
  const { cursors: initial, ...rest } = request;
  const names = Object.keys(request.with);
  const ancestors = ancestorsByResultSet(request.with);
  const sizes = new PageSizes(askedLimits(request.with, DEFAULT_QUERY_LIMIT));
  let cursors: Record<string, string> = {};
  for (const [name, cursor] of Object.entries(initial ?? {}))
    if (typeof cursor === "string") cursors[name] = cursor;
  const guard = new PagingGuard(QUERY_PATH, options.maxPages, cursors);
  let first = true;
  let requests = 0;
  const counts: Record<string, number> = {};
  for (;;) {
    const sent = cursors;
    const response = await sendAdaptive({
      path: QUERY_PATH,
      sizes,
      changeable: () => resizable(names, ancestors, sent),
      onAttempt: () => (requests += 1),
      send: () =>
        http.postJson<QueryResponse>(
          QUERY_PATH,
          {
            ...rest,
            with: sizes.applyTo(rest.with),
            ...(Object.keys(sent).length > 0 ? { cursors: sent } : {}),
          },
          {
            ...ADAPTIVE_REQUEST,
            ...(options.signal ? { signal: options.signal } : {}),
          },
        ),
    });
    expectResultSets(response, QUERY_PATH, false);
    // A set is new in this page when its cursor, or that of a set it is chained from, moved.
    const fresh = (name: string): boolean =>
      first ||
      name in sent ||
      (ancestors.get(name) ?? []).some((ancestor) => ancestor in sent);
    const items: Record<string, InstanceRead[]> = {};
    for (const [name, list] of Object.entries(response.items))
      if (fresh(name)) {
        items[name] = list;
        counts[name] = (counts[name] ?? 0) + list.length;
      }
    const pageSizes = sizes.current;
    options.onProgress?.({ requests, items: { ...counts }, pageSizes });
    yield response.typing
      ? { items, typing: response.typing, pageSizes }
      : { items, pageSizes };
    const next: Record<string, string> = {};
    for (const name of names) {
      const cursor = response.nextCursor?.[name];
      if (typeof cursor === "string" && cursor !== "" && fresh(name)) {
        if (cursor === sent[name])
          throw repeatedCursor(QUERY_PATH, cursor, name);
        next[name] = cursor;
      }
    }
    if (Object.keys(next).length === 0) return;
    guard.follow(next);
    cursors = next;
    first = false;
  }
}

/**
 * The sets whose page size may change for a request with `cursors`: those no set with a cursor is
 * chained from (that set's cursor points into the page its parent returned).
 */
export function resizable(
  names: readonly string[],
  ancestors: ReadonlyMap<string, readonly string[]>,
  cursors: Readonly<Record<string, string>>,
): string[] {
  const pinned = new Set<string>();
  for (const name of Object.keys(cursors))
    for (const ancestor of ancestors.get(name) ?? []) pinned.add(ancestor);
  return names.filter((name) => !pinned.has(name));
}

const QUERY_PATH = "/models/instances/query";

export async function queryAll(
  http: JsonPoster,
  request: QueryRequest,
  options: QueryOptions = {},
): Promise<QueryPage> {
  const items: Record<string, InstanceRead[]> = {};
  let typing: Record<string, unknown> | undefined;
  // queryPages yields at least one page (fresh objects each), or throws.
  let pageSizes: Readonly<Record<string, number>> = {};
  for await (const page of queryPages(http, request, options)) {
    for (const [name, list] of Object.entries(page.items))
      (items[name] ??= []).push(...list);
    typing ??= page.typing;
    pageSizes = page.pageSizes;
  }
  return typing ? { items, typing, pageSizes } : { items, pageSizes };
}

/** Result set name → every result set it is chained from, directly or not. */
export function ancestorsByResultSet(
  expressions: Readonly<Record<string, QueryResultSetExpression>>,
): Map<string, string[]> {
  const parentOf = (name: string): string | undefined => {
    const expression = expressions[name];
    return expression?.nodes?.from ?? expression?.edges?.from;
  };
  const result = new Map<string, string[]>();
  for (const name of Object.keys(expressions)) {
    const chain: string[] = [];
    let parent = parentOf(name);
    while (parent !== undefined && !chain.includes(parent) && parent !== name) {
      chain.push(parent);
      parent = parentOf(parent);
    }
    result.set(name, chain);
  }
  return result;
}

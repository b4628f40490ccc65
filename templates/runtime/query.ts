// The query engine: `POST /models/instances/query` with cursors followed until every result set
// is exhausted, as an async iterator of pages.

import type { JsonPoster } from "./apply.js";
import { expectResultSets, repeatedCursor } from "./http.js";
import type {
  InstanceRead,
  QueryRequest,
  QueryResponse,
  QueryResultSetExpression,
} from "./wire.js";

/** One response of a paged query. */
export interface QueryPage {
  /**
   * Result set name → instances new in this page. A result set whose cursor ran out is left out of
   * later pages (the API would return its first page again).
   */
  readonly items: Readonly<Record<string, InstanceRead[]>>;
  /** Property types per result set, with `includeTyping`. */
  readonly typing?: Readonly<Record<string, unknown>>;
}

/** Options of a paged query. */
export interface QueryOptions {
  readonly signal?: AbortSignal;
  /** Stop after this many requests (a guard against endless paging). Default unlimited. */
  readonly maxPages?: number;
}

/**
 * Runs a query and follows `nextCursor` of each result set until all are exhausted. A result set
 * chained (`from`) from one whose cursor moved is re-evaluated for the new page and reported again.
 */
export async function* queryPages(
  http: JsonPoster,
  request: QueryRequest,
  options: QueryOptions = {},
): AsyncGenerator<QueryPage, void, undefined> {
  const names = Object.keys(request.with);
  const ancestors = ancestorsByResultSet(request.with);
  const { cursors: initial, ...rest } = request;
  let cursors = nonNullCursors(initial);
  let first = true;
  for (let pages = 0; ; pages++) {
    if (options.maxPages !== undefined && pages >= options.maxPages) return;
    const body: QueryRequest =
      Object.keys(cursors).length > 0 ? { ...rest, cursors } : rest;
    const response = await http.postJson<QueryResponse>(
      QUERY_PATH,
      body,
      options.signal ? { signal: options.signal } : {},
    );
    expectResultSets(response, QUERY_PATH, "items", true);
    expectResultSets(response, QUERY_PATH, "nextCursor", false);
    const moved = new Set(Object.keys(cursors));
    const fresh = (name: string): boolean =>
      first ||
      moved.has(name) ||
      (ancestors.get(name) ?? []).some((ancestor) => moved.has(ancestor));
    const items: Record<string, InstanceRead[]> = {};
    for (const [name, list] of Object.entries(response.items)) {
      if (fresh(name)) items[name] = list;
    }
    yield response.typing ? { items, typing: response.typing } : { items };
    const next: Record<string, string> = {};
    for (const name of names) {
      const cursor = response.nextCursor?.[name];
      if (typeof cursor === "string" && cursor !== "" && fresh(name)) {
        if (cursor === cursors[name])
          throw repeatedCursor(QUERY_PATH, cursor, name);
        next[name] = cursor;
      }
    }
    if (Object.keys(next).length === 0) return;
    cursors = next;
    first = false;
  }
}

const QUERY_PATH = "/models/instances/query";

/** Runs a query to exhaustion and concatenates the pages per result set. */
export async function queryAll(
  http: JsonPoster,
  request: QueryRequest,
  options: QueryOptions = {},
): Promise<{
  items: Record<string, InstanceRead[]>;
  typing?: Record<string, unknown>;
}> {
  const items: Record<string, InstanceRead[]> = {};
  let typing: Record<string, unknown> | undefined;
  for await (const page of queryPages(http, request, options)) {
    for (const [name, list] of Object.entries(page.items)) {
      const target = (items[name] ??= []);
      for (const item of list) target.push(item);
    }
    typing ??= page.typing as Record<string, unknown> | undefined;
  }
  return typing ? { items, typing } : { items };
}

function nonNullCursors(
  cursors: Record<string, string | null> | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, cursor] of Object.entries(cursors ?? {})) {
    if (typeof cursor === "string") result[name] = cursor;
  }
  return result;
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

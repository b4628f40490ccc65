// `POST /models/instances/query`: result sets evaluated in dependency order; a chained set starts
// from the page its parent returned. Each set pages with its own opaque cursor, which resumes
// after the last instance it returned (keyset paging, see `paging.ts`).

import type {
  InstanceRead,
  JsonValue,
} from "../../../templates/runtime/core/wire.js";
import { badRequest } from "../http/api-error.js";
import { decodeCursor, encodeCursor, fingerprint } from "../http/cursor.js";
import type { FilterContext } from "./filters.js";
import { toRead } from "../instances/read-shape.js";
import {
  dependencyOrder,
  evaluateSet,
  parseResultSet,
  type ResultSetExpression,
  type SetResult,
} from "./result-sets.js";
import {
  asRecord,
  isRecord,
  optionalBoolean,
  type JsonRecord,
} from "../http/request-shape.js";
import { resolveSources, type ResolvedSelection } from "../instances/select.js";
import { compileSort, ID_ORDER, type KeyPart } from "./sort.js";
import { keysetPage } from "./paging.js";
import type { EmulatorState } from "../state.js";

const QUERY_LIMITS = { fallback: 100, max: 10_000 };

/** The page a set returned in this request, and what names it (for the sets chained from it). */
interface SetPage {
  result: SetResult;
  identity: string;
}

export function runQuery(state: EmulatorState, body: unknown): JsonRecord {
  const request = asRecord(body, "body");
  const ctx = filterContext(state, request);
  const sets = parseWith(request, ctx, QUERY_LIMITS, "query");
  const selections = parseSelect(state, request, sets, true);
  const cursors = isRecord(request.cursors) ? request.cursors : {};
  const pages = new Map<string, SetPage>();
  const items: Record<string, InstanceRead[]> = {};
  const nextCursor: Record<string, string> = {};
  for (const set of dependencyOrder(sets)) {
    // The limit may change between pages (clients shrink pages after a timeout).
    const query = fingerprint({
      set: { ...set.raw, limit: undefined },
      parameters: request.parameters,
    });
    const after = queryCursorKey(cursors[set.name], set.name, query);
    const parent = set.from === undefined ? undefined : pages.get(set.from);
    // A chained set is evaluated from the page its parent returned: that page names it too.
    const evaluation = fingerprint({ query, parent: parent?.identity ?? null });
    const page = keysetPage(state, {
      cacheKey: `query:${evaluation}`,
      evaluate: () => evaluateSet(state, set, parent?.result).instances,
      order: set.sort ?? ID_ORDER,
      after,
      limit: set.limit,
    });
    pages.set(set.name, {
      result: { instances: page.instances, direction: set.direction },
      identity: fingerprint({
        evaluation,
        after: after ?? null,
        limit: set.limit,
      }),
    });
    if (page.next)
      nextCursor[set.name] = encodeCursor({
        k: "query",
        l: page.next,
        q: query,
      });
    const selection = selections.get(set.name);
    if (selection) {
      const ordered = selection.sort
        ? [...page.instances].sort(selection.sort)
        : page.instances;
      items[set.name] = ordered.map((i) =>
        toRead(i, selection.resolved.sources),
      );
    }
  }
  const out: JsonRecord = { items, nextCursor };
  if (optionalBoolean(request, "includeTyping", "body", false))
    out.typing = typingOf(selections);
  return out;
}

export function filterContext(
  state: EmulatorState,
  request: JsonRecord,
): FilterContext {
  const parameters =
    request.parameters === undefined || request.parameters === null
      ? undefined
      : (asRecord(request.parameters, "parameters") as Record<
          string,
          JsonValue
        >);
  return { schema: state.schema, store: state.store, parameters };
}

export function parseWith(
  request: JsonRecord,
  ctx: FilterContext,
  limits: { fallback: number; max: number },
  endpoint: "query" | "sync",
): Map<string, ResultSetExpression> {
  const withs = asRecord(request.with, "with");
  const names = Object.keys(withs);
  if (names.length === 0 || names.length > 50)
    throw badRequest("with must have between 1 and 50 result sets");
  const sets = new Map<string, ResultSetExpression>();
  for (const name of names) {
    const raw = asRecord(withs[name], `with.${name}`);
    if (
      endpoint === "sync" &&
      (raw.sort !== undefined || raw.postSort !== undefined)
    )
      throw badRequest(
        `with.${name}: sort is not supported in sync (use backfillSort with mode twoPhase)`,
      );
    if (
      endpoint === "query" &&
      (raw.mode !== undefined || raw.backfillSort !== undefined)
    )
      throw badRequest(`with.${name}: mode and backfillSort are sync options`);
    sets.set(name, parseResultSet(name, raw, ctx, limits));
  }
  return sets;
}

interface Selection {
  resolved: ResolvedSelection;
  sort: ReturnType<typeof compileSort>;
}

export function parseSelect(
  state: EmulatorState,
  request: JsonRecord,
  sets: Map<string, ResultSetExpression>,
  allowSort: boolean,
): Map<string, Selection> {
  const select = asRecord(request.select, "select");
  const ctx: FilterContext = {
    schema: state.schema,
    store: state.store,
    parameters: undefined,
  };
  const out = new Map<string, Selection>();
  for (const [name, raw] of Object.entries(select)) {
    if (!sets.has(name))
      throw badRequest(
        `select.${name}: there is no result set "${name}" in with`,
      );
    const entry = asRecord(raw, `select.${name}`);
    if (!allowSort && (entry.sort !== undefined || entry.limit !== undefined))
      throw badRequest(
        `select.${name}: sort and limit are not supported in sync`,
      );
    out.set(name, {
      resolved: resolveSources(
        state.schema,
        entry.sources,
        `select.${name}.sources`,
        true,
      ),
      sort: allowSort
        ? compileSort(entry.sort, ctx, `select.${name}.sort`)
        : undefined,
    });
  }
  return out;
}

export function typingOf(selections: Map<string, Selection>): JsonRecord {
  const typing: JsonRecord = {};
  for (const [name, selection] of selections)
    typing[name] = selection.resolved.typing;
  return typing;
}

/** The sort key of the last instance of the set's previous page; undefined without a cursor. */
function queryCursorKey(
  cursor: unknown,
  name: string,
  query: string,
): KeyPart[] | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const payload = decodeCursor(cursor, `cursors.${name}`);
  if (payload.k !== "query" || !Array.isArray(payload.l))
    throw badRequest(`cursors.${name}: invalid cursor`);
  if (payload.q !== query)
    throw badRequest(
      `cursors.${name}: the cursor belongs to a different query`,
    );
  return payload.l as KeyPart[];
}

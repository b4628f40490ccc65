// `POST /models/instances/sync`: a change feed per result set over the global change sequence.
//
// A cursor records (phase, seq position, sync-start seq, issue time, query fingerprint). Phases:
// "backfill" (twoPhase only: instances that existed at the first call, by log order or by
// backfillSort with keyset paging) and "stream" (every change after the position, in seq order).
// onePhase is a stream from 0; noBackfill a stream from the first call's seq.

import { badRequest } from "../http/api-error.js";
import { decodeCursor, encodeCursor, fingerprint } from "../http/cursor.js";
import type { FilterContext, Predicate } from "../query/filters.js";
import {
  filterContext,
  parseSelect,
  parseWith,
  typingOf,
} from "../query/query.js";
import { writeJson } from "../json.js";
import { JsonText } from "../http/json-text.js";
import { readPageText, selectionKey } from "../instances/read-shape.js";
import {
  dependencyOrder,
  evaluateSet,
  reachedThrough,
  type ResultSetExpression,
  type SetResult,
} from "../query/result-sets.js";
import {
  asRecord,
  optionalBoolean,
  type JsonRecord,
} from "../http/request-shape.js";
import { cachedEvaluation, countVisited } from "../query/paging.js";
import { compileSortKeys, type KeyPart, type SortKeys } from "../query/sort.js";
import type { EmulatorState } from "../state.js";
import {
  allInstances,
  isCurrentLogEntry,
  logIndexAfter,
  purgeTombstones,
  type StoredInstance,
} from "../instances/store.js";

const SYNC_LIMITS = { fallback: 100, max: 2000 };
type SortKey = KeyPart[];
type Mode = "onePhase" | "twoPhase" | "noBackfill";

interface SyncCursor {
  phase: "backfill" | "stream";
  /** Stream: last seq delivered or scanned. Backfill without sort: last log seq delivered. */
  position: number;
  /** The global seq at the first call: the backfill snapshot, and the line between "already deleted" and new deletes. */
  startSeq: number;
  /** Backfill with backfillSort: the sort key of the last instance delivered. */
  lastKey: SortKey | undefined;
}

interface SyncSet {
  expression: ResultSetExpression;
  mode: Mode;
  skipAlreadyDeleted: boolean;
  backfillSort: SortKeys | undefined;
  fingerprint: string;
}

export function runSync(state: EmulatorState, body: unknown): JsonText {
  const now = state.clock.now();
  purgeTombstones(state.store, now, state.retentionMs);
  const request = asRecord(body, "body");
  const ctx = filterContext(state, request);
  const expressions = parseWith(request, ctx, SYNC_LIMITS, "sync");
  const selections = parseSelect(state, request, expressions, false);
  const cursors =
    request.cursors === undefined || request.cursors === null
      ? {}
      : asRecord(request.cursors, "cursors");
  for (const name of Object.keys(cursors))
    if (!expressions.has(name))
      throw badRequest(
        `cursors.${name}: there is no result set "${name}" in with`,
      );
  const allowExpired = optionalBoolean(
    request,
    "allowExpiredCursorsAndAcceptMissedDeletes",
    "body",
    false,
  );
  const sets = [...expressions.values()].map((e) => syncSet(e, ctx, request));
  const decoded = new Map(
    sets.map((s) => [
      s.expression.name,
      readCursor(state, s, cursors[s.expression.name], now, allowExpired),
    ]),
  );
  const membership = chainedMembership(state, expressions, request);
  // Built as text: an instance read again unchanged keeps its JSON, so such a page is joined.
  const items: string[] = [];
  const nextCursor: Record<string, string> = {};
  for (const set of sets) {
    const name = set.expression.name;
    const { page, cursor } = syncPage(
      state,
      set,
      decoded.get(name)!,
      membership.get(name),
    );
    nextCursor[name] = writeCursor(set, cursor, now);
    const selection = selections.get(name);
    if (selection) {
      const { sources } = selection.resolved;
      const text = readPageText(page, sources, selectionKey(sources));
      items.push(`${JSON.stringify(name)}:${text}`);
    }
  }
  const typing = optionalBoolean(request, "includeTyping", "body", false)
    ? `,"typing":${writeJson(typingOf(selections))}`
    : "";
  return new JsonText(
    `{"items":{${items.join(",")}},"nextCursor":${JSON.stringify(nextCursor)}${typing}}`,
  );
}

function syncSet(
  expression: ResultSetExpression,
  ctx: FilterContext,
  request: JsonRecord,
): SyncSet {
  const raw = expression.raw;
  const path = `with.${expression.name}`;
  const mode = raw.mode ?? "onePhase";
  if (mode !== "onePhase" && mode !== "twoPhase" && mode !== "noBackfill")
    throw badRequest(`${path}.mode must be onePhase, twoPhase or noBackfill`);
  if (raw.backfillSort !== undefined && mode !== "twoPhase")
    throw badRequest("Backfill sort can only be used with two-phase sync.");
  return {
    expression,
    mode,
    skipAlreadyDeleted: optionalBoolean(raw, "skipAlreadyDeleted", path, true),
    backfillSort: compileSortKeys(
      raw.backfillSort,
      ctx,
      `${path}.backfillSort`,
    ),
    // The limit may change between pages (clients shrink pages after a timeout).
    fingerprint: fingerprint({
      set: { ...raw, limit: undefined },
      parameters: request.parameters,
    }),
  };
}

/** A missing cursor starts the sync; a given one must be ours, for this query, and not expired. */
function readCursor(
  state: EmulatorState,
  set: SyncSet,
  raw: unknown,
  now: number,
  allowExpired: boolean,
): SyncCursor {
  const seq = state.store.seq;
  if (raw === undefined || raw === null) {
    if (set.mode === "twoPhase")
      return {
        phase: "backfill",
        position: 0,
        startSeq: seq,
        lastKey: undefined,
      };
    if (set.mode === "noBackfill")
      return {
        phase: "stream",
        position: seq,
        startSeq: seq,
        lastKey: undefined,
      };
    return { phase: "stream", position: 0, startSeq: seq, lastKey: undefined };
  }
  const name = set.expression.name;
  const payload = decodeCursor(raw, `cursors.${name}`);
  if (
    payload.k !== "sync" ||
    typeof payload.p !== "number" ||
    typeof payload.a !== "number" ||
    typeof payload.t !== "number"
  ) {
    throw badRequest(`cursors.${name}: invalid cursor`);
  }
  if (payload.q !== set.fingerprint)
    throw badRequest(
      `cursors.${name}: the cursor was issued for a different sync query`,
    );
  if (now - payload.t > state.retentionMs && !allowExpired) {
    throw badRequest(
      `Cursor has expired. Sync cursors expire after 3 days; restart the sync without a cursor, or set allowExpiredCursorsAndAcceptMissedDeletes to true. (result set "${name}")`,
    );
  }
  return {
    phase: payload.b === true ? "backfill" : "stream",
    position: payload.p,
    startSeq: payload.a,
    lastKey: Array.isArray(payload.l)
      ? (payload.l as SyncCursor["lastKey"])
      : undefined,
  };
}

function writeCursor(set: SyncSet, cursor: SyncCursor, now: number): string {
  const payload: JsonRecord = {
    k: "sync",
    q: set.fingerprint,
    p: cursor.position,
    a: cursor.startSeq,
    t: now,
  };
  if (cursor.phase === "backfill") payload.b = true;
  if (cursor.lastKey) payload.l = cursor.lastKey;
  return encodeCursor(payload);
}

/** The live members of a chained set; `reached` judges its tombstones when the set goes `through` a direct relation. */
interface ChainedMembers {
  live: Set<StoredInstance>;
  reached: Predicate | undefined;
}

/**
 * Chained sets (with `from`) are evaluated on the current graph; a set's members are then those
 * instances. Root sets need no evaluation: their filter is checked per change. The evaluation is
 * kept while the project does not change, so paging a backfill costs what the pages return.
 */
function chainedMembership(
  state: EmulatorState,
  expressions: Map<string, ResultSetExpression>,
  request: JsonRecord,
): Map<string, ChainedMembers> {
  if ([...expressions.values()].every((e) => e.from === undefined))
    return new Map();
  const graph = fingerprint({
    with: [...expressions.values()].map((e) => ({
      name: e.name,
      set: { ...e.raw, limit: undefined },
    })),
    parameters: request.parameters,
  });
  return cachedEvaluation(state, `sync:${graph}`, () =>
    evaluateMembership(state, expressions),
  );
}

function evaluateMembership(
  state: EmulatorState,
  expressions: Map<string, ResultSetExpression>,
): Map<string, ChainedMembers> {
  const members = new Map<string, ChainedMembers>();
  const results = new Map<string, SetResult>();
  for (const expression of dependencyOrder(expressions)) {
    const parent =
      expression.from === undefined ? undefined : results.get(expression.from);
    const result = evaluateSet(state, expression, parent);
    results.set(expression.name, result);
    if (parent)
      members.set(expression.name, {
        live: new Set(result.instances),
        reached: reachedThrough(expression, parent),
      });
  }
  return members;
}

/**
 * Does this instance (live or tombstone) belong to the set? Tombstones of chained sets are judged by
 * the set's own filter, and for a `through` set also by whether the direct relation reaches them.
 */
function membershipTest(
  set: SyncSet,
  members: ChainedMembers | undefined,
): Predicate {
  const kind = set.expression.kind === "nodes" ? "node" : "edge";
  const filter = set.expression.filter;
  const ownFilter = (i: StoredInstance) =>
    i.kind === kind && (!filter || filter(i));
  if (!members) return ownFilter;
  const { live, reached } = members;
  return (i) =>
    i.deletedTime === undefined
      ? live.has(i)
      : ownFilter(i) && (!reached || reached(i));
}

function syncPage(
  state: EmulatorState,
  set: SyncSet,
  cursor: SyncCursor,
  members: ChainedMembers | undefined,
): { page: StoredInstance[]; cursor: SyncCursor } {
  const belongs = membershipTest(set, members);
  if (cursor.phase === "backfill") {
    const result = set.backfillSort
      ? sortedBackfill(state, set, cursor, belongs)
      : logBackfill(state, set, cursor, belongs);
    if (result.page.length < set.expression.limit) {
      // Backfill done: the next call streams everything after the first call.
      return {
        page: result.page,
        cursor: {
          phase: "stream",
          position: cursor.startSeq,
          startSeq: cursor.startSeq,
          lastKey: undefined,
        },
      };
    }
    return result;
  }
  return streamPage(state, set, cursor, belongs);
}

function includeTombstone(
  set: SyncSet,
  cursor: SyncCursor,
  instance: StoredInstance,
): boolean {
  if (instance.deletedTime === undefined) return true;
  // Deleted before the sync started: skipped unless skipAlreadyDeleted is false.
  return instance.seq > cursor.startSeq || !set.skipAlreadyDeleted;
}

function streamPage(
  state: EmulatorState,
  set: SyncSet,
  cursor: SyncCursor,
  belongs: Predicate,
): { page: StoredInstance[]; cursor: SyncCursor } {
  const { store } = state;
  const page: StoredInstance[] = [];
  const limit = set.expression.limit;
  for (
    let i = logIndexAfter(store, cursor.position);
    i < store.logSeq.length;
    i++
  ) {
    if (!isCurrentLogEntry(store, i)) continue;
    const instance = store.logInstances[i]!;
    if (!includeTombstone(set, cursor, instance) || !belongs(instance))
      continue;
    page.push(instance);
    if (page.length === limit)
      return { page, cursor: { ...cursor, position: instance.seq } };
  }
  return { page, cursor: { ...cursor, position: store.seq } };
}

function logBackfill(
  state: EmulatorState,
  set: SyncSet,
  cursor: SyncCursor,
  belongs: Predicate,
): { page: StoredInstance[]; cursor: SyncCursor } {
  const { store } = state;
  const page: StoredInstance[] = [];
  for (
    let i = logIndexAfter(store, cursor.position);
    i < store.logSeq.length && store.logSeq[i]! <= cursor.startSeq;
    i++
  ) {
    if (!isCurrentLogEntry(store, i)) continue;
    const instance = store.logInstances[i]!;
    if (!includeTombstone(set, cursor, instance) || !belongs(instance))
      continue;
    page.push(instance);
    if (page.length === set.expression.limit)
      return { page, cursor: { ...cursor, position: instance.seq } };
  }
  return { page, cursor: { ...cursor, position: cursor.startSeq } };
}

/**
 * Backfill ordered by backfillSort: the snapshot (seq ≤ start) after the last key delivered. The
 * sorted snapshot is kept while the project does not change, so each page is a binary search.
 */
function sortedBackfill(
  state: EmulatorState,
  set: SyncSet,
  cursor: SyncCursor,
  belongs: Predicate,
): { page: StoredInstance[]; cursor: SyncCursor } {
  const sort = set.backfillSort!;
  const snapshot = cachedEvaluation(
    state,
    `backfill:${set.fingerprint}:${cursor.startSeq}`,
    () => {
      const candidates: { instance: StoredInstance; key: SortKey }[] = [];
      let visited = 0;
      for (const instance of allInstances(state.store)) {
        visited++;
        if (
          instance.seq > cursor.startSeq ||
          !includeTombstone(set, cursor, instance) ||
          !belongs(instance)
        )
          continue;
        candidates.push({ instance, key: sort.key(instance) });
      }
      countVisited(state, visited);
      return candidates.sort((a, b) => sort.compareKeys(a.key, b.key));
    },
  );
  let start = 0;
  if (cursor.lastKey) {
    const lastKey = cursor.lastKey;
    let hi = snapshot.length;
    while (start < hi) {
      const mid = (start + hi) >>> 1;
      if (sort.compareKeys(snapshot[mid]!.key, lastKey) <= 0) start = mid + 1;
      else hi = mid;
    }
  }
  const page = snapshot.slice(start, start + set.expression.limit);
  const last = page[page.length - 1];
  return {
    page: page.map((c) => c.instance),
    cursor: { ...cursor, lastKey: last ? last.key : cursor.lastKey },
  };
}

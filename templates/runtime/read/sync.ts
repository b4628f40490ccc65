// The sync engine: `POST /models/instances/sync` as an async iterator of pages, each with the
// state (plain JSON) to save once it is processed. Deletes (tombstones) come apart from upserts.

import type { JsonPoster } from "../write/apply.js";
import { postProblem } from "../core/errors.js";
import { expectResultSets, repeatedCursor } from "../core/http.js";
import {
  ADAPTIVE_REQUEST,
  askedLimits,
  PageSizes,
  PagingGuard,
  sendAdaptive,
} from "../core/paging.js";
import type { QueryOptions, QueryPage } from "./query.js";
import { stableStringify } from "../core/json.js";
import { systemClock, type Clock } from "../core/retry.js";
import type {
  InstanceRead,
  SyncMode,
  SyncRequest,
  SyncResponse,
} from "../core/wire.js";

export const DEFAULT_SYNC_LIMIT = 100;

/** Where a sync stands: save it after processing a page, pass it back to resume. */
export interface SyncState {
  readonly version: 1;
  /** A hash of the request's `with`, `select` and `parameters`: state only resumes the same sync. */
  readonly fingerprint: string;
  /** Result set name → cursor. */
  readonly cursors: Readonly<Record<string, string>>;
  /** Result set name → page size, for sets that read smaller pages after timeouts. */
  readonly pageSizes?: Readonly<Record<string, number>>;
}

/** One page of changes (`typing` with `includeTyping`; `pageSizes` smaller after timeouts). */
export interface SyncPage extends Pick<QueryPage, "typing" | "pageSizes"> {
  /** Result set name → created or updated instances. */
  readonly upserts: Readonly<Record<string, InstanceRead[]>>;
  /** Result set name → tombstones (`deletedTime`); apply them first (deleted and re-created: both). */
  readonly deletes: Readonly<Record<string, InstanceRead[]>>;
  /** The state after this page. Save it only once the page is durably processed. */
  readonly state: SyncState;
  /** Every result set returned fewer items than its limit: no more changes right now. */
  readonly caughtUp: boolean;
}

/** How follow mode polls once caught up. */
export interface FollowOptions {
  /** First wait after a caught-up page (ms). Default 1 000. */
  readonly pollIntervalMs?: number;
  /** Longest wait while nothing changes; the wait doubles up to this (ms). Default 30 000. */
  readonly maxPollIntervalMs?: number;
}

/** More pages before caught up (`maxPages`), or cursors that come back, is a `ProtocolError`. */
export interface SyncOptions extends Omit<QueryOptions, "onProgress"> {
  /** Resume from a saved state (see `SyncPage.state`). Without it the sync starts from scratch. */
  readonly state?: SyncState;
  /** Keep polling once caught up instead of ending. */
  readonly follow?: boolean | FollowOptions;
  /** Sets `mode` on every result set that has none. */
  readonly mode?: SyncMode;
  readonly includeTyping?: boolean;
  /** Accept cursors over 3 days old (else `CursorExpiredError`), missing deletes made meanwhile. */
  readonly allowExpiredCursorsAndAcceptMissedDeletes?: boolean;
  readonly clock?: Clock;
}

/** One request of a sync, asked for with `cursors`. */
interface PageRequest {
  readonly cursors: Readonly<Record<string, string>> | undefined;
  readonly controller: AbortController;
  page?: Promise<{
    sent: SyncRequest;
    response: SyncResponse;
    textLength: number | undefined;
  }>;
}

const SYNC_PATH = "/models/instances/sync";

/**
 * Sync pages until caught up (or forever in follow mode). A saved state of another request is an
 * `Error`; a request that times out is sent again with smaller pages (`paging.ts`), cursors kept.
 *
 * One request is asked for ahead (BENCHMARKS.md: about +25 % wall time without it): when the text
 * of an answer may hold a full page (`mayBeFullPage`), the next request leaves at the cursors read
 * from the end of the text (`peekNextCursors`) before the parse, so the server builds that page
 * while this one is parsed and processed; else it leaves once the parsed page turns out full. The
 * parsed page checks the guess: a request sent with other cursors, or after a page that was not
 * full, is aborted and its outcome dropped, as is one the caller never takes.
 */
export async function* syncPages(
  http: JsonPoster,
  request: SyncRequest,
  options: SyncOptions = {},
): AsyncGenerator<SyncPage, void, undefined> {
  const names = Object.keys(request.with);
  const asked = askedLimits(request.with, DEFAULT_SYNC_LIMIT);
  const { state, follow, signal, clock = systemClock, mode } = options;
  const sizes = new PageSizes(asked, state?.pageSizes);
  const fingerprint = syncFingerprint(request);
  if (state && state.fingerprint !== fingerprint)
    throw new Error(
      "The saved sync state belongs to a different sync request (with/select/parameters changed); start without state",
    );
  const missing = names.filter((name) => state && !(name in state.cursors));
  if (missing.length > 0)
    throw new Error(
      `The saved sync state has no cursor for ${missing.join(", ")}`,
    );
  let cursors = state && { ...state.cursors };
  const guard = new PagingGuard(SYNC_PATH, options.maxPages, cursors);
  const { cursors: _ignored, ...body } = request;
  if (mode !== undefined)
    body.with = Object.fromEntries(
      Object.entries(request.with).map(([name, expression]) => [
        name,
        expression.mode ? expression : { ...expression, mode },
      ]),
    );
  const { includeTyping } = options;
  const allowExpired = options.allowExpiredCursorsAndAcceptMissedDeletes;
  if (includeTyping !== undefined) body.includeTyping = includeTyping;
  if (allowExpired !== undefined)
    body.allowExpiredCursorsAndAcceptMissedDeletes = allowExpired;
  const twoPhase = names.some((name) => body.with[name]?.mode === "twoPhase");
  const { pollIntervalMs: pollMs = 1_000, maxPollIntervalMs = 30_000 } =
    typeof follow === "object" ? follow : {};
  const maxPollMs = Math.max(pollMs, maxPollIntervalMs);
  let previousNonFull = false;
  let idleWaitMs = pollMs;
  let ahead: PageRequest | undefined;
  let waitedFor: PageRequest | undefined;
  /** The fewest characters per item a parsed page had: sharpens the guess from a text's length. */
  let charsPerItem: number | undefined;

  const start = (at: PageRequest["cursors"]): PageRequest => {
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal?.reason);
    if (signal?.aborted) abort();
    else signal?.addEventListener("abort", abort);
    const pending: PageRequest = { cursors: at, controller };
    let sent: SyncRequest = body;
    let textLength: number | undefined;
    pending.page = sendAdaptive({
      path: SYNC_PATH,
      sizes,
      send: () => {
        sent = { ...body, with: sizes.applyTo(body.with) };
        if (at) sent.cursors = { ...at };
        return http.postJson<SyncResponse>(SYNC_PATH, sent, {
          ...ADAPTIVE_REQUEST,
          signal: controller.signal,
          beforeParse: (text) => {
            textLength = text.length;
            return guessNext(pending, text);
          },
        });
      },
    }).then((response) => ({ sent, response, textLength }));
    // Handled where it is taken; until then its failure must not count as unhandled.
    const done = (): void => signal?.removeEventListener("abort", abort);
    pending.page.then(done, done);
    return pending;
  };

  /** Before the parse of the answer waited for: sends the next request if it may be full. */
  const guessNext = (
    answered: PageRequest,
    text: string,
  ): Promise<void> | undefined => {
    if (answered !== waitedFor || ahead || signal?.aborted) return undefined;
    const smallest = Math.min(...names.map((name) => sizes.of(name)));
    const peeked =
      mayBeFullPage(text, smallest, charsPerItem) && peekNextCursors(text);
    if (!peeked) return undefined;
    const next: Record<string, string> = {};
    for (const name of names) {
      const cursor = peeked[name] ?? answered.cursors?.[name];
      if (cursor !== undefined) next[name] = cursor;
    }
    // Cursors that did not move: caught up, or a full page the parse will refuse to repeat.
    if (stableStringify(answered.cursors) === stableStringify(next))
      return undefined;
    ahead = start(next);
    return handedToNetwork();
  };

  /** Makes the request at `next` the one asked ahead (`undefined`: none), reusing a matching one. */
  const askAhead = (next: PageRequest["cursors"]): PageRequest | undefined => {
    if (!ahead || stableStringify(ahead.cursors) !== stableStringify(next)) {
      ahead?.controller.abort();
      ahead = next && start(next);
    }
    return ahead;
  };

  try {
    for (;;) {
      waitedFor = askAhead(cursors) ?? start(cursors);
      ahead = undefined;
      const { sent, response, textLength } = await waitedFor.page!;
      expectResultSets(response, SYNC_PATH, true);
      let items = 0;
      for (const name of names) items += response.items[name]?.length ?? 0;
      if (textLength !== undefined && items > 0)
        charsPerItem = Math.min(charsPerItem ?? Infinity, textLength / items);
      const page = guard.pages + 1;
      const full = (name: string): boolean =>
        (response.items[name]?.length ?? 0) >=
        (sent.with[name]?.limit ?? DEFAULT_SYNC_LIMIT);
      const nonFull = !names.some(full);
      // After a twoPhase backfill the cursor moves to the change stream, which may have more: one
      // more non-full page proves it (as the Python SDK does).
      const caughtUp = nonFull && (!twoPhase || previousNonFull);
      previousNonFull = nonFull;
      const next: Record<string, string> = {};
      for (const name of names) {
        const cursor = response.nextCursor[name];
        // A full set must move on (else it is read again forever); a set that is not full may
        // keep its cursor. Every set needs one: a state without it would start that set over.
        if (full(name) && cursor !== undefined && cursor === cursors?.[name])
          throw repeatedCursor(SYNC_PATH, cursor, name);
        next[name] = cursor ?? cursors?.[name] ?? "";
        if (full(name) ? !cursor : !next[name])
          throw postProblem(
            "endless-paging",
            SYNC_PATH,
            `page ${page} named no cursor for "${name}" (${full(name) ? "a full page" : "none known"}): following would start that set over`,
          );
      }
      cursors = next;
      if (!nonFull) guard.follow(cursors);
      else if (caughtUp) guard.restart(cursors);
      const pageSizes = sizes.current;
      const shrunk = Object.entries(pageSizes).filter(
        ([name, size]) => size < (asked[name] ?? size),
      );
      const state: SyncState = { version: 1, fingerprint, cursors };
      const upserts: Record<string, InstanceRead[]> = {};
      const deletes: Record<string, InstanceRead[]> = {};
      for (const [name, list] of Object.entries(response.items)) {
        upserts[name] = list.filter((item) => item.deletedTime == null);
        deletes[name] = list.filter((item) => item.deletedTime != null);
      }
      askAhead(caughtUp ? undefined : cursors);
      yield {
        upserts,
        deletes,
        state:
          shrunk.length > 0
            ? { ...state, pageSizes: Object.fromEntries(shrunk) }
            : state,
        caughtUp,
        ...(response.typing ? { typing: response.typing } : {}),
        pageSizes,
      };
      if (!caughtUp || items > 0) idleWaitMs = pollMs;
      if (!caughtUp) continue;
      if (!follow) return;
      await clock.sleep(idleWaitMs, signal);
      idleWaitMs = Math.min(idleWaitMs * 2, maxPollMs);
    }
  } finally {
    ahead?.controller.abort();
  }
}

/**
 * Settles once requests started now are handed to the network: undici takes one `setImmediate` of
 * its own (measured: after one turn the request left after the parse). Browsers: a timeout of 0.
 */
function handedToNetwork(): Promise<void> {
  const { setImmediate: immediate } = globalThis as {
    setImmediate?: (callback: () => void) => unknown;
  };
  return new Promise((resolve) => {
    // Called as a method of the global: a host function with another `this` may throw.
    if (immediate)
      immediate.call(globalThis, () => immediate.call(globalThis, resolve));
    else setTimeout(resolve, 0);
  });
}

/** The shortest text of a sync item (required fields, shortest values). */
const SHORTEST_ITEM_CHARS = 100;

/**
 * Whether a response text may hold `pageSize` items, from its length alone (counting them would
 * cost a tenth of the parse): items a tenth shorter than the fewest characters per item seen.
 */
export function mayBeFullPage(
  text: string,
  pageSize: number,
  charsPerItem = SHORTEST_ITEM_CHARS,
): boolean {
  const perItem = Math.max(0.9 * charsPerItem, SHORTEST_ITEM_CHARS);
  return text.length >= pageSize * perItem;
}

const NEXT_CURSOR_KEY = '"nextCursor"';
/** After the key: a colon, then a flat object (strings in it skipped whole, escapes included). */
const FLAT_OBJECT_AFTER_KEY = /\s*:\s*(\{(?:"(?:[^"\\]|\\.)*"|[^"{}[\]])*\})/y;

/**
 * The `nextCursor` object read from a response text without the parse: after the last
 * `"nextCursor"` key (in a JSON string its quotes are escaped). A guess the parse decides on.
 */
export function peekNextCursors(
  text: string,
): Record<string, string> | undefined {
  const key = text.lastIndexOf(NEXT_CURSOR_KEY);
  if (key < 0) return undefined;
  FLAT_OBJECT_AFTER_KEY.lastIndex = key + NEXT_CURSOR_KEY.length;
  const object = FLAT_OBJECT_AFTER_KEY.exec(text)?.[1];
  try {
    const parsed = JSON.parse(object ?? "") as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).filter(([, c]) => typeof c === "string"),
    ) as Record<string, string>;
  } catch {
    return undefined;
  }
}

export function serializeSyncState(state: SyncState): string {
  return JSON.stringify(state);
}

/** Reads a sync state saved by `serializeSyncState`; throws on anything else. */
export function parseSyncState(text: string): SyncState {
  let value: Partial<Record<keyof SyncState, unknown>> | null;
  try {
    value = JSON.parse(text) as typeof value;
  } catch (error) {
    // An empty or cut-off file (a crash while saving it) says so, not only "Unexpected end".
    throw new Error(
      `Not a saved sync state: not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const recordOf = (record: unknown, fits: (entry: unknown) => boolean) =>
    typeof record === "object" &&
    record !== null &&
    Object.values(record).every(fits);
  if (
    value?.version !== 1 ||
    typeof value.fingerprint !== "string" ||
    !recordOf(value.cursors, (cursor) => typeof cursor === "string") ||
    (value.pageSizes !== undefined &&
      !recordOf(
        value.pageSizes,
        (size) => Number.isInteger(size) && (size as number) >= 1,
      ))
  )
    throw new Error(
      "Not a saved sync state (expected version 1, fingerprint, cursors, whole pageSizes ≥ 1)",
    );
  const { fingerprint, cursors, pageSizes } = value;
  return {
    version: 1,
    fingerprint,
    cursors: cursors as Record<string, string>,
    ...(pageSizes ? { pageSizes: pageSizes as Record<string, number> } : {}),
  };
}

/** A stable hash of what a sync returns, so state is not resumed against another request. */
export function syncFingerprint(request: SyncRequest): string {
  const { with: sets, select, parameters } = request;
  const text = stableStringify({
    with: sets,
    select,
    parameters: parameters ?? {},
  });
  // cyrb53: a fast 53-bit string hash, as hex. Not cryptographic; only to tell requests apart.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 =
    Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^
    Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 =
    Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^
    Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

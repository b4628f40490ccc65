// The sync engine: `POST /models/instances/sync` as an async iterator of pages. Each page carries
// the cursor state to save once the page is processed; that state is plain JSON, so another
// process can resume from it. Deletes (tombstones) come apart from upserts.

import type { JsonPoster } from "../write/apply.js";
import { ProtocolError } from "../core/errors.js";
import { expectResultSets, repeatedCursor } from "../core/http.js";
import {
  ADAPTIVE_REQUEST,
  askedLimits,
  fullPageWithoutCursor,
  PageSizes,
  PagingGuard,
  sendAdaptive,
} from "../core/paging.js";
import { systemClock, type Clock } from "../core/retry.js";
import type {
  InstanceRead,
  SyncMode,
  SyncRequest,
  SyncResponse,
} from "../core/wire.js";

/** The API's default `limit` of a result set. */
export const DEFAULT_SYNC_LIMIT = 100;

/** Where a sync stands: save it after processing a page, pass it back to resume. */
export interface SyncState {
  /** Format version of this object. */
  readonly version: 1;
  /** A hash of the request's `with`, `select` and `parameters`: state only resumes the same sync. */
  readonly fingerprint: string;
  /** Result set name → cursor. */
  readonly cursors: Readonly<Record<string, string>>;
  /**
   * Result set name → page size, for sets that read smaller pages than asked after timeouts; a
   * resumed sync starts with them.
   */
  readonly pageSizes?: Readonly<Record<string, number>>;
}

/** One page of changes. */
export interface SyncPage {
  /** Result set name → created or updated instances. */
  readonly upserts: Readonly<Record<string, InstanceRead[]>>;
  /**
   * Result set name → deleted instances (tombstones, with `deletedTime`). Apply deletes before
   * upserts: an instance deleted and re-created shows up as both.
   */
  readonly deletes: Readonly<Record<string, InstanceRead[]>>;
  /** The state after this page. Save it only once the page is durably processed. */
  readonly state: SyncState;
  /** Every result set returned fewer items than its limit: no more changes right now. */
  readonly caughtUp: boolean;
  /** Property types per result set, with `includeTyping`. */
  readonly typing?: Readonly<Record<string, unknown>>;
  /**
   * Result set name → the page size (`limit`) this page was read with: below the asked `limit`
   * after the API timed out (408) or no answer came in time.
   */
  readonly pageSizes: Readonly<Record<string, number>>;
}

/** How follow mode polls once caught up. */
export interface FollowOptions {
  /** First wait after a caught-up page (ms). Default 1 000. */
  readonly pollIntervalMs?: number;
  /** Longest wait while nothing changes; the wait doubles up to this (ms). Default 30 000. */
  readonly maxPollIntervalMs?: number;
}

/** Options of a sync. */
export interface SyncOptions {
  /** Resume from a saved state (see `SyncPage.state`). Without it the sync starts from scratch. */
  readonly state?: SyncState;
  /** Keep polling once caught up instead of ending. */
  readonly follow?: boolean | FollowOptions;
  /** Sets `mode` on every result set that has none. */
  readonly mode?: SyncMode;
  readonly includeTyping?: boolean;
  /**
   * Accept cursors older than 3 days instead of failing with `CursorExpiredError`, at the price of
   * missing deletes made meanwhile.
   */
  readonly allowExpiredCursorsAndAcceptMissedDeletes?: boolean;
  readonly signal?: AbortSignal;
  /** For follow-mode waits. */
  readonly clock?: Clock;
  /**
   * The most pages read before the sync is caught up: more is a `ProtocolError` (`endless-paging`),
   * as are cursors that come back to ones sent before until then. Default 100 000 (the client's
   * `maxPagesPerRead`); in follow mode the count starts again after each catch-up.
   */
  readonly maxPages?: number;
}

/**
 * Iterates over sync pages until caught up (or forever in follow mode). Throws
 * `CursorExpiredError` when a saved cursor is too old (unless allowed), and an `Error` when the saved
 * state belongs to a different request. A request that times out is sent again with smaller pages
 * (see `paging.ts`), cursors kept.
 *
 * At most one request is asked for ahead. The request for the next page leaves before the current
 * page is parsed: the cursors are read from the end of the response text (`peekNextCursors`) and,
 * when the text holds a full page (`mayBeFullPage`), the next request is sent at once, so the
 * server builds that page while this one is parsed and processed. The parsed page checks that
 * guess: sent with other cursors, or the page was not full after all, the request is aborted and
 * its outcome dropped. Without a guess the next request leaves once a parsed page turns out full.
 * A request asked for ahead and never taken (the caller stopped) is aborted; the failure of one
 * that is taken surfaces where the caller asks for that page.
 */
export async function* syncPages(
  http: JsonPoster,
  request: SyncRequest,
  options: SyncOptions = {},
): AsyncGenerator<SyncPage, void, undefined> {
  const asked = askedLimits(request.with, DEFAULT_SYNC_LIMIT);
  const sizes = new PageSizes(asked, options.state?.pageSizes);
  const body = syncRequestBody(request, options);
  const fingerprint = syncFingerprint(request);
  const names = Object.keys(request.with);
  let cursors = resumeCursors(options.state, fingerprint, names);
  const guard = new PagingGuard(SYNC_PATH, options.maxPages, cursors);
  const twoPhase = names.some(
    (name) => (request.with[name]?.mode ?? options.mode) === "twoPhase",
  );
  const follow = followSettings(options.follow);
  const clock = options.clock ?? systemClock;
  let previousNonFull = false;
  let idleWaitMs = follow?.pollIntervalMs ?? 0;

  // Every request of this sync; the caller's signal aborts them all.
  const all = new AbortController();
  const onCallerAbort = (): void => all.abort(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener("abort", onCallerAbort);
  /** The request asked for before the caller asked for its page, and the one it waits for. */
  let ahead: PageRequest | undefined;
  let waitedFor: PageRequest | undefined;
  /** The fewest characters per item a parsed page had: sharpens the guess from a text's length. */
  let charsPerItem: number | undefined;

  const start = (at: PageRequest["cursors"]): PageRequest => {
    const controller = new AbortController();
    const abort = (): void => controller.abort(all.signal.reason);
    if (all.signal.aborted) abort();
    else all.signal.addEventListener("abort", abort);
    const pageRequest: PageRequest = { cursors: at, controller };
    pageRequest.page = sendPage(at, controller.signal, (text) =>
      guessNext(pageRequest, text),
    );
    const done = (): void => all.signal.removeEventListener("abort", abort);
    // Handled where it is taken; until then its failure must not count as unhandled.
    pageRequest.page.then(done, done);
    return pageRequest;
  };

  const sendPage = async (
    at: PageRequest["cursors"],
    signal: AbortSignal,
    beforeParse: (text: string) => Promise<void> | undefined,
  ): Promise<SentPage> => {
    let sent = body;
    let textLength: number | undefined;
    const response = await sendAdaptive({
      path: SYNC_PATH,
      sizes,
      send: () => {
        sent = { ...body, with: sizes.applyTo(body.with) };
        if (at !== undefined) sent.cursors = { ...at };
        return http.postJson<SyncResponse>(SYNC_PATH, sent, {
          ...ADAPTIVE_REQUEST,
          signal,
          beforeParse: (text) => {
            textLength = text.length;
            return beforeParse(text);
          },
        });
      },
    });
    return { sent, response, textLength };
  };

  /**
   * Called with the text of an answer before it is parsed: when the caller waits for it and it
   * holds a full page, sends the request for the page after it at the cursors its text ends with,
   * and lets that request leave before the parse starts.
   */
  const guessNext = (
    answered: PageRequest,
    text: string,
  ): Promise<void> | undefined => {
    if (answered !== waitedFor || ahead || all.signal.aborted) return undefined;
    const smallest = Math.min(...names.map((name) => sizes.of(name)));
    if (!mayBeFullPage(text, smallest, charsPerItem)) return undefined;
    const peeked = peekNextCursors(text);
    if (peeked === undefined) return undefined;
    const next: Record<string, string> = {};
    for (const name of names) {
      const cursor = peeked[name] ?? answered.cursors?.[name];
      if (cursor !== undefined) next[name] = cursor;
    }
    // Cursors that did not move: caught up, or a full page the parse will refuse to repeat.
    if (sameCursors(answered.cursors, next)) return undefined;
    ahead = start(next);
    return handedToNetwork();
  };

  /** The page at `at`: the request asked for ahead when it matches, else a new one. */
  const take = (at: PageRequest["cursors"]): Promise<SentPage> => {
    let taken = ahead;
    if (!taken || taken.cursors !== at) {
      taken?.controller.abort();
      taken = start(at);
    }
    ahead = undefined;
    waitedFor = taken;
    return taken.page!;
  };

  /**
   * More is waiting at `next`: asks for it (if the guess from the text did not) while the caller
   * processes this page. Nothing more (`undefined`): a request sent on a guess is dropped.
   */
  const askAhead = (next: PageRequest["cursors"]): void => {
    if (next && ahead && sameCursors(ahead.cursors, next)) {
      ahead.cursors = next;
      return;
    }
    ahead?.controller.abort();
    ahead = next && start(next);
  };

  try {
    for (;;) {
      const { sent, response, textLength } = await take(cursors);
      expectResultSets(response, SYNC_PATH, "items", true);
      let items = 0;
      for (const name of names) items += response.items[name]?.length ?? 0;
      if (textLength !== undefined && items > 0)
        charsPerItem = Math.min(charsPerItem ?? Infinity, textLength / items);
      expectResultSets(response, SYNC_PATH, "nextCursor", true);
      assertFullSetsMove(sent, cursors, response, guard.pages + 1);
      const nonFull = isNonFullPage(sent, response);
      // After a twoPhase backfill ends the cursor moves to the change stream, which may have more:
      // one more non-full page proves it (as the Python SDK does).
      const caughtUp = nonFull && (!twoPhase || previousNonFull);
      previousNonFull = nonFull;
      cursors = nextCursors(names, cursors, response, guard.pages + 1);
      // A full page leads on: to cursors not sent before in this read. (A page that is not full
      // may keep its cursors: nothing more right now.)
      if (!nonFull) guard.follow(cursors);
      else if (caughtUp) guard.restart(cursors);
      const pageSizes = sizes.current;
      const shrunk = shrunkSizes(asked, pageSizes);
      const page = splitPage(
        response,
        shrunk
          ? { version: 1, fingerprint, cursors, pageSizes: shrunk }
          : { version: 1, fingerprint, cursors },
        caughtUp,
        pageSizes,
      );
      askAhead(caughtUp ? undefined : cursors);
      yield page;
      if (!caughtUp) {
        idleWaitMs = follow?.pollIntervalMs ?? 0;
        continue;
      }
      if (!follow) return;
      const hadItems = Object.values(response.items).some(
        (list) => list.length > 0,
      );
      if (hadItems) idleWaitMs = follow.pollIntervalMs;
      await clock.sleep(idleWaitMs, options.signal);
      idleWaitMs = Math.min(idleWaitMs * 2, follow.maxPollIntervalMs);
    }
  } finally {
    // A request asked for ahead and not taken (the caller stopped) is aborted.
    if (ahead) all.abort();
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

const SYNC_PATH = "/models/instances/sync";

/** One sync request as sent (page sizes applied) and its response. */
interface SentPage {
  readonly sent: SyncRequest;
  readonly response: SyncResponse;
  /** The length of the response text, when the poster showed it (`beforeParse`). */
  readonly textLength: number | undefined;
}

/** One request of a sync, asked for with `cursors`. */
interface PageRequest {
  /** Replaced by equal cursors of the parsed page, which the loop then compares by identity. */
  cursors: Readonly<Record<string, string>> | undefined;
  page?: Promise<SentPage>;
  /** Aborts this request only (`all` aborts every request). */
  readonly controller: AbortController;
}

function sameCursors(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>>,
): boolean {
  if (a === undefined) return false;
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  return keys.every((key) => a[key] === b[key]);
}

/**
 * A promise settled once the requests started now have been handed to the network: their path to
 * the socket runs through promise callbacks and, in undici, one `setImmediate` of its own, so
 * this waits two turns of the event loop (measured: after one the request still left after the
 * parse; after two it leaves at once).
 */
function handedToNetwork(): Promise<void> {
  return new Promise((resolve) => {
    if (immediate) immediate(() => immediate(resolve));
    else setTimeout(resolve, 0);
  });
}

/**
 * Node's `setImmediate` (browsers have none; there a timeout of 0 takes its place), bound to the
 * global: a host function called with another `this` may throw "Illegal invocation".
 */
const immediate = (
  globalThis as { setImmediate?: (callback: () => void) => unknown }
).setImmediate?.bind(globalThis);

/**
 * The shortest text an item of a sync response can have (its required fields, shortest values):
 * `{"instanceType":"node","version":1,"space":"s","externalId":"x","createdTime":0,
 * "lastUpdatedTime":0}`.
 */
const SHORTEST_ITEM_CHARS = 100;

/**
 * Whether a response text may hold a full page of `pageSize` items, told from its length alone
 * (counting items would cost a tenth of the parse): not when it is shorter than `pageSize` items
 * of `charsPerItem` characters, the fewest per item a parsed page of the sync had, less a tenth
 * (before one was parsed, the shortest an item can be). A longer text may still hold fewer,
 * larger items: a guess that the parsed page corrects.
 */
export function mayBeFullPage(
  text: string,
  pageSize: number,
  charsPerItem = SHORTEST_ITEM_CHARS,
): boolean {
  // A tenth off what was learned: a full page of slightly smaller items is still full.
  const perItem =
    charsPerItem === SHORTEST_ITEM_CHARS
      ? charsPerItem
      : Math.max(0.9 * charsPerItem, SHORTEST_ITEM_CHARS);
  return text.length >= pageSize * perItem;
}

const NEXT_CURSOR_KEY = '"nextCursor"';
/** After the key: a colon, then a flat object (strings in it skipped whole, escapes included). */
const FLAT_OBJECT_AFTER_KEY = /\s*:\s*(\{(?:"(?:[^"\\]|\\.)*"|[^"{}[\]])*\})/y;

/**
 * The `nextCursor` object of a sync response, read from its text without parsing the items: the
 * last `"nextCursor"` key (inside a JSON string its quotes would be escaped), then its object of
 * string values. Undefined when the text does not have that shape. Only a guess: the parsed
 * response decides.
 */
export function peekNextCursors(
  text: string,
): Record<string, string> | undefined {
  const key = text.lastIndexOf(NEXT_CURSOR_KEY);
  if (key < 0) return undefined;
  FLAT_OBJECT_AFTER_KEY.lastIndex = key + NEXT_CURSOR_KEY.length;
  const object = FLAT_OBJECT_AFTER_KEY.exec(text)?.[1];
  if (object === undefined) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(object) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const cursors: Record<string, string> = {};
  for (const [name, cursor] of Object.entries(parsed))
    if (typeof cursor === "string") cursors[name] = cursor;
  return cursors;
}

/** The sets whose page size is below what was asked, or undefined when none is. */
function shrunkSizes(
  asked: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): Record<string, number> | undefined {
  const shrunk: Record<string, number> = {};
  for (const [name, size] of Object.entries(current))
    if (size < (asked[name] ?? size)) shrunk[name] = size;
  return Object.keys(shrunk).length > 0 ? shrunk : undefined;
}

/** Whether `name` of the page got as many items as it asked for (more may follow). */
function isFull(
  name: string,
  expression: SyncRequest["with"][string],
  response: SyncResponse,
): boolean {
  const returned = response.items[name]?.length ?? 0;
  return returned >= (expression.limit ?? DEFAULT_SYNC_LIMIT);
}

/** True when every result set returned fewer items than its limit. */
export function isNonFullPage(
  request: SyncRequest,
  response: SyncResponse,
): boolean {
  return Object.entries(request.with).every(
    ([name, expression]) => !isFull(name, expression, response),
  );
}

/**
 * A set a full page filled must name a cursor to read on from (else it starts over), and not the
 * one it was sent (else it is fetched again forever). A page that is not full may keep its
 * cursor: nothing changed.
 */
function assertFullSetsMove(
  request: SyncRequest,
  sent: Readonly<Record<string, string>> | undefined,
  response: SyncResponse,
  page: number,
): void {
  for (const [name, expression] of Object.entries(request.with)) {
    if (!isFull(name, expression, response)) continue;
    const cursor = response.nextCursor[name];
    if (cursor !== undefined && cursor === sent?.[name])
      throw repeatedCursor(SYNC_PATH, cursor, name);
    if (typeof cursor !== "string" || cursor === "")
      throw fullPageWithoutCursor(SYNC_PATH, name, page);
  }
}

/** JSON text of a sync state, to store anywhere. */
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
  const isRecordOf = (
    record: unknown,
    fits: (entry: unknown) => boolean,
  ): boolean =>
    typeof record === "object" &&
    record !== null &&
    Object.values(record).every(fits);
  if (
    typeof value !== "object" ||
    value?.version !== 1 ||
    typeof value.fingerprint !== "string" ||
    !isRecordOf(value.cursors, (cursor) => typeof cursor === "string")
  )
    throw new Error(
      "Not a saved sync state (expected version 1 with fingerprint and cursors)",
    );
  const { pageSizes } = value;
  if (
    pageSizes !== undefined &&
    !isRecordOf(
      pageSizes,
      (size) => Number.isInteger(size) && (size as number) >= 1,
    )
  )
    throw new Error(
      "Not a saved sync state (pageSizes must map result sets to whole numbers of at least 1)",
    );
  const state: SyncState = {
    version: 1,
    fingerprint: value.fingerprint,
    cursors: value.cursors as Record<string, string>,
  };
  return pageSizes
    ? { ...state, pageSizes: pageSizes as Record<string, number> }
    : state;
}

/** A stable hash of what a sync returns, so state is not resumed against another request. */
export function syncFingerprint(request: SyncRequest): string {
  return hashText(
    stableStringify({
      with: request.with,
      select: request.select,
      parameters: request.parameters ?? {},
    }),
  );
}

function resumeCursors(
  state: SyncState | undefined,
  fingerprint: string,
  names: readonly string[],
): Record<string, string> | undefined {
  if (!state) return undefined;
  if (state.fingerprint !== fingerprint)
    throw new Error(
      "The saved sync state belongs to a different sync request (with/select/parameters changed); start without state",
    );
  const missing = names.filter((name) => !(name in state.cursors));
  if (missing.length > 0)
    throw new Error(
      `The saved sync state has no cursor for ${missing.join(", ")}`,
    );
  return { ...state.cursors };
}

function syncRequestBody(
  request: SyncRequest,
  options: SyncOptions,
): SyncRequest {
  const { cursors: _ignored, ...body } = request;
  const { mode, includeTyping, allowExpiredCursorsAndAcceptMissedDeletes } =
    options;
  if (mode !== undefined) {
    body.with = {};
    for (const [name, expression] of Object.entries(request.with))
      body.with[name] = expression.mode ? expression : { ...expression, mode };
  }
  if (includeTyping !== undefined) body.includeTyping = includeTyping;
  if (allowExpiredCursorsAndAcceptMissedDeletes !== undefined)
    body.allowExpiredCursorsAndAcceptMissedDeletes =
      allowExpiredCursorsAndAcceptMissedDeletes;
  return body;
}

function followSettings(
  follow: SyncOptions["follow"],
): Required<FollowOptions> | undefined {
  if (!follow) return undefined;
  const settings = follow === true ? {} : follow;
  const pollIntervalMs = settings.pollIntervalMs ?? 1_000;
  return {
    pollIntervalMs,
    maxPollIntervalMs: Math.max(
      pollIntervalMs,
      settings.maxPollIntervalMs ?? 30_000,
    ),
  };
}

/**
 * The cursors after a page: the ones it named, else the ones sent. Every set has one (the API
 * always names one): a state without it would start that set over when resumed, so "caught up"
 * could not be vouched for.
 */
function nextCursors(
  names: readonly string[],
  previous: Readonly<Record<string, string>> | undefined,
  response: SyncResponse,
  page: number,
): Record<string, string> {
  const cursors: Record<string, string> = {};
  for (const name of names) {
    const cursor = response.nextCursor[name] ?? previous?.[name];
    if (cursor === undefined || cursor === "")
      throw new ProtocolError({
        problem: "unexpected-shape",
        method: "POST",
        url: SYNC_PATH,
        detail: `page ${page} named no cursor for "${name}", and none was known, so a saved state would start that set over`,
      });
    cursors[name] = cursor;
  }
  return cursors;
}

function splitPage(
  response: SyncResponse,
  state: SyncState,
  caughtUp: boolean,
  pageSizes: Readonly<Record<string, number>>,
): SyncPage {
  const upserts: Record<string, InstanceRead[]> = {};
  const deletes: Record<string, InstanceRead[]> = {};
  for (const [name, items] of Object.entries(response.items)) {
    upserts[name] = items.filter((item) => item.deletedTime == null);
    deletes[name] = items.filter((item) => item.deletedTime != null);
  }
  return response.typing
    ? { upserts, deletes, state, caughtUp, typing: response.typing, pageSizes }
    : { upserts, deletes, state, caughtUp, pageSizes };
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableStringify(record[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** cyrb53: a fast 53-bit string hash, as hex. Not cryptographic; only to tell requests apart. */
function hashText(text: string): string {
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

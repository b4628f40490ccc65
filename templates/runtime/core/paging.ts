// Adaptive page sizes: a read that times out (408, timeout, too large) is resent with halved limits
// (cursors stay valid) down to 1, then PageTimeoutError; after successes in a row they double back.

import {
  DmsError,
  postProblem,
  ProtocolError,
  TransportError,
} from "./errors.js";
import { stableStringify } from "./json.js";

export interface PageTimeoutError {
  readonly path: string;
  /** Result set name → the page size of the last request. */
  readonly pageSizes: Readonly<Record<string, number>>;
  /** Requests that timed out in a row, the last one included. */
  readonly attempts: number;
}

/** A paged read kept timing out down to pages of 1 for every set that could shrink. */
export class PageTimeoutError extends Error {
  override name = "PageTimeoutError";

  constructor(info: Omit<PageTimeoutError, keyof Error> & { cause: unknown }) {
    const { path, pageSizes, attempts, cause } = info;
    super(
      `${path} timed out ${attempts} times in a row, the last time with page sizes ${JSON.stringify(pageSizes)}; narrow the read or try later`,
      { cause },
    );
    Object.assign(this, { path, pageSizes, attempts });
  }
}

export function askedLimits(
  expressions: Readonly<Record<string, { readonly limit?: number }>>,
  fallback: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(expressions).map(([name, { limit }]) => [
      name,
      limit ?? fallback,
    ]),
  );
}

/** Successful requests in a row after which shrunken page sizes double again. */
export const GROW_AFTER_REQUESTS = 4;

/** Page size of each result set of one read: asked, and current (shrunk after timeouts). */
export class PageSizes {
  readonly #asked: Readonly<Record<string, number>>;
  readonly #current: Record<string, number> = {};
  #successes = 0;

  /** `start`: sizes to begin with (a resumed sync's), never above what is asked. */
  constructor(
    asked: Readonly<Record<string, number>>,
    start: Readonly<Record<string, number>> = {},
  ) {
    this.#asked = { ...asked };
    for (const [name, size] of Object.entries(asked)) {
      const resumed = start[name] ?? size;
      this.#current[name] = resumed >= 1 ? Math.min(size, resumed) : size;
    }
  }

  get current(): Record<string, number> {
    return { ...this.#current };
  }

  of(name: string): number {
    return this.#current[name] ?? this.#asked[name] ?? 1;
  }

  applyTo<E extends { readonly limit?: number }>(
    expressions: Readonly<Record<string, E>>,
  ): Record<string, E> {
    const sized: Record<string, E> = {};
    for (const [name, expression] of Object.entries(expressions))
      sized[name] = { ...expression, limit: this.of(name) };
    return sized;
  }

  shrink(names: Iterable<string>): boolean {
    this.#successes = 0;
    let shrunk = false;
    for (const name of names) {
      const size = this.#current[name] ?? 1;
      if (size <= 1) continue;
      this.#current[name] = Math.floor(size / 2);
      shrunk = true;
    }
    return shrunk;
  }

  succeeded(): void {
    this.#successes += 1;
  }

  /** After `GROW_AFTER_REQUESTS` successes in a row, doubles each of `names` up to what was asked. */
  growIfDue(names: Iterable<string>): void {
    if (this.#successes < GROW_AFTER_REQUESTS) return;
    this.#successes = 0;
    for (const name of names) {
      const size = this.#current[name];
      const asked = this.#asked[name];
      if (size !== undefined && asked !== undefined)
        this.#current[name] = Math.min(asked, size * 2);
    }
  }
}

export interface AdaptiveRequest<T> {
  readonly path: string;
  readonly sizes: PageSizes;
  /** The sets whose page size may change before this request (default: all). */
  readonly changeable?: () => Iterable<string>;
  /** Sends the request with `sizes` as they are when called. */
  readonly send: () => Promise<T>;
  readonly onAttempt?: () => void;
}

/** Sends; after a timeout halves the changeable sizes and resends, else PageTimeoutError. */
export async function sendAdaptive<T>(request: AdaptiveRequest<T>): Promise<T> {
  const { sizes } = request;
  const changeable = (): Iterable<string> =>
    request.changeable?.() ?? Object.keys(sizes.current);
  sizes.growIfDue(changeable());
  for (let attempts = 1; ; attempts++) {
    request.onAttempt?.();
    try {
      const response = await request.send();
      sizes.succeeded();
      return response;
    } catch (error) {
      const pageTimeout =
        (error instanceof DmsError && error.status === 408) ||
        (error instanceof TransportError && error.kind === "timeout") ||
        (error instanceof ProtocolError && error.problem === "too-large");
      if (!pageTimeout) throw error;
      if (!sizes.shrink(changeable()))
        throw new PageTimeoutError({
          path: request.path,
          pageSizes: sizes.current,
          attempts,
          cause: error,
        });
    }
  }
}

/** Request options of a paged read: timeouts are left to `sendAdaptive`, not retried as they are. */
export const ADAPTIVE_REQUEST = { retryTimeouts: false } as const;

export const DEFAULT_MAX_PAGES_PER_READ = 100_000;

/** Ends a read whose cursors repeat (a cycle of any length) or that passes `maxPages`. */
export class PagingGuard {
  readonly #seen = new Set<string>();
  pages = 0;

  /** `first`: the cursors of the read's first request (a resumed sync's), if any. */
  constructor(
    readonly path: string,
    readonly maxPages: number = DEFAULT_MAX_PAGES_PER_READ,
    first?: string | Readonly<Record<string, string>>,
  ) {
    checkedMaxPages(maxPages);
    if (first !== undefined) this.#seen.add(cursorKey(first));
  }

  /** Called when a page was read and `cursors` lead to the next one; throws when they must not. */
  follow(cursors: string | Readonly<Record<string, string>>): void {
    this.pages += 1;
    const key = cursorKey(cursors);
    if (this.#seen.has(key))
      throw postProblem(
        "repeated-cursor",
        this.path,
        `after page ${this.pages} the server repeated cursors of this read (${key.slice(0, 80)})`,
      );
    if (this.pages >= this.maxPages)
      throw postProblem(
        "endless-paging",
        this.path,
        `the read did not end after ${this.pages} pages (maxPagesPerRead ${this.maxPages})`,
      );
    this.#seen.add(key);
  }

  /** A sync that caught up starts a new read at `cursors` (which it may then send again). */
  restart(cursors: Readonly<Record<string, string>>): void {
    this.#seen.clear();
    this.#seen.add(cursorKey(cursors));
    this.pages = 0;
  }
}

export function checkedMaxPages(maxPages: number): number {
  if (!Number.isInteger(maxPages) || maxPages < 1)
    throw new RangeError(
      `maxPagesPerRead must be a positive integer, got ${maxPages}`,
    );
  return maxPages;
}

function cursorKey(cursors: string | Readonly<Record<string, string>>): string {
  return typeof cursors === "string" ? cursors : stableStringify(cursors);
}

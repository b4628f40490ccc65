// How many requests of one kind (applies, deletes) run at once. CDF limits concurrent requests
// per project (by default 4 applies, 2 deletes, 8 queries) and answers 429 beyond: a client that
// keeps its own count fixed either leaves the budget unused or storms it when other writers share
// the project. So the count adapts: halved on a 429 (once per burst), held back while the server's
// `Retry-After` runs, and raised by one after a run of successes, up to the configured ceiling.

import { systemClock, type Clock } from "./retry.js";

/** What `HttpClient` reports before it retries a request (see `RequestOptions.onRetry`). */
export interface RetryNotice {
  /** The status that is retried, or undefined for a transport failure. */
  readonly status: number | undefined;
  /** The server's `Retry-After` in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
}

/** Successes in a row, as a multiple of the current limit, after which the limit grows by one. */
const RAISE_AFTER_ROUNDS = 2;

/**
 * An adaptive limit on requests in flight. The engine that sends asks `limit` before it starts
 * a request and sends it through `send`, which reports throttling and success here.
 */
export class AdaptiveConcurrency {
  /** The configured limit: the starting point and the ceiling. */
  readonly max: number;
  #limit: number;
  #successesInARow = 0;
  /** Bumped on each decrease: a 429 of a request sent before it does not halve again. */
  #generation = 0;
  /** No request starts before this time (ms since the epoch), the server's `Retry-After`. */
  #resumeAt = 0;
  readonly #clock: Clock;

  constructor(max: number, clock: Clock = systemClock) {
    this.max = max;
    this.#limit = max;
    this.#clock = clock;
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Sends one request: waits while a `Retry-After` runs, passes `send` the listener to give the
   * HTTP client, and counts a success when it resolves.
   */
  async send<T>(
    send: (onRetry: (notice: RetryNotice) => void) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const wait = this.#resumeAt - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, signal);
    let generation = this.#generation;
    const result = await send((notice) => {
      if (notice.status !== 429) return;
      this.#onThrottled(generation, notice.retryAfterMs);
      // The retry goes out after the decrease: if it is throttled too, halve again.
      generation = this.#generation;
    });
    this.#onSuccess();
    return result;
  }

  #onThrottled(generation: number, retryAfterMs: number | undefined): void {
    this.#successesInARow = 0;
    if (retryAfterMs !== undefined)
      this.#resumeAt = Math.max(
        this.#resumeAt,
        this.#clock.now() + retryAfterMs,
      );
    // Requests sent together are throttled together: one burst halves the limit once.
    if (generation !== this.#generation) return;
    this.#generation++;
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
  }

  #onSuccess(): void {
    if (this.#limit >= this.max) return;
    this.#successesInARow++;
    if (this.#successesInARow >= RAISE_AFTER_ROUNDS * this.#limit) {
      this.#successesInARow = 0;
      this.#limit++;
    }
  }
}

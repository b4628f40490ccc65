// How many applies (or deletes) run at once. CDF answers 429 past its per-project limit, shared
// with other writers, so the count adapts: halved on a 429 (once per burst), held back while
// `Retry-After` runs, raised by one after a run of successes, up to the configured ceiling.

import { systemClock, type Clock } from "./retry.js";

/** What `HttpClient` reports before it retries a request (see `RequestOptions.onRetry`). */
export interface RetryNotice {
  /** Undefined for a transport failure. */
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
}

/** An adaptive limit on requests in flight: ask `limit`, send through `send`. */
export class AdaptiveConcurrency {
  /** The configured limit: the starting point and the ceiling. */
  declare readonly max: number;
  declare limit: number;
  #successesInARow = 0;
  /** Bumped on each decrease: a 429 of a request sent before it does not halve again. */
  #generation = 0;
  /** No request starts before this time (`Retry-After`). */
  #resumeAt = 0;
  readonly #clock: Clock;

  constructor(max: number, clock: Clock = systemClock) {
    this.max = this.limit = max;
    this.#clock = clock;
  }

  /** Sends one request: waits while a `Retry-After` runs, and counts throttling and success. */
  async send<T>(
    send: (onRetry: (notice: RetryNotice) => void) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const clock = this.#clock;
    const wait = this.#resumeAt - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    let generation = this.#generation;
    const result = await send(({ status, retryAfterMs }) => {
      if (status !== 429) return;
      this.#successesInARow = 0;
      if (retryAfterMs !== undefined)
        this.#resumeAt = Math.max(this.#resumeAt, clock.now() + retryAfterMs);
      // One burst halves once; a retry sent after the decrease and throttled again halves again.
      if (generation === this.#generation) {
        this.#generation++;
        this.limit = Math.max(1, this.limit >> 1);
      }
      generation = this.#generation;
    });
    if (this.limit < this.max && ++this.#successesInARow >= 2 * this.limit) {
      this.#successesInARow = 0;
      this.limit++;
    }
    return result;
  }
}

// Retry policy: which failures are retried, how long to wait, and when to give up. Pure functions
// over an explicit policy, plus an injectable clock so tests run without real waiting.

/** Time as the runtime sees it. Tests pass a fake one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** How failed requests are retried. Every field has a default (see `DEFAULT_RETRY_POLICY`). */
export interface RetryPolicy {
  /** Attempts in total, the first included. Default 10. */
  readonly maxAttempts: number;
  /** Backoff base: the cap of the first wait (ms). Default 500. */
  readonly baseDelayMs: number;
  /** Largest backoff wait (ms). Default 30 000. */
  readonly maxDelayMs: number;
  /** Largest `Retry-After` honoured (ms); longer ones give up. Default 60 000. */
  readonly maxRetryAfterMs: number;
  /** Give up once a retry would start later than this after the first attempt (ms). Default 180 000. */
  readonly maxElapsedMs: number;
  /** Statuses retried. Default 408, 429, 502, 503, 504. */
  readonly retryStatuses: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  maxElapsedMs: 180_000,
  retryStatuses: [408, 429, 502, 503, 504],
};

/** Fills the defaults of a partial policy and checks the numbers. */
export function resolveRetryPolicy(
  partial: Partial<RetryPolicy> = {},
): RetryPolicy {
  const policy: Record<string, unknown> = { ...DEFAULT_RETRY_POLICY };
  for (const [key, value] of Object.entries(partial))
    if (value !== undefined) policy[key] = value;
  const resolved = policy as unknown as RetryPolicy;
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1)
    throw new RangeError("retry.maxAttempts must be an integer of at least 1");
  for (const key of [
    "baseDelayMs",
    "maxDelayMs",
    "maxRetryAfterMs",
    "maxElapsedMs",
  ] as const)
    if (!(resolved[key] >= 0))
      throw new RangeError(`retry.${key} must be >= 0`);
  return resolved;
}

/**
 * Whether a response status is worth retrying: the policy's statuses, or any status the API marks
 * with `cdf-is-auto-retryable` (except 400, 401, 403 and 409, which never are).
 */
export function isRetryableStatus(
  policy: RetryPolicy,
  status: number,
  autoRetryableHeader: string | undefined,
): boolean {
  if ([400, 401, 403, 409].includes(status)) return false;
  if (policy.retryStatuses.includes(status)) return true;
  const header = autoRetryableHeader?.trim().toLowerCase();
  return header !== undefined && header !== "false" && header !== "0";
}

/**
 * Full-jitter exponential backoff: a uniform wait in [0, min(maxDelay, base * 2^retry)).
 * `retry` counts from 0 for the first retry; `random` returns [0, 1).
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  random: () => number,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.min(retry, 30),
  );
  return Math.floor(random() * ceiling);
}

/** `Retry-After` (seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | undefined,
  now: number,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The decision after a failed attempt. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false };

/** What the retry loop knows about a failed attempt (times in clock ms). */
export interface FailedAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** When the first attempt started. */
  readonly startedAt: number;
  readonly now: number;
  /** Retry-After in ms, when the response had one. */
  readonly retryAfterMs: number | undefined;
}

/** Decides whether to retry a retryable failure, and after how long. */
export function decideRetry(
  policy: RetryPolicy,
  failure: FailedAttempt,
  random: () => number,
): RetryDecision {
  const { attempt, retryAfterMs } = failure;
  if (
    attempt >= policy.maxAttempts ||
    (retryAfterMs ?? 0) > policy.maxRetryAfterMs
  )
    return { retry: false };
  const delayMs = retryAfterMs ?? backoffDelay(policy, attempt - 1, random);
  if (failure.now + delayMs - failure.startedAt > policy.maxElapsedMs)
    return { retry: false };
  return { retry: true, delayMs };
}

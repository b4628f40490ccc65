// Which failures are retried, how long to wait, when to give up; an injectable clock for tests.

/** Time as the runtime sees it. Tests pass a fake one. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

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

export interface RetryPolicy {
  /** Attempts in total, the first included. Default 10. */
  readonly maxAttempts: number;
  /** Backoff base: the cap of the first wait (ms). Default 500. */
  readonly baseDelayMs: number;
  /** Default 30 000. */
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

export function resolveRetryPolicy(
  partial: Partial<RetryPolicy> = {},
): RetryPolicy {
  const policy: Record<string, unknown> = { ...DEFAULT_RETRY_POLICY };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    const min = key === "maxAttempts" ? 1 : 0;
    if (key !== "retryStatuses" && !((value as number) >= min))
      throw new RangeError(`retry.${key} must be a number >= ${min}`);
    policy[key] = value;
  }
  return policy as unknown as RetryPolicy;
}

/** The policy's statuses, or any with `cdf-is-auto-retryable` but 400, 401, 403 and 409. */
export function isRetryableStatus(
  policy: RetryPolicy,
  status: number,
  autoRetryableHeader: string | undefined,
): boolean {
  if ([400, 401, 403, 409].includes(status)) return false;
  const header = autoRetryableHeader?.trim().toLowerCase();
  return (
    policy.retryStatuses.includes(status) ||
    (header !== undefined && header !== "false" && header !== "0")
  );
}

/** `Retry-After` (seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | undefined,
  now: number,
): number | undefined {
  const trimmed = value?.trim() ?? "";
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retrying after `attempt`: `Retry-After`, else full jitter under a capped exponential. */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  if (
    attempt >= policy.maxAttempts ||
    (retryAfterMs ?? 0) > policy.maxRetryAfterMs
  )
    return undefined;
  const ceiling = policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30);
  const delayMs =
    retryAfterMs ?? Math.floor(random() * Math.min(policy.maxDelayMs, ceiling));
  return elapsedMs + delayMs > policy.maxElapsedMs ? undefined : delayMs;
}

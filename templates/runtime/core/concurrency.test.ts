import { describe, expect, it } from "vitest";
import { AdaptiveConcurrency, type RetryNotice } from "./concurrency.js";
import type { Clock } from "./retry.js";

/** A clock whose sleeps return at once and move its time. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const throttled: RetryNotice = { status: 429, retryAfterMs: undefined };

/** A request that is throttled `times` times (as the HTTP client reports it), then succeeds. */
function throttledRequest(times: number, retryAfterMs?: number) {
  return async (onRetry: (notice: RetryNotice) => void): Promise<string> => {
    for (let attempt = 0; attempt < times; attempt++) {
      onRetry({ status: 429, retryAfterMs });
      await Promise.resolve();
    }
    return "ok";
  };
}

describe("AdaptiveConcurrency", () => {
  it("halves once for a burst of 429s, and again when a retry is throttled", async () => {
    const limiter = new AdaptiveConcurrency(8, fakeClock());
    const burst: ((notice: RetryNotice) => void)[] = [];
    const sends = Array.from({ length: 4 }, () =>
      limiter.send(async (onRetry) => {
        burst.push(onRetry);
        await Promise.resolve();
        return "ok";
      }),
    );
    // Four requests sent together, all throttled: one decrease.
    for (const onRetry of burst) onRetry(throttled);
    expect(limiter.limit).toBe(4);
    // The first one's retry (sent after the decrease) is throttled again: another.
    burst[0]!(throttled);
    expect(limiter.limit).toBe(2);
    await Promise.all(sends);
  });

  it("never goes below one, and grows by one after two rounds of successes", async () => {
    const limiter = new AdaptiveConcurrency(4, fakeClock());
    await limiter.send(throttledRequest(5));
    expect(limiter.limit).toBe(1);
    const limits: number[] = [];
    for (let n = 0; n < 12; n++) {
      await limiter.send(throttledRequest(0));
      limits.push(limiter.limit);
    }
    // At 1: two successes to reach 2 (the throttled request's own is the first); at 2: four to
    // reach 3; at 3: six to reach 4, the ceiling.
    expect(limits).toEqual([2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4]);
    await limiter.send(throttledRequest(0));
    expect(limiter.limit).toBe(4);
  });

  it("starts no request while the server's Retry-After runs", async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveConcurrency(4, clock);
    await limiter.send(throttledRequest(1, 3000));
    expect(clock.sleeps).toEqual([]);
    await limiter.send(throttledRequest(0));
    expect(clock.sleeps).toEqual([3000]);
    await limiter.send(throttledRequest(0));
    expect(clock.sleeps).toEqual([3000]);
  });

  it("ignores retries that are not 429s", async () => {
    const limiter = new AdaptiveConcurrency(4, fakeClock());
    await limiter.send(async (onRetry) => {
      onRetry({ status: 503, retryAfterMs: 1000 });
      onRetry({ status: undefined, retryAfterMs: undefined });
      return Promise.resolve("ok");
    });
    expect(limiter.limit).toBe(4);
  });
});

import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryPolicy,
  retryDelay,
  systemClock,
} from "./retry.js";

const policy = DEFAULT_RETRY_POLICY;

describe("isRetryableStatus", () => {
  it("retries 408, 429, 502, 503 and 504", () => {
    for (const status of [408, 429, 502, 503, 504]) {
      expect(isRetryableStatus(policy, status, undefined)).toBe(true);
    }
  });
  it("does not retry 500 unless cdf-is-auto-retryable says so", () => {
    expect(isRetryableStatus(policy, 500, undefined)).toBe(false);
    expect(isRetryableStatus(policy, 500, "true")).toBe(true);
    expect(isRetryableStatus(policy, 500, "false")).toBe(false);
  });
  it("never retries 400, 401, 403 or 409, whatever the header", () => {
    for (const status of [400, 401, 403, 409]) {
      expect(isRetryableStatus(policy, status, "true")).toBe(false);
    }
  });
});

describe("retryDelay without Retry-After", () => {
  it("is full jitter under an exponential ceiling with a cap", () => {
    const long = { ...policy, maxAttempts: 100 };
    expect(retryDelay(long, 1, 0, () => 0.999999)).toBe(499);
    expect(retryDelay(long, 4, 0, () => 0.5)).toBe(2000);
    expect(retryDelay(long, 21, 0, () => 0.5)).toBe(15_000);
    expect(retryDelay(long, 3, 0, () => 0)).toBe(0);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter("0.5", 0)).toBe(500);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
  });
});

describe("retryDelay", () => {
  it("stops at maxAttempts", () => {
    const p = resolveRetryPolicy({ maxAttempts: 3 });
    expect(retryDelay(p, 2, 0, () => 0.5)).toBe(500);
    expect(retryDelay(p, 3, 0, () => 0.5)).toBeUndefined();
  });
  it("honours Retry-After, and gives up when it is too long", () => {
    expect(retryDelay(policy, 1, 0, () => 0, 7000)).toBe(7000);
    expect(retryDelay(policy, 1, 0, () => 0, 61_000)).toBeUndefined();
  });
  it("bounds the total time", () => {
    const p = resolveRetryPolicy({ maxElapsedMs: 1000 });
    expect(retryDelay(p, 1, 900, () => 0, 200)).toBeUndefined();
    expect(retryDelay(p, 1, 700, () => 0, 200)).toBe(200);
  });
  it("rejects nonsense policies", () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(
      new RangeError("retry.maxAttempts must be a number >= 1"),
    );
    expect(() => resolveRetryPolicy({ maxDelayMs: -1 })).toThrow(RangeError);
    expect(resolveRetryPolicy({ maxAttempts: 2 }).maxAttempts).toBe(2);
  });
});

describe("systemClock.sleep", () => {
  it("rejects with the abort reason", async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
  });
});

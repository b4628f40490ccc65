import { describe, expect, it } from "vitest";
import { createFaultEngine, parseFaultSpec, seededRandom } from "./faults.js";

describe("parseFaultSpec", () => {
  it("reads statuses with options, resets and latency", () => {
    expect(
      parseFaultSpec(
        "429:0.1,503:0.05:retry-after=2:auto-retryable,reset:0.02,latency:5-50ms",
      ),
    ).toEqual({
      statuses: [
        { status: 429, probability: 0.1 },
        { status: 503, probability: 0.05, retryAfter: 2, autoRetryable: true },
      ],
      reset: 0.02,
      latency: { min: 5, max: 50 },
    });
  });

  it("reads faults after processing", () => {
    expect(
      parseFaultSpec(
        "reset:0.03:after,503:0.05:after:retry-after=2,reset:0.01",
      ),
    ).toEqual({
      statuses: [
        {
          status: 503,
          probability: 0.05,
          afterProcessing: true,
          retryAfter: 2,
        },
      ],
      reset: 0.01,
      resetAfter: 0.03,
    });
    const engine = createFaultEngine("reset:1:after", 1);
    expect(engine.decide("/models/instances").decision).toEqual({
      kind: "reset",
      afterProcessing: true,
    });
    expect(
      createFaultEngine("503:1:after", 1).decide("/models/instances").decision,
    ).toMatchObject({ kind: "status", status: 503, afterProcessing: true });
  });

  it.each([
    "reset:0.1:later",
    "reset:0.6,reset:0.6:after",
    "429",
    "429:x",
    "200:0.1",
    "latency:fast",
    "reset:0.5:retry-after=1",
    "503:0.6,429:0.6",
    "503:0.1:sometimes",
  ])("rejects %s", (spec) => {
    expect(() => parseFaultSpec(spec)).toThrow(/^--faults: /);
  });
});

describe("fault engine", () => {
  it("is deterministic for a seed and honours scripted faults first", () => {
    const draw = (seed: number) =>
      Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    const engine = createFaultEngine("500:1", 1);
    engine.failNext(1, 429, { path: "/instances/sync", retryAfter: 1 });
    expect(engine.decide("/models/instances").decision).toMatchObject({
      kind: "status",
      status: 500,
    });
    expect(engine.decide("/models/instances/sync").decision).toMatchObject({
      kind: "status",
      status: 429,
      retryAfter: 1,
    });
    engine.clear();
    expect(engine.decide("/models/instances/sync").decision).toBeUndefined();
  });
});

// `apply(items, { report: "counts" })`: the result keeps counts only, so that a streamed apply of
// any size holds no entry per item (issue 12 item 6), while failures stay exactly as honest as
// with the default report (every instance written, not written or unknown).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  applyInstances,
  type ApplyOptions,
  type JsonPoster,
} from "../../templates/runtime/write/apply.js";
import {
  ApplyFailedError,
  DmsError,
} from "../../templates/runtime/core/errors.js";
import type {
  ApplyRequest,
  InstanceId,
  NodeWrite,
} from "../../templates/runtime/core/wire.js";
import { applyAnswer, sentBody } from "../support/fault-server.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * Two full collections: one `gc()` may only finish a marking that V8 began earlier, and what was
 * allocated while it ran survives it (1000 of 1000 writes alive once, on a loaded machine).
 */
function collectGarbage(): void {
  gc();
  gc();
}

function node(i: number): NodeWrite {
  return {
    instanceType: "node",
    space: "sp",
    externalId: `n${i}`,
    sources: [
      {
        source: { type: "view", space: "sp", externalId: "V", version: "1" },
        properties: { value: i },
      },
    ],
  };
}

/**
 * 5000 nodes, with a WeakRef to each of the first 1000 (request 0's) in `refs`. An iterator
 * object, not a generator: a suspended generator keeps its saved registers, and until V8
 * optimizes it one of them can still hold the last item given to `new WeakRef`. That kept one
 * item of request 0 alive in about 1 run of 4 under load (a heap snapshot showed the generator
 * as its only holder; the engine held none).
 */
function watchedNodes(refs: WeakRef<object>[]): IterableIterator<NodeWrite> {
  let next = 0;
  const iterator: IterableIterator<NodeWrite> = {
    [Symbol.iterator]: () => iterator,
    next: () => {
      if (next === 5000) return { done: true, value: undefined };
      const item = node(next);
      if (next < 1000) refs.push(new WeakRef(item));
      next++;
      return { done: false, value: item };
    },
  };
  return iterator;
}

function* nodes(count: number): Generator<NodeWrite> {
  for (let i = 0; i < count; i++) yield node(i);
}

/**
 * Answers like the API; leaves out (skips) every instance whose number `skip` picks; throws
 * `fail(request number)` when it gives an error. Calls `onAnswer` with each answer.
 */
function fakeApi(
  options: {
    skip?: (i: number) => boolean;
    fail?: (request: number) => unknown;
    onAnswer?: (answer: { items: object[] }, request: number) => void;
  } = {},
): JsonPoster {
  let requests = 0;
  return {
    postJson: async <T>(_path: string, body: unknown): Promise<T> => {
      const request = requests++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      const error = options.fail?.(request);
      if (error) throw error;
      const sent = sentBody(body);
      const answer = applyAnswer({
        ...sent,
        items: sent.items.filter(
          (item) => !options.skip?.(Number(item.externalId.slice(1))),
        ),
      }).body as { items: object[] };
      options.onAnswer?.(answer, request);
      return answer as T;
    },
  };
}

const sorted = (ids: readonly InstanceId[]): string[] =>
  ids.map((id) => id.externalId).sort();

async function failureOf(promise: Promise<unknown>): Promise<ApplyFailedError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplyFailedError);
  return error as ApplyFailedError;
}

describe('apply with report: "counts"', () => {
  it("counts written, skipped and deleted instances and lists none", async () => {
    const skip = (i: number): boolean => i % 7 === 3;
    const deletes = [
      { instanceType: "node" as const, space: "sp", externalId: "old1" },
      { instanceType: "node" as const, space: "sp", externalId: "old2" },
    ];
    // The API leaves out only what it skipped on a version conflict, when asked to skip.
    const options: ApplyOptions = {
      delete: deletes,
      concurrency: 3,
      skipOnVersionConflict: true,
    };
    const counted = await applyInstances(fakeApi({ skip }), nodes(2500), {
      ...options,
      report: "counts",
    });
    const listed = await applyInstances(
      fakeApi({ skip }),
      nodes(2500),
      options,
    );
    // Independently: 2500 nodes, of which the numbers 3, 10, 17, … are skipped.
    let skipped = 0;
    for (let i = 0; i < 2500; i++) if (skip(i)) skipped++;
    expect(counted.counts).toEqual({
      written: 2500 - skipped,
      skipped,
      deleted: 2,
    });
    expect(counted.items).toEqual([]);
    expect(counted.skipped).toEqual([]);
    expect(counted.deleted).toEqual(deletes);
    // The default report lists them, and counts the same.
    expect(listed.counts).toEqual(counted.counts);
    expect(listed.items).toHaveLength(2500 - skipped);
    expect(listed.skipped).toHaveLength(skipped);
  });

  it("keeps neither the inputs nor the answers of finished requests", async () => {
    // The first request's inputs and answers are watched; once later requests have finished,
    // a garbage collection must be able to free them (the default report keeps the answers).
    async function retainedAfterApply(
      report: "items" | "counts",
    ): Promise<{ inputs: number; answers: number; written: number }> {
      const inputs: WeakRef<object>[] = [];
      const answers: WeakRef<object>[] = [];
      const poster = fakeApi({
        onAnswer: (answer, request) => {
          if (request === 0)
            for (const item of answer.items) answers.push(new WeakRef(item));
        },
      });
      const result = await applyInstances(poster, watchedNodes(inputs), {
        report,
        concurrency: 2,
      });
      // WeakRef targets stay alive until the current job ends: let it end, then collect.
      await new Promise((resolve) => setTimeout(resolve, 0));
      collectGarbage();
      const alive = (refs: WeakRef<object>[]): number =>
        refs.filter((ref) => ref.deref() !== undefined).length;
      return {
        inputs: alive(inputs),
        answers: alive(answers),
        written: result.counts.written,
      };
    }
    expect(await retainedAfterApply("counts")).toEqual({
      inputs: 0,
      answers: 0,
      written: 5000,
    });
    // The control: the default report keeps every answer (so the check above can fail).
    expect(await retainedAfterApply("items")).toMatchObject({
      answers: 1000,
      written: 5000,
    });
  });

  it("keeps nothing of the writes of a finished request", async () => {
    // With counts only, a request's writes are free to collect once it has finished: memory
    // follows the requests in flight, not the input.
    const inputs: WeakRef<object>[] = [];
    const sent: ApplyRequest[] = [];
    let aliveLater = -1;
    const poster: JsonPoster = {
      postJson: async <T>(_path: string, body: unknown): Promise<T> => {
        // A copy: the test must not keep the writes alive itself.
        sent.push(JSON.parse(JSON.stringify(sentBody(body))) as ApplyRequest);
        if (sent.length === 4) {
          // WeakRef targets stay alive until the current job ends: let it end, then collect.
          await new Promise((resolve) => setTimeout(resolve, 0));
          collectGarbage();
          aliveLater = inputs.filter((ref) => ref.deref()).length;
        }
        return applyAnswer(sent.at(-1)!).body as T;
      },
    };
    const result = await applyInstances(poster, watchedNodes(inputs), {
      report: "counts",
      concurrency: 1,
    });
    expect(result.counts.written).toBe(5000);
    expect(aliveLater).toBe(0);
    // What went out is the writes themselves, in order.
    expect(sent[0]!.items).toEqual(
      Array.from({ length: 1000 }, (_, i) => node(i)),
    );
  });

  it("fails as honestly as the default report, counting the written instances", async () => {
    // Request 2 (of 5) is rejected by the API with a 400: nothing of it was processed. Requests
    // 0 and 1 are written; the apply stops, so what was not yet sent is not written.
    const fail = (request: number): unknown =>
      request === 2
        ? new DmsError({
            method: "POST",
            url: "/models/instances",
            status: 400,
            code: 400,
            apiMessage: "invalid",
          })
        : undefined;
    const input = Array.from({ length: 5000 }, (_, i) => node(i));
    const options: ApplyOptions = { concurrency: 1 };
    const counted = await failureOf(
      applyInstances(fakeApi({ fail }), input, {
        ...options,
        report: "counts",
      }),
    );
    const listed = await failureOf(
      applyInstances(fakeApi({ fail }), input, options),
    );
    expect(counted.writtenCount).toBe(2000);
    expect(counted.written).toEqual([]);
    expect(listed.writtenCount).toBeUndefined();
    expect(sorted(listed.written)).toEqual(
      sorted(input.slice(0, 2000).map((item) => item)),
    );
    expect(sorted(counted.notWritten)).toEqual(sorted(listed.notWritten));
    expect(sorted(counted.notWritten)).toEqual(sorted(input.slice(2000)));
    expect(counted.unknown).toEqual([]);
    expect(counted.message).toContain(
      "2000 instance(s) written, 3000 not written",
    );
  });

  it("reports a request whose answer was lost as unknown, as the default report does", async () => {
    const lost = (request: number): unknown =>
      request === 1 ? new Error("socket hang up") : undefined;
    const counted = await failureOf(
      applyInstances(fakeApi({ fail: lost }), nodes(3000), {
        concurrency: 1,
        report: "counts",
      }),
    );
    expect(counted.writtenCount).toBe(1000);
    expect(sorted(counted.unknown)).toEqual(
      sorted(Array.from({ length: 1000 }, (_, i) => node(1000 + i))),
    );
    // A stream's unread rest is never listed; what was built ahead and not sent is not written.
    for (const id of counted.notWritten)
      expect(Number(id.externalId.slice(1))).toBeGreaterThanOrEqual(2000);
  });

  for (const report of ["items", "counts"] as const)
    it(`lists an instance written by two failed requests once (report: ${report})`, async () => {
      // Requests of 2: [n0, n1], [n2, n0 again] (the same write: it need not wait for the
      // first), both rejected with a 400, in flight together or the second never sent.
      const rejected = new DmsError({
        method: "POST",
        url: "/models/instances",
        status: 400,
        code: 400,
        apiMessage: "invalid",
      });
      const failure = await failureOf(
        applyInstances(
          fakeApi({ fail: () => rejected }),
          [node(0), node(1), node(2), node(0)],
          { chunkSize: 2, concurrency: 2, report },
        ),
      );
      expect(sorted(failure.notWritten)).toEqual(["n0", "n1", "n2"]);
      expect([failure.written, failure.unknown]).toEqual([[], []]);
    });
});

// The apply engine: instance writes and deletes in requests of at most 1000, nodes before the
// edges that need them, sent with adaptive concurrency, results merged back into input order.

import {
  ApplyFailedError,
  ApplyVersionConflictError,
  DmsError,
  isAbortError,
  mayHaveApplied,
  ProtocolError,
  TokenError,
  VersionConflictError,
  type ApplyProgressReport,
} from "../core/errors.js";
import {
  WriteCollector,
  checkRawWrite,
  collectsWrites,
  idOf,
  isInstanceId,
  sameInstance,
  sameValue,
  type CollectsWrites,
} from "../model/collect.js";
import { expectItems, type RequestOptions } from "../core/http.js";
import { AdaptiveConcurrency } from "../core/concurrency.js";
import type { Clock } from "../core/retry.js";
import type {
  ApplyFlags,
  DeletedInstance,
  InstanceDelete,
  InstanceId,
  InstanceWrite,
  SlimInstance,
} from "../core/wire.js";

/** The slice of `HttpClient` the engines use (a fake one in unit tests). */
export interface JsonPoster {
  postJson<T>(
    path: string,
    body: unknown,
    options?: RequestOptions,
  ): Promise<T>;
  /** The clock retries wait on; a `Retry-After` pause of the apply waits on it too. */
  readonly clock?: Clock;
}

/** Anything that knows its wire form, with its edges and nested nodes. */
export interface ToInstanceWrites {
  toInstanceWrites(): InstanceWrite[];
}

/** What `applyInstances` accepts: raw wire items or objects that expand to them. */
export type ApplyInput = InstanceWrite | ToInstanceWrites | CollectsWrites;

/** What `apply` reads: an array, any iterable, or an async iterable (read as it is sent). */
export type ApplyInputs = Iterable<ApplyInput> | AsyncIterable<ApplyInput>;

/** Progress after each finished request. The totals grow as the input is read. */
export interface ApplyProgress {
  readonly requestsDone: number;
  /** Requests done plus those built and not yet finished. */
  readonly requestsTotal: number;
  /** Writes (one per instance, nested ones included) and deletes whose request succeeded. */
  readonly itemsDone: number;
  /** Writes and deletes known so far, counted as `itemsDone` counts them. */
  readonly itemsTotal: number;
}

/** Options of an apply. Flags not given are left to the API's defaults. */
export interface ApplyOptions extends ApplyFlags {
  /** Instances to delete in the same operation (after the writes). */
  readonly delete?: readonly InstanceDelete[];
  /** Requests in flight at most, 1 to 16; adapts to 429s. Default `concurrentWriteLimit` or 4. */
  readonly concurrency?: number;
  /** Items (writes plus deletes) per request, at most 1000. Default 1000. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ApplyProgress) => void;
  /** `"counts"`: counts only, no list per instance (memory bounded however large the input). */
  readonly report?: "items" | "counts";
}

/** How many instances an apply wrote, skipped (on a version conflict) and deleted. */
export interface ApplyCounts {
  readonly written: number;
  readonly skipped: number;
  readonly deleted: number;
}

export interface ApplyResult {
  /** One entry per written instance, in input order; empty with `report: "counts"`. */
  readonly items: SlimInstance[];
  /** Instances left as they were on a version conflict; empty with `report: "counts"`. */
  readonly skipped: InstanceId[];
  /** Deleted instances, in the order of `options.delete` (missing ones are not listed). */
  readonly deleted: DeletedInstance[];
  readonly counts: ApplyCounts;
}

export interface DeleteOptions {
  /** Requests in flight at most, 1 to 8; adapts to 429s. Default `concurrentDeleteLimit` or 2. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

const MAX_ITEMS = 1000;
const APPLY_PATH = "/models/instances";
const DELETE_PATH = "/models/instances/delete";
const APPLY_FLAGS = [
  "autoCreateDirectRelations",
  "autoCreateStartNodes",
  "autoCreateEndNodes",
  "skipOnVersionConflict",
  "replace",
] as const;

/**
 * Applies instance writes and deletes through `POST /models/instances`, reading the input as
 * requests go out. A request that keeps failing with a 5xx or 408 is split in halves, down to
 * single items, so that one poisoned item does not stop the rest.
 */
export function applyInstances(
  http: JsonPoster,
  input: ApplyInputs,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const flags: ApplyFlags = {};
  for (const flag of APPLY_FLAGS)
    if (options[flag] !== undefined) flags[flag] = options[flag];
  return runApply(http, input, options, 4, 16, (part, requestOptions) =>
    http.postJson(
      APPLY_PATH,
      part.deletes.length
        ? { items: part.writes, delete: part.deletes, ...flags }
        : { items: part.writes, ...flags },
      requestOptions,
    ),
  );
}

/** Deletes instances through `POST /models/instances/delete`, 1000 a request, concurrently. */
export async function deleteInstances(
  http: JsonPoster,
  ids: readonly InstanceDelete[],
  options: DeleteOptions = {},
): Promise<DeletedInstance[]> {
  const post: Post = async ({ deletes }, requestOptions) => {
    const answer = await http.postJson(
      DELETE_PATH,
      { items: deletes },
      requestOptions,
    );
    return { items: [], deleted: expectItems(answer, DELETE_PATH) };
  };
  const all = { ...options, delete: ids };
  return (await runApply(http, [], all, 2, 8, post)).deleted;
}

type Post = (part: Part, options: RequestOptions) => Promise<unknown>;
type Source = Iterator<ApplyInput> | AsyncIterator<ApplyInput>;

async function runApply(
  http: JsonPoster,
  input: ApplyInputs,
  options: ApplyOptions,
  fallback: number,
  max: number,
  post: Post,
): Promise<ApplyResult> {
  const chunkSize = options.chunkSize ?? MAX_ITEMS;
  const concurrency = options.concurrency ?? fallback;
  for (const [name, value, most] of [
    ["chunkSize", chunkSize, MAX_ITEMS],
    ["concurrency", concurrency, max],
  ] as const)
    if (!Number.isInteger(value) || value < 1 || value > most)
      throw new RangeError(
        `${name} must be an integer from 1 to ${most}, got ${value}`,
      );
  const limiter = new AdaptiveConcurrency(concurrency, http.clock);
  const run = new ApplyRun(post, limiter, options, chunkSize);
  const iterator =
    Symbol.asyncIterator in input
      ? input[Symbol.asyncIterator]()
      : input[Symbol.iterator]();
  let done = false;
  try {
    done = await run.drive(iterator);
  } finally {
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
  return run.finish(input);
}

/**
 * Writes and deletes of a request or part. `numbers`: each write's place in the result (`~number`:
 * an earlier request's, counted there); `firstDelete`: where `deletes` start in `options.delete`.
 */
interface Part {
  readonly writes: readonly InstanceWrite[];
  readonly numbers: readonly number[];
  readonly deletes: readonly InstanceDelete[];
  readonly firstDelete: number;
}

/** A request built from the input: `after` are the requests it waits for (by number). */
interface BuiltRequest extends Part {
  readonly number: number;
  readonly after: readonly number[];
}

/** What became of a write or delete whose request did not simply succeed. */
type Outcome = "deleted" | "not-written" | "unknown";

/**
 * One apply in progress: reads the input into a `WriteCollector`, takes requests out of it (at
 * most twice `concurrency` ahead), records what became of each write. An instance written again
 * goes out again, after its earlier request when the writes differ (the later value wins).
 */
class ApplyRun {
  readonly #collector = new WriteCollector();
  readonly #unfinished = new Map<number, BuiltRequest>();
  /** Unfinished requests that the writes collected now must wait for. */
  readonly #waitFor = new Set<number>();
  readonly #ready: BuiltRequest[] = [];
  readonly #active = new Map<BuiltRequest, Promise<void>>();
  /**
   * Per instance number (only with `report: "items"`): its answer, or its bare id when it was
   * skipped on a version conflict (an answer always names its instance type).
   */
  readonly #slots: (SlimInstance | InstanceId | undefined)[] | undefined;
  /** Parts that failed, in order, and why: only `finish` asks what became of their items. */
  readonly #failures: [Part, Outcome, error?: unknown][] = [];
  readonly #deleted: DeletedInstance[][] = [];
  /** The first error that stops the apply: no new request starts after it. */
  #stop: { error: unknown } | undefined;
  #rejected: { input: ApplyInput } | undefined;
  #requests = 0;
  #requestsDone = 0;
  #deletesDone = 0;
  #itemsRead = 0;
  #deletesRead = 0;
  #deletesTaken = 0;
  #written = 0;
  #skipped = 0;

  constructor(
    readonly post: Post,
    readonly concurrency: AdaptiveConcurrency,
    readonly options: ApplyOptions,
    readonly chunkSize: number,
  ) {
    this.#slots = options.report === "counts" ? undefined : [];
    this.#collector.writtenAgain = (number, write) => {
      const earlier = this.#unfinished
        .get(number)
        ?.writes.find((w) => sameInstance(w, write));
      if (earlier && !sameValue(earlier, write)) this.#waitFor.add(number);
    };
  }

  /** Sends the input; resolves to whether it was read to its end. */
  async drive(source: Source): Promise<boolean> {
    const lookahead = this.concurrency.max * 2;
    let inputDone = false;
    for (;;) {
      this.#startReady();
      const idle = this.#active.size === 0;
      if (idle && (this.#stop || (inputDone && this.#ready.length === 0)))
        return inputDone;
      if (
        !this.#stop &&
        !inputDone &&
        this.#ready.length + this.#active.size < lookahead
      ) {
        try {
          inputDone = await this.#pull(source);
        } catch (error) {
          this.#stop ??= { error };
        }
        continue;
      }
      if (idle) return inputDone;
      await Promise.race(this.#active.values());
    }
  }

  /** Reads input until at least one request is built, or to its end (then true). */
  async #pull(source: Source): Promise<boolean> {
    const collector = this.#collector;
    const size = this.chunkSize;
    const built = this.#ready.length;
    while (this.#ready.length === built) {
      const step = await source.next();
      if (step.done) {
        const deletes = this.options.delete?.length ?? 0;
        this.#deletesRead = deletes;
        while (collector.pending() > 0 || this.#deletesTaken < deletes)
          this.#build(size);
        return true;
      }
      try {
        addInput(collector, step.value, this.#itemsRead++);
      } catch (error) {
        this.#rejected = { input: step.value };
        throw error;
      }
      while (collector.pending("node") >= size) this.#build(size);
      // An edge request goes after every node collected before it.
      while (collector.pending("edge") >= size) {
        this.#build(collector.pending("node"));
        this.#build(size);
      }
    }
    return false;
  }

  /** Takes the next `count` items (collected nodes, edges, then deletes) out as a request. */
  #build(count: number): void {
    if (count === 0) return;
    const number = this.#requests++;
    const collector = this.#collector;
    const nodes = collector.take("node", count, number);
    const edges = collector.take("edge", count - nodes.writes.length, number);
    const writes = nodes.writes.concat(edges.writes);
    const firstDelete = this.#deletesTaken;
    const deletes =
      this.#deletesRead > 0
        ? this.options.delete!.slice(
            firstDelete,
            firstDelete + count - writes.length,
          )
        : [];
    this.#deletesTaken += deletes.length;
    const after = new Set(this.#waitFor);
    if (collector.pending() === 0) this.#waitFor.clear();
    // Edges wait for the unfinished requests of their ends.
    for (const edge of edges.writes)
      if (edge.instanceType === "edge" && this.#unfinished.size > 0)
        for (const end of [edge.startNode, edge.endNode]) {
          const where = collector.nodeWhere(end);
          if (where !== undefined && this.#unfinished.has(where))
            after.add(where);
        }
    after.delete(number);
    const request: BuiltRequest = {
      writes,
      numbers: nodes.numbers.concat(edges.numbers),
      deletes,
      firstDelete,
      number,
      after: [...after],
    };
    this.#unfinished.set(number, request);
    this.#ready.push(request);
  }

  #startReady(): void {
    const signal = this.options.signal;
    while (
      !this.#stop &&
      this.#active.size < this.concurrency.limit &&
      this.#ready.length > 0
    ) {
      const request = this.#ready[0]!;
      // A request with deletes waits until every earlier request with writes has finished.
      const blocked =
        request.deletes.length > 0
          ? [...this.#active.keys()].some((other) => other.writes.length > 0)
          : request.after.some((other) => this.#unfinished.has(other));
      if (blocked) return;
      if (signal?.aborted) {
        this.#stop = { error: signal.reason };
        return;
      }
      this.#ready.shift();
      const running = this.#send(request)
        .then((succeeded) => this.#finished(request, succeeded))
        .finally(() => this.#active.delete(request));
      this.#active.set(request, running);
    }
  }

  #finished(request: BuiltRequest, succeeded: boolean): void {
    this.#unfinished.delete(request.number);
    if (!succeeded) return;
    this.#requestsDone++;
    try {
      this.options.onProgress?.({
        requestsDone: this.#requestsDone,
        requestsTotal: this.#requestsDone + this.#unfinished.size,
        itemsDone: this.#written + this.#skipped + this.#deletesDone,
        itemsTotal: this.#collector.instances + this.#deletesRead,
      });
    } catch (error) {
      this.#stop ??= { error };
    }
  }

  /** Sends a request (see `#bisect`); resolves to whether some of it was written. */
  async #send(request: Part): Promise<boolean> {
    const error = await this.#attempt(request);
    if (error === undefined) return true;
    if (
      isLastingServerError(error) &&
      sizeOf(request) > 1 &&
      !this.options.signal?.aborted
    )
      return this.#bisect(request);
    this.#fail(request, error, false);
    return false;
  }

  /**
   * A part failed with a lasting 5xx or 408: sends both halves, halving the one that fails down to
   * an item reported unknown; both failing (an outage) stops the apply. Whether some was written.
   */
  async #bisect(failed: Part): Promise<boolean> {
    const half = Math.ceil(sizeOf(failed) / 2);
    const failures: [Part, unknown][] = [];
    for (const part of [
      slicePart(failed, 0, half),
      slicePart(failed, half, sizeOf(failed)),
    ]) {
      const error = await this.#attempt(part);
      if (error !== undefined) failures.push([part, error]);
    }
    const [culprit, other] = failures;
    if (!culprit) return true;
    if (other || !isLastingServerError(culprit[1]))
      for (const [part, error] of failures) this.#fail(part, error, true);
    else if (sizeOf(culprit[0]) > 1) await this.#bisect(culprit[0]);
    else this.#failures.push([culprit[0], "unknown", culprit[1]]);
    // Some was written unless both halves failed.
    return !other;
  }

  /** One request through the HTTP client (which retries); the error, or undefined on success. */
  async #attempt(part: Part): Promise<unknown> {
    try {
      const signal = this.options.signal;
      const response = await this.concurrency.send(
        (onRetry) =>
          this.post(part, signal ? { signal, onRetry } : { onRetry }),
        signal,
      );
      const items = expectItems<SlimInstance>(response, APPLY_PATH);
      const deleted = (response as { deleted?: DeletedInstance[] }).deleted;
      if (deleted !== undefined && !Array.isArray(deleted))
        throw badAnswer(`"deleted" is no list`);
      // An id the API did not find is left out; one never sent, or named twice, is not vouched for.
      if (deleted?.length) matchAnswer(part.deletes, deleted, true);
      const mayLeaveOut = this.options.skipOnVersionConflict === true;
      const answers = matchAnswer(part.writes, items, mayLeaveOut);
      const slots = this.#slots;
      for (let i = 0; i < part.numbers.length; i++) {
        const number = part.numbers[i]!;
        const answer = answers[i];
        if (number < 0) {
          // An instance written before (counted there): its answer stands in until that one's.
          if (answer && slots && slots[~number] === undefined)
            slots[~number] = answer;
          continue;
        }
        if (answer) this.#written++;
        else this.#skipped++;
        if (slots) slots[number] = answer ?? idOf(part.writes[i]!);
      }
      this.#deletesDone += part.deletes.length;
      if (deleted && part.deletes.length)
        this.#deleted[part.firstDelete] = deleted;
      return undefined;
    } catch (error) {
      return error ?? new Error("the request failed without a reason");
    }
  }

  /** Records a failed part and stops the apply. After a 5xx the part may have been applied. */
  #fail(part: Part, error: unknown, afterServerError: boolean): void {
    const unknown = afterServerError || !provesNothingApplied(error);
    this.#failures.push([part, unknown ? "unknown" : "not-written", error]);
    this.#stop ??= { error };
  }

  /** The result, or the error that says what was and was not written. */
  finish(input: ApplyInputs): ApplyResult {
    const slots = this.#slots ?? [];
    // No stop: every failure is an item isolated by splitting (the apply went on, then fails).
    const [first] = this.#failures;
    const failure = this.#stop ?? (first && { error: first[2] });
    if (!failure) {
      const deleted = this.#deleted.flat();
      const items: SlimInstance[] = [];
      const skipped: InstanceId[] = [];
      for (const slot of slots)
        if (slot && "instanceType" in slot) items.push(slot);
        else if (slot) skipped.push(slot);
      const counts = {
        written: this.#written,
        skipped: this.#skipped,
        deleted: deleted.length,
      };
      return { items, skipped, deleted, counts };
    }
    // A check that failed before anything went out is thrown as it is: nothing was written.
    const started = this.#requests - this.#ready.length;
    if (started === 0 && !this.options.signal?.aborted) throw failure.error;
    // Not written: what was never sent, the input that failed its checks and the rest of an
    // array (a stream's rest is never read).
    const unread = Array.isArray(input)
      ? (input as ApplyInput[]).slice(this.#itemsRead)
      : [];
    if (this.#rejected) unread.push(this.#rejected.input);
    const writes = this.#collector.writes().concat(unread.flatMap(writesOf));
    const unsent = { writes, numbers: [], deletes: [], firstDelete: 0 };
    for (const part of [...this.#ready, unsent])
      this.#failures.push([part, "not-written"]);
    // Each write listed once, "unknown" winning; a delete not failed or unsent was deleted.
    const failed = new Map<string, [Outcome, InstanceId]>();
    const keyOf = (id: InstanceId) => `${id.space}\u0000${id.externalId}`;
    const deletes: Outcome[] = [];
    for (const [part, outcome] of this.#failures) {
      for (const write of part.writes)
        if (failed.get(keyOf(write))?.[0] !== "unknown")
          failed.set(keyOf(write), [outcome, idOf(write)]);
      for (let i = 0; i < part.deletes.length; i++)
        deletes[part.firstDelete + i] = outcome;
    }
    // A written instance that a later request failed to write again is listed as that one.
    const written: InstanceId[] = [];
    for (const slot of slots)
      if (slot && !failed.has(keyOf(slot))) written.push(idOf(slot));
    const counts = this.#slots === undefined;
    const lists: Record<Outcome, InstanceId[]> = {
      "not-written": [],
      unknown: [],
      deleted: counts ? [] : written,
    };
    for (const [outcome, id] of failed.values()) lists[outcome].push(id);
    (this.options.delete ?? []).forEach((item, i) =>
      lists[
        deletes[i] ?? (i < this.#deletesTaken ? "deleted" : "not-written")
      ].push(idOf(item)),
    );
    const report: ApplyProgressReport = {
      written,
      notWritten: lists["not-written"],
      unknown: lists.unknown,
      ...(counts ? { writtenCount: this.#written + this.#skipped } : {}),
    };
    if (failure.error instanceof VersionConflictError)
      throw new ApplyVersionConflictError(failure.error, report);
    throw new ApplyFailedError({
      ...report,
      cause: failure.error,
      aborted: this.options.signal?.aborted === true,
    });
  }
}

/** Adds one input to a collector; `index` is its place in the input (for error messages). */
function addInput(
  collector: WriteCollector,
  input: ApplyInput,
  index: number,
): void {
  if (collectsWrites(input)) return collector.addRoot(input);
  const writes =
    typeof (input as Partial<ToInstanceWrites> | null)?.toInstanceWrites ===
    "function"
      ? (input as ToInstanceWrites).toInstanceWrites()
      : [input as InstanceWrite];
  for (const write of writes) {
    checkRawWrite(write, index);
    collector.push(write, index);
  }
}

/** The writes of an input, nested objects included, for the failure report; never throws. */
function writesOf(input: ApplyInput): InstanceWrite[] {
  try {
    const collector = new WriteCollector();
    addInput(collector, input, 0);
    return collector.writes();
  } catch {
    // An input that fails its own checks: named by its id when it has one.
    return isInstanceId(input) ? [input as InstanceWrite] : [];
  }
}

function sizeOf(part: Part): number {
  return part.writes.length + part.deletes.length;
}

function slicePart(part: Part, from: number, to: number): Part {
  const writes = part.writes.length;
  const deleteFrom = Math.max(0, from - writes);
  return {
    writes: part.writes.slice(from, to),
    numbers: part.numbers.slice(from, to),
    deletes: part.deletes.slice(deleteFrom, Math.max(0, to - writes)),
    firstDelete: part.firstDelete + deleteFrom,
  };
}

/**
 * The answer's items per write (`undefined`: left out), or a `ProtocolError` unless they name
 * exactly the request's instances, each once (`mayLeaveOut`: skipOnVersionConflict may skip some).
 */
function matchAnswer<T extends SlimInstance | DeletedInstance>(
  writes: readonly (InstanceWrite | InstanceDelete)[],
  items: readonly T[],
  mayLeaveOut: boolean,
): readonly (T | undefined)[] {
  // The API answers in the request's order: then no index is built.
  if (
    items.length === writes.length &&
    items.every((item, i) => sameInstance(item, writes[i]!))
  )
    return items;
  const positions = new Map(
    writes.map((write, at) => [describeItem(write), at]),
  );
  const answers = new Array<T | undefined>(writes.length);
  for (const item of items) {
    const what = describeItem(item);
    const at = positions.get(what);
    if (at === undefined || answers[at])
      throw badAnswer(
        `it names ${what}${at === undefined ? ", which its request did not send" : " twice"}`,
      );
    answers[at] = item;
  }
  const missing = writes.length - items.length;
  if (missing > 0 && !mayLeaveOut)
    throw badAnswer(
      `it leaves out ${missing} of the ${writes.length} instances its request wrote (the first: ${describeItem(writes[answers.findIndex((a) => !a)])}), and skipOnVersionConflict was not set`,
    );
  return answers;
}

/** An answer item as an error names it: `node s:x`, or its JSON when it is no instance id. */
function describeItem(item: unknown): string {
  const { instanceType, space, externalId } = (item ?? {}) as SlimInstance;
  return (instanceType === "node" || instanceType === "edge") &&
    isInstanceId(item)
    ? `${instanceType} ${space}:${externalId}`
    : `an item that is no instance id (${JSON.stringify(item)?.slice(0, 80)})`;
}

function badAnswer(detail: string): ProtocolError {
  return new ProtocolError({
    problem: "unexpected-instances",
    method: "POST",
    url: APPLY_PATH,
    detail: `a successful apply answer cannot be vouched for: ${detail}`,
  });
}

/** A 5xx or 408 that outlasted the retries: worth splitting the request. */
function isLastingServerError(error: unknown): boolean {
  return (
    error instanceof DmsError && (error.status >= 500 || error.status === 408)
  );
}

/** True when the error proves that the server did not process the request. */
function provesNothingApplied(error: unknown): boolean {
  if (mayHaveApplied(error) || isAbortError(error)) return false;
  if (error instanceof DmsError)
    return error.status < 500 && error.status !== 408;
  if (error instanceof ProtocolError) return error.problem === "redirect";
  // Value checks run as the input is read, never inside a request.
  return error instanceof TokenError;
}

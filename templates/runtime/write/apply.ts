// The apply engine: turns any number of instance writes (and deletes) into requests of at most
// 1000, orders nodes before the edges that need them, sends them with bounded concurrency, and
// merges the results back into input order. When a request fails for good, the error says which
// instances were written, which were not, and which are unknown (their request was in flight).

import {
  ApplyFailedError,
  ApplyVersionConflictError,
  DmsError,
  InvalidValueError,
  isAbortError,
  mayHaveApplied,
  ProtocolError,
  TokenError,
  VersionConflictError,
} from "../core/errors.js";
import {
  WriteCollector,
  assertFiniteNumbers,
  checkRawWrite,
  collectsWrites,
  sameValue,
  type CollectsWrites,
} from "../model/collect.js";
import { expectItems, type RequestOptions } from "../core/http.js";
import { AdaptiveConcurrency } from "../core/concurrency.js";
import type { Clock } from "../core/retry.js";
import { exactJsonParser, JsonText, stringifyJson } from "../core/json.js";
import { PropertyValueError } from "../model/values.js";
import type {
  ApplyFlags,
  ApplyResponse,
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

/** Anything that knows its wire form: generated apply classes implement this. */
export interface ToInstanceWrites {
  /** The instance writes for this object: the node or edge itself, and its edges and nested nodes. */
  toInstanceWrites(): InstanceWrite[];
}

/** What `applyInstances` accepts: raw wire items or objects that expand to them. */
export type ApplyInput = InstanceWrite | ToInstanceWrites | CollectsWrites;

/** Progress after each finished request. The totals grow as the input is read. */
export interface ApplyProgress {
  readonly requestsDone: number;
  /** Requests done plus those built and not yet finished. */
  readonly requestsTotal: number;
  /** Writes and deletes whose request succeeded. */
  readonly itemsDone: number;
  /**
   * Writes and deletes known so far: one write per instance (inputs and the nested apply objects
   * they reference, each once), as `itemsDone` counts them.
   */
  readonly itemsTotal: number;
}

/** Options of an apply. Flags not given are left to the API's defaults. */
export interface ApplyOptions extends ApplyFlags {
  /** Instances to delete in the same operation (after the writes). */
  readonly delete?: readonly InstanceDelete[];
  /**
   * Requests in flight at most: 1 to 16. Default 4, CDF's default project limit of concurrent
   * applies; raise it for a project with a raised limit. On a 429 the apply halves it (and waits
   * out `Retry-After`), then raises it by one after a run of successes, so that writers sharing a
   * project share its budget.
   */
  readonly concurrency?: number;
  /** Items (writes plus deletes) per request, at most 1000. Default 1000. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ApplyProgress) => void;
  /**
   * What the result keeps. `"items"` (the default): one entry per written instance. `"counts"`:
   * counts only, so that memory stays bounded by the requests in flight however large the input
   * (a streamed apply of millions); on failure the error lists the instances not written and
   * unknown, and counts the written ones (`writtenCount`) instead of listing them.
   */
  readonly report?: "items" | "counts";
}

/** How many instances an apply wrote, skipped and deleted. */
export interface ApplyCounts {
  readonly written: number;
  /** Left as they were on a version conflict (`skipOnVersionConflict`). */
  readonly skipped: number;
  readonly deleted: number;
}

/** The merged outcome of an apply. */
export interface ApplyResult {
  /**
   * One entry per written instance, in input order (after expansion and de-duplication). Empty
   * with `report: "counts"`.
   */
  readonly items: SlimInstance[];
  /**
   * Instances the API left out of its answer: skipped on a version conflict. Empty with
   * `report: "counts"`.
   */
  readonly skipped: InstanceId[];
  /** Deleted instances, in the order of `options.delete` (missing ones are not listed). */
  readonly deleted: DeletedInstance[];
  /** The numbers of written, skipped and deleted instances (in every report mode). */
  readonly counts: ApplyCounts;
}

export const MAX_ITEMS_PER_REQUEST = 1000;
export const DEFAULT_APPLY_CONCURRENCY = 4;
export const MAX_APPLY_CONCURRENCY = 16;
export const DEFAULT_DELETE_CONCURRENCY = 2;
export const MAX_DELETE_CONCURRENCY = 8;

/** What `apply` reads: an array, any iterable, or an async iterable (read as it is sent). */
export type ApplyInputs = Iterable<ApplyInput> | AsyncIterable<ApplyInput>;

/**
 * Applies instance writes and deletes through `POST /models/instances`, streaming: the input is
 * read as requests go out, with at most twice `concurrency` requests built ahead, so memory
 * follows the request size rather than the input size. Nodes go before edges in each window of
 * the input; an edge request waits for the unfinished requests that write its start or end node.
 * A request that keeps failing with a 5xx or 408 after its retries is split in halves, down to
 * single items, so one poisoned item does not stop the rest.
 */
export async function applyInstances(
  http: JsonPoster,
  input: ApplyInputs,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const chunkSize = checkedChunkSize(options.chunkSize);
  const concurrency = new AdaptiveConcurrency(
    checkedConcurrency(
      options.concurrency,
      DEFAULT_APPLY_CONCURRENCY,
      MAX_APPLY_CONCURRENCY,
    ),
    http.clock,
  );
  const flags = applyFlags(options);
  // The flags as members to append to a body serialized ahead: `,"replace":true`, or nothing.
  const flagsJson = Object.keys(flags).length
    ? `,${stringifyJson(flags).slice(1, -1)}`
    : "";
  const run = new ApplyRun(
    (body, signal) =>
      concurrency.send(
        (onRetry) =>
          http.postJson<unknown>(
            APPLY_PATH,
            "itemsJson" in body
              ? new JsonText(`{"items":${body.itemsJson}${flagsJson}}`)
              : { ...body, ...flags },
            signal ? { signal, onRetry } : { onRetry },
          ),
        signal,
      ),
    concurrency,
    options,
  );
  const builder = new RequestBuilder(chunkSize);
  await run.drive(builder, readInputs(input), options.delete ?? []);
  return run.finish(input);
}

const APPLY_PATH = "/models/instances";

/** Options of a bulk delete. */
export interface DeleteOptions {
  /**
   * Requests in flight at most: 1 to 8. Default 2, CDF's default project limit of concurrent
   * deletes; adapts to 429s as an apply's does.
   */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

const DELETE_PATH = "/models/instances/delete";

/** Deletes instances through `POST /models/instances/delete`, 1000 per request. */
export async function deleteInstances(
  http: JsonPoster,
  ids: readonly InstanceDelete[],
  options: DeleteOptions = {},
): Promise<DeletedInstance[]> {
  const concurrency = new AdaptiveConcurrency(
    checkedConcurrency(
      options.concurrency,
      DEFAULT_DELETE_CONCURRENCY,
      MAX_DELETE_CONCURRENCY,
    ),
    http.clock,
  );
  const plan = planApplyRequests([], ids, MAX_ITEMS_PER_REQUEST);
  const run = await runRequests(plan, {
    concurrency,
    signal: options.signal,
    send: async (request, signal) => ({
      items: expectItems<DeletedInstance>(
        await concurrency.send(
          (onRetry) =>
            http.postJson<unknown>(
              DELETE_PATH,
              { items: request.deletes.map((position) => ids[position]) },
              signal ? { signal, onRetry } : { onRetry },
            ),
          signal,
        ),
        DELETE_PATH,
      ),
    }),
    onDone: () => {},
  });
  if (run.failure) {
    throw applyFailure(plan, run, [], ids, options.signal);
  }
  return run.results.flatMap((response) => response?.items ?? []);
}

// ---- planning (pure)

/** One request of an apply: positions into the write and delete arrays. */
export interface PlannedRequest {
  /** Positions in the writes array (nodes first, then edges). */
  readonly writes: readonly number[];
  /** Positions in the deletes array. */
  readonly deletes: readonly number[];
  /** Indexes of earlier requests that must succeed before this one starts. */
  readonly dependsOn: readonly number[];
}

/**
 * Splits writes and deletes into requests of at most `chunkSize` items: nodes first, then edges,
 * then deletes. A request with edges waits for the earlier requests that write its start or end
 * nodes; a request with deletes waits for every earlier request.
 */
export function planApplyRequests(
  writes: readonly InstanceWrite[],
  deletes: readonly InstanceDelete[],
  chunkSize: number = MAX_ITEMS_PER_REQUEST,
): PlannedRequest[] {
  const order: { kind: "write" | "delete"; position: number }[] = [];
  writes.forEach((write, position) => {
    if (write.instanceType === "node") order.push({ kind: "write", position });
  });
  writes.forEach((write, position) => {
    if (write.instanceType === "edge") order.push({ kind: "write", position });
  });
  deletes.forEach((_, position) => order.push({ kind: "delete", position }));

  // Only edges need to know which request wrote a node; skip the index when there are none.
  const hasEdges = writes.some((write) => write.instanceType === "edge");
  const requestOfNode = hasEdges ? new InstanceIndex() : undefined;
  const plan: PlannedRequest[] = [];
  for (let start = 0; start < order.length; start += chunkSize) {
    const index = plan.length;
    const slice = order.slice(start, start + chunkSize);
    const writePositions: number[] = [];
    const deletePositions: number[] = [];
    const dependsOn = new Set<number>();
    for (const entry of slice) {
      if (entry.kind === "delete") {
        deletePositions.push(entry.position);
        continue;
      }
      writePositions.push(entry.position);
      if (!requestOfNode) continue;
      const write = writes[entry.position] as InstanceWrite;
      if (write.instanceType === "node") {
        requestOfNode.set("node", write, index);
      } else {
        for (const end of [write.startNode, write.endNode]) {
          const dependency = requestOfNode.get("node", end);
          if (dependency !== undefined && dependency !== index) {
            dependsOn.add(dependency);
          }
        }
      }
    }
    if (deletePositions.length > 0) {
      // After every write; deletes need no order among themselves, so they run concurrently.
      for (let earlier = 0; earlier < index; earlier++)
        if ((plan[earlier] as PlannedRequest).writes.length > 0)
          dependsOn.add(earlier);
    }
    plan.push({
      writes: writePositions,
      deletes: deletePositions,
      dependsOn: [...dependsOn].sort((a, b) => a - b),
    });
  }
  return plan;
}

/**
 * Every write of the input, one item per instance, in input order: raw items checked for NaN and
 * Infinity, apply objects expanded (with their nested nodes and edges), writes of one instance
 * merged by the one write-merge policy of `WriteCollector` (conflicting values are an error).
 */
export function prepareWrites(input: Iterable<ApplyInput>): InstanceWrite[] {
  const collector = new WriteCollector();
  let position = 0;
  for (const item of input) collector.addInput(item, position++);
  return collector.writesInOrder();
}

/**
 * A map from instance id to a value (a number by default), nested by type and space so that no
 * key strings are built (this runs for every item of large applies).
 */
export class InstanceIndex<V = number> {
  readonly #bySpace = {
    node: new Map<string, Map<string, V>>(),
    edge: new Map<string, Map<string, V>>(),
  };
  // The ids of the space last asked for: large applies are mostly of one space.
  #lastType: string | undefined;
  #lastSpace: string | undefined;
  #lastIds: Map<string, V> | undefined;

  get(instanceType: "node" | "edge", id: InstanceId): V | undefined {
    return this.#ids(instanceType, id.space)?.get(id.externalId);
  }

  set(instanceType: "node" | "edge", id: InstanceId, value: V): void {
    let ids = this.#ids(instanceType, id.space);
    if (!ids) {
      ids = new Map();
      this.#bySpace[instanceType].set(id.space, ids);
      this.#remember(instanceType, id.space, ids);
    }
    ids.set(id.externalId, value);
  }

  delete(instanceType: "node" | "edge", id: InstanceId): void {
    const ids = this.#ids(instanceType, id.space);
    ids?.delete(id.externalId);
    if (ids?.size === 0) {
      this.#bySpace[instanceType].delete(id.space);
      this.#remember(undefined, undefined, undefined);
    }
  }

  #ids(instanceType: string, space: string): Map<string, V> | undefined {
    if (space === this.#lastSpace && instanceType === this.#lastType)
      return this.#lastIds;
    const ids = this.#bySpace[instanceType as "node" | "edge"].get(space);
    if (ids) this.#remember(instanceType, space, ids);
    return ids;
  }

  #remember(
    instanceType: string | undefined,
    space: string | undefined,
    ids: Map<string, V> | undefined,
  ): void {
    this.#lastType = instanceType;
    this.#lastSpace = space;
    this.#lastIds = ids;
  }
}

export { assertFiniteNumbers };

/**
 * The instances an apply has written so far, each with the position of its first write: an
 * open-addressing table of 64-bit hashes of (type, space, external id) in typed arrays, about 24
 * bytes per instance and no key kept alive (an `InstanceIndex` of a million instances held 190 MiB
 * more than a `report: "counts"` apply needs). Two instances of one apply share a hash with a
 * chance of about n^2 / 2^65 (1 in 30 million for a million instances): the later one would then
 * be counted as written before, though still sent.
 */
export class SentInstances {
  /** Per slot: the hash's two halves and the position plus one (0: an empty slot), together. */
  #slots = new Int32Array(3 * 1024);
  #capacity = 1024;
  #size = 0;

  get(instanceType: "node" | "edge", id: InstanceId): number | undefined {
    const at = this.#find(instanceType, id);
    const stored = this.#slots[at + 2] as number;
    return stored === 0 ? undefined : stored - 1;
  }

  /** The position of an instance recorded before; else records it at `position` (undefined). */
  addNew(
    instanceType: "node" | "edge",
    id: InstanceId,
    position: number,
  ): number | undefined {
    if (2 * (this.#size + 1) > this.#capacity) this.#grow();
    const at = this.#find(instanceType, id);
    const stored = this.#slots[at + 2] as number;
    if (stored !== 0) return stored - 1;
    this.#slots[at] = hashA;
    this.#slots[at + 1] = hashB;
    this.#slots[at + 2] = position + 1;
    this.#size++;
    return undefined;
  }

  /** Where an instance's hash is, or the empty slot where it belongs (sets `hashA/B`). */
  #find(instanceType: "node" | "edge", id: InstanceId): number {
    hashInstance(instanceType, id);
    const slots = this.#slots;
    const mask = this.#capacity - 1;
    for (let slot = hashA & mask; ; slot = (slot + 1) & mask) {
      const at = 3 * slot;
      if (slots[at + 2] === 0) return at;
      if (slots[at] === hashA && slots[at + 1] === hashB) return at;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#capacity *= 2;
    const slots = new Int32Array(3 * this.#capacity);
    const mask = this.#capacity - 1;
    for (let from = 0; from < old.length; from += 3) {
      if (old[from + 2] === 0) continue;
      let slot = (old[from] as number) & mask;
      while (slots[3 * slot + 2] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(from, from + 3), 3 * slot);
    }
    this.#slots = slots;
  }
}

// The two 32-bit halves of the last instance hashed (no object per lookup).
let hashA = 0;
let hashB = 0;

/** Two 32-bit FNV-1a style hashes (different seeds and primes) of type, space and external id. */
function hashInstance(instanceType: "node" | "edge", id: InstanceId): void {
  hashA = instanceType === "node" ? 0x811c9dc5 : 0x050c5d1f;
  hashB = instanceType === "node" ? 0x9747b28c : 0x3c6ef372;
  mixIntoHash(id.space);
  mixIntoHash(id.externalId);
  // Int32 values, as the table stores them.
  hashA = (hashA ^ (hashA >>> 16)) | 0;
  hashB = (hashB ^ (hashB >>> 13)) | 0;
}

function mixIntoHash(text: string): void {
  let a = hashA;
  let b = hashB;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // The length (above any char code), so that ("ab", "c") and ("a", "bc") differ.
  hashA = Math.imul(a ^ (0x10000 + text.length), 0x01000193);
  hashB = Math.imul(b ^ (0x10000 + text.length), 0x5bd1e995);
}

function applyFlags(options: ApplyOptions): ApplyFlags {
  const flags: ApplyFlags = {};
  if (options.autoCreateDirectRelations !== undefined) {
    flags.autoCreateDirectRelations = options.autoCreateDirectRelations;
  }
  if (options.autoCreateStartNodes !== undefined)
    flags.autoCreateStartNodes = options.autoCreateStartNodes;
  if (options.autoCreateEndNodes !== undefined)
    flags.autoCreateEndNodes = options.autoCreateEndNodes;
  if (options.skipOnVersionConflict !== undefined) {
    flags.skipOnVersionConflict = options.skipOnVersionConflict;
  }
  if (options.replace !== undefined) flags.replace = options.replace;
  return flags;
}

function checkedChunkSize(chunkSize: number | undefined): number {
  const size = chunkSize ?? MAX_ITEMS_PER_REQUEST;
  if (!Number.isInteger(size) || size < 1 || size > MAX_ITEMS_PER_REQUEST) {
    throw new RangeError(
      `chunkSize must be an integer from 1 to ${MAX_ITEMS_PER_REQUEST}, got ${size}`,
    );
  }
  return size;
}

/** Checks a concurrency option against the project limit. */
export function checkedConcurrency(
  value: number | undefined,
  fallback: number,
  max: number,
): number {
  const concurrency = value ?? fallback;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > max) {
    throw new RangeError(
      `concurrency must be an integer from 1 to ${max}, got ${concurrency}`,
    );
  }
  return concurrency;
}

// ---- running

type RequestState = "unsent" | "in-flight" | "done" | "failed" | "unknown";

interface RunOutcome<R> {
  readonly results: (R | undefined)[];
  readonly states: RequestState[];
  readonly failure: { readonly error: unknown } | undefined;
}

interface RunContext<R> {
  readonly concurrency: { readonly limit: number };
  readonly signal: AbortSignal | undefined;
  readonly send: (
    request: PlannedRequest,
    signal: AbortSignal | undefined,
  ) => Promise<R>;
  readonly onDone: (request: PlannedRequest) => void;
}

/**
 * Sends planned requests in order, at most `concurrency` at a time, each after its dependencies.
 * After the first failure no new request starts; those in flight are allowed to finish so their
 * outcome is known.
 */
async function runRequests<R>(
  plan: readonly PlannedRequest[],
  context: RunContext<R>,
): Promise<RunOutcome<R>> {
  const states: RequestState[] = plan.map(() => "unsent");
  const results: (R | undefined)[] = plan.map(() => undefined);
  let failure: { error: unknown } | undefined;
  let next = 0;
  let running = 0;
  if (plan.length === 0) return { results, states, failure };
  await new Promise<void>((resolve) => {
    const ready = (request: PlannedRequest): boolean =>
      request.dependsOn.every((dependency) => states[dependency] === "done");
    const pump = (): void => {
      while (
        !failure &&
        running < context.concurrency.limit &&
        next < plan.length
      ) {
        const request = plan[next] as PlannedRequest;
        if (!ready(request)) break;
        if (context.signal?.aborted) {
          failure = { error: context.signal.reason };
          break;
        }
        const index = next++;
        running++;
        states[index] = "in-flight";
        context
          .send(request, context.signal)
          .then(
            (result) => {
              results[index] = result;
              states[index] = "done";
              try {
                context.onDone(request);
              } catch (error) {
                failure ??= { error };
              }
            },
            (error: unknown) => {
              states[index] = failedState(error);
              failure ??= { error };
            },
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running === 0 && (failure !== undefined || next >= plan.length))
        resolve();
    };
    pump();
  });
  return { results, states, failure };
}

/** A request the server rejected unprocessed was not written; any other may have been. */
function failedState(error: unknown): RequestState {
  return provesNothingApplied(error) ? "failed" : "unknown";
}

function applyFailure<R>(
  plan: readonly PlannedRequest[],
  run: RunOutcome<R>,
  writes: readonly InstanceWrite[],
  deletes: readonly InstanceDelete[],
  signal: AbortSignal | undefined,
): ApplyFailedError {
  const written: InstanceId[] = [];
  const notWritten: InstanceId[] = [];
  const unknown: InstanceId[] = [];
  plan.forEach((request, index) => {
    const state = run.states[index];
    const target =
      state === "done"
        ? written
        : state === "unknown" || state === "in-flight"
          ? unknown
          : notWritten;
    for (const position of request.writes)
      target.push(idOf(writes[position] as InstanceWrite));
    for (const position of request.deletes)
      target.push(idOf(deletes[position] as InstanceDelete));
  });
  return new ApplyFailedError({
    written,
    notWritten,
    unknown,
    cause: run.failure?.error,
    aborted: signal?.aborted === true,
  });
}

function idKey(id: InstanceId): string {
  return `${id.space}\u0000${id.externalId}`;
}

function idOf(instance: InstanceId): InstanceId {
  return { space: instance.space, externalId: instance.externalId };
}

// ---- streaming apply: building requests from the input as they are sent

/**
 * Writes (or deletes) of a request, with their positions in the apply (which keep input order). A
 * write of an instance that an earlier request of the apply wrote already has the position
 * `~first` (negative; `first` is that instance's position): it is sent, but counted and listed
 * once, at `first`.
 */
interface Part<T> {
  readonly items: readonly T[];
  readonly positions: readonly number[];
}

const NO_DELETES: Part<InstanceDelete> = { items: [], positions: [] };

/** What a request keeps of a write once its body is serialized: which instance it writes. */
interface WriteId extends InstanceId {
  readonly instanceType: "node" | "edge";
}

/** A request built from the input, waiting to be sent or being sent. */
interface BuiltRequest {
  readonly id: number;
  /**
   * Writes: its nodes first, then its edges (see `WriteNumbers`). When `itemsJson` is set, only
   * their ids; else the writes themselves.
   */
  readonly writes: Part<WriteId>;
  /** The writes as the JSON list the body sends, serialized when the request was built. */
  readonly itemsJson: string | undefined;
  readonly numbers: WriteNumbers;
  readonly deletes: Part<InstanceDelete>;
  /** Unfinished requests that write a start or end node of this request's edges. */
  readonly dependsOn: readonly number[];
  /** A request with deletes waits until every earlier request has finished. */
  readonly barrier: boolean;
}

/**
 * Where a request's writes sit in the order the collector numbered them (see `WriteCollector.take`):
 * its `nodes` node writes are node numbers `firstNode`, `firstNode + 1`, ...; the edge writes after
 * them are edge numbers `firstEdge`, `firstEdge + 1`, ...
 */
interface WriteNumbers {
  readonly nodes: number;
  readonly firstNode: number;
  readonly firstEdge: number;
}

/** Reads sync iterables without a microtask per item; async ones with one. */
interface InputSource {
  next(): IteratorResult<ApplyInput> | Promise<IteratorResult<ApplyInput>>;
  /** Closes the source early (a generator's `finally` runs). */
  close(): void;
}

function readInputs(input: ApplyInputs): InputSource {
  if (Symbol.asyncIterator in input) {
    const iterator = input[Symbol.asyncIterator]();
    return {
      next: () => iterator.next(),
      close: () => void iterator.return?.()?.catch(() => {}),
    };
  }
  if (Array.isArray(input) && isPlainArrayIterator(input)) {
    // Read by index into one result object, reused: the iterator's new result object per item
    // was 6 % of a typed apply's allocations. (`pull` reads each result before the next.)
    const array: readonly ApplyInput[] = input;
    const step = { done: false as const, value: undefined as unknown };
    let index = 0;
    return {
      next: () => {
        if (index >= array.length) return { done: true, value: undefined };
        step.value = array[index++];
        return step as IteratorResult<ApplyInput>;
      },
      close: () => {},
    };
  }
  const iterator = input[Symbol.iterator]();
  return { next: () => iterator.next(), close: () => iterator.return?.() };
}

/** Whether iterating an array is reading it by index (no iterator of its own or of a subclass). */
function isPlainArrayIterator(array: readonly unknown[]): boolean {
  return array[Symbol.iterator] === Array.prototype[Symbol.iterator];
}

const NO_REQUESTS: readonly BuiltRequest[] = Object.freeze([]);

/** Finished writes the collector's index may keep before it is rebuilt. */
const STALE_WRITES_KEPT = 16_384;

/**
 * Turns the input into requests of at most `chunkSize` items. Every input goes into one
 * `WriteCollector` for the current window of the input, which keeps nodes and edges apart and
 * merges the writes of one instance as they come; a full batch of nodes or edges is taken out as a
 * request (pending nodes first when the edges need them); what is left at the end goes out as
 * nodes, edges, then deletes. The collector numbers every write and keeps, per instance, the
 * number of its latest one, taken or not: from a number the builder finds the unfinished request
 * that wrote an instance, with no index of its own. The collector forgets the writes of finished
 * requests now and then, so memory stays bounded.
 *
 * Write-merge policy while streaming (the input is never held whole): writes of one instance within
 * a window merge by the collector's policy (a conflict is a `ConflictingWritesError` naming both
 * writers), so each request holds one item per instance. An instance written again after its
 * request was built goes out again in a later request, which (when the two writes differ) waits
 * for the unfinished request that wrote it before: the API merges the two writes property by
 * property, the later value winning. Conflicts across windows are therefore not detected;
 * `collectWrites` (or an array input smaller than one request) checks a whole input at once. Such
 * a write is counted once: it takes the position of the instance's first write (`Part`).
 */
class RequestBuilder {
  readonly #window = new WriteCollector();
  /** The positions of the window's nodes and edges (parallel to the collector's lists). */
  readonly #positions = { node: [] as number[], edge: [] as number[] };
  /** Writes of finished requests the collector's index may still hold. */
  #stale = 0;
  /** Node writes in unfinished requests. */
  #unfinishedNodes = 0;
  /** Unfinished requests, in the order they were built. */
  readonly #unfinished = new Map<number, BuiltRequest>();
  /** Writes of unfinished requests parsed back from their text (see `#writesOf`). */
  readonly #parsed = new Map<number, readonly InstanceWrite[]>();
  /**
   * The position of every instance written so far (its first write): a write of it after its
   * request was taken is sent again but counted once (within the window, writes merge). The one
   * index that grows with the input (24 bytes an instance).
   */
  readonly #sent = new SentInstances();
  #nextId = 0;
  positions = 0;
  itemsRead = 0;
  /** Deletes read (they come after the writes). */
  deletesRead = 0;
  /** The input that failed its checks (the apply stops there): not written either. */
  rejected: { readonly input: ApplyInput } | undefined;

  constructor(readonly chunkSize: number) {}

  /** Reads input until at least one request is ready, or to its end (then `done`). */
  async pull(
    source: InputSource,
    deletes: readonly InstanceDelete[],
  ): Promise<{ requests: readonly BuiltRequest[]; done: boolean }> {
    for (;;) {
      const next = source.next();
      const step = next instanceof Promise ? await next : next;
      if (step.done) return { requests: this.#finish(deletes), done: true };
      let requests: readonly BuiltRequest[];
      try {
        requests = this.#add(step.value);
      } catch (error) {
        this.rejected = { input: step.value };
        throw error;
      }
      if (requests.length > 0) return { requests, done: false };
    }
  }

  /** Writes read but not yet in a request (not written when the apply stops). */
  unbatched(): Part<InstanceWrite> {
    return {
      items: [...this.#window.peek("node"), ...this.#window.peek("edge")],
      positions: [...this.#positions.node, ...this.#positions.edge],
    };
  }

  /** Called when a request has finished: its writes no longer hold later requests back. */
  forget(request: BuiltRequest): void {
    this.#unfinished.delete(request.id);
    this.#parsed.delete(request.id);
    this.#unfinishedNodes -= request.numbers.nodes;
    this.#stale += request.writes.items.length;
    // The index keeps at most a few requests' worth of finished writes: bounded memory, and no
    // lookup per write when a request finishes.
    if (this.#stale < STALE_WRITES_KEPT) return;
    this.#stale = 0;
    const requests = [...this.#unfinished.values()];
    this.#window.forgetTaken("node", numberedWrites(requests, "node"));
    this.#window.forgetTaken("edge", numberedWrites(requests, "edge"));
  }

  #add(input: ApplyInput): readonly BuiltRequest[] {
    const index = this.itemsRead++;
    const window = this.#window;
    if (collectsWrites(input)) {
      // An apply object and what it references: it checks its values as it converts them.
      const nodes = window.count("node");
      const edges = window.count("edge");
      try {
        window.addRoot(input);
      } finally {
        // New writes get positions, nodes first (merged ones keep the first one's).
        this.#place("node", nodes);
        this.#place("edge", edges);
      }
    } else if (
      typeof input === "object" &&
      input !== null &&
      "toInstanceWrites" in input &&
      typeof input.toInstanceWrites === "function"
    ) {
      for (const write of input.toInstanceWrites()) this.#addRaw(write, index);
    } else {
      this.#addRaw(input as InstanceWrite, index);
    }
    // Most inputs complete no request: no list is made for them.
    if (
      window.count("node") < this.chunkSize &&
      window.count("edge") < this.chunkSize
    )
      return NO_REQUESTS;
    const requests: BuiltRequest[] = [];
    while (window.count("node") >= this.chunkSize)
      requests.push(this.#take("node", this.chunkSize));
    while (window.count("edge") >= this.chunkSize) {
      if (this.#edgesNeedPendingNodes())
        requests.push(this.#take("node", window.count("node")));
      requests.push(this.#take("edge", this.chunkSize));
    }
    return requests;
  }

  /** A raw write (or one of an object's `toInstanceWrites`), positioned in the order it comes. */
  #addRaw(write: InstanceWrite, index: number): void {
    checkRawWrite(write, index);
    const window = this.#window;
    const nodes = window.count("node");
    const edges = window.count("edge");
    window.addFrom(write, index);
    this.#place("node", nodes);
    this.#place("edge", edges);
  }

  #place(instanceType: "node" | "edge", from: number): void {
    const positions = this.#positions[instanceType];
    const writes = this.#window.peek(instanceType);
    for (let i = from; i < writes.length; i++) {
      // A new write in the window: its instance's first, or one an earlier request wrote.
      const write = writes[i] as InstanceWrite;
      const first = this.#sent.addNew(instanceType, write, this.positions);
      positions.push(first === undefined ? this.positions++ : ~first);
    }
  }

  /** Whether one of the next request's edges starts or ends at a node not yet in a request. */
  #edgesNeedPendingNodes(): boolean {
    if (this.#window.count("node") === 0) return false;
    const edges = this.#window.peek("edge");
    for (let i = 0; i < this.chunkSize && i < edges.length; i++) {
      const edge = edges[i] as InstanceWrite;
      if (
        edge.instanceType === "edge" &&
        (this.#window.has("node", edge.startNode) ||
          this.#window.has("node", edge.endNode))
      )
        return true;
    }
    return false;
  }

  #take(instanceType: "node" | "edge", count: number): BuiltRequest {
    const window = this.#window;
    const numbers: WriteNumbers = {
      nodes: instanceType === "node" ? count : 0,
      firstNode: window.takenCount("node"),
      firstEdge: window.takenCount("edge"),
    };
    const positions = this.#positions[instanceType].splice(0, count);
    const items = window.take(instanceType, count);
    return this.#emit({ items, positions }, NO_DELETES, numbers);
  }

  #finish(deletes: readonly InstanceDelete[]): BuiltRequest[] {
    const window = this.#window;
    const { items, positions } = this.unbatched();
    const nodes = window.count("node");
    const firstNode = window.takenCount("node");
    const firstEdge = window.takenCount("edge");
    window.take("node", nodes);
    window.take("edge", window.count("edge"));
    this.#positions.node.length = 0;
    this.#positions.edge.length = 0;
    this.itemsRead += deletes.length;
    this.deletesRead = deletes.length;
    const requests: BuiltRequest[] = [];
    const total = items.length + deletes.length;
    for (let start = 0; start < total; start += this.chunkSize) {
      const end = start + this.chunkSize;
      const from = Math.max(0, start - items.length);
      const to = Math.max(0, end - items.length);
      const numbers: WriteNumbers = {
        nodes: Math.max(0, Math.min(end, nodes) - start),
        firstNode: firstNode + Math.min(start, nodes),
        firstEdge: firstEdge + Math.max(0, start - nodes),
      };
      requests.push(
        this.#emit(
          {
            items: items.slice(start, end),
            positions: positions.slice(start, end),
          },
          {
            items: deletes.slice(from, to),
            positions: range(from, Math.min(to, deletes.length)),
          },
          numbers,
        ),
      );
    }
    return requests;
  }

  #emit(
    writes: Part<InstanceWrite>,
    deletes: Part<InstanceDelete>,
    numbers: WriteNumbers,
  ): BuiltRequest {
    const id = this.#nextId++;
    const dependsOn = new Set<number>();
    const items = writes.items;
    const edges = items.length - numbers.nodes;
    // Written again differently: after the unfinished request that wrote it before (the later
    // write wins). The same write again (a nested node shared by many inputs) need not wait.
    const again = [
      ...this.#againIn("node", numbers.firstNode, numbers.nodes, 0),
      ...this.#againIn("edge", numbers.firstEdge, edges, numbers.nodes),
    ];
    for (const { index, holder } of again) {
      if (!sameValue(holder.write, items[index])) dependsOn.add(holder.request);
    }
    // Edges wait for the unfinished requests of their ends (none to look for in edge-only runs).
    if (this.#unfinishedNodes > 0) {
      for (let i = numbers.nodes; i < items.length; i++) {
        const item = items[i] as InstanceWrite;
        if (item.instanceType !== "edge") continue;
        this.#dependOnNode(item.startNode, dependsOn);
        this.#dependOnNode(item.endNode, dependsOn);
      }
    }
    this.#unfinishedNodes += numbers.nodes;
    // The body is serialized now, and the request keeps only the ids of its writes: the writes
    // die young instead of outliving several collections while the request waits and is in
    // flight (which made garbage collection the largest cost of a typed apply after JSON itself).
    // The rare uses of the writes (splitting the request, comparing a later write with one of
    // its writes) parse them back from the text.
    const itemsJson =
      deletes.items.length === 0 && items.length > 0
        ? serializedOrUndefined(items)
        : undefined;
    const request: BuiltRequest = {
      id,
      writes:
        itemsJson !== undefined
          ? { items: writeIds(items), positions: writes.positions }
          : writes,
      itemsJson,
      numbers,
      deletes,
      dependsOn: [...dependsOn],
      barrier: deletes.items.length > 0,
    };
    this.#unfinished.set(id, request);
    return request;
  }

  /** The writes of a request's run of one type that an unfinished request wrote before. */
  #againIn(
    instanceType: "node" | "edge",
    first: number,
    count: number,
    offset: number,
  ): { index: number; holder: Holder }[] {
    if (count === 0) return [];
    const found: { index: number; holder: Holder }[] = [];
    for (const [number, earlier] of this.#window.writtenAgain(
      instanceType,
      first,
      first + count,
    )) {
      const holder = this.#holder(instanceType, earlier);
      if (holder) found.push({ index: offset + number - first, holder });
    }
    return found;
  }

  /** An edge's end node written by an unfinished (earlier) request: wait for it. */
  #dependOnNode(node: InstanceId, dependsOn: Set<number>): void {
    const number = this.#window.numberOf("node", node);
    // Not in a request yet: then it is in this request, or in one built before it from this window.
    if (number === undefined || number >= this.#window.takenCount("node"))
      return;
    const holder = this.#holder("node", number);
    if (holder) dependsOn.add(holder.request);
  }

  /** The writes of an unfinished request (parsed once, when its body was serialized). */
  #writesOf(request: BuiltRequest): readonly InstanceWrite[] {
    let writes = this.#parsed.get(request.id);
    if (!writes) {
      writes = fullWrites(request).items;
      this.#parsed.set(request.id, writes);
    }
    return writes;
  }

  /** The unfinished request holding a write (by type and number), and the write. */
  #holder(instanceType: "node" | "edge", number: number): Holder | undefined {
    for (const request of this.#unfinished.values()) {
      const { nodes, firstNode, firstEdge } = request.numbers;
      const index =
        instanceType === "node"
          ? number - firstNode
          : nodes + number - firstEdge;
      const inRun =
        instanceType === "node"
          ? index >= 0 && index < nodes
          : index >= nodes && index < request.writes.items.length;
      if (inRun)
        return {
          request: request.id,
          write: this.#writesOf(request)[index] as InstanceWrite,
        };
    }
    return undefined;
  }
}

/**
 * The writes as JSON text, or undefined when a value cannot be serialized (a `toJSON` that
 * throws): the request then keeps its writes and fails when it is sent, so that the failure names
 * them as any failed request does.
 */
function serializedOrUndefined(
  writes: readonly InstanceWrite[],
): string | undefined {
  try {
    return stringifyJson(writes);
  } catch {
    return undefined;
  }
}

/** The ids of writes (what a request keeps of them once its body is serialized). */
function writeIds(writes: readonly InstanceWrite[]): WriteId[] {
  const ids = new Array<WriteId>(writes.length);
  for (let i = 0; i < writes.length; i++) {
    const { instanceType, space, externalId } = writes[i] as InstanceWrite;
    ids[i] = { instanceType, space, externalId };
  }
  return ids;
}

/** A request's writes themselves: parsed back from its text when it was serialized when built. */
function fullWrites(request: BuiltRequest): Part<InstanceWrite> {
  if (request.itemsJson === undefined)
    return request.writes as Part<InstanceWrite>;
  return {
    // The exact parser gives back the bigints the text was written from, so that the writes
    // serialize to the same text again.
    items: exactJsonParser()(request.itemsJson) as InstanceWrite[],
    positions: request.writes.positions,
  };
}

/** An unfinished request that wrote an instance, and its write. */
interface Holder {
  readonly request: number;
  readonly write: InstanceWrite;
}

/** The writes of one type of these requests, with their numbers, in the order built. */
function* numberedWrites(
  requests: readonly BuiltRequest[],
  instanceType: "node" | "edge",
): Generator<readonly [number, InstanceWrite]> {
  for (const request of requests) {
    const { nodes, firstNode, firstEdge } = request.numbers;
    const items = request.writes.items;
    const [from, to, first] =
      instanceType === "node"
        ? [0, nodes, firstNode]
        : [nodes, items.length, firstEdge];
    for (let i = from; i < to; i++)
      yield [first + i - from, items[i] as InstanceWrite];
  }
}

function range(from: number, to: number): number[] {
  const numbers: number[] = [];
  for (let i = from; i < to; i++) numbers.push(i);
  return numbers;
}

function slicePart<T>(part: Part<T>, from: number, to?: number): Part<T> {
  return {
    items: part.items.slice(from, to),
    positions: part.positions.slice(from, to),
  };
}

/** Ids of inputs never read (the rest of an array), for the failure report; never throws. */
function unreadIds(rest: readonly ApplyInput[]): InstanceId[] {
  const ids: InstanceId[] = [];
  for (const input of rest) {
    try {
      for (const write of prepareWrites([input])) ids.push(idOf(write));
    } catch {
      // An input that would have failed its own checks: named by its id when it has one.
      if (typeof input !== "object" || input === null) continue;
      if (collectsWrites(input) || !("toInstanceWrites" in input))
        ids.push(idOf(input as InstanceId));
    }
  }
  return ids;
}

// ---- streaming apply: what became of each write

/** What became of a write or delete that was not simply written. */
class Settled {
  constructor(
    readonly kind: "skipped" | "deleted" | "not-written" | "unknown",
    readonly id: InstanceId,
  ) {}
}

/** Ids of a failed apply, by what became of them. */
interface FailureReport {
  readonly written: InstanceId[];
  readonly notWritten: InstanceId[];
  readonly unknown: InstanceId[];
  readonly writtenCount?: number;
}

/**
 * What an apply keeps about its writes: `ItemsLedger` one entry per write (the default result),
 * `CountsLedger` counts only, and the ids of what failed (memory bounded by the requests in flight).
 */
interface Ledger {
  /**
   * `answers`: the checked answer, one slot per write (see `matchAnswer`), `undefined` for the
   * `skipped` ones.
   */
  written(
    writes: Part<WriteId>,
    answers: readonly (SlimInstance | undefined)[],
    skipped: number,
  ): void;
  deleted(deletes: Part<InstanceDelete>): void;
  failed(
    writes: Part<WriteId>,
    deletes: Part<InstanceDelete>,
    kind: "not-written" | "unknown",
  ): void;
  result(deleted: DeletedInstance[]): ApplyResult;
  /** The report of a failed apply; `unsent` are writes never sent, `deletes` all of them. */
  report(
    unsent: readonly Part<WriteId>[],
    deletes: readonly InstanceDelete[],
  ): FailureReport;
}

/** One slot per write position: the API's answer when written, else what became of it. */
class ItemsLedger implements Ledger {
  readonly #writes: (SlimInstance | Settled | undefined)[] = [];
  readonly #deletes: (Settled | undefined)[] = [];
  #writtenCount = 0;
  #skippedCount = 0;

  written(
    writes: Part<WriteId>,
    answers: readonly (SlimInstance | undefined)[],
    _skipped: number,
  ): void {
    const { items, positions } = writes;
    this.#growTo(positions);
    for (let i = 0; i < positions.length; i++) {
      const position = positions[i] as number;
      const answer = answers[i];
      if (position < 0) {
        // An instance written before (counted there): its answer stands in until that one's.
        if (answer && this.#writes[~position] === undefined)
          this.#writes[~position] = answer;
        continue;
      }
      if (answer) this.#writtenCount++;
      else this.#skippedCount++;
      this.#writes[position] =
        answer ?? new Settled("skipped", idOf(items[i] as WriteId));
    }
  }

  deleted(deletes: Part<InstanceDelete>): void {
    deletes.items.forEach((item, i) => {
      this.#deletes[deletes.positions[i] as number] = new Settled(
        "deleted",
        idOf(item),
      );
    });
  }

  failed(
    writes: Part<WriteId>,
    deletes: Part<InstanceDelete>,
    kind: "not-written" | "unknown",
  ): void {
    this.#growTo(writes.positions);
    writes.items.forEach((item, i) =>
      this.#settle(
        writes.positions[i] as number,
        new Settled(kind, idOf(item)),
      ),
    );
    deletes.items.forEach((item, i) => {
      this.#deletes[deletes.positions[i] as number] = new Settled(
        kind,
        idOf(item),
      );
    });
  }

  /**
   * Records a failed (or unsent) write. A later write of an instance that failed leaves part of
   * what the apply asked for it unwritten: the instance is listed (once) as that write's outcome,
   * unless it is unknown already.
   */
  #settle(position: number, settled: Settled): void {
    const at = position >= 0 ? position : ~position;
    const slot = this.#writes[at];
    if (!(slot instanceof Settled && slot.kind === "unknown"))
      this.#writes[at] = settled;
  }

  /** Keeps the slot list dense (no holes) up to the positions given. */
  #growTo(positions: readonly number[]): void {
    let last = -1;
    for (const position of positions) last = Math.max(last, position);
    while (this.#writes.length <= last) this.#writes.push(undefined);
  }

  result(deleted: DeletedInstance[]): ApplyResult {
    const skipped: InstanceId[] = [];
    // A scan of every slot only when some were skipped (one slot per write: 100k in a large apply).
    if (this.#skippedCount > 0)
      for (const slot of this.#writes)
        if (slot instanceof Settled && slot.kind === "skipped")
          skipped.push(slot.id);
    const items: SlimInstance[] = [];
    for (const slot of this.#writes)
      if (slot !== undefined && !(slot instanceof Settled)) items.push(slot);
    return {
      items,
      skipped,
      deleted,
      counts: {
        written: this.#writtenCount,
        skipped: skipped.length,
        deleted: deleted.length,
      },
    };
  }

  report(
    unsent: readonly Part<WriteId>[],
    deletes: readonly InstanceDelete[],
  ): FailureReport {
    const report: FailureReport = { written: [], notWritten: [], unknown: [] };
    const never = new Map<number, InstanceId>();
    for (const part of unsent) {
      this.#growTo(part.positions);
      part.items.forEach((item, i) => {
        const position = part.positions[i] as number;
        if (position >= 0) never.set(position, idOf(item));
        else if (this.#writes[~position] !== undefined)
          this.#settle(position, notWritten(item));
      });
    }
    // Positions without an outcome were never sent (or merged into another): listed from `unsent`.
    this.#writes.forEach((slot, position) => {
      if (slot !== undefined) classify(report, slot);
      else {
        const id = never.get(position);
        if (id) report.notWritten.push(id);
      }
    });
    deletes.forEach((item, position) =>
      classify(report, this.#deletes[position] ?? notWritten(item)),
    );
    return report;
  }
}

/** Counts of what was written, and the ids of what was not (or may not have been). */
class CountsLedger implements Ledger {
  #written = 0;
  #skipped = 0;
  readonly #failed: Settled[] = [];
  readonly #deletes: (Settled | undefined)[] = [];

  written(
    writes: Part<WriteId>,
    answers: readonly (SlimInstance | undefined)[],
    skipped: number,
  ): void {
    const counted = countedWrites(writes.positions);
    if (counted === writes.positions.length) {
      this.#written += counted - skipped;
      this.#skipped += skipped;
      return;
    }
    // Some write an instance written before: only the others count.
    writes.positions.forEach((position, i) => {
      if (position < 0) return;
      if (answers[i]) this.#written++;
      else this.#skipped++;
    });
  }

  deleted(deletes: Part<InstanceDelete>): void {
    deletes.items.forEach((item, i) => {
      this.#deletes[deletes.positions[i] as number] = new Settled(
        "deleted",
        idOf(item),
      );
    });
  }

  failed(
    writes: Part<WriteId>,
    deletes: Part<InstanceDelete>,
    kind: "not-written" | "unknown",
  ): void {
    for (const item of writes.items)
      this.#failed.push(new Settled(kind, idOf(item)));
    deletes.items.forEach((item, i) => {
      this.#deletes[deletes.positions[i] as number] = new Settled(
        kind,
        idOf(item),
      );
    });
  }

  result(deleted: DeletedInstance[]): ApplyResult {
    return {
      items: [],
      skipped: [],
      deleted,
      counts: {
        written: this.#written,
        skipped: this.#skipped,
        deleted: deleted.length,
      },
    };
  }

  report(
    unsent: readonly Part<WriteId>[],
    deletes: readonly InstanceDelete[],
  ): FailureReport {
    const report = {
      written: [],
      notWritten: [] as InstanceId[],
      unknown: [] as InstanceId[],
      writtenCount: this.#written + this.#skipped,
    };
    // An instance written by two requests is listed once (unknown rather than not written).
    const listed = new Map<string, Settled>();
    const list = (settled: Settled): void => {
      const key = idKey(settled.id);
      if (listed.get(key)?.kind !== "unknown") listed.set(key, settled);
    };
    for (const settled of this.#failed) list(settled);
    for (const part of unsent)
      for (const item of part.items) list(notWritten(item));
    for (const settled of listed.values()) classify(report, settled);
    deletes.forEach((item, position) =>
      classify(report, this.#deletes[position] ?? notWritten(item)),
    );
    return report;
  }
}

/** How many writes count: those of an instance no earlier request wrote (see `Part`). */
function countedWrites(positions: readonly number[]): number {
  let counted = 0;
  for (const position of positions) if (position >= 0) counted++;
  return counted;
}

function notWritten(item: InstanceId): Settled {
  return new Settled("not-written", idOf(item));
}

function classify(report: FailureReport, slot: SlimInstance | Settled): void {
  if (!(slot instanceof Settled)) {
    report.written.push(idOf(slot));
  } else if (slot.kind === "not-written") {
    report.notWritten.push(slot.id);
  } else if (slot.kind === "unknown") {
    report.unknown.push(slot.id);
  } else if (report.writtenCount === undefined) {
    report.written.push(slot.id);
  }
}

// ---- streaming apply: sending, splitting and reporting

/** Writes and deletes of a request that failed, and why. */
interface FailedPart {
  readonly writes: Part<WriteId>;
  readonly deletes: Part<InstanceDelete>;
  readonly error: unknown;
}

/** A failed part with its writes themselves, to be split and sent again. */
interface SplitPart extends FailedPart {
  readonly writes: Part<InstanceWrite>;
}

/** An apply body without its flags: the writes (and deletes), or the writes serialized ahead. */
type ApplyBody =
  | {
      readonly items: readonly InstanceWrite[];
      readonly delete?: readonly InstanceDelete[];
    }
  | { readonly itemsJson: string };

function requestBody(
  writes: Part<InstanceWrite>,
  deletes: Part<InstanceDelete>,
): ApplyBody {
  return deletes.items.length > 0
    ? { items: writes.items, delete: deletes.items }
    : { items: writes.items };
}

type SendApply = (
  body: ApplyBody,
  signal: AbortSignal | undefined,
) => Promise<unknown>;

/**
 * The items of a write request's answer matched to its writes: one slot per write, in the
 * writes' order whatever the server's order, `undefined` for a write the answer leaves out. The
 * client vouches only for what it checked, so the answer must name exactly the instances of its
 * request (instance type, space, external id), each once: an item naming an instance the request
 * did not write, or one named twice, is a `ProtocolError`, and so is a write left out, unless
 * `mayLeaveOut` (with `skipOnVersionConflict` the API leaves out the writes it skipped). The
 * answer in the request's order, as the API gives it, is checked without building an index.
 */
function matchAnswer(
  writes: readonly WriteId[],
  items: readonly SlimInstance[],
  mayLeaveOut: boolean,
): { answers: readonly (SlimInstance | undefined)[]; skipped: number } {
  if (items.length === writes.length && listsInOrder(writes, items))
    return { answers: items, skipped: 0 };
  const positions = new InstanceIndex();
  writes.forEach((write, i) => positions.set(write.instanceType, write, i));
  const answers = new Array<SlimInstance | undefined>(writes.length);
  for (const item of items) {
    const at = isInstanceId(item)
      ? positions.get(item.instanceType, item)
      : undefined;
    if (at === undefined)
      throw badAnswer(
        `it names ${describeItem(item)}, which its request did not write`,
      );
    if (answers[at] !== undefined)
      throw badAnswer(`it names ${describeItem(item)} twice`);
    answers[at] = item;
  }
  const skipped = writes.length - items.length;
  if (skipped > 0 && !mayLeaveOut) {
    const first = writes[answers.findIndex((answer) => answer === undefined)];
    throw badAnswer(
      `it leaves out ${skipped} of the ${writes.length} instances its request wrote (the first: ${describeItem(first)}), and skipOnVersionConflict was not set`,
    );
  }
  return { answers, skipped };
}

/** Whether every item names the write at its own index. */
function listsInOrder(
  writes: readonly WriteId[],
  items: readonly SlimInstance[],
): boolean {
  for (let i = 0; i < writes.length; i++) {
    const write = writes[i] as WriteId;
    const item = items[i] as SlimInstance;
    if (
      item.externalId !== write.externalId ||
      item.space !== write.space ||
      item.instanceType !== write.instanceType
    )
      return false;
  }
  return true;
}

function isInstanceId(item: unknown): item is SlimInstance {
  const { instanceType, space, externalId } = item as Partial<SlimInstance>;
  return (
    (instanceType === "node" || instanceType === "edge") &&
    typeof space === "string" &&
    typeof externalId === "string"
  );
}

/** An answer item as an error names it: `node s:x`, or its JSON when it is no instance id. */
function describeItem(item: unknown): string {
  if (!isInstanceId(item))
    return `an item that is no instance id (${JSON.stringify(item)?.slice(0, 80)})`;
  return `${item.instanceType} ${item.space}:${item.externalId}`;
}

function badAnswer(detail: string): ProtocolError {
  return new ProtocolError({
    problem: "unexpected-instances",
    method: "POST",
    url: APPLY_PATH,
    detail: `a successful apply answer cannot be vouched for: ${detail}`,
  });
}

/**
 * One apply in progress: a window of built requests, at most `concurrency` of them in flight,
 * and a ledger of what became of every write and delete (with `report: "counts"`, counts only:
 * then nothing that grows with the input is kept).
 */
class ApplyRun {
  readonly #ledger: Ledger;
  readonly #deleted: DeletedInstance[][] = [];
  readonly #ready: BuiltRequest[] = [];
  readonly #active = new Map<number, Promise<void>>();
  readonly #unfinished = new Set<number>();
  #builder: RequestBuilder | undefined;
  /** The first error that stops the apply: no new request starts after it. */
  #stop: { error: unknown } | undefined;
  /** The first failure of a single item isolated by splitting: the apply goes on, then fails. */
  #isolated: { error: unknown } | undefined;
  #started = 0;
  #requestsDone = 0;
  #itemsDone = 0;

  constructor(
    readonly send: SendApply,
    readonly concurrency: AdaptiveConcurrency,
    readonly options: ApplyOptions,
  ) {
    this.#ledger =
      options.report === "counts" ? new CountsLedger() : new ItemsLedger();
  }

  async drive(
    builder: RequestBuilder,
    source: InputSource,
    deletes: readonly InstanceDelete[],
  ): Promise<void> {
    this.#builder = builder;
    const lookahead = this.concurrency.max * 2;
    let inputDone = false;
    try {
      for (;;) {
        this.#startReady();
        const idle = this.#active.size === 0;
        if (idle && (this.#stop || (inputDone && this.#ready.length === 0)))
          return;
        const room = this.#ready.length + this.#active.size < lookahead;
        if (!this.#stop && !inputDone && room) {
          try {
            const pulled = await builder.pull(source, deletes);
            inputDone = pulled.done;
            for (const request of pulled.requests) this.#enqueue(request);
          } catch (error) {
            this.#stop ??= { error };
          }
          continue;
        }
        if (idle) return;
        await Promise.race(this.#active.values());
      }
    } finally {
      if (!inputDone) source.close();
    }
  }

  #enqueue(request: BuiltRequest): void {
    this.#unfinished.add(request.id);
    this.#ready.push(request);
  }

  #startReady(): void {
    const signal = this.options.signal;
    while (
      !this.#stop &&
      this.#active.size < this.concurrency.limit &&
      this.#ready.length > 0
    ) {
      const request = this.#ready[0] as BuiltRequest;
      const blocked = request.barrier
        ? this.#active.size > 0
        : request.dependsOn.some((id) => this.#unfinished.has(id));
      if (blocked) return;
      if (signal?.aborted) {
        this.#stop = { error: signal.reason };
        return;
      }
      this.#ready.shift();
      this.#started++;
      const running = this.#sendRequest(request)
        .then((succeeded) => this.#finished(request, succeeded))
        .finally(() => this.#active.delete(request.id));
      this.#active.set(request.id, running);
    }
  }

  #finished(request: BuiltRequest, succeeded: number): void {
    this.#unfinished.delete(request.id);
    this.#builder?.forget(request);
    if (succeeded === 0) return;
    this.#requestsDone++;
    try {
      this.options.onProgress?.({
        requestsDone: this.#requestsDone,
        requestsTotal: this.#requestsDone + this.#unfinished.size,
        itemsDone: this.#itemsDone,
        // Writes (one per instance, nested ones included) and deletes, as `itemsDone` counts.
        itemsTotal: this.#builder
          ? this.#builder.positions + this.#builder.deletesRead
          : 0,
      });
    } catch (error) {
      this.#stop ??= { error };
    }
  }

  /**
   * Sends a request; on a lasting 5xx or 408, looks for the item that causes it by halves (see
   * `#bisect`). Resolves to the number of items written (a failure is recorded, never thrown).
   */
  async #sendRequest(request: BuiltRequest): Promise<number> {
    const { writes, deletes } = request;
    const body: ApplyBody =
      request.itemsJson !== undefined
        ? { itemsJson: request.itemsJson }
        : requestBody(request.writes as Part<InstanceWrite>, deletes);
    const error = await this.#attempt(request, writes, deletes, body);
    const size = writes.items.length + deletes.items.length;
    if (error === undefined) return size;
    if (
      isLastingServerError(error) &&
      size > 1 &&
      !this.options.signal?.aborted
    ) {
      return this.#bisect(request, {
        writes: fullWrites(request),
        deletes,
        error,
      });
    }
    this.#fail({ writes, deletes, error }, false);
    return 0;
  }

  /**
   * A part failed with a lasting 5xx or 408: send both halves. When one fails, the cause is in
   * it: go on halving it down to a single item, which is then reported unknown while the apply
   * goes on. When both fail the failure is not one item's (an outage): stop the apply.
   */
  async #bisect(request: BuiltRequest, failed: SplitPart): Promise<number> {
    const writeCount = failed.writes.items.length;
    const half = Math.ceil((writeCount + failed.deletes.items.length) / 2);
    const firstDeletes = Math.max(0, half - writeCount);
    const halves = [
      {
        writes: slicePart(failed.writes, 0, half),
        deletes: slicePart(failed.deletes, 0, firstDeletes),
      },
      {
        writes: slicePart(failed.writes, half),
        deletes: slicePart(failed.deletes, firstDeletes),
      },
    ];
    let written = 0;
    const failures: SplitPart[] = [];
    for (const part of halves) {
      const body = requestBody(part.writes, part.deletes);
      const error = await this.#attempt(
        request,
        part.writes,
        part.deletes,
        body,
      );
      if (error === undefined)
        written += part.writes.items.length + part.deletes.items.length;
      else failures.push({ ...part, error });
    }
    const [culprit, other] = failures;
    if (!culprit) return written;
    if (other || !isLastingServerError(culprit.error)) {
      for (const part of failures) this.#fail(part, true);
      return written;
    }
    if (culprit.writes.items.length + culprit.deletes.items.length === 1) {
      this.#isolated ??= { error: culprit.error };
      this.#ledger.failed(culprit.writes, culprit.deletes, "unknown");
      return written;
    }
    return written + (await this.#bisect(request, culprit));
  }

  /**
   * One request through the HTTP client (which retries); the error, or undefined on success. An
   * answer that does not prove what was written (see `matchAnswer`) is an error: its writes are
   * then unknown.
   */
  async #attempt(
    request: BuiltRequest,
    writes: Part<WriteId>,
    deletes: Part<InstanceDelete>,
    body: ApplyBody,
  ): Promise<unknown> {
    try {
      const response = await this.send(body, this.options.signal);
      this.#recordSuccess(request, writes, deletes, response);
      return undefined;
    } catch (error) {
      return error ?? new Error("the request failed without a reason");
    }
  }

  /** Records a failed part and stops the apply. After a 5xx the part may have been applied. */
  #fail(part: FailedPart, afterServerError: boolean): void {
    const uncertain = afterServerError || !provesNothingApplied(part.error);
    this.#ledger.failed(
      part.writes,
      part.deletes,
      uncertain ? "unknown" : "not-written",
    );
    this.#stop ??= { error: part.error };
  }

  #recordSuccess(
    request: BuiltRequest,
    writes: Part<WriteId>,
    deletes: Part<InstanceDelete>,
    response: unknown,
  ): void {
    const items = expectItems<SlimInstance>(response, APPLY_PATH);
    const deleted = (response as ApplyResponse).deleted;
    if (deleted !== undefined && !Array.isArray(deleted)) {
      throw new ProtocolError({
        problem: "unexpected-shape",
        method: "POST",
        url: APPLY_PATH,
        detail: `expected "deleted" to be a list`,
      });
    }
    const { answers, skipped } = matchAnswer(
      writes.items,
      items,
      this.options.skipOnVersionConflict === true,
    );
    this.#ledger.written(writes, answers, skipped);
    this.#ledger.deleted(deletes);
    if (deleted) (this.#deleted[request.id] ??= []).push(...deleted);
    this.#itemsDone += countedWrites(writes.positions) + deletes.items.length;
  }

  /** The result, or the error that says what was and was not written. */
  finish(input: ApplyInputs): ApplyResult {
    const failure = this.#stop ?? this.#isolated;
    if (failure) {
      // A check that failed before anything went out is thrown as it is: nothing was written.
      if (this.#started === 0 && !this.options.signal?.aborted)
        throw failure.error;
      throw this.#failureError(failure.error, input);
    }
    return this.#ledger.result(this.#deleted.flat());
  }

  #failureError(cause: unknown, input: ApplyInputs): Error {
    const unsent = this.#ready.map((request) => request.writes);
    if (this.#builder) unsent.push(this.#builder.unbatched());
    const report = this.#ledger.report(unsent, this.options.delete ?? []);
    const rejected = this.#builder?.rejected;
    if (rejected) {
      // Some of its writes may be listed already (those collected before the failing check).
      const listed = new Set(report.notWritten.map(idKey));
      for (const id of unreadIds([rejected.input]))
        if (!listed.has(idKey(id))) report.notWritten.push(id);
    }
    if (Array.isArray(input)) {
      // The rest of an array is known: list it too (a stream's rest is never read).
      for (const id of unreadIds(
        input.slice(this.#builder?.itemsRead ?? input.length),
      ))
        report.notWritten.push(id);
    }
    if (cause instanceof VersionConflictError)
      return new ApplyVersionConflictError(cause, report);
    return new ApplyFailedError({
      ...report,
      cause,
      aborted: this.options.signal?.aborted === true,
    });
  }
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
  return (
    error instanceof TokenError ||
    error instanceof InvalidValueError ||
    error instanceof PropertyValueError
  );
}

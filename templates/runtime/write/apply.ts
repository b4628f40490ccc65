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
  checkRawWrite,
  collectsWrites,
  sameValue,
  type CollectsWrites,
} from "../model/collect.js";
import { expectItems, type RequestOptions } from "../core/http.js";
import { AdaptiveConcurrency } from "../core/concurrency.js";
import type { Clock } from "../core/retry.js";
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

/** What `apply` reads: an array, any iterable, or an async iterable (read as it is sent). */
export type ApplyInputs = Iterable<ApplyInput> | AsyncIterable<ApplyInput>;

/** Options of a bulk delete. */
export interface DeleteOptions {
  /**
   * Requests in flight at most: 1 to 8. Default 2, CDF's default project limit of concurrent
   * deletes; adapts to 429s as an apply's does.
   */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

const MAX_ITEMS_PER_REQUEST = 1000;
const APPLY_PATH = "/models/instances";
const DELETE_PATH = "/models/instances/delete";

/**
 * Applies instance writes and deletes through `POST /models/instances`, streaming: the input is
 * read as requests go out, with at most twice `concurrency` requests built ahead, so memory
 * follows the request size rather than the input size. Nodes go before edges in each window of
 * the input; an edge request waits for the unfinished requests that write its start or end node.
 * A request that keeps failing with a 5xx or 408 after its retries is split in halves, down to
 * single items, so one poisoned item does not stop the rest.
 */
export function applyInstances(
  http: JsonPoster,
  input: ApplyInputs,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const flags: ApplyFlags = {};
  for (const flag of APPLY_FLAGS)
    if (options[flag] !== undefined) flags[flag] = options[flag];
  return runApply(http, input, options, [4, 16], (body) =>
    post(APPLY_PATH, { ...body, ...flags }),
  );
  function post(path: string, body: unknown) {
    return (options: RequestOptions) =>
      http.postJson<unknown>(path, body, options);
  }
}

const APPLY_FLAGS = [
  "autoCreateDirectRelations",
  "autoCreateStartNodes",
  "autoCreateEndNodes",
  "skipOnVersionConflict",
  "replace",
] as const;

/**
 * Deletes instances through `POST /models/instances/delete`, 1000 per request, concurrently (deletes
 * need no order among themselves).
 */
export async function deleteInstances(
  http: JsonPoster,
  ids: readonly InstanceDelete[],
  options: DeleteOptions = {},
): Promise<DeletedInstance[]> {
  const result = await runApply(
    http,
    [],
    { ...options, delete: ids },
    [2, 8],
    (body) => async (requestOptions) => ({
      items: [],
      deleted: expectItems<DeletedInstance>(
        await http.postJson<unknown>(
          DELETE_PATH,
          { items: body.delete },
          requestOptions,
        ),
        DELETE_PATH,
      ),
    }),
  );
  return result.deleted;
}

/** Runs an apply whose requests `post` sends; `[fallback, max]` bounds its concurrency. */
async function runApply(
  http: JsonPoster,
  input: ApplyInputs,
  options: ApplyOptions,
  [fallback, max]: [number, number],
  post: (body: ApplyBody) => (options: RequestOptions) => Promise<unknown>,
): Promise<ApplyResult> {
  const chunkSize = options.chunkSize ?? MAX_ITEMS_PER_REQUEST;
  checkRange("chunkSize", chunkSize, MAX_ITEMS_PER_REQUEST);
  checkRange("concurrency", options.concurrency ?? fallback, max);
  const concurrency = new AdaptiveConcurrency(
    options.concurrency ?? fallback,
    http.clock,
  );
  const send: SendApply = (body, signal) =>
    concurrency.send(
      (onRetry) => post(body)(signal ? { signal, onRetry } : { onRetry }),
      signal,
    );
  const builder = new RequestBuilder(chunkSize);
  const run = new ApplyRun(send, concurrency, options, builder);
  await run.drive(readInputs(input), options.delete ?? []);
  return run.finish(input);
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(
      `${name} must be an integer from 1 to ${max}, got ${value}`,
    );
}

/**
 * A map from instance id to a value (a number by default), keyed by type, space and external id.
 */
export class InstanceIndex<V = number> {
  readonly #values = new Map<string, V>();

  get(instanceType: "node" | "edge", id: InstanceId): V | undefined {
    return this.#values.get(instanceKey(instanceType, id));
  }

  set(instanceType: "node" | "edge", id: InstanceId, value: V): void {
    this.#values.set(instanceKey(instanceType, id), value);
  }

  delete(instanceType: "node" | "edge", id: InstanceId): void {
    this.#values.delete(instanceKey(instanceType, id));
  }
}

function instanceKey(instanceType: string, id: InstanceId): string {
  return `${instanceType}\u0000${id.space}\u0000${id.externalId}`;
}

function idOf(instance: InstanceId): InstanceId {
  return { space: instance.space, externalId: instance.externalId };
}

/**
 * The instances an apply has written so far, each with the position of its first write: an
 * open-addressing table of 64-bit hashes of (type, space, external id) in typed arrays, about 24
 * bytes per instance and no key kept alive (a `Map` of a million instances held 190 MiB more than
 * a `report: "counts"` apply needs). Two instances of one apply share a hash with a chance of
 * about n^2 / 2^65 (1 in 30 million for a million instances): the later one would then be counted
 * as written before, though still sent.
 */
export class SentInstances {
  /** Per slot: the hash's two halves and the position plus one (0: an empty slot), together. */
  #slots = new Int32Array(3 * 1024);
  #size = 0;

  get(instanceType: "node" | "edge", id: InstanceId): number | undefined {
    const stored = this.#slots[this.#find(instanceType, id) + 2] as number;
    return stored === 0 ? undefined : stored - 1;
  }

  /** The position of an instance recorded before; else records it at `position` (undefined). */
  addNew(
    instanceType: "node" | "edge",
    id: InstanceId,
    position: number,
  ): number | undefined {
    if (6 * (this.#size + 1) > this.#slots.length) this.#grow();
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
    return this.#slotOf(this.#slots, hashA, hashB);
  }

  #slotOf(slots: Int32Array, a: number, b: number): number {
    const mask = slots.length / 3 - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const at = 3 * slot;
      if (slots[at + 2] === 0) return at;
      if (slots[at] === a && slots[at + 1] === b) return at;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(2 * old.length);
    for (let from = 0; from < old.length; from += 3) {
      if (old[from + 2] === 0) continue;
      const at = this.#slotOf(this.#slots, old[from]!, old[from + 1]!);
      this.#slots.set(old.subarray(from, from + 3), at);
    }
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

// ---- building requests from the input as they are sent

/**
 * Writes and deletes of a request (or of a part of one), with their positions in the apply (which
 * keep input order). A write of an instance that an earlier request of the apply wrote already has
 * the position `~first` (negative; `first` is that instance's position): it is sent, but counted
 * and listed once, at `first`. Deletes are positioned in `options.delete`.
 */
interface Part {
  readonly writes: readonly InstanceWrite[];
  readonly positions: readonly number[];
  readonly deletes: readonly InstanceDelete[];
  readonly deletePositions: readonly number[];
}

/** A request built from the input, waiting to be sent or being sent. */
interface BuiltRequest extends Part {
  /** Unfinished requests that write an end node of its edges, or (differently) one of its instances. */
  readonly dependsOn: readonly BuiltRequest[];
  /** Its smallest and largest write position (a quick test before searching `positions`). */
  readonly low: number;
  readonly high: number;
}

/** What the builder keeps of a recent request: who asked for each of its writes, by position. */
interface RecentRequest {
  readonly low: number;
  readonly high: number;
  readonly positions: readonly number[];
  /** An apply object, or a raw input's index (the writes themselves are not kept). */
  readonly origins: readonly unknown[];
}

/** Requests whose writes an object reached again is looked for in (see `#writtenBefore`). */
const RECENT_KEPT = 16;

/** Reads sync and async iterables alike (a sync one without a microtask per item). */
interface InputSource {
  next(): IteratorResult<ApplyInput> | Promise<IteratorResult<ApplyInput>>;
  /** Closes the source early (a generator's `finally` runs). */
  close(): void;
}

function readInputs(input: ApplyInputs): InputSource {
  const iterator =
    Symbol.asyncIterator in input
      ? input[Symbol.asyncIterator]()
      : input[Symbol.iterator]();
  return {
    next: () => iterator.next(),
    close: () => {
      void Promise.resolve(iterator.return?.()).catch(() => {});
    },
  };
}

/**
 * Adds one input to a collector; `index` is its place in the input (for error messages).
 * `placed` is called after each raw write (they keep the order they come in).
 */
function addInput(
  collector: WriteCollector,
  input: ApplyInput,
  index: number,
  placed = (): void => {},
): void {
  if (collectsWrites(input)) return collector.addRoot(input);
  const writes =
    typeof (input as Partial<ToInstanceWrites> | null | undefined)
      ?.toInstanceWrites === "function"
      ? (input as ToInstanceWrites).toInstanceWrites()
      : [input as InstanceWrite];
  for (const write of writes) {
    checkRawWrite(write, index);
    collector.addFrom(write, index);
    placed();
  }
}

/**
 * Turns the input into requests of at most `chunkSize` items. Every input goes into one
 * `WriteCollector`, which keeps nodes and edges apart and merges the writes of one instance as
 * they come; a full batch of nodes or edges is taken out as a request (pending nodes first when
 * the edges need them); what is left at the end goes out as nodes, edges, then deletes.
 *
 * Write-merge policy while streaming (the input is never held whole): writes of one instance not
 * yet in a request merge by the collector's policy (a conflict is a `ConflictingWritesError`
 * naming both writers), so each request holds one item per instance. An instance written again
 * after its request was built goes out again in a later request, which (when the two writes
 * differ) waits for the unfinished request that wrote it before: the API merges the two writes
 * property by property, the later value winning. Such a write is counted once (see `Part`).
 */
class RequestBuilder {
  readonly #collector = new WriteCollector();
  /** The positions of the collected nodes and edges (parallel to the collector's lists). */
  readonly #positions = { node: [] as number[], edge: [] as number[] };
  /** The position of every instance written so far: the one index that grows with the input. */
  readonly #sent = new SentInstances();
  /** The last requests built (finished or not), to find an object's write in. */
  readonly #recent: RecentRequest[] = [];
  /** Requests built and not yet finished (waiting or in flight), in the order built. */
  readonly unfinished = new Set<BuiltRequest>();
  /** Instances found so far (each instance's position is its number). */
  positions = 0;
  itemsRead = 0;
  /** Deletes read (they come after the writes). */
  deletesRead = 0;
  /** The input that failed its checks (the apply stops there): not written either. */
  rejected: { readonly input: ApplyInput } | undefined;

  constructor(readonly chunkSize: number) {
    this.#collector.writtenBefore = (item) => this.#writtenBefore(item);
  }

  /**
   * Whether an apply object reached through a reference wrote its node in a recent request
   * (an input of an earlier request, reached again as a parent, say): then it is not sent (nor
   * counted) again.
   */
  #writtenBefore(item: CollectsWrites): boolean {
    const first = this.#sent.get("node", item);
    if (first === undefined) return false;
    return this.#recent.some((request) => {
      if (first < request.low || first > request.high) return false;
      const at = request.positions.indexOf(first);
      return at >= 0 && request.origins[at] === item;
    });
  }

  /** Reads input until at least one request is ready, or to its end (then `done`). */
  async pull(
    source: InputSource,
    deletes: readonly InstanceDelete[],
  ): Promise<{ requests: readonly BuiltRequest[]; done: boolean }> {
    for (;;) {
      const next = source.next();
      const step = next instanceof Promise ? await next : next;
      if (step.done) return { requests: this.#finish(deletes), done: true };
      try {
        this.#add(step.value);
      } catch (error) {
        this.rejected = { input: step.value };
        throw error;
      }
      const requests = this.#fullRequests();
      if (requests.length > 0) return { requests, done: false };
    }
  }

  /** Writes read but not yet in a request (not written when the apply stops). */
  unbatched(): Part {
    const { node, edge } = this.#positions;
    return {
      writes: this.#collector.peek("node").concat(this.#collector.peek("edge")),
      positions: node.concat(edge),
      deletes: [],
      deletePositions: [],
    };
  }

  #add(input: ApplyInput): void {
    const place = (): void => {
      this.#place("node");
      this.#place("edge");
    };
    try {
      addInput(this.#collector, input, this.itemsRead++, place);
    } finally {
      // New writes get positions, nodes first (merged ones keep the first one's).
      place();
    }
  }

  /** Positions the writes collected since the last call. */
  #place(instanceType: "node" | "edge"): void {
    const positions = this.#positions[instanceType];
    const writes = this.#collector.peek(instanceType);
    for (let i = positions.length; i < writes.length; i++) {
      // A new write: its instance's first, or one an earlier request wrote.
      const first = this.#sent.addNew(instanceType, writes[i]!, this.positions);
      positions.push(first === undefined ? this.positions++ : ~first);
    }
  }

  /** The requests the collected writes fill. */
  #fullRequests(): BuiltRequest[] {
    const requests: BuiltRequest[] = [];
    const size = this.chunkSize;
    const count = (type: "node" | "edge") => this.#collector.peek(type).length;
    while (count("node") >= size) requests.push(this.#take("node", size));
    while (count("edge") >= size) {
      if (this.#edgesNeedPendingNodes())
        requests.push(this.#take("node", count("node")));
      requests.push(this.#take("edge", size));
    }
    return requests;
  }

  /** Whether one of the next request's edges starts or ends at a node not yet in a request. */
  #edgesNeedPendingNodes(): boolean {
    const edges = this.#collector.peek("edge").slice(0, this.chunkSize);
    return edges.some(
      (edge) =>
        edge.instanceType === "edge" &&
        (this.#collector.has("node", edge.startNode) ||
          this.#collector.has("node", edge.endNode)),
    );
  }

  #take(instanceType: "node" | "edge", count: number): BuiltRequest {
    const origins = this.#collector.origins(instanceType).slice(0, count);
    return this.#build(origins, {
      writes: this.#collector.take(instanceType, count),
      positions: this.#positions[instanceType].splice(0, count),
      deletes: [],
      deletePositions: [],
    });
  }

  /** The rest of the writes, then the deletes, in requests of `chunkSize` items. */
  #finish(deletes: readonly InstanceDelete[]): BuiltRequest[] {
    const { node, edge } = {
      node: this.#collector.origins("node"),
      edge: this.#collector.origins("edge"),
    };
    const origins = node.concat(edge);
    const rest = {
      ...this.unbatched(),
      deletes,
      deletePositions: deletes.map((_, i) => i),
    };
    this.#collector.take("node", Infinity);
    this.#collector.take("edge", Infinity);
    this.#positions.node.length = 0;
    this.#positions.edge.length = 0;
    this.deletesRead = deletes.length;
    const requests: BuiltRequest[] = [];
    for (let start = 0; start < sizeOf(rest); start += this.chunkSize)
      requests.push(
        this.#build(
          origins.slice(start, start + this.chunkSize),
          slicePart(rest, start, start + this.chunkSize),
        ),
      );
    return requests;
  }

  #build(origins: readonly unknown[], part: Part): BuiltRequest {
    const dependsOn = new Set<BuiltRequest>();
    part.writes.forEach((write, i) => {
      const position = part.positions[i] as number;
      // Written again (rare): after the unfinished request that wrote it before (the later write
      // wins), unless that is the same write.
      if (position < 0) this.#waitFor(~position, dependsOn, write);
      // Edges wait for the unfinished requests of their ends.
      if (write.instanceType === "edge" && this.unfinished.size > 0) {
        for (const end of [write.startNode, write.endNode]) {
          const node = this.#sent.get("node", end);
          if (node !== undefined) this.#waitFor(node, dependsOn);
        }
      }
    });
    let low = Infinity;
    let high = -Infinity;
    for (const position of part.positions) {
      const first = position < 0 ? ~position : position;
      if (first < low) low = first;
      if (first > high) high = first;
    }
    const request = { ...part, dependsOn: [...dependsOn], low, high };
    this.unfinished.add(request);
    this.#recent.push({ low, high, positions: part.positions, origins });
    if (this.#recent.length > RECENT_KEPT) this.#recent.shift();
    return request;
  }

  /** Waits for the unfinished requests that write the instance at `first` (differently from `write`). */
  #waitFor(
    first: number,
    dependsOn: Set<BuiltRequest>,
    write?: InstanceWrite,
  ): void {
    for (const request of this.unfinished) {
      if (first < request.low || first > request.high) continue;
      const positions = request.positions;
      let at = positions.indexOf(first);
      if (at < 0) at = positions.indexOf(~first);
      if (at >= 0 && !(write && sameValue(request.writes[at], write)))
        dependsOn.add(request);
    }
  }
}

function slicePart(part: Part, from: number, to?: number): Part {
  const writes = part.writes.length;
  const deleteFrom = Math.max(0, from - writes);
  const deleteTo = to === undefined ? undefined : Math.max(0, to - writes);
  return {
    writes: part.writes.slice(from, to),
    positions: part.positions.slice(from, to),
    deletes: part.deletes.slice(deleteFrom, deleteTo),
    deletePositions: part.deletePositions.slice(deleteFrom, deleteTo),
  };
}

function sizeOf(part: Part): number {
  return part.writes.length + part.deletes.length;
}

/** Ids of an input for the failure report (with its nested objects); never throws. */
function idsOfInput(input: ApplyInput): InstanceId[] {
  try {
    const collector = new WriteCollector();
    addInput(collector, input, 0);
    return collector.writes().map(idOf);
  } catch {
    // An input that would have failed its own checks: named by its id when it has one.
    const { space, externalId } = (input ?? {}) as Partial<InstanceId>;
    return typeof space === "string" && typeof externalId === "string"
      ? [{ space, externalId }]
      : [];
  }
}

// ---- what became of each write

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
 * What an apply keeps about its writes: with `report: "items"` one slot per write position (the
 * API's answer, or `Settled` skipped); in every mode the counts, and the writes and deletes that
 * failed (memory bounded by the requests in flight, and what failed).
 */
class Ledger {
  readonly #slots: (SlimInstance | Settled | undefined)[] | undefined;
  /** Failed writes by `instanceKey("", id)`: an instance sent twice is listed once, unknown winning. */
  readonly #failed = new Map<string, Settled>();
  readonly #deletes: (Settled | undefined)[] = [];
  #written = 0;
  #skipped = 0;

  constructor(keepItems: boolean) {
    this.#slots = keepItems ? [] : undefined;
  }

  /** `answers`: the checked answer, one slot per write, `undefined` for the skipped ones. */
  written(part: Part, answers: readonly (SlimInstance | undefined)[]): void {
    const slots = this.#slots;
    for (let i = 0; i < part.positions.length; i++) {
      const position = part.positions[i]!;
      const answer = answers[i];
      if (position < 0) {
        // An instance written before (counted there): its answer stands in until that one's.
        if (answer && slots && slots[~position] === undefined)
          slots[~position] = answer;
        continue;
      }
      if (answer) this.#written++;
      else this.#skipped++;
      if (slots)
        slots[position] =
          answer ?? new Settled("skipped", idOf(part.writes[i]!));
    }
    part.deletes.forEach((item, i) => {
      this.#deletes[part.deletePositions[i]!] = new Settled(
        "deleted",
        idOf(item),
      );
    });
  }

  failed(part: Part, kind: "not-written" | "unknown"): void {
    for (const write of part.writes) {
      const key = instanceKey("", write);
      if (this.#failed.get(key)?.kind !== "unknown")
        this.#failed.set(key, new Settled(kind, idOf(write)));
    }
    part.deletes.forEach((item, i) => {
      this.#deletes[part.deletePositions[i]!] = new Settled(kind, idOf(item));
    });
  }

  result(deleted: DeletedInstance[]): ApplyResult {
    const slots = this.#slots ?? [];
    const written = slots.filter((slot) => !(slot instanceof Settled));
    return {
      items: written as SlimInstance[],
      skipped: (
        slots.filter((slot) => slot instanceof Settled) as Settled[]
      ).map((slot) => slot.id),
      deleted,
      counts: {
        written: this.#written,
        skipped: this.#skipped,
        deleted: deleted.length,
      },
    };
  }

  /** The report of a failed apply; `unsent` are writes never sent, `deletes` all of them. */
  report(
    unsent: readonly Part[],
    deletes: readonly InstanceDelete[],
  ): FailureReport {
    for (const part of unsent) this.failed(part, "not-written");
    const report: FailureReport = this.#slots
      ? { written: [], notWritten: [], unknown: [] }
      : {
          written: [],
          notWritten: [],
          unknown: [],
          writtenCount: this.#written + this.#skipped,
        };
    // A written instance that a later request failed to write again is listed as that one.
    for (const slot of this.#slots ?? []) {
      const id = slot instanceof Settled ? slot.id : slot && idOf(slot);
      if (id && !this.#failed.has(instanceKey("", id))) report.written.push(id);
    }
    for (const settled of this.#failed.values()) classify(report, settled);
    deletes.forEach((item, position) =>
      classify(
        report,
        this.#deletes[position] ?? new Settled("not-written", idOf(item)),
      ),
    );
    return report;
  }
}

function classify(report: FailureReport, settled: Settled): void {
  if (settled.kind === "not-written") report.notWritten.push(settled.id);
  else if (settled.kind === "unknown") report.unknown.push(settled.id);
  else if (report.writtenCount === undefined) report.written.push(settled.id);
}

// ---- sending, splitting and checking answers

/** An apply body without its flags. */
interface ApplyBody {
  readonly items: readonly InstanceWrite[];
  readonly delete?: readonly InstanceDelete[];
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
 * `mayLeaveOut` (with `skipOnVersionConflict` the API leaves out the writes it skipped).
 */
function matchAnswer(
  writes: readonly InstanceWrite[],
  items: readonly SlimInstance[],
  mayLeaveOut: boolean,
): readonly (SlimInstance | undefined)[] {
  // The answer in the request's order, as the API gives it, is checked without an index.
  if (items.length === writes.length && items.every(sameIdAs(writes)))
    return items;
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
  return answers;
}

function sameIdAs(writes: readonly InstanceWrite[]) {
  return (item: SlimInstance, i: number): boolean => {
    const write = writes[i] as InstanceWrite;
    return (
      item.externalId === write.externalId &&
      item.space === write.space &&
      item.instanceType === write.instanceType
    );
  };
}

function isInstanceId(item: unknown): item is SlimInstance {
  const { instanceType, space, externalId } = (item ??
    {}) as Partial<SlimInstance>;
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
 * then nothing that grows with the input is kept but the 24 bytes per instance of `SentInstances`).
 */
class ApplyRun {
  readonly #ledger: Ledger;
  readonly #deleted: DeletedInstance[][] = [];
  readonly #ready: BuiltRequest[] = [];
  readonly #active = new Map<BuiltRequest, Promise<void>>();
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
    readonly builder: RequestBuilder,
  ) {
    this.#ledger = new Ledger(options.report !== "counts");
  }

  async drive(
    source: InputSource,
    deletes: readonly InstanceDelete[],
  ): Promise<void> {
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
            const pulled = await this.builder.pull(source, deletes);
            inputDone = pulled.done;
            this.#ready.push(...pulled.requests);
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
          : request.dependsOn.some((other) =>
              this.builder.unfinished.has(other),
            );
      if (blocked) return;
      if (signal?.aborted) {
        this.#stop = { error: signal.reason };
        return;
      }
      this.#ready.shift();
      this.#started++;
      const running = this.#sendRequest(request)
        .then((succeeded) => this.#finished(request, succeeded))
        .finally(() => this.#active.delete(request));
      this.#active.set(request, running);
    }
  }

  #finished(request: BuiltRequest, succeeded: boolean): void {
    // Its writes no longer hold later requests back.
    this.builder.unfinished.delete(request);
    if (!succeeded) return;
    this.#requestsDone++;
    try {
      this.options.onProgress?.({
        requestsDone: this.#requestsDone,
        requestsTotal: this.#requestsDone + this.builder.unfinished.size,
        itemsDone: this.#itemsDone,
        // Writes (one per instance, nested ones included) and deletes, as `itemsDone` counts.
        itemsTotal: this.builder.positions + this.builder.deletesRead,
      });
    } catch (error) {
      this.#stop ??= { error };
    }
  }

  /**
   * Sends a request; on a lasting 5xx or 408, looks for the item that causes it by halves (see
   * `#bisect`). Resolves to whether some of it was written (a failure is recorded, never thrown).
   */
  async #sendRequest(request: BuiltRequest): Promise<boolean> {
    const error = await this.#attempt(request);
    if (error === undefined) return true;
    if (
      isLastingServerError(error) &&
      sizeOf(request) > 1 &&
      !this.options.signal?.aborted
    )
      return (await this.#bisect(request)) > 0;
    this.#fail(request, error, false);
    return false;
  }

  /**
   * A part failed with a lasting 5xx or 408: send both halves. When one fails, the cause is in
   * it: go on halving it down to a single item, which is then reported unknown while the apply
   * goes on. When both fail the failure is not one item's (an outage): stop the apply. Resolves
   * to the number of items written.
   */
  async #bisect(failed: Part): Promise<number> {
    const half = Math.ceil(sizeOf(failed) / 2);
    let written = 0;
    const failures: { part: Part; error: unknown }[] = [];
    for (const part of [slicePart(failed, 0, half), slicePart(failed, half)]) {
      const error = await this.#attempt(part);
      if (error === undefined) written += sizeOf(part);
      else failures.push({ part, error });
    }
    const [culprit, other] = failures;
    if (!culprit) return written;
    if (other || !isLastingServerError(culprit.error)) {
      for (const { part, error } of failures) this.#fail(part, error, true);
      return written;
    }
    if (sizeOf(culprit.part) > 1)
      return written + (await this.#bisect(culprit.part));
    this.#isolated ??= { error: culprit.error };
    this.#ledger.failed(culprit.part, "unknown");
    return written;
  }

  /**
   * One request through the HTTP client (which retries); the error, or undefined on success. An
   * answer that does not prove what was written (see `matchAnswer`) is an error: its writes are
   * then unknown.
   */
  async #attempt(part: Part): Promise<unknown> {
    try {
      const body = part.deletes.length
        ? { items: part.writes, delete: part.deletes }
        : { items: part.writes };
      const response = await this.send(body, this.options.signal);
      const items = expectItems<SlimInstance>(response, APPLY_PATH);
      const deleted = (response as ApplyResponse).deleted;
      if (deleted !== undefined && !Array.isArray(deleted))
        throw new ProtocolError({
          problem: "unexpected-shape",
          method: "POST",
          url: APPLY_PATH,
          detail: `expected "deleted" to be a list`,
        });
      const mayLeaveOut = this.options.skipOnVersionConflict === true;
      this.#ledger.written(part, matchAnswer(part.writes, items, mayLeaveOut));
      // In the order of `options.delete`, whatever order the requests finish in.
      const firstDelete = part.deletePositions[0];
      if (deleted && firstDelete !== undefined)
        this.#deleted[firstDelete] = deleted;
      this.#itemsDone +=
        part.positions.filter((position) => position >= 0).length +
        part.deletes.length;
      return undefined;
    } catch (error) {
      return error ?? new Error("the request failed without a reason");
    }
  }

  /** Records a failed part and stops the apply. After a 5xx the part may have been applied. */
  #fail(part: Part, error: unknown, afterServerError: boolean): void {
    const uncertain = afterServerError || !provesNothingApplied(error);
    this.#ledger.failed(part, uncertain ? "unknown" : "not-written");
    this.#stop ??= { error };
  }

  /** The result, or the error that says what was and was not written. */
  finish(input: ApplyInputs): ApplyResult {
    const failure = this.#stop ?? this.#isolated;
    if (!failure) return this.#ledger.result(this.#deleted.flat());
    // A check that failed before anything went out is thrown as it is: nothing was written.
    if (this.#started === 0 && !this.options.signal?.aborted)
      throw failure.error;
    const unsent: Part[] = [...this.#ready, this.builder.unbatched()];
    const report = this.#ledger.report(unsent, this.options.delete ?? []);
    // The input that failed its checks, and the rest of an array (a stream's rest is never read).
    const rejected = this.builder.rejected;
    const unread = Array.isArray(input)
      ? (input as ApplyInput[]).slice(this.builder.itemsRead)
      : [];
    const listed = new Set(report.notWritten.map((id) => instanceKey("", id)));
    for (const item of rejected ? [rejected.input, ...unread] : unread)
      for (const id of idsOfInput(item))
        if (!listed.has(instanceKey("", id))) report.notWritten.push(id);
    if (failure.error instanceof VersionConflictError)
      throw new ApplyVersionConflictError(failure.error, report);
    throw new ApplyFailedError({
      ...report,
      cause: failure.error,
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

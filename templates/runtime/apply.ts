// The apply engine: turns any number of instance writes (and deletes) into requests of at most
// 1000, orders nodes before the edges that need them, sends them with bounded concurrency, and
// merges the results back into input order. When a request fails for good, the error says which
// instances were written, which were not, and which are unknown (their request was in flight).

import {
  ApplyFailedError,
  DmsError,
  InvalidValueError,
  isAbortError,
  TokenError,
} from "./errors.js";
import {
  WriteCollector,
  assertFiniteNumbers,
  type CollectsWrites,
} from "./collect.js";
import type { RequestOptions } from "./http.js";
import type {
  ApplyFlags,
  ApplyResponse,
  DeletedInstance,
  InstanceDelete,
  InstanceId,
  InstanceWrite,
  SlimInstance,
} from "./wire.js";

/** The slice of `HttpClient` the engines use (a fake one in unit tests). */
export interface JsonPoster {
  postJson<T>(
    path: string,
    body: unknown,
    options?: RequestOptions,
  ): Promise<T>;
}

/** Anything that knows its wire form: generated apply classes implement this. */
export interface ToInstanceWrites {
  /** The instance writes for this object: the node or edge itself, and its edges and nested nodes. */
  toInstanceWrites(): InstanceWrite[];
}

/** What `applyInstances` accepts: raw wire items or objects that expand to them. */
export type ApplyInput = InstanceWrite | ToInstanceWrites | CollectsWrites;

/** Progress after each finished request. */
export interface ApplyProgress {
  readonly requestsDone: number;
  readonly requestsTotal: number;
  /** Writes and deletes whose request succeeded. */
  readonly itemsDone: number;
  readonly itemsTotal: number;
}

/** Options of an apply. Flags not given are left to the API's defaults. */
export interface ApplyOptions extends ApplyFlags {
  /** Instances to delete in the same operation (after the writes). */
  readonly delete?: readonly InstanceDelete[];
  /** Requests in flight at once: 1 to 4 (the project limit of concurrent applies). Default 2. */
  readonly concurrency?: number;
  /** Items (writes plus deletes) per request, at most 1000. Default 1000. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ApplyProgress) => void;
}

/** The merged outcome of an apply. */
export interface ApplyResult {
  /** One entry per written instance, in input order (after expansion and de-duplication). */
  readonly items: SlimInstance[];
  /** Instances the API left out of its answer: skipped on a version conflict. */
  readonly skipped: InstanceId[];
  /** Deleted instances, in the order of `options.delete` (missing ones are not listed). */
  readonly deleted: DeletedInstance[];
}

export const MAX_ITEMS_PER_REQUEST = 1000;
export const DEFAULT_APPLY_CONCURRENCY = 2;
export const MAX_APPLY_CONCURRENCY = 4;
export const MAX_DELETE_CONCURRENCY = 2;

/** Applies instance writes and deletes through `POST /models/instances`. */
export async function applyInstances(
  http: JsonPoster,
  input: Iterable<ApplyInput>,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const writes = prepareWrites(input);
  const deletes = options.delete ?? [];
  const chunkSize = checkedChunkSize(options.chunkSize);
  const concurrency = checkedConcurrency(
    options.concurrency,
    DEFAULT_APPLY_CONCURRENCY,
    MAX_APPLY_CONCURRENCY,
  );
  const plan = planApplyRequests(writes, deletes, chunkSize);
  const flags = applyFlags(options);
  const itemsTotal = writes.length + deletes.length;
  let itemsDone = 0;
  let requestsDone = 0;

  const run = await runRequests(plan, {
    concurrency,
    signal: options.signal,
    send: (request, signal) =>
      http.postJson<ApplyResponse>(
        "/models/instances",
        applyBody(writes, deletes, request, flags),
        signal ? { signal } : {},
      ),
    onDone: (request) => {
      itemsDone += request.writes.length + request.deletes.length;
      requestsDone++;
      options.onProgress?.({
        requestsDone,
        requestsTotal: plan.length,
        itemsDone,
        itemsTotal,
      });
    },
  });
  if (run.failure) {
    throw applyFailure(plan, run, writes, deletes, options.signal);
  }
  return mergeApplyResults(plan, run.results, writes);
}

/** Options of a bulk delete. */
export interface DeleteOptions {
  /** Requests in flight at once: 1 or 2 (the project limit of concurrent deletes). Default 1. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/** Deletes instances through `POST /models/instances/delete`, 1000 per request. */
export async function deleteInstances(
  http: JsonPoster,
  ids: readonly InstanceDelete[],
  options: DeleteOptions = {},
): Promise<DeletedInstance[]> {
  const concurrency = checkedConcurrency(
    options.concurrency,
    1,
    MAX_DELETE_CONCURRENCY,
  );
  const plan = planApplyRequests([], ids, MAX_ITEMS_PER_REQUEST);
  const run = await runRequests(plan, {
    concurrency,
    signal: options.signal,
    send: (request, signal) =>
      http.postJson<{ items: DeletedInstance[] }>(
        "/models/instances/delete",
        { items: request.deletes.map((position) => ids[position]) },
        signal ? { signal } : {},
      ),
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
      for (let earlier = 0; earlier < index; earlier++) dependsOn.add(earlier);
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

/** Expands generated apply objects into their wire items (merged per instance). */
export function expandInputs(input: Iterable<ApplyInput>): InstanceWrite[] {
  return prepareWrites(input);
}

/** Merges writes of the same instance into one item (see `WriteCollector`). */
export function dedupeWrites(
  writes: readonly InstanceWrite[],
): InstanceWrite[] {
  return prepareWrites(writes);
}

/**
 * A map from instance id to a number, nested by type and space so that no key strings are built
 * (this runs for every item of large applies).
 */
export class InstanceIndex {
  readonly #bySpace = {
    node: new Map<string, Map<string, number>>(),
    edge: new Map<string, Map<string, number>>(),
  };

  get(instanceType: "node" | "edge", id: InstanceId): number | undefined {
    return this.#bySpace[instanceType].get(id.space)?.get(id.externalId);
  }

  set(instanceType: "node" | "edge", id: InstanceId, value: number): void {
    const spaces = this.#bySpace[instanceType];
    let ids = spaces.get(id.space);
    if (!ids) {
      ids = new Map();
      spaces.set(id.space, ids);
    }
    ids.set(id.externalId, value);
  }
}

export { assertFiniteNumbers };

/** A key unique per instance type and id (NUL cannot occur in an external id). */
export function instanceKey(instanceType: string, id: InstanceId): string {
  return `${instanceType}\u0000${id.space}\u0000${id.externalId}`;
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

function applyBody(
  writes: readonly InstanceWrite[],
  deletes: readonly InstanceDelete[],
  request: PlannedRequest,
  flags: ApplyFlags,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    items: request.writes.map((position) => writes[position]),
  };
  if (request.deletes.length > 0) {
    body.delete = request.deletes.map((position) => deletes[position]);
  }
  return Object.assign(body, flags);
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
  readonly concurrency: number;
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
      while (!failure && running < context.concurrency && next < plan.length) {
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

/** A rejected request was not written; a lost or aborted one may have been. */
function failedState(error: unknown): RequestState {
  if (isAbortError(error)) return "unknown";
  if (
    error instanceof DmsError ||
    error instanceof TokenError ||
    error instanceof InvalidValueError
  ) {
    return "failed";
  }
  return "unknown";
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

function idOf(instance: InstanceId): InstanceId {
  return { space: instance.space, externalId: instance.externalId };
}

function mergeApplyResults(
  plan: readonly PlannedRequest[],
  responses: readonly (ApplyResponse | undefined)[],
  writes: readonly InstanceWrite[],
): ApplyResult {
  const byPosition: (SlimInstance | undefined)[] = new Array<
    SlimInstance | undefined
  >(writes.length);
  const deleted: DeletedInstance[] = [];
  plan.forEach((request, index) => {
    const response = responses[index];
    if (!response) return;
    placeItems(request, response.items, writes, byPosition);
    if (response.deleted) deleted.push(...response.deleted);
  });
  const items: SlimInstance[] = [];
  const skipped: InstanceId[] = [];
  for (let position = 0; position < writes.length; position++) {
    const item = byPosition[position];
    if (item) items.push(item);
    else skipped.push(idOf(writes[position] as InstanceWrite));
  }
  return { items, skipped, deleted };
}

/** The API answers in request order; when it left items out (skipped), match them by id. */
function placeItems(
  request: PlannedRequest,
  items: readonly SlimInstance[],
  writes: readonly InstanceWrite[],
  byPosition: (SlimInstance | undefined)[],
): void {
  if (items.length === request.writes.length) {
    request.writes.forEach((position, i) => {
      byPosition[position] = items[i];
    });
    return;
  }
  const byKey = new Map(
    items.map((item) => [instanceKey(item.instanceType, item), item]),
  );
  for (const position of request.writes) {
    const write = writes[position] as InstanceWrite;
    byPosition[position] = byKey.get(instanceKey(write.instanceType, write));
  }
}

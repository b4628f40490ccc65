// The one write-merge policy: every write (raw wire items, generated apply objects, their nested
// nodes and edges) goes through a WriteCollector before it is planned into requests. Each instance
// becomes one item, since the API rejects an instance named twice in one request: two writes of one
// instance (say, through two views) merge their sources; the same value twice is fine; two
// different values for one property, or different ends, types or versions, are an error that names
// both writers.

import { InvalidValueError } from "../core/errors.js";
import type {
  InstanceId,
  InstanceWrite,
  PropertyValue,
  PropertyValues,
  SourceData,
  SourceReference,
} from "../core/wire.js";

/** An object that adds its own writes (and those of objects it references) to a collector. */
export interface CollectsWrites {
  readonly space: string;
  readonly externalId: string;
  collect(collector: WriteCollector): void;
}

/** Anything else that knows its wire form. */
export interface ExpandsToWrites {
  toInstanceWrites(): InstanceWrite[];
}

/** What the collector takes as input: wire items, or objects that expand to them. */
export type CollectorInput = InstanceWrite | CollectsWrites | ExpandsToWrites;

/** Two writes of one instance that cannot be merged into one item. */
export class ConflictingWritesError extends Error {
  override readonly name = "ConflictingWritesError";
  constructor(
    message: string,
    /** The instance both writes are for. */
    readonly instance: InstanceId,
    /** The property (or field) they disagree on, e.g. `space:View/v1.name` or `startNode`. */
    readonly property: string,
  ) {
    super(message);
  }
}

/** Whether a value is an object that collects its own writes (a generated apply object). */
export function collectsWrites(value: unknown): value is CollectsWrites {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<CollectsWrites>).collect === "function"
  );
}

type Origin = CollectsWrites | number;

/** What the collector reads of an apply object's class: its view and the views it implements. */
interface ApplyClassStatics {
  readonly view?: { space: string; externalId: string; version: string };
  readonly implemented?: readonly string[];
}

/** The views an apply object's class writes through: its own and every one it implements. */
function viewsOf(value: object): readonly string[] {
  const info = value.constructor as ApplyClassStatics | undefined;
  const view = info?.view;
  if (!view) return [];
  return [
    `${view.space}:${view.externalId}/${view.version}`,
    ...(info.implemented ?? []),
  ];
}

/** The target of a direct relation that names no view: any node's apply object will do. */
export const ANY_NODE_VIEW = "";

/** An apply object where a direct relation to `target` is set: a node of that view, or a TypeError. */
function checkNodeOfView(value: CollectsWrites, target: string): void {
  const views = viewsOf(value);
  // An edge apply object has its ends as own fields; no direct relation points at an edge.
  const isEdge = "startNode" in value && "endNode" in value;
  if (!isEdge && (target === ANY_NODE_VIEW || views.includes(target))) return;
  const name = (value.constructor as { name?: string }).name || "apply object";
  const what = views[0] ? `${name} of ${views[0]}` : name;
  const expected =
    target === ANY_NODE_VIEW
      ? "a node apply object"
      : `an apply object of ${target} (or of a view implementing it)`;
  throw new TypeError(
    `expected a node reference { space, externalId } or ${expected}, got ${isEdge ? "the edge " : ""}${what} ${value.space}:${value.externalId}`,
  );
}

/**
 * The collected writes of one instance type, in first-seen order. Writes are numbered in the order
 * they come, counting those already taken out (`taken`): `items[i]` is write number `taken + i`.
 */
class WriteList {
  items: InstanceWrite[] = [];
  origins: Origin[] = [];
  /** Each item's place in first-seen order across both types (for `writesInOrder`). */
  sequence: number[] = [];
  /**
   * The number of each instance's latest write, by space, then external id (no key strings are
   * built). A number below `taken` is a write already taken out; the streaming apply uses it to
   * find the unfinished request that wrote the instance, so it needs no index of its own.
   */
  readonly bySpace = new Map<string, Map<string, number>>();
  /** Writes taken out so far. */
  taken = 0;
  /** Writes (by number) of an instance also written in a taken write: that write's number. */
  readonly again = new Map<number, number>();
  /**
   * The origins of taken writes, a run per take (the list's own origins array, handed over):
   * `first` is the number of the run's first write. Forgotten with the index (`reindex`).
   */
  takenOrigins: { first: number; origins: Origin[] }[] = [];

  // The ids of the space last asked for: large applies are mostly of one space.
  #lastSpace: string | undefined;
  #lastIds: Map<string, number> | undefined;

  idsOf(space: string): Map<string, number> {
    if (space === this.#lastSpace && this.#lastIds) return this.#lastIds;
    let ids = this.bySpace.get(space);
    if (!ids) {
      ids = new Map();
      this.bySpace.set(space, ids);
    }
    this.#lastSpace = space;
    this.#lastIds = ids;
    return ids;
  }

  /** The number of the latest write of an instance, if the index still holds it. */
  numberOf(id: InstanceId): number | undefined {
    return this.bySpace.get(id.space)?.get(id.externalId);
  }

  /** Removes the first `count` items; the numbers of the rest do not change. */
  take(count: number): InstanceWrite[] {
    let taken: InstanceWrite[];
    if (count >= this.items.length) {
      // All of them (the usual case: a request is taken as the window fills it): no copies.
      taken = this.items;
      this.takenOrigins.push({ first: this.taken, origins: this.origins });
      this.items = [];
      this.origins = [];
      this.sequence = [];
    } else {
      taken = this.items.splice(0, count);
      const origins = this.origins.splice(0, count);
      this.takenOrigins.push({ first: this.taken, origins });
      this.sequence.splice(0, count);
    }
    this.taken += taken.length;
    return taken;
  }

  /** The origin of a taken write, while its run is remembered. */
  takenOrigin(number: number): Origin | undefined {
    for (const run of this.takenOrigins) {
      const index = number - run.first;
      if (index >= 0 && index < run.origins.length) return run.origins[index];
    }
    return undefined;
  }

  /** Forgets every taken write except those listed (numbered), in the order given. */
  reindex(kept: Iterable<readonly [number, InstanceWrite]>): void {
    this.bySpace.clear();
    this.#lastSpace = undefined;
    this.#lastIds = undefined;
    let oldestKept = this.taken;
    for (const [number, write] of kept) {
      this.idsOf(write.space).set(write.externalId, number);
      if (number < oldestKept) oldestKept = number;
    }
    // Origins of forgotten writes only: the runs that still hold a kept write stay.
    this.takenOrigins = this.takenOrigins.filter(
      (run) => run.first + run.origins.length > oldestKept,
    );
    for (let i = 0; i < this.items.length; i++) {
      const item = this.items[i] as InstanceWrite;
      this.idsOf(item.space).set(item.externalId, this.taken + i);
    }
  }
}

/**
 * Gathers writes: each input object once, one item per instance (merged), in first-seen order;
 * `writes()` returns nodes before edges so that a request never needs an edge's ends before they
 * exist. Numbers in raw items are checked for NaN / Infinity (apply objects check their values
 * when they convert them).
 *
 * The streaming apply keeps one collector per window of the input and takes requests out of it
 * (`take`), so that writes of one instance within a request merge as they are added.
 */
export class WriteCollector {
  readonly #seen = new Set<object>();
  readonly #lists = { node: new WriteList(), edge: new WriteList() };
  #origin: Origin = 0;
  #sequence = 0;

  /** Adds any apply input; `position` is its place in the caller's list (for error messages). */
  addInput(item: CollectorInput, position: number): void {
    if (collectsWrites(item)) {
      this.addRoot(item);
      return;
    }
    const outer = this.#origin;
    this.#origin = position;
    if (
      typeof (item as Partial<ExpandsToWrites>).toInstanceWrites === "function"
    ) {
      for (const write of (item as ExpandsToWrites).toInstanceWrites()) {
        checkRawWrite(write, position);
        this.push(write);
      }
    } else {
      checkRawWrite(item, position);
      this.push(item as InstanceWrite);
    }
    this.#origin = outer;
  }

  /**
   * Adds an apply object given as input, and what it references. Unlike `add`, it does not
   * remember the object: inputs are rarely repeated, and a repeated one merges as any write of
   * the same instance does. That saves a set operation per input; the objects an input references
   * (which may be shared, or form cycles) still go through `add`, which also finds an input
   * whose write was taken out already (see `#writtenBefore`).
   */
  addRoot(item: CollectsWrites): void {
    const outer = this.#origin;
    this.#origin = item;
    item.collect(this);
    this.#origin = outer;
  }

  /** Adds an apply object (once, however often it is reached) and what it references. */
  add(item: CollectsWrites): void {
    // One set operation: the size grows only for an object not seen before.
    const seen = this.#seen.size;
    if (this.#seen.add(item).size === seen) return;
    if (this.#writtenBefore(item)) return;
    const outer = this.#origin;
    this.#origin = item;
    item.collect(this);
    this.#origin = outer;
  }

  /**
   * Whether `item` wrote its node in a write already taken out (an input of an earlier request,
   * reached again as a parent given as an apply object, say): then its write went out, and is not
   * sent (nor counted) again. Asked only for objects reached through a reference.
   */
  #writtenBefore(item: CollectsWrites): boolean {
    const list = this.#lists.node;
    if (list.taken === 0) return false;
    const at = list.numberOf(item);
    return at !== undefined && at < list.taken && list.takenOrigin(at) === item;
  }

  /** Adds one write of the object being collected; merges it with an earlier one of its instance. */
  push(write: InstanceWrite): void {
    const list = this.#lists[write.instanceType];
    const ids = list.idsOf(write.space);
    const at = ids.get(write.externalId);
    if (at === undefined || at < list.taken) {
      const number = list.taken + list.items.length;
      ids.set(write.externalId, number);
      // Written before in a write already taken out: the apply decides whether to wait for it.
      if (at !== undefined) list.again.set(number, at);
      list.items.push(write);
      list.origins.push(this.#origin);
      list.sequence.push(this.#sequence++);
      return;
    }
    const index = at - list.taken;
    list.items[index] = mergeWrites(
      list.items[index] as InstanceWrite,
      write,
      list.origins[index] as Origin,
      this.#origin,
    );
  }

  /** Adds one write on behalf of `origin` (an apply object, or a raw item's position). */
  addFrom(write: InstanceWrite, origin: CollectsWrites | number): void {
    const outer = this.#origin;
    this.#origin = origin;
    this.push(write);
    this.#origin = outer;
  }

  /**
   * A node reference for a value that may be a nested apply object (which is then written too).
   * With `target` (a direct relation's view, `space:externalId/version`), an apply object must be
   * of that view or of a view implementing it: any other is an error before anything is written,
   * never a write of another view's node.
   */
  reference(value: unknown, target?: string): InstanceId {
    if (collectsWrites(value)) {
      if (target !== undefined) checkNodeOfView(value, target);
      this.add(value);
      return { space: value.space, externalId: value.externalId };
    }
    if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as InstanceId).space === "string" &&
      typeof (value as InstanceId).externalId === "string"
    ) {
      const { space, externalId } = value as InstanceId;
      return { space, externalId };
    }
    throw new TypeError(
      "expected a node reference { space, externalId } or an apply object",
    );
  }

  /** How many writes of a type are collected (and not taken). */
  count(instanceType: "node" | "edge"): number {
    return this.#lists[instanceType].items.length;
  }

  /** Whether a write of this instance is collected (and not taken). */
  has(instanceType: "node" | "edge", id: InstanceId): boolean {
    const list = this.#lists[instanceType];
    const at = list.numberOf(id);
    return at !== undefined && at >= list.taken;
  }

  /**
   * The number of the latest write of an instance (see `take`), collected or taken; undefined
   * when none was, or when it was taken and forgotten (`forgetTaken`).
   */
  numberOf(instanceType: "node" | "edge", id: InstanceId): number | undefined {
    return this.#lists[instanceType].numberOf(id);
  }

  /** How many writes of a type were taken out: the number of the first one still collected. */
  takenCount(instanceType: "node" | "edge"): number {
    return this.#lists[instanceType].taken;
  }

  /**
   * The writes numbered `from` to `to` (not included) that write an instance also written by an
   * earlier, taken write: pairs of [number, the earlier write's number]. Each is told once.
   */
  writtenAgain(
    instanceType: "node" | "edge",
    from: number,
    to: number,
  ): [number, number][] {
    const again = this.#lists[instanceType].again;
    if (again.size === 0) return [];
    const found: [number, number][] = [];
    for (const [number, earlier] of again) {
      if (number < from || number >= to) continue;
      found.push([number, earlier]);
      again.delete(number);
    }
    return found;
  }

  /**
   * Forgets the taken writes of a type except those given with their numbers (a later one wins),
   * so that the index stays as small as the writes the caller still cares about.
   */
  forgetTaken(
    instanceType: "node" | "edge",
    kept: Iterable<readonly [number, InstanceWrite]>,
  ): void {
    this.#lists[instanceType].reindex(kept);
  }

  /** The collected writes of a type, in first-seen order (not a copy: read, do not keep). */
  peek(instanceType: "node" | "edge"): readonly InstanceWrite[] {
    return this.#lists[instanceType].items;
  }

  /**
   * Takes the first `count` writes of a type out of the collector. An object whose own write was
   * taken is not collected again when reached again (`#writtenBefore`): it is written once.
   * Writes keep their numbers: the first one taken is number `takenCount` before the call.
   */
  take(instanceType: "node" | "edge", count: number): InstanceWrite[] {
    this.#seen.clear();
    return this.#lists[instanceType].take(count);
  }

  /** Every collected write, one per instance, in first-seen order. */
  writesInOrder(): InstanceWrite[] {
    const { node, edge } = this.#lists;
    if (edge.items.length === 0) return node.items.slice();
    if (node.items.length === 0) return edge.items.slice();
    const merged: InstanceWrite[] = [];
    let n = 0;
    let e = 0;
    while (n < node.items.length || e < edge.items.length) {
      const takeNode =
        e >= edge.items.length ||
        (n < node.items.length &&
          (node.sequence[n] as number) < (edge.sequence[e] as number));
      merged.push(
        (takeNode ? node.items[n++] : edge.items[e++]) as InstanceWrite,
      );
    }
    return merged;
  }

  /** Every collected write, one per instance: nodes first, then edges, each in first-seen order. */
  writes(): InstanceWrite[] {
    return this.#lists.node.items.concat(this.#lists.edge.items);
  }
}

/** Two writes of one instance as one item, or a ConflictingWritesError. */
function mergeWrites(
  earlier: InstanceWrite,
  later: InstanceWrite,
  earlierOrigin: Origin,
  laterOrigin: Origin,
): InstanceWrite {
  const conflict = (field: string, a: unknown, b: unknown): never => {
    const what = `${earlier.instanceType} ${earlier.space}:${earlier.externalId}`;
    throw new ConflictingWritesError(
      `${describe(earlierOrigin)} and ${describe(laterOrigin)} both write ${what} with different values for ${field}: ${show(a)} and ${show(b)}; make them agree or write them separately`,
      { space: earlier.space, externalId: earlier.externalId },
      field,
    );
  };
  const merged: Record<string, unknown> = { ...earlier };
  for (const field of [
    "existingVersion",
    "type",
    "startNode",
    "endNode",
  ] as const) {
    const a = (earlier as unknown as Record<string, unknown>)[field];
    const b = (later as unknown as Record<string, unknown>)[field];
    if (b === undefined) continue;
    if (a !== undefined && !sameValue(a, b)) conflict(field, a, b);
    merged[field] = b;
  }
  const sources: SourceData[] = [...(earlier.sources ?? [])];
  for (const source of later.sources ?? []) {
    const same = sources.findIndex((s) => sameSource(s.source, source.source));
    const existing = same >= 0 ? sources[same] : undefined;
    if (!existing) {
      sources.push(source);
      continue;
    }
    const properties: PropertyValues = { ...existing.properties };
    for (const [name, value] of Object.entries(source.properties ?? {})) {
      if (
        Object.prototype.hasOwnProperty.call(properties, name) &&
        !sameValue(properties[name], value)
      ) {
        conflict(
          `${sourceName(source.source)}.${name}`,
          properties[name],
          value,
        );
      }
      properties[name] = value;
    }
    sources[same] =
      Object.keys(properties).length > 0
        ? { source: existing.source, properties }
        : { source: existing.source };
  }
  merged.sources = sources;
  return merged as unknown as InstanceWrite;
}

function sameSource(a: SourceReference, b: SourceReference): boolean {
  return (
    a.type === b.type &&
    a.space === b.space &&
    a.externalId === b.externalId &&
    (a.type === "container" ||
      a.version === (b as SourceReference & { version?: string }).version)
  );
}

function sourceName(source: SourceReference): string {
  return source.type === "view"
    ? `${source.space}:${source.externalId}/${source.version}`
    : `${source.space}:${source.externalId}`;
}

/** Deep equality of wire values (JSON data, bigint included). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.prototype.hasOwnProperty.call(b, key) &&
      sameValue(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
      ),
  );
}

function describe(origin: Origin): string {
  if (typeof origin === "number") return `item ${origin}`;
  const name = (origin.constructor as { name?: string }).name || "apply object";
  return `${name} ${origin.space}:${origin.externalId}`;
}

function show(value: unknown): string {
  const text =
    typeof value === "bigint"
      ? `${value}n`
      : (JSON.stringify(value, (_, v: unknown) =>
          typeof v === "bigint" ? `${v}n` : v,
        ) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks a raw write (one not built by an apply object) before it is indexed: a node or an edge
 * with string ids (an edge also with its type and both ends), and finite numbers everywhere.
 */
export function checkRawWrite(write: unknown, index: number): void {
  if (typeof write !== "object" || write === null || Array.isArray(write)) {
    throw new InvalidValueError(
      index,
      { space: "?", externalId: "?" },
      "(item)",
      `expected an instance write object, got ${show(write)}`,
    );
  }
  const item = write as Partial<Record<string, unknown>>;
  const id = {
    space: typeof item.space === "string" ? item.space : "?",
    externalId: typeof item.externalId === "string" ? item.externalId : "?",
  };
  const fail = (path: string, expected: string, value: unknown): never => {
    throw new InvalidValueError(
      index,
      id,
      path,
      `expected ${expected}, got ${show(value)}`,
    );
  };
  if (item.instanceType !== "node" && item.instanceType !== "edge")
    fail("instanceType", '"node" or "edge"', item.instanceType);
  if (typeof item.space !== "string") fail("space", "a string", item.space);
  if (typeof item.externalId !== "string")
    fail("externalId", "a string", item.externalId);
  if (item.instanceType === "edge") {
    for (const field of ["type", "startNode", "endNode"]) {
      const ref = item[field] as Partial<InstanceId> | null | undefined;
      if (
        typeof ref !== "object" ||
        ref === null ||
        typeof ref.space !== "string" ||
        typeof ref.externalId !== "string"
      )
        fail(field, "{ space, externalId } with string values", ref);
    }
  }
  assertFiniteNumbers(write as InstanceWrite, index);
}

/** Rejects NaN and ±Infinity anywhere in a write: JSON would silently turn them into null. */
export function assertFiniteNumbers(write: InstanceWrite, index: number): void {
  if (
    write.existingVersion !== undefined &&
    !Number.isFinite(write.existingVersion)
  ) {
    throw new InvalidValueError(
      index,
      write,
      "existingVersion",
      notFinite(write.existingVersion),
    );
  }
  const sources = write.sources;
  if (!sources) return;
  for (let s = 0; s < sources.length; s++) {
    const properties = (sources[s] as SourceData).properties;
    if (!properties) continue;
    for (const name in properties) {
      // The path string is built only for a bad value: this runs for every property of every item.
      if (!containsNonFinite(properties[name])) continue;
      const problem = findNonFinite(
        properties[name],
        `sources[${s}].properties.${name}`,
      );
      if (problem)
        throw new InvalidValueError(
          index,
          write,
          problem.path,
          notFinite(problem.value),
        );
    }
  }
}

function containsNonFinite(value: PropertyValue | undefined): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(containsNonFinite);
  for (const key in value) {
    if (containsNonFinite(value[key])) return true;
  }
  return false;
}

function findNonFinite(
  value: unknown,
  path: string,
): { path: string; value: number } | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path, value };
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonFinite(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = findNonFinite(
      (value as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found) return found;
  }
  return undefined;
}

function notFinite(value: number): string {
  return `${value} is not a finite number; the API accepts no NaN or Infinity`;
}

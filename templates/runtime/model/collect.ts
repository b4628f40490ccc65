// The one write-merge policy: every write (raw wire items, generated apply objects, their nested
// nodes and edges) goes through a WriteCollector before it is put into requests. Each instance
// becomes one item, since the API rejects an instance named twice in one request: two writes of one
// instance (say, through two views) merge their sources; the same value twice is fine; two
// different values for one property, or different ends, types or versions, are an error that names
// both writers.

import { InvalidValueError } from "../core/errors.js";
import type {
  InstanceId,
  InstanceWrite,
  SourceData,
  SourceReference,
} from "../core/wire.js";

/** An object that adds its own writes (and those of objects it references) to a collector. */
export interface CollectsWrites {
  readonly space: string;
  readonly externalId: string;
  collect(collector: WriteCollector): void;
}

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

/** Who asked for a write, for error messages: an apply object, or a raw item's input position. */
type Origin = CollectsWrites | number;

/** The target of a direct relation that names no view: any node's apply object will do. */
export const ANY_NODE_VIEW = "";

/** An apply object where a direct relation to `target` is set: a node of that view, or a TypeError. */
function checkNodeOfView(value: CollectsWrites, target: string): void {
  const info = value.constructor as {
    readonly name?: string;
    readonly view?: { space: string; externalId: string; version: string };
    readonly implemented?: readonly string[];
  };
  const views = info.view
    ? [
        `${info.view.space}:${info.view.externalId}/${info.view.version}`,
        ...(info.implemented ?? []),
      ]
    : [];
  // An edge apply object has its ends as own fields; no direct relation points at an edge.
  const isEdge = "startNode" in value && "endNode" in value;
  if (!isEdge && (target === ANY_NODE_VIEW || views.includes(target))) return;
  const name = info.name || "apply object";
  const what = views[0] ? `${name} of ${views[0]}` : name;
  const expected =
    target === ANY_NODE_VIEW
      ? "a node apply object"
      : `an apply object of ${target} (or of a view implementing it)`;
  throw new TypeError(
    `expected a node reference { space, externalId } or ${expected}, got ${isEdge ? "the edge " : ""}${what} ${value.space}:${value.externalId}`,
  );
}

/** The collected writes of one instance type, in first-seen order, and where each instance's is. */
class WriteList {
  items: InstanceWrite[] = [];
  origins: Origin[] = [];
  /** Index in `items` by space, then external id (no key strings are built per write). */
  readonly #at = new Map<string, Map<string, number>>();

  indexOf(id: InstanceId): number | undefined {
    return this.#at.get(id.space)?.get(id.externalId);
  }

  /** Adds a write of an instance not collected. */
  add(write: InstanceWrite, origin: Origin): void {
    let ids = this.#at.get(write.space);
    if (!ids) this.#at.set(write.space, (ids = new Map()));
    ids.set(write.externalId, this.items.length);
    this.items.push(write);
    this.origins.push(origin);
  }

  /** Takes the first `count` writes out. */
  take(count: number): InstanceWrite[] {
    const taken = this.items;
    const origins = this.origins;
    this.items = [];
    this.origins = [];
    this.#at.clear();
    for (let i = count; i < taken.length; i++)
      this.add(taken[i] as InstanceWrite, origins[i] as Origin);
    taken.length = Math.min(count, taken.length);
    return taken;
  }
}

/** Apply objects a collector remembers at least (see `WriteCollector.add`). */
const SEEN_KEPT = 16_384;

/**
 * Gathers writes: each apply object once, one item per instance (merged), in first-seen order;
 * `writes()` returns nodes before edges so that a request never needs an edge's ends before they
 * exist. The streaming apply keeps one collector for the whole apply and takes requests out of it
 * (`take`); an object it reaches again after its writes were taken is not collected again when
 * `writtenBefore` says so (the apply looks among its recent requests), so that a shared object is
 * written once.
 */
export class WriteCollector {
  /** Referenced apply objects collected: the last `SEEN_KEPT` at least. */
  readonly #seen = new Set<object>();
  readonly #lists = { node: new WriteList(), edge: new WriteList() };
  #origin: Origin = 0;
  /** Whether an object's own write was taken out already (set by the streaming apply). */
  writtenBefore: (item: CollectsWrites) => boolean = () => false;

  /** Adds an apply object (once, however often it is reached) and what it references. */
  add(item: CollectsWrites): void {
    const seen = this.#seen.size;
    // One set operation: the size grows only for an object not seen before.
    if (this.#seen.add(item).size === seen) return;
    if (seen >= SEEN_KEPT) {
      this.#seen.clear();
      this.#seen.add(item);
    }
    if (!this.writtenBefore(item)) this.addRoot(item);
  }

  /**
   * Adds an apply object given as input, and what it references. Unlike `add` it does not
   * remember the object: inputs are rarely repeated (a repeated one merges as any write of its
   * instance does), and a set operation per input was 7 % of a typed apply's client CPU.
   */
  addRoot(item: CollectsWrites): void {
    const outer = this.#origin;
    this.#origin = item;
    try {
      item.collect(this);
    } finally {
      this.#origin = outer;
    }
  }

  /** Adds one write of the object being collected; merges it with an earlier one of its instance. */
  push(write: InstanceWrite): void {
    const list = this.#lists[write.instanceType];
    const at = list.indexOf(write);
    if (at === undefined) return list.add(write, this.#origin);
    list.items[at] = mergeWrites(
      list.items[at] as InstanceWrite,
      write,
      list.origins[at] as Origin,
      this.#origin,
    );
  }

  /** Adds one write on behalf of `origin` (a raw item's input position). */
  addFrom(write: InstanceWrite, origin: Origin): void {
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
    const { space, externalId } = (value ?? {}) as Partial<InstanceId>;
    if (typeof space === "string" && typeof externalId === "string")
      return { space, externalId };
    throw new TypeError(
      "expected a node reference { space, externalId } or an apply object",
    );
  }

  /** Who asked for each collected write of a type (parallel to `peek`). */
  origins(instanceType: "node" | "edge"): readonly Origin[] {
    return this.#lists[instanceType].origins;
  }

  /** The collected writes of a type (not a copy: read, do not keep). */
  peek(instanceType: "node" | "edge"): readonly InstanceWrite[] {
    return this.#lists[instanceType].items;
  }

  /** Whether a write of this instance is collected (and not taken). */
  has(instanceType: "node" | "edge", id: InstanceId): boolean {
    return this.#lists[instanceType].indexOf(id) !== undefined;
  }

  /** Takes the first `count` writes of a type out of the collector. */
  take(instanceType: "node" | "edge", count: number): InstanceWrite[] {
    return this.#lists[instanceType].take(count);
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
  for (const field of ["existingVersion", "type", "startNode", "endNode"]) {
    const a = (earlier as unknown as Record<string, unknown>)[field];
    const b = (later as unknown as Record<string, unknown>)[field];
    if (b === undefined) continue;
    if (a !== undefined && !sameValue(a, b)) conflict(field, a, b);
    merged[field] = b;
  }
  const sources: SourceData[] = [...(earlier.sources ?? [])];
  for (const source of later.sources ?? []) {
    const same = sources.findIndex((s) => sameSource(s.source, source.source));
    const existing = sources[same];
    if (!existing) {
      sources.push(source);
      continue;
    }
    const properties = { ...existing.properties };
    for (const [name, value] of Object.entries(source.properties ?? {})) {
      if (
        Object.hasOwn(properties, name) &&
        !sameValue(properties[name], value)
      )
        conflict(
          `${sourceName(source.source)}.${name}`,
          properties[name],
          value,
        );
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
  return sourceName(a) === sourceName(b) && a.type === b.type;
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
  return (
    keysA.length === Object.keys(b).length &&
    keysA.every(
      (key) =>
        Object.hasOwn(b, key) &&
        sameValue(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
        ),
    )
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
 * Checks a raw write (one not built by an apply object) before it is collected: a node or an edge
 * with string ids (an edge also with its type and both ends), and finite numbers everywhere.
 */
export function checkRawWrite(write: unknown, index: number): void {
  const item = (write ?? {}) as Partial<Record<string, unknown>>;
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
  if (typeof write !== "object" || write === null || Array.isArray(write))
    fail("(item)", "an instance write object", write);
  if (item.instanceType !== "node" && item.instanceType !== "edge")
    fail("instanceType", '"node" or "edge"', item.instanceType);
  if (typeof item.space !== "string") fail("space", "a string", item.space);
  if (typeof item.externalId !== "string")
    fail("externalId", "a string", item.externalId);
  if (item.instanceType === "edge") {
    for (const field of ["type", "startNode", "endNode"]) {
      const ref = (item[field] ?? {}) as Partial<InstanceId>;
      if (typeof ref.space !== "string" || typeof ref.externalId !== "string")
        fail(field, "{ space, externalId } with string values", item[field]);
    }
  }
  assertFiniteNumbers(write as InstanceWrite, index);
}

/** Rejects NaN and ±Infinity anywhere in a write: JSON would silently turn them into null. */
export function assertFiniteNumbers(write: InstanceWrite, index: number): void {
  const fail = (path: string, value: unknown): never => {
    throw new InvalidValueError(
      index,
      write,
      path,
      `${String(value)} is not a finite number; the API accepts no NaN or Infinity`,
    );
  };
  const version = write.existingVersion;
  if (version !== undefined && !Number.isFinite(version))
    fail("existingVersion", version);
  (write.sources ?? []).forEach((source, s) => {
    const properties = source.properties ?? {};
    for (const name in properties) {
      const found = findNonFinite(properties[name]);
      if (found)
        fail(`sources[${s}].properties.${name}${found.path}`, found.value);
    }
  });
}

/** A non-finite number in a value and where (`[2].key`; empty for the value itself). */
function findNonFinite(
  value: unknown,
): { path: string; value: number } | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) ? undefined : { path: "", value };
  if (typeof value !== "object" || value === null) return undefined;
  for (const key in value) {
    const found = findNonFinite((value as Record<string, unknown>)[key]);
    // The path is built only for a bad value: this runs for every property of every item.
    if (found)
      return {
        path: `${Array.isArray(value) ? `[${key}]` : `.${key}`}${found.path}`,
        value: found.value,
      };
  }
  return undefined;
}

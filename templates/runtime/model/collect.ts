// The one write-merge policy: every write goes through a WriteCollector, which keeps one item per
// instance (the API rejects an instance named twice in one request). Two writes of one instance
// merge; two different values for one field are a ConflictingWritesError naming both writers.

import { InvalidValueError } from "../core/errors.js";
import type { ViewClassInfo } from "./typed.js";
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

export function isInstanceId(value: unknown): value is InstanceId {
  return (
    typeof (value as InstanceId | null)?.space === "string" &&
    typeof (value as InstanceId).externalId === "string"
  );
}

/** A copy of an id without whatever else the object holds. */
export const idOf = ({ space, externalId }: InstanceId): InstanceId => ({
  space,
  externalId,
});

export function collectsWrites(value: unknown): value is CollectsWrites {
  return (
    typeof (value as Partial<CollectsWrites> | null)?.collect === "function"
  );
}

/** Who asked for a write, for error messages: an apply object, or a raw item's input position. */
type Origin = CollectsWrites | number;

/** The target of a direct relation that names no view: any node's apply object will do. */
export const ANY_NODE_VIEW = "";

/** Writes of one instance type collected and not yet taken, in first-seen order. */
class Pending {
  writes: InstanceWrite[] = [];
  origins: Origin[] = [];
  /** Per write, its instance's number (`~number`: an instance written before it was taken). */
  numbers: number[] = [];
  /** `writes[i]` is this type's write number `taken + i`. */
  taken = 0;
}

/** What a collector keeps of a recent `take`: who wrote each instance it took. */
type Taken = Pick<Pending, "numbers" | "origins"> & {
  readonly request: number;
};

/** Takes an object reached again is looked for in (so that a shared object is written once). */
const RECENT_KEPT = 16;

/**
 * Gathers writes: one item per instance, numbered in first-seen order (the order of an apply's
 * result). The apply engine `take`s requests out as they fill; an instance written again after
 * that goes out again, counted once (its number as `~number`).
 */
export class WriteCollector {
  readonly #pending = { node: new Pending(), edge: new Pending() };
  /**
   * The instances by a 64-bit hash of type, space and external id: per slot the hash's halves and
   * the instance's number plus one (0: empty). No key kept alive: 164 MiB for a million instead of
   * 276 with `Map`s (BENCHMARKS.md). Two instances share a hash with a chance of about n^2 / 2^65.
   */
  #table = new Int32Array(3 * 1024);
  /** Per instance, its latest write: `~i` (collected write `i` of its type), else its request. */
  #where = new Int32Array(1024);
  #instances = 0;
  readonly #recent: Taken[] = [];
  /** Who is collecting, innermost last: apply objects (a cycle of references ends at them). */
  readonly #origins: Origin[] = [];
  /** Called when an instance a request took is written again (the apply orders the two). */
  writtenAgain?: (request: number, write: InstanceWrite) => void;

  /** Adds an input apply object (a repeated one merges as any write) and its references. */
  addRoot(item: CollectsWrites): void {
    this.#origins.push(item);
    try {
      item.collect(this);
    } finally {
      this.#origins.pop();
    }
  }

  /** Adds a write of `origin` (the object being collected, or a raw item's input position). */
  push(write: InstanceWrite, origin: Origin = this.#origins.at(-1) ?? 0): void {
    const pending = this.#pending[write.instanceType];
    if (6 * (this.#instances + 1) > this.#table.length) this.#grow();
    const slot = this.#find(write.instanceType, write);
    let number = this.#table[slot + 2]! - 1;
    const where = this.#where[number]!;
    const at = ~where - pending.taken;
    if (
      number < 0 ||
      (where < 0 && !sameInstance(pending.writes[at]!, write))
    ) {
      number = this.#instances++;
      // A new instance (or, once in 30 million, one whose hash an instance collected holds).
      if (this.#table[slot + 2] === 0) this.#table[slot + 2] = number + 1;
      if (number === this.#where.length) {
        const grown = new Int32Array(2 * number);
        grown.set(this.#where);
        this.#where = grown;
      }
      this.#where[number] = ~(pending.taken + pending.writes.length);
    } else {
      if (where < 0) {
        pending.writes[at] = mergeWrites(
          pending.writes[at]!,
          write,
          pending.origins[at]!,
          origin,
        );
        return;
      }
      this.writtenAgain?.(where, write);
      this.#where[number] = ~(pending.taken + pending.writes.length);
      number = ~number;
    }
    pending.writes.push(write);
    pending.origins.push(origin);
    pending.numbers.push(number);
  }

  /**
   * A node reference for a value that may be a nested apply object (then written too), which must
   * be of view `target` (`space:externalId/version`) or of one implementing it, when given.
   */
  reference(value: unknown, target?: string): InstanceId {
    if (collectsWrites(value)) {
      if (target !== undefined) checkNodeOfView(value, target);
      // Unless it is being collected or was collected already (a shared object is written once).
      if (!this.#origins.includes(value) && this.#originOf(value) !== value)
        this.addRoot(value);
      return idOf(value);
    }
    if (isInstanceId(value)) return idOf(value);
    throw new TypeError(
      "expected a node reference { space, externalId } or an apply object",
    );
  }

  /** A direct relation's value (not null): `reference` of it, or of each item of a list. */
  references(value: unknown, target = ANY_NODE_VIEW): unknown {
    return Array.isArray(value)
      ? value.map((item) => this.reference(item, target))
      : this.reference(value, target);
  }

  /** Instances numbered so far (writes of one instance count once). */
  get instances(): number {
    return this.#instances;
  }

  /** How many collected writes (of a type, or both) are not taken yet. */
  pending(instanceType?: "node" | "edge"): number {
    const { node, edge } = this.#pending;
    return instanceType
      ? this.#pending[instanceType].writes.length
      : node.writes.length + edge.writes.length;
  }

  /** The collected writes, one per instance: nodes first, then edges, each in first-seen order. */
  writes(): InstanceWrite[] {
    return this.#pending.node.writes.concat(this.#pending.edge.writes);
  }

  /** The request that took a node's latest write: negative while collected, undefined if none. */
  nodeWhere(id: InstanceId): number | undefined {
    return this.#where[this.#table[this.#find("node", id) + 2]! - 1];
  }

  /** Takes the first `count` writes of a type out, for request number `request`. */
  take(
    instanceType: "node" | "edge",
    count: number,
    request: number,
  ): { writes: InstanceWrite[]; numbers: number[] } {
    const pending = this.#pending[instanceType];
    const writes = pending.writes.splice(0, count);
    const numbers = pending.numbers.splice(0, count);
    const origins = pending.origins.splice(0, count);
    pending.taken += writes.length;
    for (const number of numbers)
      this.#where[number < 0 ? ~number : number] = request;
    this.#recent.push({ request, numbers, origins });
    if (this.#recent.length > RECENT_KEPT) this.#recent.shift();
    return { writes, numbers };
  }

  /** The object that wrote an apply object's node, if it is collected or recently taken. */
  #originOf(item: CollectsWrites): Origin | undefined {
    const pending = this.#pending.node;
    const number = this.#table[this.#find("node", item) + 2]! - 1;
    const where = this.#where[number];
    if (where === undefined) return undefined;
    if (where < 0) return pending.origins[~where - pending.taken];
    const taken = this.#recent.find((recent) => recent.request === where);
    const at = taken?.numbers.findIndex((n) => n === number || n === ~number);
    return at === undefined ? undefined : taken?.origins[at];
  }
  /** Where an instance's hash is in `#table` (see `probe`): two FNV-1a style hashes. */
  #find(instanceType: "node" | "edge", id: InstanceId): number {
    let a = instanceType === "node" ? 0x811c9dc5 : 0x050c5d1f;
    let b = instanceType === "node" ? 0x9747b28c : 0x3c6ef372;
    for (let k = 0; k < 2; k++) {
      const text = k === 0 ? id.space : id.externalId;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        a = Math.imul(a ^ code, 0x01000193);
        b = Math.imul(b ^ code, 0x5bd1e995);
        b ^= b >>> 15;
      }
      // The length (above any char code), so that ("ab", "c") and ("a", "bc") differ.
      a = Math.imul(a ^ (0x10000 + text.length), 0x01000193);
      b = Math.imul(b ^ (0x10000 + text.length), 0x5bd1e995);
    }
    return probe(this.#table, a ^ (a >>> 16), b ^ (b >>> 13));
  }

  #grow(): void {
    const old = this.#table;
    this.#table = new Int32Array(2 * old.length);
    for (let from = 0; from < old.length; from += 3)
      if (old[from + 2] !== 0) {
        const at = probe(this.#table, old[from]!, old[from + 1]!);
        this.#table[at + 2] = old[from + 2]!;
      }
  }
}

/** The slot of hash (a, b) in a table, or the empty one where it goes (then filled with it). */
function probe(table: Int32Array, a: number, b: number): number {
  const mask = table.length / 3 - 1;
  for (let slot = a & mask; ; slot = (slot + 1) & mask) {
    const at = 3 * slot;
    if (table[at + 2] === 0) {
      table[at] = a;
      table[at + 1] = b;
      return at;
    }
    if (table[at] === a && table[at + 1] === b) return at;
  }
}

type Named = InstanceId & { readonly instanceType: string };

export function sameInstance(a: Named, b: Named): boolean {
  return (
    a.externalId === b.externalId &&
    a.space === b.space &&
    a.instanceType === b.instanceType
  );
}

/** An apply object where a direct relation to `target` is set: a node of that view, or a TypeError. */
function checkNodeOfView(value: CollectsWrites, target: string): void {
  const info = value.constructor as Partial<ViewClassInfo> & { name?: string };
  const { view, implemented = [] } = info;
  const views = view
    ? [`${view.space}:${view.externalId}/${view.version}`, ...implemented]
    : [];
  // An edge apply object has its ends as own fields; no direct relation points at an edge.
  const isEdge = "startNode" in value && "endNode" in value;
  if (!isEdge && (target === ANY_NODE_VIEW || views.includes(target))) return;
  const name = info.name || "apply object";
  throw new TypeError(
    `expected a node reference { space, externalId } or ${target === ANY_NODE_VIEW ? "a node apply object" : `an apply object of ${target} (or of a view implementing it)`}, got ${isEdge ? "the edge " : ""}${views[0] ? `${name} of ${views[0]}` : name} ${value.space}:${value.externalId}`,
  );
}

/** Two writes of one instance as one item, or a ConflictingWritesError. */
function mergeWrites(
  earlier: InstanceWrite,
  later: InstanceWrite,
  earlierOrigin: Origin,
  laterOrigin: Origin,
): InstanceWrite {
  const conflict = (field: string, a: unknown, b: unknown): never => {
    throw new ConflictingWritesError(
      `${describe(earlierOrigin)} and ${describe(laterOrigin)} both write ${earlier.instanceType} ${earlier.space}:${earlier.externalId} with different values for ${field}: ${show(a)} and ${show(b)}`,
      idOf(earlier),
      field,
    );
  };
  const merged: Record<string, unknown> = { ...earlier };
  // Ids, type, ends, version: equal or given once.
  for (const [field, b] of Object.entries(later)) {
    const a = merged[field];
    if (b === undefined || field === "sources") continue;
    if (a !== undefined && !sameValue(a, b)) conflict(field, a, b);
    merged[field] = b;
  }
  const sourceName = (ref: SourceReference): string =>
    `${ref.space}:${ref.externalId}${ref.type === "view" ? `/${ref.version}` : ""}`;
  const sources: SourceData[] = [...(earlier.sources ?? [])];
  for (const source of later.sources ?? []) {
    const name = sourceName(source.source);
    // A container's name has no version: it never equals a view's.
    const same = sources.findIndex((s) => sourceName(s.source) === name);
    const existing = sources[same];
    if (!existing) {
      sources.push(source);
      continue;
    }
    const properties = { ...existing.properties };
    for (const [key, value] of Object.entries(source.properties ?? {})) {
      if (Object.hasOwn(properties, key) && !sameValue(properties[key], value))
        conflict(`${name}.${key}`, properties[key], value);
      properties[key] = value;
    }
    sources[same] =
      Object.keys(properties).length > 0
        ? { source: existing.source, properties }
        : { source: existing.source };
  }
  merged.sources = sources;
  return merged as unknown as InstanceWrite;
}

/** Deep equality of wire values (JSON data, bigint included). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return (
    keys.length === Object.keys(y).length &&
    keys.every((key) => Object.hasOwn(y, key) && sameValue(x[key], y[key]))
  );
}

function describe(origin: Origin): string {
  if (typeof origin === "number") return `item ${origin}`;
  const name = (origin.constructor as { name?: string }).name || "apply object";
  return `${name} ${origin.space}:${origin.externalId}`;
}

function show(value: unknown): string {
  const text =
    JSON.stringify(value, (_, v: unknown) =>
      typeof v === "bigint" ? `${v}n` : v,
    ) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Checks a raw write: a node or edge with its ids, and no NaN or ±Infinity (JSON's null). */
export function checkRawWrite(write: unknown, index: number): void {
  const item = (write ?? {}) as Record<string, unknown>;
  const field = badField(write);
  const found = field
    ? { path: field, value: field === "(item)" ? write : item[field] }
    : (findNonFinite(item.existingVersion, "existingVersion") ??
      findNonFinite(item.sources, "sources"));
  if (found)
    throw new InvalidValueError(
      index,
      {
        space: typeof item.space === "string" ? item.space : "?",
        externalId: typeof item.externalId === "string" ? item.externalId : "?",
      },
      found.path,
      field
        ? `expected a node or edge write, got ${show(found.value)}`
        : `${String(found.value)} is not a finite number; the API accepts no NaN or Infinity`,
    );
}

/** The field of a raw write that is no node or edge write, if any. */
function badField(write: unknown): string | undefined {
  if (typeof write !== "object" || !write || Array.isArray(write))
    return "(item)";
  const item = write as Record<string, unknown>;
  if (item.instanceType !== "node" && item.instanceType !== "edge")
    return "instanceType";
  if (typeof item.space !== "string") return "space";
  if (typeof item.externalId !== "string") return "externalId";
  if (item.instanceType === "edge")
    return ["type", "startNode", "endNode"].find((f) => !isInstanceId(item[f]));
}

/** A non-finite number in a value and its path (built only for a bad value). */
function findNonFinite(
  value: unknown,
  path: string,
): { path: string; value: unknown } | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) ? undefined : { path, value };
  if (typeof value !== "object" || value === null) return undefined;
  for (const key in value) {
    const found = findNonFinite((value as Record<string, unknown>)[key], "");
    if (found)
      return {
        path: `${path}${Array.isArray(value) ? `[${key}]` : `.${key}`}${found.path}`,
        value: found.value,
      };
  }
  return undefined;
}

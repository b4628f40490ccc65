// The instance store. Instances live in one map per space (no concatenated key strings), property
// values per container in small plain objects, and every change is appended to a log ordered by
// sequence number so sync reads "everything after seq N" by binary search instead of a scan.

import type {
  InstanceId,
  JsonValue,
} from "../../../templates/runtime/core/wire.js";

/** Values of one container for one instance: container property id → value (null values are not kept). */
export type ContainerRow = Record<string, JsonValue>;

/**
 * A stored property value, undefined when unset. Only own values count: rows are plain objects
 * (parsed JSON when loaded), and one indexed with an identifier that `Object.prototype` also has
 * (`constructor`, `toString`, `valueOf`, ...) would find the prototype's function when unset.
 */
export function storedValue(
  row: ContainerRow | undefined,
  propertyId: string,
): JsonValue | undefined {
  return row !== undefined && Object.hasOwn(row, propertyId)
    ? row[propertyId]
    : undefined;
}

export interface StoredInstance {
  kind: "node" | "edge";
  space: string;
  externalId: string;
  version: number;
  createdTime: number;
  lastUpdatedTime: number;
  /** Set on soft-deleted instances (tombstones); sync still returns them. */
  deletedTime: number | undefined;
  /** The sequence number of the instance's latest change. */
  seq: number;
  /** Node type (optional) or edge type (required). */
  type: InstanceId | undefined;
  startNode: InstanceId | undefined;
  endNode: InstanceId | undefined;
  /** container key → row. Kept on tombstones so sync filters still see the last state. */
  rows: Record<string, ContainerRow>;
  /** The seq at which this instance was last read (see `readPageText`); not persisted. */
  readSeq?: number | undefined;
  /** Its read text, kept once it was read again at the same change; not persisted. */
  readMemo?: ReadMemo | undefined;
}

/** An instance's read text, and the change and selection it was written for. */
export interface ReadMemo {
  readonly seq: number;
  readonly rows: Record<string, ContainerRow>;
  readonly selection: string;
  readonly text: string;
}

export interface InstanceStore {
  spaces: Map<string, Map<string, StoredInstance>>;
  /** The last sequence number handed out. */
  seq: number;
  /** Change log: logSeq[i] is the seq at which logInstances[i] changed; stale when the instance changed again. */
  logSeq: number[];
  logInstances: StoredInstance[];
  /** Edges by the node at either end (`space\u0000externalId`), for traversal and delete cascades. */
  edgesByNode: Map<string, Set<StoredInstance>>;
  /** Tombstones in deletion order, for purging after the grace period. */
  tombstones: StoredInstance[];
  /** Next value per `containerKey\u0000propertyId` for autoIncrement properties. */
  autoIncrement: Map<string, number>;
  liveCount: number;
  /** What reads evaluated, kept while nothing changes (see `paging.ts`); not persisted. */
  evaluations: EvaluationCache;
}

/**
 * Evaluated result sets, lists and indexes by a key naming what was evaluated. Valid for one state
 * of the project: the store's seq and the schema's view and container objects they were made at.
 */
export interface EvaluationCache {
  seq: number;
  schemaObjects: readonly object[];
  entries: Map<string, unknown>;
  /** Instances visited by evaluations (scans, traversals, index builds): lets tests count work. */
  visited: number;
}

export function createStore(): InstanceStore {
  return {
    spaces: new Map(),
    seq: 0,
    logSeq: [],
    logInstances: [],
    edgesByNode: new Map(),
    tombstones: [],
    autoIncrement: new Map(),
    liveCount: 0,
    evaluations: { seq: -1, schemaObjects: [], entries: new Map(), visited: 0 },
  };
}

export function nodeKey(id: InstanceId): string {
  return `${id.space}\u0000${id.externalId}`;
}

export function getInstance(
  store: InstanceStore,
  space: string,
  externalId: string,
): StoredInstance | undefined {
  return store.spaces.get(space)?.get(externalId);
}

export function getLive(
  store: InstanceStore,
  id: InstanceId,
): StoredInstance | undefined {
  const found = getInstance(store, id.space, id.externalId);
  return found && found.deletedTime === undefined ? found : undefined;
}

export function getLiveNode(
  store: InstanceStore,
  id: InstanceId,
): StoredInstance | undefined {
  const found = getLive(store, id);
  return found?.kind === "node" ? found : undefined;
}

/** Puts a new instance object in its space map (replacing a tombstone of the same id, if any). */
export function insertInstance(
  store: InstanceStore,
  instance: StoredInstance,
): void {
  let space = store.spaces.get(instance.space);
  if (!space) {
    space = new Map();
    store.spaces.set(instance.space, space);
  }
  const previous = space.get(instance.externalId);
  if (previous && previous.kind === "edge") unindexEdge(store, previous);
  space.set(instance.externalId, instance);
  if (instance.kind === "edge") indexEdge(store, instance);
  if (instance.deletedTime === undefined) store.liveCount++;
}

/** Records a change: the instance gets the next sequence number and a log entry. */
export function stamp(store: InstanceStore, instance: StoredInstance): void {
  instance.seq = ++store.seq;
  store.logSeq.push(instance.seq);
  store.logInstances.push(instance);
  if (
    store.logSeq.length > 1024 &&
    store.logSeq.length > 2 * (store.liveCount + store.tombstones.length)
  )
    compactLog(store);
}

export function markDeleted(
  store: InstanceStore,
  instance: StoredInstance,
  now: number,
): void {
  instance.deletedTime = now;
  instance.lastUpdatedTime = now;
  instance.version++;
  store.liveCount--;
  store.tombstones.push(instance);
  stamp(store, instance);
}

/** Drops log entries that a later change of the same instance made stale. */
export function compactLog(store: InstanceStore): void {
  const seqs: number[] = [];
  const instances: StoredInstance[] = [];
  for (let i = 0; i < store.logSeq.length; i++) {
    const instance = store.logInstances[i]!;
    if (instance.seq === store.logSeq[i] && isStored(store, instance)) {
      seqs.push(store.logSeq[i]!);
      instances.push(instance);
    }
  }
  store.logSeq = seqs;
  store.logInstances = instances;
}

function isStored(store: InstanceStore, instance: StoredInstance): boolean {
  return (
    store.spaces.get(instance.space)?.get(instance.externalId) === instance
  );
}

/** Index of the first log entry with seq > `afterSeq`. */
export function logIndexAfter(store: InstanceStore, afterSeq: number): number {
  let lo = 0;
  let hi = store.logSeq.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (store.logSeq[mid]! <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when log entry i is the instance's current state (not superseded, not purged). */
export function isCurrentLogEntry(
  store: InstanceStore,
  index: number,
): boolean {
  const instance = store.logInstances[index]!;
  return instance.seq === store.logSeq[index] && isStored(store, instance);
}

function indexEdge(store: InstanceStore, edge: StoredInstance): void {
  for (const end of [edge.startNode!, edge.endNode!]) {
    const key = nodeKey(end);
    let set = store.edgesByNode.get(key);
    if (!set) {
      set = new Set();
      store.edgesByNode.set(key, set);
    }
    set.add(edge);
  }
}

function unindexEdge(store: InstanceStore, edge: StoredInstance): void {
  for (const end of [edge.startNode!, edge.endNode!]) {
    const key = nodeKey(end);
    const set = store.edgesByNode.get(key);
    set?.delete(edge);
    if (set && set.size === 0) store.edgesByNode.delete(key);
  }
}

/** Live edges that start or end at the node. */
export function edgesAt(
  store: InstanceStore,
  node: InstanceId,
): StoredInstance[] {
  const set = store.edgesByNode.get(nodeKey(node));
  if (!set) return [];
  const out: StoredInstance[] = [];
  for (const edge of set) if (edge.deletedTime === undefined) out.push(edge);
  return out;
}

/** Removes tombstones older than the grace period (the API purges them after 3 days). */
export function purgeTombstones(
  store: InstanceStore,
  now: number,
  graceMs: number,
): number {
  let purged = 0;
  while (store.tombstones.length > 0) {
    const oldest = store.tombstones[0]!;
    if (oldest.deletedTime !== undefined && now - oldest.deletedTime < graceMs)
      break;
    store.tombstones.shift();
    purged++;
    if (oldest.deletedTime === undefined || !isStored(store, oldest)) continue;
    store.spaces.get(oldest.space)!.delete(oldest.externalId);
    if (oldest.kind === "edge") unindexEdge(store, oldest);
  }
  return purged;
}

/** Every stored instance (live and tombstones), in space then insertion order. */
export function* allInstances(store: InstanceStore): Generator<StoredInstance> {
  for (const space of store.spaces.values()) yield* space.values();
}

export function instanceId(instance: StoredInstance): InstanceId {
  return { space: instance.space, externalId: instance.externalId };
}

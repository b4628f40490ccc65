// Keyset paging of `instances/list` and query result sets, and the evaluation cache behind it.
//
// A cursor carries the sort key of the last instance its page returned (the sort's values, then
// space and externalId); the next page is the instances after that key in the set as it is now.
// So an instance that did not change is delivered exactly once, whatever else is deleted, inserted
// or updated between pages. Evaluating a set visits every candidate; so that following a cursor
// costs what the page returns rather than the whole set again, an evaluated set is kept, sorted,
// while the project does not change (same seq, same schema objects): the next page is then a
// binary search and a slice. A change empties the cache; pages stay correct, only slower.

import type { EmulatorState } from "../state.js";
import { ID_ORDER, type KeyPart, type SortKeys } from "./sort.js";
import type { EvaluationCache, StoredInstance } from "../instances/store.js";

/** Entries kept at most: each is one evaluated set (or index) of the current state. */
const MAX_ENTRIES = 32;

/** The cache of the state as it is now: emptied first when anything changed since it was filled. */
function currentCache(state: EmulatorState): EvaluationCache {
  const cache = state.store.evaluations;
  if (cache.seq !== state.store.seq || !sameSchema(cache, state)) {
    cache.entries.clear();
    cache.seq = state.store.seq;
    cache.schemaObjects = [
      ...state.schema.views.values(),
      ...state.schema.containers.values(),
    ];
  }
  return cache;
}

// A view or container that is deleted and created again is a new object: a view's hasData and a
// filter's property lookups may resolve differently then, with no instance changed.
function sameSchema(cache: EvaluationCache, state: EmulatorState): boolean {
  const { views, containers } = state.schema;
  const kept = cache.schemaObjects;
  if (kept.length !== views.size + containers.size) return false;
  let i = 0;
  for (const view of views.values()) if (kept[i++] !== view) return false;
  for (const container of containers.values())
    if (kept[i++] !== container) return false;
  return true;
}

/** The value kept under `key` for the current state, computed (and kept) when there is none. */
export function cachedEvaluation<T>(
  state: EmulatorState,
  key: string,
  compute: () => T,
): T {
  const cache = currentCache(state);
  if (cache.entries.has(key)) {
    const value = cache.entries.get(key) as T;
    remember(cache, key, value);
    return value;
  }
  const value = compute();
  remember(cache, key, value);
  return value;
}

function remember(cache: EvaluationCache, key: string, value: unknown): void {
  cache.entries.delete(key); // most recently used last
  cache.entries.set(key, value);
  if (cache.entries.size > MAX_ENTRIES)
    cache.entries.delete(cache.entries.keys().next().value!);
}

/** Counts instances an evaluation visited (tests check that paging is linear with it). */
export function countVisited(state: EmulatorState, count: number): void {
  state.store.evaluations.visited += count;
}

export interface KeysetRequest {
  /** Names the evaluation: the request without cursor and limit, and for a chained set its parent's page. */
  cacheKey: string;
  /** Every member of the set, in any order. */
  evaluate: () => StoredInstance[];
  order: SortKeys;
  /** The key of the last instance the previous page returned; undefined for the first page. */
  after: KeyPart[] | undefined;
  limit: number;
}

export interface KeysetPage {
  instances: StoredInstance[];
  /** The key to resume after, when more instances follow. */
  next: KeyPart[] | undefined;
}

interface OrderedSet {
  instances: StoredInstance[];
  sorted: boolean;
}

export function keysetPage(
  state: EmulatorState,
  request: KeysetRequest,
): KeysetPage {
  const { order, after, limit } = request;
  const cache = currentCache(state);
  let set = cache.entries.get(request.cacheKey) as OrderedSet | undefined;
  if (!set) {
    // Kept even when it fits one page: a set other sets chain from is evaluated on every page of
    // theirs (a root of a few parents found by a scan of every instance, say).
    set = { instances: request.evaluate(), sorted: false };
    remember(cache, request.cacheKey, set);
    if (after === undefined && set.instances.length > limit) {
      // A first page: its smallest instances without sorting the rest, which only a cursor needs.
      const page = smallest(set.instances, limit, order.compare);
      return { instances: page, next: order.key(page[page.length - 1]!) };
    }
  } else remember(cache, request.cacheKey, set);
  if (!set.sorted) {
    sortInstances(set.instances, order);
    set.sorted = true;
  }
  const start = indexAfter(set.instances, order, after);
  const page = set.instances.slice(start, start + limit);
  const more = start + limit < set.instances.length;
  return {
    instances: page,
    next: more ? order.key(page[page.length - 1]!) : undefined,
  };
}

/** The index of the first instance whose key is greater than `after` (binary search). */
function indexAfter(
  sorted: readonly StoredInstance[],
  order: SortKeys,
  after: KeyPart[] | undefined,
): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order.compareKeys(order.key(sorted[mid]!), after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorts in place; a sort by properties builds each instance's key once, not per comparison. */
function sortInstances(list: StoredInstance[], order: SortKeys): void {
  if (list.length < 2) return;
  if (order === ID_ORDER) {
    list.sort(order.compare);
    return;
  }
  const keyed = list.map((instance) => ({
    instance,
    key: order.key(instance),
  }));
  keyed.sort((a, b) => order.compareKeys(a.key, b.key));
  keyed.forEach((k, i) => (list[i] = k.instance));
}

/** The `count` smallest instances in order: a bounded max-heap, O(n log count). */
function smallest(
  list: readonly StoredInstance[],
  count: number,
  compare: (a: StoredInstance, b: StoredInstance) => number,
): StoredInstance[] {
  const heap: StoredInstance[] = [];
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  for (const item of list) {
    if (heap.length < count) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (compare(heap[i]!, heap[parent]!) <= 0) break;
        swap(i, parent);
        i = parent;
      }
    } else if (compare(item, heap[0]!) < 0) {
      heap[0] = item;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < heap.length && compare(heap[l]!, heap[top]!) > 0) top = l;
        if (r < heap.length && compare(heap[r]!, heap[top]!) > 0) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort(compare);
}

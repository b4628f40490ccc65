// Result set expressions of query and sync (`with`): parsing, dependency order, and evaluation
// of one set from its parent set (chaining through edges or direct relations).

import { badRequest } from "../http/api-error.js";
import {
  compileFilter,
  type FilterContext,
  type Predicate,
} from "./filters.js";
import {
  asRecord,
  asSourceReference,
  asString,
  isRecord,
  type JsonRecord,
} from "../http/request-shape.js";
import { containerKeyOf, findView } from "../schema/store.js";
import { compileSortKeys, type SortKeys } from "./sort.js";
import { cachedEvaluation, countVisited } from "./paging.js";
import type { EmulatorState } from "../state.js";
import {
  allInstances,
  edgesAt,
  getLiveNode,
  nodeKey,
  type StoredInstance,
  storedValue,
} from "../instances/store.js";
import { directTargets } from "../instances/values.js";

export type Direction = "outwards" | "inwards";

export interface ResultSetExpression {
  name: string;
  kind: "nodes" | "edges";
  from: string | undefined;
  chainTo: "source" | "destination";
  direction: Direction;
  /** Nodes only: follow this direct relation (container key + container property id). */
  through: { containerKey: string; propertyId: string } | undefined;
  filter: Predicate | undefined;
  nodeFilter: Predicate | undefined;
  terminationFilter: Predicate | undefined;
  maxDistance: number | undefined;
  limitEach: number | undefined;
  limit: number;
  sort: SortKeys | undefined;
  raw: JsonRecord;
}

export interface SetResult {
  instances: StoredInstance[];
  /** For edge sets: the direction they were traversed in, which decides what "destination" means. */
  direction: Direction;
}

const MAX_TRAVERSAL_DEPTH = 100;

export function parseResultSet(
  name: string,
  raw: unknown,
  ctx: FilterContext,
  limits: { fallback: number; max: number },
): ResultSetExpression {
  const path = `with.${name}`;
  const obj = asRecord(raw, path);
  if (
    obj.unionAll !== undefined ||
    obj.union !== undefined ||
    obj.intersection !== undefined ||
    obj.except !== undefined
  ) {
    throw badRequest(
      `${path}: set operations (unionAll, union, intersection, except) are not supported by the emulator`,
    );
  }
  const kind =
    obj.nodes !== undefined
      ? "nodes"
      : obj.edges !== undefined
        ? "edges"
        : undefined;
  if (!kind || (obj.nodes !== undefined && obj.edges !== undefined))
    throw badRequest(`${path} must have exactly one of "nodes" or "edges"`);
  const body = asRecord(obj[kind], `${path}.${kind}`);
  const at = `${path}.${kind}`;
  const filterOf = (key: string): Predicate | undefined =>
    body[key] === undefined || body[key] === null
      ? undefined
      : compileFilter(body[key], ctx, `${at}.${key}`);
  const limit = obj.limit ?? limits.fallback;
  if (
    typeof limit !== "number" ||
    !Number.isInteger(limit) ||
    limit < 1 ||
    limit > limits.max
  ) {
    throw badRequest(
      `${path}.limit must be an integer between 1 and ${limits.max}`,
    );
  }
  return {
    name,
    kind,
    from:
      body.from === undefined || body.from === null
        ? undefined
        : asString(body.from, `${at}.from`),
    chainTo: body.chainTo === "source" ? "source" : "destination",
    direction: parseDirection(
      body.direction,
      `${at}.direction`,
      kind === "edges" ? "outwards" : "inwards",
    ),
    through:
      kind === "nodes" && body.through !== undefined
        ? parseThrough(body.through, ctx, `${at}.through`)
        : undefined,
    filter: filterOf("filter"),
    nodeFilter: kind === "edges" ? filterOf("nodeFilter") : undefined,
    terminationFilter:
      kind === "edges" ? filterOf("terminationFilter") : undefined,
    maxDistance: optionalPositive(body.maxDistance, `${at}.maxDistance`),
    limitEach: optionalPositive(body.limitEach, `${at}.limitEach`),
    limit,
    sort: compileSortKeys(obj.sort, ctx, `${path}.sort`),
    raw: obj,
  };
}

function parseDirection(
  raw: unknown,
  path: string,
  fallback: Direction,
): Direction {
  if (raw === undefined || raw === null) return fallback;
  if (raw !== "outwards" && raw !== "inwards")
    throw badRequest(`${path} must be "outwards" or "inwards"`);
  return raw;
}

function optionalPositive(raw: unknown, path: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1)
    throw badRequest(`${path} must be a positive integer`);
  return raw;
}

/** `{source: view|container, identifier}` (or the deprecated `{view, identifier}`). */
function parseThrough(
  raw: unknown,
  ctx: FilterContext,
  path: string,
): { containerKey: string; propertyId: string } {
  const obj = asRecord(raw, path);
  const identifier = asString(obj.identifier, `${path}.identifier`);
  const ref = asSourceReference(
    obj.source ??
      (isRecord(obj.view) ? { type: "view", ...obj.view } : undefined),
    `${path}.source`,
  );
  if (ref.type === "container") {
    const container = ctx.schema.containers.get(containerKeyOf(ref));
    if (!container?.properties.has(identifier))
      throw badRequest(
        `${path}: container ${ref.space}:${ref.externalId} has no property "${identifier}"`,
      );
    return { containerKey: container.key, propertyId: identifier };
  }
  const mapped = findView(ctx.schema, ref)?.mapped.get(identifier);
  if (!mapped || mapped.definition.type.type !== "direct")
    throw badRequest(
      `${path}: ${identifier} is not a direct relation of view ${ref.space}:${ref.externalId}/${ref.version}`,
    );
  return {
    containerKey: mapped.containerKey,
    propertyId: mapped.containerPropertyId,
  };
}

/** Names in an order where every set comes after the set it chains from. */
export function dependencyOrder(
  sets: Map<string, ResultSetExpression>,
): ResultSetExpression[] {
  const ordered: ResultSetExpression[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (set: ResultSetExpression): void => {
    if (state.get(set.name) === "done") return;
    if (state.get(set.name) === "visiting")
      throw badRequest(`with.${set.name}: result sets chain in a cycle`);
    state.set(set.name, "visiting");
    if (set.from !== undefined) {
      const parent = sets.get(set.from);
      if (!parent)
        throw badRequest(
          `with.${set.name}.${set.kind}.from: there is no result set "${set.from}"`,
        );
      visit(parent);
    }
    state.set(set.name, "done");
    ordered.push(set);
  };
  for (const set of sets.values()) visit(set);
  return ordered;
}

/** Every live instance of the set (unsorted, unpaged), given the parent's instances. */
export function evaluateSet(
  state: EmulatorState,
  set: ResultSetExpression,
  parent: SetResult | undefined,
): SetResult {
  if (set.kind === "edges") {
    const edges = parent
      ? traverseEdges(
          state,
          set,
          parent.instances.filter((i) => i.kind === "node"),
        )
      : allLive(state, "edge", set.filter);
    return { instances: edges, direction: set.direction };
  }
  const candidates = parent ? chainNodes(state, set, parent) : undefined;
  const nodes = candidates
    ? candidates.filter((n) => !set.filter || set.filter(n))
    : allLive(state, "node", set.filter);
  return { instances: nodes, direction: set.direction };
}

function allLive(
  state: EmulatorState,
  kind: "node" | "edge",
  filter: Predicate | undefined,
): StoredInstance[] {
  const out: StoredInstance[] = [];
  let visited = 0;
  for (const i of allInstances(state.store)) {
    visited++;
    if (
      i.deletedTime === undefined &&
      i.kind === kind &&
      (!filter || filter(i))
    )
      out.push(i);
  }
  countVisited(state, visited);
  return out;
}

function chainNodes(
  state: EmulatorState,
  set: ResultSetExpression,
  parent: SetResult,
): StoredInstance[] {
  const { store } = state;
  const found = new Map<string, StoredInstance>();
  const add = (node: StoredInstance | undefined): void => {
    if (node) found.set(nodeKey(node), node);
  };
  countVisited(state, parent.instances.length);
  if (set.through) {
    const { containerKey, propertyId } = set.through;
    if (set.direction === "outwards") {
      for (const p of parent.instances)
        for (const t of directTargets(
          storedValue(p.rows[containerKey], propertyId),
        ))
          add(getLiveNode(store, t));
    } else {
      const pointing = referrers(state, containerKey, propertyId);
      for (const p of parent.instances) {
        const nodes = pointing.get(nodeKey(p)) ?? [];
        countVisited(state, nodes.length);
        nodes.forEach(add);
      }
    }
    return [...found.values()];
  }
  for (const p of parent.instances) {
    if (p.kind === "node") add(p);
    else {
      const toDestination = set.chainTo === "destination";
      const end =
        (parent.direction === "outwards") === toDestination
          ? p.endNode!
          : p.startNode!;
      add(getLiveNode(store, end));
    }
  }
  return [...found.values()];
}

/**
 * The live nodes whose direct relation (container property) points at each node, by the target's
 * `nodeKey`: built with one scan and kept while the project does not change, so following a
 * reverse relation from a page of parents costs what it finds, not a scan of every node.
 */
function referrers(
  state: EmulatorState,
  containerKey: string,
  propertyId: string,
): Map<string, StoredInstance[]> {
  return cachedEvaluation(
    state,
    `referrers:${containerKey}\u0000${propertyId}`,
    () => {
      const index = new Map<string, StoredInstance[]>();
      for (const n of allLive(state, "node", undefined)) {
        const row = n.rows[containerKey];
        if (row === undefined) continue;
        for (const t of directTargets(storedValue(row, propertyId))) {
          const key = nodeKey(t);
          const list = index.get(key);
          if (!list) index.set(key, [n]);
          else if (list[list.length - 1] !== n) list.push(n);
        }
      }
      return index;
    },
  );
}

/**
 * Sync tombstones of a `through` set: does the (deleted) node hang off the parent's instances by the
 * direct relation? Tombstones keep their rows, and relations to a deleted node stay in place.
 */
export function reachedThrough(
  set: ResultSetExpression,
  parent: SetResult,
): Predicate | undefined {
  if (!set.through) return undefined;
  const { containerKey, propertyId } = set.through;
  if (set.direction === "outwards") {
    const targets = new Set(
      parent.instances.flatMap((p) =>
        directTargets(storedValue(p.rows[containerKey], propertyId)).map(
          nodeKey,
        ),
      ),
    );
    return (n) => targets.has(nodeKey(n));
  }
  const parents = new Set(parent.instances.map(nodeKey));
  return (n) =>
    directTargets(storedValue(n.rows[containerKey], propertyId)).some((t) =>
      parents.has(nodeKey(t)),
    );
}

/** Breadth-first from the start nodes, up to maxDistance hops; nodeFilter gates the nodes reached, terminationFilter stops there. */
function traverseEdges(
  state: EmulatorState,
  set: ResultSetExpression,
  startNodes: StoredInstance[],
): StoredInstance[] {
  const { store } = state;
  const edges = new Map<string, StoredInstance>();
  const visited = new Set(startNodes.map(nodeKey));
  let frontier = startNodes;
  const maxDepth = Math.min(
    set.maxDistance ?? MAX_TRAVERSAL_DEPTH,
    MAX_TRAVERSAL_DEPTH,
  );
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    const next: StoredInstance[] = [];
    for (const node of frontier) {
      let taken = 0;
      const at = edgesAt(store, node);
      countVisited(state, at.length);
      for (const edge of at) {
        const here =
          set.direction === "outwards" ? edge.startNode! : edge.endNode!;
        if (here.space !== node.space || here.externalId !== node.externalId)
          continue;
        if (set.filter && !set.filter(edge)) continue;
        const other = getLiveNode(
          store,
          set.direction === "outwards" ? edge.endNode! : edge.startNode!,
        );
        if (!other || (set.nodeFilter && !set.nodeFilter(other))) continue;
        if (
          set.limitEach !== undefined &&
          depth === 0 &&
          taken >= set.limitEach
        )
          break;
        taken++;
        edges.set(nodeKey(edge), edge);
        if (set.terminationFilter?.(other)) continue;
        const key = nodeKey(other);
        if (!visited.has(key)) {
          visited.add(key);
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return [...edges.values()];
}

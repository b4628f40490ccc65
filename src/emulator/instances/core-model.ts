// Core model behaviours CDF performs on write: for nodes with data in cdf_cdm:CogniteAsset, `root`,
// `path` (the ancestors from the root down to the asset itself) and `pathLastUpdatedTime` follow
// `parent`, for the written asset and its whole subtree. A parent cycle rejects the request.

import type { InstanceId } from "../../../templates/runtime/core/wire.js";
import { badRequest } from "../http/api-error.js";
import type { EmulatorState } from "../state.js";
import {
  allInstances,
  getLiveNode,
  nodeKey,
  stamp,
  type ContainerRow,
  type StoredInstance,
} from "./store.js";

const ASSET = "cdf_cdm:CogniteAsset";
const PARENT = "assetHierarchy_parent";
const ROOT = "assetHierarchy_root";
const PATH = "assetHierarchy_path";
const PATH_TIME = "assetHierarchy_path_last_updated_time";

/** A node write as the apply plan has it: its id and its rows after the write. */
export interface PlannedNodeRows {
  write: { kind: "node" | "edge"; space: string; externalId: string };
  rows: Record<string, ContainerRow>;
}

function assetRowsActive(state: EmulatorState): boolean {
  const container = state.schema.containers.get(ASSET);
  return (
    container !== undefined &&
    container.properties.has(PARENT) &&
    container.properties.has(PATH) &&
    container.properties.has(ROOT)
  );
}

function parentOf(row: ContainerRow | undefined): InstanceId | undefined {
  const value = row?.[PARENT];
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as unknown as InstanceId)
    : undefined;
}

/** Before commit: 400 when the written parents would make a cycle. */
export function checkAssetCycles(
  state: EmulatorState,
  planned: readonly PlannedNodeRows[],
): void {
  if (!assetRowsActive(state)) return;
  const overlay = new Map<string, ContainerRow | undefined>();
  for (const p of planned)
    if (p.write.kind === "node" && p.rows[ASSET])
      overlay.set(nodeKey(p.write), p.rows[ASSET]);
  const rowOf = (id: InstanceId) =>
    overlay.has(nodeKey(id))
      ? overlay.get(nodeKey(id))
      : getLiveNode(state.store, id)?.rows[ASSET];
  for (const [start, row] of overlay) {
    const seen = new Set([start]);
    for (let parent = parentOf(row); parent; parent = parentOf(rowOf(parent))) {
      const key = nodeKey(parent);
      if (seen.has(key))
        throw badRequest(
          `The parent of asset ${start.replace("\u0000", ":")} makes a cycle in the asset hierarchy`,
        );
      seen.add(key);
    }
  }
}

/** After commit: recomputes root and path of the written assets and everything below them. */
export function maintainCoreModel(
  state: EmulatorState,
  planned: readonly PlannedNodeRows[],
  now: number,
): void {
  if (!assetRowsActive(state)) return;
  const written = planned.filter(
    (p) => p.write.kind === "node" && p.rows[ASSET] !== undefined,
  );
  if (written.length === 0) return;
  const writtenKeys = new Set(written.map((p) => nodeKey(p.write)));
  const children = childIndex(state);
  const queue: InstanceId[] = written.map((p) => p.write);
  const done = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift()!;
    const key = nodeKey(id);
    if (done.has(key)) continue;
    done.add(key);
    const node = getLiveNode(state.store, id);
    if (!node?.rows[ASSET]) continue;
    updatePath(state, node, !writtenKeys.has(key), now);
    queue.push(...(children.get(key) ?? []));
  }
}

/** Live assets by their parent's key. */
function childIndex(state: EmulatorState): Map<string, StoredInstance[]> {
  const index = new Map<string, StoredInstance[]>();
  for (const instance of allInstances(state.store)) {
    if (instance.deletedTime !== undefined || instance.kind !== "node")
      continue;
    const parent = parentOf(instance.rows[ASSET]);
    if (!parent) continue;
    const key = nodeKey(parent);
    const list = index.get(key);
    if (list) list.push(instance);
    else index.set(key, [instance]);
  }
  return index;
}

function updatePath(
  state: EmulatorState,
  node: StoredInstance,
  bumpVersion: boolean,
  now: number,
): void {
  const path = ancestry(state, node);
  const row = node.rows[ASSET]!;
  const root = path[0]!;
  if (sameIds(row[PATH], path) && sameIds([row[ROOT]], [root])) return;
  const next: ContainerRow = {
    ...row,
    [PATH]: path as never,
    [ROOT]: root as never,
  };
  if (state.schema.containers.get(ASSET)!.properties.has(PATH_TIME))
    next[PATH_TIME] = new Date(now).toISOString();
  node.rows = { ...node.rows, [ASSET]: next };
  if (bumpVersion) {
    node.version++;
    node.lastUpdatedTime = now;
    stamp(state.store, node);
  }
}

/** From the root down to the node itself; a parent without asset data is the root. */
function ancestry(state: EmulatorState, node: StoredInstance): InstanceId[] {
  const chain: InstanceId[] = [
    { space: node.space, externalId: node.externalId },
  ];
  const seen = new Set([nodeKey(node)]);
  let parent = parentOf(node.rows[ASSET]);
  while (parent && !seen.has(nodeKey(parent))) {
    seen.add(nodeKey(parent));
    chain.push({ space: parent.space, externalId: parent.externalId });
    parent = parentOf(getLiveNode(state.store, parent)?.rows[ASSET]);
  }
  return chain.reverse();
}

function sameIds(value: unknown, ids: InstanceId[]): boolean {
  if (!Array.isArray(value) || value.length !== ids.length) return false;
  return ids.every((id, i) => {
    const v = value[i] as InstanceId | undefined;
    return v?.space === id.space && v.externalId === id.externalId;
  });
}

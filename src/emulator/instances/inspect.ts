// `instances/inspect` (which views and containers an instance has data in) and the statistics
// endpoints (project-wide and per space).

import { badRequest } from "../http/api-error.js";
import {
  asInstanceId,
  asInstanceType,
  asRecord,
  optionalBoolean,
} from "../http/request-shape.js";
import { viewRef, type SchemaStore } from "../schema/store.js";
import { boundedItems } from "../schema/spaces.js";
import type { EmulatorState } from "../state.js";
import { getInstance, type StoredInstance } from "./store.js";
import { hasDataIn } from "./read-shape.js";

type Json = Record<string, unknown>;

export function inspectInstances(state: EmulatorState, body: unknown): Json {
  const request = asRecord(body, "body");
  const operations = asRecord(
    request.inspectionOperations,
    "inspectionOperations",
  );
  const views =
    operations.involvedViews === undefined
      ? undefined
      : optionalBoolean(
          asRecord(
            operations.involvedViews,
            "inspectionOperations.involvedViews",
          ),
          "allVersions",
          "inspectionOperations.involvedViews",
          false,
        );
  const containers =
    operations.involvedContainers === undefined
      ? undefined
      : optionalBoolean(
          asRecord(
            operations.involvedContainers,
            "inspectionOperations.involvedContainers",
          ),
          "allVersions",
          "inspectionOperations.involvedContainers",
          false,
        );
  if (views === undefined && containers === undefined)
    throw badRequest(
      "inspectionOperations must ask for involvedViews or involvedContainers",
    );
  const items: Json[] = [];
  boundedItems(body, 1000).forEach((raw, i) => {
    const ref = asRecord(raw, `items[${i}]`);
    const id = asInstanceId(ref, `items[${i}]`);
    const kind = asInstanceType(ref.instanceType, `items[${i}].instanceType`);
    const found = getInstance(state.store, id.space, id.externalId);
    if (!found || found.deletedTime !== undefined || found.kind !== kind)
      return;
    const results: Json = {};
    if (views !== undefined)
      results.involvedViews = involvedViews(state.schema, found, views);
    if (containers !== undefined)
      results.involvedContainers = Object.keys(found.rows)
        .map((key) => state.schema.containers.get(key)?.ref)
        .filter((r) => r !== undefined);
    items.push({
      instanceType: kind,
      space: id.space,
      externalId: id.externalId,
      inspectionResults: results,
    });
  });
  return { items };
}

/** Views the instance has data in (every container they map); latest versions unless allVersions. */
function involvedViews(
  schema: SchemaStore,
  instance: StoredInstance,
  allVersions: boolean,
): Json[] {
  const latest = new Map<string, { createdTime: number; ref: Json }>();
  const out: Json[] = [];
  for (const view of schema.views.values()) {
    if (!hasDataIn(instance, view.containerKeys)) continue;
    const ref = viewRef(view.definition) as unknown as Json;
    if (allVersions) {
      out.push(ref);
      continue;
    }
    const key = `${view.definition.space}:${view.definition.externalId}`;
    const time = view.definition.createdTime ?? 0;
    const seen = latest.get(key);
    if (!seen || seen.createdTime <= time)
      latest.set(key, { createdTime: time, ref });
  }
  return allVersions ? out : [...latest.values()].map((v) => v.ref);
}

interface SpaceCounts {
  nodes: number;
  edges: number;
  softDeletedNodes: number;
  softDeletedEdges: number;
}

function countInstances(state: EmulatorState, space: string): SpaceCounts {
  const counts = {
    nodes: 0,
    edges: 0,
    softDeletedNodes: 0,
    softDeletedEdges: 0,
  };
  for (const instance of state.store.spaces.get(space)?.values() ?? []) {
    const deleted = instance.deletedTime !== undefined;
    const key =
      instance.kind === "node"
        ? deleted
          ? "softDeletedNodes"
          : "nodes"
        : deleted
          ? "softDeletedEdges"
          : "edges";
    counts[key]++;
  }
  return counts;
}

function spaceRow(state: EmulatorState, space: string): Json {
  const schema = state.schema;
  return {
    space,
    containers: [...schema.containers.values()].filter(
      (c) => c.ref.space === space,
    ).length,
    views: [...schema.views.values()].filter(
      (v) => v.definition.space === space,
    ).length,
    dataModels: schema.dataModels.filter((m) => m.space === space).length,
    ...countInstances(state, space),
  };
}

/** `GET /statistics/spaces` (every space) and `POST /statistics/spaces/byids` (unknown ids left out). */
export function spaceStatistics(state: EmulatorState, body: unknown): Json {
  const spaces =
    body === undefined
      ? [...state.schema.spaces.keys()]
      : boundedItems(body, 100)
          .map((raw, i) => asRecord(raw, `items[${i}]`).space)
          .filter(
            (s): s is string =>
              typeof s === "string" && state.schema.spaces.has(s),
          );
  return { items: spaces.map((space) => spaceRow(state, space)) };
}

/** Counts what the project holds; the limits are nominal values, reported but not enforced (assumptions.ts). */
export function projectStatistics(state: EmulatorState): Json {
  const schema = state.schema;
  const totals = {
    nodes: 0,
    edges: 0,
    softDeletedNodes: 0,
    softDeletedEdges: 0,
  };
  for (const space of state.store.spaces.keys()) {
    const counts = countInstances(state, space);
    totals.nodes += counts.nodes;
    totals.edges += counts.edges;
    totals.softDeletedNodes += counts.softDeletedNodes;
    totals.softDeletedEdges += counts.softDeletedEdges;
  }
  let containerProperties = 0;
  for (const container of schema.containers.values())
    containerProperties += container.properties.size;
  return {
    spaces: { count: schema.spaces.size, limit: 100 },
    containers: { count: schema.containers.size, limit: 1000 },
    views: { count: schema.views.size, limit: 2000 },
    dataModels: { count: schema.dataModels.length, limit: 500 },
    containerProperties: { count: containerProperties, limit: 25000 },
    instances: {
      ...totals,
      instances: totals.nodes + totals.edges,
      softDeletedInstances: totals.softDeletedNodes + totals.softDeletedEdges,
      instancesLimit: 5_000_000,
      softDeletedInstancesLimit: 10_000_000,
    },
    concurrentReadLimit: 8,
    concurrentWriteLimit: 4,
    concurrentDeleteLimit: 2,
  };
}

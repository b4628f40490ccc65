// Plain reads: instances/byids, instances/list, views (list, byids), datamodels (list, byids).

import type { InstanceRead } from "../../../templates/runtime/core/wire.js";
import { badRequest } from "../http/api-error.js";
import { decodeCursor, encodeCursor, fingerprint } from "../http/cursor.js";
import {
  compileFilter,
  type FilterContext,
  type Predicate,
} from "../query/filters.js";
import { hasDataIn, toRead } from "./read-shape.js";
import {
  asArray,
  asInstanceId,
  asInstanceType,
  asRecord,
  asString,
  optionalBoolean,
  optionalInteger,
} from "../http/request-shape.js";
import {
  pageOffset,
  queryBoolean,
  queryInteger,
} from "../http/query-params.js";
import {
  isSystemSpace,
  viewVersions,
  type ResolvedView,
  type SchemaStore,
  type StoredDataModel,
} from "../schema/store.js";
import { dataModelToApi, viewToApi } from "../schema/output.js";
import { resolveSources } from "./select.js";
import type { EmulatorState } from "../state.js";
import { allInstances, getInstance, type StoredInstance } from "./store.js";
import { compileSortKeys, ID_ORDER, type KeyPart } from "../query/sort.js";
import { countVisited, keysetPage } from "../query/paging.js";

type Json = Record<string, unknown>;

export function byIds(state: EmulatorState, body: unknown): Json {
  const request = asRecord(body, "body");
  const ids = asArray(request.items, "items");
  if (ids.length === 0 || ids.length > 1000)
    throw badRequest("items must have between 1 and 1000 entries");
  const selection = resolveSources(
    state.schema,
    request.sources,
    "sources",
    false,
  );
  const items: InstanceRead[] = [];
  ids.forEach((raw, i) => {
    const ref = asRecord(raw, `items[${i}]`);
    const id = asInstanceId(ref, `items[${i}]`);
    const kind = asInstanceType(
      ref.instanceType,
      `items[${i}].instanceType`,
      "node",
    );
    const found = getInstance(state.store, id.space, id.externalId);
    if (found && found.deletedTime === undefined && found.kind === kind)
      items.push(toRead(found, selection.sources));
  });
  const out: Json = { items };
  if (optionalBoolean(request, "includeTyping", "body", false))
    out.typing = selection.typing;
  return out;
}

export function listInstances(state: EmulatorState, body: unknown): Json {
  const request = asRecord(body ?? {}, "body");
  const kind = asInstanceType(request.instanceType, "instanceType", "node");
  const limit = optionalInteger(request, "limit", "body", {
    min: 1,
    max: 1000,
    fallback: 1000,
  });
  const selection = resolveSources(
    state.schema,
    request.sources,
    "sources",
    false,
  );
  const ctx: FilterContext = {
    schema: state.schema,
    store: state.store,
    parameters: undefined,
  };
  const filter: Predicate | undefined =
    request.filter === undefined || request.filter === null
      ? undefined
      : compileFilter(request.filter, ctx);
  const order = compileSortKeys(request.sort, ctx, "sort") ?? ID_ORDER;
  const query = fingerprint({
    ...request,
    cursor: undefined,
    limit: undefined,
  });
  const after =
    request.cursor === undefined || request.cursor === null
      ? undefined
      : listCursorKey(request.cursor, query);
  const page = keysetPage(state, {
    cacheKey: `list:${query}`,
    evaluate: () => {
      const matching: StoredInstance[] = [];
      let visited = 0;
      for (const instance of allInstances(state.store)) {
        visited++;
        if (instance.deletedTime !== undefined || instance.kind !== kind)
          continue;
        if (
          !selection.sources.every((s) => hasDataIn(instance, s.containerKeys))
        )
          continue;
        if (filter && !filter(instance)) continue;
        matching.push(instance);
      }
      countVisited(state, visited);
      return matching;
    },
    order,
    after,
    limit,
  });
  const out: Json = {
    items: page.instances.map((i) => toRead(i, selection.sources)),
  };
  if (page.next)
    out.nextCursor = encodeCursor({ k: "list", l: page.next, q: query });
  if (optionalBoolean(request, "includeTyping", "body", false))
    out.typing = selection.typing;
  return out;
}

/** The sort key of the last instance the cursor's page returned (see `paging.ts`). */
function listCursorKey(cursor: unknown, query: string): KeyPart[] {
  const payload = decodeCursor(cursor, "cursor");
  if (payload.k !== "list" || !Array.isArray(payload.l))
    throw badRequest("cursor: invalid cursor");
  if (payload.q !== query)
    throw badRequest(
      "cursor: the cursor belongs to a different request (filter, sort or sources changed)",
    );
  return payload.l as KeyPart[];
}

// ---- views and data models

export function listViews(state: EmulatorState, params: URLSearchParams): Json {
  const limit = queryInteger(params, "limit", 10, 1, 1000);
  const space = params.get("space");
  const includeInherited = queryBoolean(
    params,
    "includeInheritedProperties",
    true,
  );
  const allVersions = queryBoolean(params, "allVersions", false);
  const includeGlobal = queryBoolean(params, "includeGlobal", false);
  let views = [...state.schema.views.values()].filter(
    (v) =>
      (space === null || v.definition.space === space) &&
      (includeGlobal || !isGlobalView(state.schema, v)),
  );
  if (!allVersions) views = views.filter((v) => isLatest(state.schema, v));
  const offset = pageOffset(params, "views");
  const page = views.slice(offset, offset + limit);
  const out: Json = {
    items: page.map((v) => viewToApi(state.schema, v, includeInherited)),
  };
  if (offset + limit < views.length)
    out.nextCursor = encodeCursor({ k: "views", o: offset + limit });
  return out;
}

function isGlobalView(schema: SchemaStore, view: ResolvedView): boolean {
  return (
    view.definition.isGlobal || isSystemSpace(schema, view.definition.space)
  );
}

function isLatest(schema: SchemaStore, view: ResolvedView): boolean {
  const versions = viewVersions(
    schema,
    view.definition.space,
    view.definition.externalId,
  );
  return versions[versions.length - 1] === view;
}

/** `views/byids`: a reference without `version` returns every version (memo §1.1); unknown ids are left out. */
export function viewsByIds(
  state: EmulatorState,
  body: unknown,
  params: URLSearchParams,
): Json {
  // The JS SDK sends the flag in the body instead of the query string (memo §1.1): both count.
  const inBody = (body as { includeInheritedProperties?: unknown })
    ?.includeInheritedProperties;
  const includeInherited =
    inBody === false
      ? false
      : queryBoolean(params, "includeInheritedProperties", true);
  const items = idItems(body);
  const found: ResolvedView[] = [];
  items.forEach((ref) => {
    for (const view of viewVersions(state.schema, ref.space, ref.externalId)) {
      if (
        (ref.version === undefined ||
          ref.version === view.definition.version) &&
        !found.includes(view)
      )
        found.push(view);
    }
  });
  return {
    items: found.map((v) => viewToApi(state.schema, v, includeInherited)),
  };
}

export function dataModelsByIds(
  state: EmulatorState,
  body: unknown,
  params: URLSearchParams,
): Json {
  const inline = queryBoolean(params, "inlineViews", false);
  const items = idItems(body);
  const models = state.schema.dataModels.filter((m) =>
    items.some(
      (ref) =>
        ref.space === m.space &&
        ref.externalId === m.externalId &&
        (ref.version === undefined || ref.version === m.version),
    ),
  );
  return { items: models.map((m) => dataModelToApi(state.schema, m, inline)) };
}

export function listDataModels(
  state: EmulatorState,
  params: URLSearchParams,
): Json {
  const limit = queryInteger(params, "limit", 10, 1, 1000);
  const inline = queryBoolean(params, "inlineViews", false);
  const allVersions = queryBoolean(params, "allVersions", false);
  const includeGlobal = queryBoolean(params, "includeGlobal", false);
  const space = params.get("space");
  const models = state.schema.dataModels.filter(
    (m) =>
      (space === null || m.space === space) &&
      (includeGlobal ||
        (m.isGlobal !== true && !isSystemSpace(state.schema, m.space))) &&
      (allVersions || isLatestModel(state.schema.dataModels, m)),
  );
  const offset = pageOffset(params, "datamodels");
  const out: Json = {
    items: models
      .slice(offset, offset + limit)
      .map((m) => dataModelToApi(state.schema, m, inline)),
  };
  if (offset + limit < models.length)
    out.nextCursor = encodeCursor({ k: "datamodels", o: offset + limit });
  return out;
}

/** The latest version of a data model: the newest createdTime, then the greatest version string. */
function isLatestModel(
  models: readonly StoredDataModel[],
  model: StoredDataModel,
): boolean {
  return !models.some(
    (m) =>
      m !== model &&
      m.space === model.space &&
      m.externalId === model.externalId &&
      (m.createdTime > model.createdTime ||
        (m.createdTime === model.createdTime && m.version > model.version)),
  );
}

function idItems(
  body: unknown,
): { space: string; externalId: string; version: string | undefined }[] {
  const request = asRecord(body, "body");
  const items = asArray(request.items, "items");
  if (items.length === 0 || items.length > 100)
    throw badRequest("items must have between 1 and 100 entries");
  return items.map((raw, i) => {
    const ref = asRecord(raw, `items[${i}]`);
    return {
      space: asString(ref.space, `items[${i}].space`),
      externalId: asString(ref.externalId, `items[${i}].externalId`),
      version:
        ref.version === undefined || ref.version === null
          ? undefined
          : asString(ref.version, `items[${i}].version`),
    };
  });
}

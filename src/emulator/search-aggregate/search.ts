// `POST /models/instances/search`: instances with data in one view, matching an optional text
// query (rules in text-match.ts) and an optional filter, all conditions AND-ed. Default and
// maximum `limit` 1000, as `LimitWithDefault1000` in the contract says; no cursor (the API has none).

import { badRequest } from "../http/api-error.js";
import { compileFilter, type FilterContext } from "../query/filters.js";
import { hasDataIn, toRead } from "../instances/read-shape.js";
import {
  asInstanceType,
  asRecord,
  asViewReference,
  optionalBoolean,
  optionalInteger,
  type JsonRecord,
} from "../http/request-shape.js";
import { findView, type ResolvedView } from "../schema/store.js";
import { resolveSources } from "../instances/select.js";
import { compileSort } from "../query/sort.js";
import type { EmulatorState } from "../state.js";
import { allInstances, type StoredInstance } from "../instances/store.js";
import {
  compileTextMatcher,
  parseOperator,
  searchedProperties,
} from "./text-match.js";

export const SEARCH_LIMITS = { min: 1, max: 1000, fallback: 1000 };

/** An instance that passed the view, filter and query conditions, with its text score. */
export interface Candidate {
  instance: StoredInstance;
  score: number;
}

/** The parts of search and aggregate requests they share: view, instanceType, query, filter. */
export function matchingInstances(
  state: EmulatorState,
  request: JsonRecord,
): { view: ResolvedView; candidates: Candidate[] } {
  const viewRef = asViewReference(request.view, "view");
  const view = findView(state.schema, viewRef);
  if (!view)
    throw badRequest(
      `view ${viewRef.space}:${viewRef.externalId}/${viewRef.version} does not exist`,
      { missing: [{ ...viewRef }] },
    );
  if (request.targetUnits !== undefined)
    throw badRequest(
      "targetUnits: unit conversion is not supported by the emulator",
    );
  const kind = asInstanceType(request.instanceType, "instanceType", "node");
  const ctx: FilterContext = {
    schema: state.schema,
    store: state.store,
    parameters: undefined,
    view,
  };
  const filter =
    request.filter === undefined || request.filter === null
      ? undefined
      : compileFilter(request.filter, ctx);
  if (request.query !== undefined && typeof request.query !== "string")
    throw badRequest("query must be a string");
  const matcher = compileTextMatcher(
    request.query ?? "",
    searchedProperties(view, request.properties, "properties"),
    parseOperator(request.operator, "operator"),
  );
  const candidates: Candidate[] = [];
  for (const instance of allInstances(state.store)) {
    if (instance.deletedTime !== undefined || instance.kind !== kind) continue;
    if (!hasDataIn(instance, view.containerKeys)) continue;
    if (filter && !filter(instance)) continue;
    const score = matcher ? matcher(instance) : 0;
    if (matcher && score === 0) continue;
    candidates.push({ instance, score });
  }
  return { view, candidates };
}

export function searchInstances(
  state: EmulatorState,
  body: unknown,
): JsonRecord {
  const request = asRecord(body, "body");
  const limit = optionalInteger(request, "limit", "body", SEARCH_LIMITS);
  const { view, candidates } = matchingInstances(state, request);
  const ctx: FilterContext = {
    schema: state.schema,
    store: state.store,
    parameters: undefined,
    view,
  };
  const sort = compileSort(request.sort, ctx, "sort");
  const selection = resolveSources(
    state.schema,
    [{ source: { type: "view", ...viewReferenceOf(view) } }],
    "view",
    false,
  );
  candidates.sort(
    sort
      ? (a, b) => sort(a.instance, b.instance)
      : (a, b) => b.score - a.score || byId(a.instance, b.instance),
  );
  const out: JsonRecord = {
    items: candidates
      .slice(0, limit)
      .map((c) => toRead(c.instance, selection.sources)),
  };
  if (optionalBoolean(request, "includeTyping", "body", false))
    out.typing = selection.typing;
  return out;
}

function viewReferenceOf(view: ResolvedView): {
  space: string;
  externalId: string;
  version: string;
} {
  const { space, externalId, version } = view.definition;
  return { space, externalId, version };
}

function byId(a: StoredInstance, b: StoredInstance): number {
  return (
    compareText(a.space, b.space) || compareText(a.externalId, b.externalId)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

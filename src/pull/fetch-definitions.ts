// Downloads view definitions: data models with inline views, and single views.

import type { JsonPoster } from "../../templates/runtime/write/apply.js";
import { UserError } from "../errors.js";
import { formatRef, refKey, type VersionedRef } from "./refs.js";

/** A view definition as the API returns it (kept as raw JSON). */
export type RawView = Record<string, unknown> & VersionedRef;

const BYIDS_LIMIT = 100;

/**
 * The views of the data models (in the models' order) followed by the single views, each view
 * once. Throws `UserError` naming any data model or view the project does not have.
 */
export async function fetchDefinitions(
  http: JsonPoster,
  request: {
    readonly dataModels: readonly VersionedRef[];
    readonly views: readonly VersionedRef[];
    /** Called after each request with a line saying what arrived (large models take a while). */
    readonly onProgress?: (message: string) => void;
  },
  signal?: AbortSignal,
): Promise<RawView[]> {
  const options = signal ? { signal } : {};
  const collected: RawView[] = [];
  const progress = request.onProgress ?? (() => {});
  const models = await byIds<Record<string, unknown> & VersionedRef>(
    http,
    "/models/datamodels/byids",
    request.dataModels,
    { ...options, query: { inlineViews: true } },
    (chunk) => {
      for (const model of chunk) {
        const count = Array.isArray(model.views) ? model.views.length : 0;
        progress(
          `data model ${formatRef(model)}: ${count} view${count === 1 ? "" : "s"}`,
        );
      }
    },
  );
  assertAllFound("data model", request.dataModels, models);
  const byKey = new Map(models.map((model) => [refKey(model), model]));
  for (const ref of request.dataModels) {
    const model = byKey.get(refKey(ref));
    const views = Array.isArray(model?.views) ? (model.views as unknown[]) : [];
    for (const view of views) {
      if (!isInlineView(view)) {
        throw new UserError(
          `Data model ${formatRef(ref)} came back without inline view definitions`,
        );
      }
      collected.push(view);
    }
  }
  const views = await byIds<RawView>(
    http,
    "/models/views/byids",
    request.views,
    {
      ...options,
      query: { includeInheritedProperties: true },
    },
    (_chunk, done) => progress(`views ${done}/${request.views.length}`),
  );
  assertAllFound("view", request.views, views);
  collected.push(...views);
  return uniqueViews(collected);
}

/** `byids` of data models or views, in requests of at most 100 ids; ids not found are left out. */
export async function byIds<T extends VersionedRef>(
  http: JsonPoster,
  path: string,
  refs: readonly VersionedRef[],
  options: { signal?: AbortSignal; query: Record<string, boolean> },
  onChunk: (items: readonly T[], refsDone: number) => void,
): Promise<T[]> {
  const result: T[] = [];
  for (let start = 0; start < refs.length; start += BYIDS_LIMIT) {
    const items = refs
      .slice(start, start + BYIDS_LIMIT)
      .map(({ space, externalId, version }) => ({
        space,
        externalId,
        version,
      }));
    const response = await http.postJson<{ items?: T[] }>(
      path,
      { items },
      options,
    );
    result.push(...(response.items ?? []));
    onChunk(response.items ?? [], Math.min(start + BYIDS_LIMIT, refs.length));
  }
  return result;
}

function assertAllFound(
  kind: string,
  wanted: readonly VersionedRef[],
  found: readonly VersionedRef[],
): void {
  const keys = new Set(found.map(refKey));
  const missing = wanted.filter((ref) => !keys.has(refKey(ref)));
  if (missing.length > 0) {
    throw new UserError(
      `The project has no ${kind} ${missing.map(formatRef).join(", ")}`,
    );
  }
}

function isInlineView(value: unknown): value is RawView {
  return (
    typeof value === "object" &&
    value !== null &&
    "properties" in value &&
    typeof (value as { space?: unknown }).space === "string"
  );
}

function uniqueViews(views: readonly RawView[]): RawView[] {
  const seen = new Set<string>();
  return views.filter((view) => {
    const key = refKey(view);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

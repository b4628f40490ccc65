// The requests of `client.spaces` (spaces.ts), loaded on its first call.

import type * as core from "../core/http.js";
import type { HttpClient } from "../core/http.js";
import type {
  SpaceCreateDefinition,
  SpaceDefinition,
  SpaceRequestOptions,
} from "./spaces.js";

/** The API's most spaces per apply, byids and delete request. */
const SPACES_PER_REQUEST = 100;
/** The API's largest page of `GET /models/spaces`. */
const SPACES_PER_PAGE = 1000;
const SPACES = "/models/spaces";

/**
 * The client's HTTP client and the answer checks, handed in by `SpacesClient`: a static import
 * from this lazily loaded module would give each module it reaches a bundle chunk of its own
 * (bundlers key a module's chunk by the entry points that reach it).
 */
export type SpacesApi = { readonly http: HttpClient } & Pick<
  typeof core,
  "expectCursor" | "expectItems" | "expectObject" | "repeatedCursor"
>;

export function applySpaces(
  api: SpacesApi,
  spaces: readonly SpaceCreateDefinition[],
  options: SpaceRequestOptions,
): Promise<SpaceDefinition[]> {
  const items = spaces.map(({ space, name, description }) => ({
    space,
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
  }));
  return inChunks(api, SPACES, items, options);
}

export async function listSpaces(
  api: SpacesApi,
  options: SpaceRequestOptions & { readonly includeGlobal?: boolean },
): Promise<SpaceDefinition[]> {
  const { signal } = options;
  const spaces: SpaceDefinition[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(SPACES_PER_PAGE) });
    if (options.includeGlobal) query.set("includeGlobal", "true");
    if (cursor !== undefined) query.set("cursor", cursor);
    const answer = await api.http.getJson<unknown>(
      `${SPACES}?${query.toString()}`,
      signal ? { signal } : {},
    );
    spaces.push(...api.expectItems<SpaceDefinition>(answer, SPACES));
    const next = api.expectCursor(api.expectObject(answer, SPACES), SPACES);
    if (next !== undefined && next === cursor)
      throw api.repeatedCursor(SPACES, next);
    cursor = next;
  } while (cursor !== undefined);
  return spaces;
}

/** `byids` or `delete` of spaces by id. */
export function spacesById(
  api: SpacesApi,
  action: "byids" | "delete",
  spaces: readonly string[],
  options: SpaceRequestOptions,
): Promise<SpaceDefinition[]> {
  const items = spaces.map((space) => ({ space }));
  return inChunks(api, `${SPACES}/${action}`, items, options);
}

async function inChunks<T>(
  api: SpacesApi,
  path: string,
  items: readonly object[],
  options: SpaceRequestOptions,
): Promise<T[]> {
  const result: T[] = [];
  for (let start = 0; start < items.length; start += SPACES_PER_REQUEST) {
    const answer = await api.http.postJson<unknown>(
      path,
      { items: items.slice(start, start + SPACES_PER_REQUEST) },
      options.signal ? { signal: options.signal } : {},
    );
    result.push(...api.expectItems<T>(answer, path));
  }
  return result;
}

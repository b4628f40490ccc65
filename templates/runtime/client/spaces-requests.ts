// The requests of `client.spaces` (spaces.ts), loaded on its first call.

import {
  expectCursor,
  expectItems,
  expectObject,
  repeatedCursor,
  type HttpClient,
} from "../core/http.js";
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

export function applySpaces(
  http: HttpClient,
  spaces: readonly SpaceCreateDefinition[],
  options: SpaceRequestOptions,
): Promise<SpaceDefinition[]> {
  const items = spaces.map(({ space, name, description }) => ({
    space,
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
  }));
  return inChunks(http, SPACES, items, options);
}

export async function listSpaces(
  http: HttpClient,
  options: SpaceRequestOptions & { readonly includeGlobal?: boolean },
): Promise<SpaceDefinition[]> {
  const { signal } = options;
  const spaces: SpaceDefinition[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(SPACES_PER_PAGE) });
    if (options.includeGlobal) query.set("includeGlobal", "true");
    if (cursor !== undefined) query.set("cursor", cursor);
    const answer = await http.getJson<unknown>(
      `${SPACES}?${query.toString()}`,
      signal ? { signal } : {},
    );
    spaces.push(...expectItems<SpaceDefinition>(answer, SPACES));
    const next = expectCursor(expectObject(answer, SPACES), SPACES);
    if (next !== undefined && next === cursor)
      throw repeatedCursor(SPACES, next);
    cursor = next;
  } while (cursor !== undefined);
  return spaces;
}

/** `byids` or `delete` of spaces by id. */
export function spacesById(
  http: HttpClient,
  action: "byids" | "delete",
  spaces: readonly string[],
  options: SpaceRequestOptions,
): Promise<SpaceDefinition[]> {
  const items = spaces.map((space) => ({ space }));
  return inChunks(http, `${SPACES}/${action}`, items, options);
}

async function inChunks<T>(
  http: HttpClient,
  path: string,
  items: readonly object[],
  options: SpaceRequestOptions,
): Promise<T[]> {
  const result: T[] = [];
  for (let start = 0; start < items.length; start += SPACES_PER_REQUEST) {
    const answer = await http.postJson<unknown>(
      path,
      { items: items.slice(start, start + SPACES_PER_REQUEST) },
      options.signal ? { signal: options.signal } : {},
    );
    result.push(...expectItems<T>(answer, path));
  }
  return result;
}

// `client.spaces` (the `spaces` feature): the project's spaces over `/models/spaces`, typed, so
// that an app (or a test) creates its instance spaces with the client.

import {
  expectCursor,
  expectItems,
  expectObject,
  repeatedCursor,
  type HttpClient,
} from "../core/http.js";
import type { DmsClient } from "../read/dms-client.js";

/** What the spaces feature gives a generated client. */
export interface SpacesMethods {
  /** The project's spaces: apply, list, retrieve, delete. */
  readonly spaces: SpacesClient;
}

export function spacesMethods(dms: DmsClient): SpacesMethods {
  return { spaces: new SpacesClient(dms.http) };
}

/** A space to create or update (`POST /models/spaces`). */
export interface SpaceCreateDefinition {
  /** 1 to 43 characters: a letter, then letters, digits, `_` and `-`. */
  readonly space: string;
  readonly name?: string;
  readonly description?: string;
}

/** A space as the API returns it. */
export interface SpaceDefinition {
  readonly space: string;
  readonly name?: string;
  readonly description?: string;
  /** Epoch milliseconds. */
  readonly createdTime: number;
  /** Epoch milliseconds. */
  readonly lastUpdatedTime: number;
  /** A system space (such as `cdf_cdm`), read only. */
  readonly isGlobal: boolean;
}

export interface SpaceRequestOptions {
  readonly signal?: AbortSignal;
}

/** The API's most spaces per apply, byids and delete request. */
const SPACES_PER_REQUEST = 100;
/** The API's largest page of `GET /models/spaces`. */
const SPACES_PER_PAGE = 1000;
const SPACES = "/models/spaces";

/** Spaces of the project, over `/models/spaces` (requests of at most 100 spaces). */
export class SpacesClient {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Creates or updates spaces; the spaces as stored. */
  async apply(
    spaces: readonly SpaceCreateDefinition[],
    options: SpaceRequestOptions = {},
  ): Promise<SpaceDefinition[]> {
    const items = spaces.map(({ space, name, description }) => ({
      space,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
    }));
    return this.#inChunks(SPACES, items, options);
  }

  /** Every space of the project (following cursors); system spaces with `includeGlobal`. */
  async list(
    options: SpaceRequestOptions & { readonly includeGlobal?: boolean } = {},
  ): Promise<SpaceDefinition[]> {
    const spaces: SpaceDefinition[] = [];
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(SPACES_PER_PAGE) });
      if (options.includeGlobal) query.set("includeGlobal", "true");
      if (cursor !== undefined) query.set("cursor", cursor);
      const answer = await this.#http.getJson<unknown>(
        `${SPACES}?${query.toString()}`,
        options.signal ? { signal: options.signal } : {},
      );
      spaces.push(...expectItems<SpaceDefinition>(answer, SPACES));
      const next = expectCursor(expectObject(answer, SPACES), SPACES);
      if (next !== undefined && next === cursor)
        throw repeatedCursor(SPACES, next);
      cursor = next;
    } while (cursor !== undefined);
    return spaces;
  }

  /** The spaces with these ids that exist. */
  retrieve(
    spaces: readonly string[],
    options: SpaceRequestOptions = {},
  ): Promise<SpaceDefinition[]> {
    return this.#inChunks(
      `${SPACES}/byids`,
      spaces.map((space) => ({ space })),
      options,
    );
  }

  /** Deletes empty spaces; the ids of those deleted. */
  async delete(
    spaces: readonly string[],
    options: SpaceRequestOptions = {},
  ): Promise<string[]> {
    const deleted = await this.#inChunks<{ space: string }>(
      `${SPACES}/delete`,
      spaces.map((space) => ({ space })),
      options,
    );
    return deleted.map((item) => item.space);
  }

  async #inChunks<T>(
    path: string,
    items: readonly object[],
    options: SpaceRequestOptions,
  ): Promise<T[]> {
    const result: T[] = [];
    for (let start = 0; start < items.length; start += SPACES_PER_REQUEST) {
      const answer = await this.#http.postJson<unknown>(
        path,
        { items: items.slice(start, start + SPACES_PER_REQUEST) },
        options.signal ? { signal: options.signal } : {},
      );
      result.push(...expectItems<T>(answer, path));
    }
    return result;
  }
}

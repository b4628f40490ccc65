// `client.spaces` (the `spaces` feature): the project's spaces over `/models/spaces`, typed, so
// that an app (or a test) creates its instance spaces with the client. The requests
// (spaces-requests.ts) load on the first call.

import {
  expectCursor,
  expectItems,
  expectObject,
  repeatedCursor,
  type HttpClient,
} from "../core/http.js";
import type { SpacesApi } from "./spaces-requests.js";
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

/** Spaces of the project, over `/models/spaces` (requests of at most 100 spaces). */
export class SpacesClient {
  readonly #api: SpacesApi;

  constructor(http: HttpClient) {
    this.#api = {
      http,
      expectCursor,
      expectItems,
      expectObject,
      repeatedCursor,
    };
  }

  /** Creates or updates spaces; the spaces as stored. */
  async apply(
    spaces: readonly SpaceCreateDefinition[],
    options: SpaceRequestOptions = {},
  ): Promise<SpaceDefinition[]> {
    return (await requests()).applySpaces(this.#api, spaces, options);
  }

  /** Every space of the project (following cursors); system spaces with `includeGlobal`. */
  async list(
    options: SpaceRequestOptions & { readonly includeGlobal?: boolean } = {},
  ): Promise<SpaceDefinition[]> {
    return (await requests()).listSpaces(this.#api, options);
  }

  /** The spaces with these ids that exist. */
  async retrieve(
    spaces: readonly string[],
    options: SpaceRequestOptions = {},
  ): Promise<SpaceDefinition[]> {
    return (await requests()).spacesById(this.#api, "byids", spaces, options);
  }

  /** Deletes empty spaces; the ids of those deleted. */
  async delete(
    spaces: readonly string[],
    options: SpaceRequestOptions = {},
  ): Promise<string[]> {
    const deleted = await (
      await requests()
    ).spacesById(this.#api, "delete", spaces, options);
    return deleted.map((item) => item.space);
  }
}

const requests = () => import("./spaces-requests.js");

// Shared helpers of the emulator suites: the movies views of the seed examples, and a client
// that validates every request it sends and every response it gets against the DMS contract.

import { gzipSync } from "node:zlib";
import type { ViewDefinition, ViewReference } from "../../src/input/types.js";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { checkRequest, checkResponse } from "./contract.js";

export const personView: ViewReference = {
  type: "view",
  space: "mySpace",
  externalId: "PersonView",
  version: "v1",
};
export const actorView: ViewReference = {
  type: "view",
  space: "mySpace",
  externalId: "ActorView",
  version: "v1",
};
export const movieView: ViewReference = {
  type: "view",
  space: "mySpace",
  externalId: "MovieView",
  version: "v1",
};

const container = (externalId: string) => ({
  type: "container" as const,
  space: "mySpace",
  externalId,
});

function mapped(
  containerId: string,
  property: string,
  type: "text" | "int32" | "boolean",
  extra: Partial<{ nullable: boolean; immutable: boolean }> = {},
) {
  return {
    kind: "mapped" as const,
    container: container(containerId),
    containerPropertyIdentifier: property,
    type: { type, list: false },
    nullable: extra.nullable ?? true,
    immutable: extra.immutable ?? false,
    autoIncrement: false,
  };
}

const personProperties = {
  name: mapped("Person", "name", "text"),
  birthYear: mapped("Person", "birthYear", "int32"),
};

/** The movies model of the seed examples: ActorView implements PersonView; Movie.actors and acts-in edges. */
export function moviesViews(): ViewDefinition[] {
  const id = (ref: ViewReference) => ({
    space: ref.space,
    externalId: ref.externalId,
    version: ref.version,
  });
  const base = {
    implements: [],
    writable: true,
    queryable: true,
    usedFor: "node" as const,
    isGlobal: false,
  };
  return [
    {
      ...base,
      ...id(personView),
      mappedContainers: [container("Person")],
      properties: { ...personProperties },
    },
    {
      ...base,
      ...id(actorView),
      implements: [personView],
      mappedContainers: [container("Person"), container("Actor")],
      properties: {
        ...personProperties,
        wonOscar: mapped("Actor", "wonOscar", "boolean"),
        movies: {
          kind: "edge",
          connectionType: "multi_edge_connection",
          type: { space: "types", externalId: "acts-in" },
          source: movieView,
          direction: "outwards",
        },
      },
    },
    {
      ...base,
      ...id(movieView),
      mappedContainers: [container("Movie")],
      properties: {
        title: mapped("Movie", "title", "text"),
        releaseYear: mapped("Movie", "releaseYear", "int32"),
        actors: {
          kind: "edge",
          connectionType: "multi_edge_connection",
          type: { space: "mySpace", externalId: "Movie.actors" },
          source: actorView,
          direction: "outwards",
        },
      },
    },
  ];
}

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Client {
  post<T = any>(
    route: string,
    body: unknown,
    options?: {
      query?: string;
      gzip?: boolean;
      token?: string;
      skipRequestValidation?: boolean;
    },
  ): Promise<ApiResult<T>>;
  get<T = any>(route: string, query?: string): Promise<ApiResult<T>>;
  /** Like post, but fails unless the status is 200. */
  ok<T = any>(route: string, body: unknown, query?: string): Promise<T>;
}

/** `route` is the spec path, e.g. "/models/instances/sync". */
export function client(
  emulator: RunningEmulator,
  defaultToken = "any-token",
): Client {
  const base = `${emulator.url}/api/v1/projects/${emulator.project}`;
  const check = checkResponse;
  const post: Client["post"] = async (route, body, options = {}) => {
    if (!options.skipRequestValidation) checkRequest(route, "post", body);
    const json = JSON.stringify(body);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Bearer ${options.token ?? defaultToken}`,
    };
    if (options.gzip) headers["content-encoding"] = "gzip";
    const response = await fetch(
      `${base}${route}${options.query ? `?${options.query}` : ""}`,
      {
        method: "POST",
        headers,
        body: options.gzip ? gzipSync(json) : json,
      },
    );
    const parsed = (await response.json()) as any;
    check(route, "post", response.status, parsed);
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    post,
    async get(route, query) {
      const response = await fetch(
        `${base}${route}${query ? `?${query}` : ""}`,
        { headers: { authorization: `Bearer ${defaultToken}` } },
      );
      const parsed = (await response.json()) as any;
      check(route, "get", response.status, parsed);
      return {
        status: response.status,
        body: parsed,
        headers: response.headers,
      };
    },
    async ok(route, body, query) {
      const result = await post(
        route,
        body,
        query === undefined ? {} : { query },
      );
      if (result.status !== 200)
        throw new Error(
          `POST ${route} → ${result.status}: ${JSON.stringify(result.body)}`,
        );
      return result.body;
    },
  };
}

/** The seed's apply example: Arnold with two sources, Terminator, and the acts-in edge. */
export function seedApplyItems() {
  return [
    {
      instanceType: "node",
      space: "actors",
      externalId: "arnold_schwarzenegger",
      sources: [
        {
          source: personView,
          properties: { name: "Arnold Schwarzenegger", birthYear: 1947 },
        },
        { source: actorView, properties: { wonOscar: false } },
      ],
    },
    {
      instanceType: "node",
      space: "movies",
      externalId: "Terminator",
      sources: [
        {
          source: movieView,
          properties: { title: "Terminator", releaseYear: 1984 },
        },
      ],
    },
    {
      instanceType: "edge",
      space: "actors",
      externalId: "relation:arnold_schwarzenegger:terminator",
      type: { space: "types", externalId: "acts-in" },
      startNode: { space: "actors", externalId: "arnold_schwarzenegger" },
      endNode: { space: "movies", externalId: "Terminator" },
    },
  ];
}

export function node(
  space: string,
  externalId: string,
  source: ViewReference,
  properties: Record<string, unknown>,
) {
  return {
    instanceType: "node",
    space,
    externalId,
    sources: [{ source, properties }],
  };
}

export function edge(
  space: string,
  externalId: string,
  type: [string, string],
  start: [string, string],
  end: [string, string],
) {
  return {
    instanceType: "edge",
    space,
    externalId,
    type: { space: type[0], externalId: type[1] },
    startNode: { space: start[0], externalId: start[1] },
    endNode: { space: end[0], externalId: end[1] },
  };
}

/** Instance spaces the suites write into; the emulator rejects writes into spaces that do not exist. */
export const TEST_SPACES = [
  "actors",
  "movies",
  "types",
  "geo",
  "plant",
  "s",
  "fixtures",
  "people",
];

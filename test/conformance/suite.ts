// One conformance suite's world: a target, a fresh space of its own (created first, deleted with
// everything in it last), and a client that checks every exchange against dms-openapi.json and
// refuses, before sending, any write outside the suite's own spaces.

import { checkRequest, checkResponse } from "../emulator/contract.js";
import { openTarget, uniqueSpaceName, type Target } from "./target.js";

export interface ApiResult<T = any> {
  status: number;
  body: T;
}

export interface PostOptions {
  query?: string;
  /** For requests a test sends to see them refused (beyond the contract's own limits). */
  skipRequestValidation?: boolean;
  /** Raw bytes instead of JSON.stringify(body). */
  rawBody?: string;
  /** Instead of application/json. */
  contentType?: string;
}

export interface ConformanceApi {
  post<T = any>(
    route: string,
    body: unknown,
    options?: PostOptions,
  ): Promise<ApiResult<T>>;
  get<T = any>(route: string, query?: string): Promise<ApiResult<T>>;
  /** Like post, but throws unless the status is 200. */
  ok<T = any>(route: string, body: unknown, query?: string): Promise<T>;
}

export interface Suite {
  target: Target;
  /** The suite's own space, created by openSuite. */
  space: string;
  /** A second unique name that is never created: writes into it must fail. */
  absentSpace: string;
  /** Unique names a test may create spaces under itself (deleted at the end if they exist). */
  spareSpaces: string[];
  /** Every space the suite may write into. */
  allowedSpaces: ReadonlySet<string>;
  api: ConformanceApi;
  /** Retries `check` while it throws, for CDF's eventually consistent reads (search, aggregate, lists after a delete); once on the emulator. */
  eventually<T>(check: () => Promise<T>): Promise<T>;
  /** Deletes everything in the suite's space, then the space; stops the target. */
  close(): Promise<void>;
}

/** Routes that change a project; their items must name one of the suite's spaces. */
const WRITE_ROUTES = new Set([
  "/models/spaces",
  "/models/spaces/delete",
  "/models/containers",
  "/models/containers/delete",
  "/models/containers/indexes/delete",
  "/models/containers/constraints/delete",
  "/models/views",
  "/models/views/delete",
  "/models/datamodels",
  "/models/datamodels/delete",
  "/models/instances",
  "/models/instances/delete",
]);

/**
 * Throws unless every item a write route names lies in `allowed`: the suite cannot touch a space
 * it did not create, whatever a test (or a client under test) sends.
 */
export function guardWrite(
  route: string,
  method: string,
  body: unknown,
  allowed: ReadonlySet<string>,
): void {
  if (method.toLowerCase() !== "post") return;
  if (!route.startsWith("/models/")) return;
  if (!WRITE_ROUTES.has(route)) {
    if (isReadRoute(route)) return;
    throw new Error(`Conformance guard: ${route} is not a known route`);
  }
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items))
    throw new Error(`Conformance guard: ${route} without items`);
  for (const item of items) {
    const space = (item as { space?: unknown } | null)?.space;
    if (typeof space !== "string" || !allowed.has(space))
      throw new Error(
        `Conformance guard: ${route} names space ${JSON.stringify(space)}, outside the suite's own spaces`,
      );
  }
}

const READ_SUFFIXES = [
  "/byids",
  "/list",
  "/query",
  "/sync",
  "/search",
  "/aggregate",
  "/inspect",
];
function isReadRoute(route: string): boolean {
  return (
    READ_SUFFIXES.some((suffix) => route.endsWith(suffix)) ||
    route.startsWith("/models/statistics")
  );
}

export async function openSuite(
  options: { spareSpaces?: number } = {},
): Promise<Suite> {
  const target = await openTarget();
  const space = uniqueSpaceName();
  const absentSpace = uniqueSpaceName();
  const spareSpaces = Array.from(
    { length: options.spareSpaces ?? 0 },
    uniqueSpaceName,
  );
  const allowed = new Set([space, absentSpace, ...spareSpaces]);
  const api = scopedApi(target, allowed);
  const eventually = <T>(check: () => Promise<T>) =>
    target.kind === "emulator" ? check() : retrying(check, 30_000);
  // A name from 48 random bits that exists already is someone else's space: stop.
  const existing = await api.ok("/models/spaces/byids", {
    items: [...allowed].map((name) => ({ space: name })),
  });
  if (existing.items.length > 0)
    throw new Error(`Space ${space} exists already; refusing to use it`);
  await api.ok("/models/spaces", {
    items: [{ space, name: "dmgen conformance run (deleted afterwards)" }],
  });
  return {
    target,
    space,
    absentSpace,
    spareSpaces,
    allowedSpaces: allowed,
    api,
    eventually,
    close: async () => {
      try {
        const left = await api.ok("/models/spaces/byids", {
          items: [space, ...spareSpaces].map((name) => ({ space: name })),
        });
        for (const { space: name } of left.items as { space: string }[])
          await (target.kind === "emulator"
            ? emptyAndDelete(api, name)
            : retrying(() => emptyAndDelete(api, name), 60_000));
      } finally {
        await target.close();
      }
    },
  };
}

function scopedApi(target: Target, allowed: ReadonlySet<string>) {
  const base = `${target.baseUrl}/api/v1/projects/${encodeURIComponent(target.project)}`;
  const send = async (
    method: "GET" | "POST",
    route: string,
    body: unknown,
    options: PostOptions,
  ): Promise<ApiResult> => {
    if (method === "POST") {
      guardWrite(route, method, body, allowed);
      if (!options.skipRequestValidation && options.rawBody === undefined)
        checkRequest(route, "post", body);
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${await target.token()}`,
    };
    if (method === "POST")
      headers["content-type"] = options.contentType ?? "application/json";
    const response = await fetch(
      `${base}${route}${options.query ? `?${options.query}` : ""}`,
      {
        method,
        headers,
        ...(method === "POST"
          ? { body: options.rawBody ?? JSON.stringify(body) }
          : {}),
      },
    );
    const parsed = (await response.json()) as any;
    checkResponse(route, method.toLowerCase(), response.status, parsed);
    return { status: response.status, body: parsed };
  };
  const api: ConformanceApi = {
    post: (route, body, options = {}) => send("POST", route, body, options),
    get: (route, query) =>
      send("GET", route, undefined, query === undefined ? {} : { query }),
    async ok(route, body, query) {
      const result = await api.post(
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
  return api;
}

async function retrying<T>(check: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Every page of a GET list route. */
async function listAll(
  api: ConformanceApi,
  route: string,
  query: string,
): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get(
      route,
      `${query}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (page.status !== 200)
      throw new Error(
        `GET ${route} → ${page.status}: ${JSON.stringify(page.body)}`,
      );
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** Deletes the space's instances, data models, views and containers, then the space. */
export async function emptyAndDelete(
  api: ConformanceApi,
  space: string,
): Promise<void> {
  for (const instanceType of ["edge", "node"] as const) {
    let cursor: string | undefined;
    do {
      const page = await api.ok("/models/instances/list", {
        instanceType,
        filter: { equals: { property: [instanceType, "space"], value: space } },
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      if (page.items.length > 0)
        await api.ok("/models/instances/delete", {
          items: page.items.map((i: any) => ({
            instanceType,
            space: i.space,
            externalId: i.externalId,
          })),
        });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const query = `space=${encodeURIComponent(space)}`;
  const ids = (items: any[], withVersion: boolean) =>
    items.map((i) => ({
      space: i.space,
      externalId: i.externalId,
      ...(withVersion ? { version: i.version } : {}),
    }));
  const models = await listAll(
    api,
    "/models/datamodels",
    `${query}&allVersions=true`,
  );
  if (models.length > 0)
    await api.ok("/models/datamodels/delete", { items: ids(models, true) });
  const views = await listAll(
    api,
    "/models/views",
    `${query}&allVersions=true`,
  );
  if (views.length > 0)
    await api.ok("/models/views/delete", { items: ids(views, true) });
  const containers = await listAll(api, "/models/containers", query);
  if (containers.length > 0)
    await api.ok("/models/containers/delete", {
      items: ids(containers, false),
    });
  await api.ok("/models/spaces/delete", { items: [{ space }] });
}

// `DmsClient.retrieve` and `DmsClient.list` (dms-client.ts), loaded on their first call: an app
// that reads through typed `list` / `sync` (queries) does not carry them.

import type * as errors from "../core/errors.js";
import type * as core from "../core/http.js";
import type { HttpClient } from "../core/http.js";
import type * as paging from "../core/paging.js";
import type { InstanceRead, ViewReference } from "../core/wire.js";
import type {
  InstanceListPage,
  InstanceListRequest,
  ReadOptions,
  TypedInstanceId,
} from "./dms-client.js";

/**
 * The client's HTTP client and what these reads use of the code an app loads up front, handed in
 * by `DmsClient`: a static import from this lazily loaded module would give each module it reaches
 * a bundle chunk of its own (bundlers key a module's chunk by the entry points that reach it).
 */
export type InstancesApi = { readonly http: HttpClient } & Pick<
  typeof core,
  "expectCursor" | "expectItems"
> &
  Pick<typeof errors, "ProtocolError"> &
  Pick<typeof paging, "PagingGuard">;

const BYIDS_LIMIT = 1000;
const BYIDS_PATH = "/models/instances/byids";

/** Instances by id; the answer may leave ids out (missing instances), but name only ids asked for, each once. */
export async function retrieveInstances(
  api: InstancesApi,
  ids: readonly TypedInstanceId[],
  sources: readonly ViewReference[],
  options: ReadOptions,
): Promise<InstanceRead[]> {
  const { includeTyping, signal } = options;
  // Only the signal of the caller's options reaches the request (its other keys mean other things).
  const only = signal ? { signal } : {};
  const key = (id: Partial<TypedInstanceId>): string =>
    JSON.stringify([id.instanceType, id.space, id.externalId]);
  const result: InstanceRead[] = [];
  for (let start = 0; start < ids.length; start += BYIDS_LIMIT) {
    const asked = ids
      .slice(start, start + BYIDS_LIMIT)
      .map(({ instanceType, space, externalId }) => ({
        instanceType,
        space,
        externalId,
      }));
    const body = {
      items: asked,
      ...(sources.length > 0
        ? { sources: sources.map((source) => ({ source })) }
        : {}),
      ...(includeTyping !== undefined ? { includeTyping } : {}),
    };
    const response = await api.http.postJson<unknown>(BYIDS_PATH, body, only);
    // Id → whether it is still open (not answered yet).
    const open = new Map(asked.map((id) => [key(id), true]));
    for (const item of api.expectItems<InstanceRead>(response, BYIDS_PATH)) {
      const state = open.get(key(item));
      if (!state) {
        const { instanceType, space, externalId } =
          item as Partial<InstanceRead>;
        const named =
          typeof space === "string" && typeof externalId === "string"
            ? `${String(instanceType)} ${space}:${externalId}`
            : `an item that is no instance id (${JSON.stringify(item).slice(0, 80)})`;
        throw new api.ProtocolError({
          problem: "unexpected-instances",
          method: "POST",
          url: BYIDS_PATH,
          detail: `the answer names ${named}${state === false ? " twice" : ", which was not asked for"}`,
        });
      }
      open.set(key(item), false);
      result.push(item);
    }
  }
  return result;
}

export async function* listInstances(
  api: InstancesApi,
  { sources, ...request }: InstanceListRequest,
  options: { readonly signal?: AbortSignal; readonly maxPages?: number },
): AsyncGenerator<InstanceListPage, void, undefined> {
  const path = "/models/instances/list";
  const body = sources?.length
    ? { ...request, sources: sources.map((source) => ({ source })) }
    : request;
  const { http, expectCursor, expectItems } = api;
  const guard = new api.PagingGuard(path, options.maxPages);
  let cursor: string | undefined;
  do {
    const response = await http.postJson<unknown>(
      path,
      cursor === undefined ? body : { ...body, cursor },
      options.signal ? { signal: options.signal } : {},
    );
    const items = expectItems<InstanceRead>(response, path);
    // An object: `expectItems` checked it.
    const fields = response as Record<string, unknown>;
    cursor = expectCursor(fields, path);
    if (cursor) guard.follow(cursor);
    const { typing } = fields;
    yield typing
      ? { items, typing: typing as Record<string, unknown> }
      : { items };
  } while (cursor);
}

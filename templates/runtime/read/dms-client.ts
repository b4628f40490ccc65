// `DmsClient`: the runtime's one entry point, tying a transport, credentials, retries and the
// apply / sync / query engines together for one CDF project. The generated client wraps it.

import {
  applyInstances,
  deleteInstances,
  type ApplyInputs,
  type ApplyOptions,
  type ApplyResult,
  type DeleteOptions,
} from "../write/apply.js";
import {
  createTokenSource,
  untilAborted,
  type Credentials,
} from "../core/auth.js";
import { ProtocolError } from "../core/errors.js";
import {
  expectCursor,
  expectItems,
  expectObject,
  HttpClient,
  type HttpClientOptions,
  type RequestOptions,
} from "../core/http.js";
import {
  checkedMaxPages,
  DEFAULT_MAX_PAGES_PER_READ,
  PagingGuard,
} from "../core/paging.js";
import { collectsWrites } from "../model/collect.js";
import {
  queryAll,
  queryPages,
  type QueryOptions,
  type QueryPage,
} from "./query.js";
import { systemClock } from "../core/retry.js";
import { syncPages, type SyncOptions, type SyncPage } from "./sync.js";
import type { Transport } from "../core/transport.js";
import type { InstancesApi } from "./instances.js";
import type {
  DeletedInstance,
  Filter,
  InstanceRead,
  PropertySort,
  QueryRequest,
  QueryResponse,
  SyncRequest,
  ViewReference,
} from "../core/wire.js";

/** Options of `DmsClient`: the HTTP client's (`baseUrl`, `project`, `retry`, ...) and these. */
export interface DmsClientOptions extends Omit<
  HttpClientOptions,
  "tokenSource"
> {
  /** A static token, a token provider or OAuth client credentials. */
  readonly credentials: Credentials;
  /** `createUndiciTransport()` on Node, `createFetchTransport()` elsewhere. */
  readonly transport: Transport;
  /**
   * Apply requests in flight at most, 1 to 16; halved on a 429, raised on success. Default: the
   * project's `concurrentWriteLimit` (`GET /models/statistics`, read once per client when an apply
   * may send more than one request), else 4.
   */
  readonly concurrency?: number;
  /** Delete requests in flight at most, 1 to 8. Default `concurrentDeleteLimit`, else 2; adapts. */
  readonly deleteConcurrency?: number;
  /** Refresh OAuth tokens this long (ms) before expiry, at most half their life. Default 60 000. */
  readonly tokenRefreshLeewayMs?: number;
  /** The most pages one paged read fetches, else a `ProtocolError`. Default 100 000. */
  readonly maxPagesPerRead?: number;
}

/** An instance id with its type, as byids and delete take it (the shape the API returns deleted). */
export type TypedInstanceId = DeletedInstance;

/** The body of `instances/list` without the cursor (the client pages). */
export interface InstanceListRequest {
  /** Default `node`. */
  readonly instanceType?: "node" | "edge";
  /** Views to return properties from; the instances must have data in all of them. */
  readonly sources?: readonly ViewReference[];
  readonly filter?: Filter;
  readonly sort?: readonly PropertySort[];
  /** Instances per page, 1 to 1000. Default 1000. */
  readonly limit?: number;
  readonly includeTyping?: boolean;
}

/** One page of `instances/list`. */
export interface InstanceListPage extends Pick<QueryPage, "typing"> {
  readonly items: InstanceRead[];
}

export type ReadOptions = Pick<RequestOptions, "signal"> &
  Pick<InstanceListRequest, "includeTyping">;

/** A client for the DMS instance API of one CDF project. */
export class DmsClient {
  /** The HTTP client underneath (auth, retries, typed errors). */
  declare readonly http: HttpClient;
  /** The most pages one paged read fetches (see `DmsClientOptions.maxPagesPerRead`). */
  declare readonly maxPagesPerRead: number;
  readonly #options: DmsClientOptions;
  /** The project's limits, read on the first apply or delete that needs them. */
  #projectLimits: Promise<ProjectLimits> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: DmsClientOptions) {
    this.#options = options;
    this.maxPagesPerRead = checkedMaxPages(
      options.maxPagesPerRead ?? DEFAULT_MAX_PAGES_PER_READ,
    );
    const clock = options.clock ?? systemClock;
    const tokenSource = createTokenSource(options.credentials, {
      ...options,
      clock,
      refreshLeewayMs: options.tokenRefreshLeewayMs,
    });
    this.http = new HttpClient({ ...options, tokenSource, clock });
  }

  /**
   * Creates or updates nodes and edges (wire items or apply objects) from an array or (async)
   * iterable, read as requests go out; `options.delete` goes after. A request that fails for good
   * throws `ApplyFailedError` (written / not written / unknown); a bad value `InvalidValueError`.
   */
  async apply(
    items: ApplyInputs,
    options: ApplyOptions = {},
  ): Promise<ApplyResult> {
    const concurrency =
      options.concurrency ??
      this.#options.concurrency ??
      (fitsOneRequest(items, options)
        ? undefined
        : await this.#projectLimit("write", options.signal));
    return applyInstances(
      this.http,
      items,
      concurrency !== undefined ? { ...options, concurrency } : options,
    );
  }

  /** Deletes nodes and edges (deleting a node deletes its edges too). Missing ids are skipped. */
  async delete(
    ids: readonly TypedInstanceId[],
    options: DeleteOptions = {},
  ): Promise<DeletedInstance[]> {
    const concurrency =
      options.concurrency ??
      this.#options.deleteConcurrency ??
      (ids.length <= MAX_ITEMS_PER_REQUEST
        ? undefined
        : await this.#projectLimit("delete", options.signal));
    return deleteInstances(
      this.http,
      ids,
      concurrency !== undefined ? { ...options, concurrency } : options,
    );
  }

  /** The project's limit for `kind`, capped at the runtime's most; undefined: the default. */
  async #projectLimit(
    kind: keyof ProjectLimits,
    signal: AbortSignal | undefined,
  ): Promise<number | undefined> {
    // One read per client, shared and not tied to a caller's signal: an abort fails its caller only.
    this.#projectLimits ??= readProjectLimits(this.http);
    return (await untilAborted(this.#projectLimits, signal))[kind];
  }

  /** Instances by id, with properties from `sources`; missing ids (or no data) are left out. */
  async retrieve(
    ids: readonly TypedInstanceId[],
    sources: readonly ViewReference[] = [],
    options: ReadOptions = {},
  ): Promise<InstanceRead[]> {
    const { retrieveInstances } = await reads();
    return retrieveInstances(this.#readsApi(), ids, sources, options);
  }

  /** Lists instances page by page (`instances/list`), following the cursor to the end. */
  async *list(
    request: InstanceListRequest = {},
    options: Omit<QueryOptions, "onProgress"> = {},
  ): AsyncGenerator<InstanceListPage, void, undefined> {
    const { listInstances } = await reads();
    yield* listInstances(this.#readsApi(), request, this.#paged(options));
  }

  /** What instances.ts uses of the code loaded up front: handed in, not imported (`InstancesApi`). */
  #readsApi(): InstancesApi {
    return {
      http: this.http,
      expectCursor,
      expectItems,
      PagingGuard,
      ProtocolError,
    };
  }

  /** One `instances/query` request (no cursors followed); `retryTimeouts: false` fails on a 408. */
  query(
    request: QueryRequest,
    options: Pick<RequestOptions, "signal" | "retryTimeouts"> = {},
  ): Promise<QueryResponse> {
    return this.http.postJson<QueryResponse>(
      "/models/instances/query",
      request,
      options,
    );
  }

  /** A query page by page, cursors followed until every result set is exhausted. */
  queryPages(
    request: QueryRequest,
    options: QueryOptions = {},
  ): AsyncGenerator<QueryPage, void, undefined> {
    return queryPages(this.http, request, this.#paged(options));
  }

  /** A query run to exhaustion, pages concatenated per result set; `pageSizes` of the last. */
  queryAll(
    request: QueryRequest,
    options: QueryOptions = {},
  ): Promise<QueryPage> {
    return queryAll(this.http, request, this.#paged(options));
  }

  /** Read options with the client's page limit, unless they carry their own. */
  #paged<O extends { readonly maxPages?: number }>(options: O): O {
    return options.maxPages !== undefined
      ? options
      : { ...options, maxPages: this.maxPagesPerRead };
  }

  /** Changes page by page until caught up (or on, with `follow`); pass `page.state` to resume. */
  sync(
    request: SyncRequest,
    options: SyncOptions = {},
  ): AsyncGenerator<SyncPage, void, undefined> {
    const paged = { clock: this.http.clock, ...this.#paged(options) };
    return syncPages(this.http, request, paged);
  }

  /** Releases the transport's pooled connections. Calling it again waits for the same close. */
  close(): Promise<void> {
    return (this.#closing ??= this.#options.transport.close());
  }
}

/** Items (writes plus deletes) of one apply request, as `applyInstances` splits them. */
const MAX_ITEMS_PER_REQUEST = 1000;

/**
 * Whether an apply surely sends one request (then it needs no concurrency limit, and no statistics
 * read): raw wire items, with the deletes no more than one request holds. Apply objects may expand
 * to nested nodes and edges, so they are not counted.
 */
function fitsOneRequest(items: ApplyInputs, options: ApplyOptions): boolean {
  if (!Array.isArray(items)) return false;
  const size = options.chunkSize ?? MAX_ITEMS_PER_REQUEST;
  const total = items.length + (options.delete?.length ?? 0);
  return (
    total <= size &&
    items.every(
      (item: unknown) =>
        !collectsWrites(item) &&
        typeof (item as { toInstanceWrites?: unknown } | null)
          ?.toInstanceWrites !== "function",
    )
  );
}

/** Requests in flight the project allows, capped at what apply and delete accept. */
interface ProjectLimits {
  readonly write?: number | undefined;
  readonly delete?: number | undefined;
}

/**
 * `GET /models/statistics`'s `concurrentWriteLimit` and `concurrentDeleteLimit` (CDF answers 429
 * past them). A token that may not read statistics, a failed read or a limit that is not a
 * positive integer leaves the defaults (4 and 2): an apply never fails for this read, and waits
 * for at most two attempts of it.
 */
export async function readProjectLimits(
  http: HttpClient,
): Promise<ProjectLimits> {
  const limit = (value: unknown, most: number) =>
    Number.isSafeInteger(value) && (value as number) >= 1
      ? Math.min(value as number, most)
      : undefined;
  try {
    const answer = expectObject(
      await http.getJson("/models/statistics", { maxAttempts: 2 }),
      "/models/statistics",
    );
    return {
      write: limit(answer.concurrentWriteLimit, 16),
      delete: limit(answer.concurrentDeleteLimit, 8),
    };
  } catch {
    return {};
  }
}

/** Retrieve and list by the untyped client: loaded on their first call (typed reads query). */
const reads = () => import("./instances.js");

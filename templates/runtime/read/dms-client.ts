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
import { createTokenSource, type Credentials } from "../core/auth.js";
import { HttpClient, type HttpEvent } from "../core/http.js";
import { checkedMaxPages, DEFAULT_MAX_PAGES_PER_READ } from "../core/paging.js";
import {
  queryAll,
  queryPages,
  type QueryOptions,
  type QueryPage,
} from "./query.js";
import { systemClock, type Clock, type RetryPolicy } from "../core/retry.js";
import { syncPages, type SyncOptions, type SyncPage } from "./sync.js";
import type { Transport } from "../core/transport.js";
import type {
  DeletedInstance,
  Filter,
  InstanceDelete,
  InstanceRead,
  PropertySort,
  QueryRequest,
  QueryResponse,
  SyncRequest,
  ViewReference,
} from "../core/wire.js";

/** Options of `DmsClient`. */
export interface DmsClientOptions {
  /** The cluster URL, e.g. `https://westeurope-1.cognitedata.com`. */
  readonly baseUrl: string;
  /** The CDF project. */
  readonly project: string;
  /** A static token, a token provider or OAuth client credentials. */
  readonly credentials: Credentials;
  /** `createUndiciTransport()` on Node, `createFetchTransport()` elsewhere. */
  readonly transport: Transport;
  /** Retry policy overrides (attempts, delays, statuses). */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Apply requests in flight at most, 1 to 16. Default 4 (CDF's default project limit); halved on
   * a 429 and raised again after successes.
   */
  readonly concurrency?: number;
  /** Delete requests in flight at most, 1 to 8. Default 2 (CDF's default); adapts as applies do. */
  readonly deleteConcurrency?: number;
  /** Sent as `x-cdp-app`. */
  readonly appName?: string;
  /** Extra headers for every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Refresh OAuth tokens this long before they expire (ms), at most half their lifetime. Default
   * 60 000. A token endpoint without a usable `expires_in` is taken to give 5-minute tokens.
   */
  readonly tokenRefreshLeewayMs?: number;
  /** Called on retries and token refreshes; never carries a token. */
  readonly onEvent?: (event: HttpEvent) => void;
  /** Time source for backoff, token expiry and follow-mode polling (tests pass a fake). */
  readonly clock?: Clock;
  /** Uniform [0, 1) for backoff jitter (tests pass a fixed one). */
  readonly random?: () => number;
  /** Parses response bodies; the generated client passes an int64-exact parser with `int64: "bigint"`. */
  readonly parseJson?: (text: string) => unknown;
  /**
   * The most pages one paged read (list, query, include, graph query, a sync until caught up)
   * fetches; a read that goes on is a `ProtocolError` (`endless-paging`). Default 100 000.
   */
  readonly maxPagesPerRead?: number;
}

/** An instance id with its type, as byids and delete take it. */
export interface TypedInstanceId {
  readonly instanceType: "node" | "edge";
  readonly space: string;
  readonly externalId: string;
}

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
export interface InstanceListPage {
  readonly items: InstanceRead[];
  readonly typing?: Readonly<Record<string, unknown>>;
}

/** Per-call options of reads. */
export interface ReadOptions {
  readonly signal?: AbortSignal;
  readonly includeTyping?: boolean;
}

/** A client for the DMS instance API of one CDF project. */
export class DmsClient {
  /** The HTTP client underneath (auth, retries, typed errors). */
  readonly http: HttpClient;
  /** The most pages one paged read fetches (see `DmsClientOptions.maxPagesPerRead`). */
  readonly maxPagesPerRead: number;
  readonly #options: DmsClientOptions;
  #closing: Promise<void> | undefined;

  constructor(options: DmsClientOptions) {
    this.#options = options;
    this.maxPagesPerRead = checkedMaxPages(
      options.maxPagesPerRead ?? DEFAULT_MAX_PAGES_PER_READ,
    );
    const clock = options.clock ?? systemClock;
    const tokenSource = createTokenSource(options.credentials, {
      transport: options.transport,
      clock,
      ...(options.tokenRefreshLeewayMs !== undefined
        ? { refreshLeewayMs: options.tokenRefreshLeewayMs }
        : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.http = new HttpClient({ ...options, tokenSource, clock });
  }

  /**
   * Creates or updates nodes and edges (raw wire items, or generated apply objects) from an array,
   * an iterable or an async iterable, read as requests go out, in requests of at most 1000 with
   * nodes before the edges that need them. Deletes in `options.delete` go after the writes.
   * Throws `ApplyFailedError` listing what was written, not written and unknown when a request
   * fails for good (a `VersionConflictError` that is also one on a version conflict). A bad value
   * (NaN, Infinity, a duplicate with other content) throws `InvalidValueError` as it is when no
   * request was sent yet, else ends the apply with it as the cause.
   */
  apply(items: ApplyInputs, options: ApplyOptions = {}): Promise<ApplyResult> {
    const concurrency = options.concurrency ?? this.#options.concurrency;
    return applyInstances(
      this.http,
      items,
      concurrency !== undefined ? { ...options, concurrency } : options,
    );
  }

  /** Deletes nodes and edges (deleting a node deletes its edges too). Missing ids are skipped. */
  delete(
    ids: readonly TypedInstanceId[],
    options: DeleteOptions = {},
  ): Promise<DeletedInstance[]> {
    const concurrency = options.concurrency ?? this.#options.deleteConcurrency;
    return deleteInstances(
      this.http,
      ids as readonly InstanceDelete[],
      concurrency !== undefined ? { ...options, concurrency } : options,
    );
  }

  /**
   * Retrieves instances by id (`instances/byids`), with properties from the given views. Ids that
   * do not exist (or lack data in a view) are absent from the result. An answer with an instance
   * that was not asked for, or one twice, is a `ProtocolError`.
   */
  async retrieve(
    ids: readonly TypedInstanceId[],
    sources: readonly ViewReference[] = [],
    options: ReadOptions = {},
  ): Promise<InstanceRead[]> {
    return (await reads()).retrieveInstances(this.http, ids, sources, options);
  }

  /**
   * Lists instances page by page (`instances/list`), following the cursor to the end. A cursor
   * seen before in the same list, or more than `maxPages` pages, is a `ProtocolError`.
   */
  async *list(
    request: InstanceListRequest = {},
    options: {
      readonly signal?: AbortSignal;
      /** Default: the client's `maxPagesPerRead`. */
      readonly maxPages?: number;
    } = {},
  ): AsyncGenerator<InstanceListPage, void, undefined> {
    yield* (await reads()).listInstances(
      this.http,
      request,
      this.#paged(options),
    );
  }

  /**
   * One `instances/query` request, as is (cursors not followed). `retryTimeouts: false` fails at
   * once on a 408 or a timeout (to retry with smaller pages).
   */
  query(
    request: QueryRequest,
    options: {
      readonly signal?: AbortSignal;
      readonly retryTimeouts?: boolean;
    } = {},
  ): Promise<QueryResponse> {
    return this.http.postJson<QueryResponse>(
      "/models/instances/query",
      request,
      options,
    );
  }

  /**
   * A query with cursors followed until every result set is exhausted, page by page. A result
   * set whose cursor ran out is left out of later pages.
   */
  queryPages(
    request: QueryRequest,
    options: QueryOptions = {},
  ): AsyncGenerator<QueryPage, void, undefined> {
    return queryPages(this.http, request, this.#paged(options));
  }

  /**
   * A query run to exhaustion, pages concatenated per result set; `pageSizes` of the last request
   * (smaller than asked after timeouts).
   */
  queryAll(
    request: QueryRequest,
    options: QueryOptions = {},
  ): Promise<{
    items: Record<string, InstanceRead[]>;
    typing?: Record<string, unknown>;
    pageSizes: Record<string, number>;
  }> {
    return queryAll(this.http, request, this.#paged(options));
  }

  /** Read options with the client's page limit, unless they carry their own. */
  #paged<O extends { readonly maxPages?: number }>(options: O): O {
    return options.maxPages !== undefined
      ? options
      : { ...options, maxPages: this.maxPagesPerRead };
  }

  /**
   * Syncs changes page by page until caught up (or forever with `follow`). Save `page.state`
   * after processing a page and pass it as `options.state` to resume, in this process or another.
   */
  sync(
    request: SyncRequest,
    options: SyncOptions = {},
  ): AsyncGenerator<SyncPage, void, undefined> {
    const clock = options.clock ?? this.#options.clock;
    const paged = this.#paged(options);
    return syncPages(this.http, request, clock ? { ...paged, clock } : paged);
  }

  /** Releases the transport's pooled connections. Calling it again waits for the same close. */
  close(): Promise<void> {
    this.#closing ??= this.#options.transport.close();
    return this.#closing;
  }
}

/** Retrieve and list by the untyped client: loaded on their first call (typed reads query). */
const reads = () => import("./instances.js");

// The HTTP client every engine uses: JSON in and out, bearer auth with one refresh after a 401,
// retries with backoff, typed errors with secrets redacted.

import {
  causeSummary,
  createDmsError,
  isAbortError,
  isObject,
  MAY_HAVE_APPLIED,
  postProblem,
  ProtocolError,
  redacted,
  TransportError,
  type RequestInfo,
} from "./errors.js";
import type { TokenSource } from "./auth.js";
import {
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryPolicy,
  retryDelay,
  systemClock,
  type Clock,
  type RetryPolicy,
} from "./retry.js";
import {
  checkHttpUrl,
  headerProblem,
  type Transport,
  type TransportResponse,
} from "./transport.js";
import { stringifyJson } from "./json.js";
import type { RetryNotice } from "./concurrency.js";

/** Something worth logging that happened to a request. Never carries a token. */
export type HttpEvent = RequestInfo &
  (
    | {
        readonly type: "retry";
        /** The attempt that failed (1 for the first). */
        readonly attempt: number;
        readonly delayMs: number;
        /** Undefined for a transport failure. */
        readonly status: number | undefined;
      }
    | { readonly type: "token-refresh" }
  );

export interface HttpClientOptions {
  /** e.g. `https://api.cognitedata.com` (no `/api/v1`). */
  readonly baseUrl: string;
  readonly project: string;
  readonly transport: Transport;
  readonly tokenSource: TokenSource;
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: Clock;
  /** Uniform [0, 1) for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Sent as `x-cdp-app`. */
  readonly appName?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Called on retries and token refreshes (for logs and metrics). */
  readonly onEvent?: (event: HttpEvent) => void;
  /** Parses response bodies (default JSON.parse); an int64-exact parser for bigint clients. */
  readonly parseJson?: (text: string) => unknown;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  /** `false`: a 408 or a timeout fails at once (paged reads retry with smaller pages instead). */
  readonly retryTimeouts?: boolean;
  /** Called with a successful response's text; the parse waits for its promise (sync reads ahead). */
  readonly beforeParse?: (text: string) => void | Promise<void>;
  /** Called before each retry: an apply lowers its concurrency on a 429 (`concurrency.ts`). */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Attempts at most, if fewer than the client's policy allows (a read the caller can do without). */
  readonly maxAttempts?: number;
}

/** JSON over HTTP against one CDF project, with auth and retries. */
export class HttpClient {
  // `declare`: assigned in the constructor, without a define step per field.
  /** `${baseUrl}/api/v1/projects/${project}`. */
  declare readonly projectUrl: string;
  declare readonly retryPolicy: RetryPolicy;
  declare readonly clock: Clock;
  readonly #options: HttpClientOptions;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: HttpClientOptions) {
    const { baseUrl, project, appName } = options;
    this.#options = options;
    checkHttpUrl("baseUrl", baseUrl, "the cluster URL alone");
    if (typeof project !== "string" || !project.trim())
      throw new TypeError(
        `project: expected the CDF project's name, got ${JSON.stringify(project)}`,
      );
    this.projectUrl = `${baseUrl.replace(/\/+$/, "")}/api/v1/projects/${encodeURIComponent(project)}`;
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.clock = options.clock ?? systemClock;
    const headers: Record<string, string> = {
      accept: "application/json",
      "cdf-version": "20230101",
      "x-cdp-sdk": "dmgen-runtime",
    };
    if (appName) headers["x-cdp-app"] = appName;
    for (const [name, value] of Object.entries(options.headers ?? {}))
      headers[name.toLowerCase()] = value;
    // Refused now, not retried later as a connection failure; values unshown (may be secrets).
    for (const [name, value] of Object.entries(headers)) {
      const problem = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)
        ? headerProblem(value, /[^\t\x20-\x7e\x80-\xff]/)
        : " is not a valid HTTP header name";
      if (problem)
        throw new TypeError(
          `${name === "x-cdp-app" ? "appName" : "headers"}: header ${JSON.stringify(name)}${problem}`,
        );
    }
    this.#headers = headers;
  }

  postJson<T>(
    path: string,
    body: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    return this.#send<T>("POST", path, stringifyJson(body), options);
  }

  getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.#send<T>("GET", path, undefined, options);
  }

  async #send<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
  ): Promise<T> {
    const { transport, tokenSource, onEvent, parseJson, random } =
      this.#options;
    const { signal, query = {}, onRetry } = options;
    const request = { method, url: this.projectUrl + path };
    for (const [key, value] of Object.entries(query))
      request.url += `${request.url.includes("?") ? "&" : "?"}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
    const headers = body
      ? { ...this.#headers, "content-type": "application/json" }
      : this.#headers;
    const timeoutsRetried = options.retryTimeouts !== false;
    const maxAttempts = Math.min(
      options.maxAttempts ?? Infinity,
      this.retryPolicy.maxAttempts,
    );
    const policy = { ...this.retryPolicy, maxAttempts };
    const startedAt = this.clock.now();
    // Whether an attempt may have been processed by the server: then so may the request be.
    let mayHaveApplied = false;
    let refreshed = false;
    try {
      for (let attempt = 1; ; attempt++) {
        signal?.throwIfAborted();
        const token = await tokenSource.getToken(signal);
        let response: TransportResponse | undefined;
        let failure: TransportError | undefined;
        try {
          response = await transport.request({
            ...request,
            headers: { ...headers, authorization: `Bearer ${token}` },
            body,
            signal,
          });
        } catch (error) {
          // Aborted in flight: the server may have it.
          mayHaveApplied ||= isAbortError(error) && !!signal?.aborted;
          if (!(error instanceof TransportError) || signal?.aborted)
            throw error;
          failure = error;
          // A lost response may follow processing, unless no connection was made.
          mayHaveApplied ||= !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(
            causeSummary(error.cause),
          );
        }
        const status = response?.status ?? 0;
        if (response && status >= 200 && status < 300) {
          mayHaveApplied = true;
          await options.beforeParse?.(response.body);
          try {
            return (parseJson ?? JSON.parse)(response.body) as T;
          } catch (cause) {
            throw new ProtocolError({
              ...request,
              problem: "not-json",
              status,
              detail: `the ${status} response is not JSON: ${JSON.stringify(response.body.slice(0, 80))}`,
              cause,
            });
          }
        }
        // 0 is fetch's opaque redirect. Following could leak body and token, or turn POST into GET.
        const location = response?.header("location");
        if (response && status < 400)
          throw new ProtocolError({
            ...request,
            problem: "redirect",
            status,
            detail: `a ${status} redirect${location ? ` to ${location.slice(0, 200)}` : ""}, never followed (check baseUrl)`,
          });
        if (status === 401 && tokenSource.canRefresh && !refreshed) {
          // The token may have been revoked or expired early: fetch a new one, try once more.
          refreshed = true;
          tokenSource.invalidate(token);
          onEvent?.({ type: "token-refresh", ...request });
          attempt--;
          continue;
        }
        const retryAfterMs = parseRetryAfter(
          response?.header("retry-after"),
          this.clock.now(),
        );
        const delayMs = (
          response
            ? (timeoutsRetried || status !== 408) &&
              isRetryableStatus(
                this.retryPolicy,
                status,
                response.header("cdf-is-auto-retryable"),
              )
            : timeoutsRetried || failure?.kind !== "timeout"
        )
          ? retryDelay(
              policy,
              attempt,
              this.clock.now() - startedAt,
              random ?? Math.random,
              retryAfterMs,
            )
          : undefined;
        if (delayMs === undefined)
          throw response
            ? await this.#apiError(response, request, attempt, mayHaveApplied)
            : new TransportError({
                ...request,
                kind: failure?.kind ?? "connection",
                cause: failure?.cause,
                attempts: attempt,
              });
        // 429 is answered before processing; a 5xx or 408 may come after it.
        mayHaveApplied ||= status >= 500 || status === 408;
        onEvent?.({
          type: "retry",
          ...request,
          attempt,
          delayMs,
          status: response?.status,
        });
        onRetry?.({ status: response?.status, retryAfterMs });
        await this.clock.sleep(delayMs, signal);
      }
    } catch (error) {
      if (mayHaveApplied && isObject(error) && Object.isExtensible(error))
        Object.defineProperty(error, MAY_HAVE_APPLIED, { value: true });
      if (error instanceof Error && !isAbortError(error)) {
        const secrets = tokenSource.secrets();
        const message = await redacted(error.message, secrets, error);
        if (message !== error.message) error.message = message;
      }
      throw error;
    }
  }

  /** The typed error for a non-2xx response, from the API's `{"error": {...}}` body. */
  async #apiError(
    response: TransportResponse,
    request: RequestInfo,
    attempts: number,
    earlierAttemptMayHaveApplied: boolean,
  ): Promise<Error> {
    const { status } = response;
    // The API may echo parts of the request; never let a token into the error.
    const body = await redacted(
      response.body,
      this.#options.tokenSource.secrets(),
    );
    let error: unknown;
    try {
      error = (JSON.parse(body) as { error?: unknown } | null)?.error;
    } catch {
      // not JSON: the status and the text say what there is
    }
    const { code, message, missing, duplicated, ...extra } = isObject(error)
      ? error
      : {};
    return createDmsError({
      ...request,
      status,
      code: typeof code === "number" ? code : status,
      apiMessage:
        typeof message === "string"
          ? message
          : body.trim().slice(0, 200) || `HTTP ${status}`,
      missing: Array.isArray(missing) ? missing : [],
      duplicated: Array.isArray(duplicated) ? duplicated : [],
      extra,
      requestId: response.header("x-request-id"),
      attempts,
      earlierAttemptMayHaveApplied,
    });
  }
}

// ---- answer shapes: a 2xx body the engines cannot use is a ProtocolError, not a TypeError

/** Throws an unexpected-shape error of `path` unless `ok`: "expected <expected>, got <value>". */
function expectShape(
  ok: boolean,
  path: string,
  expected: string,
  value: unknown,
): void {
  if (!ok)
    throw postProblem(
      "unexpected-shape",
      path,
      `expected ${expected}, got ${
        value === null
          ? "null"
          : Array.isArray(value)
            ? "a list"
            : isObject(value)
              ? `an object with ${Object.keys(value).slice(0, 5).join(", ") || "no fields"}`
              : typeof value
      }`,
    );
}

/** The body as an object, or a ProtocolError naming the endpoint. */
export function expectObject(
  response: unknown,
  path: string,
): Record<string, unknown> {
  expectShape(isObject(response), path, "a JSON object", response);
  return response as Record<string, unknown>;
}

/** `response.items` as a list of objects (apply, delete, byids and list answers). */
export function expectItems<T>(response: unknown, path: string): T[] {
  const { items } = expectObject(response, path);
  expectShape(Array.isArray(items), path, `"items" to be a list`, items);
  for (const item of items as unknown[])
    expectShape(isObject(item), path, "every item to be an object", item);
  return items as T[];
}

/** A query or sync answer: `items` maps set names to lists, `nextCursor` to a cursor or null. */
export function expectResultSets(
  response: unknown,
  path: string,
  cursorsRequired: boolean,
): void {
  const answer = expectObject(response, path);
  for (const field of ["items", "nextCursor"]) {
    const sets = answer[field];
    const lists = field === "items";
    if (sets === undefined && !lists && !cursorsRequired) return;
    expectShape(isObject(sets), path, `"${field}" to map set names`, sets);
    for (const [name, set] of Object.entries(sets as object))
      expectShape(
        lists ? Array.isArray(set) : set === null || typeof set === "string",
        path,
        `"${field}.${name}" to be ${lists ? "a list" : "a cursor string or null"}`,
        set,
      );
  }
}

/** `response.nextCursor` of a list answer: a string, or undefined when absent or null. */
export function expectCursor(
  response: Record<string, unknown>,
  path: string,
): string | undefined {
  const cursor = response.nextCursor ?? undefined;
  expectShape(
    cursor === undefined || typeof cursor === "string",
    path,
    `"nextCursor" to be a string or null`,
    cursor,
  );
  return cursor as string | undefined;
}

/** A cursor the API gave twice in a row would page forever: an error instead. */
export function repeatedCursor(
  path: string,
  cursor: string,
  resultSet?: string,
): ProtocolError {
  return postProblem(
    "repeated-cursor",
    path,
    `the server answered with the cursor it was sent${resultSet ? ` for "${resultSet}"` : ""} (${cursor.slice(0, 40)})`,
  );
}

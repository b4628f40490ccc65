// The HTTP client every engine uses: JSON in and out, bearer auth with one refresh after a 401,
// retries with backoff, typed errors. It holds no mutable state of its own beyond what the token
// source caches.

import {
  createDmsError,
  isAbortError,
  markMayHaveApplied,
  ProtocolError,
  redactSecrets,
  TransportError,
  type DmsError,
} from "./errors.js";
import type { TokenSource } from "./auth.js";
import {
  decideRetry,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryPolicy,
  systemClock,
  type Clock,
  type RetryPolicy,
} from "./retry.js";
import {
  checkHttpUrl,
  type Transport,
  type TransportResponse,
} from "./transport.js";
import { JsonText, stringifyJson } from "./json.js";
import type { RetryNotice } from "./concurrency.js";

/** The `cdf-version` header the runtime speaks. */
export const CDF_API_VERSION = "20230101";

/** Something worth logging that happened to a request. Never carries a token. */
export type HttpEvent =
  | {
      readonly type: "retry";
      readonly method: string;
      readonly url: string;
      /** The attempt that failed (1 for the first). */
      readonly attempt: number;
      readonly delayMs: number;
      /** The status, or undefined for a transport failure. */
      readonly status: number | undefined;
    }
  | {
      readonly type: "token-refresh";
      readonly method: string;
      readonly url: string;
    };

/** Options of `HttpClient`. */
export interface HttpClientOptions {
  /** e.g. `https://api.cognitedata.com` (no trailing `/api/v1`). */
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
  /** Extra headers for every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called on retries and token refreshes (for logs and metrics). */
  readonly onEvent?: (event: HttpEvent) => void;
  /** Parses response bodies (default JSON.parse); an int64-exact parser for bigint clients. */
  readonly parseJson?: (text: string) => unknown;
}

/** Per-call options. */
export interface RequestOptions {
  readonly signal?: AbortSignal;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  /**
   * `false`: a 408 or a timeout fails at once instead of being retried as it is (paged reads
   * retry with smaller pages instead, see `paging.ts`). Default true.
   */
  readonly retryTimeouts?: boolean;
  /**
   * Called with the text of a successful response before it is parsed; the parse waits for the
   * promise it returns. Sync uses it to send the next page's request while this one is parsed.
   */
  readonly beforeParse?: (text: string) => void | Promise<void>;
  /** Called before each retry: an apply lowers its concurrency on a 429 (`concurrency.ts`). */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** JSON over HTTP against one CDF project, with auth and retries. */
export class HttpClient {
  /** `${baseUrl}/api/v1/projects/${project}`. */
  readonly projectUrl: string;
  readonly retryPolicy: RetryPolicy;
  /** The clock retries wait on (engines that wait themselves use it too). */
  readonly clock: Clock;
  readonly #options: HttpClientOptions;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    checkHttpUrl("baseUrl", options.baseUrl, "the cluster URL alone");
    if (typeof options.project !== "string" || options.project.trim() === "")
      throw new TypeError(
        `project: expected the CDF project's name, got ${JSON.stringify(options.project)}`,
      );
    this.projectUrl = projectUrl(options.baseUrl, options.project);
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.clock = options.clock ?? systemClock;
    const headers: Record<string, string> = {
      accept: "application/json",
      "cdf-version": CDF_API_VERSION,
      "x-cdp-sdk": "dmgen-runtime",
    };
    if (options.appName) headers["x-cdp-app"] = options.appName;
    for (const [name, value] of Object.entries(options.headers ?? {}))
      headers[name.toLowerCase()] = value;
    for (const [name, value] of Object.entries(headers))
      checkHeader(name, value, name === "x-cdp-app" ? "appName" : "headers");
    this.#headers = headers;
  }

  /** POSTs JSON to a path under the project URL; a `JsonText` body is sent as its text. */
  postJson<T>(
    path: string,
    body: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    const text = body instanceof JsonText ? body.text : stringifyJson(body);
    return this.#send<T>("POST", path, text, options);
  }

  /** GETs a path under the project URL. */
  getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.#send<T>("GET", path, undefined, options);
  }

  async #send<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
  ): Promise<T> {
    const log = { mayHaveApplied: false };
    try {
      return await this.#attempts<T>(method, path, body, options, log);
    } catch (error) {
      // Whatever ends the request, an attempt the server may have processed makes it uncertain.
      if (log.mayHaveApplied) markMayHaveApplied(error);
      throw this.#redacted(error);
    }
  }

  async #attempts<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
    log: { mayHaveApplied: boolean },
  ): Promise<T> {
    const url = this.projectUrl + path + queryString(options.query);
    const { transport, tokenSource, onEvent } = this.#options;
    const { signal } = options;
    const noTimeoutRetry = options.retryTimeouts === false;
    const startedAt = this.clock.now();
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const token = await tokenSource.getToken(signal);
      const headers: Record<string, string> = {
        ...this.#headers,
        authorization: `Bearer ${token}`,
      };
      if (body !== undefined) headers["content-type"] = "application/json";
      let response: TransportResponse;
      try {
        response = await transport.request({
          method,
          url,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (isAbortError(error) && signal?.aborted) {
          log.mayHaveApplied = true;
          throw error;
        }
        if (!(error instanceof TransportError)) throw error;
        if (transportMayHaveApplied(error)) log.mayHaveApplied = true;
        const delayMs =
          noTimeoutRetry && error.kind === "timeout"
            ? undefined
            : this.#retryDelay(attempt, startedAt, undefined);
        if (delayMs === undefined)
          throw new TransportError({
            kind: error.kind,
            method,
            url,
            cause: error.cause,
            attempts: attempt,
          });
        await this.#beforeRetry(options, method, url, attempt, delayMs, {
          status: undefined,
          retryAfterMs: undefined,
        });
        continue;
      }
      const { status } = response;
      if (status >= 200 && status < 300) {
        log.mayHaveApplied = true;
        await options.beforeParse?.(response.body);
        return parseJsonBody<T>(response, method, url, this.#options.parseJson);
      }
      // 0 is the opaque answer `fetch` gives for a redirect it did not follow. Following could
      // send the body and the token to another host, or turn a POST into a GET.
      if (status === 0 || (status >= 300 && status < 400)) {
        const location = response.header("location");
        throw new ProtocolError({
          problem: "redirect",
          method,
          url,
          status,
          detail:
            status === 0
              ? "the server answered with a redirect, which the runtime never follows"
              : `the server answered ${status} (a redirect${location ? ` to ${location.slice(0, 200)}` : ""}), which the runtime never follows; check baseUrl`,
        });
      }
      if (status === 401 && tokenSource.canRefresh && !refreshedAfter401) {
        // The token may have been revoked or expired early: fetch a new one, try once more.
        refreshedAfter401 = true;
        tokenSource.invalidate(token);
        onEvent?.({ type: "token-refresh", method, url });
        attempt--;
        continue;
      }
      if (
        !(noTimeoutRetry && status === 408) &&
        isRetryableStatus(
          this.retryPolicy,
          status,
          response.header("cdf-is-auto-retryable"),
        )
      ) {
        const retryAfterMs = parseRetryAfter(
          response.header("retry-after"),
          this.clock.now(),
        );
        const delayMs = this.#retryDelay(attempt, startedAt, retryAfterMs);
        if (delayMs !== undefined) {
          // 429 is answered before processing; a 5xx or 408 may come after it.
          if (status >= 500 || status === 408) log.mayHaveApplied = true;
          await this.#beforeRetry(options, method, url, attempt, delayMs, {
            status,
            retryAfterMs,
          });
          continue;
        }
      }
      throw errorFromResponse(
        response,
        method,
        url,
        attempt,
        tokenSource.secrets(),
        log.mayHaveApplied,
      );
    }
  }

  #retryDelay(
    attempt: number,
    startedAt: number,
    retryAfterMs: number | undefined,
  ): number | undefined {
    const decision = decideRetry(
      this.retryPolicy,
      { attempt, startedAt, now: this.clock.now(), retryAfterMs },
      this.#options.random ?? Math.random,
    );
    return decision.retry ? decision.delayMs : undefined;
  }

  #beforeRetry(
    options: RequestOptions,
    method: string,
    url: string,
    attempt: number,
    delayMs: number,
    notice: RetryNotice,
  ): Promise<void> {
    this.#options.onEvent?.({
      type: "retry",
      method,
      url,
      attempt,
      delayMs,
      status: notice.status,
    });
    options.onRetry?.(notice);
    return this.clock.sleep(delayMs, options.signal);
  }

  /** The error with any secret taken out of its message (set only when there was one). */
  #redacted(error: unknown): unknown {
    if (error instanceof Error && !isAbortError(error)) {
      const message = redactSecrets(
        error.message,
        this.#options.tokenSource.secrets(),
      );
      if (message !== error.message) error.message = message;
    }
    return error;
  }
}

/** A lost response may follow processing, unless the connection was never made. */
function transportMayHaveApplied(error: TransportError): boolean {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 5 && cause instanceof Error; depth++) {
    const code = "code" in cause ? String(cause.code) : "";
    if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(code)) return false;
    cause = cause.cause;
  }
  return true;
}

/** `${baseUrl}/api/v1/projects/${project}` without doubled slashes. */
export function projectUrl(baseUrl: string, project: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return `${base}/api/v1/projects/${encodeURIComponent(project)}`;
}

function queryString(query: RequestOptions["query"]): string {
  const pairs = Object.entries(query ?? {}).map(
    ([key, value]) =>
      `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
  );
  return pairs.length > 0 ? `?${pairs.join("&")}` : "";
}

/**
 * Refuses, when the client is made, a header the HTTP layer would refuse on every request (which
 * then looked like a connection failure, retried for minutes): a name that is not an HTTP token,
 * a value with a line break, a control character or a character above U+00FF. The value is not
 * shown: headers may carry secrets.
 */
function checkHeader(name: string, value: string, option: string): void {
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name))
    throw new TypeError(
      `${option}: ${JSON.stringify(name)} is not a valid HTTP header name`,
    );
  const bad = /[^\t\x20-\x7e\x80-\xff]/.exec(value);
  if (bad)
    throw new TypeError(
      `${option}: the value of header "${name}" has a character that cannot be sent in an HTTP header: ${codePoint(bad[0])} at position ${bad.index + 1}`,
    );
}

/** `U+00E9`: a character named without showing it. */
function codePoint(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function parseJsonBody<T>(
  response: TransportResponse,
  method: string,
  url: string,
  parse: (text: string) => unknown = JSON.parse,
): T {
  const { status, body } = response;
  const notJson = (detail: string, cause?: unknown): ProtocolError =>
    new ProtocolError({
      problem: "not-json",
      method,
      url,
      status,
      detail: `the ${status} response ${detail}`,
      cause,
    });
  if (body.trim() === "")
    throw notJson("has an empty body where JSON was expected");
  try {
    return parse(body) as T;
  } catch (error) {
    throw notJson(`is not JSON (${body.slice(0, 80)})`, error);
  }
}

/** Builds the typed error for a non-2xx response from the API's `{"error": {...}}` body. */
export function errorFromResponse(
  response: TransportResponse,
  method: string,
  url: string,
  attempts: number,
  secrets: readonly string[] = [],
  earlierAttemptMayHaveApplied = false,
): DmsError {
  // The API may echo parts of the request; never let a token into the error.
  const body = redactSecrets(response.body, secrets);
  let error: unknown;
  try {
    error = (JSON.parse(body) as { error?: unknown } | null)?.error;
  } catch {
    // not JSON: the status and the text say what there is
  }
  const { code, message, missing, duplicated, ...extra } = isObject(error)
    ? error
    : {};
  const requestId = response.header("x-request-id");
  return createDmsError({
    method,
    url,
    status: response.status,
    code: typeof code === "number" ? code : response.status,
    apiMessage:
      typeof message === "string"
        ? message
        : body.trim().slice(0, 200) || `HTTP ${response.status}`,
    ...(Array.isArray(missing) ? { missing } : {}),
    ...(Array.isArray(duplicated) ? { duplicated } : {}),
    extra,
    ...(requestId ? { requestId } : {}),
    attempts,
    earlierAttemptMayHaveApplied,
  });
}

// ---- response shapes: a 2xx body the engines cannot use is a ProtocolError, not a TypeError

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (!isObject(value)) return typeof value;
  const keys = Object.keys(value);
  return keys.length ? `an object with ${keys.slice(0, 5).join(", ")}` : "{}";
}

function unexpectedShape(
  path: string,
  expected: string,
  value: unknown,
  where = "",
): ProtocolError {
  return new ProtocolError({
    problem: "unexpected-shape",
    method: "POST",
    url: path,
    detail: `expected ${expected}, got ${describeJson(value)}${where}`,
  });
}

/** The body as an object, or a ProtocolError naming the endpoint. */
export function expectObject(
  response: unknown,
  path: string,
): Record<string, unknown> {
  if (!isObject(response))
    throw unexpectedShape(path, "a JSON object", response);
  return response;
}

/** `response.items` as a list of objects (the shape of apply, delete, byids and list answers). */
export function expectItems<T>(response: unknown, path: string): T[] {
  const items = expectObject(response, path).items;
  if (!Array.isArray(items))
    throw unexpectedShape(
      path,
      `"items" to be a list`,
      items,
      ` in ${describeJson(response)}`,
    );
  for (const item of items)
    if (!isObject(item))
      throw unexpectedShape(path, "every item to be an object", item);
  return items as T[];
}

/**
 * `response[field]` as result set name → list (query and sync `items`), or result set name →
 * cursor string (`nextCursor`, whose values may be null or absent).
 */
export function expectResultSets(
  response: unknown,
  path: string,
  field: "items" | "nextCursor",
  required: boolean,
): void {
  const value = expectObject(response, path)[field];
  if (value === undefined && !required) return;
  if (!isObject(value))
    throw unexpectedShape(path, `"${field}" to map result set names`, value);
  for (const [name, entry] of Object.entries(value)) {
    const fits =
      field === "items"
        ? Array.isArray(entry)
        : entry === null || typeof entry === "string";
    if (!fits)
      throw unexpectedShape(
        path,
        `"${field}.${name}" to be ${field === "items" ? "a list" : "a cursor string or null"}`,
        entry,
      );
  }
}

/** A cursor the API gave twice in a row would page forever: an error instead. */
export function repeatedCursor(
  path: string,
  cursor: string,
  resultSet?: string,
): ProtocolError {
  return new ProtocolError({
    problem: "repeated-cursor",
    method: "POST",
    url: path,
    detail: `the server answered with the cursor it was sent${resultSet ? ` for "${resultSet}"` : ""} (${cursor.slice(0, 40)}), so paging would never end`,
  });
}

/** `response.nextCursor` of a list answer: a string, or undefined when absent or null. */
export function expectCursor(
  response: Record<string, unknown>,
  path: string,
): string | undefined {
  const cursor = response.nextCursor;
  if (cursor === undefined || cursor === null) return undefined;
  if (typeof cursor !== "string")
    throw unexpectedShape(path, `"nextCursor" to be a string or null`, cursor);
  return cursor;
}

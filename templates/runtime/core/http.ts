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
  /** Query string parameters. */
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  /** Overrides the transport's timeout for this call (ms). */
  readonly timeoutMs?: number;
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
  /**
   * Called before each retry of this call: an apply lowers its concurrency on a 429 (see
   * `concurrency.ts`).
   */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** JSON over HTTP against one CDF project, with auth and retries. */
export class HttpClient {
  /** `${baseUrl}/api/v1/projects/${project}`. */
  readonly projectUrl: string;
  readonly retryPolicy: RetryPolicy;
  readonly #options: HttpClientOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #baseHeaders: Readonly<Record<string, string>>;

  /** The clock retries wait on (engines that wait themselves use it too). */
  get clock(): Clock {
    return this.#clock;
  }

  constructor(options: HttpClientOptions) {
    this.#options = options;
    checkHttpUrl("baseUrl", options.baseUrl, "the cluster URL alone");
    if (typeof options.project !== "string" || options.project.trim() === "")
      throw new TypeError(
        `project: expected the CDF project's name, got ${JSON.stringify(options.project)}`,
      );
    this.projectUrl = projectUrl(options.baseUrl, options.project);
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#baseHeaders = {
      accept: "application/json",
      "cdf-version": CDF_API_VERSION,
      "x-cdp-sdk": "dmgen-runtime",
      ...(options.appName ? { "x-cdp-app": options.appName } : {}),
      ...lowerCaseKeys(options.headers ?? {}),
    };
    for (const [name, value] of Object.entries(this.#baseHeaders))
      checkHeader(name, value, name === "x-cdp-app" ? "appName" : "headers");
  }

  /**
   * POSTs a JSON body to a path under the project URL (e.g. `/models/instances`). A `JsonText`
   * body is sent as its text.
   */
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
    const attempts: AttemptLog = { mayHaveApplied: false };
    try {
      return await this.#attempts<T>(method, path, body, options, attempts);
    } catch (error) {
      // Whatever ends the request, an attempt the server may have processed makes it uncertain.
      if (attempts.mayHaveApplied) markMayHaveApplied(error);
      throw error;
    }
  }

  async #attempts<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
    log: AttemptLog,
  ): Promise<T> {
    const url = this.projectUrl + path + queryString(options.query);
    const { transport, tokenSource, onEvent } = this.#options;
    const startedAt = this.#clock.now();
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      const token = await tokenSource.getToken(options.signal);
      const headers: Record<string, string> = {
        ...this.#baseHeaders,
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
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.timeoutMs !== undefined
            ? { timeoutMs: options.timeoutMs }
            : {}),
        });
      } catch (error) {
        if (isAbortError(error) && options.signal?.aborted) {
          log.mayHaveApplied = true;
          throw error;
        }
        if (!(error instanceof TransportError)) throw this.#redacted(error);
        if (transportMayHaveApplied(error)) log.mayHaveApplied = true;
        const giveUp =
          options.retryTimeouts === false && error.kind === "timeout";
        const decision = decideRetry(
          this.retryPolicy,
          {
            attempt,
            startedAt,
            now: this.#clock.now(),
            retryAfterMs: undefined,
          },
          this.#random,
        );
        if (giveUp || !decision.retry) {
          throw this.#redacted(
            new TransportError({
              kind: error.kind,
              method,
              url,
              cause: error.cause,
              attempts: attempt,
            }),
          );
        }
        onEvent?.({
          type: "retry",
          method,
          url,
          attempt,
          delayMs: decision.delayMs,
          status: undefined,
        });
        options.onRetry?.({ status: undefined, retryAfterMs: undefined });
        await this.#clock.sleep(decision.delayMs, options.signal);
        continue;
      }
      if (response.status >= 200 && response.status < 300) {
        log.mayHaveApplied = true;
        if (options.beforeParse) await options.beforeParse(response.body);
        return parseJsonBody<T>(response, method, url, this.#options.parseJson);
      }
      if (isRedirect(response.status)) {
        // Following could send the body and the token to another host, or turn a POST into a GET.
        throw new ProtocolError({
          problem: "redirect",
          method,
          url,
          status: response.status,
          detail: redirectDetail(response),
        });
      }
      if (
        response.status === 401 &&
        tokenSource.canRefresh &&
        !refreshedAfter401
      ) {
        // The token may have been revoked or expired early: fetch a new one, try once more.
        refreshedAfter401 = true;
        tokenSource.invalidate(token);
        onEvent?.({ type: "token-refresh", method, url });
        attempt--;
        continue;
      }
      if (
        !(options.retryTimeouts === false && response.status === 408) &&
        isRetryableStatus(
          this.retryPolicy,
          response.status,
          response.header("cdf-is-auto-retryable"),
        )
      ) {
        const retryAfterMs = parseRetryAfter(
          response.header("retry-after"),
          this.#clock.now(),
        );
        const decision = decideRetry(
          this.retryPolicy,
          { attempt, startedAt, now: this.#clock.now(), retryAfterMs },
          this.#random,
        );
        if (decision.retry) {
          if (statusMayHaveApplied(response.status)) log.mayHaveApplied = true;
          onEvent?.({
            type: "retry",
            method,
            url,
            attempt,
            delayMs: decision.delayMs,
            status: response.status,
          });
          options.onRetry?.({ status: response.status, retryAfterMs });
          await this.#clock.sleep(decision.delayMs, options.signal);
          continue;
        }
      }
      throw this.#redacted(
        errorFromResponse(
          response,
          method,
          url,
          attempt,
          tokenSource.secrets(),
          log.mayHaveApplied,
        ),
      );
    }
  }

  #redacted<E>(error: E): E {
    if (error instanceof Error) {
      error.message = redactSecrets(
        error.message,
        this.#options.tokenSource.secrets(),
      );
    }
    return error;
  }
}

/** Whether any attempt so far may have been processed by the server. */
interface AttemptLog {
  mayHaveApplied: boolean;
}

/** A lost response may follow processing, unless the connection was never made. */
function transportMayHaveApplied(error: TransportError): boolean {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 5 && cause instanceof Error; depth++) {
    const code = "code" in cause ? String(cause.code) : "";
    if (NEVER_CONNECTED.has(code)) return false;
    cause = cause.cause;
  }
  return true;
}

const NEVER_CONNECTED: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** 429 is answered before processing; a 5xx or 408 may come after it. */
function statusMayHaveApplied(status: number): boolean {
  return status >= 500 || status === 408;
}

/** 3xx, or 0: the opaque answer `fetch` gives for a redirect it did not follow. */
function isRedirect(status: number): boolean {
  return status === 0 || (status >= 300 && status < 400);
}

function redirectDetail(response: TransportResponse): string {
  const location = response.header("location");
  const where = location ? ` to ${location.slice(0, 200)}` : "";
  return response.status === 0
    ? "the server answered with a redirect, which the runtime never follows"
    : `the server answered ${response.status} (a redirect${where}), which the runtime never follows; check baseUrl`;
}

/** `${baseUrl}/api/v1/projects/${project}` without doubled slashes. */
export function projectUrl(baseUrl: string, project: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return `${base}/api/v1/projects/${encodeURIComponent(project)}`;
}

function queryString(
  query: Readonly<Record<string, string | number | boolean>> | undefined,
): string {
  if (!query) return "";
  const entries = Object.entries(query);
  if (entries.length === 0) return "";
  return (
    "?" +
    entries
      .map(
        ([key, value]) =>
          `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
      )
      .join("&")
  );
}

function lowerCaseKeys(
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers))
    result[key.toLowerCase()] = value;
  return result;
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
      `${option}: the value of header "${name}" has a character that cannot be sent in an HTTP header: U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} at position ${bad.index + 1}`,
    );
}

function parseJsonBody<T>(
  response: TransportResponse,
  method: string,
  url: string,
  parse: ((text: string) => unknown) | undefined,
): T {
  if (response.body.trim() === "") {
    throw new ProtocolError({
      problem: "not-json",
      method,
      url,
      status: response.status,
      detail: `the ${response.status} response has an empty body where JSON was expected`,
    });
  }
  try {
    return (parse ? parse(response.body) : JSON.parse(response.body)) as T;
  } catch (error) {
    throw new ProtocolError({
      problem: "not-json",
      method,
      url,
      status: response.status,
      detail: `the ${response.status} response is not JSON (${response.body.slice(0, 80)})`,
      cause: error,
    });
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
  const parsed = parseErrorBody(body);
  const requestId = response.header("x-request-id");
  return createDmsError({
    method,
    url,
    status: response.status,
    code: parsed.code ?? response.status,
    apiMessage: parsed.message ?? fallbackMessage(response.status, body),
    ...(parsed.missing ? { missing: parsed.missing } : {}),
    ...(parsed.duplicated ? { duplicated: parsed.duplicated } : {}),
    extra: parsed.extra,
    ...(requestId ? { requestId } : {}),
    attempts,
    earlierAttemptMayHaveApplied,
  });
}

interface ParsedErrorBody {
  code?: number;
  message?: string;
  missing?: Record<string, unknown>[];
  duplicated?: Record<string, unknown>[];
  extra: Record<string, unknown>;
}

function parseErrorBody(body: string): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { extra: {} };
  }
  const error =
    typeof json === "object" && json !== null && "error" in json
      ? json.error
      : undefined;
  if (typeof error !== "object" || error === null) return { extra: {} };
  const { code, message, missing, duplicated, ...extra } = error as Record<
    string,
    unknown
  >;
  return {
    ...(typeof code === "number" ? { code } : {}),
    ...(typeof message === "string" ? { message } : {}),
    ...(Array.isArray(missing)
      ? { missing: missing as Record<string, unknown>[] }
      : {}),
    ...(Array.isArray(duplicated)
      ? { duplicated: duplicated as Record<string, unknown>[] }
      : {}),
    extra,
  };
}

function fallbackMessage(status: number, body: string): string {
  const text = body.trim().slice(0, 200);
  return text || `HTTP ${status}`;
}

// ---- response shapes: a 2xx body the engines cannot use is a ProtocolError, not a TypeError

function unexpectedShape(path: string, detail: string): ProtocolError {
  return new ProtocolError({
    problem: "unexpected-shape",
    method: "POST",
    url: path,
    detail,
  });
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") {
    const keys = Object.keys(value);
    return keys.length === 0
      ? "{}"
      : `an object with ${keys.slice(0, 5).join(", ")}`;
  }
  return typeof value;
}

/** The body as an object, or a ProtocolError naming the endpoint. */
export function expectObject(
  response: unknown,
  path: string,
): Record<string, unknown> {
  if (
    typeof response !== "object" ||
    response === null ||
    Array.isArray(response)
  ) {
    throw unexpectedShape(
      path,
      `expected a JSON object, got ${describeJson(response)}`,
    );
  }
  return response as Record<string, unknown>;
}

/** `response.items` as a list of objects (the shape of apply, delete, byids and list answers). */
export function expectItems<T>(response: unknown, path: string): T[] {
  const items = expectObject(response, path).items;
  if (!Array.isArray(items)) {
    throw unexpectedShape(
      path,
      `expected "items" to be a list, got ${describeJson(items)} in ${describeJson(response)}`,
    );
  }
  for (const item of items) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw unexpectedShape(
        path,
        `expected every item to be an object, got ${describeJson(item)}`,
      );
    }
  }
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw unexpectedShape(
      path,
      `expected "${field}" to map result set names, got ${describeJson(value)}`,
    );
  }
  for (const [name, entry] of Object.entries(value)) {
    const fits =
      field === "items"
        ? Array.isArray(entry)
        : entry === null || typeof entry === "string";
    if (!fits) {
      throw unexpectedShape(
        path,
        `expected "${field}.${name}" to be ${field === "items" ? "a list" : "a cursor string or null"}, got ${describeJson(entry)}`,
      );
    }
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
  if (typeof cursor !== "string") {
    throw unexpectedShape(
      path,
      `expected "nextCursor" to be a string or null, got ${describeJson(cursor)}`,
    );
  }
  return cursor;
}

// The seam between the runtime and the network. The runtime's engines speak only to this
// interface; the generated client imports one implementation (`transport-undici.ts` on Node,
// `transport-fetch.ts` in browsers and edge runtimes) and passes it in, so a browser bundle never
// sees undici.

import { ProtocolError, TransportError } from "./errors.js";

/** One HTTP request, as the HTTP client hands it to a transport. */
export interface TransportRequest {
  readonly method: "GET" | "POST";
  /** Absolute URL. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, already serialized (JSON or form-encoded). */
  readonly body?: string;
  /** Aborts the request; the transport rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Overrides the transport's own timeout for this request (milliseconds). */
  readonly timeoutMs?: number;
}

/** A complete HTTP response (the body read to its end). */
export interface TransportResponse {
  readonly status: number;
  /** A response header by lower-case name. */
  header(name: string): string | undefined;
  /** The body as text (empty for no body). */
  readonly body: string;
}

/**
 * Sends HTTP requests. Implementations reject with a `TransportError` when no response arrived
 * (connection refused or reset, timeout) and with the signal's reason when aborted; any HTTP status
 * resolves.
 */
export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/** Options every transport understands. */
export interface TransportOptions {
  /** Milliseconds from sending until the whole response is read. Default 60 000. */
  readonly timeoutMs?: number;
  /**
   * Gzip request bodies of at least this many bytes (`Content-Encoding: gzip`). `false` (the
   * default) never compresses; `true` means 1024 bytes.
   */
  readonly gzip?: boolean | { readonly minBytes: number };
  /**
   * The largest response body read (bytes, after any decompression). A larger one stops reading
   * at the limit and fails with a `ProtocolError` ("too-large"), which is not retried. Default
   * 256 MiB, far above any documented DMS response.
   */
  readonly maxResponseBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** `TransportOptions` with their defaults, checked. */
export interface TransportSettings {
  readonly timeoutMs: number;
  /** The smallest body worth compressing, or undefined when gzip is off. */
  readonly gzipMinBytes: number | undefined;
  readonly maxResponseBytes: number;
}

export function transportSettings(
  options: TransportOptions,
): TransportSettings {
  const { gzip } = options;
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(
      `maxResponseBytes must be a positive whole number of bytes, got ${limit}`,
    );
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    gzipMinBytes: gzip === true ? 1024 : gzip ? gzip.minBytes : undefined,
    maxResponseBytes: limit,
  };
}

/** The error for a body over the limit (`seenBytes` read, or announced by Content-Length). */
export function responseTooLarge(
  request: TransportRequest,
  status: number,
  limit: number,
  seenBytes: number,
): ProtocolError {
  return new ProtocolError({
    problem: "too-large",
    method: request.method,
    url: request.url,
    status,
    detail: `the ${status} response body is over the ${limit}-byte limit (${seenBytes} bytes seen); reading stopped (raise maxResponseBytes of the transport if this is expected)`,
  });
}

/** The Content-Length of a response as a number, when present and valid. */
export function announcedLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** One request in flight: its abort signal, and what its failure is thrown as. */
export interface RequestInFlight {
  /** Fires when the caller's signal does or when the request's time is up. */
  readonly signal: AbortSignal;
  /**
   * What a failure of the request is thrown as: the timeout or the caller's abort reason, an
   * error of the runtime as it is, anything else a `TransportError` of `kind` (or, `"as-is"`,
   * the error itself).
   */
  failure(error: unknown, kind: "connection" | "timeout" | "as-is"): unknown;
  /** Must be called when the request ends so the timer does not keep the process alive. */
  dispose(): void;
}

export function startRequest(
  request: TransportRequest,
  settings: TransportSettings,
): RequestInFlight {
  const timeoutMs = request.timeoutMs ?? settings.timeoutMs;
  const callerSignal = request.signal;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(
      new TransportError({
        kind: "timeout",
        method: request.method,
        url: request.url,
        cause: new Error(`no complete response within ${timeoutMs} ms`),
      }),
    );
  }, timeoutMs);
  const onAbort = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onAbort();
  else callerSignal?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    failure: (error, kind) => {
      if (timedOut) return controller.signal.reason;
      if (callerSignal?.aborted) return callerSignal.reason;
      if (
        kind === "as-is" ||
        error instanceof TransportError ||
        error instanceof ProtocolError
      )
        return error;
      return new TransportError({
        kind,
        method: request.method,
        url: request.url,
        cause: error,
      });
    },
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Refuses, when a client is made, a URL no request could go to (a host without `https://`, or
 * another scheme), and, given `alone` (what to give instead), one with a query or fragment that
 * paths would be appended to: such a URL failed each request later, some as connection errors
 * retried for minutes. `option` names it in the `TypeError`.
 */
export function checkHttpUrl(
  option: string,
  url: string,
  alone?: string,
): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (
    !parsed ||
    (parsed.protocol !== "https:" && parsed.protocol !== "http:") ||
    parsed.hostname === ""
  )
    throw new TypeError(
      `${option}: ${JSON.stringify(url)} is not an http:// or https:// URL`,
    );
  if (alone !== undefined && (parsed.search || parsed.hash))
    throw new TypeError(
      `${option}: ${JSON.stringify(url)} has a query or fragment; give ${alone}`,
    );
}

// The seam between the runtime and the network. The runtime's engines speak only to this
// interface; the generated client imports one implementation (`transport-undici.ts` on Node,
// `transport-fetch.ts` in browsers and edge runtimes) and passes it in, so a browser bundle never
// sees undici.

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
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** The smallest body worth compressing, or undefined when gzip is off. */
export function gzipThreshold(
  option: TransportOptions["gzip"],
): number | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return 1024;
  return option.minBytes;
}

/**
 * Links an optional caller signal and a timeout into one signal. `dispose` must be called when the
 * request ends so the timer does not keep the process alive.
 */
export function requestSignal(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
  onTimeout: () => unknown,
): { signal: AbortSignal; dispose: () => void; timedOut: () => boolean } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(onTimeout());
  }, timeoutMs);
  const onAbort = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal) {
    if (callerSignal.aborted) controller.abort(callerSignal.reason);
    else callerSignal.addEventListener("abort", onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onAbort);
    },
  };
}

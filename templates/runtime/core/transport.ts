// The seam to the network: the client passes in `transport-undici.ts` (Node) or
// `transport-fetch.ts` (browsers, which never see undici); `createTransport` is what both share.

import { ProtocolError, TransportError } from "./errors.js";

export interface TransportRequest {
  readonly method: "GET" | "POST";
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Aborts the request; the transport rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  readonly status: number;
  /** A response header by lower-case name. */
  header(name: string): string | undefined;
  readonly body: string;
}

/** Sends requests: any status resolves; no response is a TransportError; abort, its reason. */
export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Milliseconds from sending until the whole response is read. Default 60 000. */
  readonly timeoutMs?: number;
  /** Gzip request bodies of at least `minBytes` (`true`: 1024). Default false. */
  readonly gzip?: boolean | { readonly minBytes: number };
  /** Largest response body read (bytes); past it a "too-large" ProtocolError. Default 256 MiB. */
  readonly maxResponseBytes?: number;
}

export interface RawResponse extends Omit<TransportResponse, "body"> {
  readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  cancel(): void;
}

export function createTransport<Body>(
  options: TransportOptions,
  send: (
    request: TransportRequest,
    body: string | Body | undefined,
    signal: AbortSignal,
  ) => Promise<RawResponse>,
  gzip: (text: string) => Promise<Body | undefined>,
  close: () => Promise<void> = async () => {},
): Transport {
  const { timeoutMs = 60_000, gzip: zip } = options;
  const limit = options.maxResponseBytes ?? 256 * 1024 * 1024;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(
      `maxResponseBytes must be a positive whole number of bytes, got ${limit}`,
    );
  const gzipMinBytes = zip === true ? 1024 : zip ? zip.minBytes : Infinity;
  let closing: Promise<void> | undefined;
  return {
    // Idempotent: a dispatcher throws on closing twice.
    close: () => (closing ??= close()),
    request: async (request) => {
      const { method, url, signal: callerSignal } = request;
      // At once: "client is destroyed" from the dispatcher looked like a connection failure.
      if (closing)
        throw new Error(
          `${method} ${url}: the client was closed (close() was called); make a new one to send more requests`,
        );
      const controller = new AbortController();
      const timer = setTimeout(
        () =>
          controller.abort(
            new TransportError({
              kind: "timeout",
              method,
              url,
              cause: new Error(`no complete response within ${timeoutMs} ms`),
            }),
          ),
        timeoutMs,
      );
      const onAbort = (): void => controller.abort(callerSignal?.reason);
      if (callerSignal?.aborted) onAbort();
      else callerSignal?.addEventListener("abort", onAbort, { once: true });
      try {
        const headers = { ...request.headers };
        let body: string | Body | undefined = request.body;
        // Length in UTF-16 units is a cheap lower bound of the UTF-8 byte length.
        if (request.body && request.body.length >= gzipMinBytes) {
          const zipped = await gzip(request.body);
          if (zipped !== undefined) {
            body = zipped;
            headers["content-encoding"] = "gzip";
          }
        }
        const response = await send(
          { ...request, headers },
          body,
          controller.signal,
        );
        const { status, header } = response;
        const tooLarge = (seen: number): ProtocolError => {
          response.cancel();
          return new ProtocolError({
            problem: "too-large",
            method,
            url,
            status,
            detail: `the ${status} response body is over maxResponseBytes (${limit}; ${seen} bytes seen)`,
          });
        };
        const announced = Number(header("content-length"));
        if (announced > limit) throw tooLarge(announced);
        const decoder = new TextDecoder();
        let text = "";
        let total = 0;
        for await (const chunk of response.chunks) {
          total += chunk.byteLength;
          if (total > limit) throw tooLarge(total);
          text += decoder.decode(chunk, { stream: true });
        }
        return { status, header, body: text + decoder.decode() };
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason;
        const code = String((error as { code?: unknown } | null)?.code ?? "");
        // Ours pass, as does a request undici refused (bad header, closed): resending cannot help.
        if (
          error instanceof TransportError ||
          error instanceof ProtocolError ||
          /^UND_ERR_(INVALID_ARG|DESTROYED|CLOSED)$/.test(code)
        )
          throw error;
        throw new TransportError({
          kind: code.includes("TIMEOUT") ? "timeout" : "connection",
          method,
          url,
          cause: error,
        });
      } finally {
        clearTimeout(timer);
        callerSignal?.removeEventListener("abort", onAbort);
      }
    },
  };
}

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
  const problem =
    !/^https?:$/.test(parsed?.protocol ?? "") || !parsed?.hostname
      ? "is not an http:// or https:// URL"
      : alone !== undefined && (parsed.search || parsed.hash)
        ? `has a query or fragment; give ${alone}`
        : "";
  if (problem)
    throw new TypeError(`${option}: ${JSON.stringify(url)} ${problem}`);
}

/** " has a character that cannot be sent in an HTTP header: U+…" for `value`, or "". */
export function headerProblem(value: string, allowed: RegExp): string {
  const bad = allowed.exec(value);
  return bad
    ? ` has a character that cannot be sent in an HTTP header: U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} at position ${bad.index + 1}`
    : "";
}

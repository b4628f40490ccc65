// The transport for browsers and edge runtimes: the global `fetch`. No Node API; it compiles
// with `lib: ["dom"]` and no Node types.

import type { ProtocolError } from "./errors.js";
import {
  announcedLength,
  responseTooLarge,
  startRequest,
  transportSettings,
  type Transport,
  type TransportSettings,
  type TransportOptions,
  type TransportRequest,
  type TransportResponse,
} from "./transport.js";

/** The slice of the fetch API this transport uses (so any fetch implementation fits). */
export type FetchFunction = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | ArrayBuffer;
    signal: AbortSignal;
    /** Always "manual": a redirect comes back as a 3xx (or an opaque status 0), never followed. */
    redirect: "manual";
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** The body as a stream, read piecewise so the size limit holds while reading. */
  body?: { getReader(): BodyReader } | null;
}>;

/** The slice of a `ReadableStreamDefaultReader` of bytes this transport uses. */
export interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/** Options of the fetch transport. */
export interface FetchTransportOptions extends TransportOptions {
  /**
   * The fetch to use. Default: `globalThis.fetch`. It is always called as a plain function with
   * `this` the global object (browsers refuse any other `this` with "Illegal invocation"), so
   * `window.fetch` or a fetch from a library can be passed as it is.
   */
  readonly fetch?: FetchFunction;
}

/** Creates a transport over `fetch`. Gzip needs `CompressionStream` (skipped where absent). */
export function createFetchTransport(
  options: FetchTransportOptions = {},
): Transport {
  const fetchFunction =
    options.fetch ?? (globalThis as unknown as { fetch: FetchFunction }).fetch;
  if (typeof fetchFunction !== "function") {
    throw new Error(
      "createFetchTransport: no global fetch; pass options.fetch",
    );
  }
  const context: FetchContext = {
    ...transportSettings(options),
    fetch: callableOnGlobal(fetchFunction),
  };
  return {
    request: (request) => sendWithFetch(context, request),
    close: async () => {},
  };
}

/**
 * `fetch` as a function that calls it with `this` the global object. Kept as a property of the
 * context it would otherwise be called with the context as `this`, which Chromium, Firefox and
 * Safari reject ("Failed to execute 'fetch' on 'Window': Illegal invocation"); Node accepts any.
 */
function callableOnGlobal(fetchFunction: FetchFunction): FetchFunction {
  return (url, init) => fetchFunction.call(globalThis, url, init);
}

interface FetchContext extends TransportSettings {
  readonly fetch: FetchFunction;
}

async function sendWithFetch(
  context: FetchContext,
  request: TransportRequest,
): Promise<TransportResponse> {
  const linked = startRequest(request, context);
  try {
    const headers: Record<string, string> = { ...request.headers };
    let body: string | ArrayBuffer | undefined = request.body;
    if (
      request.body !== undefined &&
      context.gzipMinBytes !== undefined &&
      request.body.length >= context.gzipMinBytes
    ) {
      const compressed = await gzipInBrowser(request.body);
      if (compressed) {
        body = compressed;
        headers["content-encoding"] = "gzip";
      }
    }
    const init = {
      method: request.method,
      headers,
      signal: linked.signal,
      redirect: "manual" as const,
    };
    const response = await context.fetch(
      request.url,
      body === undefined ? init : { ...init, body },
    );
    const responseHeaders = response.headers;
    const limit = context.maxResponseBytes;
    const tooLarge = (seen: number): ProtocolError =>
      responseTooLarge(request, response.status, limit, seen);
    const announced = announcedLength(
      responseHeaders.get("content-length") ?? undefined,
    );
    if (announced !== undefined && announced > limit) {
      await response.body?.getReader().cancel();
      throw tooLarge(announced);
    }
    const text = response.body
      ? await readLimited(response.body.getReader(), limit, tooLarge)
      : await response.text();
    // Without a stream the body is only known whole: still refuse to hand it on.
    if (!response.body && text.length > limit) throw tooLarge(text.length);
    return {
      status: response.status,
      body: text,
      header: (name) => responseHeaders.get(name) ?? undefined,
    };
  } catch (error) {
    throw linked.failure(error, "connection");
  } finally {
    linked.dispose();
  }
}

/** Reads a byte stream to text, cancelling it once it passes the limit. */
async function readLimited(
  reader: BodyReader,
  limit: number,
  tooLarge: (seenBytes: number) => ProtocolError,
): Promise<string> {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value) continue;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge(total);
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join("");
}

interface CompressionStreamLike {
  readonly readable: unknown;
  readonly writable: unknown;
}

type CompressionStreamConstructor = new (
  format: "gzip",
) => CompressionStreamLike;

/** Gzips with the web `CompressionStream`; undefined where the platform lacks it. */
async function gzipInBrowser(text: string): Promise<ArrayBuffer | undefined> {
  const scope = globalThis as unknown as {
    CompressionStream?: CompressionStreamConstructor;
    Blob?: new (parts: string[]) => {
      stream(): { pipeThrough(stream: CompressionStreamLike): unknown };
    };
    Response?: new (body: unknown) => { arrayBuffer(): Promise<ArrayBuffer> };
  };
  if (!scope.CompressionStream || !scope.Blob || !scope.Response) {
    return undefined;
  }
  const stream = new scope.Blob([text])
    .stream()
    .pipeThrough(new scope.CompressionStream("gzip"));
  return new scope.Response(stream).arrayBuffer();
}

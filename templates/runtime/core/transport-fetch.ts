// The transport for browsers and edge runtimes: the global `fetch`. No Node API; it compiles
// with `lib: ["dom"]` and no Node types.

import {
  createTransport,
  type Transport,
  type TransportOptions,
} from "./transport.js";

/** The slice of the fetch API this transport uses (so any fetch implementation fits). */
export type FetchFunction = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | ArrayBuffer;
    signal: AbortSignal;
    /** A redirect comes back as a 3xx (or an opaque status 0), never followed. */
    redirect: "manual";
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** Read piecewise, so that the size limit holds while reading. */
  body?: { getReader(): BodyReader } | null;
}>;

/** The slice of a `ReadableStreamDefaultReader` of bytes this transport uses. */
export interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/** Options of the fetch transport. */
export interface FetchTransportOptions extends TransportOptions {
  /** The fetch to use (default `globalThis.fetch`); called with the global object as `this`. */
  readonly fetch?: FetchFunction;
}

/** Creates a transport over `fetch`. Gzip needs `CompressionStream` (skipped where absent). */
export function createFetchTransport(
  options: FetchTransportOptions = {},
): Transport {
  const fetchFunction =
    options.fetch ?? (globalThis as { fetch?: FetchFunction }).fetch;
  if (typeof fetchFunction !== "function")
    throw new Error(
      "createFetchTransport: no global fetch; pass options.fetch",
    );
  return createTransport<ArrayBuffer>(
    options,
    async ({ method, url, headers }, body, signal) => {
      // Browsers refuse any other `this` ("Illegal invocation").
      const response = await fetchFunction.call(globalThis, url, {
        method,
        headers,
        signal,
        redirect: "manual",
        ...(body === undefined ? {} : { body }),
      });
      const reader = response.body?.getReader();
      return {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        chunks: reader
          ? chunksOf(reader)
          : [new TextEncoder().encode(await response.text())],
        cancel: () => void reader?.cancel().catch(() => {}),
      };
    },
    async (text) =>
      typeof CompressionStream === "undefined"
        ? undefined
        : new Response(
            new Blob([text])
              .stream()
              .pipeThrough(new CompressionStream("gzip")),
          ).arrayBuffer(),
  );
}

async function* chunksOf(reader: BodyReader): AsyncIterable<Uint8Array> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value) yield value;
  }
}

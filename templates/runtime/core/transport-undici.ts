// The Node transport: undici with a pooled keep-alive dispatcher. The only runtime file that may
// import undici or Node modules; the generated client imports it only when the configuration
// chose `transport: "undici"`.

import { gzip } from "node:zlib";
import { promisify } from "node:util";
import { Agent, type Dispatcher } from "undici";
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

const gzipAsync = promisify(gzip);

/** Options of the undici transport. */
export interface UndiciTransportOptions extends TransportOptions {
  /** Connections kept per origin. Default 8 (above the project's 4 concurrent applies). */
  readonly connections?: number;
  /** How long an idle connection stays open (ms). Default 30 000. */
  readonly keepAliveTimeoutMs?: number;
  /** Use this dispatcher instead of creating an Agent (it is not closed by `close()`). */
  readonly dispatcher?: Dispatcher;
}

/** Creates a transport over a pooled keep-alive undici Agent. Call `close()` when done. */
export function createUndiciTransport(
  options: UndiciTransportOptions = {},
): Transport {
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      connections: options.connections ?? 8,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      // The transport enforces its own whole-request timeout below.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  const context: UndiciContext = { ...transportSettings(options), dispatcher };
  let closing: Promise<void> | undefined;
  return {
    // After close, at once: undici's "client is destroyed" looked like a connection failure.
    request: (request) =>
      closing
        ? Promise.reject(closedError(request))
        : sendWithUndici(context, request),
    // Idempotent: a second close waits for the first (undici throws on closing twice).
    close: () => {
      closing ??= ownsDispatcher
        ? dispatcher.close().then(() => undefined)
        : Promise.resolve();
      return closing;
    },
  };
}

interface UndiciContext extends TransportSettings {
  readonly dispatcher: Dispatcher;
}

async function sendWithUndici(
  context: UndiciContext,
  request: TransportRequest,
): Promise<TransportResponse> {
  const url = new URL(request.url);
  const linked = startRequest(request, context);
  try {
    const headers: Record<string, string> = { ...request.headers };
    let body: string | Uint8Array | null = request.body ?? null;
    // Length in UTF-16 units is a cheap lower bound of the UTF-8 byte length.
    if (
      request.body !== undefined &&
      context.gzipMinBytes !== undefined &&
      request.body.length >= context.gzipMinBytes
    ) {
      headers["content-encoding"] = "gzip";
      body = await gzipAsync(request.body);
    }
    // `dispatcher.request` follows no redirects (no redirect interceptor): a 3xx resolves as is.
    const response = await context.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: request.method,
      headers,
      body,
      signal: linked.signal,
    });
    const responseHeaders = response.headers;
    const text = await readLimited(
      response.body,
      context.maxResponseBytes,
      (seen) =>
        responseTooLarge(
          request,
          response.statusCode,
          context.maxResponseBytes,
          seen,
        ),
      announcedLength(firstHeader(responseHeaders["content-length"])),
    );
    return {
      status: response.statusCode,
      body: text,
      header: (name) => firstHeader(responseHeaders[name]),
    };
  } catch (error) {
    const code =
      typeof error === "object" && error !== null && "code" in error
        ? String(error.code)
        : "";
    // undici refused the request itself (e.g. "invalid authorization header", or its dispatcher
    // was closed): nothing was sent, and sending it again cannot help, so it is not a connection
    // failure to retry.
    const refused = [
      "UND_ERR_INVALID_ARG",
      "UND_ERR_DESTROYED",
      "UND_ERR_CLOSED",
    ].includes(code);
    throw linked.failure(
      error,
      refused ? "as-is" : code.includes("TIMEOUT") ? "timeout" : "connection",
    );
  } finally {
    linked.dispose();
  }
}

/** Reads a body to text, stopping (and destroying the stream) once it passes the limit. */
async function readLimited(
  body: Dispatcher.ResponseData["body"],
  limit: number,
  tooLarge: (seenBytes: number) => ProtocolError,
  announced: number | undefined,
): Promise<string> {
  if (announced !== undefined && announced > limit) {
    body.destroy();
    throw tooLarge(announced);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      body.destroy();
      throw tooLarge(total);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

/** A request after `close()`: a mistake in the program, not a network failure. */
function closedError(request: TransportRequest): Error {
  return new Error(
    `${request.method} ${request.url}: the client was closed (close() was called); make a new one to send more requests`,
  );
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// The Node transport: undici with a pooled keep-alive dispatcher. The only runtime file that may
// import undici or Node modules; the generated client imports it only for `transport: "undici"`.

import { gzip } from "node:zlib";
import { promisify } from "node:util";
import { Agent, type Dispatcher } from "undici";
import {
  createTransport,
  type Transport,
  type TransportOptions,
} from "./transport.js";

const gzipAsync = promisify(gzip);

export interface UndiciTransportOptions extends TransportOptions {
  /** Connections kept per origin. Default 8 (above the project's 4 concurrent applies). */
  readonly connections?: number;
  /** How long an idle connection stays open (ms). Default 30 000. */
  readonly keepAliveTimeoutMs?: number;
  /** Use this dispatcher instead of creating an Agent (it is not closed by `close()`). */
  readonly dispatcher?: Dispatcher;
}

export function createUndiciTransport(
  options: UndiciTransportOptions = {},
): Transport {
  const dispatcher =
    options.dispatcher ??
    new Agent({
      connections: options.connections ?? 8,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      // `createTransport` times the whole request.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  return createTransport<Uint8Array>(
    options,
    async (request, body, signal) => {
      const url = new URL(request.url);
      // No redirect interceptor: a 3xx resolves as it is.
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers: request.headers,
        body: body ?? null,
        signal,
      });
      const { headers } = response;
      return {
        status: response.statusCode,
        header: (name) => [headers[name]].flat()[0],
        chunks: response.body,
        cancel: () => response.body.destroy(),
      };
    },
    gzipAsync,
    async () => {
      if (!options.dispatcher) await dispatcher.close();
    },
  );
}

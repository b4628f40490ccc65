// A small scripted HTTP server for reliability tests: it records every request (gzip bodies
// decoded), answers from a queue of scripted responses or a handler, can delay, reset the
// connection, and counts requests in flight. Listens on 127.0.0.1, port 0.
// `GET .../models/statistics` (read by a client whose apply concurrency is not given) is answered
// apart, 404 unless `statistics` says otherwise, and recorded in `statisticsReads`, not `requests`:
// a test of applies sees only what it scripts.

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import type { ApplyRequest } from "../../templates/runtime/core/wire.js";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/v1/projects/p/models/instances`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as text (gunzipped when sent with `content-encoding: gzip`). */
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: any;
  /** Clock time (ms) the request arrived. */
  readonly receivedAt: number;
}

export interface ScriptedResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  readonly body?: unknown;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Destroy the socket instead of answering (a connection reset). */
  readonly reset?: boolean;
}

export type Responder = (
  request: RecordedRequest,
  index: number,
) => ScriptedResponse | Promise<ScriptedResponse>;

export interface FaultServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests being handled right now, and the most ever at once. */
  readonly stats: { inFlight: number; maxInFlight: number };
  /** Errors thrown by the handler (each answered with a 500). */
  readonly handlerErrors: unknown[];
  /** Answers the next requests with these, in order, before falling back to the handler. */
  enqueue(...responses: ScriptedResponse[]): void;
  /** Replaces the fallback handler. */
  setHandler(handler: Responder): void;
  /** Answers `GET .../models/statistics`; default a 404 (the client keeps its defaults). */
  statistics: Responder;
  /** The statistics requests, apart from `requests`. */
  readonly statisticsReads: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFaultServer(
  options: { handler?: Responder } = {},
): Promise<FaultServer> {
  const queue: ScriptedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const statisticsReads: RecordedRequest[] = [];
  const stats = { inFlight: 0, maxInFlight: 0 };
  const handlerErrors: unknown[] = [];
  const sockets = new Set<Socket>();
  let handler: Responder =
    options.handler ?? (() => ({ status: 200, body: {} }));

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        stats.inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        try {
          const raw = Buffer.concat(chunks);
          const text = (
            req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw
          ).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          const recorded: RecordedRequest = {
            method: req.method ?? "GET",
            path: req.url ?? "/",
            headers: req.headers,
            text,
            json,
            receivedAt: Date.now(),
          };
          const isStatistics =
            recorded.method === "GET" &&
            /\/models\/statistics(\?|$)/.test(recorded.path);
          const index = (isStatistics ? statisticsReads : requests).length;
          (isStatistics ? statisticsReads : requests).push(recorded);
          let scripted: ScriptedResponse;
          try {
            scripted = isStatistics
              ? await running.statistics(recorded, index)
              : (queue.shift() ?? (await handler(recorded, index)));
          } catch (error) {
            // A failing handler (e.g. a contract assertion) answers 500 so the test fails fast.
            handlerErrors.push(error);
            scripted = {
              status: 500,
              body: { error: { code: 500, message: String(error) } },
            };
          }
          if (scripted.delayMs)
            await new Promise((r) => setTimeout(r, scripted.delayMs));
          if (scripted.reset) {
            req.socket.destroy();
            return;
          }
          const body =
            typeof scripted.body === "string"
              ? scripted.body
              : JSON.stringify(scripted.body ?? {});
          res.writeHead(scripted.status ?? 200, {
            "content-type": "application/json",
            ...scripted.headers,
          });
          res.end(body);
        } finally {
          stats.inFlight--;
        }
      })();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const running: FaultServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    statisticsReads,
    statistics: () => dmsError(404, "statistics are not scripted"),
    stats,
    handlerErrors,
    enqueue: (...responses) => queue.push(...responses),
    setHandler: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return running;
}

/** A DMS error body. */
export function dmsError(
  code: number,
  message: string,
  extra: Record<string, unknown> = {},
): ScriptedResponse {
  return { status: code, body: { error: { code, message, ...extra } } };
}

/** The body a fake `JsonPoster` was given, as plain values. */
export function sentBody<T = ApplyRequest>(body: unknown): T {
  return body as T;
}

/** A successful apply answer for a request body. */
export function applyAnswer(body: any, version = 1): ScriptedResponse {
  body = sentBody<any>(body);
  const items = (body?.items ?? []).map((item: any) => ({
    instanceType: item.instanceType,
    space: item.space,
    externalId: item.externalId,
    version,
    wasModified: true,
    createdTime: 1,
    lastUpdatedTime: 1,
  }));
  const deleted = (body?.delete ?? []).map((item: any) => ({
    instanceType: item.instanceType,
    space: item.space,
    externalId: item.externalId,
  }));
  return {
    status: 200,
    body: deleted.length > 0 ? { items, deleted } : { items },
  };
}

/** A clock whose `sleep` returns at once and moves time forward; it records every wait. */
export interface FakeClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms) => {
      now += ms;
    },
  };
}

// A responder that behaves like CDF's pace in front of the emulator: each admitted request takes
// at least a fixed latency (per kind: read, write, delete), and each kind has a per-project limit
// of concurrent requests, beyond which it answers 429 with `Retry-After` at once (as CDF does for
// its concurrency limits). The emulator does the work; the latency hides its own time. Used by
// `bench/latency.ts` (in a process of its own, see the end of this file) and by
// `test/latency.test.ts` (in process, with small latencies).
//
// As a script: `node dist/bench/latency-responder.js [--read-ms 80] [--write-ms 150]
// [--delete-ms 150] [--reads 8] [--writes 4] [--deletes 2] [--retry-after 0.1] [--echo-writes]`
// starts the emulator with the bench model and prints one JSON line: {"url", "emulatorUrl"}.
// `GET /__stats` on the responder returns its counts, `POST /__reset` zeroes them.
// `GET /models/statistics` reports the responder's limits (`concurrentWriteLimit`, ...), as CDF
// reports the project's, so a client's default concurrency can start at them.

import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

export type RequestKind = "read" | "write" | "delete";

export interface LatencyOptions {
  /** The emulator's base URL (no path). */
  readonly target: string;
  /** Milliseconds each admitted request of a kind takes at least. */
  readonly latencyMs: Readonly<Record<RequestKind, number>>;
  /** Concurrent requests of a kind admitted per project; more get 429. */
  readonly limits: Readonly<Record<RequestKind, number>>;
  /** The `Retry-After` of a 429, in seconds (fractions allowed). */
  readonly retryAfterSeconds: number;
  /**
   * Answer admitted applies here, from the request (each item as written, version 1), instead of
   * forwarding them: the emulator's own time per 1000 items would otherwise be part of the
   * latency on a busy machine. Reads always go to the emulator. Default false.
   */
  readonly echoWrites?: boolean;
}

export interface KindStats {
  admitted: number;
  throttled: number;
  /** Most admitted requests in flight at once. */
  maxInFlight: number;
}

export type LatencyStats = Record<RequestKind, KindStats>;

export interface LatencyResponder {
  readonly url: string;
  stats(): LatencyStats;
  reset(): void;
  close(): Promise<void>;
}

const KINDS: readonly RequestKind[] = ["read", "write", "delete"];

/** CDF's default project limits and latencies of the magnitude a busy project shows. */
export const CDF_LIKE: Omit<LatencyOptions, "target"> = {
  latencyMs: { read: 80, write: 150, delete: 150 },
  limits: { read: 8, write: 4, delete: 2 },
  retryAfterSeconds: 0.1,
};

/** Which limit a request counts against: applies, deletes, and everything else as a read. */
export function requestKind(method: string, path: string): RequestKind {
  const bare = path.split("?")[0] ?? path;
  if (method === "POST" && bare.endsWith("/models/instances")) return "write";
  if (bare.endsWith("/models/instances/delete")) return "delete";
  return "read";
}

function emptyStats(): LatencyStats {
  const stats = {} as LatencyStats;
  for (const kind of KINDS)
    stats[kind] = { admitted: 0, throttled: 0, maxInFlight: 0 };
  return stats;
}

const THROTTLED_BODY = JSON.stringify({
  error: {
    code: 429,
    message: "Too many concurrent requests in this project; retry later",
  },
});

export async function startLatencyResponder(
  options: LatencyOptions,
): Promise<LatencyResponder> {
  let stats = emptyStats();
  const inFlight: Record<RequestKind, number> = {
    read: 0,
    write: 0,
    delete: 0,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(options.target);

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      const method = request.method ?? "GET";
      if (path === "/__stats") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(stats));
        return;
      }
      if (path === "/__reset") {
        stats = emptyStats();
        response.writeHead(204);
        response.end();
        return;
      }
      const kind = requestKind(method, path);
      const counts = stats[kind];
      if (inFlight[kind] >= options.limits[kind]) {
        counts.throttled++;
        response.writeHead(429, {
          "content-type": "application/json",
          "retry-after": String(options.retryAfterSeconds),
        });
        response.end(THROTTLED_BODY);
        return;
      }
      inFlight[kind]++;
      counts.admitted++;
      counts.maxInFlight = Math.max(counts.maxInFlight, inFlight[kind]);
      const waited = new Promise((resolve) =>
        setTimeout(resolve, options.latencyMs[kind]),
      );
      const body = Buffer.concat(chunks);
      const answered =
        kind === "write" && options.echoWrites
          ? Promise.resolve(echoApply(body, request.headers))
          : forward(agent, target, method, path, request.headers, { body });
      const answer = isStatistics(method, path)
        ? answered.then((forwarded) => withLimits(forwarded, options.limits))
        : answered;
      void Promise.all([answer, waited]).then(
        ([answer]) => {
          inFlight[kind]--;
          response.writeHead(answer.status, answer.headers);
          response.end(answer.body);
        },
        () => {
          inFlight[kind]--;
          response.writeHead(502);
          response.end();
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    reset: () => {
      stats = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** `GET /models/statistics`: the project's limits, which this responder sets, not the emulator. */
function isStatistics(method: string, path: string): boolean {
  return (
    method === "GET" && /\/models\/statistics$/.test(path.split("?")[0] ?? path)
  );
}

/** The statistics answer with this responder's limits, so clients that read them meet its own. */
function withLimits(
  answer: Answer,
  limits: Readonly<Record<RequestKind, number>>,
): Answer {
  if (answer.status !== 200) return answer;
  const text = (
    answer.headers["content-encoding"] === "gzip"
      ? gunzipSync(answer.body)
      : answer.body
  ).toString("utf8");
  const statistics = {
    ...(JSON.parse(text) as Record<string, unknown>),
    concurrentReadLimit: limits.read,
    concurrentWriteLimit: limits.write,
    concurrentDeleteLimit: limits.delete,
  };
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(statistics)),
  };
}

/** The API's answer to an apply, made from the request: each item written, version 1. */
function echoApply(body: Buffer, headers: IncomingHttpHeaders): Answer {
  const text = (
    headers["content-encoding"] === "gzip" ? gunzipSync(body) : body
  ).toString("utf8");
  const request = JSON.parse(text) as {
    items: { instanceType: string; space: string; externalId: string }[];
  };
  const now = Date.now();
  const items = request.items.map(({ instanceType, space, externalId }) => ({
    instanceType,
    space,
    externalId,
    version: 1,
    wasModified: true,
    createdTime: now,
    lastUpdatedTime: now,
  }));
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ items })),
  };
}

/** Sends the request on to the emulator and reads its whole answer. */
function forward(
  agent: Agent,
  target: URL,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  request: { body: Buffer },
): Promise<Answer> {
  const sent: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && name !== "host" && name !== "connection")
      sent[name] = value;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: sent,
      },
      (incoming) => {
        const parts: Buffer[] = [];
        incoming.on("data", (part: Buffer) => parts.push(part));
        incoming.on("end", () => {
          const answerHeaders: Record<string, string> = {};
          for (const name of [
            "content-type",
            "content-encoding",
            "x-request-id",
          ]) {
            const value = incoming.headers[name];
            if (typeof value === "string") answerHeaders[name] = value;
          }
          resolve({
            status: incoming.statusCode ?? 502,
            headers: answerHeaders,
            body: Buffer.concat(parts),
          });
        });
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}

/** A number after `--name` on the command line, or the fallback. */
function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? Number.NaN : Number(process.argv[at + 1]);
  return Number.isFinite(value) ? value : fallback;
}

async function main(): Promise<void> {
  const { startEmulator } = await import("../src/emulator/index.js");
  const { benchViews } = await import("./typed-model.js");
  const { parseInputDocument, mergeDocuments } =
    await import("../src/input/index.js");
  const input = mergeDocuments([
    parseInputDocument(benchViews(), "bench-views.json"),
  ]);
  const emulator = await startEmulator({
    views: input.views,
    project: "emulator",
  });
  const responder = await startLatencyResponder({
    target: emulator.url,
    latencyMs: {
      read: flag("read-ms", CDF_LIKE.latencyMs.read),
      write: flag("write-ms", CDF_LIKE.latencyMs.write),
      delete: flag("delete-ms", CDF_LIKE.latencyMs.delete),
    },
    limits: {
      read: flag("reads", CDF_LIKE.limits.read),
      write: flag("writes", CDF_LIKE.limits.write),
      delete: flag("deletes", CDF_LIKE.limits.delete),
    },
    retryAfterSeconds: flag("retry-after", CDF_LIKE.retryAfterSeconds),
    echoWrites: process.argv.includes("--echo-writes"),
  });
  process.stdout.write(
    `${JSON.stringify({ url: responder.url, emulatorUrl: emulator.url })}\n`,
  );
  process.on("SIGTERM", () => {
    void responder
      .close()
      .then(() => emulator.close())
      .then(() => process.exit(0));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

// The HTTP layer: routing under /api/v1/projects/{project}/models/..., gzip request bodies,
// bearer-token check, fault injection, and errors in the API's format.

import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { gunzipSync } from "node:zlib";
import {
  exactJsonParser,
  stringifyJson,
} from "../../templates/runtime/json.js";
import { ApiError, errorBody } from "./api-error.js";
import { applyInstances, deleteEndpoint } from "./apply.js";
import type { FaultDecision, FaultEngine } from "./faults.js";
import { runQuery } from "./query.js";
import {
  byIds,
  dataModelsByIds,
  listDataModels,
  listInstances,
  listViews,
  viewsByIds,
} from "./reads.js";
import type { EmulatorState } from "./state.js";
import { runSync } from "./sync.js";

export interface ServerContext {
  state: EmulatorState;
  project: string;
  token: string | undefined;
  faults: FaultEngine;
}

type Handler = (
  state: EmulatorState,
  body: unknown,
  params: URLSearchParams,
) => unknown;

/** Route (after `/models`) → method → handler. */
const ROUTES: Record<string, Partial<Record<"GET" | "POST", Handler>>> = {
  "/views": { GET: (s, _b, p) => listViews(s, p) },
  "/views/byids": { POST: (s, b, p) => viewsByIds(s, b, p) },
  "/datamodels": { GET: (s, _b, p) => listDataModels(s, p) },
  "/datamodels/byids": { POST: (s, b, p) => dataModelsByIds(s, b, p) },
  "/instances": { POST: (s, b) => applyInstances(s, b) },
  "/instances/byids": { POST: (s, b) => byIds(s, b) },
  "/instances/list": { POST: (s, b) => listInstances(s, b) },
  "/instances/delete": { POST: (s, b) => deleteEndpoint(s, b) },
  "/instances/query": { POST: (s, b) => runQuery(s, b) },
  "/instances/sync": { POST: (s, b) => runSync(s, b) },
};
const PREFIX = /^\/api\/v1\/projects\/([^/]+)\/models(\/.*)?$/;
/** Request bodies keep integers beyond 2^53 exact (as bigint), so int64 values are stored without loss. */
const parseJsonExact = exactJsonParser(() => true);

export function createEmulatorServer(ctx: ServerContext): Server {
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          errorBody(
            500,
            `Internal emulator error: ${(error as Error).message}`,
          ),
          "",
        );
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

async function handle(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? "/", "http://emulator");
  const raw = await readBody(req);
  const match = PREFIX.exec(url.pathname);
  if (!match)
    return send(
      res,
      404,
      errorBody(
        404,
        `Unknown path ${url.pathname}; routes are under /api/v1/projects/{project}/models/`,
      ),
      requestId,
    );
  if (decodeURIComponent(match[1]!) !== ctx.project)
    return send(
      res,
      404,
      errorBody(
        404,
        `Unknown project "${match[1]}"; this emulator serves project "${ctx.project}"`,
      ),
      requestId,
    );
  if (!authorised(ctx, req))
    return send(
      res,
      401,
      errorBody(401, "Unauthorized: missing or wrong bearer token"),
      requestId,
    );
  const route = match[2] ?? "/";
  const methods = ROUTES[route];
  if (!methods)
    return send(
      res,
      404,
      errorBody(404, `Unknown route /models${route}`),
      requestId,
    );
  const handler = methods[req.method as "GET" | "POST"];
  if (!handler) {
    res.setHeader("allow", Object.keys(methods).join(", "));
    return send(
      res,
      405,
      errorBody(
        405,
        `Method ${req.method ?? ""} is not allowed on /models${route}`,
      ),
      requestId,
    );
  }
  const { delayMs, decision } = ctx.faults.decide(`/models${route}`);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  if (decision && !decision.afterProcessing)
    return injectFault(res, decision, requestId);
  const [status, body] = run(ctx, handler, req, raw, url.searchParams);
  if (decision) return injectFault(res, decision, requestId);
  send(res, status, body, requestId);
}

function run(
  ctx: ServerContext,
  handler: Handler,
  req: IncomingMessage,
  raw: Buffer,
  params: URLSearchParams,
): [number, unknown] {
  try {
    const body = req.method === "POST" ? parseBody(req, raw) : undefined;
    return [200, handler(ctx.state, body, params)];
  } catch (error) {
    if (error instanceof ApiError) return [error.status, error.toBody()];
    throw error;
  }
}

function authorised(ctx: ServerContext, req: IncomingMessage): boolean {
  if (ctx.token === undefined) return true;
  return req.headers.authorization === `Bearer ${ctx.token}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () =>
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

function parseBody(req: IncomingMessage, raw: Buffer): unknown {
  let bytes = raw;
  const encoding = (req.headers["content-encoding"] ?? "").toLowerCase();
  if (encoding === "gzip") {
    try {
      bytes = gunzipSync(raw);
    } catch {
      throw new ApiError(400, "The request body is not valid gzip");
    }
  } else if (encoding !== "" && encoding !== "identity") {
    throw new ApiError(400, `Unsupported Content-Encoding "${encoding}"`);
  }
  if (bytes.length === 0)
    throw new ApiError(400, "The request has no JSON body");
  try {
    return parseJsonExact(bytes.toString("utf8"));
  } catch {
    throw new ApiError(400, "The request body is not valid JSON");
  }
}

function injectFault(
  res: ServerResponse,
  decision: FaultDecision,
  requestId: string,
): void {
  if (decision.kind === "reset") {
    res.socket?.destroy();
    return;
  }
  if (decision.retryAfter !== undefined)
    res.setHeader("retry-after", String(decision.retryAfter));
  if (decision.autoRetryable) res.setHeader("cdf-is-auto-retryable", "true");
  send(
    res,
    decision.status,
    errorBody(
      decision.status,
      decision.message ?? `Injected fault: HTTP ${decision.status}`,
    ),
    requestId,
  );
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
): void {
  const text = stringifyJson(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "x-request-id": requestId,
  });
  res.end(text);
}

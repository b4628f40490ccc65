// The HTTP layer: routing under /api/v1/projects/{project}/models/... (any project unless one is
// pinned, trailing slashes ignored), the refusal of other sites' pages (request-guard.ts: Host,
// Origin, non-JSON bodies), CORS, request bodies read under limits (body.ts), bearer-token check,
// fault injection, and errors in the API's format.

import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { ApiError, errorBody } from "./api-error.js";
import { aggregateInstances } from "../search-aggregate/aggregate.js";
import { applyInstances, deleteEndpoint } from "../instances/apply.js";
import { readJsonBody } from "./body.js";
import type { FaultDecision, FaultEngine } from "../faults/faults.js";
import { ASSUMPTIONS, unknownProject } from "../assumptions.js";
import { answerPreflight, applyCors, type CorsPolicy } from "./cors.js";
import {
  refuseForeignHost,
  refuseForeignOrigin,
  refuseNonJsonBody,
} from "./request-guard.js";
import {
  inspectInstances,
  projectStatistics,
  spaceStatistics,
} from "../instances/inspect.js";
import {
  PROJECT_PATTERN,
  projectState,
  type ProjectRegistry,
} from "../projects.js";
import { runQuery } from "../query/query.js";
import {
  applyContainers,
  applyDataModels,
  applyViews,
  containersByIds,
  deleteContainerParts,
  deleteContainers,
  deleteDataModels,
  deleteViews,
  inspectContainers,
  listContainers,
  retryContainerParts,
} from "../schema/endpoints.js";
import {
  applySpaces,
  deleteSpaces,
  listSpaces,
  spacesByIds,
} from "../schema/spaces.js";
import {
  byIds,
  dataModelsByIds,
  listDataModels,
  listInstances,
  listViews,
  viewsByIds,
} from "../instances/reads.js";
import type { EmulatorState } from "../state.js";
import { searchInstances } from "../search-aggregate/search.js";
import { runSync } from "../sync/sync.js";
import { responseText } from "./json-text.js";

export interface ServerContext {
  projects: ProjectRegistry;
  token: string | undefined;
  faults: FaultEngine;
  cors: CorsPolicy;
  /** Host names accepted in `Host` besides loopback names and the listening address. */
  allowedHosts: readonly string[];
}

type Method = "GET" | "POST";
type Handler = (
  state: EmulatorState,
  body: unknown,
  params: URLSearchParams,
) => unknown;

/**
 * Route (after `/models`, without a trailing slash) → method → handler: every path and method of
 * the DMS contract. A plain table, so a new endpoint is one line.
 */
const ROUTES: Record<string, Partial<Record<Method, Handler>>> = {
  "/spaces": {
    GET: (s, _b, p) => listSpaces(s, p),
    POST: (s, b) => applySpaces(s, b),
  },
  "/spaces/byids": { POST: (s, b) => spacesByIds(s, b) },
  "/spaces/delete": { POST: (s, b) => deleteSpaces(s, b) },
  "/containers": {
    GET: (s, _b, p) => listContainers(s, p),
    POST: (s, b) => applyContainers(s, b),
  },
  "/containers/byids": { POST: (s, b) => containersByIds(s, b) },
  "/containers/delete": { POST: (s, b) => deleteContainers(s, b) },
  "/containers/inspect": { POST: (s, b) => inspectContainers(s, b) },
  "/containers/constraints/delete": {
    POST: (s, b) => deleteContainerParts(s, b, "constraints"),
  },
  "/containers/indexes/delete": {
    POST: (s, b) => deleteContainerParts(s, b, "indexes"),
  },
  "/containers/constraints/retry": {
    POST: (s, b) => retryContainerParts(s, b, "constraints"),
  },
  "/containers/indexes/retry": {
    POST: (s, b) => retryContainerParts(s, b, "indexes"),
  },
  "/containers/properties/retry": {
    POST: (s, b) => retryContainerParts(s, b, "properties"),
  },
  "/views": {
    GET: (s, _b, p) => listViews(s, p),
    POST: (s, b) => applyViews(s, b),
  },
  "/views/byids": { POST: (s, b, p) => viewsByIds(s, b, p) },
  "/views/delete": { POST: (s, b) => deleteViews(s, b) },
  "/datamodels": {
    GET: (s, _b, p) => listDataModels(s, p),
    POST: (s, b) => applyDataModels(s, b),
  },
  "/datamodels/byids": { POST: (s, b, p) => dataModelsByIds(s, b, p) },
  "/datamodels/delete": { POST: (s, b) => deleteDataModels(s, b) },
  "/instances": { POST: (s, b) => applyInstances(s, b) },
  "/instances/byids": { POST: (s, b) => byIds(s, b) },
  "/instances/list": { POST: (s, b) => listInstances(s, b) },
  "/instances/delete": { POST: (s, b) => deleteEndpoint(s, b) },
  "/instances/inspect": { POST: (s, b) => inspectInstances(s, b) },
  "/instances/query": { POST: (s, b) => runQuery(s, b) },
  "/instances/sync": { POST: (s, b) => runSync(s, b) },
  "/instances/search": { POST: (s, b) => searchInstances(s, b) },
  "/instances/aggregate": { POST: (s, b) => aggregateInstances(s, b) },
  "/statistics": { GET: (s) => projectStatistics(s) },
  "/statistics/spaces": { GET: (s) => spaceStatistics(s, undefined) },
  "/statistics/spaces/byids": { POST: (s, b) => spaceStatistics(s, b) },
};
const PREFIX = /^\/api\/v1\/projects\/([^/]*)(\/.*)?$/;

export function createEmulatorServer(ctx: ServerContext): Server {
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      if (error instanceof ApiError && !res.headersSent)
        send(res, error.status, error.toBody(), "");
      else if (!res.headersSent)
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

interface Target {
  state: EmulatorState;
  /** The route after `/models`, e.g. "/instances/sync". */
  route: string;
  methods: Partial<Record<Method, Handler>>;
}

async function handle(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? "/", "http://emulator");
  const isPreflight =
    req.method === "OPTIONS" &&
    req.headers["access-control-request-method"] !== undefined;
  // A page of another site, or one reached through DNS rebinding: refused before anything is
  // read or done (a preflight from a refused origin gets its 403 from answerPreflight).
  const foreign =
    refuseForeignHost(ctx.allowedHosts, req) ??
    (isPreflight ? undefined : refuseForeignOrigin(ctx.cors, req));
  if (foreign) {
    res.setHeader("connection", "close");
    return send(res, foreign.status, foreign.toBody(), requestId);
  }
  const body = await readBodyOrRefusal(req);
  if (body instanceof BodyRefusal)
    // The rest of a refused upload is not read; the connection cannot be reused.
    res.setHeader("connection", "close");
  const found = resolveTarget(ctx, url.pathname);
  if (isPreflight)
    return answerPreflight(
      ctx.cors,
      req,
      res,
      found instanceof ApiError ? [] : Object.keys(found.methods),
    );
  applyCors(ctx.cors, req, res);
  if (!authorised(ctx, req))
    return send(
      res,
      401,
      errorBody(401, ASSUMPTIONS.unauthorisedMessage),
      requestId,
    );
  if (found instanceof ApiError)
    return send(res, found.status, found.toBody(), requestId);
  const handler = found.methods[req.method as Method];
  if (!handler) {
    res.setHeader("allow", Object.keys(found.methods).join(", "));
    return send(
      res,
      405,
      errorBody(
        405,
        `Method ${req.method ?? ""} is not allowed on /models${found.route}; allowed: ${Object.keys(found.methods).join(", ")}`,
      ),
      requestId,
    );
  }
  if (body instanceof BodyRefusal)
    return send(res, body.error.status, body.error.toBody(), requestId);
  const { delayMs, decision } = ctx.faults.decide(`/models${found.route}`);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  if (decision && !decision.afterProcessing)
    return injectFault(res, decision, requestId);
  const [status, answer] = run(
    found.state,
    handler,
    req,
    body,
    url.searchParams,
  );
  if (decision) return injectFault(res, decision, requestId);
  send(res, status, answer, requestId);
}

/** The project state and route a path names, or the error to answer with. */
function resolveTarget(
  ctx: ServerContext,
  pathname: string,
): Target | ApiError {
  const segments = pathname.split("/");
  for (const segment of segments) {
    try {
      decodeURIComponent(segment);
    } catch {
      return new ApiError(
        400,
        `The path ${pathname} has a malformed percent-encoding in "${segment}"`,
      );
    }
  }
  // CDF ignores a trailing slash (the JS SDK sends GET /models/views/).
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const match = PREFIX.exec(trimmed);
  if (!match)
    return new ApiError(
      404,
      `Unknown path ${pathname}; routes are under /api/v1/projects/{project}/models/`,
    );
  const project = decodeURIComponent(match[1]!);
  const rest = match[2] ?? "";
  if (!rest.startsWith("/models"))
    return new ApiError(
      404,
      `Unknown path ${pathname}; the emulator serves only the Data Modeling API under /api/v1/projects/${project}/models/`,
    );
  const route = rest.slice("/models".length);
  const methods = ROUTES[route];
  if (!methods) return new ApiError(404, `Unknown route /models${route}`);
  const state = PROJECT_PATTERN.test(project)
    ? projectState(ctx.projects, project)
    : undefined;
  if (!state) return unknownProject(ctx.projects, project);
  return { state, route, methods };
}
/** A body refused while reading (400, 413): answered once CORS, the caller and the route are checked. */
class BodyRefusal {
  constructor(readonly error: ApiError) {}
}

async function readBodyOrRefusal(req: IncomingMessage): Promise<unknown> {
  if (req.method === "POST") {
    // Not read at all: a body that is not declared JSON is refused as sent.
    const unsupported = refuseNonJsonBody(req);
    if (unsupported) return new BodyRefusal(unsupported);
  }
  try {
    return await readJsonBody(req);
  } catch (error) {
    if (error instanceof ApiError) return new BodyRefusal(error);
    throw error;
  }
}

function run(
  state: EmulatorState,
  handler: Handler,
  req: IncomingMessage,
  body: unknown,
  params: URLSearchParams,
): [number, unknown] {
  try {
    if (req.method === "POST" && body === undefined)
      throw new ApiError(400, "The request has no JSON body");
    return [200, handler(state, body, params)];
  } catch (error) {
    if (error instanceof ApiError) return [error.status, error.toBody()];
    throw error;
  }
}

function authorised(ctx: ServerContext, req: IncomingMessage): boolean {
  if (ctx.token === undefined) return true;
  return req.headers.authorization === `Bearer ${ctx.token}`;
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
  // Encoded once: measuring the text's length and then encoding it to write it read it twice.
  const bytes = Buffer.from(responseText(body), "utf8");
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": bytes.length,
    "x-request-id": requestId,
  });
  res.end(bytes);
}

// CORS for browser apps on a dev server: preflight answers and the headers of every response.
// By default only loopback origins (http://localhost:5173, http://127.0.0.1:3000, ...) are allowed.

import type { IncomingMessage, ServerResponse } from "node:http";

/** "loopback" (default), "any", "off", or a list of exact origins. */
export type CorsPolicy = "loopback" | "any" | "off" | readonly string[];

const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "content-encoding",
  "accept",
  "x-cdp-app",
  "x-cdp-sdk",
  "x-cdp-clienttag",
  "cdf-version",
  "x-request-id",
].join(", ");
const EXPOSED_HEADERS = "x-request-id, retry-after, cdf-is-auto-retryable";
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function parseCorsPolicy(text: string): CorsPolicy {
  if (text === "loopback" || text === "any" || text === "off") return text;
  if (text === "*") return "any";
  return text
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
}

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  if (policy === "off") return false;
  if (policy === "any") return true;
  if (policy === "loopback") {
    try {
      return LOOPBACK_HOSTS.has(new URL(origin).hostname);
    } catch {
      return false;
    }
  }
  return policy.includes(origin);
}

/** Sets the CORS headers for an allowed origin; returns whether the origin is allowed. */
export function applyCors(
  policy: CorsPolicy,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || !originAllowed(policy, origin)) return false;
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("vary", "Origin");
  res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  return true;
}

/** Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`): 204 when allowed, 403 otherwise. */
export function answerPreflight(
  policy: CorsPolicy,
  req: IncomingMessage,
  res: ServerResponse,
  methods: readonly string[],
): void {
  if (!applyCors(policy, req, res)) {
    res.writeHead(403, { "content-length": 0 });
    res.end();
    return;
  }
  res.writeHead(204, {
    "access-control-allow-methods": [...methods, "OPTIONS"].join(", "),
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": "600",
    "content-length": 0,
  });
  res.end();
}

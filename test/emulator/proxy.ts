// A validating proxy for clients the tests did not write (@cognite/sdk): it forwards every request
// to the emulator and checks request and response bodies against the DMS contract, recording the
// routes it saw, so a test proves both the client's view and the contract's.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { checkRequest, checkResponse } from "./contract.js";

export interface ValidatingProxy {
  url: string;
  /** "METHOD /models/route status" of every exchange, in order. */
  seen: string[];
  /** Contract violations (the proxy still forwards the response, so the client's view is kept). */
  violations: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * Called before a request is forwarded; when it throws, the request is answered 403 without
   * reaching the target and the refusal counts as a violation (the conformance suites' scope).
   */
  guard?: (route: string, method: string, body: unknown) => void;
}

export async function startValidatingProxy(
  target: string,
  options: ProxyOptions = {},
): Promise<ValidatingProxy> {
  const seen: string[] = [];
  const violations: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      forward().catch((error: unknown) => {
        // A proxy failure is the test's, not the target's: record it and answer 502.
        violations.push(`proxy: ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      async function forward() {
        const raw = Buffer.concat(chunks);
        const method = (req.method ?? "GET").toLowerCase();
        const route = specRoute(req.url ?? "/");
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(req.headers))
          if (typeof value === "string" && !HOP_HEADERS.has(key))
            headers[key] = value;
        const parsed: unknown =
          method === "post" && raw.length > 0
            ? JSON.parse(body(raw, headers))
            : undefined;
        if (parsed !== undefined)
          validate(() => checkRequest(route, method, parsed));
        try {
          options.guard?.(route, method, parsed);
        } catch (error) {
          const message = (error as Error).message;
          violations.push(message);
          res.writeHead(403, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { code: 403, message } }));
          return;
        }
        const response = await fetch(`${target}${req.url ?? "/"}`, {
          method: req.method ?? "GET",
          headers,
          ...(raw.length > 0 ? { body: raw } : {}),
        });
        const text = await response.text();
        seen.push(`${method.toUpperCase()} ${route} ${response.status}`);
        validate(() =>
          checkResponse(route, method, response.status, JSON.parse(text)),
        );
        res.writeHead(response.status, {
          "content-type": "application/json",
          "x-request-id": response.headers.get("x-request-id") ?? "",
        });
        res.end(text);
      }
    });
  });
  const validate = (check: () => void) => {
    try {
      check();
    } catch (error) {
      violations.push((error as Error).message);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Headers fetch sets itself (forwarding them makes it refuse the request). */
const HOP_HEADERS = new Set([
  "host",
  "content-length",
  "connection",
  "transfer-encoding",
  "keep-alive",
]);

function body(raw: Buffer, headers: Record<string, string>): string {
  return headers["content-encoding"] === "gzip"
    ? gunzipSync(raw).toString("utf8")
    : raw.toString("utf8");
}

/** `/api/v1/projects/p/models/views/?limit=1` → `/models/views`. */
function specRoute(url: string): string {
  const path = new URL(url, "http://proxy").pathname.replace(/\/+$/, "");
  return path.replace(/^\/api\/v1\/projects\/[^/]+/, "");
}

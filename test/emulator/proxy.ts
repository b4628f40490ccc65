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

export async function startValidatingProxy(
  target: string,
): Promise<ValidatingProxy> {
  const seen: string[] = [];
  const violations: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const method = (req.method ?? "GET").toLowerCase();
        const route = specRoute(req.url ?? "/");
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(req.headers))
          if (typeof value === "string" && key !== "host") headers[key] = value;
        if (method === "post" && raw.length > 0)
          validate(() =>
            checkRequest(route, method, JSON.parse(body(raw, headers))),
          );
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
      })();
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

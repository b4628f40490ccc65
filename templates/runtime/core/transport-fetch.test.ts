import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TransportError } from "./errors.js";
import { createFetchTransport, type FetchFunction } from "./transport-fetch.js";
import {
  startFaultServer,
  type FaultServer,
} from "../../../test/support/fault-server.js";

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

describe("fetch transport", () => {
  it("sends and reads bodies and headers", async () => {
    server.setHandler((request) => ({
      status: 200,
      headers: { "x-request-id": "r2" },
      body: { echo: request.json },
    }));
    const transport = createFetchTransport();
    const response = await transport.request({
      method: "POST",
      url: `${server.url}/x`,
      headers: {
        "content-type": "application/json",
        authorization: "Bearer t",
      },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ echo: { a: 1 } });
    expect(response.header("x-request-id")).toBe("r2");
    expect(server.requests[0]!.headers.authorization).toBe("Bearer t");
  });

  it("refuses requests after close, as the undici transport does", async () => {
    const transport = createFetchTransport();
    await transport.close();
    await expect(
      transport.request({ method: "GET", url: `${server.url}/x`, headers: {} }),
    ).rejects.toThrow(
      `GET ${server.url}/x: the client was closed (close() was called)`,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("gzips with CompressionStream", async () => {
    const transport = createFetchTransport({ gzip: true });
    const big = JSON.stringify({ text: "y".repeat(4000) });
    await transport.request({
      method: "POST",
      url: server.url,
      headers: {},
      body: big,
    });
    expect(server.requests[0]!.headers["content-encoding"]).toBe("gzip");
    expect(server.requests[0]!.text).toBe(big);
  });

  it("maps timeouts and refused connections to TransportError", async () => {
    server.enqueue({ delayMs: 500, body: {} });
    const slow = createFetchTransport({ timeoutMs: 50 });
    const timeout = (await slow
      .request({ method: "GET", url: server.url, headers: {} })
      .catch((e: unknown) => e)) as TransportError;
    expect(timeout).toBeInstanceOf(TransportError);
    expect(timeout.kind).toBe("timeout");
    const closed = await startFaultServer();
    await closed.close();
    const refused = (await slow
      .request({ method: "GET", url: closed.url, headers: {} })
      .catch((e: unknown) => e)) as TransportError;
    expect(refused).toBeInstanceOf(TransportError);
    expect(refused.kind).toBe("connection");
  });

  it("calls fetch with the global object as `this`, as browsers require", async () => {
    server.setHandler(() => ({ status: 200, body: { ok: true } }));
    const seenThis: unknown[] = [];
    // Like a browser's `window.fetch`: "Illegal invocation" unless called on the global.
    const strictFetch: FetchFunction = function (this: unknown, url, init) {
      seenThis.push(this);
      if (this !== globalThis)
        return Promise.reject(
          new TypeError(
            "Failed to execute 'fetch' on 'Window': Illegal invocation",
          ),
        );
      return globalThis.fetch(url, init);
    };
    const transport = createFetchTransport({ fetch: strictFetch });
    const response = await transport.request({
      method: "GET",
      url: server.url,
      headers: {},
    });
    expect(response.status).toBe(200);
    expect(seenThis).toEqual([globalThis]);
  });

  it("calls the default global fetch with the global object as `this`", async () => {
    server.setHandler(() => ({ status: 200, body: { ok: true } }));
    const original = globalThis.fetch;
    const seenThis: unknown[] = [];
    globalThis.fetch = function (
      this: unknown,
      ...args: Parameters<typeof fetch>
    ) {
      seenThis.push(this);
      return original(...args);
    } as typeof fetch;
    try {
      const transport = createFetchTransport();
      await transport.request({ method: "GET", url: server.url, headers: {} });
    } finally {
      globalThis.fetch = original;
    }
    expect(seenThis).toEqual([globalThis]);
  });
});

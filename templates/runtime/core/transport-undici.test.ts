import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TransportError } from "./errors.js";
import { createUndiciTransport } from "./transport-undici.js";
import { DmsClient } from "../read/dms-client.js";
import type { HttpEvent } from "./http.js";
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

describe("undici transport", () => {
  it("sends and reads bodies and headers over a kept-alive connection", async () => {
    server.setHandler((request) => ({
      status: 201,
      headers: { "x-request-id": "r1" },
      body: { echo: request.json },
    }));
    const transport = createUndiciTransport();
    try {
      for (let i = 0; i < 3; i++) {
        const response = await transport.request({
          method: "POST",
          url: `${server.url}/a?b=1`,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ i }),
        });
        expect(response.status).toBe(201);
        expect(JSON.parse(response.body)).toEqual({ echo: { i } });
        expect(response.header("x-request-id")).toBe("r1");
      }
      expect(server.requests.map((r) => r.path)).toEqual([
        "/a?b=1",
        "/a?b=1",
        "/a?b=1",
      ]);
    } finally {
      await transport.close();
    }
  });

  it("closes once however often close is called, also through a DmsClient", async () => {
    server.setHandler(() => ({ status: 200, body: { items: [] } }));
    const transport = createUndiciTransport();
    await transport.request({
      method: "GET",
      url: `${server.url}/x`,
      headers: {},
    });
    await Promise.all([transport.close(), transport.close()]);
    await expect(transport.close()).resolves.toBeUndefined();
    const client = new DmsClient({
      baseUrl: server.url,
      project: "p",
      credentials: { token: "t" },
      transport: createUndiciTransport(),
    });
    await client.close();
    await expect(client.close()).resolves.toBeUndefined();
  });

  it("a request after close fails at once, as a mistake and not a connection failure", async () => {
    // It used to reach undici's destroyed dispatcher and be retried for most of a minute.
    // Counted, not timed: no backoff wait and no retry event.
    const sleeps: number[] = [];
    const events: HttpEvent[] = [];
    const client = new DmsClient({
      baseUrl: server.url,
      project: "p",
      credentials: { token: "t" },
      transport: createUndiciTransport(),
      clock: {
        now: () => 0,
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      },
      onEvent: (event) => events.push(event),
    });
    await client.close();
    const error = await client
      .retrieve([{ instanceType: "node", space: "s", externalId: "x" }], [])
      .catch((e: unknown) => e);
    expect(sleeps).toEqual([]);
    expect(events).toEqual([]);
    expect(error).not.toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe(
      `POST ${server.url}/api/v1/projects/p/models/instances/byids: the client was closed (close() was called); make a new one to send more requests`,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("gzips bodies above the threshold only", async () => {
    const transport = createUndiciTransport({ gzip: { minBytes: 100 } });
    try {
      const big = JSON.stringify({ text: "x".repeat(500) });
      await transport.request({
        method: "POST",
        url: server.url,
        headers: {},
        body: big,
      });
      await transport.request({
        method: "POST",
        url: server.url,
        headers: {},
        body: "{}",
      });
      expect(server.requests[0]!.headers["content-encoding"]).toBe("gzip");
      expect(server.requests[0]!.text).toBe(big);
      expect(server.requests[1]!.headers["content-encoding"]).toBeUndefined();
    } finally {
      await transport.close();
    }
  });

  it("a request undici refuses to send is not a connection failure (nothing to retry)", async () => {
    const transport = createUndiciTransport();
    try {
      const error = await transport
        .request({
          method: "GET",
          url: server.url,
          headers: { authorization: "Bearer a\r\nX-Evil: 1" },
        })
        .catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(TransportError);
      expect((error as Error).message).toBe("invalid authorization header");
      expect(server.requests).toHaveLength(0);
    } finally {
      await transport.close();
    }
  });

  it("times out with a TransportError of kind timeout", async () => {
    server.enqueue({ delayMs: 500, body: {} });
    const transport = createUndiciTransport({ timeoutMs: 50 });
    try {
      const error = (await transport
        .request({ method: "GET", url: server.url, headers: {} })
        .catch((e: unknown) => e)) as TransportError;
      expect(error).toBeInstanceOf(TransportError);
      expect(error.kind).toBe("timeout");
      expect(error.message).toContain("Timed out: GET");
    } finally {
      await transport.close();
    }
  });

  it("rejects with the caller's reason on abort", async () => {
    server.enqueue({ delayMs: 500, body: {} });
    const transport = createUndiciTransport();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop now")), 20);
      await expect(
        transport.request({
          method: "GET",
          url: server.url,
          headers: {},
          signal: controller.signal,
        }),
      ).rejects.toThrow("stop now");
    } finally {
      await transport.close();
    }
  });

  it("times out, or stops on the caller's abort, while the body is still arriving", async () => {
    // Headers at once, then a chunk every 20 ms that never ends: only the abort handle stops it.
    const open = new Set<ServerResponse>();
    const trickle = createServer((_request, response) => {
      open.add(response);
      response.writeHead(200, { "content-type": "application/json" });
      response.write("[");
      const timer = setInterval(() => response.write("1,"), 20);
      response.on("close", () => {
        clearInterval(timer);
        open.delete(response);
      });
    });
    await new Promise<void>((resolve) =>
      trickle.listen(0, "127.0.0.1", resolve),
    );
    const url = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/`;
    const transport = createUndiciTransport({ timeoutMs: 150 });
    try {
      const timedOut = (await transport
        .request({ method: "GET", url, headers: {} })
        .catch((e: unknown) => e)) as TransportError;
      expect(timedOut).toBeInstanceOf(TransportError);
      expect(timedOut.kind).toBe("timeout");

      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop reading")), 60);
      await expect(
        transport.request({
          method: "GET",
          url,
          headers: {},
          signal: controller.signal,
        }),
      ).rejects.toThrow("stop reading");
      // Both responses were cut off: the client closed their connections.
      await expect.poll(() => open.size, { timeout: 2000 }).toBe(0);
    } finally {
      await transport.close();
      trickle.closeAllConnections();
      await new Promise((resolve) => trickle.close(resolve));
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTokenSource, type Credentials } from "./auth.js";
import {
  AuthenticationError,
  DmsError,
  TransportError,
  VersionConflictError,
} from "./errors.js";
import { HttpClient, type HttpEvent } from "./http.js";
import type { RetryPolicy } from "./retry.js";
import { createUndiciTransport } from "./transport-undici.js";
import type { Transport } from "./transport.js";
import {
  dmsError,
  fakeClock,
  startFaultServer,
  type FaultServer,
} from "../../../test/support/fault-server.js";

const TOKEN = "secret-token-1234567890";
let server: FaultServer;
let transport: Transport;

beforeEach(async () => {
  server = await startFaultServer();
  transport = createUndiciTransport({ timeoutMs: 2000 });
});
afterEach(async () => {
  await transport.close();
  await server.close();
});

function client(
  options: {
    credentials?: Credentials;
    retry?: Partial<RetryPolicy>;
    events?: HttpEvent[];
  } = {},
) {
  const clock = fakeClock();
  const tokenSource = createTokenSource(
    options.credentials ?? { token: TOKEN },
    { transport, clock },
  );
  const http = new HttpClient({
    baseUrl: server.url + "/",
    project: "proj",
    transport,
    tokenSource,
    clock,
    random: () => 0.5,
    appName: "tests",
    ...(options.retry ? { retry: options.retry } : {}),
    onEvent: (event) => options.events?.push(event),
  });
  return { http, clock };
}

describe("HttpClient", () => {
  it("sends JSON with auth and CDF headers to the project URL", async () => {
    server.enqueue({ status: 200, body: { items: [1] } });
    const { http } = client();
    const result = await http.postJson<{ items: number[] }>(
      "/models/instances/list",
      { limit: 1 },
      { query: { a: true } },
    );
    expect(result).toEqual({ items: [1] });
    const [request] = server.requests;
    expect(request!.path).toBe(
      "/api/v1/projects/proj/models/instances/list?a=true",
    );
    expect(request!.json).toEqual({ limit: 1 });
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers["cdf-version"]).toBe("20230101");
    expect(request!.headers["x-cdp-app"]).toBe("tests");
    expect(request!.headers["content-type"]).toBe("application/json");
  });

  it("refuses, when made, a header no request could carry, without showing its value", () => {
    const make = (extra: {
      headers?: Record<string, string>;
      appName?: string;
    }) =>
      new HttpClient({
        baseUrl: server.url,
        project: "proj",
        transport,
        tokenSource: createTokenSource(
          { token: TOKEN },
          {
            transport,
            clock: fakeClock(),
          },
        ),
        ...extra,
      });
    expect(() =>
      make({ headers: { "x-api-key": "key-1\nX-Evil: 1" } }),
    ).toThrow(
      new TypeError(
        'headers: header "x-api-key" has a character that cannot be sent in an HTTP header: U+000A at position 6',
      ),
    );
    expect(() => make({ headers: { "bad header": "v" } })).toThrow(
      new TypeError(
        'headers: header "bad header" is not a valid HTTP header name',
      ),
    );
    expect(() => make({ appName: "データ同期" })).toThrow(
      new TypeError(
        'appName: header "x-cdp-app" has a character that cannot be sent in an HTTP header: U+30C7 at position 1',
      ),
    );
    // Latin-1 is what HTTP allows beyond ASCII.
    expect(() => make({ appName: "café sync" })).not.toThrow();
  });

  it.each([
    [
      "westeurope-1.cognitedata.com",
      'baseUrl: "westeurope-1.cognitedata.com" is not an http:// or https:// URL',
    ],
    [
      "localhost:4000",
      'baseUrl: "localhost:4000" is not an http:// or https:// URL',
    ],
    ["https://", 'baseUrl: "https://" is not an http:// or https:// URL'],
    ["ftp://files", 'baseUrl: "ftp://files" is not an http:// or https:// URL'],
    [
      "https://x.cognitedata.com/?project=p",
      'baseUrl: "https://x.cognitedata.com/?project=p" has a query or fragment; give the cluster URL alone',
    ],
  ])("refuses the base URL %j when made", (baseUrl, message) => {
    const tokenSource = createTokenSource(
      { token: TOKEN },
      { transport, clock: fakeClock() },
    );
    expect(
      () => new HttpClient({ baseUrl, project: "p", transport, tokenSource }),
    ).toThrow(new TypeError(message));
  });

  it("refuses an empty project name when made", () => {
    const tokenSource = createTokenSource(
      { token: TOKEN },
      { transport, clock: fakeClock() },
    );
    expect(
      () =>
        new HttpClient({
          baseUrl: server.url,
          project: " ",
          transport,
          tokenSource,
        }),
    ).toThrow(
      new TypeError(`project: expected the CDF project's name, got " "`),
    );
  });

  it("retries 429/502/503/504/408 with full-jitter backoff on the fake clock", async () => {
    server.enqueue(
      dmsError(503, "down"),
      dmsError(429, "slow"),
      dmsError(502, "gw"),
      dmsError(504, "gw"),
      dmsError(408, "t"),
    );
    server.enqueue({ status: 200, body: { ok: true } });
    const events: HttpEvent[] = [];
    const { http, clock } = client({ events });
    expect(await http.postJson("/x", {})).toEqual({ ok: true });
    // random 0.5 → half of min(30 000, 500·2^n)
    expect(clock.sleeps).toEqual([250, 500, 1000, 2000, 4000]);
    expect(events.map((e) => (e.type === "retry" ? e.status : e.type))).toEqual(
      [503, 429, 502, 504, 408],
    );
  });

  it("honours Retry-After", async () => {
    server.enqueue(
      { ...dmsError(429, "slow"), headers: { "retry-after": "3" } },
      { status: 200, body: {} },
    );
    const { http, clock } = client();
    await http.postJson("/x", {});
    expect(clock.sleeps).toEqual([3000]);
  });

  it("retries cdf-is-auto-retryable 500s but never 400, 403 or 409", async () => {
    server.enqueue(
      {
        ...dmsError(500, "oops"),
        headers: { "cdf-is-auto-retryable": "true" },
      },
      { status: 200, body: {} },
    );
    const { http } = client();
    await http.postJson("/x", {});
    expect(server.requests).toHaveLength(2);
    for (const status of [400, 403, 409]) {
      server.enqueue({
        ...dmsError(status, "no"),
        headers: { "cdf-is-auto-retryable": "true" },
      });
      const before = server.requests.length;
      await expect(http.postJson("/x", {})).rejects.toBeInstanceOf(DmsError);
      expect(server.requests.length - before).toBe(1);
    }
  });

  it("gives up after maxAttempts with the last error", async () => {
    server.setHandler(() => dmsError(503, "still down"));
    const { http, clock } = client({ retry: { maxAttempts: 3 } });
    const error = (await http
      .postJson("/x", {})
      .catch((e: unknown) => e)) as DmsError;
    expect(error).toBeInstanceOf(DmsError);
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(3);
    expect(error.message).toContain("(after 3 attempts)");
    expect(clock.sleeps).toHaveLength(2);
  });

  it("retries a connection reset and maps a refused connection to TransportError", async () => {
    server.enqueue({ reset: true }, { status: 200, body: { ok: 1 } });
    const { http } = client();
    expect(await http.postJson("/x", {})).toEqual({ ok: 1 });
    const closed = await startFaultServer();
    const url = closed.url;
    await closed.close();
    const clock = fakeClock();
    const refused = new HttpClient({
      baseUrl: url,
      project: "p",
      transport,
      tokenSource: createTokenSource({ token: TOKEN }, { transport, clock }),
      clock,
      retry: { maxAttempts: 2 },
    });
    const error = (await refused
      .postJson("/x", {})
      .catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.kind).toBe("connection");
    expect(error.attempts).toBe(2);
    expect(error.message).toContain(
      `Could not reach the server: POST ${url}/api/v1/projects/p/x`,
    );
  });

  it("builds typed errors with request id, missing and duplicated", async () => {
    server.enqueue({
      ...dmsError(400, "Instances not found", {
        missing: [{ space: "s", externalId: "a" }],
        duplicated: [{ space: "s", externalId: "b" }],
      }),
      headers: { "x-request-id": "rid-7" },
    });
    server.enqueue(
      dmsError(409, "A version conflict caused the ingest to fail."),
    );
    const { http } = client();
    const error = (await http
      .postJson("/x", {})
      .catch((e: unknown) => e)) as DmsError;
    expect(error.status).toBe(400);
    expect(error.code).toBe(400);
    expect(error.apiMessage).toBe("Instances not found");
    expect(error.missing).toEqual([{ space: "s", externalId: "a" }]);
    expect(error.duplicated).toEqual([{ space: "s", externalId: "b" }]);
    expect(error.requestId).toBe("rid-7");
    await expect(http.postJson("/x", {})).rejects.toBeInstanceOf(
      VersionConflictError,
    );
  });

  it("on 401 fetches a new token once and retries; a second 401 fails without echoing the token", async () => {
    let calls = 0;
    const credentials: Credentials = {
      tokenProvider: async () => `provided-token-${++calls}-abcdefgh`,
    };
    server.enqueue(dmsError(401, "expired"), {
      status: 200,
      body: { ok: true },
    });
    const events: HttpEvent[] = [];
    const { http } = client({ credentials, events });
    expect(await http.postJson("/x", {})).toEqual({ ok: true });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer provided-token-1-abcdefgh",
      "Bearer provided-token-2-abcdefgh",
    ]);
    expect(events).toEqual([
      {
        type: "token-refresh",
        method: "POST",
        url: `${server.url}/api/v1/projects/proj/x`,
      },
    ]);

    server.setHandler(() => ({
      status: 401,
      body: `{"error":{"code":401,"message":"bad token provided-token-4-abcdefgh"}}`,
    }));
    const error = (await http
      .postJson("/x", {})
      .catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).not.toContain("provided-token");
    expect(error.message).toContain("failed with 401");
    expect(JSON.stringify(error)).not.toContain("provided-token");
  });

  it("does not retry a 401 with a static token", async () => {
    server.enqueue(dmsError(401, "Unauthorized"));
    const { http } = client();
    const error = (await http
      .postJson("/x", {})
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(server.requests).toHaveLength(1);
    expect(String(error.stack)).not.toContain(TOKEN);
  });

  it("stops waiting and sending when the signal aborts", async () => {
    server.enqueue({ status: 200, body: {}, delayMs: 2000 });
    const { http } = client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user gave up")), 50);
    await expect(
      http.postJson("/x", {}, { signal: controller.signal }),
    ).rejects.toThrow("user gave up");
    await expect(
      http.postJson("/x", {}, { signal: controller.signal }),
    ).rejects.toThrow("user gave up");
    expect(server.requests).toHaveLength(1);
  });
});

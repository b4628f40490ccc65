import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTokenSource } from "./auth.js";
import { TokenError } from "./errors.js";
import { createUndiciTransport } from "./transport-undici.js";
import type { Transport } from "./transport.js";
import {
  fakeClock,
  startFaultServer,
  type FaultServer,
} from "../../../test/support/fault-server.js";

let server: FaultServer;
let transport: Transport;
beforeEach(async () => {
  server = await startFaultServer();
  transport = createUndiciTransport();
});
afterEach(async () => {
  await transport.close();
  await server.close();
});

const SECRET = "client-secret-value-42";

function grant(url: string) {
  return {
    clientCredentials: {
      tokenUrl: `${url}/oauth/token`,
      clientId: "my-app",
      clientSecret: SECRET,
      scopes: ["https://api.cognitedata.com/.default", "offline"],
    },
  };
}

describe("client credentials", () => {
  it("posts the grant, caches the token and refreshes ahead of expiry", async () => {
    let issued = 0;
    server.setHandler(() => ({
      status: 200,
      body: { access_token: `tok-${++issued}-xxxxxxxx`, expires_in: 3600 },
    }));
    const clock = fakeClock();
    const source = createTokenSource(grant(server.url), {
      transport,
      clock,
      refreshLeewayMs: 60_000,
    });
    expect(await source.getToken()).toBe("tok-1-xxxxxxxx");
    expect(await source.getToken()).toBe("tok-1-xxxxxxxx");
    expect(server.requests).toHaveLength(1);
    const form = new URLSearchParams(server.requests[0]!.text);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "client_credentials",
      client_id: "my-app",
      client_secret: SECRET,
      scope: "https://api.cognitedata.com/.default offline",
    });
    expect(server.requests[0]!.headers["content-type"]).toBe(
      "application/x-www-form-urlencoded",
    );
    clock.advance(3600_000 - 61_000);
    expect(await source.getToken()).toBe("tok-1-xxxxxxxx");
    clock.advance(2_000); // now within the leeway
    expect(await source.getToken()).toBe("tok-2-xxxxxxxx");
  });

  it("trims the endpoint's access_token, and refuses one no header can carry", async () => {
    const tokens = ["tok-1\n", "tok\r\n2"];
    server.setHandler(() => ({
      status: 200,
      body: { access_token: tokens.shift(), expires_in: 1 },
    }));
    const clock = fakeClock();
    const source = createTokenSource(grant(server.url), { transport, clock });
    expect(await source.getToken()).toBe("tok-1");
    clock.advance(2_000);
    await expect(source.getToken()).rejects.toThrow(
      new TokenError(
        "The token endpoint's access_token has a character that cannot be sent in an HTTP header: U+000D at position 4",
      ),
    );
  });

  it("keeps one refresh in flight for concurrent callers", async () => {
    server.setHandler(() => ({
      status: 200,
      delayMs: 30,
      body: { access_token: "shared-token-abc", expires_in: 60 },
    }));
    const source = createTokenSource(grant(server.url), {
      transport,
      clock: fakeClock(),
      refreshLeewayMs: 0,
    });
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => source.getToken()),
    );
    expect(new Set(tokens)).toEqual(new Set(["shared-token-abc"]));
    expect(server.requests).toHaveLength(1);
  });

  it("invalidate forgets the rejected token only", async () => {
    let issued = 0;
    server.setHandler(() => ({
      status: 200,
      body: { access_token: `t${++issued}-abcdefgh`, expires_in: 3600 },
    }));
    const source = createTokenSource(grant(server.url), {
      transport,
      clock: fakeClock(),
    });
    const first = await source.getToken();
    source.invalidate("some-older-token");
    expect(await source.getToken()).toBe(first);
    source.invalidate(first);
    expect(await source.getToken()).toBe("t2-abcdefgh");
  });

  it("explains a refused grant without the secret", async () => {
    server.setHandler(() => ({
      status: 401,
      body: {
        error: "invalid_client",
        error_description: `bad secret ${SECRET}\ntrace id 1`,
      },
    }));
    const source = createTokenSource(grant(server.url), {
      transport,
      clock: fakeClock(),
    });
    const error = (await source
      .getToken()
      .catch((e: unknown) => e)) as TokenError;
    expect(error).toBeInstanceOf(TokenError);
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `The token endpoint ${server.url}/oauth/token refused client my-app with 401: invalid_client: bad secret ***`,
    );
  });

  it("retries the token endpoint on 503", async () => {
    server.enqueue({ status: 503, body: {} });
    server.setHandler(() => ({
      status: 200,
      body: { access_token: "after-retry-token", expires_in: 60 },
    }));
    const clock = fakeClock();
    const source = createTokenSource(grant(server.url), {
      transport,
      clock,
      random: () => 0.5,
    });
    expect(await source.getToken()).toBe("after-retry-token");
    expect(clock.sleeps).toEqual([250]);
  });
});

describe("token providers", () => {
  it("asks a plain-string provider for each request, sharing concurrent calls", async () => {
    let calls = 0;
    const source = createTokenSource(
      {
        tokenProvider: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 5));
          return `p${calls}-abcdef`;
        },
      },
      { transport, clock: fakeClock() },
    );
    const [a, b] = await Promise.all([source.getToken(), source.getToken()]);
    expect([a, b, calls]).toEqual(["p1-abcdef", "p1-abcdef", 1]);
    expect(await source.getToken()).toBe("p2-abcdef");
  });

  it("caches provider tokens with an expiry", async () => {
    let calls = 0;
    const clock = fakeClock();
    const source = createTokenSource(
      {
        tokenProvider: async () => ({
          accessToken: `p${++calls}-abcdef`,
          expiresAt: clock.now() + 120_000,
        }),
      },
      { transport, clock },
    );
    await source.getToken();
    await source.getToken();
    expect(calls).toBe(1);
  });

  it("wraps provider failures without leaking known tokens", async () => {
    let first = true;
    const source = createTokenSource(
      {
        tokenProvider: async () => {
          if (first) {
            first = false;
            return "known-token-123456";
          }
          throw new Error("cannot refresh known-token-123456");
        },
      },
      { transport, clock: fakeClock() },
    );
    await source.getToken();
    await expect(source.getToken()).rejects.toThrow(
      "The token provider failed: cannot refresh ***",
    );
  });

  it("static tokens cannot refresh", () => {
    const source = createTokenSource(
      { token: "abc" },
      { transport, clock: fakeClock() },
    );
    expect(source.canRefresh).toBe(false);
    expect(() =>
      createTokenSource({ token: "" }, { transport, clock: fakeClock() }),
    ).toThrow(TokenError);
  });

  it("tokens lose surrounding whitespace; a character no header can carry is refused without the token", async () => {
    const context = { transport, clock: fakeClock() };
    // A token read from a file usually ends with a line break.
    const fromFile = createTokenSource({ token: " tok-123\r\n" }, context);
    expect(await fromFile.getToken()).toBe("tok-123");
    for (const [token, where] of [
      ["tok\r\nX-Injected: 1", "U+000D at position 4"],
      ["tök", "U+00F6 at position 2"],
      ["tok en", "U+0020 at position 4"],
    ] as const) {
      const error = (() => {
        try {
          createTokenSource({ token }, context);
        } catch (e) {
          return e as Error;
        }
        throw new Error("accepted");
      })();
      expect(error).toBeInstanceOf(TokenError);
      expect(error.message).toBe(
        `The static token has a character that cannot be sent in an HTTP header: ${where}`,
      );
    }
    expect(() => createTokenSource({ token: " \n" }, context)).toThrow(
      "The static token is empty",
    );
    // A provider's token alike: trimmed, or refused once (not asked again and again).
    let asked = 0;
    const trimmed = createTokenSource(
      { tokenProvider: async () => (asked++, "tok-456\n") },
      context,
    );
    expect(await trimmed.getToken()).toBe("tok-456");
    const bad = createTokenSource(
      { tokenProvider: async () => (asked++, "secret\u0000value") },
      context,
    );
    await expect(bad.getToken()).rejects.toThrow(
      new TokenError(
        "The token provider's token has a character that cannot be sent in an HTTP header: U+0000 at position 7",
      ),
    );
    expect(asked).toBe(2);
  });

  it("refuses a token URL no request could go to when made; one with a query is fine", () => {
    const context = { transport, clock: fakeClock() };
    const withUrl = (tokenUrl: string) => ({
      clientCredentials: {
        tokenUrl,
        clientId: "id",
        clientSecret: SECRET,
        scopes: [],
      },
    });
    expect(() =>
      createTokenSource(withUrl("login.example.com/oauth2/token"), context),
    ).toThrow(
      new TypeError(
        'clientCredentials.tokenUrl: "login.example.com/oauth2/token" is not an http:// or https:// URL',
      ),
    );
    expect(() =>
      createTokenSource(
        withUrl("https://login.example.com/token?api-version=1.0"),
        context,
      ),
    ).not.toThrow();
  });
});

describe("token lifetimes (issue 26: a token is reused until shortly before its expiry)", () => {
  // expires_in as the endpoint writes it (JSON text) → seconds after which a new token is fetched:
  // the lifetime less min(60 s, half the lifetime); 300 s assumed when unusable; a day at most.
  const cases: [string, number, string][] = [
    ["30 (under the 60 s leeway)", 15, "30"],
    ["59", 29.5, "59"],
    ["120 (twice the leeway)", 60, "120"],
    ["3600", 3540, "3600"],
    ["0", 240, "0"],
    ["-5", 240, "-5"],
    ["missing", 240, ""],
    ["null", 240, "null"],
    ['"abc"', 240, '"abc"'],
    ['"90" (a numeric string)', 45, '"90"'],
    ["1e400 (Infinity when parsed)", 86_340, "1e400"],
    ["1e12", 86_340, "1e12"],
  ];
  it.each(cases)(
    "expires_in %s: one fetch for 20 requests, the next one %s s later",
    async (_name, refreshAfterS, expiresIn) => {
      let issued = 0;
      server.setHandler(() => ({
        status: 200,
        headers: { "content-type": "application/json" },
        body: `{"access_token":"tok-${++issued}-abcdefgh"${expiresIn ? `,"expires_in":${expiresIn}` : ""}}`,
      }));
      const clock = fakeClock();
      const source = createTokenSource(grant(server.url), { transport, clock });
      for (let i = 0; i < 20; i++)
        expect(await source.getToken()).toBe("tok-1-abcdefgh");
      expect(server.requests).toHaveLength(1);
      clock.advance(refreshAfterS * 1000 - 1);
      expect(await source.getToken()).toBe("tok-1-abcdefgh");
      clock.advance(1);
      expect(await source.getToken()).toBe("tok-2-abcdefgh");
      expect(server.requests).toHaveLength(2);
    },
  );

  it("scales the leeway down for a provider's short-lived token too", async () => {
    let calls = 0;
    const clock = fakeClock();
    const source = createTokenSource(
      {
        tokenProvider: async () => ({
          accessToken: `p${++calls}-abcdef`,
          expiresAt: clock.now() + 40_000,
        }),
      },
      { transport, clock },
    );
    for (let i = 0; i < 10; i++) await source.getToken();
    expect(calls).toBe(1);
    clock.advance(20_000);
    await source.getToken();
    expect(calls).toBe(2);
  });
});

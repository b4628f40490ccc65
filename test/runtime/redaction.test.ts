// Secret redaction in every encoding a secret takes on its way out (issue 12 item 4): one test per
// encoding, each computed here independently of the runtime, and a token endpoint that echoes
// the form body it was sent.
import { afterEach, describe, expect, it } from "vitest";
import { createTokenSource } from "../../templates/runtime/core/auth.js";
import { TokenError } from "../../templates/runtime/core/errors.js";
import { redactSecrets } from "../../templates/runtime/core/explain.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import {
  fakeClock,
  startFaultServer,
  type FaultServer,
} from "../support/fault-server.js";

const CLIENT_ID = "my-app";
// Characters every encoding treats differently: space, /, +, =, &, ", \, non-ASCII, a control.
const SECRET = 'Ab/+= &"\\ü~*\u0001-Z9';

/** Every encoding, computed by hand from Node's own primitives. */
const encodings: Record<string, string> = {
  raw: SECRET,
  "URL-encoded (encodeURIComponent)": encodeURIComponent(SECRET),
  "URL-encoded, lower-case hex": encodeURIComponent(SECRET).replace(
    /%[0-9A-F]{2}/g,
    (m) => m.toLowerCase(),
  ),
  "form-encoded (application/x-www-form-urlencoded)": Buffer.from(SECRET)
    .toString("hex")
    .match(/../g)!
    .map((hex) => {
      const c = String.fromCharCode(parseInt(hex, 16));
      if (/[A-Za-z0-9*\-._]/.test(c)) return c;
      if (c === " ") return "+";
      return `%${hex.toUpperCase()}`;
    })
    .join(""),
  "JSON-escaped": JSON.stringify(SECRET).slice(1, -1),
  "JSON-escaped with \\/ and \\u escapes": JSON.stringify(SECRET)
    .slice(1, -1)
    .replace(/\//g, "\\/")
    .replace(/ü/g, "\\u00fc"),
  "base64 of id:secret (Basic auth)": Buffer.from(
    `${CLIENT_ID}:${SECRET}`,
  ).toString("base64"),
  "base64 of the secret": Buffer.from(SECRET).toString("base64"),
  "base64url of the secret": Buffer.from(SECRET).toString("base64url"),
};

describe("redactSecrets", () => {
  it("the encodings really differ from the raw secret", () => {
    const forms = Object.values(encodings);
    expect(new Set(forms).size).toBe(forms.length);
  });

  it.each(Object.entries(encodings))(
    "removes the secret %s",
    (_name, encoded) => {
      const text = `before ${encoded} after`;
      const redacted = redactSecrets(text, [SECRET, `${CLIENT_ID}:${SECRET}`]);
      expect(redacted).toBe("before *** after");
    },
  );

  it("leaves text without the secret alone", () => {
    expect(redactSecrets("nothing to hide here", [SECRET])).toBe(
      "nothing to hide here",
    );
  });
});

describe("a token endpoint that echoes what it was sent", () => {
  let server: FaultServer;
  afterEach(async () => {
    await server.close();
  });

  it.each([
    ["the form body", (body: string) => body],
    ["the form body, JSON-escaped", (body: string) => JSON.stringify(body)],
    [
      "the decoded secret",
      (body: string) => new URLSearchParams(body).get("client_secret")!,
    ],
    [
      "the Basic credentials",
      () => `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString("base64")}`,
    ],
  ])("never lets %s into the TokenError", async (_name, echo) => {
    server = await startFaultServer();
    server.setHandler((request) => ({
      status: 400,
      body: {
        error: "invalid_client",
        error_description: `bad request: ${echo(request.text)}`,
      },
    }));
    const transport = createUndiciTransport({ timeoutMs: 5000 });
    const source = createTokenSource(
      {
        clientCredentials: {
          clientId: CLIENT_ID,
          clientSecret: SECRET,
          tokenUrl: `${server.url}/token`,
          scopes: [],
        },
      },
      { transport, clock: fakeClock(), random: () => 0.5 },
    );
    const error = await source.getToken().catch((e: unknown) => e);
    await transport.close();
    expect(error).toBeInstanceOf(TokenError);
    const message = (error as Error).message;
    expect(message).toContain("invalid_client");
    for (const [name, encoded] of Object.entries(encodings)) {
      expect(message, name).not.toContain(encoded);
    }
    expect(server.requests[0]!.text).toContain(
      encodings["form-encoded (application/x-www-form-urlencoded)"],
    );
  });
});

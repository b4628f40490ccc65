// The OAuth client credentials grant, loaded by `auth.ts` only for `clientCredentials`.

import type * as errors from "./errors.js";
import type * as retry from "./retry.js";
import type {
  AccessToken,
  ClientCredentials,
  TokenSourceContext,
} from "./auth.js";

/**
 * What the grant uses of the code an app loads up front, handed in by `auth.ts`: a static import
 * from this lazily loaded module would give each module it reaches a bundle chunk of its own
 * (bundlers key a module's chunk by the entry points that reach it).
 */
export type OAuthRuntime = Pick<
  typeof errors,
  "redacted" | "TokenError" | "TransportError"
> &
  Pick<typeof retry, "retryDelay" | "DEFAULT_RETRY_POLICY">;

/** Runs the client credentials grant, retrying connection errors, 429 and 5xx up to 3 attempts. */
export async function fetchClientCredentialsToken(
  grant: ClientCredentials,
  context: TokenSourceContext,
  runtime: OAuthRuntime,
): Promise<AccessToken> {
  const { redacted, TokenError, TransportError } = runtime;
  const { tokenUrl, clientId, clientSecret, scopes, audience } = grant;
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
  });
  if (scopes.length > 0) form.set("scope", scopes.join(" "));
  if (audience) form.set("audience", audience);
  for (let attempt = 1; ; attempt++) {
    const startedAt = context.clock.now();
    try {
      const { status, body } = await context.transport.request({
        method: "POST",
        url: tokenUrl,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: form.toString(),
      });
      if ((status !== 429 && status < 500) || attempt >= 3) {
        let json: Record<string, unknown> = {};
        try {
          json = (JSON.parse(body) as typeof json | null) ?? {};
        } catch {
          // described below by what is missing
        }
        const text = (value: unknown): string =>
          typeof value === "string" ? value : "";
        const accessToken = text(json.access_token);
        if (status < 200 || status >= 300 || !accessToken) {
          const detail = await redacted(
            [text(json.error), text(json.error_description).split("\n")[0]]
              .filter(Boolean)
              .join(": "),
            [clientSecret, `${clientId}:${clientSecret}`],
          );
          throw new TokenError(
            status >= 200 && status < 300
              ? `The token endpoint ${tokenUrl} answered without an access_token`
              : `The token endpoint ${tokenUrl} refused client ${clientId} with ${status}${detail && `: ${detail}`}`,
            { status },
          );
        }
        // Without a usable `expires_in`, 5 minutes; one that dies sooner is refreshed on the 401.
        const { expires_in: expiresIn } = json;
        const seconds = /^(number|string)$/.test(typeof expiresIn)
          ? Number(expiresIn)
          : 0;
        return {
          accessToken,
          expiresAt: startedAt + (seconds > 0 ? seconds : 300) * 1000,
        };
      }
    } catch (error) {
      if (!(error instanceof TransportError) || attempt >= 3) throw error;
    }
    const delayMs = runtime.retryDelay(
      runtime.DEFAULT_RETRY_POLICY,
      attempt,
      0,
      context.random ?? Math.random,
    );
    // Defined: 3 attempts are far below the policy's limits.
    await context.clock.sleep(delayMs ?? 0);
  }
}

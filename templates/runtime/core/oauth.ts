// The OAuth client credentials grant, loaded by `auth.ts` only when an app authenticates with
// `clientCredentials` (an app passing a token or a token provider never loads it).

import { redactSecrets, TokenError, TransportError } from "./errors.js";
import { backoffDelay, DEFAULT_RETRY_POLICY } from "./retry.js";
import {
  MAX_TOKEN_LIFETIME_S,
  type AccessToken,
  type ClientCredentials,
  type TokenSourceContext,
} from "./auth.js";

const TOKEN_ATTEMPTS = 3;

/**
 * The lifetime assumed for a token whose endpoint gives no usable `expires_in` (missing, not a
 * number, zero or negative): 5 minutes. A token that dies sooner is refreshed after the 401.
 */
const DEFAULT_TOKEN_LIFETIME_S = 300;

/** Runs the client credentials grant, retrying connection errors, 429 and 5xx a few times. */
export async function fetchClientCredentialsToken(
  grant: ClientCredentials,
  context: TokenSourceContext,
  signal?: AbortSignal,
): Promise<AccessToken> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
  });
  if (grant.scopes.length > 0) form.set("scope", grant.scopes.join(" "));
  if (grant.audience) form.set("audience", grant.audience);
  for (let attempt = 1; ; attempt++) {
    const startedAt = context.clock.now();
    try {
      const response = await context.transport.request({
        method: "POST",
        url: grant.tokenUrl,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: form.toString(),
        ...(signal ? { signal } : {}),
      });
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= TOKEN_ATTEMPTS)
        return parseTokenResponse(
          grant,
          response.status,
          response.body,
          startedAt,
        );
    } catch (error) {
      if (!(error instanceof TransportError) || attempt >= TOKEN_ATTEMPTS)
        throw error;
    }
    await context.clock.sleep(
      backoffDelay(
        DEFAULT_RETRY_POLICY,
        attempt - 1,
        context.random ?? Math.random,
      ),
      signal,
    );
  }
}

function parseTokenResponse(
  grant: ClientCredentials,
  status: number,
  body: string,
  requestedAt: number,
): AccessToken {
  let json: Record<string, unknown> | undefined;
  try {
    json = (JSON.parse(body) as Record<string, unknown> | null) ?? undefined;
  } catch {
    // described below by what is missing
  }
  const text = (value: unknown): string =>
    typeof value === "string" ? value : "";
  if (status < 200 || status >= 300) {
    const detail = redactSecrets(
      [text(json?.error), text(json?.error_description).split("\n")[0]]
        .filter(Boolean)
        .join(": "),
      [grant.clientSecret, `${grant.clientId}:${grant.clientSecret}`],
    );
    throw new TokenError(
      `The token endpoint ${grant.tokenUrl} refused client ${grant.clientId} with ${status}` +
        (detail ? `: ${detail}` : ""),
      { status },
    );
  }
  const accessToken = text(json?.access_token);
  if (accessToken === "")
    throw new TokenError(
      `The token endpoint ${grant.tokenUrl} answered without an access_token`,
      { status },
    );
  return {
    accessToken,
    expiresAt: requestedAt + tokenLifetimeSeconds(json?.expires_in) * 1000,
  };
}

/**
 * The lifetime of a token from its `expires_in`: a positive number (or numeric string) up to
 * `MAX_TOKEN_LIFETIME_S`; anything else `DEFAULT_TOKEN_LIFETIME_S`, so that a token is always
 * cached for a while (never fetched for every request).
 */
function tokenLifetimeSeconds(expiresIn: unknown): number {
  const seconds =
    typeof expiresIn === "number" ||
    (typeof expiresIn === "string" && expiresIn.trim() !== "")
      ? Number(expiresIn)
      : NaN;
  if (Number.isNaN(seconds) || seconds <= 0) return DEFAULT_TOKEN_LIFETIME_S;
  return Math.min(seconds, MAX_TOKEN_LIFETIME_S);
}

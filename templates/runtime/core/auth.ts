// Where bearer tokens come from: a static token, an async token provider, or OAuth client
// credentials (`oauth.ts`, loaded when first used). Tokens are cached, refreshed ahead of expiry
// with one refresh in flight, and invalidated after a 401. No token or secret ever goes into an
// error message.

import { TokenError, TransportError, redactSecrets } from "./errors.js";
import type { Clock } from "./retry.js";
import { checkHttpUrl, type Transport } from "./transport.js";

/** A token with an optional expiry, as a token provider may return it. */
export interface AccessToken {
  readonly accessToken: string;
  /** Expiry in epoch milliseconds; without it the provider is asked again for every request. */
  readonly expiresAt?: number;
}

/** OAuth 2.0 client credentials grant (e.g. Entra ID, Auth0, Keycloak). */
export interface ClientCredentials {
  /** The token endpoint, e.g. `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes, e.g. `["https://api.cognitedata.com/.default"]`. */
  readonly scopes: readonly string[];
  /** Sent as `audience` when set (Auth0-style providers). */
  readonly audience?: string;
}

/** How the client authenticates. */
export type Credentials =
  | { readonly token: string }
  | {
      /**
       * Returns a token. A plain string is not cached (the provider is asked before each request,
       * concurrent asks share one call); an `AccessToken` with `expiresAt` is cached until shortly
       * before it expires.
       */
      readonly tokenProvider: (
        signal?: AbortSignal,
      ) => Promise<string | AccessToken>;
    }
  | { readonly clientCredentials: ClientCredentials };

/** Hands out tokens to the HTTP client. */
export interface TokenSource {
  /** A valid token (cached, or fetched with a single request in flight). */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Forgets a token the API rejected with 401, so the next `getToken` fetches a new one. */
  invalidate(rejectedToken: string): void;
  /** Whether `invalidate` can lead to a different token (false for a static token). */
  readonly canRefresh: boolean;
  /** Every secret this source knows now (tokens, client secret), for redaction. */
  secrets(): string[];
}

/** What a token source needs from its surroundings. */
export interface TokenSourceContext {
  readonly transport: Transport;
  readonly clock: Clock;
  /** Refresh this long before expiry (ms), at most half the token's lifetime. Default 60 000. */
  readonly refreshLeewayMs?: number;
  readonly random?: () => number;
}

/** Builds the token source for the given credentials. */
export function createTokenSource(
  credentials: Credentials,
  context: TokenSourceContext,
): TokenSource {
  if ("token" in credentials) {
    const token = headerReadyToken(credentials.token, "The static token");
    return {
      getToken: async () => token,
      invalidate: () => {},
      canRefresh: false,
      secrets: () => [token],
    };
  }
  if ("tokenProvider" in credentials)
    return cachingTokenSource(
      credentials.tokenProvider,
      context,
      [],
      "The token provider's token",
    );
  const grant = credentials.clientCredentials;
  checkHttpUrl("clientCredentials.tokenUrl", grant.tokenUrl);
  return cachingTokenSource(
    async () =>
      (await import("./oauth.js")).fetchClientCredentialsToken(grant, context),
    context,
    // The client secret, and the `id:secret` pair a token endpoint may see as Basic auth.
    [grant.clientSecret, `${grant.clientId}:${grant.clientSecret}`],
    "The token endpoint's access_token",
  );
}

function cachingTokenSource(
  fetchToken: () => Promise<string | AccessToken>,
  context: TokenSourceContext,
  fixedSecrets: readonly string[],
  /** What the token is called in errors. */
  what: string,
): TokenSource {
  const leewayMs = context.refreshLeewayMs ?? 60_000;
  let cached: { value: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  // The last few tokens, for redaction.
  const seen: string[] = [];
  const secrets = (): string[] => [...fixedSecrets, ...seen];

  const refresh = async (): Promise<string> => {
    try {
      const fetchedAt = context.clock.now();
      const result = await fetchToken();
      const token = headerReadyToken(
        typeof result === "string" ? result : result.accessToken,
        what,
      );
      if (!seen.includes(token) && seen.push(token) > 4) seen.shift();
      cached =
        typeof result !== "string" && result.expiresAt !== undefined
          ? {
              value: token,
              refreshAt: refreshTime(fetchedAt, result.expiresAt, leewayMs),
            }
          : undefined;
      return token;
    } catch (error) {
      if (error instanceof TokenError || error instanceof TransportError)
        throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new TokenError(
        `The token provider failed: ${redactSecrets(message, secrets())}`,
      );
    } finally {
      inFlight = undefined;
    }
  };

  return {
    getToken: (signal) => {
      if (cached && context.clock.now() < cached.refreshAt)
        return Promise.resolve(cached.value);
      // One refresh at a time: later callers share it. The fetch itself is not tied to one
      // caller's signal, so aborting one request does not fail the others waiting for the token.
      inFlight ??= refresh();
      return abortable(inFlight, signal);
    },
    invalidate: (rejected) => {
      if (cached?.value === rejected) cached = undefined;
    },
    canRefresh: true,
    secrets,
  };
}

/** The longest lifetime believed from an expiry (a day); tokens said to live longer are refreshed. */
export const MAX_TOKEN_LIFETIME_S = 86_400;

/**
 * When a token fetched at `fetchedAt` is refreshed: `leewayMs` before it expires, but never more
 * than half its lifetime before (else a token living less than the leeway is never reused, and
 * every request fetches one), and no later than `MAX_TOKEN_LIFETIME_S` after it was fetched.
 */
function refreshTime(
  fetchedAt: number,
  expiresAt: number,
  leewayMs: number,
): number {
  if (Number.isNaN(expiresAt)) return fetchedAt;
  const expiry = Math.min(expiresAt, fetchedAt + MAX_TOKEN_LIFETIME_S * 1000);
  const lifetime = Math.max(0, expiry - fetchedAt);
  return expiry - Math.min(leewayMs, lifetime / 2);
}

/**
 * A token as it goes into the Authorization header: surrounding whitespace removed (a token read
 * from a file often ends with a line break), and then only visible ASCII, as bearer tokens are.
 * Otherwise a `TokenError` that says where the bad character is, without showing the token: sent
 * as it was, the HTTP layer refused the header, and that was retried as a connection failure.
 */
function headerReadyToken(token: unknown, what: string): string {
  if (typeof token !== "string")
    throw new TokenError(`${what} is not a string (${typeof token})`);
  const trimmed = token.trim();
  if (!trimmed) throw new TokenError(`${what} is empty`);
  const bad = /[^\x21-\x7e]/.exec(trimmed);
  if (bad)
    throw new TokenError(
      `${what} has a character that cannot be sent in an HTTP header: U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} at position ${bad.index + 1} of ${trimmed.length}`,
    );
  return trimmed;
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise
      .finally(() => signal.removeEventListener("abort", onAbort))
      .then(resolve, reject);
  });
}

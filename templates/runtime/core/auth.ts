// Bearer tokens from a static token, a token provider or OAuth client credentials (`oauth.ts`,
// loaded when first used): cached, refreshed early with one refresh in flight, dropped on a 401.

import { TokenError, TransportError, redacted } from "./errors.js";
import { DEFAULT_RETRY_POLICY, retryDelay, type Clock } from "./retry.js";
import { checkHttpUrl, headerProblem, type Transport } from "./transport.js";

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
  /** e.g. `["https://api.cognitedata.com/.default"]`. */
  readonly scopes: readonly string[];
  /** Sent as `audience` when set (Auth0-style providers). */
  readonly audience?: string;
}

export type Credentials =
  | { readonly token: string }
  | {
      /** A token; a string is not cached, an `AccessToken` until shortly before `expiresAt`. */
      readonly tokenProvider: (
        signal?: AbortSignal,
      ) => Promise<string | AccessToken>;
    }
  | { readonly clientCredentials: ClientCredentials };

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

export interface TokenSourceContext {
  readonly transport: Transport;
  readonly clock: Clock;
  /** Refresh this long before expiry (ms), at most half the token's lifetime. Default 60 000. */
  readonly refreshLeewayMs?: number | undefined;
  readonly random?: (() => number) | undefined;
}

export function createTokenSource(
  credentials: Credentials,
  context: TokenSourceContext,
): TokenSource {
  if ("token" in credentials) {
    const token = headerReady(credentials.token, "The static token");
    return {
      getToken: async () => token,
      invalidate: () => {},
      canRefresh: false,
      secrets: () => [token],
    };
  }
  let fetchToken: () => Promise<string | AccessToken>;
  let fixedSecrets: string[] = [];
  let what = "The token provider's token";
  if ("tokenProvider" in credentials) fetchToken = credentials.tokenProvider;
  else {
    const grant = credentials.clientCredentials;
    checkHttpUrl("clientCredentials.tokenUrl", grant.tokenUrl);
    fetchToken = async () =>
      (await import("./oauth.js")).fetchClientCredentialsToken(grant, context, {
        redacted,
        TokenError,
        TransportError,
        retryDelay,
        DEFAULT_RETRY_POLICY,
      });
    // The `id:secret` pair too: a token endpoint may see it as Basic auth.
    fixedSecrets = [
      grant.clientSecret,
      `${grant.clientId}:${grant.clientSecret}`,
    ];
    what = "The token endpoint's access_token";
  }
  const { clock, refreshLeewayMs = 60_000 } = context;
  let cached: { value: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  // The last few tokens, for redaction.
  const seen: string[] = [];
  const secrets = (): string[] => [...fixedSecrets, ...seen];

  const refresh = async (): Promise<string> => {
    try {
      const fetchedAt = clock.now();
      const result = await fetchToken();
      const token = headerReady(
        typeof result === "string" ? result : result.accessToken,
        what,
      );
      if (!seen.includes(token) && seen.push(token) > 4) seen.shift();
      // At most half the lifetime early (else a short-lived token is never reused); a day at most.
      const { expiresAt = NaN } = typeof result === "string" ? {} : result;
      const expiry = Math.min(expiresAt, fetchedAt + 86_400_000);
      const leeway = Math.min(
        refreshLeewayMs,
        Math.max(0, expiry - fetchedAt) / 2,
      );
      cached = { value: token, refreshAt: expiry - leeway };
      return token;
    } catch (error) {
      if (error instanceof TokenError || error instanceof TransportError)
        throw error;
      throw new TokenError(
        `The token provider failed: ${await redacted(error instanceof Error ? error.message : String(error), secrets())}`,
      );
    } finally {
      inFlight = undefined;
    }
  };

  return {
    getToken: (signal) => {
      if (cached && clock.now() < cached.refreshAt)
        return Promise.resolve(cached.value);
      // One shared refresh, not tied to a caller's signal: one abort must not fail the others.
      return untilAborted((inFlight ??= refresh()), signal);
    },
    invalidate: (rejected) => {
      if (cached?.value === rejected) cached = undefined;
    },
    canRefresh: true,
    secrets,
  };
}

/** `shared`'s outcome, or the signal's reason if it aborts first (leaving `shared` running). */
export function untilAborted<T>(
  shared: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  return signal
    ? new Promise<T>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        signal.throwIfAborted();
        signal.addEventListener("abort", onAbort, { once: true });
        shared
          .finally(() => signal.removeEventListener("abort", onAbort))
          .then(resolve, reject);
      })
    : shared;
}

function headerReady(token: unknown, what: string): string {
  if (typeof token !== "string")
    throw new TokenError(`${what} is not a string (${typeof token})`);
  const trimmed = token.trim();
  if (!trimmed) throw new TokenError(`${what} is empty`);
  const problem = headerProblem(trimmed, /[^\x21-\x7e]/);
  if (problem) throw new TokenError(what + problem);
  return trimmed;
}

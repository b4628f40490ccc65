// Where bearer tokens come from: a static token, an async token provider, or OAuth client
// credentials. Tokens are cached, refreshed ahead of expiry with one refresh in flight, and
// invalidated after a 401. No token or secret ever goes into an error message.

import {
  basicAuthSecret,
  TokenError,
  TransportError,
  redactSecrets,
} from "./errors.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, type Clock } from "./retry.js";
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
  if ("token" in credentials) return staticTokenSource(credentials.token);
  if ("tokenProvider" in credentials) {
    return cachingTokenSource(
      credentials.tokenProvider,
      context,
      [],
      "The token provider's token",
    );
  }
  const grant = credentials.clientCredentials;
  checkHttpUrl("clientCredentials.tokenUrl", grant.tokenUrl);
  return cachingTokenSource(
    (signal) => fetchClientCredentialsToken(grant, context, signal),
    context,
    grantSecrets(grant),
    "The token endpoint's access_token",
  );
}

/** The client secret, and the `id:secret` pair a token endpoint may see as Basic auth. */
function grantSecrets(grant: ClientCredentials): string[] {
  return [
    grant.clientSecret,
    basicAuthSecret(grant.clientId, grant.clientSecret),
  ];
}

function staticTokenSource(raw: string): TokenSource {
  const token = headerReadyToken(raw, "The static token");
  return {
    getToken: async () => token,
    invalidate: () => {},
    canRefresh: false,
    secrets: () => [token],
  };
}

interface CachedToken {
  readonly value: string;
  readonly refreshAt: number;
}

function cachingTokenSource(
  fetchToken: (signal?: AbortSignal) => Promise<string | AccessToken>,
  context: TokenSourceContext,
  fixedSecrets: readonly string[],
  /** What the token is called in errors. */
  what: string,
): TokenSource {
  const leewayMs = context.refreshLeewayMs ?? 60_000;
  let cached: CachedToken | undefined;
  let inFlight: Promise<string> | undefined;
  const seen: string[] = [];

  const refresh = (signal?: AbortSignal): Promise<string> => {
    // One refresh at a time: later callers share it. The fetch itself is not tied to one caller's
    // signal, so aborting one request does not fail the others waiting for the token.
    inFlight ??= (async () => {
      try {
        const fetchedAt = context.clock.now();
        const result = await fetchToken();
        const token = headerReadyToken(
          typeof result === "string" ? result : result.accessToken,
          what,
        );
        remember(seen, token);
        cached =
          typeof result !== "string" && result.expiresAt !== undefined
            ? {
                value: token,
                refreshAt: refreshTime(fetchedAt, result.expiresAt, leewayMs),
              }
            : undefined;
        return token;
      } catch (error) {
        throw error instanceof TokenError || error instanceof TransportError
          ? error
          : new TokenError(
              `The token provider failed: ${redactSecrets(errorMessage(error), [...fixedSecrets, ...seen])}`,
            );
      } finally {
        inFlight = undefined;
      }
    })();
    return abortable(inFlight, signal);
  };

  return {
    getToken: async (signal) => {
      if (cached && context.clock.now() < cached.refreshAt) return cached.value;
      return refresh(signal);
    },
    invalidate: (rejected) => {
      if (cached?.value === rejected) cached = undefined;
    },
    canRefresh: true,
    secrets: () => [...fixedSecrets, ...seen],
  };
}

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
 * The lifetime assumed for a token whose endpoint gives no usable `expires_in` (missing, not a
 * number, zero or negative): 5 minutes. A token that dies sooner is refreshed after the 401.
 */
const DEFAULT_TOKEN_LIFETIME_S = 300;

/** The longest lifetime believed from `expires_in` (a day); larger values are capped to it. */
const MAX_TOKEN_LIFETIME_S = 86_400;

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
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code < 0x21 || code > 0x7e)
      throw new TokenError(
        `${what} has a character that cannot be sent in an HTTP header: U+${code.toString(16).toUpperCase().padStart(4, "0")} at position ${i + 1} of ${trimmed.length}`,
      );
  }
  return trimmed;
}

/** Keeps the last few tokens for redaction without growing forever. */
function remember(seen: string[], token: string): void {
  if (!seen.includes(token)) seen.push(token);
  if (seen.length > 4) seen.shift();
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

const TOKEN_ATTEMPTS = 3;

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
  const random = context.random ?? Math.random;
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
      if (retryable && attempt < TOKEN_ATTEMPTS) {
        await context.clock.sleep(
          backoffDelay(DEFAULT_RETRY_POLICY, attempt - 1, random),
          signal,
        );
        continue;
      }
      return parseTokenResponse(
        grant,
        response.status,
        response.body,
        startedAt,
      );
    } catch (error) {
      if (!(error instanceof TransportError) || attempt >= TOKEN_ATTEMPTS) {
        throw error;
      }
      await context.clock.sleep(
        backoffDelay(DEFAULT_RETRY_POLICY, attempt - 1, random),
        signal,
      );
    }
  }
}

function parseTokenResponse(
  grant: ClientCredentials,
  status: number,
  body: string,
  requestedAt: number,
): AccessToken {
  const json = safeJson(body);
  if (status < 200 || status >= 300) {
    const code = typeof json?.error === "string" ? json.error : "";
    const description =
      typeof json?.error_description === "string"
        ? json.error_description.split("\n")[0]
        : "";
    const detail = redactSecrets(
      [code, description].filter(Boolean).join(": "),
      grantSecrets(grant),
    );
    throw new TokenError(
      `The token endpoint ${grant.tokenUrl} refused client ${grant.clientId} with ${status}` +
        (detail ? `: ${detail}` : ""),
      { status },
    );
  }
  const accessToken = json?.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new TokenError(
      `The token endpoint ${grant.tokenUrl} answered without an access_token`,
      { status },
    );
  }
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

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

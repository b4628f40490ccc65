// Credentials for `dmgen pull`: flags first, then the environment.

import type { Credentials } from "../../templates/runtime/core/auth.js";
import { UserError } from "../errors.js";

/** Credential flags of the pull command (all optional). */
export interface CredentialFlags {
  readonly token?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly tokenUrl?: string;
  readonly scopes?: string;
}

/**
 * Picks the credentials: a token (`--token` / `CDF_TOKEN`), else client credentials
 * (`--client-id`, `--client-secret`, `--token-url`, `--scopes` / `CDF_CLIENT_ID`,
 * `CDF_CLIENT_SECRET`, `CDF_TOKEN_URL`, `CDF_SCOPES`). Scopes default to `<base-url>/.default`.
 */
export function resolveCredentials(
  flags: CredentialFlags,
  env: Readonly<Record<string, string | undefined>>,
  baseUrl: string,
): Credentials {
  const token = nonEmpty(flags.token) ?? nonEmpty(env.CDF_TOKEN);
  if (token) return { token };
  const clientId = nonEmpty(flags.clientId) ?? nonEmpty(env.CDF_CLIENT_ID);
  const clientSecret =
    nonEmpty(flags.clientSecret) ?? nonEmpty(env.CDF_CLIENT_SECRET);
  const tokenUrl = nonEmpty(flags.tokenUrl) ?? nonEmpty(env.CDF_TOKEN_URL);
  if (!clientId && !clientSecret && !tokenUrl) {
    throw new UserError(
      "No credentials: set CDF_TOKEN, or CDF_CLIENT_ID, CDF_CLIENT_SECRET and CDF_TOKEN_URL (or the matching flags)",
    );
  }
  const missing = [
    clientId ? undefined : "CDF_CLIENT_ID (--client-id)",
    clientSecret ? undefined : "CDF_CLIENT_SECRET (--client-secret)",
    tokenUrl ? undefined : "CDF_TOKEN_URL (--token-url)",
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0 || !clientId || !clientSecret || !tokenUrl) {
    throw new UserError(
      `Client credentials are incomplete: missing ${missing.join(", ")}`,
    );
  }
  const scopesText = nonEmpty(flags.scopes) ?? nonEmpty(env.CDF_SCOPES);
  const scopes = scopesText
    ? scopesText.split(/[\s,]+/).filter(Boolean)
    : [`${baseUrl.replace(/\/+$/, "")}/.default`];
  return { clientCredentials: { tokenUrl, clientId, clientSecret, scopes } };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

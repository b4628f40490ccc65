// `dmgen pull`: downloads view definitions from CDF into a file `dmgen generate --input` reads.

import type { Credentials } from "../../templates/runtime/core/auth.js";
import {
  AuthenticationError,
  DmsError,
  TokenError,
  TransportError,
} from "../../templates/runtime/core/errors.js";
import { createTokenSource } from "../../templates/runtime/core/auth.js";
import { HttpClient } from "../../templates/runtime/core/http.js";
import { systemClock, type Clock } from "../../templates/runtime/core/retry.js";
import type { Transport } from "../../templates/runtime/core/transport.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import { UserError } from "../errors.js";
import { fetchDefinitions } from "./fetch-definitions.js";
import type { VersionedRef } from "./refs.js";
import { unwritableReason, writeFileAtomically } from "../output/files.js";

export { parseVersionedRef, formatRef, type VersionedRef } from "./refs.js";
export { resolveCredentials, type CredentialFlags } from "./credentials.js";
export { fetchDefinitions } from "./fetch-definitions.js";

/** Everything `pull` needs, already parsed. */
export interface PullOptions {
  readonly baseUrl: string;
  readonly project: string;
  readonly credentials: Credentials;
  readonly dataModels: readonly VersionedRef[];
  readonly views: readonly VersionedRef[];
  /** The JSON file to write. */
  readonly out: string;
  /** Request timeout (ms). Default 60 000. */
  readonly timeoutMs?: number;
  /** A transport to use instead of a fresh undici one (tests). */
  readonly transport?: Transport;
  /** Retry attempts. Default 5. */
  readonly maxAttempts?: number;
  /** The clock retries wait on (tests: one that does not wait). Default the system's. */
  readonly clock?: Clock;
  /** Called with a line after each request (`data model sp:M/1: 40 views`, `views 100/250`). */
  readonly onProgress?: (message: string) => void;
}

/** What pull wrote. */
export interface PullSummary {
  readonly out: string;
  readonly viewCount: number;
}

/**
 * Downloads the views and writes `{"items":[...views]}` atomically. Nothing is written on failure.
 * Failures the user can fix (401, 403, unknown model, unreachable server) are `UserError`s.
 */
export async function pull(options: PullOptions): Promise<PullSummary> {
  if (options.dataModels.length === 0 && options.views.length === 0) {
    throw new UserError(
      "Nothing to pull: give at least one --data-model or --view",
    );
  }
  // Before any request: a download that cannot be saved is better refused at once.
  const unwritable = await unwritableReason(options.out);
  if (unwritable)
    throw new UserError(`--out cannot be written: ${unwritable}`, options.out);
  const transport =
    options.transport ??
    createUndiciTransport({ timeoutMs: options.timeoutMs ?? 60_000 });
  const clock = options.clock ?? systemClock;
  try {
    const http = new HttpClient({
      baseUrl: options.baseUrl,
      project: options.project,
      transport,
      tokenSource: createTokenSource(options.credentials, { transport, clock }),
      retry: { maxAttempts: options.maxAttempts ?? 5 },
      clock,
      appName: "dmgen-pull",
    });
    const views = await fetchDefinitions(http, options).catch(
      (error: unknown) => {
        throw toUserError(error);
      },
    );
    await writeFileAtomically(
      options.out,
      JSON.stringify({ items: views }, null, 2) + "\n",
    );
    return { out: options.out, viewCount: views.length };
  } finally {
    if (!options.transport) await transport.close();
  }
}

/** Turns the runtime's errors into one clear line for the user; anything else is a bug. */
export function toUserError(error: unknown): unknown {
  if (error instanceof UserError) return error;
  if (error instanceof AuthenticationError) {
    return new UserError(
      `Authentication failed: ${error.method} ${error.url} answered 401 (${error.apiMessage}). ` +
        "The token was rejected: check CDF_TOKEN, or the client credentials and CDF_SCOPES, and that they belong to this cluster",
    );
  }
  if (error instanceof DmsError && error.status === 403) {
    return new UserError(
      `Access denied: ${error.method} ${error.url} answered 403 (${error.apiMessage}). ` +
        "The credentials need dataModelsAcl:READ in this project",
    );
  }
  if (error instanceof DmsError && error.status === 404) {
    return new UserError(
      `Not found: ${error.method} ${error.url} answered 404; check --base-url and --project`,
    );
  }
  if (
    error instanceof DmsError ||
    error instanceof TransportError ||
    error instanceof TokenError
  ) {
    return new UserError(error.message);
  }
  return error;
}

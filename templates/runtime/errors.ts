// Typed errors of the runtime. Every message is written for a person and never contains a token,
// a client secret or an Authorization header: errors are built from status, URL and the API's own
// error body only.

import type { InstanceId } from "./wire.js";

/** What the runtime knows about the request that failed. */
export interface RequestInfo {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The full URL without query secrets (the runtime never puts secrets in URLs). */
  readonly url: string;
}

/** The parts of an API error response the runtime understands. */
export interface DmsErrorDetails extends RequestInfo {
  /** HTTP status of the response. */
  readonly status: number;
  /** `error.code` from the body (the HTTP status as the API saw it); the status when absent. */
  readonly code: number;
  /** `error.message` from the body, or a description of the status when the body had none. */
  readonly apiMessage: string;
  /** `error.missing`: ids the API could not find. */
  readonly missing?: readonly Record<string, unknown>[];
  /** `error.duplicated`: ids given more than once. */
  readonly duplicated?: readonly Record<string, unknown>[];
  /** Every other field of `error` (e.g. `isAutoRetryable`, `extra`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** The `x-request-id` response header, for support requests. */
  readonly requestId?: string;
  /** How many attempts were made before giving up (1 when not retried). */
  readonly attempts?: number;
}

/** An error response from the DMS API (any non-2xx status). */
export class DmsError extends Error {
  override name = "DmsError";
  /** HTTP status. */
  readonly status: number;
  /** `error.code` from the body. */
  readonly code: number;
  /** `error.message` from the body, as the API sent it. */
  readonly apiMessage: string;
  /** `error.missing` from the body, or an empty array. */
  readonly missing: readonly Record<string, unknown>[];
  /** `error.duplicated` from the body, or an empty array. */
  readonly duplicated: readonly Record<string, unknown>[];
  /** Other fields of the error body. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** `x-request-id` of the response, when the server sent one. */
  readonly requestId: string | undefined;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request. */
  readonly url: string;
  /** Attempts made (retries included). */
  readonly attempts: number;

  constructor(details: DmsErrorDetails) {
    super(describeDmsError(details));
    this.status = details.status;
    this.code = details.code;
    this.apiMessage = details.apiMessage;
    this.missing = details.missing ?? [];
    this.duplicated = details.duplicated ?? [];
    this.extra = details.extra ?? {};
    this.requestId = details.requestId;
    this.method = details.method;
    this.url = details.url;
    this.attempts = details.attempts ?? 1;
  }
}

/** 409 on apply: an `existingVersion` was older than the stored version. */
export class VersionConflictError extends DmsError {
  override name = "VersionConflictError";
}

/** 400 on sync: the cursor is older than the API keeps deletes (3 days). */
export class CursorExpiredError extends DmsError {
  override name = "CursorExpiredError";
}

/** 401: the credentials were rejected, even after one token refresh. */
export class AuthenticationError extends DmsError {
  override name = "AuthenticationError";
}

/** What went wrong below HTTP. */
export type TransportFailureKind = "connection" | "timeout" | "protocol";

/** The request did not get an HTTP response: connection refused or reset, DNS, timeout. */
export class TransportError extends Error {
  override name = "TransportError";
  readonly kind: TransportFailureKind;
  readonly method: string;
  readonly url: string;
  /** Attempts made (retries included). */
  readonly attempts: number;

  constructor(
    info: RequestInfo & {
      kind: TransportFailureKind;
      cause?: unknown;
      attempts?: number;
    },
  ) {
    const reason = causeSummary(info.cause);
    super(
      `${info.kind === "timeout" ? "Timed out" : "Could not reach the server"}: ${info.method} ${info.url}` +
        (reason ? ` (${reason})` : "") +
        attemptsSuffix(info.attempts ?? 1),
      { cause: info.cause },
    );
    this.kind = info.kind;
    this.method = info.method;
    this.url = info.url;
    this.attempts = info.attempts ?? 1;
  }
}

/** Getting a token failed (OAuth token endpoint error, or the token provider threw). */
export class TokenError extends Error {
  override name = "TokenError";
  /** HTTP status of the token endpoint, when there was a response. */
  readonly status: number | undefined;
  constructor(
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

/** A value the API would reject (NaN, Infinity, ...), found before anything was sent. */
export class InvalidValueError extends Error {
  override name = "InvalidValueError";
  /** Index of the offending item in the list of instance writes. */
  readonly itemIndex: number;
  /** The offending instance. */
  readonly instance: InstanceId;
  /** Path of the value inside the item, e.g. `sources[0].properties.height`. */
  readonly path: string;

  constructor(
    itemIndex: number,
    instance: InstanceId,
    path: string,
    problem: string,
  ) {
    super(
      `Item ${itemIndex} (${instance.space}:${instance.externalId}) at ${path}: ${problem}`,
    );
    this.itemIndex = itemIndex;
    this.instance = instance;
    this.path = path;
  }
}

/** The outcome of an apply that stopped part-way. */
export interface ApplyProgressReport {
  /** Instances whose request succeeded (written, or skipped on a version conflict). */
  readonly written: readonly InstanceId[];
  /** Instances never sent, or whose request the API rejected: not written. */
  readonly notWritten: readonly InstanceId[];
  /** Instances whose request was in flight when it was aborted or lost: may or may not be written. */
  readonly unknown: readonly InstanceId[];
}

/** An apply (or delete) that failed for good after some requests may have succeeded. */
export class ApplyFailedError extends Error implements ApplyProgressReport {
  override name = "ApplyFailedError";
  readonly written: readonly InstanceId[];
  readonly notWritten: readonly InstanceId[];
  readonly unknown: readonly InstanceId[];
  /** True when the caller's AbortSignal stopped the apply. */
  readonly aborted: boolean;

  constructor(
    report: ApplyProgressReport & { cause: unknown; aborted: boolean },
  ) {
    super(
      `${report.aborted ? "Apply aborted" : "Apply failed"}: ${report.written.length} instance(s) written, ` +
        `${report.notWritten.length} not written` +
        (report.unknown.length > 0
          ? `, ${report.unknown.length} unknown (request in flight)`
          : "") +
        `. Cause: ${causeSummary(report.cause) || "unknown"}`,
      { cause: report.cause },
    );
    this.written = report.written;
    this.notWritten = report.notWritten;
    this.unknown = report.unknown;
    this.aborted = report.aborted;
  }
}

/** Picks the error class for an API error response. */
export function createDmsError(details: DmsErrorDetails): DmsError {
  if (details.status === 401) return new AuthenticationError(details);
  if (details.status === 409 && /version conflict/i.test(details.apiMessage)) {
    return new VersionConflictError(details);
  }
  if (
    details.status === 400 &&
    /^cursor has expired/i.test(details.apiMessage.trim())
  ) {
    return new CursorExpiredError(details);
  }
  return new DmsError(details);
}

/** True for the error an aborted AbortSignal produces (DOMException or our own). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "name" in error &&
    (error.name === "AbortError" || error.name === "TimeoutError")
  );
}

/** Removes every occurrence of the given secrets from a text. */
export function redactSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join("***");
  }
  // A bearer token that reached a message some other way.
  return result.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1***");
}

function describeDmsError(details: DmsErrorDetails): string {
  const hint = statusHint(details.status);
  const parts = [
    `${details.method} ${details.url} failed with ${details.status}: ${details.apiMessage}`,
  ];
  if (details.missing && details.missing.length > 0) {
    parts.push(`missing: ${summarizeIds(details.missing)}`);
  }
  if (details.duplicated && details.duplicated.length > 0) {
    parts.push(`duplicated: ${summarizeIds(details.duplicated)}`);
  }
  if (hint) parts.push(hint);
  if (details.requestId) parts.push(`request id ${details.requestId}`);
  return parts.join("; ") + attemptsSuffix(details.attempts ?? 1);
}

function statusHint(status: number): string | undefined {
  switch (status) {
    case 401:
      return "the credentials were rejected (check the token, client id/secret and token URL)";
    case 403:
      return "the credentials lack a capability (dataModelInstancesAcl / dataModelsAcl) for this project or space";
    case 409:
      return "the request conflicts with the stored state";
    case 429:
      return "the API throttled the request";
    default:
      return undefined;
  }
}

function summarizeIds(ids: readonly Record<string, unknown>[]): string {
  const shown = ids.slice(0, 5).map((id) => {
    const space = typeof id.space === "string" ? id.space : "?";
    const externalId =
      typeof id.externalId === "string" ? id.externalId : JSON.stringify(id);
    const version = typeof id.version === "string" ? `/${id.version}` : "";
    return `${space}:${externalId}${version}`;
  });
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : "";
  return shown.join(", ") + more;
}

function attemptsSuffix(attempts: number): string {
  return attempts > 1 ? ` (after ${attempts} attempts)` : "";
}

/** A short description of an error's cause, following `cause` chains of network errors. */
export function causeSummary(cause: unknown): string {
  if (cause instanceof Error) {
    const code =
      "code" in cause && typeof cause.code === "string" ? cause.code : "";
    const inner = cause.cause instanceof Error ? causeSummary(cause.cause) : "";
    const own = [code, cause.message].filter(Boolean).join(" ");
    return inner && !own.includes(inner) ? `${own}: ${inner}` : own;
  }
  return cause === undefined ? "" : String(cause);
}

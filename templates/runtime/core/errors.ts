// Typed errors of the runtime. Messages are built from the status, the URL and the API's error
// body only, and `HttpClient` redacts every secret it knows from them, so no token gets out.

import type { InstanceId } from "./wire.js";

/** The request that failed: method and full URL (the runtime never puts secrets in URLs). */
export interface RequestInfo {
  readonly method: string;
  readonly url: string;
}

export interface DmsErrorDetails extends RequestInfo {
  readonly status: number;
  /** `error.code` from the body; the status when absent. */
  readonly code: number;
  /** `error.message` from the body, or the start of the body when it had none. */
  readonly apiMessage: string;
  readonly missing?: readonly Record<string, unknown>[];
  readonly duplicated?: readonly Record<string, unknown>[];
  /** Every other field of `error` (e.g. `isAutoRetryable`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** The `x-request-id` response header. */
  readonly requestId?: string | undefined;
  /** Attempts made, retries included (default 1). */
  readonly attempts?: number;
  /** An earlier attempt lost its response or got a 5xx or 408: the server may have processed it. */
  readonly earlierAttemptMayHaveApplied?: boolean;
}

// A class's fields are declared by the interface of the same name (declaration merging).
export interface DmsError extends Required<DmsErrorDetails> {}

/** An error response from the DMS API (any non-2xx status); fields as in `DmsErrorDetails`. */
export class DmsError extends Error {
  override name = "DmsError";

  /** The message names the request, status and API message; `explain.ts` adds ids and hints. */
  constructor(details: DmsErrorDetails) {
    const { method, url, status, apiMessage } = details;
    super(
      `${method} ${url} failed with ${status}: ${apiMessage}${afterAttempts(details.attempts)}`,
    );
    // Typed details cannot hold an explicit undefined, so a default stays unless a value is given.
    const defaults = {
      extra: {},
      missing: [],
      duplicated: [],
      attempts: 1,
      earlierAttemptMayHaveApplied: false,
      requestId: undefined,
    };
    Object.assign(this, defaults, details);
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

/** What went wrong below HTTP ("protocol" is kept for compatibility; see `ProtocolError`). */
export type TransportFailureKind = "connection" | "timeout" | "protocol";

export interface TransportError extends RequestInfo {
  readonly kind: TransportFailureKind;
  readonly attempts: number;
}

/** The request did not get an HTTP response: connection refused or reset, DNS, timeout. */
export class TransportError extends Error {
  override name = "TransportError";

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
        (reason && ` (${reason})`) +
        afterAttempts(info.attempts),
      { cause: info.cause },
    );
    // `cause` again: the same value, and it stays as `super` made it (not enumerable).
    Object.assign(this, { attempts: 1 }, info);
  }
}

export type ProtocolProblem =
  | "redirect"
  | "too-large"
  | "not-json"
  | "unexpected-shape"
  | "unexpected-instances"
  | "repeated-cursor"
  | "endless-paging";

export interface ProtocolError extends RequestInfo {
  readonly problem: ProtocolProblem;
  readonly status: number | undefined;
}

/** A response the runtime cannot trust (redirect, too large, not JSON, wrong shape). Never retried. */
export class ProtocolError extends Error {
  override name = "ProtocolError";

  constructor(
    info: RequestInfo & {
      problem: ProtocolProblem;
      detail: string;
      status?: number | undefined;
      cause?: unknown;
    },
  ) {
    super(
      `Unusable response to ${info.method} ${info.url}: ${info.detail}`,
      info.cause === undefined ? undefined : { cause: info.cause },
    );
    const { cause: _cause, detail: _detail, ...fields } = info;
    Object.assign(this, { status: undefined }, fields);
  }
}

export function postProblem(
  problem: ProtocolProblem,
  path: string,
  detail: string,
): ProtocolError {
  return new ProtocolError({ problem, method: "POST", url: path, detail });
}

/** Getting a token failed (OAuth token endpoint error, or the token provider threw). */
export class TokenError extends Error {
  override name = "TokenError";
  /** The token endpoint's status, when it answered. */
  declare readonly status: number | undefined;

  constructor(
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    Object.assign(this, { status: options.status });
  }
}

export interface InvalidValueError {
  readonly itemIndex: number;
  readonly instance: InstanceId;
  /** Path of the value inside the item, e.g. `sources[0].properties.height`. */
  readonly path: string;
}

/** A value the API would reject (NaN, Infinity, ...), found before anything was sent. */
export class InvalidValueError extends Error {
  override name = "InvalidValueError";

  constructor(
    itemIndex: number,
    instance: InstanceId,
    path: string,
    problem: string,
  ) {
    super(
      `Item ${itemIndex} (${instance.space}:${instance.externalId}) at ${path}: ${problem}`,
    );
    Object.assign(this, { itemIndex, instance, path });
  }
}

export interface ApplyProgressReport {
  /** Instances whose request succeeded (written, or skipped on a version conflict). */
  readonly written: readonly InstanceId[];
  /** Instances never sent, or rejected before processing (unread input is not listed). */
  readonly notWritten: readonly InstanceId[];
  /** Instances whose request may have been processed (aborted in flight, lost answer, 5xx). */
  readonly unknown: readonly InstanceId[];
  /** With `report: "counts"`: how many were written (`written` then stays empty). */
  readonly writtenCount?: number;
}

const APPLY_REPORT = Symbol.for("dmgen.applyFailure");

function reportSummary(report: ApplyProgressReport): string {
  return (
    `${report.writtenCount ?? report.written.length} instance(s) written, ${report.notWritten.length} not written` +
    (report.unknown.length
      ? `, ${report.unknown.length} unknown (their request may have been processed)`
      : "")
  );
}

export interface ApplyFailedError extends ApplyProgressReport {
  /** True when the caller's AbortSignal stopped the apply. */
  readonly aborted: boolean;
}

/** An apply (or delete) that failed for good after some requests may have succeeded. */
export class ApplyFailedError extends Error {
  override name = "ApplyFailedError";
  /** A version conflict of an apply (`ApplyVersionConflictError`) is an ApplyFailedError too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && APPLY_REPORT in value;
  }
  readonly [APPLY_REPORT] = true;

  constructor(
    report: ApplyProgressReport & { cause: unknown; aborted: boolean },
  ) {
    super(
      `${report.aborted ? "Apply aborted" : "Apply failed"}: ${reportSummary(report)}` +
        `. Cause: ${causeSummary(report.cause) || "unknown"}`,
      { cause: report.cause },
    );
    Object.assign(this, report);
  }
}

export interface ApplyVersionConflictError extends ApplyProgressReport {}

/** A 409 that ended an apply: a VersionConflictError and an ApplyFailedError. */
export class ApplyVersionConflictError extends VersionConflictError {
  override name = "ApplyVersionConflictError";
  readonly [APPLY_REPORT] = true;
  /** Always false: a conflict is the API's answer, not an abort. */
  readonly aborted = false;

  constructor(conflict: VersionConflictError, report: ApplyProgressReport) {
    super(conflict as DmsErrorDetails);
    this.message = `Apply stopped on a version conflict: ${conflict.apiMessage} (read the instance again, or pass skipOnVersionConflict); ${reportSummary(report)}`;
    this.cause = conflict;
    Object.assign(this, report);
  }
}

export function createDmsError(details: DmsErrorDetails): DmsError {
  const { status, apiMessage } = details;
  return new (
    status === 401
      ? AuthenticationError
      : status === 409 && /version conflict/i.test(apiMessage)
        ? VersionConflictError
        : status === 400 && /^\s*cursor has expired/i.test(apiMessage)
          ? CursorExpiredError
          : DmsError
  )(details);
}

/** Set by `HttpClient` on an error of a request the server may have processed. */
export const MAY_HAVE_APPLIED = Symbol.for("dmgen.mayHaveApplied");

export function mayHaveApplied(error: unknown): boolean {
  return (
    isObject(error) &&
    (MAY_HAVE_APPLIED in error ||
      (error instanceof DmsError && error.earlierAttemptMayHaveApplied))
  );
}

export function isAbortError(error: unknown): boolean {
  return (
    isObject(error) &&
    (error.name === "AbortError" || error.name === "TimeoutError")
  );
}

/** A JSON object (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `text` without `secrets`; with `error`, its full message (a DmsError's ids and hints) first.
 * `explain.ts` does both, loaded when a request fails. If it cannot load, `text` is the message,
 * without the secrets as they are and bearer tokens; their encoded forms stay.
 */
export function redacted(
  text: string,
  secrets: readonly (string | undefined)[],
  error?: Error,
): Promise<string> {
  return import("./explain.js")
    .then(
      (explain) =>
        explain.redactSecrets(
          error instanceof DmsError
            ? explain.fullMessage(error) + afterAttempts(error.attempts)
            : (error?.message ?? text),
          secrets,
        ),
      () => {
        let result = text;
        for (const secret of secrets)
          if (secret && secret.length >= 4)
            result = result.split(secret).join("***");
        return result;
      },
    )
    .then((result) => result.replace(BEARER, "$1***"));
}

/** A bearer token in a text, with what precedes it as group 1. */
export const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

export function afterAttempts(attempts = 1): string {
  return attempts > 1 ? ` (after ${attempts} attempts)` : "";
}

/** A short description of an error's cause, following `cause` chains of network errors. */
export function causeSummary(cause: unknown): string {
  if (!(cause instanceof Error))
    return cause === undefined ? "" : String(cause);
  const code =
    "code" in cause && typeof cause.code === "string" ? cause.code : "";
  const inner = causeSummary(
    cause.cause instanceof Error ? cause.cause : undefined,
  );
  const own = [code, cause.message].filter(Boolean).join(" ");
  return inner && !own.includes(inner) ? `${own}: ${inner}` : own;
}

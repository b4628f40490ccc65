// Typed errors of the runtime. Every message is written for a person and never contains a token,
// a client secret or an Authorization header: errors are built from status, URL and the API's own
// error body only.

import type { InstanceId } from "./wire.js";

/** The request that failed: method and full URL (the runtime never puts secrets in URLs). */
export interface RequestInfo {
  readonly method: string;
  readonly url: string;
}

/** The parts of an API error response the runtime understands. */
export interface DmsErrorDetails extends RequestInfo {
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
  /**
   * An earlier attempt of this request lost its response or got a 5xx or 408, so the server may
   * have processed the request even though this, the last answer, is an error. Default false.
   */
  readonly earlierAttemptMayHaveApplied?: boolean;
}

/** An error response from the DMS API (any non-2xx status); fields as in `DmsErrorDetails`. */
export class DmsError extends Error {
  override name = "DmsError";
  declare readonly status: number;
  declare readonly code: number;
  /** `error.message` from the body, as the API sent it. */
  declare readonly apiMessage: string;
  /** `error.missing` from the body, or an empty array. */
  declare readonly missing: readonly Record<string, unknown>[];
  /** `error.duplicated` from the body, or an empty array. */
  declare readonly duplicated: readonly Record<string, unknown>[];
  declare readonly extra: Readonly<Record<string, unknown>>;
  declare readonly requestId: string | undefined;
  declare readonly method: string;
  declare readonly url: string;
  /** Attempts made (retries included). */
  declare readonly attempts: number;
  declare readonly earlierAttemptMayHaveApplied: boolean;

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
    this.earlierAttemptMayHaveApplied =
      details.earlierAttemptMayHaveApplied ?? false;
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

/** The request did not get an HTTP response: connection refused or reset, DNS, timeout. */
export class TransportError extends Error {
  override name = "TransportError";
  declare readonly kind: TransportFailureKind;
  declare readonly method: string;
  declare readonly url: string;
  declare readonly attempts: number;

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

/** What was wrong with a response the runtime refused to use. */
export type ProtocolProblem =
  | "redirect"
  | "too-large"
  | "not-json"
  | "unexpected-shape"
  | "unexpected-instances"
  | "repeated-cursor"
  | "endless-paging";

/**
 * A response the runtime cannot trust: a redirect (never followed: it could send the body or the
 * token elsewhere), a body over the size limit (reading stopped), a body that is not JSON or not
 * of the documented shape, an answer naming instances that were not asked for (or one twice, or
 * leaving out writes), a cursor seen before in the same read, or paging that would not end (a
 * full page without a cursor, more pages than the read's limit). Never retried.
 */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  declare readonly problem: ProtocolProblem;
  declare readonly method: string;
  declare readonly url: string;
  /** HTTP status of the response, when there was one. */
  declare readonly status: number | undefined;

  constructor(
    info: RequestInfo & {
      problem: ProtocolProblem;
      detail: string;
      status?: number;
      cause?: unknown;
    },
  ) {
    super(
      `Unusable response to ${info.method} ${info.url}: ${info.detail}`,
      info.cause === undefined ? undefined : { cause: info.cause },
    );
    this.problem = info.problem;
    this.method = info.method;
    this.url = info.url;
    this.status = info.status;
  }
}

/** Getting a token failed (OAuth token endpoint error, or the token provider threw). */
export class TokenError extends Error {
  override name = "TokenError";
  /** HTTP status of the token endpoint, when there was a response. */
  declare readonly status: number | undefined;
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
  /** Index of the offending instance in the list of writes. */
  declare readonly itemIndex: number;
  declare readonly instance: InstanceId;
  /** Path of the value inside the item, e.g. `sources[0].properties.height`. */
  declare readonly path: string;

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
  /**
   * Instances never sent, or whose every attempt the API rejected before processing: not
   * written. Items of the input not yet read when the apply stopped are not listed.
   */
  readonly notWritten: readonly InstanceId[];
  /**
   * Instances whose request may have been processed: in flight when aborted, a lost response, a
   * 5xx, or an error after an earlier attempt that may have been applied. Read them back to know.
   */
  readonly unknown: readonly InstanceId[];
  /**
   * With `report: "counts"`: how many instances were written (then `written` is empty, so that
   * memory stays bounded). Undefined when `written` lists them all.
   */
  readonly writtenCount?: number;
}

const APPLY_REPORT = Symbol.for("dmgen.applyFailure");

function reportSummary(report: ApplyProgressReport): string {
  return (
    `${report.writtenCount ?? report.written.length} instance(s) written, ${report.notWritten.length} not written` +
    (report.unknown.length > 0
      ? `, ${report.unknown.length} unknown (their request may have been processed)`
      : "")
  );
}

/** An apply (or delete) that failed for good after some requests may have succeeded. */
export class ApplyFailedError extends Error implements ApplyProgressReport {
  override name = "ApplyFailedError";
  /** A version conflict of an apply (`ApplyVersionConflictError`) is an ApplyFailedError too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && APPLY_REPORT in value;
  }
  readonly [APPLY_REPORT] = true;
  declare readonly written: readonly InstanceId[];
  declare readonly notWritten: readonly InstanceId[];
  declare readonly unknown: readonly InstanceId[];
  declare readonly writtenCount?: number;
  /** True when the caller's AbortSignal stopped the apply. */
  declare readonly aborted: boolean;

  constructor(
    report: ApplyProgressReport & { cause: unknown; aborted: boolean },
  ) {
    super(
      `${report.aborted ? "Apply aborted" : "Apply failed"}: ${reportSummary(report)}` +
        `. Cause: ${causeSummary(report.cause) || "unknown"}`,
      { cause: report.cause },
    );
    this.written = report.written;
    this.notWritten = report.notWritten;
    this.unknown = report.unknown;
    copyCount(this, report);
    this.aborted = report.aborted;
  }
}

/**
 * A version conflict (409) ended an apply: `instanceof VersionConflictError` (and, for code that
 * catches apply failures, `instanceof ApplyFailedError`), with what was and was not written.
 */
export class ApplyVersionConflictError
  extends VersionConflictError
  implements ApplyProgressReport
{
  override name = "ApplyVersionConflictError";
  readonly [APPLY_REPORT] = true;
  declare readonly written: readonly InstanceId[];
  declare readonly notWritten: readonly InstanceId[];
  declare readonly unknown: readonly InstanceId[];
  declare readonly writtenCount?: number;
  /** Always false: a conflict is the API's answer, not an abort. */
  readonly aborted = false;

  constructor(conflict: VersionConflictError, report: ApplyProgressReport) {
    super(conflict as DmsErrorDetails);
    this.message =
      `The apply stopped on a version conflict: ${sentence(conflict.apiMessage)} ` +
      `An instance changed since the existingVersion you gave; read it again and retry, or pass ` +
      `skipOnVersionConflict to leave such instances as they are. ${reportSummary(report)}.`;
    this.cause = conflict;
    this.written = report.written;
    this.notWritten = report.notWritten;
    this.unknown = report.unknown;
    copyCount(this, report);
  }
}

/** `writtenCount` only when the report has one (else the field is absent, not undefined). */
function copyCount(error: object, report: ApplyProgressReport): void {
  if (report.writtenCount !== undefined)
    (error as { writtenCount?: number }).writtenCount = report.writtenCount;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
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

const MAY_HAVE_APPLIED = Symbol.for("dmgen.mayHaveApplied");

/** Notes on an error that the server may have processed its request (an earlier attempt). */
export function markMayHaveApplied(error: unknown): void {
  if (typeof error === "object" && error !== null && Object.isExtensible(error))
    Object.defineProperty(error, MAY_HAVE_APPLIED, { value: true });
}

/** Whether the request that ended in this error may have been processed by the server. */
export function mayHaveApplied(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if (MAY_HAVE_APPLIED in error) return true;
  return error instanceof DmsError && error.earlierAttemptMayHaveApplied;
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

/**
 * Removes every occurrence of the given secrets from a text, in every encoding a secret takes on
 * its way out: raw, URL-encoded (`encodeURIComponent` and form encoding, either hex case),
 * JSON-escaped (also with `\/` and `\uXXXX` escapes) and base64 (standard and URL-safe). For Basic
 * auth pass the `id:secret` pair too (`basicAuthSecret`), since its base64 does not contain the
 * base64 of the secret alone.
 */
export function redactSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    // Longest first, so a variant containing another is replaced whole.
    const variants = [...secretEncodings(secret)].sort(
      (a, b) => b.length - a.length,
    );
    for (const variant of variants) {
      if (result.includes(variant)) result = result.split(variant).join("***");
    }
  }
  // A bearer token that reached a message some other way.
  return result.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1***");
}

/** The text a client sends as Basic auth credentials, for `redactSecrets`. */
export function basicAuthSecret(id: string, secret: string): string {
  return `${id}:${secret}`;
}

/** Every form of a secret worth searching for, the raw one included. */
function secretEncodings(secret: string): Set<string> {
  const variants = new Set<string>([secret]);
  const urlEncodings = [
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ];
  for (const encoded of urlEncodings) {
    variants.add(encoded);
    variants.add(encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  const json = JSON.stringify(secret).slice(1, -1);
  for (const escaped of [json, json.replace(/\//g, "\\/")]) {
    variants.add(escaped);
    variants.add(
      escaped.replace(
        /[^\x20-\x7e]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      ),
    );
  }
  const base64 = utf8Base64(secret);
  variants.add(base64);
  variants.add(base64.replace(/=+$/, ""));
  variants.add(
    base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  );
  return variants;
}

function utf8Base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

function describeDmsError(details: DmsErrorDetails): string {
  const { missing, duplicated, requestId } = details;
  const hint = STATUS_HINTS[details.status];
  const parts = [
    `${details.method} ${details.url} failed with ${details.status}: ${details.apiMessage}`,
  ];
  if (missing?.length) parts.push(`missing: ${summarizeIds(missing)}`);
  if (duplicated?.length) parts.push(`duplicated: ${summarizeIds(duplicated)}`);
  if (hint) parts.push(hint);
  if (requestId) parts.push(`request id ${requestId}`);
  return parts.join("; ") + attemptsSuffix(details.attempts ?? 1);
}

const STATUS_HINTS: Readonly<Record<number, string>> = {
  401: "the credentials were rejected (check the token, client id/secret and token URL)",
  403: "the credentials lack a capability (dataModelInstancesAcl / dataModelsAcl) for this project or space",
  409: "the request conflicts with the stored state",
  429: "the API throttled the request",
};

/** The ids of `missing` or `duplicated`, each once and readably, the first five in full. */
function summarizeIds(ids: readonly Record<string, unknown>[]): string {
  const distinct = [...new Set(ids.map(readableId))];
  const shown = distinct.slice(0, 5);
  const more = distinct.length > 5 ? ` and ${distinct.length - 5} more` : "";
  return shown.join(", ") + more;
}

/**
 * One id as a person reads it: `space:externalId` (with `/version` for a view or container), a
 * space alone as `space s`, and any other shape as its JSON.
 */
function readableId(id: Record<string, unknown>): string {
  const { space, externalId, version, instanceType, ...rest } = id;
  const json = JSON.stringify(id);
  if (typeof space !== "string" || Object.keys(rest).length > 0) return json;
  if (externalId === undefined && version === undefined)
    return instanceType === undefined ? `space ${space}` : json;
  if (typeof externalId !== "string") return json;
  return `${space}:${externalId}${typeof version === "string" ? `/${version}` : ""}`;
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

// The project's concurrency limits from `GET /models/statistics`, read at most once per client:
// CDF answers 429 past them, so an apply that starts at the limit is not throttled by its own
// first burst. A token that may not read statistics, or an answer without the limit, leaves the
// runtime's defaults; a failure that may pass (5xx, network) leaves them for that call only.

import { DmsError, ProtocolError } from "./errors.js";
import type { RequestOptions } from "./http.js";

/** The slice of `HttpClient` the reader uses. */
export interface JsonGetter {
  getJson<T>(path: string, options?: RequestOptions): Promise<T>;
}

/**
 * Requests in flight the project allows per kind; undefined where the answer gave none. No read
 * path of the runtime sends requests concurrently, so `concurrentReadLimit` is not read.
 */
export interface ProjectLimits {
  readonly write?: number;
  readonly delete?: number;
}

/** Reads that failed in a way that may pass before the client gives up and keeps the defaults. */
const TRANSIENT_FAILURES_ALLOWED = 3;
/** One retry: an apply waits for the read, and does well enough without it. */
const ATTEMPTS_PER_READ = 2;
const STATISTICS_PATH = "/models/statistics";
const LIMIT_FIELDS = {
  write: "concurrentWriteLimit",
  delete: "concurrentDeleteLimit",
} as const;

/** Reads the limits on first use; concurrent first callers share one request. */
export class ProjectLimitsReader {
  /** The answer for good: read, or known to be unreadable (then `{}`). */
  #settled: ProjectLimits | undefined;
  #pending: Promise<ProjectLimits> | undefined;
  #transientFailures = 0;
  readonly #http: JsonGetter;

  constructor(http: JsonGetter) {
    this.#http = http;
  }

  /** The limits, `{}` (use the defaults) when they cannot be read. Never rejects. */
  limits(): Promise<ProjectLimits> {
    if (this.#settled) return Promise.resolve(this.#settled);
    this.#pending ??= this.#read();
    return this.#pending;
  }

  async #read(): Promise<ProjectLimits> {
    try {
      const answer = await this.#http.getJson<unknown>(STATISTICS_PATH, {
        maxAttempts: ATTEMPTS_PER_READ,
      });
      return (this.#settled = limitsOf(answer));
    } catch (error) {
      if (
        !mayPass(error) ||
        ++this.#transientFailures >= TRANSIENT_FAILURES_ALLOWED
      )
        this.#settled = {};
      return {};
    } finally {
      this.#pending = undefined;
    }
  }
}

/** The positive integer limits of a statistics answer; anything else is left out. */
export function limitsOf(answer: unknown): ProjectLimits {
  const record =
    typeof answer === "object" && answer !== null
      ? (answer as Record<string, unknown>)
      : {};
  const limits: { -readonly [K in keyof ProjectLimits]: number } = {};
  for (const [kind, field] of Object.entries(LIMIT_FIELDS)) {
    const value = record[field];
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1)
      limits[kind as keyof ProjectLimits] = value;
  }
  return limits;
}

/**
 * Whether another read may succeed: a 5xx, 408 or 429 after the retries, a lost connection, a
 * token that could not be had now. A 401 / 403 (no `DataModelsAcl:READ`), 404 or an answer that is
 * not JSON will be the same next time.
 */
function mayPass(error: unknown): boolean {
  if (error instanceof DmsError)
    return error.status >= 500 || error.status === 408 || error.status === 429;
  return !(error instanceof ProtocolError);
}

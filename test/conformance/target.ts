// Where the conformance suites run: an in-process emulator (the default, `npm test`), or a real CDF
// project when `npm run conformance -- --base-url … --project …` sets DMGEN_CONFORMANCE_BASE_URL and
// DMGEN_CONFORMANCE_PROJECT. A target is only an address, a project and a token: the suites speak
// HTTP to both the same way, so a test that passes on one must pass on the other.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { resolveCredentials } from "../../src/pull/credentials.js";
import { createTokenSource } from "../../templates/runtime/auth.js";
import { systemClock } from "../../templates/runtime/retry.js";
import { createUndiciTransport } from "../../templates/runtime/transport-undici.js";

export const BASE_URL_ENV = "DMGEN_CONFORMANCE_BASE_URL";
export const PROJECT_ENV = "DMGEN_CONFORMANCE_PROJECT";

export interface Target {
  /** "emulator" for the in-process emulator, "cdf" for a real project. */
  readonly kind: "emulator" | "cdf";
  /** Scheme, host and port, e.g. "http://127.0.0.1:40123" or "https://westeurope-1.cognitedata.com". */
  readonly baseUrl: string;
  readonly project: string;
  /** A bearer token for the next request (cached and refreshed for client credentials). */
  token(): Promise<string>;
  /** Stops what the target started (the emulator); a CDF target holds nothing. */
  close(): Promise<void>;
}

/** The system model a CDF project always has, preloaded into the emulator target. */
const CORE_MODEL = new URL(
  "../../../shared/fixtures/views/CogniteCore.json",
  import.meta.url,
);

/** CogniteCore as a views/byids response, the views the emulator target starts with. */
export function coreModelViews(): Record<string, unknown> {
  return JSON.parse(readFileSync(CORE_MODEL, "utf8")) as Record<
    string,
    unknown
  >;
}

/** The target the environment selects. */
export async function openTarget(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Target> {
  const baseUrl = env[BASE_URL_ENV]?.trim();
  if (!baseUrl) return emulatorTarget();
  const project = env[PROJECT_ENV]?.trim();
  if (!project)
    throw new Error(`${BASE_URL_ENV} is set, so ${PROJECT_ENV} must be too`);
  return cdfTarget(baseUrl.replace(/\/+$/, ""), project, env);
}

async function emulatorTarget(): Promise<Target> {
  const token = "conformance-token";
  const emulator: RunningEmulator = await startEmulator({
    project: "conformance",
    token,
    views: coreModelViews(),
  });
  return {
    kind: "emulator",
    baseUrl: emulator.url,
    project: emulator.project,
    token: () => Promise.resolve(token),
    close: () => emulator.close(),
  };
}

function cdfTarget(
  baseUrl: string,
  project: string,
  env: Readonly<Record<string, string | undefined>>,
): Target {
  const credentials = resolveCredentials({}, env, baseUrl);
  const tokens = createTokenSource(credentials, {
    transport: createUndiciTransport({ timeoutMs: 60_000 }),
    clock: systemClock,
  });
  return {
    kind: "cdf",
    baseUrl,
    project,
    token: () => tokens.getToken(),
    close: () => Promise.resolve(),
  };
}

/**
 * A space name no one has used: `dmgen_conformance_` and 12 random hex digits (valid space ids
 * are at most 43 characters). The suites write only into spaces named this way.
 */
export function uniqueSpaceName(): string {
  return `${SPACE_PREFIX}${randomBytes(6).toString("hex")}`;
}

export const SPACE_PREFIX = "dmgen_conformance_";

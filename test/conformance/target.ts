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
import { createTokenSource } from "../../templates/runtime/core/auth.js";
import { systemClock } from "../../templates/runtime/core/retry.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";

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

/** System models every CDF project has (views/byids captures), preloaded into the emulator target. */
const SYSTEM_MODELS = [
  { file: "CogniteCore.json", space: "cdf_cdm", externalId: "CogniteCore" },
  {
    file: "CogniteExtractorExtensions.json",
    space: "cdf_extraction_extensions",
    externalId: "CogniteExtractorExtensions",
  },
] as const;

function fixtureViews(file: string): unknown[] {
  const url = new URL(
    `../../../shared/fixtures/views/${file}`,
    import.meta.url,
  );
  return (JSON.parse(readFileSync(url, "utf8")) as { items: unknown[] }).items;
}

/**
 * CDF's system data models as a datamodels/byids response with inline views, the schema the
 * emulator target starts with: CogniteCore (`cdf_cdm:CogniteCore/v1`) and the extractor
 * extensions, each a global data model (a views file alone would give views but no data model).
 */
export function systemModels(): Record<string, unknown> {
  return {
    items: SYSTEM_MODELS.map(({ file, space, externalId }) => ({
      space,
      externalId,
      version: "v1",
      isGlobal: true,
      views: fixtureViews(file),
    })),
  };
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
    views: systemModels(),
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

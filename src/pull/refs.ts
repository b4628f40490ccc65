// Parsing `space:externalId/version` references given on the command line.

import { UserError } from "../errors.js";

/** A data model or view id with its version. */
export interface VersionedRef {
  readonly space: string;
  readonly externalId: string;
  readonly version: string;
}

const REF_PATTERN = /^([^:/\s]+):([^:/\s]+)\/([^:/\s]+)$/;

/** Parses `space:externalId/version`; `flag` names the option in the error message. */
export function parseVersionedRef(text: string, flag: string): VersionedRef {
  const match = REF_PATTERN.exec(text.trim());
  if (!match) {
    throw new UserError(
      `${flag} "${text}" is not of the form space:externalId/version (e.g. cdf_cdm:CogniteCore/v1)`,
    );
  }
  const [, space, externalId, version] = match as unknown as [
    string,
    string,
    string,
    string,
  ];
  return { space, externalId, version };
}

/** `space:externalId/version`, for messages. */
export function formatRef(ref: VersionedRef): string {
  return `${ref.space}:${ref.externalId}/${ref.version}`;
}

/** A map key for a versioned id. */
export function refKey(ref: VersionedRef): string {
  return `${ref.space}\u0000${ref.externalId}\u0000${ref.version}`;
}

// @cognite/sdk 10.x ships declarations whose relative imports have no file extensions, which
// module "nodenext" cannot follow (the package exports nothing to tsc). The suites use the SDK
// through this loosely typed handle; at run time it is the real package.

import * as sdkModule from "@cognite/sdk";

export interface SdkOptions {
  appId: string;
  baseUrl: string;
  project: string;
  oidcTokenProvider: () => Promise<string>;
}

/** The SDK's client; its API surface is untyped here (see above). */
export const CogniteClient = (sdkModule as any).CogniteClient as new (
  options: SdkOptions,
) => any;

/** The SDK's error: status, message, missing, duplicated. */
export interface CogniteError extends Error {
  status: number;
  errorMessage: string;
  missing?: object[];
  duplicated?: unknown[];
}

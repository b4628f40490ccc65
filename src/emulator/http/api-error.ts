// Errors in the API's wire format: {"error": {"code", "message", "missing"?, "duplicated"?}}.
// Handlers throw ApiError; the server turns it into a response with the matching status.

import type { ApiErrorBody } from "../../../templates/runtime/core/wire.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly missing?: Record<string, unknown>[],
    readonly duplicated?: Record<string, unknown>[],
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    const error: ApiErrorBody["error"] = {
      code: this.status,
      message: this.message,
    };
    if (this.missing && this.missing.length > 0) error.missing = this.missing;
    if (this.duplicated && this.duplicated.length > 0)
      error.duplicated = this.duplicated;
    return { error };
  }
}

export function badRequest(
  message: string,
  extra?: {
    missing?: Record<string, unknown>[];
    duplicated?: Record<string, unknown>[];
  },
): ApiError {
  return new ApiError(400, message, extra?.missing, extra?.duplicated);
}

export function errorBody(status: number, message: string): ApiErrorBody {
  return { error: { code: status, message } };
}

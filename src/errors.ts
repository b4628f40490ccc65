// Errors caused by the user (bad flags, bad input files, bad config). The CLI prints their message
// alone, with no stack trace, and exits with code 2. Anything else is a bug in dmgen.

export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    /** The file the problem is in, when there is one. */
    readonly file?: string,
    /** A JSON path into that file (`$.items[3].properties.name.type`), when there is one. */
    readonly jsonPath?: string,
  ) {
    super(formatLocation(file, jsonPath) + message);
  }
}

function formatLocation(
  file: string | undefined,
  jsonPath: string | undefined,
): string {
  if (file && jsonPath) return `${file}: at ${jsonPath}: `;
  if (file) return `${file}: `;
  if (jsonPath) return `at ${jsonPath}: `;
  return "";
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

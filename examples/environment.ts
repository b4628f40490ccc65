// What both examples read from the environment: where the API is and the token to send.

/** Connection settings from CDF_BASE_URL, CDF_PROJECT and CDF_TOKEN. */
export interface Connection {
  readonly baseUrl: string;
  readonly project: string;
  readonly token: string;
}

/** The value of a required variable, or an exit with a message naming it. */
export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    process.stderr.write(`${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

export function connectionFromEnvironment(): Connection {
  return {
    baseUrl: required("CDF_BASE_URL"),
    project: required("CDF_PROJECT"),
    token: required("CDF_TOKEN"),
  };
}

// `dmgen pull`: commander wiring only; the work is in src/pull/.

import { Command } from "commander";
import { UserError } from "../errors.js";
import { parseVersionedRef, pull, resolveCredentials } from "../pull/index.js";
import { systemClock, type Clock } from "../../templates/runtime/core/retry.js";

interface PullFlags {
  baseUrl?: string;
  project?: string;
  dataModel?: string[];
  view?: string[];
  out?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
  scopes?: string;
  timeout?: string;
}

/** The `pull` command; the CLI adds it with `program.addCommand(pullCommand())`. */
export function pullCommand(
  env: Readonly<Record<string, string | undefined>> = process.env,
  log: (line: string) => void = (line) => process.stdout.write(line + "\n"),
  progress: (line: string) => void = (line) =>
    process.stderr.write(`dmgen pull: ${line}\n`),
  /** The clock retries wait on (tests: one that does not wait). */
  clock: Clock = systemClock,
): Command {
  return new Command("pull")
    .description(
      "download view definitions from CDF into a file that `dmgen generate --input` reads",
    )
    .option(
      "--base-url <url>",
      "cluster URL, e.g. https://westeurope-1.cognitedata.com (env CDF_BASE_URL)",
    )
    .option("--project <project>", "CDF project (env CDF_PROJECT)")
    .option(
      "--data-model <space:externalId/version...>",
      "data model(s) whose views to download",
    )
    .option(
      "--view <space:externalId/version...>",
      "single view(s) to download",
    )
    .option("--out <file>", "the JSON file to write")
    .option(
      "--token <token>",
      "bearer token (prefer env CDF_TOKEN: flags end up in shell history)",
    )
    .option("--client-id <id>", "OAuth client id (env CDF_CLIENT_ID)")
    .option(
      "--client-secret <secret>",
      "OAuth client secret (env CDF_CLIENT_SECRET)",
    )
    .option("--token-url <url>", "OAuth token URL (env CDF_TOKEN_URL)")
    .option(
      "--scopes <scopes>",
      "OAuth scopes, space or comma separated (env CDF_SCOPES)",
    )
    .option("--timeout <ms>", "request timeout in milliseconds", "60000")
    .action(async (flags: PullFlags) => {
      const options = pullOptionsFromFlags(flags, env);
      // Progress goes to stderr, so that stdout keeps the one summary line.
      const summary = await pull({ ...options, onProgress: progress, clock });
      log(`Wrote ${summary.viewCount} view(s) to ${summary.out}`);
    });
}

/** Validates the flags into pull options; throws `UserError` on mistakes. */
export function pullOptionsFromFlags(
  flags: PullFlags,
  env: Readonly<Record<string, string | undefined>>,
) {
  const connection = connectionFromFlags(flags, env);
  if (!flags.out) throw new UserError("--out <file> is required");
  return {
    ...connection,
    out: flags.out,
    views: (flags.view ?? []).map((ref) => parseVersionedRef(ref, "--view")),
  };
}

/** What pull and drift share: where to connect, how, and which data models. */
export type ConnectionFlags = Omit<PullFlags, "out" | "view">;

/** Validates the connection flags (pull's and drift's); throws `UserError` on mistakes. */
export function connectionFromFlags(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
) {
  const baseUrl = flags.baseUrl ?? env.CDF_BASE_URL;
  const project = flags.project ?? env.CDF_PROJECT;
  if (!baseUrl)
    throw new UserError("--base-url is required (or set CDF_BASE_URL)");
  if (!/^https?:\/\//.test(baseUrl))
    throw new UserError(
      `--base-url "${baseUrl}" must start with https:// or http://`,
    );
  if (!project)
    throw new UserError("--project is required (or set CDF_PROJECT)");
  const timeoutMs = Number(flags.timeout ?? "60000");
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new UserError(
      `--timeout "${flags.timeout}" must be a positive number of milliseconds`,
    );
  }
  return {
    baseUrl,
    project,
    timeoutMs,
    dataModels: (flags.dataModel ?? []).map((ref) =>
      parseVersionedRef(ref, "--data-model"),
    ),
    credentials: resolveCredentials(flags, env, baseUrl),
  };
}

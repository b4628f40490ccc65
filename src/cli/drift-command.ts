// `dmgen drift`: commander wiring only; the work is in src/drift/.

import { Command } from "commander";
import { relative, resolve } from "node:path";
import { configModels, readConfig } from "../config/index.js";
import { drift } from "../drift/index.js";
import {
  driftExitCode,
  formatDriftJson,
  formatDriftText,
} from "../drift/report.js";
import { UserError } from "../errors.js";
import { connectionFromFlags } from "./pull-command.js";

interface DriftFlags {
  out?: string;
  config?: string;
  baseUrl?: string;
  project?: string;
  dataModel?: string[];
  json?: boolean;
  strict?: boolean;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
  scopes?: string;
  timeout?: string;
}

const HELP_AFTER = `
Compares the live views of the project with what the generated code was generated from (the
output's dmgen.record.json, written by dmgen generate), and prints each difference:
  breaking  the generated code no longer fits: a view or property gone, a type, list-ness or
            container mapping changed, a property became required, a relation's target or edge
            type changed. Writes or reads through the view fail or return what the types lack.
  additive  the code still works: a new optional property, a new view in the data model, a
            changed name or description. Regenerate to use what is new.
  stale     the data model (--data-model) lists another version of a generated view; what
            differs in that version is listed, classified as above.

Exit codes: 0 nothing breaks; 1 breaking drift (with --strict: any drift); 2 bad usage, bad
credentials or no connection. Credentials as for dmgen pull: CDF_TOKEN, or CDF_CLIENT_ID,
CDF_CLIENT_SECRET and CDF_TOKEN_URL (CDF_SCOPES optional). Progress goes to stderr.`;

/** The `drift` command; `report` receives the exit code. */
export function driftCommand(
  report: (exitCode: number) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
  progress: (line: string) => void = (line) =>
    process.stderr.write(`dmgen drift: ${line}\n`),
  cwd = process.cwd(),
): Command {
  return new Command("drift")
    .description(
      "check the generated code against the live views of a project: breaking, additive and stale changes",
    )
    .option(
      "-o, --out <dir>",
      "a generated output folder (default: the config's outputs)",
    )
    .option(
      "-c, --config <file>",
      "config file whose outputs to check (default: ./dmgen.config.json)",
    )
    .option(
      "--base-url <url>",
      "cluster URL, e.g. https://westeurope-1.cognitedata.com (env CDF_BASE_URL)",
    )
    .option("--project <project>", "CDF project (env CDF_PROJECT)")
    .option(
      "--data-model <space:externalId/version...>",
      "data model(s) whose current view versions to compare with the generated ones",
    )
    .option("--json", "print the report as JSON")
    .option("--strict", "exit 1 on any drift, not only on breaking drift")
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
    .addHelpText("after", HELP_AFTER)
    .action(async (flags: DriftFlags) => {
      const outputs = await outputFolders(flags, cwd);
      const connection = connectionFromFlags(flags, env);
      const result = await drift({
        ...connection,
        outputs,
        onProgress: progress,
      });
      const relativePath = (folder: string) => relative(cwd, folder) || ".";
      write(
        flags.json
          ? formatDriftJson(result, relativePath)
          : formatDriftText(result, relativePath),
      );
      report(driftExitCode(result, flags.strict === true));
    });
}

/** `--out`, or every output of the config (`--config`, or ./dmgen.config.json). */
async function outputFolders(
  flags: DriftFlags,
  cwd: string,
): Promise<string[]> {
  if (flags.out !== undefined && flags.config !== undefined)
    throw new UserError("give --out or --config, not both");
  if (flags.out !== undefined) return [resolve(cwd, flags.out)];
  const config = await readConfig(flags.config, cwd);
  if (!config)
    throw new UserError(
      "missing --out <dir> (the generated folder) or --config <file> (no dmgen.config.json here)",
    );
  const outs = configModels(config)
    .map((model) => model.out)
    .filter((out): out is string => out !== undefined);
  if (outs.length === 0)
    throw new UserError(`${config.file} sets no "out": give --out <dir>`);
  return outs;
}

// `npm run conformance [-- --base-url <url> --project <p>] [-- <vitest filters>]`: runs the
// conformance suites (test/conformance) against a real CDF project, or against an in-process
// emulator when no base URL is given. The suites create uniquely named spaces and delete them
// (with everything in them) afterwards; they refuse to write anywhere else.

import { spawn } from "node:child_process";
import { URL, fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HELP = `Usage: npm run conformance -- [--base-url <url> --project <project>] [vitest filters...]

Without --base-url the suites run against an in-process emulator (as npm test does).
With it they run against that CDF project, authenticated from the environment:
  CDF_TOKEN                                          a bearer token, or
  CDF_CLIENT_ID, CDF_CLIENT_SECRET, CDF_TOKEN_URL    client credentials (CDF_SCOPES optional,
                                                     default <base-url>/.default)
Each suite creates a space named dmgen_conformance_<12 hex digits>, writes only there, and
deletes it with everything in it when it ends.`;

function usage(message) {
  console.error(`dmgen conformance: ${message}\n\n${HELP}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      "base-url": { type: "string" },
      project: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
} catch (error) {
  usage(error.message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const env = { ...process.env };
delete env.DMGEN_CONFORMANCE_BASE_URL;
delete env.DMGEN_CONFORMANCE_PROJECT;
if (values["base-url"] !== undefined || values.project !== undefined) {
  const baseUrl = values["base-url"] ?? usage("--project needs --base-url");
  const project = values.project ?? usage("--base-url needs --project");
  let url;
  try {
    url = new URL(baseUrl);
  } catch {
    usage(`--base-url ${JSON.stringify(baseUrl)} is not a URL`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    usage(
      `--base-url must be https:// (http:// only on loopback), got ${baseUrl}`,
    );
  if (url.pathname !== "/" || url.search)
    usage(
      `--base-url is the cluster address only, e.g. https://westeurope-1.cognitedata.com`,
    );
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(project))
    usage(`--project ${JSON.stringify(project)} is not a project name`);
  const has = (name) => Boolean(env[name]?.trim());
  const clientCredentials = [
    "CDF_CLIENT_ID",
    "CDF_CLIENT_SECRET",
    "CDF_TOKEN_URL",
  ];
  if (!has("CDF_TOKEN") && !clientCredentials.every(has))
    usage(
      "no credentials: set CDF_TOKEN, or CDF_CLIENT_ID, CDF_CLIENT_SECRET and CDF_TOKEN_URL",
    );
  env.DMGEN_CONFORMANCE_BASE_URL = url.origin;
  env.DMGEN_CONFORMANCE_PROJECT = project;
  console.log(`dmgen conformance: against project ${project} at ${url.origin}`);
} else {
  console.log("dmgen conformance: against an in-process emulator");
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const vitest = fileURLToPath(
  new URL("../../node_modules/vitest/vitest.mjs", import.meta.url),
);
// Filters name files of test/conformance ("instances", "schema.test.ts"). One file at a time:
// against a project the suites keep to a few requests at once.
const files = positionals.length > 0 ? positionals : [""];
const child = spawn(
  process.execPath,
  [
    vitest,
    "run",
    "--no-file-parallelism",
    ...files.map((filter) => `test/conformance/${filter}`),
  ],
  { cwd: root, env, stdio: "inherit" },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

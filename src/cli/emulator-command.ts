// `dmgen emulator`: a local DMS emulator. Prints the URL it listens on as the first stdout line and
// how to point a client at it as the second, runs until SIGINT / SIGTERM / SIGHUP or until its
// parent process (e.g. `npx`) is gone, then closes (saving state when --data is given).

import { Command } from "commander";
import { UserError } from "../errors.js";
import {
  emulatorInput,
  parseCorsPolicy,
  parseFaultSpec,
  startEmulator,
  type EmulatorOptions,
} from "../emulator/index.js";
import { PROJECT_PATTERN } from "../emulator/projects.js";
import { parseAllowedHosts } from "../emulator/http/request-guard.js";
import { loadInputs } from "../input/index.js";

interface EmulatorFlags {
  host: string;
  port: string;
  views?: string[];
  data?: string;
  project?: string;
  spaces?: string;
  cors: string;
  allowHost?: string[];
  token?: string;
  faults?: string;
  seed?: string;
  saveInterval?: string;
}

export function emulatorCommand(): Command {
  return new Command("emulator")
    .description(
      "Run a local emulator of the CDF Data Modeling (DMS) API for views and instances",
    )
    .option(
      "--host <host>",
      "interface to listen on (another than loopback without --token prints a warning)",
      "127.0.0.1",
    )
    .option("--port <port>", "port to listen on (0 picks a free port)", "0")
    .option(
      "--views <paths...>",
      "view definition files or folders (every input shape `generate` accepts)",
    )
    .option(
      "--data <file>",
      "load state from this file at start and save it there (atomically) while running and on exit",
    )
    .option(
      "--project <name>",
      "serve only this project name (default: any project, each with its own state)",
    )
    .option(
      "--spaces <list>",
      "comma-separated instance spaces to create at start (the views' spaces always exist)",
    )
    .option(
      "--cors <origins>",
      'browser origins allowed: "loopback" (localhost pages), "any", "off", or a comma-separated list; ' +
        "requests from other origins get 403",
      "loopback",
    )
    .option(
      "--allow-host <names...>",
      "host names accepted in the Host header besides localhost, 127.0.0.1, [::1] and the " +
        "listening address (other names get 403, which keeps DNS-rebinding pages out)",
    )
    .option(
      "--token <token>",
      "accept only this bearer token (without it any token is accepted)",
    )
    .option(
      "--faults <spec>",
      "inject faults, e.g. 429:0.1,503:0.05:retry-after=2,reset:0.02,latency:5-50ms; " +
        'the option "after" processes the request first (the write happens, the client sees ' +
        "the failure), e.g. reset:0.03:after or 503:0.05:after",
    )
    .option("--seed <n>", "seed for the fault generator, so runs repeat", "1")
    .option(
      "--save-interval <seconds>",
      "with --data: save this often when something changed (default 5); a kill -9 loses at " +
        "most the writes of the last interval plus one save",
    )
    .action(async (flags: EmulatorFlags) => {
      await runEmulator(await emulatorOptions(flags));
    });
}

async function emulatorOptions(flags: EmulatorFlags): Promise<EmulatorOptions> {
  const options: EmulatorOptions = {
    host: flags.host,
    port: integerFlag("--port", flags.port, 0, 65535),
    cors: parseCorsPolicy(flags.cors),
  };
  if (flags.project !== undefined) {
    if (!PROJECT_PATTERN.test(flags.project))
      throw new UserError(
        `--project: "${flags.project}" is not a valid project name`,
      );
    options.project = flags.project;
  }
  if (flags.spaces !== undefined) options.spaces = spaceList(flags.spaces);
  if (flags.views && flags.views.length > 0)
    options.views = await loadInputs(flags.views);
  if (flags.data !== undefined) options.dataFile = flags.data;
  if (flags.saveInterval !== undefined && flags.data === undefined)
    throw new UserError("--save-interval: needs --data <file> to save to");
  if (flags.saveInterval !== undefined)
    options.saveIntervalMs = secondsFlag("--save-interval", flags.saveInterval);
  if (flags.token !== undefined) options.token = flags.token;
  if (flags.allowHost !== undefined) {
    try {
      options.allowedHosts = parseAllowedHosts(flags.allowHost);
    } catch (error) {
      throw new UserError(`--allow-host: ${(error as Error).message}`);
    }
  }
  if (flags.faults !== undefined) options.faults = parseFaultSpec(flags.faults);
  if (flags.seed !== undefined)
    options.seed = integerFlag("--seed", flags.seed, 0, 2 ** 32 - 1);
  return options;
}

function spaceList(text: string): string[] {
  const spaces = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const space of spaces)
    if (!/^[a-zA-Z][a-zA-Z0-9_-]{0,41}[a-zA-Z0-9]?$/.test(space))
      throw new UserError(
        `--spaces: "${space}" is not a valid space identifier`,
      );
  return spaces;
}

/** Seconds from 0.1 to 3600, decimals allowed; returned in milliseconds. */
function secondsFlag(name: string, value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 0.1 || seconds > 3600)
    throw new UserError(
      `${name}: expected seconds from 0.1 to 3600, got "${value}"`,
    );
  return Math.round(seconds * 1000);
}

function integerFlag(
  name: string,
  value: string,
  min: number,
  max: number,
): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max)
    throw new UserError(
      `${name}: expected an integer from ${min} to ${max}, got "${value}"`,
    );
  return parsed;
}

async function runEmulator(options: EmulatorOptions): Promise<void> {
  const emulator = await startEmulator(options).catch(
    (error: NodeJS.ErrnoException) => {
      if (
        error.code === "EADDRINUSE" ||
        error.code === "EACCES" ||
        error.code === "EADDRNOTAVAIL"
      ) {
        throw new UserError(
          `cannot listen on ${options.host}:${options.port}: ${error.code}`,
        );
      }
      throw error;
    },
  );
  const warning = exposureWarning(options.host ?? "127.0.0.1", options.token);
  if (warning) process.stderr.write(`dmgen emulator: ${warning}\n`);
  const viewCount = emulatorInput(options.views).views.length;
  process.stdout.write(`${emulator.url}\n`);
  process.stdout.write(
    `Point a client at base URL ${emulator.url} with project "${emulator.project}"${options.project ? "" : " (or any other project name)"}, e.g. ${emulator.url}/api/v1/projects/${emulator.project}/models/views\n`,
  );
  process.stderr.write(
    `dmgen emulator: ${viewCount} ${viewCount === 1 ? "view" : "views"}${options.dataFile ? `, state in ${options.dataFile}` : ""}; stop with Ctrl-C\n`,
  );
  const signal = await untilStopped();
  await emulator.close().catch((error: unknown) => {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(
      `stopped (${signal}), but ${error.message}; the changes since the last save are lost`,
    );
  });
  process.stderr.write(
    `dmgen emulator: stopped (${signal})${options.dataFile ? `, state saved to ${options.dataFile}` : ""}\n`,
  );
}

/** The warning for an emulator other machines can reach without a token, or undefined. */
export function exposureWarning(
  host: string,
  token: string | undefined,
): string | undefined {
  if (token !== undefined || isLoopbackHost(host)) return undefined;
  return `warning: listening on ${host} without --token: anyone who can reach this address can read and write the emulator's data; give --token <secret>`;
}

/** Whether the emulator is reachable from this machine only. */
function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return (
    name === "localhost" ||
    name === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(name)
  );
}

/**
 * Resolves on SIGINT, SIGTERM or SIGHUP, or when the parent process is gone: `npx` does not always
 * pass signals on to its child, so a watch on the parent makes `kill <npx pid>` stop the server too.
 */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    const stop = (reason: string) => {
      for (const signal of signals) process.off(signal, stop);
      clearInterval(watch);
      resolve(reason);
    };
    for (const signal of signals) process.on(signal, stop);
    const watch = setInterval(() => {
      if (process.ppid !== parent) stop("parent process exited");
    }, 250);
  });
}

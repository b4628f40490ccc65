// `dmgen emulator`: a local DMS emulator. Prints the URL it listens on as the first stdout line,
// runs until SIGINT / SIGTERM, then closes (saving state when --data is given).

import { Command } from "commander";
import { UserError } from "../errors.js";
import {
  parseFaultSpec,
  startEmulator,
  type EmulatorOptions,
} from "../emulator/index.js";
import { loadInputs } from "../input/index.js";

interface EmulatorFlags {
  host: string;
  port: string;
  views?: string[];
  data?: string;
  project: string;
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
    .option("--host <host>", "interface to listen on", "127.0.0.1")
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
      "the project name served under /api/v1/projects/{project}",
      "emulator",
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
    project: flags.project,
  };
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(flags.project))
    throw new UserError(
      `--project: "${flags.project}" is not a valid project name`,
    );
  if (flags.views && flags.views.length > 0) {
    const input = await loadInputs(flags.views);
    options.views = input.views;
    options.dataModels = input.dataModels;
  }
  if (flags.data !== undefined) options.dataFile = flags.data;
  if (flags.saveInterval !== undefined && flags.data === undefined)
    throw new UserError("--save-interval: needs --data <file> to save to");
  if (flags.saveInterval !== undefined)
    options.saveIntervalMs = secondsFlag("--save-interval", flags.saveInterval);
  if (flags.token !== undefined) options.token = flags.token;
  if (flags.faults !== undefined) options.faults = parseFaultSpec(flags.faults);
  if (flags.seed !== undefined)
    options.seed = integerFlag("--seed", flags.seed, 0, 2 ** 32 - 1);
  return options;
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
  process.stdout.write(`${emulator.url}\n`);
  process.stderr.write(
    `dmgen emulator: project "${emulator.project}", ${options.views?.length ?? 0} views; API at ${emulator.url}/api/v1/projects/${emulator.project}/models\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(received);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await emulator.close();
  process.stderr.write(
    `dmgen emulator: stopped (${signal})${options.dataFile ? `, state saved to ${options.dataFile}` : ""}\n`,
  );
}

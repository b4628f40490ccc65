// The command line: commander wiring only. Returns the exit code instead of exiting, and takes
// its working folder and output streams as arguments, so that tests run it in-process. User
// errors print one line, without a stack trace, and give 2; a failure of dmgen itself prints its
// stack and gives 3.

import { Command, CommanderError } from "commander";
import { isUserError } from "../errors.js";
import { generateCommand } from "./generate-command.js";

const VERSION = "0.1.0";

/** Where a run of the CLI reads relative paths from and writes its text to. */
export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * True when the CLI is the whole process (bin/dmgen.js): only then may it set process-wide
   * tuning for a short run (V8 flags), which would linger in a test worker.
   */
  readonly ownsProcess: boolean;
}

/** The process's own working folder and streams: what bin/dmgen.js runs with. */
export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    ownsProcess: true,
  };
}

export async function main(
  argv: readonly string[],
  io: CliIo = processIo(),
): Promise<number> {
  let exitCode = 0;
  const output = { writeOut: io.stdout, writeErr: io.stderr };
  const program = new Command("dmgen")
    .description(
      "Typed TypeScript for Cognite Data Fusion data models, and a local DMS emulator",
    )
    .version(VERSION, "-v, --version")
    .exitOverride()
    .configureOutput(output)
    .showSuggestionAfterError(true);
  program.addCommand(generateCommand((code) => (exitCode = code), io));
  await addOptionalCommands(program, argv, io, (code) => (exitCode = code));
  // Subcommands do not inherit these: without them commander would exit the process itself.
  for (const command of program.commands) {
    command
      .exitOverride()
      .configureOutput(output)
      .showSuggestionAfterError(true);
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return handleError(error, io.stderr);
  }
}

/**
 * `emulator`, `pull` and `drift` load more code (an HTTP server, undici); `generate` must start fast, so
 * they are loaded only when asked for, or for help.
 */
async function addOptionalCommands(
  program: Command,
  argv: readonly string[],
  io: CliIo,
  report: (exitCode: number) => void,
): Promise<void> {
  const first = argv.find((arg) => !arg.startsWith("-"));
  const wantsAll = first === undefined || first === "help";
  if (wantsAll || first === "emulator") {
    const { emulatorCommand } = await import("./emulator-command.js");
    program.addCommand(emulatorCommand());
  }
  if (wantsAll || first === "pull") {
    const { pullCommand } = await import("./pull-command.js");
    program.addCommand(
      pullCommand(
        process.env,
        (line) => io.stdout(`${line}\n`),
        (line) => io.stderr(`dmgen pull: ${line}\n`),
      ),
    );
  }
  if (wantsAll || first === "drift") {
    const { driftCommand } = await import("./drift-command.js");
    program.addCommand(
      driftCommand(
        report,
        process.env,
        io.stdout,
        (line) => io.stderr(`dmgen drift: ${line}\n`),
        io.cwd,
      ),
    );
  }
}

/** Exit code of a failure in dmgen itself (a bug), apart from 1 (`--check` found stale output). */
export const INTERNAL_ERROR_EXIT_CODE = 3;

/**
 * The exit code for an error that ended a command, after telling the user about it: a user error
 * is one line; anything else is a bug in dmgen, reported with its stack (for the bug report) and
 * its own exit code, so that a script never takes a crash for stale output.
 */
export function handleError(
  error: unknown,
  stderr: (text: string) => void = (text) => process.stderr.write(text),
): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isUserError(error)) {
    stderr(`dmgen: ${error.message}\n`);
    return 2;
  }
  const detail =
    error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr(
    `dmgen: internal error (a bug in dmgen; please report it):\n${detail}\n`,
  );
  return INTERNAL_ERROR_EXIT_CODE;
}

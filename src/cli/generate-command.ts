// `dmgen generate`: flags and config → settings → generate → write or check.

import { Command, Option } from "commander";
import { resolve } from "node:path";
import {
  DEFAULT_CODE_OPTIONS,
  readConfig,
  type ConfigFile,
  type GenerateSettings,
} from "../config/index.js";
import { UserError } from "../errors.js";
import { generate, RecordingTimer } from "../generate.js";
import { diffOutput, isStale, writeOutput } from "../output/write.js";

interface GenerateFlags {
  input?: string[];
  out?: string;
  config?: string;
  check?: boolean;
  format?: boolean;
  timings?: boolean;
  transport?: "undici" | "fetch";
  timestamps?: "date" | "string";
  int64?: "number" | "bigint";
  propertyNaming?: "camelCase" | "preserve";
}

export function generateCommand(report: (exitCode: number) => void): Command {
  return new Command("generate")
    .description("generate typed TypeScript from CDF view definitions")
    .option(
      "-i, --input <path...>",
      "view definitions: a JSON file or a folder of them (repeatable)",
    )
    .option("-o, --out <dir>", "output folder")
    .option(
      "-c, --config <file>",
      "config file (default: ./dmgen.config.json when present)",
    )
    .option(
      "--check",
      "generate in memory and exit 1 when the output folder is stale; writes nothing",
    )
    .option(
      "--no-format",
      "never run prettier, even when a prettier config is found",
    )
    .option("--timings", "print how long each stage took")
    .addOption(
      new Option(
        "--transport <name>",
        "HTTP transport the client imports",
      ).choices(["undici", "fetch"]),
    )
    .addOption(
      new Option(
        "--timestamps <type>",
        "type of timestamp values on read",
      ).choices(["date", "string"]),
    )
    .addOption(
      new Option(
        "--int64 <type>",
        "type of int64 values on apply and read (bigint: exact to 2^63)",
      ).choices(["number", "bigint"]),
    )
    .addOption(
      new Option(
        "--property-naming <style>",
        "TypeScript names of properties",
      ).choices(["camelCase", "preserve"]),
    )
    .addHelpText(
      "after",
      `
Input: a views/byids response {"items": [...]}, data models with inline views, a bare array of
views, or a folder of such JSON files. The config file (dmgen.config.json) takes the same options
plus naming overrides; flags win over it. Exit codes: 0 done, 1 --check found stale output,
2 bad usage or bad input.`,
    )
    .action(async (flags: GenerateFlags) => {
      report(await runGenerate(flags));
    });
}

export async function runGenerate(
  flags: GenerateFlags,
  cwd = process.cwd(),
): Promise<number> {
  const config = await readConfig(flags.config, cwd);
  const settings = mergeSettings(flags, config, cwd);
  const timer = new RecordingTimer();
  const started = performance.now();
  const result = await generate(settings, timer);
  const diff = await timer.stageAsync("compare", () =>
    diffOutput(settings.out, result.files),
  );
  let exitCode = 0;
  if (flags.check) {
    exitCode = reportCheck(settings.out, diff) ? 1 : 0;
  } else {
    await timer.stageAsync("write", () =>
      writeOutput(settings.out, result.files, diff),
    );
    const written = diff.changed.length + diff.missing.length;
    process.stdout.write(
      `dmgen: ${result.viewCount} views → ${settings.out}: ${written} written, ${diff.leftover.length} removed, ${diff.unchanged} unchanged\n`,
    );
  }
  if (flags.timings)
    printTimings(timer, performance.now() - started, result.formatted);
  return exitCode;
}

function mergeSettings(
  flags: GenerateFlags,
  config: ConfigFile | undefined,
  cwd: string,
): GenerateSettings {
  const input = flags.input?.map((p) => resolve(cwd, p)) ?? config?.input;
  const out = flags.out !== undefined ? resolve(cwd, flags.out) : config?.out;
  if (!input || input.length === 0)
    throw new UserError(
      'missing --input <file|dir> (or "input" in the config file)',
    );
  if (!out)
    throw new UserError('missing --out <dir> (or "out" in the config file)');
  const naming = config?.naming ?? DEFAULT_CODE_OPTIONS.naming;
  return {
    input,
    out,
    // commander sets format: true unless --no-format; the file can turn it off too.
    format: flags.format === false ? false : (config?.format ?? true),
    transport:
      flags.transport ?? config?.transport ?? DEFAULT_CODE_OPTIONS.transport,
    timestamps:
      flags.timestamps ?? config?.timestamps ?? DEFAULT_CODE_OPTIONS.timestamps,
    int64: flags.int64 ?? config?.int64 ?? DEFAULT_CODE_OPTIONS.int64,
    naming: flags.propertyNaming
      ? { ...naming, properties: flags.propertyNaming }
      : naming,
    ...(config ? { configFile: config.file } : {}),
  };
}

/** Prints what is stale; true when anything is. */
function reportCheck(
  out: string,
  diff: Awaited<ReturnType<typeof diffOutput>>,
): boolean {
  if (!isStale(diff) && diff.foreign.length === 0) {
    process.stdout.write(`dmgen: ${out} is up to date\n`);
    return false;
  }
  const lines = [`dmgen: ${out} is stale:`];
  for (const path of diff.changed) lines.push(`  changed:  ${path}`);
  for (const path of diff.missing) lines.push(`  missing:  ${path}`);
  for (const path of diff.leftover) lines.push(`  leftover: ${path}`);
  for (const path of diff.foreign)
    lines.push(
      `  foreign:  ${path} (not generated by dmgen; would not be overwritten)`,
    );
  lines.push("Run dmgen generate (without --check) to update it.");
  process.stderr.write(`${lines.join("\n")}\n`);
  return true;
}

function printTimings(
  timer: RecordingTimer,
  totalMs: number,
  formatted: boolean,
): void {
  const rows = timer.stages.map(
    ({ name, ms }) => `  ${name.padEnd(8)} ${ms.toFixed(1).padStart(8)} ms`,
  );
  const processMs = performance.now();
  process.stderr.write(
    `dmgen timings${formatted ? " (prettier ran)" : ""}:\n${rows.join("\n")}\n  ${"total".padEnd(8)} ${totalMs.toFixed(1).padStart(8)} ms (process up ${processMs.toFixed(0)} ms)\n`,
  );
}

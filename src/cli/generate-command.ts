// `dmgen generate`: flags and config → settings → generate → write or check.

import { Command, Option } from "commander";
import { resolve } from "node:path";
import {
  ALL_FEATURES,
  configModels,
  DEFAULT_CODE_OPTIONS,
  parseFeatures,
  readConfig,
  type ConfigFile,
  type GenerateSettings,
} from "../config/index.js";
import { UserError } from "../errors.js";
import { generate, RecordingTimer, type GenerateResult } from "../generate.js";
import { warnMissingDependency, warnNotModule } from "./dependency-check.js";
import type { CliIo } from "./main.js";
import { preferShortRunJit } from "../output/format-pool.js";
import {
  diffOutput,
  isStale,
  writeOutput,
  type OutputDiff,
} from "../output/write.js";

interface GenerateFlags {
  input?: string[];
  out?: string;
  /** A path, or false for --no-config. */
  config?: string | false;
  check?: boolean;
  format?: boolean;
  timings?: boolean;
  transport?: "undici" | "fetch";
  timestamps?: "date" | "string";
  int64?: "number" | "bigint";
  features?: string;
  propertyNaming?: "camelCase" | "preserve";
}

export function generateCommand(
  report: (exitCode: number) => void,
  io: CliIo,
): Command {
  return new Command("generate")
    .description("generate typed TypeScript from CDF view definitions")
    .option(
      "-i, --input <path...>",
      "view definitions: a JSON file or a folder of them (repeatable)",
    )
    .option("-o, --out <dir>", "output folder")
    .option(
      "-c, --config <file>",
      "config file (default: ./dmgen.config.json when present, unless --input and --out are given)",
    )
    .option("--no-config", "read no config file")
    .option(
      "--check",
      "generate in memory and exit 1 when the output folder is stale; writes nothing",
    )
    .option(
      "--no-format",
      "never run prettier, even when a prettier config is found",
    )
    .option(
      "--timings",
      "print each stage's time as it ends (progress on large models), on stderr",
    )
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
    .option(
      "--features <list>",
      `optional client features, comma-separated: ${ALL_FEATURES.join(", ")}, all (default) or none`,
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
plus naming overrides, or several models ("models": [{"input", "out", ...}]); flags win over
it. With --input and --out, ./dmgen.config.json is not read (--config names one to read).
Features (--features, "features" in the config): include (list/retrieve/search with include),
graph (client.graph, query, sync of result-set graphs), search (search and aggregate), drift
(verifyViews), spaces (client.spaces). A feature left out has neither runtime files nor types in the output; apply,
retrieve, list with where/sort/select, sync and delete are always there. Their code is loaded on
first use, so a bundler that splits (esbuild --splitting, Vite) ships it only to apps that call it.
Exit codes: 0 done, 1 --check found stale output, 2 bad usage, bad input or an output
folder that cannot be written, 3 a bug in dmgen (reported with its stack trace).`,
    )
    .action(async (flags: GenerateFlags) => {
      if (io.ownsProcess) preferShortRunJit();
      report(await runGenerate(flags, io));
    });
}

export async function runGenerate(
  flags: GenerateFlags,
  io: CliIo,
): Promise<number> {
  const { cwd } = io;
  const config = await configFor(flags, cwd);
  if (config?.models && (flags.input || flags.out))
    throw new UserError(
      `${config.file} lists several models: --input and --out cannot be combined with it (use --no-config, or a config per model)`,
    );
  const targets = config ? configModels(config) : [undefined];
  // Generate every model before writing any, so that a bad input writes nothing at all.
  const runs: ModelRun[] = [];
  for (const target of targets) {
    const settings = mergeSettings(flags, target, cwd);
    const timer = flags.timings
      ? new ProgressTimer(
          targets.length > 1 ? settings.out : undefined,
          io.stderr,
        )
      : new RecordingTimer();
    const started = performance.now();
    const result = await generate(settings, timer, cwd);
    runs.push({ settings, timer, ms: performance.now() - started, result });
  }
  const compared: ComparedRun[] = [];
  for (const run of runs) {
    const started = performance.now();
    const diff = await run.timer.stageAsync("compare", () =>
      diffOutput(run.settings.out, run.result.files),
    );
    compared.push({ ...run, diff, ms: run.ms + performance.now() - started });
  }
  // A folder holding a file dmgen would overwrite but did not generate stops everything, before
  // any model is written (writeOutput refuses it with the message naming the files).
  const blocked = compared.find((run) => run.diff.foreign.length > 0);
  if (!flags.check && blocked)
    await writeOutput(blocked.settings.out, blocked.result.files, blocked.diff);
  let exitCode = 0;
  const warned = new Set<string>();
  const warnedNotModule = new Set<string>();
  for (const run of compared) {
    exitCode = Math.max(exitCode, await finishModel(run, flags, io));
    warnMissingDependency(run.settings, warned, io.stderr);
    warnNotModule(run.settings, warnedNotModule, io.stderr);
  }
  return exitCode;
}

interface ModelRun {
  readonly settings: GenerateSettings;
  readonly timer: RecordingTimer;
  /** Time spent on this model so far, for `--timings`. */
  readonly ms: number;
  readonly result: GenerateResult;
}

interface ComparedRun extends ModelRun {
  readonly diff: OutputDiff;
}

/**
 * The config to use: none with `--no-config`; none by default when `--input` and `--out` say
 * where to read and write (a config in the folder may belong to another model); else the file
 * `--config` names, or `./dmgen.config.json` when there is one.
 */
async function configFor(
  flags: GenerateFlags,
  cwd: string,
): Promise<ConfigFile | undefined> {
  if (flags.config === false) return undefined;
  if (flags.config === undefined && flags.input && flags.out !== undefined)
    return undefined;
  return readConfig(flags.config, cwd);
}

/** Writes the output (or reports staleness for `--check`); returns the exit code. */
async function finishModel(
  { settings, timer, ms, result, diff }: ComparedRun,
  flags: GenerateFlags,
  io: CliIo,
): Promise<number> {
  const started = performance.now();
  let exitCode = 0;
  if (flags.check) {
    exitCode = reportCheck(settings.out, diff, io) ? 1 : 0;
  } else {
    await timer.stageAsync("write", () =>
      writeOutput(settings.out, result.files, diff),
    );
    const written = diff.changed.length + diff.missing.length;
    io.stdout(
      `dmgen: ${plural(result.viewCount, "view")} → ${settings.out}: ${written} written, ${diff.leftover.length} removed, ${diff.unchanged} unchanged\n`,
    );
  }
  if (timer instanceof ProgressTimer)
    timer.printTotal(ms + performance.now() - started, result.formatted);
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
    features:
      flags.features !== undefined
        ? parseFeatures([flags.features], (message) => {
            throw new UserError(`--features: ${message}`);
          })
        : (config?.features ?? ALL_FEATURES),
    naming: flags.propertyNaming
      ? { ...naming, properties: flags.propertyNaming }
      : naming,
    ...(config ? { configFile: config.label ?? config.file } : {}),
  };
}

/** `1 view`, `2 views`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Prints what is stale; true when anything is. */
function reportCheck(out: string, diff: OutputDiff, io: CliIo): boolean {
  if (!isStale(diff) && diff.foreign.length === 0) {
    io.stdout(`dmgen: ${out} is up to date\n`);
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
  io.stderr(`${lines.join("\n")}\n`);
  return true;
}

/**
 * `--timings`: prints each stage as it ends, so that a large model shows progress while it runs
 * (on stderr; stdout keeps the one summary line). With several models each row names its output.
 */
class ProgressTimer extends RecordingTimer {
  constructor(
    private readonly label: string | undefined,
    private readonly write: (text: string) => void,
  ) {
    super();
  }

  override stage<T>(name: string, run: () => T): T {
    try {
      return super.stage(name, run);
    } finally {
      this.printLast();
    }
  }

  override async stageAsync<T>(
    name: string,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await super.stageAsync(name, run);
    } finally {
      this.printLast();
    }
  }

  /** The closing line: the whole run of this model. */
  printTotal(totalMs: number, formatted: boolean): void {
    const processMs = performance.now().toFixed(0);
    this.print(
      "total",
      totalMs,
      ` (process up ${processMs} ms${formatted ? "; prettier ran" : ""})`,
    );
  }

  private printLast(): void {
    const last = this.stages.at(-1);
    if (last) this.print(last.name, last.ms, "");
  }

  private print(name: string, ms: number, note: string): void {
    const label = this.label ? `${this.label}: ` : "";
    this.write(
      `dmgen timings: ${label}${name.padEnd(8)} ${ms.toFixed(1).padStart(8)} ms${note}\n`,
    );
  }
}

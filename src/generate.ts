// The generator as one pure function from view definitions to a file map, and the async wrapper
// that does the I/O around it. Stages are named and timed (`--timings`).

import { readdir, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_CODE_OPTIONS,
  featuresOf,
  type CodeOptions,
  type Feature,
  type GenerateSettings,
} from "./config/index.js";
import {
  compareCodePoints,
  loadInputs,
  type LoadedInput,
} from "./input/index.js";
import { UserError } from "./errors.js";
import { buildModel } from "./ir/build.js";
import { planNames } from "./naming/plan.js";
import { clientMemberNames, viewInstanceMembers } from "./naming/members.js";
import { print } from "./emit/doc.js";
import { fileDoc, GENERATED_HEADER } from "./emit/module.js";
import { emitViewModule, VIEW_MODULE_LOCALS } from "./emit/view-module.js";
import {
  emitIndexModule,
  indexExportsBesidesViews,
} from "./emit/index-module.js";
import { emitClientModule } from "./emit/client-module.js";
import {
  NAME_LOCK_FILE,
  parseLock,
  serializeLock,
  type NameLock,
} from "./naming/lock.js";
import { RECORD_FILE, recordOf, serializeRecord } from "./drift/record.js";
import type { EmitContext } from "./emit/context.js";
import { FormatSession } from "./output/format.js";
import type { FileMap } from "./output/file-map.js";

/** The view definitions, and the names of the previous run when there was one. */
export interface BuildInput extends Pick<LoadedInput, "views"> {
  readonly nameLock?: NameLock | undefined;
}

/** The runtime's source files, by path in templates/runtime (`model/typed.ts`, ...). */
export type RuntimeSources = ReadonlyMap<string, string>;

const TRANSPORT_FILES = {
  undici: "core/transport-undici.ts",
  fetch: "core/transport-fetch.ts",
} as const;

/**
 * Pure: view definitions + options + runtime sources → every output file (path → text), sorted.
 * Nothing here reads or writes files.
 */
export function buildFiles(
  input: BuildInput,
  runtime: RuntimeSources,
  options: CodeOptions = DEFAULT_CODE_OPTIONS,
  configFile?: string,
  timer: StageTimer = noTimer,
): FileMap {
  const model = timer.stage("ir", () => buildModel(input));
  const withClient =
    runtime.has("read/dms-client.ts") && runtime.has("client/view-accessor.ts");
  const names = timer.stage("names", () =>
    planNames(model, options.naming, configFile, {
      reserved: {
        exported: indexExportsBesidesViews(runtime.keys(), withClient),
        viewModuleLocals: new Set(VIEW_MODULE_LOCALS),
        clientMembers: clientMemberNames(),
        instanceMembers: viewInstanceMembers(),
      },
      lock: input.nameLock,
    }),
  );
  const context: EmitContext = { model, names, options };
  return timer.stage("emit", () => {
    const files = new Map<string, string>();
    files.set(NAME_LOCK_FILE, serializeLock(names.lock));
    files.set(RECORD_FILE, serializeRecord(recordOf(model, names)));
    for (const view of model.views) {
      files.set(
        names.views.get(view.key)!.module,
        print(fileDoc(emitViewModule(context, view))),
      );
    }
    if (withClient)
      files.set("client.ts", print(fileDoc(emitClientModule(context))));
    const outputRuntime = runtimeFilesFor(runtime, options);
    const runtimeNames = outputRuntime.map(([name]) => name);
    files.set(
      "index.ts",
      print(fileDoc(emitIndexModule(context, withClient, runtimeNames))),
    );
    for (const [name, text] of outputRuntime)
      files.set(`runtime/${name}`, text);
    return sortFileMap(files);
  });
}

/**
 * The runtime files only some features (or code options) need, and when an output gets them.
 * Every other file (tests aside, and the transport not chosen) is in every output; a file in
 * `features/` must be listed.
 */
const FEATURE_FILES: Readonly<
  Record<
    string,
    (features: ReadonlySet<Feature>, options: CodeOptions) => boolean
  >
> = {
  "client/int64.ts": (_, options) => options.int64 === "bigint",
  "features/include.ts": (f) => f.has("include"),
  "client/include-reads.ts": (f) => f.has("include"),
  "features/graph.ts": (f) => f.has("graph"),
  "features/graph-run.ts": (f) => f.has("graph"),
  "features/targets.ts": (f) => f.has("include") || f.has("graph"),
  "features/query-graph.ts": (f) => f.has("include") || f.has("graph"),
  "features/aggregate.ts": (f) => f.has("search"),
  "client/search-reads.ts": (f) => f.has("search"),
  "client/read-runtime.ts": (f) =>
    f.has("include") || f.has("graph") || f.has("search"),
  "client/include-search.ts": (f) => f.has("include") && f.has("search"),
  "features/view-drift.ts": (f) => f.has("drift"),
  "features/view-drift-error.ts": (f) => f.has("drift"),
  "client/view-checks.ts": (f) => f.has("drift"),
  "client/spaces.ts": (f) => f.has("spaces"),
  "client/spaces-requests.ts": (f) => f.has("spaces"),
};

/** The runtime files an output gets: all but tests, the transport not chosen, features left out. */
export function runtimeFilesFor(
  runtime: RuntimeSources,
  options: CodeOptions,
): [string, string][] {
  const unused =
    options.transport === "undici"
      ? TRANSPORT_FILES.fetch
      : TRANSPORT_FILES.undici;
  const features = new Set(featuresOf(options));
  return [...runtime.entries()]
    .filter(([name]) => name !== unused && wantedFor(name, features, options))
    .map(([name, text]) => [name, `${GENERATED_HEADER}\n${text}`]);
}

function wantedFor(
  name: string,
  features: ReadonlySet<Feature>,
  options: CodeOptions,
): boolean {
  const rule = FEATURE_FILES[name];
  if (rule) return rule(features, options);
  if (name.startsWith("features/"))
    throw new Error(
      `runtime file ${name} has no entry in FEATURE_FILES: say which features need it`,
    );
  return true;
}

function sortFileMap(files: Map<string, string>): FileMap {
  return new Map(
    [...files.entries()].sort(([a], [b]) => compareCodePoints(a, b)),
  );
}

/** The folder of the runtime sources, found from this module whether it runs from src/ or dist/. */
export function runtimeSourceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(
    existsSync(join(dir, "package.json")) &&
    existsSync(join(dir, "templates", "runtime"))
  )) {
    const up = dirname(dir);
    if (up === dir)
      throw new Error(
        "dmgen's templates/runtime folder is missing from the installation",
      );
    dir = up;
  }
  return join(dir, "templates", "runtime");
}

export async function readRuntimeSources(
  dir = runtimeSourceDir(),
): Promise<RuntimeSources> {
  // The slices are folders (core/, model/, ...): names are paths such as `core/wire.ts`.
  const names = (await readdir(dir, { recursive: true }))
    .map((name) => name.split(sep).join("/"))
    .filter(
      (name) =>
        name.endsWith(".ts") &&
        !name.endsWith(".test.ts") &&
        !name.endsWith(".d.ts"),
    )
    .sort(compareCodePoints);
  const texts = await Promise.all(
    names.map((name) => readFile(join(dir, name), "utf8")),
  );
  return new Map(names.map((name, i) => [name, texts[i]!]));
}

/** The previous run's name lock in the output folder, or undefined when there is none. */
export async function readNameLock(
  outDir: string,
): Promise<NameLock | undefined> {
  const file = join(outDir, NAME_LOCK_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR")
      throw new UserError(
        "cannot be the output folder: it is a file, or inside one",
        outDir,
      );
    if (code === "EISDIR")
      throw new UserError(`${NAME_LOCK_FILE} is a folder`, outDir);
    throw error;
  }
  return parseLock(text, file);
}

export interface GenerateResult {
  readonly files: FileMap;
  readonly viewCount: number;
  /** Whether prettier ran (the user's config differs from prettier's defaults). */
  readonly formatted: boolean;
}

/** Reads the inputs and the runtime, builds every file, formats when needed. Writes nothing. */
export async function generate(
  settings: GenerateSettings,
  timer: StageTimer = noTimer,
  /** The folder relative input paths in messages are shown from. */
  cwd = process.cwd(),
): Promise<GenerateResult> {
  const [input, runtime, nameLock, formatting] = await Promise.all([
    timer.stageAsync("load", () => loadInputs(settings.input, cwd)),
    readRuntimeSources(),
    readNameLock(settings.out),
    settings.format ? FormatSession.start(settings.out) : undefined,
  ]);
  try {
    // The runtime's files do not depend on the views: they are formatted while the views emit.
    await formatting?.submit(
      runtimeFilesFor(runtime, settings).map(
        ([name, text]) => [`runtime/${name}`, text] as const,
      ),
    );
    const built = buildFiles(
      { views: input.views, nameLock },
      runtime,
      settings,
      settings.configFile,
      timer,
    );
    // The stage is timed whenever formatting is on, also when no prettier config applies.
    const formatted = settings.format
      ? await timer.stageAsync("format", async () => formatting?.finish(built))
      : undefined;
    return {
      files: formatted ?? built,
      viewCount: input.views.length,
      formatted: formatted !== undefined,
    };
  } finally {
    await formatting?.close();
  }
}

// ---- stage timing

export interface StageTimer {
  stage<T>(name: string, run: () => T): T;
  stageAsync<T>(name: string, run: () => Promise<T>): Promise<T>;
}

const noTimer: StageTimer = {
  stage: (_name, run) => run(),
  stageAsync: (_name, run) => run(),
};

/** Records how long each named stage took, in order. */
export class RecordingTimer implements StageTimer {
  readonly stages: { name: string; ms: number }[] = [];

  stage<T>(name: string, run: () => T): T {
    const start = performance.now();
    try {
      return run();
    } finally {
      this.stages.push({ name, ms: performance.now() - start });
    }
  }

  async stageAsync<T>(name: string, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.stages.push({ name, ms: performance.now() - start });
    }
  }
}

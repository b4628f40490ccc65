// The DMS emulator's programmatic API: startEmulator() and what tests need around it.

import type { AddressInfo } from "node:net";
import {
  mergeDocuments,
  parseInputDocument,
  type DataModelDefinition,
  type LoadedInput,
  type ViewDefinition,
} from "../input/index.js";
import { ManualClock, systemClock, type Clock } from "./clock.js";
import {
  createFaultEngine,
  type FaultController,
  type FaultSpec,
} from "./faults/faults.js";
import type { CorsPolicy } from "./http/cors.js";
import {
  loadState,
  prepareStateFile,
  saveState,
  type ProjectSource,
} from "./persistence/persistence.js";
import {
  createProjectState,
  sumOverProjects,
  type ProjectRegistry,
} from "./projects.js";
import { addSpace } from "./schema/store.js";
import { restoreSchema, schemaSnapshot } from "./schema/snapshot.js";
import { createEmulatorServer } from "./http/server.js";

export { ManualClock, systemClock, type Clock };
export { parseCorsPolicy, type CorsPolicy } from "./http/cors.js";
export { ASSUMPTION_LIST, type Assumption } from "./assumptions.js";
export {
  parseFaultSpec,
  type FaultController,
  type FaultSpec,
  type ScriptedFaultOptions,
  type StatusFault,
} from "./faults/faults.js";

/**
 * Views in any shape `dmgen generate` accepts: what `loadInputs` returns, views as dmgen's loader
 * hands them on, or raw JSON documents (`JSON.parse(file)`, `JSON.parse(file).items`, a data model
 * with inline views, a single view).
 */
export type EmulatorViewsInput =
  | readonly ViewDefinition[]
  | LoadedInput
  | readonly unknown[]
  | Record<string, unknown>;

export interface EmulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0: the OS picks a free port. */
  port?: number;
  /**
   * Pins the one project served (other names get 404). Without it any project name is served,
   * each with its own state, and `project` of the result is "emulator".
   */
  project?: string;
  views?: EmulatorViewsInput;
  dataModels?: DataModelDefinition[];
  /** Instance spaces that exist from the start (the views' spaces always do). */
  spaces?: readonly string[];
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  /** Which browser origins may call the emulator (others get 403). Default "loopback". */
  cors?: CorsPolicy;
  /**
   * Host names accepted in the `Host` header besides localhost, 127.0.0.1, [::1] and the address a
   * connection came in on (e.g. a docker-compose service name); other names get 403.
   */
  allowedHosts?: readonly string[];
  /** Random faults, e.g. "429:0.1,503:0.05:retry-after=2,reset:0.02,latency:5-50ms". */
  faults?: string | FaultSpec;
  /** Seed of the fault generator (default 1), so runs repeat. */
  seed?: number;
  /** Load state from this file at start, save it there at an interval and on close. */
  dataFile?: string;
  /** Default 5000 ms. */
  saveIntervalMs?: number;
  clock?: Clock;
}

export interface RunningEmulator {
  /** Base URL, e.g. "http://127.0.0.1:43121"; routes are under /api/v1/projects/{project}/models/. */
  url: string;
  /** The pinned project, or "emulator" (any other name works too) when none is pinned. */
  project: string;
  clock: Clock;
  faults: FaultController;
  /** Saves the state now (when a data file is set). */
  save(): Promise<void>;
  /** Live (not deleted) instances stored, over every project. */
  instanceCount(): number;
  /** Stops the server and saves the state when a data file is set. */
  close(): Promise<void>;
}

export async function startEmulator(
  options: EmulatorOptions = {},
): Promise<RunningEmulator> {
  const clock = options.clock ?? systemClock;
  const faults = createFaultEngine(options.faults, options.seed ?? 1);
  const input = emulatorInput(options.views);
  const registry: ProjectRegistry = {
    pinned: options.project,
    defaultProject: options.project ?? "emulator",
    states: new Map(),
    seed: {
      views: input.views,
      dataModels: [...input.dataModels, ...(options.dataModels ?? [])],
      spaces: options.spaces ?? [],
    },
    clock,
  };
  if (options.dataFile) {
    await prepareStateFile(options.dataFile);
    await restoreProjects(registry, options.dataFile);
  }
  const saver = createSaver(
    registry,
    options.dataFile,
    options.saveIntervalMs ?? 5000,
  );
  const server = createEmulatorServer({
    projects: registry,
    token: options.token,
    faults,
    cors: options.cors ?? "loopback",
    allowedHosts: (options.allowedHosts ?? []).map((h) => h.toLowerCase()),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () =>
      resolve(),
    );
  });
  const address = server.address() as AddressInfo;
  const host =
    address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    project: registry.defaultProject,
    clock,
    faults,
    save: saver.saveNow,
    instanceCount: () => sumOverProjects(registry, (s) => s.store.liveCount),
    close: () =>
      (closed ??= (async () => {
        saver.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await saver.saveNow();
      })()),
  };
}

/** Normalises every accepted shape of `views` into the loader's output. */
export function emulatorInput(views: EmulatorViewsInput | undefined): {
  views: ViewDefinition[];
  dataModels: DataModelDefinition[];
} {
  if (views === undefined) return { views: [], dataModels: [] };
  if (isLoadedInput(views))
    return { views: [...views.views], dataModels: [...views.dataModels] };
  if (Array.isArray(views) && views.every(isNormalisedView))
    return { views: [...(views as ViewDefinition[])], dataModels: [] };
  const merged = mergeDocuments([
    parseInputDocument(views, "startEmulator({ views })"),
  ]);
  return { views: merged.views, dataModels: merged.dataModels };
}

function isLoadedInput(value: unknown): value is LoadedInput {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Array.isArray((value as LoadedInput).views) &&
    (value as LoadedInput).origins instanceof Map
  );
}

/** dmgen's loader marks every property with `kind`; raw API JSON never has it. */
function isNormalisedView(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const properties = (value as { properties?: unknown }).properties;
  if (typeof properties !== "object" || properties === null) return false;
  return Object.values(properties).every(
    (p) =>
      typeof p === "object" &&
      p !== null &&
      ["mapped", "edge", "reverse"].includes(
        (p as { kind?: string }).kind ?? "",
      ),
  );
}

async function restoreProjects(
  registry: ProjectRegistry,
  file: string,
): Promise<void> {
  for (const section of await loadState(file)) {
    const project = section.project ?? registry.defaultProject;
    const state = createProjectState(registry.seed, registry.clock);
    state.store = section.store;
    if (section.schema) restoreSchema(state.schema, section.schema, file);
    // Spaces that hold instances exist (a version 1 file has no schema).
    for (const space of section.store.spaces.keys())
      addSpace(state.schema, space, registry.clock.now());
    registry.states.set(project, state);
  }
}

interface Saver {
  saveNow(): Promise<void>;
  stop(): void;
}

/** Changes whenever any project's instances or schema change (a save is due then). */
function changeSignature(registry: ProjectRegistry): string {
  return [...registry.states]
    .map(([name, { store, schema }]) => {
      let newest = 0;
      for (const list of [
        schema.spaces.values(),
        schema.containers.values(),
        schema.dataModels.values(),
      ])
        for (const item of list)
          newest = Math.max(newest, item.lastUpdatedTime);
      for (const view of schema.views.values())
        newest = Math.max(newest, view.definition.lastUpdatedTime ?? 0);
      const sizes = [
        schema.spaces.size,
        schema.containers.size,
        schema.views.size,
        schema.dataModels.length,
      ];
      return `${name}:${store.seq}:${sizes.join("/")}:${newest}`;
    })
    .join(",");
}

/** Saves at an interval when anything changed; one save at a time. */
function createSaver(
  registry: ProjectRegistry,
  file: string | undefined,
  intervalMs: number,
): Saver {
  let savedSeq = changeSignature(registry);
  let running: Promise<void> = Promise.resolve();
  const saveNow = (): Promise<void> => {
    if (!file) return Promise.resolve();
    // After a failed save (reported to its caller) the next one still runs.
    running = running
      .catch(() => undefined)
      .then(async () => {
        const seq = changeSignature(registry);
        await saveState(() => projectSources(registry), file);
        savedSeq = seq;
      });
    return running;
  };
  const timer = file
    ? setInterval(() => {
        if (changeSignature(registry) !== savedSeq)
          saveNow().catch((error: unknown) =>
            process.emitWarning(
              `emulator: saving state failed (kept in memory; tried again at the next interval): ${error instanceof Error ? error.message : String(error)}`,
            ),
          );
      }, intervalMs)
    : undefined;
  timer?.unref();
  return { saveNow, stop: () => timer && clearInterval(timer) };
}

/** Every project as a save sees it; the schema is taken at the end of the save, with the trailer. */
function projectSources(registry: ProjectRegistry): ProjectSource[] {
  return [...registry.states].map(([project, state]) => ({
    project,
    store: state.store,
    schema: () => schemaSnapshot(state.schema),
  }));
}

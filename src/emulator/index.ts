// The DMS emulator's programmatic API: startEmulator() and what tests need around it.

import type { AddressInfo } from "node:net";
import type { DataModelDefinition, ViewDefinition } from "../input/types.js";
import { ManualClock, systemClock, type Clock } from "./clock.js";
import {
  createFaultEngine,
  type FaultController,
  type FaultSpec,
} from "./faults.js";
import { loadState, saveState } from "./persistence.js";
import { buildSchema } from "./schema.js";
import { createEmulatorServer } from "./server.js";
import { THREE_DAYS_MS, type EmulatorState } from "./state.js";
import { createStore } from "./store.js";

export { ManualClock, systemClock, type Clock };
export {
  parseFaultSpec,
  type FaultController,
  type FaultSpec,
  type ScriptedFaultOptions,
  type StatusFault,
} from "./faults.js";

export interface EmulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** The one project served; other project names in the URL get 404. Default "emulator". */
  project?: string;
  views?: ViewDefinition[];
  dataModels?: DataModelDefinition[];
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
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
  project: string;
  clock: Clock;
  faults: FaultController;
  /** Saves the state now (when a data file is set). */
  save(): Promise<void>;
  /** Live (not deleted) instances stored. */
  instanceCount(): number;
  /** Stops the server and saves the state when a data file is set. */
  close(): Promise<void>;
}

export async function startEmulator(
  options: EmulatorOptions = {},
): Promise<RunningEmulator> {
  const clock = options.clock ?? systemClock;
  const project = options.project ?? "emulator";
  const faults = createFaultEngine(options.faults, options.seed ?? 1);
  const store = options.dataFile
    ? await loadState(options.dataFile)
    : createStore();
  const state: EmulatorState = {
    schema: buildSchema(
      options.views ?? [],
      options.dataModels ?? [],
      clock.now(),
    ),
    store,
    clock,
    retentionMs: THREE_DAYS_MS,
  };
  const saver = createSaver(
    state,
    options.dataFile,
    options.saveIntervalMs ?? 5000,
  );
  const server = createEmulatorServer({
    state,
    project,
    token: options.token,
    faults,
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
    project,
    clock,
    faults,
    save: saver.saveNow,
    instanceCount: () => state.store.liveCount,
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

interface Saver {
  saveNow(): Promise<void>;
  stop(): void;
}

/** Saves at an interval when the change sequence moved; one save at a time. */
function createSaver(
  state: EmulatorState,
  file: string | undefined,
  intervalMs: number,
): Saver {
  let savedSeq = state.store.seq;
  let running: Promise<void> = Promise.resolve();
  const saveNow = (): Promise<void> => {
    if (!file) return Promise.resolve();
    running = running.then(async () => {
      const seq = state.store.seq;
      await saveState(state.store, file);
      savedSeq = seq;
    });
    return running;
  };
  const timer = file
    ? setInterval(() => {
        if (state.store.seq !== savedSeq)
          saveNow().catch((error: unknown) =>
            process.emitWarning(
              `emulator: saving state failed: ${String(error)}`,
            ),
          );
      }, intervalMs)
    : undefined;
  timer?.unref();
  return { saveNow, stop: () => timer && clearInterval(timer) };
}

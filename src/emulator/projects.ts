// Projects: the emulator serves any project name (unless one is pinned), each with its own state.
// A project's state is created on its first request from the schema the emulator was started with.

import type { Clock } from "./clock.js";
import { addSpace, buildSchema } from "./schema/store.js";
import { THREE_DAYS_MS, type EmulatorState } from "./state.js";
import { createStore } from "./instances/store.js";
import type { DataModelDefinition, ViewDefinition } from "../input/types.js";

/** What every new project starts with. */
export interface ProjectSeed {
  views: readonly ViewDefinition[];
  dataModels: readonly DataModelDefinition[];
  /** Instance spaces created at start (`--spaces`). */
  spaces: readonly string[];
}

export interface ProjectRegistry {
  /** The only project served, when pinned. */
  pinned: string | undefined;
  /** The project named in the URL the emulator prints. */
  defaultProject: string;
  states: Map<string, EmulatorState>;
  seed: ProjectSeed;
  clock: Clock;
}

/** Project names the emulator accepts (CDF project names are URL-safe lower-case slugs). */
export const PROJECT_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

export function createProjectState(
  seed: ProjectSeed,
  clock: Clock,
): EmulatorState {
  const now = clock.now();
  const schema = buildSchema(seed.views, seed.dataModels, now);
  for (const space of seed.spaces) addSpace(schema, space, now);
  return {
    schema,
    store: createStore(),
    clock,
    retentionMs: THREE_DAYS_MS,
  };
}

/** The state of a project, created on first use; undefined when the name is not served. */
export function projectState(
  registry: ProjectRegistry,
  project: string,
): EmulatorState | undefined {
  if (registry.pinned !== undefined && project !== registry.pinned)
    return undefined;
  let state = registry.states.get(project);
  if (!state) {
    state = createProjectState(registry.seed, registry.clock);
    registry.states.set(project, state);
  }
  return state;
}

/** Sum of a number over every project (live instances, change sequence, ...). */
export function sumOverProjects(
  registry: ProjectRegistry,
  of: (state: EmulatorState) => number,
): number {
  let total = 0;
  for (const state of registry.states.values()) total += of(state);
  return total;
}

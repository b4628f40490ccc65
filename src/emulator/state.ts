// The emulator's whole state, passed explicitly to every handler (no module-level state).

import type { Clock } from "./clock.js";
import type { SchemaStore } from "./schema/store.js";
import type { InstanceStore } from "./instances/store.js";

export interface EmulatorState {
  schema: SchemaStore;
  store: InstanceStore;
  clock: Clock;
  /** Tombstones and sync cursors live this long (the API says 3 days). */
  retentionMs: number;
}

export const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;

// `dmgen drift`: compares what generated outputs were generated from (their `dmgen.record.json`)
// with the live views of a project, and a data model's current view versions with the recorded
// ones. The comparison itself is `compareView` (templates/runtime/features/view-drift.ts), shared with the
// client's `verifyViews`.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Credentials } from "../../templates/runtime/core/auth.js";
import { createTokenSource } from "../../templates/runtime/core/auth.js";
import type { JsonPoster } from "../../templates/runtime/write/apply.js";
import { HttpClient } from "../../templates/runtime/core/http.js";
import { systemClock } from "../../templates/runtime/core/retry.js";
import type { Transport } from "../../templates/runtime/core/transport.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import {
  compareView,
  type ViewDifference,
} from "../../templates/runtime/features/view-drift.js";
import { UserError } from "../errors.js";
import { NAME_LOCK_FILE, parseLock, type NameLock } from "../naming/lock.js";
import { byIds, type RawView } from "../pull/fetch-definitions.js";
import { formatRef, type VersionedRef } from "../pull/refs.js";
import { toUserError } from "../pull/index.js";
import {
  parseRecord,
  RECORD_FILE,
  recordedView,
  viewRef,
  type OutputRecord,
} from "./record.js";

/** A generated view whose data model now lists another version of it. */
export interface StaleDifference {
  readonly class: "stale";
  readonly change: "data-model-version";
  /** The data model, `space:externalId/version`. */
  readonly dataModel: string;
  /** The version of the view the data model lists now, `space:externalId/version`. */
  readonly current: string;
  readonly message: string;
  /** What changed between the generated version and the current one. */
  readonly changes: readonly ViewDifference[];
}

/** A view of a data model that no output was generated from. */
export interface NewViewDifference {
  readonly class: "additive";
  readonly change: "view-added";
  readonly dataModel: string;
  readonly message: string;
}

export type DriftDifference =
  ViewDifference | StaleDifference | NewViewDifference;

export interface ViewDriftEntry {
  /** `space:externalId/version`. */
  readonly view: string;
  readonly className?: string;
  /** The output folder the view was generated into (absent for a new view of a data model). */
  readonly output?: string;
  readonly differences: readonly DriftDifference[];
}

export interface DriftReport {
  /** Every recorded view and every new view of the data models, in that order. */
  readonly views: readonly ViewDriftEntry[];
  readonly counts: {
    readonly breaking: number;
    readonly additive: number;
    readonly stale: number;
  };
}

export interface DriftOptions {
  readonly baseUrl: string;
  readonly project: string;
  readonly credentials: Credentials;
  /** Output folders (with `dmgen.record.json`). */
  readonly outputs: readonly string[];
  readonly dataModels: readonly VersionedRef[];
  /** Request timeout (ms). Default 60 000. */
  readonly timeoutMs?: number;
  /** A transport to use instead of a fresh undici one (tests). */
  readonly transport?: Transport;
  readonly maxAttempts?: number;
  readonly onProgress?: (message: string) => void;
}

/** Reads the records, fetches the live views and compares. Connection failures are `UserError`s. */
export async function drift(options: DriftOptions): Promise<DriftReport> {
  const outputs = await Promise.all(options.outputs.map(readOutputRecord));
  const transport =
    options.transport ??
    createUndiciTransport({ timeoutMs: options.timeoutMs ?? 60_000 });
  try {
    const http = new HttpClient({
      baseUrl: options.baseUrl,
      project: options.project,
      transport,
      tokenSource: createTokenSource(options.credentials, {
        transport,
        clock: systemClock,
      }),
      retry: { maxAttempts: options.maxAttempts ?? 5 },
      appName: "dmgen-drift",
    });
    const live = await fetchLive(http, outputs, options).catch(
      (error: unknown) => {
        throw toUserError(error);
      },
    );
    return compareOutputs(outputs, live);
  } finally {
    if (!options.transport) await transport.close();
  }
}

export interface OutputRecordFile {
  readonly folder: string;
  readonly record: OutputRecord;
  readonly lock: NameLock | undefined;
}

/** An output folder's record and name lock; a folder without a record is a user error. */
export async function readOutputRecord(
  folder: string,
): Promise<OutputRecordFile> {
  const file = join(folder, RECORD_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT"
        ? `no ${RECORD_FILE} here: is this a generated output? Generate it again (dmgen generate) to record what it was generated from`
        : `cannot read ${RECORD_FILE} (${code ?? String(error)})`,
      folder,
    );
  }
  const lockFile = join(folder, NAME_LOCK_FILE);
  const lockText = await readFile(lockFile, "utf8").catch(() => undefined);
  return {
    folder,
    record: parseRecord(text, file),
    lock: lockText === undefined ? undefined : parseLock(lockText, lockFile),
  };
}

/** The live definitions: views by key (absent: the project lacks them), and the data models. */
export interface LiveDefinitions {
  readonly views: ReadonlyMap<string, RawView>;
  readonly dataModels: readonly {
    readonly ref: string;
    readonly views: readonly RawView[];
  }[];
}

async function fetchLive(
  http: JsonPoster,
  outputs: readonly OutputRecordFile[],
  options: DriftOptions,
): Promise<LiveDefinitions> {
  const progress = options.onProgress ?? (() => {});
  const keys = [
    ...new Set(outputs.flatMap((output) => Object.keys(output.record))),
  ];
  const views = await byIds<RawView>(
    http,
    "/models/views/byids",
    keys.map(viewRef),
    { query: { includeInheritedProperties: true } },
    (_chunk, done) => progress(`views ${done}/${keys.length}`),
  );
  const models = await byIds<RawView>(
    http,
    "/models/datamodels/byids",
    options.dataModels,
    { query: { inlineViews: true } },
    (chunk) => {
      for (const model of chunk) progress(`data model ${formatRef(model)}`);
    },
  );
  const found = new Set(models.map(formatRef));
  const missing = options.dataModels.filter(
    (ref) => !found.has(formatRef(ref)),
  );
  if (missing.length > 0)
    throw new UserError(
      `The project has no data model ${missing.map(formatRef).join(", ")}`,
    );
  return {
    views: new Map(views.map((view) => [formatRef(view), view])),
    dataModels: models.map((model) => ({
      ref: formatRef(model),
      views: (Array.isArray(model.views) ? model.views : []).filter(
        (view): view is RawView =>
          typeof view === "object" && view !== null && "properties" in view,
      ),
    })),
  };
}

/** Pure: the records against the live definitions. */
export function compareOutputs(
  outputs: readonly OutputRecordFile[],
  live: LiveDefinitions,
): DriftReport {
  const entries: ViewDriftEntry[] = [];
  const generated = new Map<string, string>(); // space:externalId → key
  for (const output of outputs) {
    for (const [key, view] of Object.entries(output.record)) {
      const recorded = recordedView(key, view, output.lock);
      const differences: DriftDifference[] = compareView(
        recorded,
        live.views.get(key),
      );
      for (const model of live.dataModels)
        differences.push(
          ...staleIn(model, key, (current) => compareView(recorded, current)),
        );
      generated.set(key.slice(0, key.lastIndexOf("/")), key);
      entries.push({
        view: key,
        ...(recorded.className ? { className: recorded.className } : {}),
        output: output.folder,
        differences,
      });
    }
  }
  const added = new Map<string, NewViewDifference[]>();
  for (const model of live.dataModels)
    for (const view of model.views) {
      const key = formatRef(view);
      if (generated.has(key.slice(0, key.lastIndexOf("/")))) continue;
      const list = added.get(key) ?? [];
      list.push({
        class: "additive",
        change: "view-added",
        dataModel: model.ref,
        message: `a view of data model ${model.ref} that the code was not generated from`,
      });
      added.set(key, list);
    }
  for (const [view, differences] of added) entries.push({ view, differences });
  return { views: entries, counts: countClasses(entries) };
}

function staleIn(
  model: LiveDefinitions["dataModels"][number],
  key: string,
  compare: (current: RawView) => ViewDifference[],
): StaleDifference[] {
  const id = key.slice(0, key.lastIndexOf("/"));
  const listed = model.views.map((view) => ({ view, key: formatRef(view) }));
  if (listed.some((entry) => entry.key === key)) return [];
  return listed
    .filter((entry) => entry.key.slice(0, entry.key.lastIndexOf("/")) === id)
    .map(({ view, key: current }) => ({
      class: "stale",
      change: "data-model-version",
      dataModel: model.ref,
      current,
      message: `data model ${model.ref} uses ${current}`,
      changes: compare(view),
    }));
}

function countClasses(
  entries: readonly ViewDriftEntry[],
): DriftReport["counts"] {
  const counts = { breaking: 0, additive: 0, stale: 0 };
  for (const entry of entries)
    for (const difference of entry.differences) counts[difference.class]++;
  return counts;
}

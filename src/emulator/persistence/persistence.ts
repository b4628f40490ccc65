// State on disk (`--data <file>`): newline-delimited JSON holding every project. Per project a
// run of lines: a header line (format, version, project), then one line per stored instance
// (tombstones included, so sync keeps seeing deletes after a restart). The last line is the
// trailer: every project's sequence number, counters and schema at the end of the save. Saves go
// to a temporary file that is fsync'ed and renamed over the old one, so a kill mid-save leaves the
// previous file whole; temporary files of killed saves are removed at the next start.
//
// A save does not stall requests: it walks the stores in slices of a few milliseconds, yielding to
// the event loop between them, while requests keep changing the stores. The file is still one
// consistent state, the one at the end of the save: after the walk, synchronously, each project
// gets a second run holding the instances changed since its walk began (the change log after the
// walk's starting sequence number) in their current state, projects created during the walk get
// all their instances, and the trailer closes the file; loading keeps the line with the highest
// sequence number per instance. Loss window: a `kill -9` loses the writes acknowledged since the
// last completed save, at most the save interval plus one save's duration.
//
// Older files still load: version 1 (one project, header with the final sequence number, a
// trailer in files written by sliced saves of that version) and version 2 (one header per
// project with its sequence number and schema, no trailer).

import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { UserError } from "../../errors.js";
import {
  isStrayTemporary,
  makeFolder,
  systemReason,
  temporaryBeside,
  unwritableReason,
} from "../../output/files.js";
import { readJson, writeJson } from "../json.js";
import { PROJECT_PATTERN } from "../projects.js";
import {
  compactLog,
  createStore,
  insertInstance,
  isCurrentLogEntry,
  logIndexAfter,
  type InstanceStore,
  type StoredInstance,
} from "../instances/store.js";

const FORMAT = "dmgen-emulator-state";
const VERSION = 3;
const CHUNK_CHARS = 1 << 20;
/** Longest stretch of serialising before letting requests run. */
const SLICE_MS = 8;
const TEMPORARY = ".tmp-";

type Counters = [string, number][];

/** Starts a run of instance lines belonging to one project. */
interface Header {
  format: typeof FORMAT;
  version: 1 | 2 | 3;
  /** Versions 2 and 3: the project the run belongs to (version 1 holds one unnamed project). */
  project?: string;
  /** Version 3: the project's sequence number when the run began; versions 1 and 2: the final one. */
  seq: number;
  /** Versions 1 and 2 (version 3 keeps the counters in the trailer). */
  autoIncrement?: Counters;
  /** Version 2 (version 3 keeps the schema in the trailer). */
  schema?: Record<string, unknown>;
}

/** A project's state at the end of the save, in the version 3 trailer. */
interface ProjectEnd {
  project: string;
  seq: number;
  autoIncrement: Counters;
  /** Its spaces, containers, views and data models (schema/snapshot.ts). */
  schema?: Record<string, unknown>;
}

/** The last line. Version 3: every project; version 1: the one project's sequence and counters. */
interface Trailer {
  end: true;
  projects?: ProjectEnd[];
  seq?: number;
  autoIncrement?: Counters;
}

/** What a save needs of a project. */
export interface ProjectSource {
  project: string;
  store: InstanceStore;
  /** Called at the end of the save, synchronously with the trailer, so it matches the instances. */
  schema(): Record<string, unknown> | undefined;
}

/** One project's part of the state file, as loaded. */
export interface ProjectSection {
  /** Undefined for a version 1 file: the one project it held. */
  project: string | undefined;
  store: InstanceStore;
  schema: Record<string, unknown> | undefined;
}

type InstanceLine = [
  kind: "node" | "edge",
  space: string,
  externalId: string,
  version: number,
  createdTime: number,
  lastUpdatedTime: number,
  deletedTime: number | null,
  seq: number,
  type: StoredInstance["type"] | null,
  startNode: StoredInstance["startNode"] | null,
  endNode: StoredInstance["endNode"] | null,
  rows: StoredInstance["rows"],
];

/** The file being written and how long the walk has run since it last let requests in. */
interface WalkContext {
  handle: FileHandle;
  buffer: string;
  sliceStart: number;
  counter: number;
}

/** Where a project's walk began, so the catch-up knows what changed since. */
interface WalkStart {
  store: InstanceStore;
  seq: number;
}

/**
 * Writes every project's state to `file` atomically, in slices that leave the event loop free.
 * `projects` is asked twice: at the start (what to walk) and at the end (what the file holds).
 */
export async function saveState(
  projects: () => readonly ProjectSource[],
  file: string,
): Promise<void> {
  // A short name of its own: `<file>.tmp-<pid>-<ms>` could not be made for names near 255 bytes.
  const temporary = temporaryBeside(file);
  const handle = await open(temporary, "w").catch((error: unknown) => {
    throw saveError(file, error);
  });
  try {
    const walk: WalkContext = {
      handle,
      buffer: "",
      sliceStart: performance.now(),
      counter: 0,
    };
    const started = new Map<string, WalkStart>();
    for (const { project, store } of projects()) {
      started.set(project, { store, seq: store.seq });
      walk.buffer += headerLine(project, store.seq);
      await walkStore(walk, store);
    }
    walk.buffer += catchUpAndTrailer(projects(), started);
    await handle.write(walk.buffer);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw saveError(file, error);
  }
}

/** A failure of the file system (no space, no permission) as one line naming the file. */
function saveError(file: string, error: unknown): unknown {
  const code = (error as Partial<NodeJS.ErrnoException> | undefined)?.code;
  if (typeof code !== "string") return error; // not the file system: a bug
  return new UserError(`cannot save the state: ${systemReason(error)}`, file);
}

/**
 * Refuses, before anything else happens, a state file that could never be saved: a folder, a path
 * inside a file, a name too long, a folder that cannot be made or written in. Makes its folder.
 * Otherwise the emulator would run, and lose everything at the first save.
 */
export async function prepareStateFile(file: string): Promise<void> {
  const reason = await unwritableReason(file);
  if (reason)
    throw new UserError(`cannot save the state here: ${reason}`, file);
  try {
    await makeFolder(dirname(file));
    const probe = temporaryBeside(file);
    await (await open(probe, "w")).close();
    await rm(probe);
  } catch (error) {
    throw new UserError(
      `cannot save the state here: ${systemReason(error)}`,
      file,
    );
  }
}

async function walkStore(
  walk: WalkContext,
  store: InstanceStore,
): Promise<void> {
  for (const space of store.spaces.values()) {
    for (const instance of space.values()) {
      walk.buffer += instanceLine(instance);
      if (walk.buffer.length > CHUNK_CHARS) {
        await walk.handle.write(walk.buffer);
        walk.buffer = "";
        walk.sliceStart = performance.now();
      } else if (
        ++walk.counter % 256 === 0 &&
        performance.now() - walk.sliceStart > SLICE_MS
      ) {
        await yieldToEventLoop();
        walk.sliceStart = performance.now();
      }
    }
  }
}

/**
 * Synchronous: per project, the current state of every instance changed after its walk began
 * (all of them for a project the walk did not see), then the trailer.
 */
function catchUpAndTrailer(
  projects: readonly ProjectSource[],
  started: ReadonlyMap<string, WalkStart>,
): string {
  let text = "";
  const ends: ProjectEnd[] = [];
  for (const { project, store, schema } of projects) {
    const start = started.get(project);
    if (start?.store !== store) {
      text += headerLine(project, 0);
      for (const space of store.spaces.values())
        for (const instance of space.values()) text += instanceLine(instance);
    } else if (start.seq < store.seq) {
      text += headerLine(project, start.seq);
      for (
        let k = logIndexAfter(store, start.seq);
        k < store.logSeq.length;
        k++
      )
        if (isCurrentLogEntry(store, k))
          text += instanceLine(store.logInstances[k]!);
    }
    const end: ProjectEnd = {
      project,
      seq: store.seq,
      autoIncrement: [...store.autoIncrement],
    };
    const snapshot = schema();
    if (snapshot !== undefined) end.schema = snapshot;
    ends.push(end);
  }
  const trailer: Trailer = { end: true, projects: ends };
  return text + writeJson(trailer) + "\n";
}

function headerLine(project: string, seq: number): string {
  const header: Header = { format: FORMAT, version: VERSION, project, seq };
  return writeJson(header) + "\n";
}

function instanceLine(i: StoredInstance): string {
  const line: InstanceLine = [
    i.kind,
    i.space,
    i.externalId,
    i.version,
    i.createdTime,
    i.lastUpdatedTime,
    i.deletedTime ?? null,
    i.seq,
    i.type ?? null,
    i.startNode ?? null,
    i.endNode ?? null,
    i.rows,
  ];
  return writeJson(line) + "\n";
}

/** Removes temporary files of saves that were killed (their process is gone), and of other dmgen runs. */
export async function removeStaleTemporaries(file: string): Promise<string[]> {
  const prefix = `${basename(file)}${TEMPORARY}`;
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (isStrayTemporary(name)) {
      await rm(join(dirname(file), name), { force: true });
      removed.push(name);
      continue;
    }
    // The names of earlier versions: `<file>.tmp-<pid>-<ms>`.
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-\d+$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || (pid !== process.pid && processAlive(pid)))
      continue;
    await rm(join(dirname(file), name), { force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads a state file after removing stale temporaries; a missing file holds no projects. */
export async function loadState(file: string): Promise<ProjectSection[]> {
  await removeStaleTemporaries(file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UserError(
      `cannot read the state file: ${(error as Error).message}`,
      file,
    );
  }
  return parseState(text, file);
}

/** A project while its lines are read: the newest line per instance wins. */
interface ProjectBuild {
  project: string | undefined;
  seq: number;
  autoIncrement: Counters;
  schema: Record<string, unknown> | undefined;
  latest: Map<string, StoredInstance>;
}

function parseState(text: string, file: string): ProjectSection[] {
  const builds = new Map<string | undefined, ProjectBuild>();
  let version: Header["version"] | undefined;
  let current: ProjectBuild | undefined;
  let ended = false;
  const lines = text.split("\n");
  lines.forEach((line, k) => {
    if (line.length === 0) return;
    if (ended) throw corrupt(file, k + 1, "a line after the trailer");
    const parsed = parseLine(line, file, k + 1);
    if (Array.isArray(parsed)) {
      if (!current) throw notAStateFile(file);
      checkInstanceLine(parsed, file, k + 1);
      addInstance(current, toInstance(parsed));
    } else if (isTrailer(parsed)) {
      if (version === undefined) {
        // A save of an emulator that held no project yet is the trailer alone.
        if (!Array.isArray(parsed.projects) || parsed.projects.length > 0)
          throw notAStateFile(file);
        version = VERSION;
      }
      applyTrailer(builds, current, version, parsed, file, k + 1);
      ended = true;
    } else {
      const header = parsed as Header | null;
      if (
        header === null ||
        typeof header !== "object" ||
        header.format !== FORMAT ||
        ![1, 2, 3].includes(header.version) ||
        (version !== undefined && header.version !== version)
      )
        throw version === undefined
          ? notAStateFile(file)
          : corrupt(file, k + 1, "not a header of this file's version");
      version = header.version;
      if (version !== 1 && !isProjectName(header.project))
        throw corrupt(
          file,
          k + 1,
          `field project must be a project name, got ${shortJson(header.project)}`,
        );
      checkRunFields(header, file, k + 1);
      current = startRun(builds, header);
    }
  });
  if (version === undefined) throw notAStateFile(file);
  if (version === VERSION && !ended)
    throw new UserError(
      "the state file is incomplete: its last line is not the trailer",
      file,
    );
  return [...builds.values()].map(buildSection);
}

function startRun(
  builds: Map<string | undefined, ProjectBuild>,
  header: Header,
): ProjectBuild {
  let build = builds.get(header.project);
  if (!build) {
    build = {
      project: header.project,
      seq: 0,
      autoIncrement: [],
      schema: undefined,
      latest: new Map(),
    };
    builds.set(header.project, build);
  }
  build.seq = Math.max(build.seq, header.seq);
  if (header.autoIncrement) build.autoIncrement = header.autoIncrement;
  if (header.schema) build.schema = header.schema;
  return build;
}

function isTrailer(value: unknown): value is Trailer {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { end?: unknown }).end === true
  );
}

function applyTrailer(
  builds: Map<string | undefined, ProjectBuild>,
  current: ProjectBuild | undefined,
  version: Header["version"],
  trailer: Trailer,
  file: string,
  lineNumber: number,
): void {
  if (version !== VERSION) {
    if (!current || typeof trailer.seq !== "number")
      throw corrupt(file, lineNumber, "a trailer without seq");
    current.seq = trailer.seq;
    current.autoIncrement = trailer.autoIncrement ?? [];
    return;
  }
  if (!Array.isArray(trailer.projects))
    throw corrupt(file, lineNumber, "a trailer without projects");
  for (const end of trailer.projects) {
    if (!isProjectName(end.project) || typeof end.seq !== "number")
      throw corrupt(file, lineNumber, "a project without name or seq");
    checkRunFields(end, file, lineNumber);
    const build = startRun(builds, {
      format: FORMAT,
      version,
      project: end.project,
      seq: end.seq,
      autoIncrement: end.autoIncrement,
      ...(end.schema ? { schema: end.schema } : {}),
    });
    build.seq = end.seq;
  }
}

function addInstance(build: ProjectBuild, instance: StoredInstance): void {
  const key = `${instance.space}\u0000${instance.externalId}`;
  const seen = build.latest.get(key);
  if (!seen || seen.seq < instance.seq) build.latest.set(key, instance);
}

function buildSection(build: ProjectBuild): ProjectSection {
  const store = createStore();
  store.autoIncrement = new Map(build.autoIncrement);
  const instances = [...build.latest.values()].sort((a, b) => a.seq - b.seq);
  for (const instance of instances) {
    insertInstance(store, instance);
    store.logSeq.push(instance.seq);
    store.logInstances.push(instance);
    if (instance.deletedTime !== undefined) store.tombstones.push(instance);
  }
  // Never behind an instance's own sequence number, whatever the file says.
  store.seq = Math.max(build.seq, instances.at(-1)?.seq ?? 0);
  store.tombstones.sort((a, b) => a.deletedTime! - b.deletedTime!);
  compactLog(store);
  return { project: build.project, store, schema: build.schema };
}

function notAStateFile(file: string): UserError {
  return new UserError("not a dmgen emulator state file", file);
}

function corrupt(file: string, lineNumber: number, what: string): UserError {
  return new UserError(
    `the state file is corrupt at line ${lineNumber}: ${what}`,
    file,
  );
}

/** A state line; int64 values beyond 2^53 stay exact (bigint). */
function parseLine(
  line: string | undefined,
  file: string,
  lineNumber: number,
): unknown {
  try {
    return readJson(line ?? "");
  } catch {
    throw new UserError(
      `the state file is corrupt at line ${lineNumber}`,
      file,
    );
  }
}

/** The fields of an instance line, in order, with what each must hold. */
const INSTANCE_FIELDS: readonly [name: string, check: FieldCheck][] = [
  ["kind", (v) => v === "node" || v === "edge" || '"node" or "edge"'],
  ["space", (v) => isSpaceId(v) || "a space identifier"],
  ["externalId", (v) => isExternalId(v) || "an external id (1-255 characters)"],
  ["version", (v) => isCount(v, 1) || "an integer from 1"],
  ["createdTime", (v) => isCount(v, 0) || "epoch milliseconds"],
  ["lastUpdatedTime", (v) => isCount(v, 0) || "epoch milliseconds"],
  [
    "deletedTime",
    (v) => v === null || isCount(v, 0) || "null or epoch milliseconds",
  ],
  ["seq", (v) => isCount(v, 1) || "an integer from 1"],
  [
    "type",
    (v) => v === null || isInstanceRef(v) || "null or {space, externalId}",
  ],
  [
    "startNode",
    (v) => v === null || isInstanceRef(v) || "null or {space, externalId}",
  ],
  [
    "endNode",
    (v) => v === null || isInstanceRef(v) || "null or {space, externalId}",
  ],
  [
    "rows",
    (v) =>
      isRows(v) || 'an object of container rows ({"space:Container": {...}})',
  ],
];

/** True when the value fits, else what the field must hold. */
type FieldCheck = (value: unknown) => true | string;

/**
 * Refuses an instance line that could not be served: a wrong field count, a field of the wrong
 * kind, an edge without its type or ends. Loading stops at the first such line, naming it, so a
 * broken state is neither served nor saved back over the file.
 */
function checkInstanceLine(
  line: unknown[],
  file: string,
  lineNumber: number,
): asserts line is InstanceLine {
  if (line.length !== INSTANCE_FIELDS.length)
    throw corrupt(
      file,
      lineNumber,
      `an instance line has ${INSTANCE_FIELDS.length} fields (${INSTANCE_FIELDS.map(([name]) => name).join(", ")}), this one ${line.length}`,
    );
  INSTANCE_FIELDS.forEach(([name, check], i) => {
    const verdict = check(line[i]);
    if (verdict !== true)
      throw corrupt(
        file,
        lineNumber,
        `field ${name} must be ${verdict}, got ${shortJson(line[i])}`,
      );
  });
  if (line[0] === "edge")
    for (const i of [8, 9, 10])
      if (line[i] === null)
        throw corrupt(
          file,
          lineNumber,
          `field ${INSTANCE_FIELDS[i]![0]} of an edge must be {space, externalId}, got null`,
        );
}

/** A header's or a trailer project's sequence number, counters and schema. */
function checkRunFields(
  run: {
    seq?: unknown;
    autoIncrement?: unknown;
    schema?: unknown;
  },
  file: string,
  lineNumber: number,
): void {
  const fail = (field: string, must: string, value: unknown): never => {
    throw corrupt(
      file,
      lineNumber,
      `field ${field} must be ${must}, got ${shortJson(value)}`,
    );
  };
  if (!isCount(run.seq, 0)) fail("seq", "an integer from 0", run.seq);
  const counters = run.autoIncrement;
  if (
    counters !== undefined &&
    !(
      Array.isArray(counters) &&
      counters.every(
        (entry) =>
          Array.isArray(entry) &&
          entry.length === 2 &&
          typeof entry[0] === "string" &&
          typeof entry[1] === "number",
      )
    )
  )
    fail("autoIncrement", "a list of [key, number] pairs", counters);
  if (run.schema !== undefined && !isPlainObject(run.schema))
    fail("schema", "an object", run.schema);
}

function isProjectName(value: unknown): value is string {
  return typeof value === "string" && PROJECT_PATTERN.test(value);
}

const SPACE_ID = /^[a-zA-Z][a-zA-Z0-9_-]{0,41}[a-zA-Z0-9]?$/;

function isSpaceId(value: unknown): boolean {
  return typeof value === "string" && SPACE_ID.test(value);
}

function isExternalId(value: unknown): boolean {
  return typeof value === "string" && value.length > 0 && value.length <= 255;
}

function isCount(value: unknown, min: number): boolean {
  return (
    typeof value === "number" && Number.isSafeInteger(value) && value >= min
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInstanceRef(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    isSpaceId(value.space) &&
    isExternalId(value.externalId)
  );
}

function isRows(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  return Object.entries(value).every(
    ([key, row]) => /^[^:]+:.+$/.test(key) && isPlainObject(row),
  );
}

/** A value as it appears in the file, cut to a readable length. */
function shortJson(value: unknown): string {
  const text = value === undefined ? "nothing" : writeJson(value as never);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toInstance(line: InstanceLine): StoredInstance {
  const [
    kind,
    space,
    externalId,
    version,
    createdTime,
    lastUpdatedTime,
    deletedTime,
    seq,
    type,
    startNode,
    endNode,
    rows,
  ] = line;
  return {
    kind,
    space,
    externalId,
    version,
    createdTime,
    lastUpdatedTime,
    deletedTime: deletedTime ?? undefined,
    seq,
    type: type ?? undefined,
    startNode: startNode ?? undefined,
    endNode: endNode ?? undefined,
    rows,
    readSeq: undefined,
    readMemo: undefined,
  };
}

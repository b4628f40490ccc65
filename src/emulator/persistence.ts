// State on disk (`--data <file>`): newline-delimited JSON, a header line, one line per stored
// instance (tombstones included, so sync keeps seeing deletes after a restart), then a trailer.
// Saves go to a temporary file that is fsync'ed and renamed over the old one, so a kill mid-save
// leaves the previous file whole; temporary files of killed saves are removed at the next start.
//
// A save does not stall requests: it walks the store in slices of a few milliseconds, yielding
// to the event loop between them, while requests keep changing the store. The file is still one
// consistent state, the one at the end of the save: after the walk, the instances changed since
// the save began (the change log after the starting sequence number) are appended in their
// current state, synchronously, with the trailer; loading keeps the line with the highest
// sequence number per instance. Loss window: a `kill -9` loses the writes acknowledged since the
// last completed save, at most the save interval plus one save's duration.

import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { UserError } from "../errors.js";
import {
  compactLog,
  createStore,
  insertInstance,
  isCurrentLogEntry,
  logIndexAfter,
  type InstanceStore,
  type StoredInstance,
} from "./store.js";

const FORMAT = "dmgen-emulator-state";
const CHUNK_CHARS = 1 << 20;
/** Longest stretch of serialising before letting requests run. */
const SLICE_MS = 8;

interface Header {
  format: typeof FORMAT;
  version: 1;
  /** The sequence number when the save began (files without a trailer: the final one). */
  seq: number;
  autoIncrement: [string, number][];
}

/** The last line: the state's sequence number and counters at the end of the save. */
interface Trailer {
  end: true;
  seq: number;
  autoIncrement: [string, number][];
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

const TEMPORARY = ".tmp-";

/** Writes the store's state to `file` atomically, in slices that leave the event loop free. */
export async function saveState(
  store: InstanceStore,
  file: string,
): Promise<void> {
  const temporary = `${file}${TEMPORARY}${process.pid}-${Date.now()}`;
  const handle = await open(temporary, "w");
  try {
    const startSeq = store.seq;
    const header: Header = {
      format: FORMAT,
      version: 1,
      seq: startSeq,
      autoIncrement: [...store.autoIncrement],
    };
    let buffer = JSON.stringify(header) + "\n";
    let sliceStart = performance.now();
    let counter = 0;
    for (const space of store.spaces.values()) {
      for (const instance of space.values()) {
        buffer += instanceLine(instance);
        if (buffer.length > CHUNK_CHARS) {
          await handle.write(buffer);
          buffer = "";
          sliceStart = performance.now();
        } else if (
          ++counter % 256 === 0 &&
          performance.now() - sliceStart > SLICE_MS
        ) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
    buffer += changedSince(store, startSeq);
    await handle.write(buffer);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
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
  return JSON.stringify(line) + "\n";
}

/** Synchronous: the current state of every instance changed after `startSeq`, then the trailer. */
function changedSince(store: InstanceStore, startSeq: number): string {
  let text = "";
  for (let k = logIndexAfter(store, startSeq); k < store.logSeq.length; k++)
    if (isCurrentLogEntry(store, k))
      text += instanceLine(store.logInstances[k]!);
  const trailer: Trailer = {
    end: true,
    seq: store.seq,
    autoIncrement: [...store.autoIncrement],
  };
  return text + JSON.stringify(trailer) + "\n";
}

/** Removes temporary files of saves that were killed (their process is gone). */
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

/** Reads a state file (a missing file is an empty store), after removing stale temporaries. */
export async function loadState(file: string): Promise<InstanceStore> {
  await removeStaleTemporaries(file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return createStore();
    throw new UserError(
      `cannot read the state file: ${(error as Error).message}`,
      file,
    );
  }
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = parseLine(lines[0], file, 1) as Header | undefined;
  if (!header || header.format !== FORMAT || header.version !== 1)
    throw new UserError("not a dmgen emulator state file", file);
  const store = createStore();
  store.seq = header.seq;
  store.autoIncrement = new Map(header.autoIncrement);
  const latest = new Map<string, StoredInstance>();
  for (let k = 1; k < lines.length; k++) {
    const parsed = parseLine(lines[k], file, k + 1);
    if (!Array.isArray(parsed)) {
      const trailer = parsed as Trailer;
      store.seq = trailer.seq;
      store.autoIncrement = new Map(trailer.autoIncrement);
      continue;
    }
    const instance = toInstance(parsed as InstanceLine);
    const key = `${instance.space}\u0000${instance.externalId}`;
    const seen = latest.get(key);
    if (!seen || seen.seq < instance.seq) latest.set(key, instance);
  }
  const instances = [...latest.values()].sort((a, b) => a.seq - b.seq);
  for (const instance of instances) {
    insertInstance(store, instance);
    store.logSeq.push(instance.seq);
    store.logInstances.push(instance);
    if (instance.deletedTime !== undefined) store.tombstones.push(instance);
  }
  store.tombstones.sort((a, b) => a.deletedTime! - b.deletedTime!);
  compactLog(store);
  return store;
}

function parseLine(
  line: string | undefined,
  file: string,
  lineNumber: number,
): unknown {
  try {
    return JSON.parse(line ?? "");
  } catch {
    throw new UserError(
      `the state file is corrupt at line ${lineNumber}`,
      file,
    );
  }
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
  };
}

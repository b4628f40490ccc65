// State on disk (`--data <file>`): newline-delimited JSON, a header line then one line per stored
// instance (tombstones included, so sync keeps seeing deletes after a restart). Saves go to a
// temporary file that is fsync'ed and renamed over the old one, so a kill mid-save leaves the
// previous file whole.

import { open, readFile, rename, rm } from "node:fs/promises";
import { UserError } from "../errors.js";
import {
  exactJsonParser,
  stringifyJson,
} from "../../templates/runtime/json.js";
import {
  compactLog,
  createStore,
  insertInstance,
  type InstanceStore,
  type StoredInstance,
} from "./store.js";

const FORMAT = "dmgen-emulator-state";
const CHUNK_CHARS = 1 << 20;

interface Header {
  format: typeof FORMAT;
  version: 1;
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

/** Serialises synchronously (a consistent snapshot), then writes asynchronously. */
export async function saveState(
  store: InstanceStore,
  file: string,
): Promise<void> {
  const chunks = serialise(store);
  const temporary = `${file}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temporary, "w");
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
}

function serialise(store: InstanceStore): string[] {
  const header: Header = {
    format: FORMAT,
    version: 1,
    seq: store.seq,
    autoIncrement: [...store.autoIncrement],
  };
  const chunks: string[] = [];
  let current = JSON.stringify(header) + "\n";
  for (const space of store.spaces.values()) {
    for (const i of space.values()) {
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
      current += stringifyJson(line) + "\n";
      if (current.length > CHUNK_CHARS) {
        chunks.push(current);
        current = "";
      }
    }
  }
  chunks.push(current);
  return chunks;
}

/** Reads a state file; a missing file is an empty store. */
export async function loadState(file: string): Promise<InstanceStore> {
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
  const instances = lines
    .slice(1)
    .map((line, k) => toInstance(parseLine(line, file, k + 2) as InstanceLine));
  instances.sort((a, b) => a.seq - b.seq);
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

/** State lines keep int64 values beyond 2^53 exact. */
const parseJsonExact = exactJsonParser(() => true);

function parseLine(
  line: string | undefined,
  file: string,
  lineNumber: number,
): unknown {
  try {
    return parseJsonExact(line ?? "");
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

// State on disk (`--data <file>`): newline-delimited JSON; per project a header line (its name,
// change sequence and schema) then one line per stored instance (tombstones included, so sync
// keeps seeing deletes after a restart). Version 1 files (one project, no schema) still load. Saves go to a
// temporary file that is fsync'ed and renamed over the old one, so a kill mid-save leaves the
// previous file whole.

import { open, readFile, rename, rm } from "node:fs/promises";
import { UserError } from "../errors.js";
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
  version: 1 | 2;
  /** Version 2: the project this section holds. */
  project?: string;
  seq: number;
  autoIncrement: [string, number][];
  /** Version 2: the project's spaces, containers, views and data models (schema-snapshot.ts). */
  schema?: Record<string, unknown>;
}

/** One project's part of the state file. */
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

/** Serialises synchronously (a consistent snapshot), then writes asynchronously. */
export async function saveState(
  sections: readonly ProjectSection[],
  file: string,
): Promise<void> {
  const chunks: string[] = [];
  for (const section of sections) chunks.push(...serialise(section));
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

function serialise({ project, store, schema }: ProjectSection): string[] {
  const header: Header = {
    format: FORMAT,
    version: 2,
    seq: store.seq,
    autoIncrement: [...store.autoIncrement],
  };
  if (project !== undefined) header.project = project;
  if (schema !== undefined) header.schema = schema;
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
      current += JSON.stringify(line) + "\n";
      if (current.length > CHUNK_CHARS) {
        chunks.push(current);
        current = "";
      }
    }
  }
  chunks.push(current);
  return chunks;
}

/** Reads a state file; a missing file holds no projects. */
export async function loadState(file: string): Promise<ProjectSection[]> {
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
  const lines = text.split("\n");
  const sections: ProjectSection[] = [];
  let current:
    { section: ProjectSection; instances: StoredInstance[] } | undefined;
  const finish = () => {
    if (current)
      sections.push(buildSection(current.section, current.instances));
  };
  lines.forEach((line, k) => {
    if (line.length === 0) return;
    const parsed = parseLine(line, file, k + 1);
    if (Array.isArray(parsed)) {
      if (!current)
        throw new UserError("not a dmgen emulator state file", file);
      current.instances.push(toInstance(parsed as InstanceLine));
      return;
    }
    const header = parsed as Header | undefined;
    if (
      !header ||
      header.format !== FORMAT ||
      (header.version !== 1 && header.version !== 2)
    )
      throw new UserError("not a dmgen emulator state file", file);
    finish();
    const store = createStore();
    store.seq = header.seq;
    store.autoIncrement = new Map(header.autoIncrement);
    current = {
      section: { project: header.project, store, schema: header.schema },
      instances: [],
    };
  });
  if (!current) throw new UserError("not a dmgen emulator state file", file);
  finish();
  return sections;
}

function buildSection(
  section: ProjectSection,
  instances: StoredInstance[],
): ProjectSection {
  const store = section.store;
  instances.sort((a, b) => a.seq - b.seq);
  for (const instance of instances) {
    insertInstance(store, instance);
    store.logSeq.push(instance.seq);
    store.logInstances.push(instance);
    if (instance.deletedTime !== undefined) store.tombstones.push(instance);
  }
  store.tombstones.sort((a, b) => a.deletedTime! - b.deletedTime!);
  compactLog(store);
  return section;
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

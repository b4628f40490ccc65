// Reliability soak: applies movies, actors and acts-in edges through the generated movies client
// into the emulator under random faults (429/503 with and without Retry-After, resets, latency)
// and scripted faults after processing (the write happened, the client saw an error); then syncs
// everything from scratch, and syncs again in child processes of which the first crashes
// (SIGKILL) between processing a page and saving its state, the second resuming from the state
// file. Intended, stored (listed back) and synced content are compared by checksum: lost,
// extra and corrupted instances must all be 0.
//
// `npm run soak` (defaults: 40,000 actors + 10,000 movies = 50,000 nodes, 20,000 edges,
// concurrency 4). Options: --actors N --movies N --concurrency N --seed N --json (print the
// result as JSON). `runSoak` is also run small by test/runtime/soak.test.ts.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ActorApply,
  MovieApply,
  createClient,
} from "../generated-examples/movies/index.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import type { HttpEvent } from "../templates/runtime/core/http.js";
import type {
  InstanceRead,
  SyncRequest,
} from "../templates/runtime/core/wire.js";

export interface SoakOptions {
  readonly actors: number;
  readonly movies: number;
  readonly concurrency: number;
  readonly seed: number;
  /** Random faults of the emulator (its `--faults` syntax). */
  readonly faults: string;
  /** One scripted after-processing fault (alternately reset and 503) every this many requests. */
  readonly afterProcessingEvery: number;
  /** The crashing sync child dies after this many pages. */
  readonly crashAfterPages: number;
}

export const DEFAULT_SOAK: SoakOptions = {
  actors: 40_000,
  movies: 10_000,
  concurrency: 4,
  seed: 7,
  faults:
    "429:0.08:retry-after=1,429:0.02,503:0.03:retry-after=1,503:0.02,reset:0.03,latency:0-3ms",
  afterProcessingEvery: 3,
  crashAfterPages: 5,
};

export interface SoakResult {
  readonly options: SoakOptions;
  readonly intended: { nodes: number; edges: number; checksum: string };
  readonly stored: Comparison;
  readonly synced: Comparison;
  readonly resumed: Comparison & { redelivered: number; crashedAfter: number };
  readonly retries: { total: number; byStatus: Record<string, number> };
  readonly faultsInjected: number;
  readonly afterProcessingFaults: number;
  readonly timesMs: {
    apply: number;
    list: number;
    sync: number;
    resume: number;
  };
  readonly ok: boolean;
}

export interface Comparison {
  readonly count: number;
  readonly checksum: string;
  readonly lost: number;
  readonly extra: number;
  readonly corrupted: number;
}

const SPACE = "soak";
const PROJECT = "soak";
const TOKEN = "soak-token-abcdefgh";
const ACTOR_VIEW = {
  type: "view",
  space: "mySpace",
  externalId: "ActorView",
  version: "v1",
} as const;
const MOVIE_VIEW = {
  type: "view",
  space: "mySpace",
  externalId: "MovieView",
  version: "v1",
} as const;
const ACTS_IN = { space: "mySpace", externalId: "Movie.actors" };
const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root, from bench/ or from dist/bench/. */
const REPO = existsSync(join(HERE, "..", "package.json"))
  ? join(HERE, "..")
  : join(HERE, "..", "..");
/** The compiled child (`npm run build` makes it). */
export const SYNC_CHILD = join(REPO, "dist", "bench", "soak-sync-child.js");

/** The sync every reader runs: actors, movies and acts-in edges of the soak space. */
export const SOAK_SYNC: SyncRequest = {
  with: {
    actors: {
      nodes: { filter: { hasData: [ACTOR_VIEW] } },
      limit: 1000,
    },
    movies: {
      nodes: { filter: { hasData: [MOVIE_VIEW] } },
      limit: 1000,
    },
    acts: {
      edges: {
        filter: { equals: { property: ["edge", "type"], value: ACTS_IN } },
      },
      limit: 1000,
    },
  },
  select: {
    actors: { sources: [{ source: ACTOR_VIEW, properties: ["*"] }] },
    movies: { sources: [{ source: MOVIE_VIEW, properties: ["*"] }] },
    acts: {},
  },
};

// ---- the intended content, and one canonical line per instance

function actor(i: number): ActorApply {
  return new ActorApply(SPACE, `a${i}`, {
    name: `Actor ${i} ✓ "quoted"`,
    birthYear: 1900 + (i % 120),
    wonOscar: i % 13 === 0,
  });
}

function movie(i: number, actors: number): MovieApply {
  return new MovieApply(SPACE, `m${i}`, {
    title: `Movie ${i}`,
    releaseYear: 1950 + (i % 75),
    actors: [
      { space: SPACE, externalId: `a${(i * 2) % actors}` },
      { space: SPACE, externalId: `a${(i * 2 + 1) % actors}` },
    ],
  });
}

async function* intendedInput(
  options: SoakOptions,
): AsyncGenerator<ActorApply | MovieApply> {
  for (let i = 0; i < options.actors; i++) yield actor(i);
  for (let i = 0; i < options.movies; i++) yield movie(i, options.actors);
}

/** Canonical lines of what the apply intends, from the wire form of the same objects. */
function intendedLines(options: SoakOptions): Map<string, string> {
  const lines = new Map<string, string>();
  const add = (object: ActorApply | MovieApply): void => {
    for (const write of object.toInstanceWrites()) {
      const properties: Record<string, unknown> = {};
      for (const source of write.sources ?? [])
        Object.assign(properties, source.properties);
      const key = `${write.instanceType} ${write.space}:${write.externalId}`;
      lines.set(
        key,
        write.instanceType === "edge"
          ? edgeLine(key, write.startNode, write.endNode)
          : nodeLine(key, properties),
      );
    }
  };
  for (let i = 0; i < options.actors; i++) add(actor(i));
  for (let i = 0; i < options.movies; i++) add(movie(i, options.actors));
  return lines;
}

function nodeLine(key: string, properties: Record<string, unknown>): string {
  const sorted = Object.keys(properties)
    .sort()
    .map((name) => [name, properties[name]]);
  return `${key} ${JSON.stringify(sorted)}`;
}

function edgeLine(
  key: string,
  start: { space: string; externalId: string },
  end: { space: string; externalId: string },
): string {
  return `${key} ${start.space}:${start.externalId}->${end.space}:${end.externalId}`;
}

/** The canonical line of an instance read back (list, sync). */
export function readLine(item: InstanceRead): string {
  const key = `${item.instanceType} ${item.space}:${item.externalId}`;
  if (item.instanceType === "edge")
    return edgeLine(key, item.startNode, item.endNode);
  const properties: Record<string, unknown> = {};
  for (const views of Object.values(item.properties ?? {}))
    for (const values of Object.values(views))
      Object.assign(properties, values);
  return nodeLine(key, properties);
}

function checksum(lines: Iterable<string>): string {
  const hash = createHash("sha256");
  for (const line of [...lines].sort()) hash.update(line + "\n");
  return hash.digest("hex").slice(0, 16);
}

function compare(
  intended: Map<string, string>,
  got: Map<string, string>,
): Comparison {
  let lost = 0;
  let corrupted = 0;
  for (const [key, line] of intended) {
    const seen = got.get(key);
    if (seen === undefined) lost++;
    else if (seen !== line) corrupted++;
  }
  let extra = 0;
  for (const key of got.keys()) if (!intended.has(key)) extra++;
  return {
    count: got.size,
    checksum: checksum(got.values()),
    lost,
    extra,
    corrupted,
  };
}

function keyOf(line: string): string {
  const [type, id] = line.split(" ", 2);
  return `${type} ${id}`;
}

// ---- the run

export async function runSoak(
  options: SoakOptions = DEFAULT_SOAK,
  log: (line: string) => void = () => {},
): Promise<SoakResult> {
  const input = await loadInputs([
    join(REPO, "generated-examples", "movies", "views.json"),
  ]);
  const emulator = await startEmulator({
    views: input.views,
    project: PROJECT,
    spaces: [SPACE],
    token: TOKEN,
    faults: options.faults,
    seed: options.seed,
  });
  const work = await mkdtemp(join(tmpdir(), "dmgen-soak-"));
  const retries = { total: 0, byStatus: {} as Record<string, number> };
  const onEvent = (event: HttpEvent): void => {
    if (event.type !== "retry") return;
    retries.total++;
    const status = String(event.status ?? "reset/timeout");
    retries.byStatus[status] = (retries.byStatus[status] ?? 0) + 1;
  };
  const client = createClient({
    baseUrl: emulator.url,
    project: PROJECT,
    credentials: { token: TOKEN },
    retry: { baseDelayMs: 20, maxDelayMs: 500, maxAttempts: 20 },
    concurrency: options.concurrency,
    onEvent,
  });
  let afterProcessingFaults = 0;
  try {
    const intended = intendedLines(options);
    const edges = [...intended.keys()].filter((k) => k.startsWith("edge"));

    let started = performance.now();
    let requests = 0;
    await client.dms.apply(intendedInput(options), {
      concurrency: options.concurrency,
      onProgress: () => {
        if (++requests % options.afterProcessingEvery !== 0) return;
        afterProcessingFaults++;
        if (afterProcessingFaults % 2 === 0)
          emulator.faults.resetNext(1, {
            afterProcessing: true,
            path: "/instances",
          });
        else
          emulator.faults.failNext(1, 503, {
            afterProcessing: true,
            path: "/instances",
          });
      },
    });
    const applyMs = performance.now() - started;
    log(
      `applied ${intended.size - edges.length} nodes + ${edges.length} edges in ${Math.round(applyMs)} ms`,
    );

    started = performance.now();
    const stored = new Map<string, string>();
    for (const request of [
      {
        instanceType: "node" as const,
        sources: [ACTOR_VIEW],
        filter: { hasData: [ACTOR_VIEW] },
      },
      {
        instanceType: "node" as const,
        sources: [MOVIE_VIEW],
        filter: { hasData: [MOVIE_VIEW] },
      },
      { instanceType: "edge" as const },
    ]) {
      for await (const page of client.dms.list({ ...request, limit: 1000 })) {
        for (const item of page.items) {
          const line = readLine(item);
          stored.set(keyOf(line), line);
        }
      }
    }
    const listMs = performance.now() - started;

    started = performance.now();
    const synced = new Map<string, string>();
    for await (const page of client.dms.sync(SOAK_SYNC)) {
      for (const items of Object.values(page.upserts))
        for (const item of items) {
          const line = readLine(item);
          synced.set(keyOf(line), line);
        }
    }
    const syncMs = performance.now() - started;

    started = performance.now();
    const resumed = await crashAndResume(emulator, work, options);
    const resumeMs = performance.now() - started;

    const result: SoakResult = {
      options,
      intended: {
        nodes: intended.size - edges.length,
        edges: edges.length,
        checksum: checksum(intended.values()),
      },
      stored: compare(intended, stored),
      synced: compare(intended, synced),
      resumed: {
        ...compare(intended, resumed.lines),
        redelivered: resumed.redelivered,
        crashedAfter: options.crashAfterPages,
      },
      retries,
      faultsInjected: emulator.faults.injected.length,
      afterProcessingFaults,
      timesMs: {
        apply: Math.round(applyMs),
        list: Math.round(listMs),
        sync: Math.round(syncMs),
        resume: Math.round(resumeMs),
      },
      ok: false,
    };
    const clean = (c: Comparison): boolean =>
      c.lost === 0 &&
      c.extra === 0 &&
      c.corrupted === 0 &&
      c.checksum === result.intended.checksum;
    return {
      ...result,
      ok: clean(result.stored) && clean(result.synced) && clean(result.resumed),
    };
  } finally {
    await client.close();
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Two child processes: the first dies after a page, the second resumes from its saved state. */
async function crashAndResume(
  emulator: RunningEmulator,
  work: string,
  options: SoakOptions,
): Promise<{ lines: Map<string, string>; redelivered: number }> {
  const stateFile = join(work, "sync-state.json");
  const outFile = join(work, "synced.jsonl");
  if (!existsSync(SYNC_CHILD))
    throw new Error(`${SYNC_CHILD} is missing: run npm run build first`);
  const child = SYNC_CHILD;
  const args = [emulator.url, PROJECT, TOKEN, stateFile, outFile];
  const first = await runChild(child, [
    ...args,
    String(options.crashAfterPages),
  ]);
  if (first.signal !== "SIGKILL")
    throw new Error(
      `the crashing sync child was meant to be killed, but ended with ${first.code}: ${first.stderr}`,
    );
  const second = await runChild(child, [...args, "0"]);
  if (second.code !== 0)
    throw new Error(`the resuming sync child failed: ${second.stderr}`);
  const lines = new Map<string, string>();
  let delivered = 0;
  for (const line of (await readFile(outFile, "utf8")).split("\n")) {
    if (!line) continue;
    delivered++;
    lines.set(keyOf(line), line);
  }
  return { lines, redelivered: delivered - lines.size };
}

function runChild(
  script: string,
  args: string[],
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}

// ---- command line

function parseArgs(argv: readonly string[]): {
  options: SoakOptions;
  json: boolean;
} {
  const options: { -readonly [K in keyof SoakOptions]: SoakOptions[K] } = {
    ...DEFAULT_SOAK,
  };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--json") {
      json = true;
      continue;
    }
    const value = argv[++i];
    const number = Number(value);
    const numeric = ["--actors", "--movies", "--concurrency", "--seed"];
    if (
      !numeric.includes(flag ?? "") ||
      !Number.isInteger(number) ||
      number < 1
    )
      throw new Error(
        `soak: unknown option or bad value: ${flag} ${value ?? ""} (options: ${numeric.join(", ")} with a positive whole number, --json)`,
      );
    const name = (flag as string).slice(2) as
      "actors" | "movies" | "concurrency" | "seed";
    options[name] = number;
  }
  return { options, json };
}

async function main(): Promise<void> {
  const { options, json } = parseArgs(process.argv.slice(2));
  const result = await runSoak(options, (line) => console.error(line));
  if (json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatSoak(result));
  if (!result.ok) process.exitCode = 1;
}

/** The result as a few lines of text (also used in RELIABILITY.md). */
export function formatSoak(result: SoakResult): string {
  const row = (name: string, c: Comparison): string =>
    `| ${name} | ${c.count} | ${c.lost} | ${c.extra} | ${c.corrupted} | \`${c.checksum}\` |`;
  return [
    `Soak: ${result.intended.nodes} nodes + ${result.intended.edges} edges at concurrency ${result.options.concurrency}, faults \`${result.options.faults}\`, an after-processing fault every ${result.options.afterProcessingEvery} requests (${result.afterProcessingFaults} in all), seed ${result.options.seed}: ${result.ok ? "**OK**" : "**FAILED**"}.`,
    "",
    "| content | instances | lost | extra | corrupted | checksum |",
    "| --- | --- | --- | --- | --- | --- |",
    `| intended | ${result.intended.nodes + result.intended.edges} | | | | \`${result.intended.checksum}\` |`,
    row("stored (listed back)", result.stored),
    row("synced from scratch", result.synced),
    row(
      `synced in a process killed after ${result.resumed.crashedAfter} pages, resumed in another (${result.resumed.redelivered} redelivered)`,
      result.resumed,
    ),
    "",
    `Faults injected by the emulator: ${result.faultsInjected}; client retries: ${result.retries.total} (${Object.entries(
      result.retries.byStatus,
    )
      .map(([status, count]) => `${status}: ${count}`)
      .join(", ")}).`,
    `Times: apply ${result.timesMs.apply} ms, list ${result.timesMs.list} ms, sync ${result.timesMs.sync} ms, crash and resume ${result.timesMs.resume} ms.`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

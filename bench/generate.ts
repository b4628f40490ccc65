// Generator benchmark: wall time of `dmgen generate` as a user runs it (a fresh node process,
// start-up and the prettier decision included) on CogniteCore, and how it grows with the number of
// views (CogniteCore copied into 1, 2, 4, 8 spaces); then CogniteCore formatted with a user's
// .prettierrc, cold (no format cache: a fresh OS temp folder) and repeated (issue 7 item 8:
// at most 2.5 s cold, 1.2 s repeated). Run: npm run bench:generate.

import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "dmgen.js");
const FIXTURE = join(
  ROOT,
  "..",
  "shared",
  "fixtures",
  "views",
  "CogniteCore.json",
);
const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall time of a fresh `dmgen generate` into an empty folder (every file written). */
function timeGenerate(input: string, work: string): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const out = join(work, `out-${run}`);
    const start = performance.now();
    execFileSync(process.execPath, [BIN, "generate", "-i", input, "-o", out], {
      stdio: "ignore",
    });
    times.push(performance.now() - start);
    rmSync(out, { recursive: true, force: true });
  }
  return median(times);
}

/** CogniteCore's views copied into `copies` spaces: the same model, `copies` times the views. */
function scaledInput(
  work: string,
  copies: number,
): { file: string; views: number } {
  const text = readFileSync(FIXTURE, "utf8");
  const items: unknown[] = [];
  for (let copy = 0; copy < copies; copy++) {
    const renamed = text.replace(
      /"cdf_cdm(_3d)?"/g,
      (_m, suffix: string | undefined) => `"bench${copy}${suffix ?? ""}"`,
    );
    items.push(...(JSON.parse(renamed) as { items: unknown[] }).items);
  }
  const file = join(work, `core-x${copies}.json`);
  writeFileSync(file, JSON.stringify({ items }));
  return { file, views: items.length };
}

/** CPU time (user + system) of this process's finished children, in ms (Linux), else NaN. */
function childrenCpuMs(): number {
  if (!existsSync("/proc/self/stat")) return Number.NaN;
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** The user's prettier config of the formatting rows (the example of issue 7). */
const USER_PRETTIERRC = { semi: false, singleQuote: true, printWidth: 100 };

/**
 * Median wall and CPU time of `dmgen generate` of CogniteCore into a project with a .prettierrc:
 * cold (a new output folder and an empty OS temp folder, so no format cache) or repeated (the
 * same folder again: every file is reused from the cache).
 */
function timeFormatted(work: string, kind: "cold" | "repeat"): Timing {
  const project = join(work, `prettier-${kind}`);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, ".prettierrc"), JSON.stringify(USER_PRETTIERRC));
  const runOnce = (out: string, temp: string): Timing => {
    const cpuBefore = childrenCpuMs();
    const start = performance.now();
    execFileSync(
      process.execPath,
      [BIN, "generate", "-i", FIXTURE, "-o", out],
      {
        stdio: "ignore",
        env: { ...process.env, TMPDIR: temp },
      },
    );
    return {
      wallMs: performance.now() - start,
      cpuMs: childrenCpuMs() - cpuBefore,
    };
  };
  const runs: Timing[] = [];
  const repeatTemp = join(project, "temp-repeat");
  mkdirSync(repeatTemp, { recursive: true });
  if (kind === "repeat") runOnce(join(project, "out"), repeatTemp);
  for (let run = 0; run < RUNS; run++) {
    if (kind === "repeat") {
      runs.push(runOnce(join(project, "out"), repeatTemp));
      continue;
    }
    const temp = join(project, `temp-${run}`);
    mkdirSync(temp);
    runs.push(runOnce(join(project, `out-${run}`), temp));
  }
  return {
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
  };
}

function nodeStartup(): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    execFileSync(process.execPath, ["-e", "0"]);
    times.push(performance.now() - start);
  }
  return median(times);
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), "dmgen-bench-"));
  try {
    const startup = nodeStartup();
    const core = timeGenerate(FIXTURE, work);
    const rows = [1, 2, 4, 8].map((copies) => {
      const { file, views } = scaledInput(work, copies);
      const ms = timeGenerate(file, work);
      return { views, ms, perView: (ms - startup) / views };
    });
    console.log("dmgen generate (fresh process, median of %d runs)", RUNS);
    console.log(
      `  node -e 0                      ${startup.toFixed(0).padStart(6)} ms`,
    );
    console.log(
      `  CogniteCore (33 views)         ${core.toFixed(0).padStart(6)} ms   budget 1000 ms: ${core < 1000 ? "ok" : "OVER"}`,
    );
    console.log("  views   wall ms   ms/view (above node start-up)");
    for (const row of rows) {
      console.log(
        `  ${String(row.views).padStart(5)} ${row.ms.toFixed(0).padStart(9)} ${row.perView.toFixed(2).padStart(9)}`,
      );
    }
    const formatRows = [
      ["cold", timeFormatted(work, "cold"), 2500],
      ["repeat", timeFormatted(work, "repeat"), 1200],
    ] as const;
    console.log(
      "  CogniteCore with .prettierrc %s (wall, CPU of all threads)",
      JSON.stringify(USER_PRETTIERRC),
    );
    for (const [kind, timing, budget] of formatRows) {
      console.log(
        `    ${kind.padEnd(6)} ${timing.wallMs.toFixed(0).padStart(6)} ms wall ${timing.cpuMs.toFixed(0).padStart(6)} ms CPU   budget ${budget} ms wall: ${timing.wallMs <= budget ? "ok" : "OVER"}`,
      );
    }
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    console.log(
      `  growth: ${(last.views / first.views).toFixed(0)}x views -> ${((last.ms - startup) / (first.ms - startup)).toFixed(1)}x time above start-up`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();

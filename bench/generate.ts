// Generator benchmark: wall time of `dmgen generate` as a user runs it (a fresh node process,
// start-up and the prettier decision included) on CogniteCore, and how it grows with the number of
// views (CogniteCore copied into 1, 2, 4, 8 spaces). Run: npm run bench:generate.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

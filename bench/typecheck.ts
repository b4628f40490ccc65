// Type-check cost of typed reads: `tsc --noEmit --extendedDiagnostics` over the generated
// CogniteCore output alone, then with a 40-line program that uses where, sort, select, search and
// aggregate on five views. Budget (issue 8): at most 60,000 instantiations, and a check time at
// most 1.5 times that of the generated code alone. Run: npm run bench:typecheck.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "dmgen.js");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const FIXTURE = join(
  ROOT,
  "..",
  "shared",
  "fixtures",
  "views",
  "CogniteCore.json",
);
const RUNS = 3;
const MAX_INSTANTIATIONS = 60_000;
const MAX_CHECK_RATIO = 1.5;

/** The usage program: typed reads on five CogniteCore views. */
const USAGE = `import { createClient } from "./out/index.js";

const client = createClient({ baseUrl: "http://x", project: "p", credentials: { token: "t" } });

export async function usage(): Promise<unknown[]> {
  const assets = await client.cogniteAsset
    .list({
      where: { name: { prefix: "Pump" }, tags: { containsAny: ["a"] }, parent: { nested: { name: "Site" } } },
      sort: [{ property: "name", direction: "descending" }],
      select: ["name", "parent", "tags"],
      limit: 10,
    })
    .toArray();
  const names = assets.map((a) => a.name);
  const series = await client.cogniteTimeSeries.search({
    query: "temperature",
    properties: ["name", "description"],
    where: { isStep: false, typeProperty: "numeric", $or: [{ sourceUnit: "C" }, { sourceUnit: { exists: false } }] },
    limit: 5,
  });
  const units = series.map((s) => s.sourceUnit);
  const [equipment] = await client.cogniteEquipment.aggregate(
    { count: true },
    { groupBy: ["manufacturer"], where: { asset: { nested: { tags: { containsAll: ["x"] } } } } },
  );
  const manufacturer = equipment?.group.manufacturer;
  const activities = await client.cogniteActivity
    .list({
      where: { startTime: { gte: new Date(0) }, endTime: { lt: "2030-01-01T00:00:00Z" }, $not: { name: "x" } },
      sort: { property: "startTime" },
      select: ["name", "startTime"],
    })
    .toArray();
  const starts = activities.map((a) => a.startTime);
  const files = await client.cogniteFile.aggregate(
    { count: "name" },
    { where: { mimeType: { in: ["application/pdf"] }, isUploaded: true }, query: "manual" },
  );
  const [file] = await client.cogniteFile.search({ where: { directory: { prefix: "/docs" } }, select: ["name"] });
  return [names, units, manufacturer, starts, files, file?.name];
}
`;

interface Figures {
  readonly instantiations: number;
  readonly checkSeconds: number;
}

function diagnostics(dir: string, files: string[]): Figures {
  const runs: Figures[] = [];
  for (let run = 0; run < RUNS; run++) {
    const out = execFileSync(
      process.execPath,
      [TSC, "-p", writeConfig(dir, files), "--extendedDiagnostics"],
      { encoding: "utf8" },
    );
    const figure = (label: string): number => {
      const match = new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(out);
      if (!match) throw new Error(`no "${label}" in tsc output:\n${out}`);
      return Number(match[1]);
    };
    runs.push({
      instantiations: figure("Instantiations"),
      checkSeconds: figure("Check time"),
    });
  }
  const times = runs.map((r) => r.checkSeconds).sort((a, b) => a - b);
  return {
    instantiations: runs[0]!.instantiations,
    checkSeconds: times[Math.floor(times.length / 2)]!,
  };
}

/** The design's strict flags; `files` decides what is checked. */
function writeConfig(dir: string, files: string[]): string {
  const path = join(dir, `tsconfig.${files.length}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        noImplicitOverride: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
      },
      files,
    }),
  );
  return path;
}

function main(): void {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "bench-typecheck-"));
  try {
    execFileSync(process.execPath, [
      BIN,
      "generate",
      "-i",
      FIXTURE,
      "-o",
      join(dir, "out"),
    ]);
    writeFileSync(join(dir, "usage.ts"), USAGE);
    const alone = diagnostics(dir, ["out/index.ts"]);
    const withUsage = diagnostics(dir, ["out/index.ts", "usage.ts"]);
    const ratio = withUsage.checkSeconds / alone.checkSeconds;
    console.table({
      "generated CogniteCore": alone,
      "+ usage program": withUsage,
    });
    console.log(
      `instantiations with usage: ${withUsage.instantiations} (budget ${MAX_INSTANTIATIONS}); ` +
        `check time ratio: ${ratio.toFixed(2)} (budget ${MAX_CHECK_RATIO})`,
    );
    if (
      withUsage.instantiations > MAX_INSTANTIATIONS ||
      ratio > MAX_CHECK_RATIO
    ) {
      console.error("typed reads exceed their type-check budget");
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

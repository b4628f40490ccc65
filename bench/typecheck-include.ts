// Type-check cost of `include` and result-set graphs: `tsc --noEmit --extendedDiagnostics` over the
// generated CogniteCore client alone, with a usage program of five includes three levels deep and
// one graph sync (budget: under 100,000 instantiations; the same again with a `select` at every
// level and direct relations typed without `view`), and with five includes of depth 1 to 5
// (instantiations must grow at most linearly with depth). Run: npm run bench:typecheck-include.

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
const BUDGET = 100_000;

interface Diagnostics {
  readonly instantiations: number;
  readonly checkSeconds: number;
}

/**
 * Five includes of `depth` levels, starting from five different connections of CogniteAsset.
 * `selecting`: every level selects `name` and direct relations name no `view` (their target class
 * comes from the view definition); otherwise direct relations pass `view: CogniteAsset`.
 */
function fiveIncludes(depth: number, selecting = false): string {
  const select = selecting ? `select: ["name"], ` : "";
  const leaf = selecting ? `{ select: ["name"] }` : "true";
  const view = selecting ? "" : "view: CogniteAsset, ";
  const children = (levels: number): string =>
    levels <= 0
      ? leaf
      : `{ ${select}include: { children: ${children(levels - 1)} } }`;
  const viaRelation = (relation: string, levels: number): string =>
    levels <= 0
      ? leaf
      : `{ ${select}include: { ${relation}: { ${view}${select}${
          levels > 1 ? `include: { children: ${children(levels - 2)} }` : ""
        } } } }`;
  const starts = [
    `children: ${children(depth - 1)}`,
    `timeSeries: ${viaRelation("assets", depth - 1)}`,
    `files: ${viaRelation("assets", depth - 1)}`,
    `activities: ${viaRelation("assets", depth - 1)}`,
    `equipment: ${viaRelation("asset", depth - 1)}`,
  ];
  return starts
    .map(
      (start, i) => `
  const r${i} = await client.cogniteAsset.retrieve(ids, { include: { ${start} } });
  console.log(r${i}[0]?.externalId);`,
    )
    .join("\n");
}

const GRAPH_SYNC = `
  const graph = client
    .graph()
    .nodes("assets", CogniteAsset, { where: { name: "pump" } })
    .nodes("children", CogniteAsset, { from: "assets", through: "parent", direction: "inwards" })
    .nodes("series", CogniteTimeSeries, { from: "children", through: "assets", direction: "inwards" });
  for await (const page of client.sync(graph)) {
    console.log(page.upserts.children.length, page.upserts.series[0]?.name, page.deletes.assets);
    if (page.caughtUp) break;
  }`;

function usageProgram(body: string): string {
  return `import { CogniteAsset, CogniteTimeSeries, createClient } from "./out/index.js";

const client = createClient({ baseUrl: "http://127.0.0.1", project: "p", credentials: { token: "t" } });
const ids = [{ space: "s", externalId: "a" }];

export async function main(): Promise<void> {${body}
}
`;
}

function tsconfig(files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023", "DOM"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
    },
    files,
  });
}

function diagnose(dir: string, name: string, files: string[]): Diagnostics {
  const config = join(dir, `tsconfig.${name}.json`);
  writeFileSync(config, tsconfig(files));
  const output = execFileSync(
    process.execPath,
    [TSC, "-p", config, "--extendedDiagnostics"],
    { encoding: "utf8" },
  );
  const number = (label: string): number => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(output);
    if (!match) throw new Error(`tsc printed no "${label}":\n${output}`);
    return Number(match[1]);
  };
  return {
    instantiations: number("Instantiations"),
    checkSeconds: number("Check time"),
  };
}

function main(): void {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "typecheck-include-"));
  try {
    const config = join(dir, "dmgen.config.json");
    writeFileSync(config, "{}");
    execFileSync(process.execPath, [
      BIN,
      "generate",
      "--input",
      FIXTURE,
      "--out",
      join(dir, "out"),
      "--config",
      config,
    ]);
    const rows: [string, Diagnostics][] = [];
    rows.push([
      "CogniteCore output alone",
      diagnose(dir, "alone", ["out/index.ts"]),
    ]);
    writeFileSync(
      join(dir, "usage.ts"),
      usageProgram(fiveIncludes(3) + GRAPH_SYNC),
    );
    const usage = diagnose(dir, "usage", ["usage.ts"]);
    rows.push(["+ 5 includes (3 levels) + graph sync", usage]);
    writeFileSync(
      join(dir, "selecting.ts"),
      usageProgram(fiveIncludes(3, true) + GRAPH_SYNC),
    );
    const selecting = diagnose(dir, "selecting", ["selecting.ts"]);
    rows.push(["+ the same, select at every level, no view", selecting]);
    for (let depth = 1; depth <= 5; depth++) {
      writeFileSync(
        join(dir, `depth${depth}.ts`),
        usageProgram(fiveIncludes(depth)),
      );
      rows.push([
        `+ 5 includes, depth ${depth}`,
        diagnose(dir, `depth${depth}`, [`depth${depth}.ts`]),
      ]);
    }
    console.log("| program | instantiations | check time |");
    console.log("| --- | ---: | ---: |");
    for (const [label, d] of rows)
      console.log(
        `| ${label} | ${d.instantiations.toLocaleString("en-US")} | ${d.checkSeconds.toFixed(2)} s |`,
      );
    const base = rows[0]![1].instantiations;
    const depths = rows.slice(3).map(([, d]) => d.instantiations - base);
    const steps = depths.slice(1).map((value, i) => value - depths[i]!);
    console.log(
      `\nextra instantiations per depth: ${depths.join(", ")}; step: ${steps.join(", ")}`,
    );
    const withinBudget =
      usage.instantiations < BUDGET && selecting.instantiations < BUDGET;
    const linear = steps.every((step) => step <= (steps[0] ?? 0) * 1.5 + 200);
    console.log(
      `budget (< ${BUDGET.toLocaleString("en-US")}): ${withinBudget ? "met" : "MISSED"}; growth with depth: ${linear ? "linear" : "NOT linear"}`,
    );
    if (!withinBudget || !linear) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

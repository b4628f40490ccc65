// `npm run bench`: every benchmark, one after the other, each in its own process so that memory
// figures are not mixed up. Each prints its own table.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BENCHES = [
  "generate",
  "scale",
  "emulator",
  "emulator-save",
  "runtime",
  "typecheck",
  "typecheck-include",
  "typed",
  "latency",
];
/** Extra arguments per bench; the typed-path and latency benches write their tables into BENCHMARKS.md. */
const ARGUMENTS: Record<string, string[]> = {
  typed: [
    "--markdown",
    fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url)),
  ],
  latency: [
    "--markdown",
    fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url)),
  ],
};

let failed = false;
for (const name of BENCHES) {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!existsSync(script)) continue;
  console.log(`\n=== bench: ${name} ===`);
  const result = spawnSync(
    process.execPath,
    ["--expose-gc", script, ...(ARGUMENTS[name] ?? [])],
    {
      stdio: "inherit",
    },
  );
  if (result.status !== 0) {
    console.error(`bench ${name} failed with exit code ${result.status}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;

// In-process A/B of the generated `writeProperties` against the runtime's generic plan loop (the
// fallback), in one process and one build: the bench model's `ItemApply` / `LinkApply` objects go
// through `collectWrites` in chunks of 1000 (the request size), alternately with the generated
// methods and with them hidden (the runtime then writes through the view's plan, as before they
// existed). CPU time (process.cpuUsage) per 1000 objects, median and min–max over the rounds; the
// second line of each adds `JSON.stringify` of the request body. Hiding and restoring the method
// changes the prototypes between runs, which V8 pays for on both sides (inline caches); comparing
// two builds, each model imported once, is cleaner and gave 0.65–0.69 for nodes, ~0.9 for edges.
// Run with `npm run build && node dist/bench/apply-writer.js [--rounds 21] [--chunks 200]`.

import { loadBenchModel, BENCH_SPACE, LINK_TYPE } from "./typed-model.js";

const CHUNK = 1000;

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function summary(values: readonly number[]): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return `${median(values).toFixed(3)} (${min.toFixed(3)}–${max.toFixed(3)})`;
}

/** Hides `writeProperties` on the given prototypes while `work` runs: the plan path. */
function throughPlan<T>(prototypes: readonly object[], work: () => T): T {
  const methods = prototypes.map((p) => Reflect.get(p, "writeProperties"));
  for (const p of prototypes) Reflect.set(p, "writeProperties", undefined);
  try {
    return work();
  } finally {
    prototypes.forEach((p, i) => Reflect.set(p, "writeProperties", methods[i]));
  }
}

async function main(): Promise<void> {
  const rounds = argument("--rounds", 21);
  const chunks = argument("--chunks", 200);
  const model = await loadBenchModel();
  const prototypes = [model.ItemApply.prototype, model.LinkApply.prototype];
  for (const prototype of prototypes) {
    if (typeof Reflect.get(prototype, "writeProperties") !== "function")
      throw new Error(
        "the bench model's apply classes have no writeProperties",
      );
  }
  const items = Array.from(
    { length: CHUNK },
    (_, i) =>
      new model.ItemApply(BENCH_SPACE, `item-${i}`, {
        name: `Item ${i}`,
        value: i,
        score: i / 7,
      }),
  );
  const links = Array.from(
    { length: CHUNK },
    (_, i) =>
      new model.LinkApply(
        BENCH_SPACE,
        `link-${i}`,
        {
          startNode: { space: BENCH_SPACE, externalId: `item-${i}` },
          endNode: { space: BENCH_SPACE, externalId: `item-${i + 1}` },
          type: LINK_TYPE,
        },
        { weight: i / 3 },
      ),
  );
  const run = (objects: object[], stringify: boolean): number => {
    const start = cpuMs();
    let size = 0;
    for (let c = 0; c < chunks; c++) {
      const writes = model.collectWrites(objects);
      size += stringify
        ? JSON.stringify({ items: writes }).length
        : writes.length;
    }
    if (size === 0) throw new Error("nothing written");
    return (cpuMs() - start) / chunks;
  };
  for (const [what, objects] of [
    ["1000 ItemApply (nodes)", items],
    ["1000 LinkApply (edges)", links],
  ] as const) {
    const same =
      JSON.stringify(model.collectWrites(objects)) ===
      JSON.stringify(
        throughPlan(prototypes, () => model.collectWrites(objects)),
      );
    if (!same) throw new Error(`${what}: the two paths write differently`);
    for (const stringify of [false, true]) {
      const generated: number[] = [];
      const planned: number[] = [];
      for (let round = 0; round < rounds + 2; round++) {
        const keep = round >= 2; // two rounds warm up
        const viaMethods = (): number => run(objects, stringify);
        const viaPlan = (): number =>
          throughPlan(prototypes, () => run(objects, stringify));
        // Alternate which goes first.
        let methodsMs: number;
        let planMs: number;
        if (round % 2 === 0) {
          methodsMs = viaMethods();
          planMs = viaPlan();
        } else {
          planMs = viaPlan();
          methodsMs = viaMethods();
        }
        if (keep) {
          generated.push(methodsMs);
          planned.push(planMs);
        }
      }
      const ratio = median(generated) / median(planned);
      console.log(
        `${what}, collectWrites${stringify ? " + JSON.stringify" : ""}: ` +
          `writeProperties ${summary(generated)} ms CPU, plan ${summary(planned)} ms CPU, ` +
          `ratio ${ratio.toFixed(2)}`,
      );
    }
  }
}

await main();

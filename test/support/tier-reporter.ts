// Where vitest's time goes, by tier: `npx vitest run --reporter=default
// --reporter=./test/support/tier-reporter.ts` prints each tier's share of the files' time (import,
// hooks and tests; workers run files side by side, so the sum is more than the wall time), the
// whole-output tier's files and the slowest tests. The whole-output tier should stay at most a
// third of the total.
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

export type Tier = "whole-output" | "beside the code" | "test/";

/**
 * Files that generate whole outputs (the runtime included) and run tsc, prettier, esbuild, npm
 * or the CLI over them. The other files in test/ drive the emulator, the runtime or the CLI's
 * parts; the files beside the code (src/, templates/) are unit tests of their module.
 */
const WHOLE_OUTPUT = new Set([
  "test/browser.e2e.test.ts",
  // esbuild over whole outputs (the movies app, a CogniteCore app).
  "test/bundle.test.ts",
  "test/cli.test.ts",
  "test/config.test.ts",
  "test/exports.test.ts",
  // tsc over a --features none output, and the CLI.
  "test/features.test.ts",
  "test/format-config.test.ts",
  "test/generate-large-view.test.ts",
  "test/generate-long-names.test.ts",
  "test/generate.property.test.ts",
  "test/generate.test.ts",
  "test/install.test.ts",
  "test/members.test.ts",
  "test/names.test.ts",
  "test/object-member-names.test.ts",
  "test/readme.test.ts",
  "test/scale.test.ts",
  "test/typed-model.test.ts",
]);

export function tierOf(file: string): Tier {
  if (WHOLE_OUTPUT.has(file)) return "whole-output";
  return file.startsWith("test/") ? "test/" : "beside the code";
}

interface Timed {
  readonly name: string;
  readonly seconds: number;
}

export default class TierReporter implements Reporter {
  private readonly files: (Timed & { tier: Tier })[] = [];
  private readonly tests: Timed[] = [];

  onTestModuleEnd(module: TestModule): void {
    const file = relative(process.cwd(), module.moduleId);
    const d = module.diagnostic();
    const ms = d.prepareDuration + d.setupDuration + d.collectDuration;
    this.files.push({
      name: file,
      tier: tierOf(file),
      seconds: (ms + d.duration) / 1000,
    });
    for (const test of module.children.allTests()) {
      const duration = test.diagnostic()?.duration;
      if (duration !== undefined)
        this.tests.push({
          name: `${file} > ${test.fullName}`,
          seconds: duration / 1000,
        });
    }
  }

  onTestRunEnd(): void {
    const total = this.files.reduce((sum, f) => sum + f.seconds, 0);
    const lines = ["", `files' time by tier (sum ${total.toFixed(1)} s):`];
    for (const tier of ["whole-output", "test/", "beside the code"] as const) {
      const files = this.files.filter((f) => f.tier === tier);
      const seconds = files.reduce((sum, f) => sum + f.seconds, 0);
      lines.push(
        `  ${tier.padEnd(16)} ${seconds.toFixed(1).padStart(6)} s  ${((100 * seconds) / total).toFixed(0).padStart(3)} %  (${files.length} files)`,
      );
    }
    lines.push("whole-output files:");
    for (const file of this.files
      .filter((f) => f.tier === "whole-output")
      .sort((a, b) => b.seconds - a.seconds))
      lines.push(`  ${file.seconds.toFixed(2).padStart(6)} s  ${file.name}`);
    lines.push("slowest tests:");
    for (const test of [...this.tests]
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 15))
      lines.push(`  ${test.seconds.toFixed(2).padStart(6)} s  ${test.name}`);
    lines.push("slowest files:");
    for (const file of [...this.files]
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 15))
      lines.push(
        `  ${file.seconds.toFixed(2).padStart(6)} s  ${file.name} (${file.tier})`,
      );
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}

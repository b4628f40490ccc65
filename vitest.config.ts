import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

const INCLUDE = [
  "src/**/*.test.ts",
  "templates/**/*.test.ts",
  "test/**/*.test.ts",
];

/**
 * Test files that replace modules (`vi.mock`, `vi.doMock`): they need a fresh module registry, so
 * they run isolated. Every other file shares its worker's modules with the files run before it
 * (`isolate: false`): starting a process and importing vitest, the emulator and the generator
 * again for each of ~120 files cost about as much CPU as the small files' tests themselves.
 * Found by reading the files, so a new test that mocks a module needs no entry here.
 */
function filesThatMockModules(): string[] {
  const found: string[] = [];
  for (const root of ["src", "templates", "test"])
    for (const path of readdirSync(root, { recursive: true, encoding: "utf8" }))
      if (
        path.endsWith(".test.ts") &&
        /\bvi\.(do)?mock\(/.test(readFileSync(join(root, path), "utf8"))
      )
        found.push(join(root, path).split("\\").join("/"));
  return found;
}

const ISOLATED = filesThatMockModules();

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine. Many
    // tests wait on a child (tsc, npm, the CLI, chromium) or on sockets, so two keep both busy.
    maxWorkers: 2,
    // V8 optimizes a function once it has run through an "interrupt budget" of bytecode. A test
    // run is short for the large bodies of code the whole-output tests drive (tsc, prettier):
    // with the default budget, V8's optimizing compiler, on helper threads, took about half as
    // much CPU again as the work itself (tsc over every fixture's model code: 3.5 s of CPU,
    // 2.4 s with this budget; prettier over those files: 2.0 s, 1.4 s), CPU that a loaded
    // 2-core machine takes from the other worker. What stays hot is still optimized. The CLI
    // does the same for prettier (preferShortRunJit in src/output/format-pool.ts).
    execArgv: ["--interrupt-budget=1081344"],
    projects: [
      {
        extends: true,
        test: {
          name: "shared",
          include: INCLUDE,
          exclude: [...configDefaults.exclude, ...ISOLATED],
          isolate: false,
        },
      },
      ...(ISOLATED.length === 0
        ? []
        : [
            {
              extends: true,
              test: { name: "isolated", include: ISOLATED, isolate: true },
            },
          ]),
    ],
  },
});

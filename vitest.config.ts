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

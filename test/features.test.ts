// `--features`: an output without a feature has neither its runtime files nor its types, and what
// stays (apply, retrieve, list with where / sort / select, sync, delete) works against the emulator.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_FEATURES,
  DEFAULT_CODE_OPTIONS,
  parseConfig,
  parseFeatures,
  readConfig,
  type CodeOptions,
} from "../src/config/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import type { FileMap } from "../src/output/file-map.js";
import {
  EXAMPLES_DIR,
  REPO_ROOT,
  generateFiles,
  scratchDir,
  typeCheck,
  writeFileMap,
  writeOutputs,
} from "./support/generated.js";
import { dmgen } from "./support/cli.js";

const MOVIES_DIR = join(EXAMPLES_DIR, "movies");
const MOVIES = join(MOVIES_DIR, "views.json");

/** The movies output with these features, generated once per feature set (tests only read it). */
function movies(features: CodeOptions["features"]): Promise<FileMap> {
  const key = (features ?? ALL_FEATURES).join(",");
  let output = MOVIES_OUTPUTS.get(key);
  if (!output) {
    output = generateMovies(features);
    MOVIES_OUTPUTS.set(key, output);
  }
  return output;
}

const MOVIES_OUTPUTS = new Map<string, Promise<FileMap>>();

async function generateMovies(
  features: CodeOptions["features"],
): Promise<FileMap> {
  const config = await readConfig(
    join(MOVIES_DIR, "dmgen.config.json"),
    REPO_ROOT,
  );
  return generateFiles([MOVIES], {
    ...DEFAULT_CODE_OPTIONS,
    naming: config!.naming!,
    features: features ?? ALL_FEATURES,
  });
}

function runtimeFiles(files: FileMap): string[] {
  return [...files.keys()].filter((path) => path.startsWith("runtime/"));
}

function lines(files: FileMap, paths: readonly string[]): number {
  return paths.reduce(
    (sum, path) => sum + files.get(path)!.split("\n").length - 1,
    0,
  );
}

describe("the features option", () => {
  it("parses all, none and names in their canonical order; an unknown name is an error naming it", () => {
    const fail = (message: string): never => {
      throw new Error(message);
    };
    expect(parseFeatures(["all"], fail)).toEqual(ALL_FEATURES);
    expect(parseFeatures(["none"], fail)).toEqual([]);
    expect(parseFeatures(["drift,include", "search"], fail)).toEqual([
      "include",
      "search",
      "drift",
    ]);
    expect(() => parseFeatures(["include,grafs"], fail)).toThrow(
      'unknown feature "grafs"; the features are include, graph, search, drift, spaces (or all, none), comma-separated',
    );
    expect(
      parseConfig({ features: ["graph"] }, "/x/dmgen.config.json").features,
    ).toEqual(["graph"]);
    expect(() =>
      parseConfig({ features: "include,nope" }, "/x/dmgen.config.json"),
    ).toThrow(/dmgen\.config\.json.*features.*unknown feature "nope"/);
  });

  it("leaves a feature's runtime files out, and every feature's with none", async () => {
    const all = runtimeFiles(await movies(ALL_FEATURES));
    const none = runtimeFiles(await movies([]));
    const left = all.filter((path) => !none.includes(path));
    expect(left.sort()).toEqual([
      "runtime/client/include-reads.ts",
      "runtime/client/include-search.ts",
      "runtime/client/read-runtime.ts",
      "runtime/client/search-reads.ts",
      "runtime/client/spaces-requests.ts",
      "runtime/client/spaces.ts",
      "runtime/client/view-checks.ts",
      "runtime/features/aggregate.ts",
      "runtime/features/graph-run.ts",
      "runtime/features/graph.ts",
      "runtime/features/include.ts",
      "runtime/features/query-graph.ts",
      "runtime/features/targets.ts",
      "runtime/features/view-drift-error.ts",
      "runtime/features/view-drift.ts",
    ]);
    expect(none.filter((path) => !all.includes(path))).toEqual([]);
    const graphOnly = runtimeFiles(await movies(["graph"]));
    expect(graphOnly.filter((p) => p.includes("features/"))).toEqual([
      "runtime/features/graph-run.ts",
      "runtime/features/graph.ts",
      "runtime/features/query-graph.ts",
      "runtime/features/targets.ts",
    ]);
  });

  it("a --features none output's client/ slice is at most 600 lines", async () => {
    const files = await movies([]);
    const client = runtimeFiles(files).filter((p) => p.includes("/client/"));
    const count = lines(files, client);
    console.log(`--features none: runtime/client/ ${count} lines`);
    expect(count).toBeLessThanOrEqual(600);
  });

  // Issue 24's target, not reached yet: 6,081 lines at the last merge (6,051 a round before, 8,338 two rounds
  // before, about 12,300 copied before there were features; this round added the project-limits read). Expected to fail until the runtime gets there; then `it`.
  it.fails(
    "a --features none output copies at most 6,000 runtime lines",
    async () => {
      const files = await movies([]);
      const count = lines(files, runtimeFiles(files));
      console.log(`--features none: runtime ${count} lines`);
      expect(count).toBeLessThanOrEqual(6000);
    },
  );

  it("names the features in client.ts, so --check sees a change of features", async () => {
    const all = (await movies(ALL_FEATURES)).get("client.ts")!;
    const some = (await movies(["include", "drift"])).get("client.ts")!;
    expect(all).toContain(
      "// Features: include, graph, search, drift, spaces (dmgen generate --features).",
    );
    expect(some).toContain(
      "// Features: include, drift (dmgen generate --features).",
    );
  });
});

describe("a --features none client", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let files: FileMap;

  beforeAll(async () => {
    scratch = await scratchDir("features-none");
    files = await movies([]);
  });
  afterAll(() => scratch.cleanup());

  it("has no include, graph, search, aggregate or verifyViews in its types", async () => {
    // The model code and the client's types are what this checks: the runtime arrives as
    // declarations (emitted under the strict flags, so its --features none sources compile too).
    await writeOutputs(scratch.dir, new Map([["out", files]]), {
      runtimeAs: "declarations",
    });
    await writeFile(
      join(scratch.dir, "out", "features.check.ts"),
      `import { createClient, MovieApply } from "./index.js";
const client = createClient({ baseUrl: "http://x", project: "p", credentials: { token: "t" } });
await client.movie.apply(new MovieApply("s", "m", { title: "x" }));
await client.movie.retrieve([{ space: "s", externalId: "m" }], { select: ["title"] });
await client.movie.list({ where: { title: "x" }, sort: { property: "title" }, select: ["title"] }).toArray();
for await (const page of client.movie.sync({ where: { releaseYear: { gt: 1 } } })) void page;
await client.movie.delete([{ space: "s", externalId: "m" }]);
// @ts-expect-error no include without the include feature
client.movie.list({ include: { actors: true } });
// @ts-expect-error no include on retrieve either
void client.movie.retrieve([{ space: "s", externalId: "m" }], { include: { actors: true } });
// @ts-expect-error no search without the search feature
void client.movie.search({ query: "x" });
// @ts-expect-error no aggregate without the search feature
void client.movie.aggregate({ count: true });
// @ts-expect-error no graphs without the graph feature
client.graph();
// @ts-expect-error no graph query
void client.query;
// @ts-expect-error no verifyViews method without the drift feature
void client.verifyViews();
// @ts-expect-error no spaces without the spaces feature
void client.spaces;
// @ts-expect-error no verifyViews option either
createClient({ baseUrl: "http://x", project: "p", credentials: { token: "t" }, verifyViews: true });
// Sync of a view is not a feature: client.movie.sync stays; client.sync (of graphs) goes.
// @ts-expect-error
void client.sync;
`,
    );
    expect(
      await typeCheck(scratch.dir, ["out"], "nodenext", {
        sharedRuntime: true,
      }),
    ).toBe("");
  });

  it("applies, retrieves, lists with where / sort / select, syncs and deletes against the emulator", async () => {
    // Run from its sources (vite transpiles them).
    const out = join(scratch.dir, "run");
    await writeFileMap(out, files);
    const input = await loadInputs([MOVIES]);
    const emulator = await startEmulator({
      views: input.views,
      project: "movies",
      spaces: ["movies"],
    });

    const generated: any = await import(join(out, "index.ts"));
    const client = generated.createClient({
      baseUrl: emulator.url,
      project: "movies",
      credentials: { token: "any" },
    });
    try {
      expect(
        ["graph", "verifyViews", "spaces"].filter((m) => m in client),
      ).toEqual([]);
      const apply = (externalId: string, title: string, releaseYear: number) =>
        new generated.MovieApply("movies", externalId, { title, releaseYear });
      const applied = await client.movie.apply([
        apply("m1", "Alien", 1979),
        apply("m2", "Heat", 1995),
        apply("m3", "Ran", 1985),
      ]);
      expect(applied.items).toHaveLength(3);
      const [retrieved] = await client.movie.retrieve([
        { space: "movies", externalId: "m2" },
      ]);
      expect(retrieved).toBeInstanceOf(generated.Movie);
      expect(retrieved.title).toBe("Heat");
      const listed = await client.movie
        .list({
          where: { releaseYear: { gt: 1980 } },
          sort: { property: "releaseYear", direction: "descending" },
          select: ["title"],
        })
        .toArray();
      expect(listed.map((m: { title: string }) => m.title)).toEqual([
        "Heat",
        "Ran",
      ]);
      expect("releaseYear" in listed[0]).toBe(false);
      const synced: string[] = [];
      for await (const page of client.movie.sync({
        where: { title: { prefix: "A" } },
      })) {
        synced.push(...page.upserts.map((m: { title: string }) => m.title));
        if (page.caughtUp) break;
      }
      expect(synced).toEqual(["Alien"]);
      await client.movie.delete([{ space: "movies", externalId: "m1" }]);
      const left = await client.movie.list().toArray();
      expect(
        left.map((m: { externalId: string }) => m.externalId).sort(),
      ).toEqual(["m2", "m3"]);
      await expect(
        client.movie.list({ include: { actors: true } }).toArray(),
      ).rejects.toThrow(/without the include feature/);
    } finally {
      await client.close();
      await emulator.close();
    }
  });
});

describe("dmgen generate --features", () => {
  // In this process; test/cli.test.ts proves the bin's exit codes.
  const run = (args: string[]) => dmgen(args, REPO_ROOT);

  it("rejects an unknown feature with exit code 2, and --check reports a change of features", async () => {
    const scratch = await scratchDir("features-cli");
    try {
      const out = join(scratch.dir, "out");
      const bad = await run([
        "generate",
        "-i",
        MOVIES,
        "-o",
        out,
        "--features",
        "include,serch",
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--features: unknown feature "serch"');
      expect(bad.stderr).not.toMatch(/\n\s+at /);
      expect(
        (await run(["generate", "-i", MOVIES, "-o", out, "--features", "none"]))
          .code,
      ).toBe(0);
      expect(await readFile(join(out, "client.ts"), "utf8")).toContain(
        "// Features: none",
      );
      const same = await run([
        "generate",
        "-i",
        MOVIES,
        "-o",
        out,
        "--features",
        "none",
        "--check",
      ]);
      expect(same.code).toBe(0);
      const changed = await run([
        "generate",
        "-i",
        MOVIES,
        "-o",
        out,
        "--check",
      ]);
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(/changed: +client\.ts/);
      expect(changed.stderr).toMatch(
        /missing: +runtime\/features\/include\.ts/,
      );
    } finally {
      await scratch.cleanup();
    }
  });
});

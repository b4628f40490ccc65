// Which config `dmgen generate` reads (none when --input and --out are given, none with
// --no-config), a config with several models, the undici dependency warning, and --timings
// progress: the CLI in this process (test/support/cli.ts), in scratch folders, as a user runs it.
import { existsSync } from "node:fs";
import {
  copyFile,
  mkdir,
  readdir,
  readFile,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configModels, parseConfig } from "../src/config/index.js";
import { isUserError } from "../src/errors.js";
import { dmgen } from "./support/cli.js";
import { EXAMPLES_DIR, scratchDir } from "./support/generated.js";

const MOVIES = join(EXAMPLES_DIR, "movies", "views.json");

/** A config whose rename matches no view of the movies model: reading it fails generation. */
const FOREIGN_CONFIG = {
  input: "other-views.json",
  out: "other",
  naming: { views: { "otherSpace:Pump/v1": "Pump" } },
};

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let dir: string;
beforeEach(async () => {
  scratch = await scratchDir("config");
  dir = scratch.dir;
  await copyFile(MOVIES, join(dir, "views.json"));
});
afterEach(() => scratch.cleanup());

const writeJson = (name: string, value: unknown) =>
  writeFile(join(dir, name), JSON.stringify(value, null, 2));

describe("which config generate reads", () => {
  it("ignores ./dmgen.config.json when --input and --out are given", async () => {
    await writeJson("dmgen.config.json", FOREIGN_CONFIG);
    const run = await dmgen(["generate", "-i", "views.json", "-o", "gen"], dir);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, "gen", "views", "MovieView.ts"))).toBe(true);
  });

  it("reads ./dmgen.config.json when a flag leaves input or output open", async () => {
    await writeJson("dmgen.config.json", FOREIGN_CONFIG);
    const run = await dmgen(["generate", "-i", "views.json"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("otherSpace:Pump/v1");
    expect(existsSync(join(dir, "other"))).toBe(false);
  });

  it("reads a config named by --config even with --input and --out", async () => {
    await writeJson("movies.config.json", {
      naming: { views: { "mySpace:MovieView/v1": "Film" } },
    });
    const run = await dmgen(
      ["generate", "-i", "views.json", "-o", "gen", "-c", "movies.config.json"],
      dir,
    );
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, "gen", "views", "Film.ts"))).toBe(true);
  });

  it("--no-config skips it outright", async () => {
    await writeJson("dmgen.config.json", { ...FOREIGN_CONFIG, out: "gen" });
    const run = await dmgen(
      ["generate", "--no-config", "-i", "views.json"],
      dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'dmgen: missing --out <dir> (or "out" in the config file)\n',
    );
  });
});

describe("a config with several models", () => {
  it("generates each into its own folder, top-level options as defaults", async () => {
    await writeJson("dmgen.config.json", {
      transport: "fetch",
      models: [
        {
          input: "views.json",
          out: "gen/movies",
          naming: { views: { "mySpace:MovieView/v1": "Movie" } },
        },
        { input: "views.json", out: "gen/films", transport: "undici" },
      ],
    });
    const run = await dmgen(["generate"], dir);
    expect(run.code).toBe(0);
    const movies = join(dir, "gen", "movies");
    const films = join(dir, "gen", "films");
    // Every file in a fresh output folder was written by this run.
    expect(run.stdout.split("\n").filter(Boolean)).toEqual([
      `dmgen: 3 views → ${movies}: ${await fileCount(movies)} written, 0 removed, 0 unchanged`,
      `dmgen: 3 views → ${films}: ${await fileCount(films)} written, 0 removed, 0 unchanged`,
    ]);
    expect(existsSync(join(movies, "views", "Movie.ts"))).toBe(true);
    expect(
      existsSync(join(movies, "runtime", "core", "transport-fetch.ts")),
    ).toBe(true);
    expect(existsSync(join(films, "views", "MovieView.ts"))).toBe(true);
    expect(
      existsSync(join(films, "runtime", "core", "transport-undici.ts")),
    ).toBe(true);
    expect((await dmgen(["generate", "--check"], dir)).code).toBe(0);
  });

  it("writes nothing when one model's input is bad", async () => {
    await writeJson("dmgen.config.json", {
      models: [
        { input: "views.json", out: "gen/movies" },
        { input: "missing.json", out: "gen/other" },
      ],
    });
    const run = await dmgen(["generate"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^dmgen: .*missing\.json/);
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });

  it("names the entry whose naming does not fit its views", async () => {
    await writeJson("dmgen.config.json", {
      models: [
        { input: "views.json", out: "gen/movies" },
        {
          input: "views.json",
          out: "gen/other",
          naming: FOREIGN_CONFIG.naming,
        },
      ],
    });
    const run = await dmgen(["generate"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${join(dir, "dmgen.config.json")} models[1] naming.views`,
    );
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });

  it("writes nothing when one model's folder holds a file dmgen did not write", async () => {
    await writeJson("dmgen.config.json", {
      models: [
        { input: "views.json", out: "gen/movies" },
        { input: "views.json", out: "gen/other" },
      ],
    });
    await mkdir(join(dir, "gen", "other"), { recursive: true });
    await writeFile(join(dir, "gen", "other", "index.ts"), "// mine\n");
    const run = await dmgen(["generate"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("refusing to overwrite");
    expect(existsSync(join(dir, "gen", "movies"))).toBe(false);
    expect(await readFile(join(dir, "gen", "other", "index.ts"), "utf8")).toBe(
      "// mine\n",
    );
  });

  it("refuses --input / --out with it", async () => {
    await writeJson("dmgen.config.json", {
      models: [{ input: "views.json", out: "gen/movies" }],
    });
    const run = await dmgen(
      ["generate", "-c", "dmgen.config.json", "-o", "x"],
      dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--input and --out cannot be combined");
  });

  const badModels: [string, unknown, string][] = [
    [
      "an entry without out",
      { models: [{ input: "a.json" }] },
      '$.models[0]: missing "out"',
    ],
    [
      "an entry without input",
      { models: [{ out: "a" }] },
      '$.models[0]: missing "input"',
    ],
    [
      "models beside a top-level out",
      { out: "a", models: [{ input: "a.json", out: "b" }] },
      '$.models: "models" and a top-level "input" or "out" exclude each other',
    ],
    [
      "nested models",
      { models: [{ input: "a.json", out: "a", models: [] }] },
      '$.models[0].models: unknown option "models"',
    ],
    [
      "two models in one folder",
      {
        models: [
          { input: "a.json", out: "gen" },
          { input: "b.json", out: "gen/b" },
        ],
      },
      "$.models[1].out:",
    ],
    [
      "a bad option in an entry",
      { models: [{ input: "a.json", out: "a", transport: "http" }] },
      "$.models[0].transport:",
    ],
    ["no models", { models: [] }, "$.models: expected at least one model"],
  ];
  it.each(badModels)("rejects %s, naming the entry", (_name, json, message) => {
    let error: unknown;
    try {
      parseConfig(json, "/app/dmgen.config.json");
    } catch (caught) {
      error = caught;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain("/app/dmgen.config.json");
    expect((error as Error).message).toContain(message);
  });

  it("gives each entry the top level's options unless it sets its own", () => {
    const config = parseConfig(
      {
        transport: "fetch",
        timestamps: "string",
        models: [
          { input: "a.json", out: "a" },
          { input: "b.json", out: "b", transport: "undici" },
        ],
      },
      "/app/dmgen.config.json",
    );
    expect(
      configModels(config).map(({ input, out, transport, timestamps }) => ({
        input,
        out,
        transport,
        timestamps,
      })),
    ).toEqual([
      {
        input: ["/app/a.json"],
        out: "/app/a",
        transport: "fetch",
        timestamps: "string",
      },
      {
        input: ["/app/b.json"],
        out: "/app/b",
        transport: "undici",
        timestamps: "string",
      },
    ]);
  });
});

describe("the undici dependency warning", () => {
  const cases: [string, Record<string, unknown> | undefined, string | null][] =
    [
      ["no undici", { dependencies: {} }, 'does not list "undici"'],
      [
        "undici only as a dev dependency",
        { devDependencies: { undici: "^7" } },
        'lists "undici" only in devDependencies',
      ],
      ["undici as a dependency", { dependencies: { undici: "^7" } }, null],
    ];
  it.each(cases)("%s", async (_name, manifest, warning) => {
    await writeJson("package.json", {
      name: "app",
      type: "module",
      ...manifest,
    });
    const run = await dmgen(["generate", "-i", "views.json", "-o", "gen"], dir);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split("\n").filter((l) => l.includes("warn"));
    if (warning === null) expect(warnings).toEqual([]);
    else {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(join(dir, "package.json"));
      expect(warnings[0]).toContain(warning);
      expect(warnings[0]).toMatch(/Run `npm install undici@\^7\.\d+\.\d+`/);
    }
    const fetchRun = await dmgen(
      ["generate", "-i", "views.json", "-o", "gen", "--transport", "fetch"],
      dir,
    );
    expect(fetchRun.stderr).toBe("");
  });

  it("warns once for several models under one package.json", async () => {
    await writeJson("package.json", { name: "app", type: "module" });
    await writeJson("dmgen.config.json", {
      models: [
        { input: "views.json", out: "gen/a" },
        { input: "views.json", out: "gen/b" },
      ],
    });
    const run = await dmgen(["generate"], dir);
    expect(run.stderr.match(/warning/g)).toHaveLength(1);
  });
});

describe("the ES module warning", () => {
  const cases: [string, Record<string, unknown>, string | null][] = [
    ["no type", {}, 'has no "type": "module"'],
    [
      "type commonjs",
      { type: "commonjs" },
      'has "commonjs" instead of "type": "module"',
    ],
    ["type module", { type: "module" }, null],
  ];
  it.each(cases)("%s", async (_name, manifest, warning) => {
    await writeJson("package.json", {
      name: "app",
      dependencies: { undici: "^7" },
      ...manifest,
    });
    const run = await dmgen(["generate", "-i", "views.json", "-o", "gen"], dir);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split("\n").filter((l) => l.includes("warn"));
    if (warning === null) expect(warnings).toEqual([]);
    else {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(join(dir, "package.json"));
      expect(warnings[0]).toContain(warning);
      expect(warnings[0]).toContain("ES modules only");
    }
  });
});

describe("generate output", () => {
  it("says 1 view, not 1 views", async () => {
    const json = JSON.parse(await readFile(MOVIES, "utf8")) as {
      items: unknown[];
    };
    await mkdir(join(dir, "one"));
    await writeJson("one/views.json", {
      items: json.items.filter(
        (view) => (view as { externalId: string }).externalId === "PersonView",
      ),
    });
    const run = await dmgen(
      ["generate", "-i", "one/views.json", "-o", "gen"],
      dir,
    );
    expect(run.stdout).toMatch(/^dmgen: 1 view → /);
  });

  it("--timings prints each stage as it ends, then the total", async () => {
    const run = await dmgen(
      ["generate", "-i", "views.json", "-o", "gen", "--timings"],
      dir,
    );
    const stages = [...run.stderr.matchAll(/^dmgen timings: (\w+) /gm)].map(
      (m) => m[1],
    );
    expect(stages).toEqual([
      "load",
      "ir",
      "names",
      "emit",
      "format",
      "compare",
      "write",
      "total",
    ]);
  });
});

async function fileCount(folder: string): Promise<number> {
  const entries = await readdir(folder, {
    recursive: true,
    withFileTypes: true,
  });
  return entries.filter((entry) => entry.isFile()).length;
}

import { basename, extname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as prettier from "prettier";
import {
  EXAMPLES_DIR,
  FULL,
  REPO_ROOT,
  SHARED_RUNTIME_FOLDER,
  STRICT_FLAGS,
  fixtureFiles,
  generateFiles,
  runTsc,
  scratchDir,
  typeCheck,
  writeOutputs,
} from "./support/generated.js";
import {
  DEFAULT_CODE_OPTIONS,
  readConfig,
  type CodeOptions,
} from "../src/config/index.js";
import { readFile, writeFile } from "node:fs/promises";
import { parseInputDocument, mergeDocuments } from "../src/input/index.js";
import { buildFiles, readRuntimeSources } from "../src/generate.js";
import type { FileMap } from "../src/output/file-map.js";

/** The code options of a committed example, as `npm run examples` generates it. */
async function exampleOptions(example: string): Promise<CodeOptions> {
  const config = await readConfig(
    join(EXAMPLES_DIR, example, "dmgen.config.json"),
    REPO_ROOT,
  );
  return {
    naming: config?.naming ?? DEFAULT_CODE_OPTIONS.naming,
    transport: config?.transport ?? DEFAULT_CODE_OPTIONS.transport,
    timestamps: config?.timestamps ?? DEFAULT_CODE_OPTIONS.timestamps,
    int64: config?.int64 ?? DEFAULT_CODE_OPTIONS.int64,
  };
}

// The shared fixtures with the default options, and the committed examples with their own
// configs (so this also type-checks exactly what generated-examples/ holds: check:examples keeps
// the two equal).
const MODELS = [
  ...fixtureFiles().map((file) => ({
    name: basename(file, ".json"),
    inputs: [file],
    options: DEFAULT_CODE_OPTIONS,
  })),
  ...(await Promise.all(
    ["movies", "showcase"].map(async (example) => ({
      name: example,
      inputs: [join(EXAMPLES_DIR, example, "views.json")],
      options: await exampleOptions(example),
    })),
  )),
];

/** Every code option's other value than the default, by a short name for folder names. */
const OTHER_VALUES: Record<string, (options: CodeOptions) => CodeOptions> = {
  fetch: (o) => ({ ...o, transport: "fetch" }),
  string: (o) => ({ ...o, timestamps: "string" }),
  bigint: (o) => ({ ...o, int64: "bigint" }),
  preserve: (o) => ({ ...o, naming: { ...o.naming, properties: "preserve" } }),
};

/** Every subset of the other values (the empty one is the model's own options). */
function optionSets(): string[][] {
  return Object.keys(OTHER_VALUES).reduce<string[][]>(
    (sets, value) => [...sets, ...sets.map((set) => [...set, value])],
    [[]],
  );
}

/**
 * The outputs this describe checks: `npm test` has every model once and every other option
 * value once (all of them together, on the showcase); `FULL=1` every model × every option set.
 */
function outputPlan(): {
  name: string;
  inputs: string[];
  options: CodeOptions;
}[] {
  return MODELS.flatMap((model) =>
    optionSets()
      .filter(
        (set) =>
          FULL ||
          set.length === 0 ||
          (model.name === "showcase" &&
            set.length === Object.keys(OTHER_VALUES).length),
      )
      .map((set) => ({
        name: [model.name, ...set].join("-"),
        inputs: model.inputs,
        options: set.reduce(
          (o, value) => OTHER_VALUES[value]!(o),
          model.options,
        ),
      })),
  );
}

/** FULL=1 checks 16 times as many outputs. */
const FULL_TIMEOUT = FULL ? 900_000 : undefined;

describe("every model generates, compiles and is already formatted", () => {
  const outputs = new Map<string, FileMap>();
  const plan = outputPlan();
  let scratch: Awaited<ReturnType<typeof scratchDir>>;

  beforeAll(async () => {
    scratch = await scratchDir("models");
    for (const output of plan)
      outputs.set(
        output.name,
        await generateFiles(output.inputs, output.options),
      );
  }, FULL_TIMEOUT);

  it("covers every model, and every option value at least once", () => {
    const names = new Set(plan.map((output) => output.name));
    for (const model of MODELS)
      expect(names.has(model.name), model.name).toBe(true);
    const used = (pick: (options: CodeOptions) => string) =>
      new Set(plan.map((output) => pick(output.options)));
    expect(used((o) => o.transport)).toEqual(new Set(["undici", "fetch"]));
    expect(used((o) => o.timestamps)).toEqual(new Set(["date", "string"]));
    expect(used((o) => o.int64)).toEqual(new Set(["number", "bigint"]));
    expect(used((o) => o.naming.properties)).toEqual(
      new Set(["camelCase", "preserve"]),
    );
    expect(plan.length).toBe(
      FULL
        ? MODELS.length * 2 ** Object.keys(OTHER_VALUES).length
        : MODELS.length + 1,
    );
    expect(
      outputs
        .get("showcase-fetch-string-bigint-preserve")!
        .has("runtime/core/transport-fetch.ts"),
    ).toBe(true);
  });
  afterAll(() => scratch.cleanup());

  it("covers all five shared fixtures", () => {
    expect(fixtureFiles().map((f) => basename(f))).toEqual([
      "CogniteCore.json",
      "CogniteCore_no3d_toolkit.json",
      "CogniteExtractorExtensions.json",
      "Omni.json",
      "WindTurbine.json",
    ]);
    expect(outputs.get("CogniteCore")!.size).toBeGreaterThan(33);
  });

  /**
   * One tsc program over `names`, one runtime copy for all of them: its sources, or its
   * declarations (emitted once per runtime content, under the strict flags: a runtime that does
   * not compile fails there).
   */
  async function checkOutputs(
    names: readonly string[],
    mode: "nodenext" | "bundler",
    runtimeAs: "sources" | "declarations",
  ): Promise<string> {
    const dir = join(scratch.dir, `${mode}-${runtimeAs}`);
    const folders = await writeOutputs(
      dir,
      new Map(names.map((name) => [name, outputs.get(name)!])),
      { runtimeAs },
    );
    return typeCheck(dir, folders, mode, { sharedRuntime: true });
  }

  // The model code of every output; the runtime's sources are checked with nodenext where its
  // declarations are emitted, and by check:types where they stand.
  it(
    "type-checks every output's model code under the strict flags with module nodenext",
    async () => {
      expect(
        await checkOutputs([...outputs.keys()], "nodenext", "declarations"),
      ).toBe("");
    },
    FULL_TIMEOUT,
  );

  // Module resolution does not depend on the model: the undici transport's output here, the
  // fetch transport's (every other option value too) for browsers below.
  it("type-checks the model code of an undici output with module bundler", async () => {
    expect(await checkOutputs(["movies"], "bundler", "declarations")).toBe("");
  });

  // Whole outputs as an app compiles them, the runtime's sources and both transports included.
  // By default the runtime's sources are checked where they stand: for browsers with module
  // bundler (every file but the undici transport) by `npm run check:browser`, with nodenext by
  // check:types and where their declarations are emitted.
  it.runIf(FULL)(
    "type-checks every whole output, runtime sources included, with module bundler",
    async () => {
      expect(
        await checkOutputs([...outputs.keys()], "bundler", "sources"),
      ).toBe("");
    },
    FULL_TIMEOUT,
  );

  it.runIf(FULL)(
    "type-checks every whole output with module nodenext",
    async () => {
      expect(
        await checkOutputs([...outputs.keys()], "nodenext", "sources"),
      ).toBe("");
    },
    FULL_TIMEOUT,
  );

  it(
    "prettier (default options) changes no generated file",
    async () => {
      // The runtime's files are copies: test/runtime/runtime-source.test.ts and format:check check
      // them where they stand, in templates/runtime.
      // Prettier's answer depends on the text and the parser (the file's extension) only: a text
      // that another output has too is formatted once.
      const changed: string[] = [];
      const checked = new Set<string>();
      for (const [model, files] of outputs) {
        for (const [path, text] of files) {
          if (path.startsWith("runtime/")) continue;
          const key = `${extname(path)}\0${text}`;
          if (checked.has(key)) continue;
          checked.add(key);
          const formatted = await prettier.format(text, { filepath: path });
          if (formatted !== text) changed.push(`${model}/${path}`);
        }
      }
      expect(changed).toEqual([]);
    },
    FULL_TIMEOUT,
  );

  it("starts every file with the header and names modules after their classes", () => {
    for (const files of outputs.values()) {
      for (const [path, text] of files)
        if (!path.endsWith(".json"))
          expect(
            text.startsWith("// Code generated by dmgen. DO NOT EDIT.\n"),
          ).toBe(true);
    }
    expect(
      [...outputs.get("movies")!.keys()].filter(
        (p) => !p.startsWith("runtime/"),
      ),
    ).toEqual([
      "client.ts",
      "dmgen.names.json",
      "dmgen.record.json",
      "index.ts",
      "views/Actor.ts",
      "views/Movie.ts",
      "views/Person.ts",
    ]);
  });
});

describe("transport chosen at generation time", () => {
  it("a fetch output imports neither undici nor Node modules, and compiles for browsers (lib dom, no Node types)", async () => {
    const files = await generateFiles(
      [join(EXAMPLES_DIR, "showcase", "views.json")],
      {
        ...DEFAULT_CODE_OPTIONS,
        transport: "fetch",
        // bigint: the output then has every runtime file (client/int64.ts is for bigint only).
        int64: "bigint",
        // And every other option value, so that this is also their model code with module bundler.
        timestamps: "string",
        naming: { ...DEFAULT_CODE_OPTIONS.naming, properties: "preserve" },
      },
    );
    expect(files.has("runtime/core/transport-fetch.ts")).toBe(true);
    expect(files.has("runtime/core/transport-undici.ts")).toBe(false);
    // Every other runtime file: this is where the runtime is checked for browsers.
    expect(
      [...files.keys()].filter((path) => path.startsWith("runtime/")),
    ).toEqual(
      [...(await readRuntimeSources()).keys()]
        .filter((name) => name !== "core/transport-undici.ts")
        .map((name) => `runtime/${name}`)
        .sort(),
    );
    for (const [path, text] of files) {
      expect(text, path).not.toMatch(
        /from "(undici|node:[a-z_/]+|[./a-z]*transport-undici\.js)"/,
      );
    }
    expect(files.get("client.ts")).toContain(
      'import { createFetchTransport } from "./runtime/core/transport-fetch.js";',
    );
    // The model code, with the runtime as declarations: the runtime's sources are checked for
    // browsers where they stand (`npm run check:browser`, tsconfig.browser.json). Written beside
    // an undici output, so that the declarations are those of the whole runtime (emitted once
    // per runtime content: the same as the programs above use); only the fetch output's
    // imports bring them into the program (never the undici transport's, nor Node's types).
    const scratch = await scratchDir("browser");
    try {
      await writeOutputs(
        scratch.dir,
        new Map([
          ["out", files],
          [
            "undici",
            await generateFiles([join(EXAMPLES_DIR, "movies", "views.json")]),
          ],
        ]),
        { runtimeAs: "declarations" },
      );
      const config = {
        compilerOptions: {
          ...STRICT_FLAGS,
          module: "ESNext",
          moduleResolution: "Bundler",
          lib: ["ES2022", "DOM"],
          types: [],
          // As tsconfig.browser.json has it (a bundler compiles one file at a time).
          isolatedModules: true,
          rootDirs: ["out", SHARED_RUNTIME_FOLDER],
        },
        include: ["out/**/*.ts"],
      };
      await writeFile(
        join(scratch.dir, "tsconfig.json"),
        JSON.stringify(config),
      );
      expect(await runTsc(join(scratch.dir, "tsconfig.json"))).toBe("");
    } finally {
      await scratch.cleanup();
    }
  });

  it("checks the runtime for browsers where it stands: every file a fetch output copies", async () => {
    const config = JSON.parse(
      await readFile(join(REPO_ROOT, "tsconfig.browser.json"), "utf8"),
    ) as {
      compilerOptions: Record<string, unknown>;
      include: string[];
      exclude: string[];
    };
    expect(config.compilerOptions).toMatchObject({
      lib: ["ES2022", "DOM"],
      types: [],
      moduleResolution: "Bundler",
    });
    expect(config.include).toEqual(["templates/runtime/**/*.ts"]);
    expect(config.exclude).toEqual([
      "templates/runtime/**/*.test.ts",
      "templates/runtime/core/transport-undici.ts",
    ]);
    const scripts = (
      JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts["check:browser"]).toBe("tsc -p tsconfig.browser.json");
    expect(scripts.test).toContain("check:browser");
  });
});

describe("determinism", () => {
  it("gives byte-identical output on reruns and for any input order", async () => {
    const file = fixtureFiles().find((f) => f.endsWith("CogniteCore.json"))!;
    const json = JSON.parse(await readFile(file, "utf8")) as {
      items: unknown[];
    };
    const runtime = await readRuntimeSources();
    const build = (items: unknown[]) =>
      buildFiles(
        mergeDocuments([parseInputDocument({ items }, "x.json")]),
        runtime,
      );
    const first = build(json.items);
    const again = build(json.items);
    const reversed = build([...json.items].reverse());
    expect([...again.entries()]).toEqual([...first.entries()]);
    expect([...reversed.entries()]).toEqual([...first.entries()]);
  });
});

describe("hostile names and texts", () => {
  let files: FileMap;
  beforeAll(async () => {
    files = await generateFiles([join(EXAMPLES_DIR, "showcase", "views.json")]);
  });

  it("never lets a description end a comment early", () => {
    for (const [path, text] of files) {
      if (path.startsWith("runtime/") || path.endsWith(".json")) continue;
      // Every block comment must close on its own ` */` line or as a one-line `/** ... */`.
      const closers = text.match(/\*\//g)?.length ?? 0;
      const properClosers =
        text.match(/^\s*\*\/$|^\s*\/\*\*.*\*\/$/gm)?.length ?? 0;
      expect(closers, path).toBe(properClosers);
    }
    expect(files.get("views/ObjectView.ts")).toContain(
      "Ends a block comment: *\\/ then opens one: /*",
    );
  });

  it("renames properties that clash with instance members, keeping the API identifier", () => {
    const text = files.get("views/ObjectView.ts")!;
    for (const [name, identifier] of [
      ["constructorProperty", "constructor"],
      ["toStringProperty", "toString"],
      ["spaceProperty", "space"],
      ["typeProperty", "type"],
      ["_2ndLevel", "2ndLevel"],
      ["maxPressure", "max-pressure"],
      ["foo_bar", "foo_bar"],
      ["fooBar", "fooBar"],
      ["Name", "Name"],
    ]) {
      expect(text).toMatch(
        new RegExp(`^  ${name}: \\{\\n? *identifier: "${identifier}"`, "m"),
      );
    }
  });

  it("qualifies a view externalId used in two spaces and in two versions", () => {
    const modules = [...files.keys()].filter((p) => p.startsWith("views/"));
    expect(modules).toEqual(
      expect.arrayContaining([
        "views/ShowcaseSensor.ts",
        "views/ShowcaseExtSensor.ts",
        "views/GaugeV1.ts",
        "views/GaugeV2.ts",
      ]),
    );
  });
});

describe("config renames", () => {
  it("names classes and properties as the config says, and says so in JSDoc", async () => {
    const { buildFiles: build } = await import("../src/generate.js");
    const { parseConfig } = await import("../src/config/index.js");
    const { loadInputs } = await import("../src/input/index.js");
    const config = parseConfig(
      {
        naming: {
          properties: "preserve",
          views: { "mySpace:MovieView": "Film" },
          renames: { MovieView: { releaseYear: "year" } },
        },
      },
      "/x/dmgen.config.json",
    );
    const files = build(
      await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]),
      await readRuntimeSources(),
      {
        naming: config.naming!,
        transport: "undici",
        timestamps: "string",
        int64: "number",
      },
      "dmgen.config.json",
    );
    const film = files.get("views/Film.ts")!;
    expect(film).toContain("export class FilmApply extends TypedNodeApply");
    expect(film).toContain(
      '  year: {\n    identifier: "releaseYear",\n    type: "int32",\n',
    );
    expect(film).toContain("set by the config's `naming.renames`");
    expect(files.get("views/PersonView.ts")).toContain(
      "export class PersonView extends TypedNode",
    );
  });

  it("rejects a rename to a reserved or taken name, naming the config entry", async () => {
    const { parseConfig } = await import("../src/config/index.js");
    const { loadInputs } = await import("../src/input/index.js");
    const input = await loadInputs([
      join(EXAMPLES_DIR, "movies", "views.json"),
    ]);
    const runtime = await readRuntimeSources();
    const attempt = (naming: unknown) => () =>
      buildFiles(
        input,
        runtime,
        {
          naming: parseConfig({ naming }, "/c.json").naming!,
          transport: "undici",
          timestamps: "date",
          int64: "number",
        },
        "dmgen.config.json",
      );
    expect(attempt({ renames: { MovieView: { title: "space" } } })).toThrow(
      'dmgen.config.json naming.renames: "space" (for mySpace:MovieView/v1 property "title") is not a valid, free property name',
    );
    expect(attempt({ renames: { MovieView: { nope: "x" } } })).toThrow(
      'dmgen.config.json naming.renames: view mySpace:MovieView/v1 has no property "nope"',
    );
    expect(attempt({ views: { Nothing: "X" } })).toThrow(
      'dmgen.config.json naming.views: "Nothing" matches no view in the input',
    );
    expect(attempt({ views: { MovieView: "Date" } })).toThrow(
      'dmgen.config.json naming.views: "Date" (for mySpace:MovieView/v1) is not a usable class name: `Date` is a reserved word or a JavaScript global',
    );
  });
});

describe("generated examples", () => {
  it("have their input and config beside them", async () => {
    for (const example of ["movies", "showcase"]) {
      const config = JSON.parse(
        await readFile(
          join(EXAMPLES_DIR, example, "dmgen.config.json"),
          "utf8",
        ),
      );
      expect(config.input).toBe("views.json");
    }
  });
});

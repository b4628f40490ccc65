// What a browser app carries: the generated client bundled with esbuild (minified, split as Vite
// and Rollup split by default). The include, graph, search / aggregate and drift code arrives only
// when the app calls it; an app that uses one view of a large model loads that view's module (and
// the ones it extends) only.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile, type Plugin } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_FEATURES,
  DEFAULT_CODE_OPTIONS,
  readConfig,
} from "../src/config/index.js";
import {
  EXAMPLES_DIR,
  FIXTURES_DIR,
  REPO_ROOT,
  generateFiles,
  scratchDir,
  writeFileMap,
} from "./support/generated.js";

const MOVIES_APP = `import { createClient, MovieApply } from "./gen/index.js";
const client = createClient({ baseUrl: "http://x", project: "p", credentials: { token: "t" } });
await client.movie.apply([new MovieApply("s", "m", { title: "x" })]);
console.log(await client.movie.list({ where: { title: { eq: "x" } } }).toArray());
for await (const page of client.movie.sync({})) console.log(page);
`;

/** The lazily loaded features' modules: none may be in what an app loads before calling them. */
const LAZY_FEATURE_MODULES = [
  "runtime/features/include.ts",
  "runtime/features/graph-run.ts",
  "runtime/features/query-graph.ts",
  "runtime/features/aggregate.ts",
  "runtime/features/view-drift.ts",
  "runtime/client/include-reads.ts",
  "runtime/client/search-reads.ts",
  "runtime/client/spaces-requests.ts",
  "runtime/read/instances.ts",
];

interface Bundle {
  /** gzip bytes of the chunks loaded. */
  readonly gzip: number;
  readonly minified: number;
  /** How many chunks (files) that is. */
  readonly chunks: number;
  /** The generated files (`views/Movie.ts`, `runtime/...`) in those chunks. */
  readonly inputs: Set<string>;
}

/** Leaves every `import()` out of the bundle: what an app loads before a lazy feature is called. */
const LAZY_LEFT_OUT: Plugin = {
  name: "lazy-left-out",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === "dynamic-import"
        ? { path: args.path, external: true }
        : undefined,
    );
  },
};

/**
 * Bundles `app.ts` in `dir` (`gen/` holds the output). With `splitting`, counts the chunks the
 * entry loads statically, plus those the dynamic import of each of `alsoLoaded` (generated files)
 * loads; without, the one file (`"eager"`: without what `import()` loads).
 */
async function bundle(
  dir: string,
  splitting: boolean | "eager",
  alsoLoaded: readonly string[] = [],
): Promise<Bundle> {
  const result = await build({
    absWorkingDir: dir,
    entryPoints: ["app.ts"],
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    metafile: true,
    outdir: "out",
    splitting: splitting === true,
    plugins: splitting === "eager" ? [LAZY_LEFT_OUT] : [],
    logLevel: "error",
  });
  const outputs = result.metafile.outputs;
  const loaded = new Set<string>();
  const load = (output: string): void => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const i of outputs[output]!.imports)
      if (i.kind === "import-statement") load(i.path);
  };
  for (const [name, output] of Object.entries(outputs)) {
    const entry = output.entryPoint?.replace(/^gen\//, "");
    if (entry === "app.ts" || alsoLoaded.includes(entry ?? "")) load(name);
  }
  let gzip = 0;
  let minified = 0;
  for (const file of result.outputFiles) {
    const name = Object.keys(outputs).find((k) => file.path === join(dir, k));
    if (!name || !loaded.has(name)) continue;
    minified += file.contents.length;
    gzip += gzipSync(file.contents).length;
  }
  return {
    gzip,
    minified,
    chunks: loaded.size,
    inputs: generatedInputs(outputs, loaded),
  };
}

function generatedInputs(
  outputs: Metafile["outputs"],
  loaded: ReadonlySet<string>,
): Set<string> {
  const inputs = new Set<string>();
  for (const name of loaded)
    for (const [input, { bytesInOutput }] of Object.entries(
      outputs[name]!.inputs,
    ))
      if (bytesInOutput > 0 && input.startsWith("gen/"))
        inputs.add(input.slice("gen/".length));
  return inputs;
}

describe("the movies browser app (createClient, apply, list with where, sync; fetch transport)", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let split: Bundle;
  let eagerAsOne: Bundle;

  beforeAll(async () => {
    scratch = await scratchDir("bundle-movies");
    const config = await readConfig(
      join(EXAMPLES_DIR, "movies", "dmgen.config.json"),
      REPO_ROOT,
    );
    const files = await generateFiles(
      [join(EXAMPLES_DIR, "movies", "views.json")],
      {
        ...DEFAULT_CODE_OPTIONS,
        naming: config!.naming!,
        transport: "fetch",
        features: ALL_FEATURES,
      },
    );
    await writeFileMap(join(scratch.dir, "gen"), files);
    await writeFile(join(scratch.dir, "app.ts"), MOVIES_APP);
    split = await bundle(scratch.dir, true);
    eagerAsOne = await bundle(scratch.dir, "eager");
    const single = await bundle(scratch.dir, false);
    console.log(
      `movies app: split ${split.gzip} B gzip (${split.minified} B minified, ${split.chunks} chunks) loaded before a lazy feature is called, ${eagerAsOne.gzip} B gzip as one chunk; one file ${single.gzip} B gzip (${single.minified} B minified)`,
    );
  });
  afterAll(() => scratch.cleanup());

  it("loads no include, graph-running, search / aggregate or drift code before they are called", () => {
    expect(LAZY_FEATURE_MODULES.filter((m) => split.inputs.has(m))).toEqual([]);
    // The check sees the bundle: the client and the runtime it calls are in it.
    expect(split.inputs).toContain("client.ts");
    expect(split.inputs).toContain("runtime/write/apply.ts");
  });

  // esbuild puts a module in the chunk of the set of entries (the app, each `import()`ed module)
  // that reach it by static imports: a lazily loaded module importing an eager one, or a view
  // module loaded with `import()` while the app imports it too, splits the eager code into more
  // chunks, which compress worse (14 chunks cost 5.8 KB gzip more than one before issue 24).
  it("loads its eager code as one chunk, compressed as well as the same code bundled as one", () => {
    expect(split.chunks).toBe(1);
    expect(split.inputs).toEqual(eagerAsOne.inputs);
    expect(split.gzip).toBeLessThanOrEqual(eagerAsOne.gzip + 800);
  });

  // Issue 24's target, not reached yet: 21.6 KB gzip at the last merge, in one chunk (27.2 KB over 14 chunks a
  // round before, 31.6 KB two rounds before, 36.6 KB before the lazy features and the smaller slices). Expected to fail until the runtime gets there; then `it`.
  it.fails("loads at most 16 KB gzip before a lazy feature is called", () => {
    expect(split.gzip).toBeLessThanOrEqual(16 * 1024);
  });
});

describe("a browser app that uses one view of CogniteCore", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let beforeUse: Bundle;
  let loaded: Bundle;
  let ancestors: string[];

  beforeAll(async () => {
    scratch = await scratchDir("bundle-core");
    const files = await generateFiles(
      [join(FIXTURES_DIR, "CogniteCore.json")],
      { ...DEFAULT_CODE_OPTIONS, transport: "fetch" },
    );
    await writeFileMap(join(scratch.dir, "gen"), files);
    await writeFile(
      join(scratch.dir, "app.ts"),
      // From client.ts, not index.ts: index.ts re-exports every view, and esbuild's splitting
      // loads a module an entry imports statically with it even when the entry uses none of it.
      `import { createClient } from "./gen/client.js";
const client = createClient({ baseUrl: "http://x", project: "p", credentials: { token: "t" } });
for await (const asset of client.cogniteAsset.list({ limit: 1 })) console.log(asset.name);
`,
    );
    ancestors = await implementedViews("CogniteAsset");
    beforeUse = await bundle(scratch.dir, true);
    loaded = await bundle(scratch.dir, true, ["views/CogniteAsset.ts"]);
    const eagerAsOne = await bundle(scratch.dir, "eager");
    console.log(
      `CogniteCore app: ${beforeUse.gzip} B gzip in ${beforeUse.chunks} chunks before a view is used, ${eagerAsOne.gzip} B gzip as one chunk`,
    );
  });
  afterAll(() => scratch.cleanup());

  // The view modules load with `import()` and extend the runtime's typed classes: those (with
  // what they import) are one chunk, the rest of the client another. No lazily loaded runtime
  // module splits them further.
  it("loads its eager code as two chunks", () => {
    expect(beforeUse.chunks).toBe(2);
  });

  it("loads no view module before the app uses a view", () => {
    expect([...beforeUse.inputs].filter((i) => i.startsWith("views/"))).toEqual(
      [],
    );
    expect(beforeUse.inputs).toContain("client.ts");
  });

  it("uses one view: loads its module and those of the views it implements, no other", () => {
    const views = [...loaded.inputs].filter((i) => i.startsWith("views/"));
    // The view and the views it implements (their maps are spread into its own) are loaded.
    expect(ancestors.length).toBeGreaterThan(0);
    expect(views).toContain("views/CogniteAsset.ts");
    expect(views.sort()).toEqual(
      ["views/CogniteAsset.ts", ...ancestors].sort(),
    );
  });
});

/**
 * The view modules of the views `externalId` implements, transitively, read from the view
 * definitions (CogniteCore's module names are the views' external ids).
 */
async function implementedViews(externalId: string): Promise<string[]> {
  const definitions = JSON.parse(
    await readFile(join(FIXTURES_DIR, "CogniteCore.json"), "utf8"),
  ) as {
    items: {
      externalId: string;
      implements?: { externalId: string }[];
    }[];
  };
  const byId = new Map(definitions.items.map((v) => [v.externalId, v]));
  const found = new Set<string>();
  const visit = (id: string): void => {
    for (const parent of byId.get(id)?.implements ?? []) {
      if (found.has(parent.externalId)) continue;
      found.add(parent.externalId);
      visit(parent.externalId);
    }
  };
  visit(externalId);
  return [...found].map((id) => `views/${id}.ts`);
}

describe("the runtime's lazily loaded modules", () => {
  const RUNTIME = join(REPO_ROOT, "templates", "runtime");
  const sources = new Map<string, string>();

  beforeAll(async () => {
    const names = (await readdir(RUNTIME, { recursive: true }))
      .map((name) => name.split("\\").join("/"))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"));
    for (const name of names)
      sources.set(name, await readFile(join(RUNTIME, name), "utf8"));
  });

  // A static import from a lazily loaded module to one the app loads up front gives that module
  // (and all it imports) a chunk of its own: what they use of the eager runtime is handed to them.
  it("import no value from a module the app loads up front, only types", () => {
    const lazyRoots = [
      // The generated client.ts loads these two (src/emit/client-module.ts).
      "client/include-reads.ts",
      "client/search-reads.ts",
      ...[...sources].flatMap(([name, text]) =>
        [...text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g)].map((m) =>
          resolveModule(name, m[1]!),
        ),
      ),
    ];
    expect(lazyRoots).toContain("read/instances.ts");
    expect(lazyRoots).toContain("features/graph-run.ts");
    // The lazily loaded modules and what they import (values) from each other.
    const lazy = new Set<string>();
    const visit = (name: string): void => {
      if (lazy.has(name)) return;
      lazy.add(name);
      for (const imported of valueImports(name, sources.get(name) ?? ""))
        visit(imported);
    };
    lazyRoots.forEach(visit);
    const importedUpFront = [...sources]
      .filter(([name]) => !lazy.has(name))
      .flatMap(([name, text]) => valueImports(name, text));
    expect([...lazy].filter((name) => importedUpFront.includes(name))).toEqual(
      [],
    );
    expect([...lazy].sort()).toEqual([
      "client/include-reads.ts",
      "client/search-reads.ts",
      "client/spaces-requests.ts",
      "core/explain.ts",
      "core/oauth.ts",
      "features/aggregate.ts",
      "features/graph-run.ts",
      "features/include.ts",
      "features/query-graph.ts",
      "features/targets.ts",
      "features/view-drift.ts",
      "read/instances.ts",
    ]);
  });
});

/** The runtime modules `text` (the module `name`) imports or re-exports values of. */
function valueImports(name: string, text: string): string[] {
  const found: string[] = [];
  const statements =
    /(?:^|\n)(import|export)\s+(type\s+)?(\{[^}]*\}|[^;]*?)\s*from\s+"(\.[^"]+)"/g;
  // `import { type A } from` counts: under `verbatimModuleSyntax` it stays as `import {} from`.
  for (const [, , typeOnly, , module] of text.matchAll(statements))
    if (!typeOnly) found.push(resolveModule(name, module!));
  return found;
}

/** `module` (relative, `.js`) imported by `from` (`slice/file.ts`), as `slice/file.ts`. */
function resolveModule(from: string, module: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of module.split("/"))
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  return parts.join("/").replace(/\.js$/, ".ts");
}

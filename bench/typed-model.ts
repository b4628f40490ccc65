// The model the typed-path benchmark uses: a node view `Item` (text, int32, float64, an edge
// connection `links` to other items) and an edge view `Link` (float64). It is generated at bench
// time by the programmatic API, transpiled with TypeScript's `transpileModule` and imported, so
// the benchmark always measures the generator and runtime of this checkout.

import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import {
  buildFiles,
  readRuntimeSources,
  type RuntimeSources,
} from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import { DEFAULT_CODE_OPTIONS } from "../src/config/index.js";

export const BENCH_SPACE = "bench";
export const ITEM_VIEW = {
  type: "view",
  space: BENCH_SPACE,
  externalId: "Item",
  version: "v1",
} as const;
export const LINK_VIEW = {
  type: "view",
  space: BENCH_SPACE,
  externalId: "Link",
  version: "v1",
} as const;
export const LINK_TYPE = { space: BENCH_SPACE, externalId: "Item.links" };

function mapped(container: string, identifier: string, type: string): object {
  return {
    container: { type: "container", space: BENCH_SPACE, externalId: container },
    containerPropertyIdentifier: identifier,
    type: { type, list: false },
    nullable: true,
    immutable: false,
    autoIncrement: false,
  };
}

/** The two views in the API's JSON form (what `dmgen generate` and the emulator read). */
export function benchViews(): { items: object[] } {
  const common = {
    space: BENCH_SPACE,
    version: "v1",
    implements: [],
    writable: true,
    queryable: true,
    isGlobal: false,
    createdTime: 0,
    lastUpdatedTime: 0,
  };
  return {
    items: [
      {
        ...common,
        externalId: "Item",
        usedFor: "node",
        mappedContainers: [
          { type: "container", space: BENCH_SPACE, externalId: "Item" },
        ],
        properties: {
          name: mapped("Item", "name", "text"),
          value: mapped("Item", "value", "int32"),
          score: mapped("Item", "score", "float64"),
          links: {
            connectionType: "multi_edge_connection",
            type: LINK_TYPE,
            source: ITEM_VIEW,
            edgeSource: LINK_VIEW,
            direction: "outwards",
          },
        },
      },
      {
        ...common,
        externalId: "Link",
        usedFor: "edge",
        mappedContainers: [
          { type: "container", space: BENCH_SPACE, externalId: "Link" },
        ],
        properties: { weight: mapped("Link", "weight", "float64") },
      },
    ],
  };
}

/** The parts of the generated module the benchmark uses, typed loosely on purpose. */
export interface BenchModel {
  readonly ItemApply: new (
    space: string,
    externalId: string,
    properties: { name?: string; value?: number; score?: number },
  ) => object;
  readonly LinkApply: new (
    space: string,
    externalId: string,
    ends: {
      startNode: { space: string; externalId: string };
      endNode: { space: string; externalId: string };
      type: { space: string; externalId: string };
    },
    properties: { weight?: number },
  ) => object;
  readonly Item: new (instance: unknown) => {
    name: string | null;
    value: number | null;
  };
  readonly createClient: (options: {
    baseUrl: string;
    project: string;
    credentials: { token: string };
    concurrency?: number;
  }) => BenchClient;
  readonly collectWrites: (items: Iterable<object>) => unknown[];
}

export interface BenchClient {
  readonly item: {
    apply(
      items: Iterable<object>,
      options?: { report?: "items" | "counts" },
    ): Promise<{ items: unknown[] }>;
    sync(options?: {
      pageSize?: number;
    }): AsyncIterable<{ upserts: unknown[]; deletes: unknown[] }>;
  };
  readonly link: { apply(items: object[]): Promise<{ items: unknown[] }> };
  close(): Promise<void>;
}

/** The slice each runtime file moved to when the runtime became folders (issue 24). */
const SLICE_OF_FLAT_FILE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    [
      "auth",
      "concurrency",
      "errors",
      "http",
      "json",
      "paging",
      "retry",
      "transport",
      "transport-fetch",
      "transport-undici",
      "wire",
    ].map((name) => [name, "core"]),
  ),
  ...Object.fromEntries(
    ["collect", "typed", "values", "where"].map((name) => [name, "model"]),
  ),
  apply: "write",
  ...Object.fromEntries(
    ["dms-client", "query", "query-graph", "sync", "view-drift"].map((name) => [
      name,
      "read",
    ]),
  ),
  ...Object.fromEntries(
    ["aggregate", "graph", "include"].map((name) => [name, "features"]),
  ),
  ...Object.fromEntries(
    ["client-writes", "view-accessor"].map((name) => [name, "client"]),
  ),
};

/**
 * An earlier runtime (`--runtime`) from before the slices, moved into them with its imports
 * rewritten, so that this checkout's emitters (which import `runtime/<slice>/...`) can use it.
 * A runtime already in slices is returned as it is.
 */
function inSlices(runtime: RuntimeSources): RuntimeSources {
  if ([...runtime.keys()].some((name) => name.includes("/"))) return runtime;
  const sliceOf = (name: string): string => {
    const slice = SLICE_OF_FLAT_FILE[name];
    if (!slice) throw new Error(`--runtime: ${name}.ts belongs to no slice`);
    return slice;
  };
  return new Map(
    [...runtime].map(([file, text]) => {
      const slice = sliceOf(file.replace(/\.ts$/, ""));
      const moved = text.replace(
        /(from\s+|import\()"\.\/([a-z-]+)\.js"/g,
        (_match, before: string, name: string) => {
          const target = sliceOf(name);
          return `${before}"${target === slice ? "." : `../${target}`}/${name}.js"`;
        },
      );
      return [`${slice}/${file}`, moved];
    }),
  );
}

/**
 * Generates, transpiles and imports the bench model under `dist/bench/model` (or `folder`), with
 * the runtime of this checkout or the one in `runtimeDir` (to measure an earlier runtime).
 */
export async function loadBenchModel(
  options: { readonly runtimeDir?: string; readonly folder?: string } = {},
): Promise<BenchModel> {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = join(here, options.folder ?? "model");
  await rm(out, { recursive: true, force: true });
  const input = mergeDocuments([
    parseInputDocument(benchViews(), "bench-views.json"),
  ]);
  const files = buildFiles(
    input,
    inSlices(await readRuntimeSources(options.runtimeDir)),
    {
      ...DEFAULT_CODE_OPTIONS,
      naming: { ...DEFAULT_CODE_OPTIONS.naming, views: {} },
    },
  );
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "package.json"), '{ "type": "module" }\n');
  for (const [path, text] of files) {
    if (!path.endsWith(".ts")) continue;
    const js = ts.transpileModule(text, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
    }).outputText;
    const file = join(out, path.replace(/\.ts$/, ".js"));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, js);
  }
  const index = (await import(
    pathToFileURL(join(out, "index.js")).href
  )) as Record<string, unknown>;
  const typed = (await import(
    pathToFileURL(join(out, "runtime", "model", "typed.js")).href
  )) as Record<string, unknown>;
  return { ...index, collectWrites: typed.collectWrites } as BenchModel;
}

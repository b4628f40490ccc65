// The output formatted with a user's prettier config is byte for byte what prettier itself makes
// of the generated files with that config (prettier's own parser choice for .ts, `typescript`),
// over a table of configs. dmgen formats with the faster `babel-ts` parser, on worker threads
// when run from the build, so this is what keeps that shortcut honest.
// FULL=1 (or DMGEN_FORMAT_FULL=1) also runs every config over CogniteCore's whole output (slow).

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFiles } from "../src/output/format.js";
import type { FileMap } from "../src/output/file-map.js";
import {
  EXAMPLES_DIR,
  FIXTURES_DIR,
  FULL,
  generateFiles,
} from "./support/generated.js";

const CONFIGS: Record<string, unknown>[] = [
  { semi: false, singleQuote: true, printWidth: 100 },
  {
    printWidth: 40,
    trailingComma: "none",
    arrowParens: "avoid",
    bracketSpacing: false,
  },
  {
    useTabs: true,
    quoteProps: "consistent",
    printWidth: 120,
    objectWrap: "collapse",
  },
  {
    tabWidth: 4,
    experimentalTernaries: true,
    bracketSameLine: true,
    trailingComma: "es5",
    semi: false,
    experimentalOperatorPosition: "start",
  },
  { singleQuote: true, quoteProps: "preserve", endOfLine: "crlf" },
];

const EVERY_CONFIG_OVER_CORE = FULL || process.env.DMGEN_FORMAT_FULL === "1";
/** The runtime is the same code in every output: npm test formats a third of it, FULL=1 all. */
const EVERY_RUNTIME_FILE = EVERY_CONFIG_OVER_CORE;

/** npm test formats each model file with one config (the files split among them); FULL=1 with all. */
const EVERY_MODEL_FILE = EVERY_CONFIG_OVER_CORE;

/** `movies/views/Actor.ts` → `views/*.ts`, `showcase/client.ts` → `client.ts`. */
function kindOf(path: string): string {
  const inModel = path.slice(path.indexOf("/") + 1);
  return inModel.startsWith("views/") ? "views/*.ts" : inModel;
}

/** The files whose place is `part` modulo `parts`, and the first file of a kind that got none. */
function modelSample(
  files: readonly (readonly [string, string])[],
  part: number,
  parts: number,
): (readonly [string, string])[] {
  const sample = files.filter((_, i) => i % parts === part);
  for (const file of files)
    if (!sample.some(([path]) => kindOf(path) === kindOf(file[0])))
      sample.push(file);
  return sample;
}

/** Every third runtime file (in path order), and the first file of a slice that got none. */
function runtimeSample(
  runtime: readonly (readonly [string, string])[],
): [string, string][] {
  const sample = runtime.filter((_, i) => i % 3 === 0);
  const slice = (path: string) => path.split("/")[1];
  for (const file of runtime)
    if (!sample.some(([path]) => slice(path) === slice(file[0])))
      sample.push(file);
  return sample.map(([path, text]) => [path, text]);
}

/** What prettier makes of each file with `config`, choosing its parser from the file name. */
async function prettierOwn(
  files: FileMap,
  dir: string,
  config: Record<string, unknown>,
): Promise<FileMap> {
  const out = new Map<string, string>();
  for (const [path, text] of files)
    out.set(
      path,
      await prettier.format(text, { ...config, filepath: join(dir, path) }),
    );
  return out;
}

function withoutRuntime(files: FileMap): FileMap {
  return new Map([...files].filter(([path]) => !path.startsWith("runtime/")));
}

describe("output formatted with a user's prettier config", () => {
  let dir: string;
  let movies: FileMap;
  let showcase: FileMap;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dmgen-format-config-"));
    [movies, showcase] = await Promise.all([
      generateFiles([join(EXAMPLES_DIR, "movies", "views.json")]),
      generateFiles([join(EXAMPLES_DIR, "showcase", "views.json")]),
    ]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function check(
    files: FileMap,
    config: Record<string, unknown>,
    name: string,
  ) {
    const out = join(dir, name);
    await writeFile(join(dir, ".prettierrc"), JSON.stringify(config));
    const ours = await formatFiles(files, out, join(dir, `cache-${name}`));
    expect(ours).toBeDefined();
    const expected = await prettierOwn(files, out, config);
    expect([...ours!.keys()]).toEqual([...files.keys()]);
    for (const [path, text] of expected)
      expect(ours!.get(path), path).toBe(text);
    // The config did change the files: the comparison is not between two copies of the input.
    const changed = [...files].filter(
      ([path, text]) => expected.get(path) !== text,
    );
    expect(changed.length).toBeGreaterThan(files.size / 2);
  }

  it.each(CONFIGS.map((config, i) => [i, config] as const))(
    `config %i: the view modules, client and index of two models as prettier formats them (${EVERY_MODEL_FILE ? "all" : "a fifth, each kind of file at least once"})`,
    async (i, config) => {
      const files = [
        ...[...withoutRuntime(movies)].map(
          ([p, t]) => [`movies/${p}`, t] as const,
        ),
        ...[...withoutRuntime(showcase)].map(
          ([p, t]) => [`showcase/${p}`, t] as const,
        ),
      ];
      const checked = EVERY_MODEL_FILE
        ? files
        : modelSample(files, i, CONFIGS.length);
      expect(new Set(checked.map(([path]) => kindOf(path)))).toEqual(
        new Set(files.map(([path]) => kindOf(path))),
      );
      await check(new Map(checked), config, `models-${i}`);
    },
  );

  it(`the runtime's files as prettier formats them (${EVERY_RUNTIME_FILE ? "all" : "every third, each slice at least once"})`, async () => {
    const runtime = [...movies].filter(([path]) => path.startsWith("runtime/"));
    expect(runtime.length).toBeGreaterThan(10);
    const checked = new Map(
      EVERY_RUNTIME_FILE ? runtime : runtimeSample(runtime),
    );
    const slices = (paths: Iterable<string>) =>
      new Set([...paths].map((path) => path.split("/")[1]));
    expect(slices(checked.keys())).toEqual(
      slices(runtime.map(([path]) => path)),
    );
    await check(checked, CONFIGS[0]!, "runtime");
  });

  it
    .runIf(EVERY_CONFIG_OVER_CORE)
    .each(CONFIGS.map((config, i) => [i, config] as const))(
    "config %i: CogniteCore's whole output as prettier formats it",
    async (i, config) => {
      const core = await generateFiles([
        join(FIXTURES_DIR, "CogniteCore.json"),
      ]);
      await check(core, config, `core-${i}`);
    },
  );
});

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
    "config %i: the view modules, client and index of two models as prettier formats them",
    async (i, config) => {
      const files = new Map([
        ...[...withoutRuntime(movies)].map(
          ([p, t]) => [`movies/${p}`, t] as const,
        ),
        ...[...withoutRuntime(showcase)].map(
          ([p, t]) => [`showcase/${p}`, t] as const,
        ),
      ]);
      await check(files, config, `models-${i}`);
    },
  );

  it("the runtime's files as prettier formats them", async () => {
    const runtime = new Map(
      [...movies].filter(([path]) => path.startsWith("runtime/")),
    );
    expect(runtime.size).toBeGreaterThan(10);
    await check(runtime, CONFIGS[0]!, "runtime");
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

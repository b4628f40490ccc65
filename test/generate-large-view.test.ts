// A view with very many properties (a few containers of a few hundred each) compiles. With one
// statement per property, its constructor once passed TypeScript's limit of control flow analysis
// ("The containing function or module body is too large for control flow analysis", TS2563) from
// about 1000 properties. Now no view has per-property code: the runtime's plan copies, writes and
// reads every view, of any size, the same way.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS } from "../src/config/index.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { buildFiles, readRuntimeSources } from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import {
  FULL,
  scratchDir,
  typeCheck,
  writeFileMap,
  writeOutputs,
} from "./support/generated.js";

const WIDE_COUNT = 1200;
const TYPES = [
  { type: "text", list: false },
  { type: "int64", list: false },
  { type: "float64", list: true },
  { type: "timestamp", list: false },
  { type: "boolean", list: false },
  { type: "json", list: false },
];

function container(externalId: string) {
  return { type: "container", space: "wide", externalId };
}

function property(holder: string, identifier: string, type: object) {
  return {
    container: container(holder),
    containerPropertyIdentifier: identifier,
    type,
    nullable: true,
    immutable: false,
    autoIncrement: false,
  };
}

function view(externalId: string, properties: object, implemented: string[]) {
  return {
    space: "wide",
    externalId,
    version: "v1",
    usedFor: "node",
    writable: true,
    queryable: true,
    implements: implemented.map((id) => ({
      type: "view",
      space: "wide",
      externalId: id,
      version: "v1",
    })),
    mappedContainers: [],
    properties,
  };
}

const baseProperties = {
  title: property("Base", "title", TYPES[0]!),
  rank: property("Base", "rank", TYPES[1]!),
};
// Spread over containers of 100, as CDF's default limit per container has it.
const wideProperties = Object.fromEntries(
  Array.from({ length: WIDE_COUNT }, (_, i) => [
    `p${i}`,
    property(`Wide${Math.floor(i / 100)}`, `p${i}`, TYPES[i % TYPES.length]!),
  ]),
);
const VIEWS = [
  view("Base", baseProperties, []),
  view("Wide", { ...baseProperties, ...wideProperties }, ["Base"]),
];

interface WideModule {
  WideApply: new (
    space: string,
    externalId: string,
    properties: Record<string, unknown>,
  ) => object;
  createClient(options: object): {
    wide: {
      apply(items: object[]): Promise<unknown>;
      retrieve(ids: object[]): Promise<Record<string, unknown>[]>;
    };
    close(): Promise<void>;
  };
}

let files: ReadonlyMap<string, string>;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  const input = mergeDocuments([
    parseInputDocument({ items: VIEWS }, "views.json"),
  ]);
  files = buildFiles(input, await readRuntimeSources(), DEFAULT_CODE_OPTIONS);
  scratch = await scratchDir("large-view");
});
afterAll(() => scratch.cleanup());

describe(`a view of ${WIDE_COUNT} properties`, () => {
  it("has no code per property", () => {
    const wide = files.get("views/Wide.ts")!;
    // One mechanism for every size: the constructor only passes its argument on.
    expect(wide).toContain("super(space, externalId, properties, options);");
    expect(wide).not.toContain("copySetFields");
    expect(wide).not.toContain("properties.p1 ");
    // The inherited properties are declared once, in Base's module.
    expect(wide).toContain("...baseProperties,");
    expect(wide).not.toContain('identifier: "title"');
    // No view has a writer of its own: the runtime's plan writes every view.
    expect(wide).not.toContain("writeProperties(");
    expect(files.get("views/Base.ts")).not.toContain("writeProperties(");
  });

  // Type-checking and formatting 1200 properties was the costliest check of npm test (~5 s and
  // ~2 s of CPU): the exhaustive tier's. By default the view's text above has no per-property
  // statement (what passed TypeScript's limit), and test/generate.test.ts type-checks and
  // formats views of every kind, whose properties are laid out the same way.
  it.runIf(FULL)(
    "compiles under the strict flags, in prettier's layout",
    async () => {
      const wide = files.get("views/Wide.ts")!;
      expect(await prettier.format(wide, { parser: "typescript" })).toBe(wide);
      // The model code is what this checks: the runtime arrives as declarations.
      await writeOutputs(scratch.dir, new Map([["out", files]]), {
        runtimeAs: "declarations",
      });
      expect(
        await typeCheck(scratch.dir, ["out"], "nodenext", {
          sharedRuntime: true,
        }),
      ).toBe("");
    },
    120_000,
  );

  it("writes and reads every property, its parent's included, through the emulator", async () => {
    // Run from its sources (vite transpiles them).
    const out = join(scratch.dir, "run");
    await writeFileMap(out, files);
    const module = (await import(join(out, "index.ts"))) as WideModule;
    let emulator: RunningEmulator | undefined;
    let client: ReturnType<WideModule["createClient"]> | undefined;
    try {
      emulator = await startEmulator({ views: VIEWS, spaces: ["i"] });
      client = module.createClient({
        baseUrl: emulator.url,
        project: emulator.project,
        credentials: { token: "t" },
      });
      const set = {
        title: "wide one",
        rank: 7,
        p0: "zero",
        p1: 1,
        p2: [2.5, 3.5],
        p3: new Date("2024-01-02T03:04:05.000Z"),
        p1198: true,
        p1199: { deep: ["json"] },
      };
      await client.wide.apply([new module.WideApply("i", "w", set)]);
      const [read] = await client.wide.retrieve([
        { space: "i", externalId: "w" },
      ]);
      expect(read).toMatchObject(set);
      expect(read?.p4).toBeNull();
    } finally {
      await client?.close();
      await emulator?.close();
      await rm(out, { recursive: true, force: true });
    }
  });
});

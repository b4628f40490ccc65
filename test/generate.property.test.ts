// Property test: any valid set of views (random names, hostile ones included, every property type,
// relations, edges, spaces and versions that clash) generates output that prettier leaves unchanged
// and that compiles under the strict flags. Kept small for npm test: a few models, one tsc run.

import fc from "fast-check";
import * as prettier from "prettier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildFiles,
  readRuntimeSources,
  type RuntimeSources,
} from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import type { FileMap } from "../src/output/file-map.js";
import {
  FULL,
  scratchDir,
  typeCheck,
  writeOutputs,
} from "./support/generated.js";

/** Small in npm test; FULL=1 or DMGEN_PROPERTY_RUNS=200 (and a DMGEN_PROPERTY_SEED) for a deeper search. */
const RUNS = Number(process.env.DMGEN_PROPERTY_RUNS ?? (FULL ? 100 : 6));
const SEED = Number(process.env.DMGEN_PROPERTY_SEED ?? 20261201);

const HOSTILE_VIEW_NAMES = [
  "Date",
  "Client",
  "TypedNode",
  "ViewAccessor",
  "VIEW",
  "Promise",
  "Person",
  "PersonApply",
];
const HOSTILE_PROPERTIES = [
  "type",
  "space",
  "constructor",
  "then",
  "birth_year",
  "birthYear",
  "max-pressure",
];
const PRIMITIVES = [
  "text",
  "boolean",
  "int32",
  "int64",
  "float32",
  "float64",
  "timestamp",
  "date",
  "json",
  "timeseries",
  "file",
  "sequence",
] as const;

// Long names too: past about 30 characters, lines reach 80 columns and prettier's layouts for
// long assignments, keys and members decide the output.
const viewName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}[A-Za-z0-9]$/),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{20,90}[A-Za-z0-9]$/),
  fc.constantFrom(...HOSTILE_VIEW_NAMES),
);
const propertyName = fc.oneof(
  fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/),
  fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{20,90}$/),
  fc.constantFrom(...HOSTILE_PROPERTIES),
);
const propertySpec = fc.record({
  kind: fc.constantFrom("primitive", "enum", "direct", "edge", "reverse"),
  primitive: fc.constantFrom(...PRIMITIVES),
  list: fc.boolean(),
  nullable: fc.boolean(),
  target: fc.nat(),
});
const viewSpec = fc.record({
  name: viewName,
  space: fc.constantFrom(
    "s",
    "other_space",
    "a_space_name_as_long_as_the_api_allows_43c",
  ),
  version: fc.constantFrom("v1", "2"),
  edge: fc.boolean(),
  properties: fc.dictionary(propertyName, propertySpec, { maxKeys: 6 }),
});
const modelSpec = fc.uniqueArray(viewSpec, {
  minLength: 1,
  maxLength: 5,
  selector: (v) => `${v.space}:${v.name}/${v.version}`,
});

type ModelSpec = typeof modelSpec extends fc.Arbitrary<infer T> ? T : never;

/** The spec as view JSON: relations point at views of the model (by index, wrapped). */
function viewsOf(spec: ModelSpec): unknown[] {
  const refs = spec.map((v) => ({
    type: "view",
    space: v.space,
    externalId: v.name,
    version: v.version,
  }));
  const nodes = spec.flatMap((v, i) => (v.edge ? [] : [i]));
  return spec.map((view) => {
    const properties: Record<string, unknown> = {};
    for (const [id, p] of Object.entries(view.properties)) {
      const container = {
        container: { type: "container", space: view.space, externalId: "C" },
        containerPropertyIdentifier: id,
        nullable: p.nullable,
      };
      const target =
        nodes.length > 0 ? refs[nodes[p.target % nodes.length]!] : undefined;
      if (p.kind === "enum")
        properties[id] = {
          ...container,
          type: {
            type: "enum",
            values: { a: {}, b_c: {}, [`${id.replace(/\W/g, "_")}_value`]: {} },
          },
        };
      else if (p.kind === "direct" && target)
        properties[id] = {
          ...container,
          type: { type: "direct", list: p.list, source: target },
        };
      else if (p.kind === "edge" && target && !view.edge)
        properties[id] = {
          connectionType: p.list
            ? "multi_edge_connection"
            : "single_edge_connection",
          type: { space: view.space, externalId: `${view.name}.${id}` },
          source: target,
          direction: p.nullable ? "outwards" : "inwards",
        };
      else
        properties[id] = {
          ...container,
          type: { type: p.primitive, list: p.list },
        };
    }
    return {
      space: view.space,
      externalId: view.name,
      version: view.version,
      usedFor: view.edge ? "edge" : "node",
      writable: true,
      implements: [],
      properties,
    };
  });
}

describe("random valid view sets", () => {
  let runtime: RuntimeSources;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  const outputs: FileMap[] = [];

  beforeAll(async () => {
    runtime = await readRuntimeSources();
    scratch = await scratchDir("property");
  });
  afterAll(() => scratch.cleanup());

  it("generate output that prettier leaves unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(modelSpec, async (spec) => {
        const input = mergeDocuments([
          parseInputDocument({ items: viewsOf(spec) }, "views.json"),
        ]);
        const files = buildFiles(input, runtime);
        for (const [path, text] of files) {
          if (path.startsWith("runtime/") || !path.endsWith(".ts")) continue;
          expect(await prettier.format(text, { filepath: path }), path).toBe(
            text,
          );
        }
        outputs.push(files);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("generate output that compiles under the strict flags", async () => {
    expect(outputs.length).toBe(RUNS);
    // One program for all the models.
    const folders = await writeOutputs(
      scratch.dir,
      new Map(outputs.map((files, i) => [`model${i}`, files])),
      // The model code is what this checks: the runtime arrives as declarations.
      { runtimeAs: "declarations" },
    );
    expect(
      await typeCheck(scratch.dir, folders, "nodenext", {
        sharedRuntime: true,
      }),
    ).toBe("");
  }, 240_000);
});

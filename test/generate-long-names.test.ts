// Long names push generated lines past 80 columns, where prettier's layouts for long assignments,
// object keys, member accesses and unions decide the output. The generator prints in prettier's
// style without running it: a model whose names have a given length, covering every construct
// that holds a name, must come out exactly as prettier would print it, at lengths from where the
// first lines reach 80 columns (about 30) to far beyond. The output must still compile.

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

/**
 * npm test: from where the first lines pass 80 columns (29) through names that fill a line alone
 * (97) to the API's longest (255); FULL=1 adds the lengths between. (test/generate.property.test.ts
 * also draws names of 20 to 90 characters.)
 */
const LENGTHS = FULL ? [29, 41, 57, 73, 97, 140, 255] : [29, 57, 97, 255];

/** `base` cut or padded (with digits, so that names stay distinct) to `length` characters. */
function sized(base: string, length: number): string {
  let name = base;
  for (let i = 0; name.length < length; i++) name += String(i % 10);
  return name.slice(0, length);
}

const ref = (space: string, externalId: string) => ({
  type: "view",
  space,
  externalId,
  version: "v1",
});

/** Two node views referring to each other, an edge view, a child view; every name `length` long. */
function longModel(length: number): unknown[] {
  const space = sized("space_of_the_maintenance_model", Math.min(length, 43));
  const order = sized("MaintenanceOrderOperationStep", length);
  const asset = sized("PumpingStationComponentAssembly", length);
  const link = sized("OperationStepToAssemblyLink", length);
  const child = sized("InspectionStepOfAMaintenanceOrder", length);
  const prop = (base: string) => sized(base, length);
  const mapped = (identifier: string, type: object, nullable = true) => ({
    container: { type: "container", space, externalId: "Container" },
    containerPropertyIdentifier: identifier,
    nullable,
    type,
  });
  const orderProperties: Record<string, unknown> = {
    [prop("descriptionOfTheStep")]: mapped(prop("descriptionOfTheStep"), {
      type: "text",
    }),
    [prop("plannedDurationsInSeconds")]: mapped(
      prop("plannedDurationsInSeconds"),
      { type: "int64", list: true },
      false,
    ),
    [prop("statusOfTheOperationStep")]: mapped(
      prop("statusOfTheOperationStep"),
      {
        type: "enum",
        values: {
          [sized("waitingForSpareParts", Math.min(length, 128))]: {},
          done: {},
        },
      },
    ),
    [prop("scheduledStartTimestamps")]: mapped(
      prop("scheduledStartTimestamps"),
      { type: "timestamp", list: true },
      false,
    ),
    [prop("assemblyWorkedOnInThisStep")]: mapped(
      prop("assemblyWorkedOnInThisStep"),
      { type: "direct", source: ref(space, asset) },
    ),
    [prop("assembliesCheckedInThisStep")]: mapped(
      prop("assembliesCheckedInThisStep"),
      { type: "direct", list: true, source: ref(space, asset) },
      false,
    ),
    [prop("linkedAssembliesThroughEdges")]: {
      connectionType: "multi_edge_connection",
      type: { space, externalId: `${order}.${prop("linkedAssemblies")}` },
      source: ref(space, asset),
      edgeSource: ref(space, link),
      direction: "outwards",
    },
    [prop("singleLinkedAssemblyThroughEdge")]: {
      connectionType: "single_edge_connection",
      type: { space, externalId: `${order}.${prop("singleLinked")}` },
      source: ref(space, asset),
      direction: "inwards",
    },
  };
  const view = (externalId: string, properties: object, extra = {}) => ({
    space,
    externalId,
    version: "v1",
    usedFor: "node",
    writable: true,
    implements: [],
    properties,
    ...extra,
  });
  return [
    view(order, orderProperties),
    view(asset, {
      [prop("nameOfTheAssembly")]: mapped(prop("nameOfTheAssembly"), {
        type: "text",
      }),
      [prop("stepsThatWorkedOnThisAssembly")]: {
        connectionType: "multi_reverse_direct_relation",
        source: ref(space, order),
        through: {
          source: ref(space, order),
          identifier: prop("assemblyWorkedOnInThisStep"),
        },
      },
    }),
    view(
      link,
      {
        [prop("orderOfTheLinkInTheStep")]: mapped(
          prop("orderOfTheLinkInTheStep"),
          { type: "float64" },
        ),
      },
      { usedFor: "edge" },
    ),
    view(
      child,
      {
        ...orderProperties,
        [prop("inspectorsRemarks")]: mapped(prop("inspectorsRemarks"), {
          type: "json",
        }),
      },
      { implements: [ref(space, order)] },
    ),
  ];
}

/**
 * Instance ids in the output (an edge type, the node type a view's filter pins) may be any text:
 * wide East Asian characters and emoji take two columns, combining marks none, as prettier counts.
 */
const WIDE_TEXTS = ["泵站设备", "펌프장", "🛠️⚙️", "éé", "Pumpe"];

function wideModel(length: number): unknown[] {
  const text = (base: string) => {
    let id = "";
    while ([...id].length < length) id += base;
    return [...id].slice(0, length).join("");
  };
  const ref = { type: "view", space: "s", externalId: "Pump", version: "v1" };
  return [
    {
      space: "s",
      externalId: "Pump",
      version: "v1",
      usedFor: "node",
      writable: true,
      implements: [],
      filter: {
        equals: {
          property: ["node", "type"],
          value: { space: "s", externalId: text(WIDE_TEXTS[length % 5]!) },
        },
      },
      properties: Object.fromEntries(
        WIDE_TEXTS.map((base, i) => [
          `link${i}`,
          {
            connectionType: "multi_edge_connection",
            type: { space: "s", externalId: text(base) },
            source: ref,
            direction: "outwards",
          },
        ]),
      ),
    },
  ];
}

describe("long names", () => {
  let runtime: RuntimeSources;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  const outputs: FileMap[] = [];

  beforeAll(async () => {
    runtime = await readRuntimeSources();
    scratch = await scratchDir("long-names");
  });
  afterAll(() => scratch.cleanup());

  it.each(LENGTHS)(
    "print names of %i characters as prettier does",
    async (length) => {
      const input = mergeDocuments([
        parseInputDocument({ items: longModel(length) }, "views.json"),
      ]);
      const files = buildFiles(input, runtime);
      let longestLine = 0;
      for (const [path, text] of files) {
        if (path.startsWith("runtime/") || !path.endsWith(".ts")) continue;
        for (const line of text.split("\n"))
          longestLine = Math.max(longestLine, line.length);
        expect(text, path).toBe(
          await prettier.format(text, { filepath: path }),
        );
      }
      // The model does reach the lengths where layout is decided.
      expect(longestLine).toBeGreaterThan(80);
      outputs.push(files);
    },
  );

  it.each([18, 24, 27, 30, 33, 36, 45])(
    "count wide characters as prettier does in ids of %i characters",
    async (length) => {
      const input = mergeDocuments([
        parseInputDocument({ items: wideModel(length) }, "views.json"),
      ]);
      const files = buildFiles(input, runtime);
      const text = files.get("views/Pump.ts")!;
      expect(text).toBe(
        await prettier.format(text, { filepath: "views/Pump.ts" }),
      );
    },
  );

  it("compiles under the strict flags at every length", async () => {
    expect(outputs.length).toBe(LENGTHS.length);
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

// Apply classes write their properties through one path: the runtime's plan of the view's
// property map (compiled once per class). Generated classes have no writer of their own (no
// unrolled `writeProperties`); every case here pins the values, key order, nested writes and
// errors that path produces.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS } from "../src/config/index.js";
import * as movies from "../generated-examples/movies/index.js";
import * as showcase from "../generated-examples/showcase/index.js";
import {
  AssetApply,
  AssignmentApply,
  DocumentViewApply,
  GaugeV2Apply,
  ObjectViewApply,
  PumpApply,
  ReadingApply,
  TechnicianApply,
  WorkOrderApply,
  collectWrites,
} from "../generated-examples/showcase/index.js";
import {
  EXAMPLES_DIR,
  generateFiles,
  scratchDir,
} from "./support/generated.js";

type Module = Record<string, unknown>;

interface Outcome {
  /**
   * The writes as JSON (bigints as `123n`, `undefined` kept as a marker): equal text means equal
   * values, equal keys in equal order.
   */
  readonly json?: string;
  readonly writes?: unknown;
  readonly error?: {
    readonly type: string;
    readonly message: string;
    readonly property: unknown;
    readonly instance: unknown;
  };
}

function outcome(write: () => unknown): Outcome {
  try {
    const writes = write();
    const json = JSON.stringify(writes, (_, value: unknown) =>
      typeof value === "bigint"
        ? `${value}n`
        : value === undefined
          ? "<undefined>"
          : value,
    );
    return { json, writes };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return {
      error: {
        type: error.constructor.name,
        message: error.message,
        property: (error as { property?: unknown }).property,
        instance: (error as { instance?: unknown }).instance,
      },
    };
  }
}

/** The outcome of collecting the writes of `objects` (the runtime's plan). */
function bothWays(module: Module, objects: () => object[]): Outcome {
  const collect = module.collectWrites as (items: object[]) => unknown;
  return outcome(() => collect(objects()));
}

/** The properties written for an instance (nested objects come before their holder). */
function propertiesOf(outcome: Outcome, externalId: string): unknown {
  const writes = outcome.writes as {
    externalId: string;
    sources?: { properties?: unknown }[];
  }[];
  const write = writes.find((w) => w.externalId === externalId);
  if (!write) throw new Error(`no write of ${externalId}`);
  return write.sources?.[0]?.properties;
}

const ref = (externalId: string) => ({ space: "plant", externalId });

describe("apply classes' writes", () => {
  it("come from the plan: no generated class has a writer of its own", () => {
    for (const module of [showcase, movies] as Module[]) {
      const classes = Object.entries(module).filter(
        ([name, value]) =>
          typeof value === "function" && name.endsWith("Apply"),
      );
      expect(classes.length).toBeGreaterThan(2);
      for (const [name, value] of classes) {
        const prototype = (value as { prototype: object }).prototype;
        expect(Object.hasOwn(prototype, "writeProperties"), name).toBe(false);
      }
    }
  });

  // given: objects to write; want: the properties written for `id` (`undefined` for none).
  const good: {
    name: string;
    id: string;
    given: () => object[];
    want: unknown;
  }[] = [
    {
      name: "every scalar type, identifiers as keys",
      id: "d1",
      given: () => [
        new DocumentViewApply("docs", "d1", {
          title: "Manual",
          isPublished: true,
          pageCount: 12,
          sizeBytes: 123456789012,
          rating: 4.5,
          score: 0.25,
          publishedAt: new Date(Date.UTC(2020, 2, 14, 15, 9, 26, 535)),
          issueDate: "2020-03-14",
          metadata: { tags: ["a"], nested: { ok: true } },
          downloads: "ts-1",
          content: "file-1",
          revisions: "seq-1",
        }),
      ],
      want: {
        title: "Manual",
        isPublished: true,
        pageCount: 12,
        sizeBytes: 123456789012,
        rating: 4.5,
        score: 0.25,
        publishedAt: "2020-03-14T15:09:26.535Z",
        issueDate: "2020-03-14",
        metadata: { tags: ["a"], nested: { ok: true } },
        downloads: "ts-1",
        content: "file-1",
        revisions: "seq-1",
      },
    },
    {
      name: "nulls clear, unset properties stay out, timestamps as strings",
      id: "d2",
      given: () => [
        new DocumentViewApply("docs", "d2", {
          title: null,
          publishedAt: "2020-03-14T15:09:26+01:00",
          metadata: null,
        }),
      ],
      want: {
        title: null,
        publishedAt: "2020-03-14T15:09:26+01:00",
        metadata: null,
      },
    },
    {
      name: "no property set: a source without properties",
      id: "d3",
      given: () => [new DocumentViewApply("docs", "d3")],
      want: undefined,
    },
    {
      name: "list properties of every type",
      id: "r1",
      given: () => [
        new ReadingApply("plant", "r1", {
          labels: ["a", "b"],
          flags: [true, false],
          counts: [1, 2],
          ids: [9007199254740991],
          samples: [1.5],
          temperatures: [20.25, -3],
          timestamps: [new Date(0), "2024-05-01T12:00:00.000Z"],
          dates: ["2024-04-30"],
          events: [{ kind: "start" }],
          series: ["ts-1"],
          attachments: ["f-1"],
          sequences: ["s-1"],
          sensor: ref("sensor-1"),
        }),
      ],
      want: {
        labels: ["a", "b"],
        flags: [true, false],
        counts: [1, 2],
        ids: [9007199254740991],
        samples: [1.5],
        temperatures: [20.25, -3],
        timestamps: ["1970-01-01T00:00:00.000Z", "2024-05-01T12:00:00.000Z"],
        dates: ["2024-04-30"],
        events: [{ kind: "start" }],
        series: ["ts-1"],
        attachments: ["f-1"],
        sequences: ["s-1"],
        sensor: { space: "plant", externalId: "sensor-1" },
      },
    },
    {
      name: "names that differ from identifiers, reserved words, map order",
      id: "o1",
      given: () => [
        new ObjectViewApply("plant", "o1", {
          maxPressure: 3.5,
          class: "c",
          default: "d",
          delete: false,
          constructorProperty: { a: 1 },
          prototypeProperty: ref("proto"),
          toStringProperty: "t",
          import: "ts-import",
          spaceProperty: "s",
          externalIdProperty: "e",
          versionProperty: 2,
          typeProperty: "ty",
          createdTimeProperty: "2024-05-01T12:00:00.000Z",
          fooBar: 1,
          foo_bar: 2,
          Name: "N",
          name: "n",
          _2ndLevel: 3,
        }),
      ],
      want: {
        class: "c",
        default: "d",
        delete: false,
        constructor: { a: 1 },
        prototype: { space: "plant", externalId: "proto" },
        toString: "t",
        import: "ts-import",
        space: "s",
        externalId: "e",
        version: 2,
        type: "ty",
        createdTime: "2024-05-01T12:00:00.000Z",
        fooBar: 1,
        foo_bar: 2,
        Name: "N",
        name: "n",
        "2ndLevel": 3,
        "max-pressure": 3.5,
      },
    },
    {
      name: "inherited properties; a direct relation to a nested apply object",
      id: "p1",
      given: () => [
        new PumpApply("plant", "p1", {
          name: "Pump 1",
          tags: ["x"],
          serialNumber: "SN-1",
          status: "active",
          parent: new AssetApply("plant", "a1", {
            serialNumber: "SN-A",
            location: ref("site"),
          }),
          location: { ...ref("site"), extra: "dropped" } as never,
          maxTemperature: 80,
          ratedFlow: 12.5,
        }),
      ],
      want: {
        name: "Pump 1",
        tags: ["x"],
        serialNumber: "SN-1",
        status: "active",
        parent: { space: "plant", externalId: "a1" },
        location: { space: "plant", externalId: "site" },
        maxTemperature: 80,
        ratedFlow: 12.5,
      },
    },
    {
      name: "implemented views; nested apply objects two levels deep",
      id: "g1",
      given: () => [
        new GaugeV2Apply("plant", "g1", {
          serialNumber: "SN-G",
          installedOn: new PumpApply("plant", "p2", {
            serialNumber: "SN-2",
            parent: new AssetApply("plant", "a2", { serialNumber: "SN-A2" }),
          }),
          alarmLimits: [1, 2, 3],
          reading: 21.5,
        }),
      ],
      want: {
        installedOn: { space: "plant", externalId: "p2" },
        serialNumber: "SN-G",
        reading: 21.5,
        alarmLimits: [1, 2, 3],
      },
    },
    {
      name: "a direct list of apply objects and references; edges with properties",
      id: "w1",
      given: () => [
        new WorkOrderApply("plant", "w1", {
          title: "Fix",
          priority: "high",
          isUrgent: true,
          checklist: { steps: ["a"] },
          dueDate: "2024-02-29",
          assets: [
            new AssetApply("plant", "a3", { serialNumber: "SN-3" }),
            ref("a4"),
          ],
          assignees: [
            {
              target: new TechnicianApply("plant", "t1", { fullName: "T" }),
              properties: { role: "lead", share: 0.5 },
            },
          ],
        }),
      ],
      want: {
        title: "Fix",
        priority: "high",
        isUrgent: true,
        checklist: { steps: ["a"] },
        dueDate: "2024-02-29",
        assets: [
          { space: "plant", externalId: "a3" },
          { space: "plant", externalId: "a4" },
        ],
      },
    },
    {
      name: "an edge view's apply class",
      id: "e1",
      given: () => [
        new AssignmentApply(
          "plant",
          "e1",
          { startNode: ref("w1"), endNode: ref("t1"), type: ref("assigned") },
          { role: "helper", since: new Date(1000), share: 0.25 },
        ),
      ],
      want: {
        role: "helper",
        since: "1970-01-01T00:00:01.000Z",
        share: 0.25,
      },
    },
  ];

  it.each(good)("writes $name as the plan does", ({ id, given, want }) => {
    expect(propertiesOf(bothWays(showcase, given), id)).toEqual(want);
  });

  it("writes the movies example as the plan does", () => {
    const written = bothWays(movies, () => [
      new movies.MovieApply("imdb", "m1", {
        title: "Alien",
        releaseYear: 1979,
      }),
    ]);
    expect(propertiesOf(written, "m1")).toStrictEqual({
      title: "Alien",
      releaseYear: 1979,
    });
  });

  // given: objects to write; want: the error's message (the plan raises the same, checked too).
  const bad: { name: string; given: () => object[]; want: string }[] = [
    {
      name: "text over its byte limit",
      given: () => [
        new DocumentViewApply("docs", "d", { title: "é".repeat(501) }),
      ],
      want: 'Document docs:d: title must be a string of at most 1000 bytes of UTF-8, no NUL, got "ééééééééééééééééééééééééééééééééééééé..."',
    },
    {
      name: "NUL in text",
      given: () => [new DocumentViewApply("docs", "d", { title: "a\u0000" })],
      want: 'Document docs:d: title must be a string of at most 1000 bytes of UTF-8, no NUL, got "a\\u0000"',
    },
    {
      name: "int32 out of range",
      given: () => [new DocumentViewApply("docs", "d", { pageCount: 2 ** 31 })],
      want: "Document docs:d: pageCount must be an integer within -2147483648..2147483647, got 2147483648",
    },
    {
      name: "int32 not whole",
      given: () => [new DocumentViewApply("docs", "d", { pageCount: 1.5 })],
      want: "Document docs:d: pageCount must be an integer within -2147483648..2147483647, got 1.5",
    },
    {
      name: "int64 beyond a safe integer",
      given: () => [new DocumentViewApply("docs", "d", { sizeBytes: 2 ** 53 })],
      want: "Document docs:d: sizeBytes must be an integer within -9007199254740991..9007199254740991, got 9007199254740992",
    },
    {
      name: "float32 beyond its range",
      given: () => [new DocumentViewApply("docs", "d", { rating: 1e39 })],
      want: "Document docs:d: rating must be a finite number within ±3.4028234663852886e+38, got 1e+39",
    },
    {
      name: "float64 NaN",
      given: () => [new DocumentViewApply("docs", "d", { score: NaN })],
      want: "Document docs:d: score must be a finite number, got NaN",
    },
    {
      name: "boolean of the wrong type",
      given: () => [
        new DocumentViewApply("docs", "d", { isPublished: "yes" as never }),
      ],
      want: 'Document docs:d: isPublished must be a boolean, got "yes"',
    },
    {
      name: "invalid Date",
      given: () => [
        new DocumentViewApply("docs", "d", { publishedAt: new Date(NaN) }),
      ],
      want: "Document docs:d: publishedAt must be a Date or an ISO 8601 timestamp like 2024-05-01T12:00:00.000Z within years 0001..9999, got Invalid Date",
    },
    {
      name: "timestamp string of the wrong shape",
      given: () => [
        new DocumentViewApply("docs", "d", { publishedAt: "2024-05-01" }),
      ],
      want: 'Document docs:d: publishedAt must be a Date or an ISO 8601 timestamp like 2024-05-01T12:00:00.000Z within years 0001..9999, got "2024-05-01"',
    },
    {
      name: "date not in the calendar",
      given: () => [
        new DocumentViewApply("docs", "d", { issueDate: "2023-02-29" }),
      ],
      want: 'Document docs:d: issueDate must be a date like 2024-04-30, got "2023-02-29"',
    },
    {
      name: "json list at the top",
      given: () => [
        new DocumentViewApply("docs", "d", { metadata: [1] as never }),
      ],
      want: "Document docs:d: metadata must be a JSON object, got a list of 1",
    },
    {
      name: "json holding a bigint (named by its path in the value)",
      given: () => [
        new DocumentViewApply("docs", "d", { metadata: { n: 1n } as never }),
      ],
      want: "Document docs:d: metadata.n must be JSON of at most 10240 bytes (finite numbers, no cycles), got 1n",
    },
    {
      name: "json holding a cycle",
      given: () => {
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        return [
          new DocumentViewApply("docs", "d", { metadata: cycle as never }),
        ];
      },
      want: "Document docs:d: metadata.self must be JSON of at most 10240 bytes (finite numbers, no cycles), got an object",
    },
    {
      name: "enum value not listed",
      given: () => [
        new PumpApply("plant", "p", {
          serialNumber: "S",
          status: "broken" as never,
        }),
      ],
      want: 'Pump plant:p: status must be one of active, maintenance, retired, unknown, got "broken"',
    },
    {
      name: "null for a non-nullable property",
      given: () => [
        new PumpApply("plant", "p", { serialNumber: null as never }),
      ],
      want: "Pump plant:p: serialNumber must be set (not nullable), got null",
    },
    {
      name: "direct relation that is no reference (a TypeError, named)",
      given: () => [
        new PumpApply("plant", "p", {
          serialNumber: "S",
          location: "site" as never,
        }),
      ],
      want: "Pump plant:p: location: expected a node reference { space, externalId } or an apply object",
    },
    {
      name: "direct relation to an apply object of another view",
      given: () => [
        new PumpApply("plant", "p", {
          serialNumber: "S",
          parent: new WorkOrderApply("plant", "w", {
            title: "T",
            priority: "low",
            isUrgent: false,
          }) as never,
        }),
      ],
      want: "Pump plant:p: parent: expected a node reference { space, externalId } or an apply object of showcase:Asset/v1 (or of a view implementing it), got WorkOrderApply of showcase:WorkOrder/v1 plant:w",
    },
    {
      name: "direct relation without a target view to an edge apply object",
      given: () => [
        new PumpApply("plant", "p", {
          serialNumber: "S",
          location: new AssignmentApply("plant", "e", {
            startNode: ref("a"),
            endNode: ref("b"),
          }) as never,
        }),
      ],
      want: "Pump plant:p: location: expected a node reference { space, externalId } or a node apply object, got the edge AssignmentApply of showcase:Assignment/v1 plant:e",
    },
    {
      name: "bad value in a nested apply object",
      given: () => [
        new PumpApply("plant", "p", {
          serialNumber: "S",
          parent: new AssetApply("plant", "a", {
            serialNumber: "S",
            status: "gone" as never,
          }),
        }),
      ],
      want: 'Asset plant:a: status must be one of active, maintenance, retired, unknown, got "gone"',
    },
    {
      name: "direct list over its limit",
      given: () => [
        new WorkOrderApply("plant", "w", {
          title: "T",
          priority: "low",
          isUrgent: false,
          assets: Array.from({ length: 101 }, (_, i) => ref(`a${i}`)),
        }),
      ],
      want: "WorkOrder plant:w: assets must be a list of at most 100 items, got a list of 101",
    },
    {
      name: "list that is no list",
      given: () => [new ReadingApply("plant", "r", { counts: 3 as never })],
      want: "Reading plant:r: counts must be a list of at most 1000 items, got 3",
    },
    {
      name: "list with a hole",
      given: () => [
        // eslint-disable-next-line no-sparse-arrays
        new ReadingApply("plant", "r", { counts: [1, , 3] as never }),
      ],
      want: "Reading plant:r: counts[1] must be an integer within -2147483648..2147483647, got undefined",
    },
    {
      name: "list item of the wrong type",
      given: () => [
        new ReadingApply("plant", "r", { labels: ["a", 2 as never] }),
      ],
      want: "Reading plant:r: labels[1] must be a string of at most 64 bytes of UTF-8, no NUL, got 2",
    },
    {
      name: "list over its limit",
      given: () => [
        new GaugeV2Apply("plant", "g", {
          serialNumber: "S",
          alarmLimits: [1, 2, 3, 4],
        }),
      ],
      want: "Gauge plant:g: alarmLimits must be a list of at most 3 items, got a list of 4",
    },
    {
      name: "json list item holding a bigint",
      given: () => [
        new ReadingApply("plant", "r", { events: [{ n: 1n }] as never }),
      ],
      want: "Reading plant:r: events[0].n must be JSON of at most 10240 bytes (finite numbers, no cycles), got 1n",
    },
    {
      name: "edge view property out of range",
      given: () => [
        new AssignmentApply(
          "plant",
          "e",
          { startNode: ref("w"), endNode: ref("t"), type: ref("assigned") },
          { role: "r", share: -1e39 },
        ),
      ],
      want: "Assignment plant:e: share must be a finite number within ±3.4028234663852886e+38, got -1e+39",
    },
  ];

  it.each(bad)("raises the plan's error for $name", ({ given, want }) => {
    const { error } = bothWays(showcase, given);
    expect(error?.type).toBe("PropertyValueError");
    expect(error?.message).toBe(want);
  });

  it("names the instance and property in the error", () => {
    const { error } = bothWays(showcase, () => [
      new ReadingApply("plant", "r", { labels: ["a", 2 as never] }),
    ]);
    expect(error?.property).toBe("labels[1]");
    expect(error?.instance).toEqual({ space: "plant", externalId: "r" });
  });

  it("collects each nested apply object once, nodes first", () => {
    const shared = new AssetApply("plant", "shared", { serialNumber: "S" });
    const { writes } = bothWays(showcase, () => [
      new PumpApply("plant", "p1", { serialNumber: "1", parent: shared }),
      new PumpApply("plant", "p2", { serialNumber: "2", parent: shared }),
    ]);
    const ids = (writes as { externalId: string }[]).map((w) => w.externalId);
    // A nested object is collected while its holder writes its properties: it comes first.
    expect(ids).toEqual(["shared", "p1", "p2"]);
    expect(collectWrites([shared])).toHaveLength(1);
  });
});

describe("apply writes with int64 as bigint", () => {
  let module: Module;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const scratch = await scratchDir("apply-writer");
    cleanup = scratch.cleanup;
    const files = await generateFiles(
      [join(EXAMPLES_DIR, "showcase", "views.json")],
      { ...DEFAULT_CODE_OPTIONS, int64: "bigint" },
    );
    await writeFile(
      join(scratch.dir, "package.json"),
      '{ "type": "module" }\n',
    );
    for (const [path, text] of files) {
      if (!path.endsWith(".ts")) continue;
      const file = join(scratch.dir, path.replace(/\.ts$/, ".js"));
      await mkdir(dirname(file), { recursive: true });
      const js = ts.transpileModule(text, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
        },
      }).outputText;
      await writeFile(file, js);
    }
    module = (await import(
      pathToFileURL(join(scratch.dir, "index.js")).href
    )) as Module;
  });

  afterAll(() => cleanup());

  type Constructor = new (
    space: string,
    externalId: string,
    properties: object,
  ) => object;
  const document = (properties: object) => () => [
    new (module.DocumentViewApply as Constructor)("docs", "d", properties),
  ];

  it("writes int64 values as bigints, exactly, as the plan does", () => {
    const written = bothWays(module, document({ sizeBytes: 2n ** 63n - 1n }));
    expect(propertiesOf(written, "d")).toStrictEqual({
      sizeBytes: 9223372036854775807n,
    });
    const list = bothWays(module, () => [
      new (module.ReadingApply as Constructor)("plant", "r", {
        ids: [-(2n ** 63n), 2n ** 53n + 1n],
      }),
    ]);
    expect(propertiesOf(list, "r")).toStrictEqual({
      ids: [-9223372036854775808n, 9007199254740993n],
    });
  });

  it.each([
    {
      given: { sizeBytes: 2n ** 63n },
      want: "Document docs:d: sizeBytes must be a bigint within -9223372036854775808..9223372036854775807, got 9223372036854775808n",
    },
    {
      given: { sizeBytes: 5 },
      want: "Document docs:d: sizeBytes must be a bigint within -9223372036854775808..9223372036854775807, got 5",
    },
  ])("raises the plan's error for $want", ({ given, want }) => {
    const { error } = bothWays(module, document(given));
    expect(error?.message).toBe(want);
  });
});

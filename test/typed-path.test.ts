// The typed write and read path: one write-merge policy for client.apply and collectWrites, edge
// ids that cannot collide, read objects without stray keys, options that change behaviour
// (timestamps as strings, int64 as bigint through the emulator without loss).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { buildFiles, readRuntimeSources } from "../src/generate.js";
import { DEFAULT_CODE_OPTIONS, type CodeOptions } from "../src/config/index.js";
import {
  loadInputs,
  mergeDocuments,
  parseInputDocument,
} from "../src/input/index.js";
import {
  Actor,
  ActorApply,
  ConflictingWritesError,
  MovieApply,
  PersonApply,
  collectWrites,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { defaultEdgeExternalId } from "../templates/runtime/model/typed.js";
import { toWireValue } from "../templates/runtime/model/values.js";
import {
  parseExact,
  int64JsonParser,
  stringifyJson,
} from "../templates/runtime/core/json.js";
import { int64Properties } from "../templates/runtime/client/int64.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let client: Client;

beforeAll(async () => {
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["people", "movies", "archive"],
  });
  client = createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "any" },
  });
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("one write-merge policy", () => {
  const asPerson = () =>
    new PersonApply("people", "arnold", { name: "Arnold", birthYear: 1947 });
  const asActor = (name = "Arnold") =>
    new ActorApply("people", "arnold", { name, wonOscar: false });

  it("merges two views of one node into one item, in collectWrites and client.apply alike", async () => {
    const writes = collectWrites([asPerson(), asActor()]);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.sources?.map((s) => s.source.externalId)).toEqual([
      "PersonView",
      "ActorView",
    ]);
    const result = await client.dms.apply([asPerson(), asActor()]);
    expect(result.items.map((i) => i.externalId)).toEqual(["arnold"]);
    const [read] = await client.actor.retrieve([
      { space: "people", externalId: "arnold" },
    ]);
    expect(read).toBeInstanceOf(Actor);
    expect([read?.name, read?.birthYear, read?.wonOscar]).toEqual([
      "Arnold",
      1947,
      false,
    ]);
  });

  it("takes the same values twice", () => {
    expect(collectWrites([asActor(), asActor()])).toHaveLength(1);
  });

  it("rejects conflicting values naming both objects and the property, before sending", async () => {
    const conflicting = () => [
      asPerson(),
      new PersonApply("people", "arnold", { name: "Arnie" }),
    ];
    const message =
      'PersonApply people:arnold and PersonApply people:arnold both write node people:arnold with different values for mySpace:PersonView/v1.name: "Arnold" and "Arnie"';
    expect(() => collectWrites(conflicting())).toThrow(message);
    await expect(client.dms.apply(conflicting())).rejects.toThrow(message);
    await expect(client.person.apply(conflicting())).rejects.toThrow(message);
    await expect(client.person.apply(conflicting())).rejects.toBeInstanceOf(
      ConflictingWritesError,
    );
  });
});

describe("streaming typed applies", () => {
  it("apply takes a generator and an async generator of apply objects, read as requests go out", async () => {
    let made = 0;
    function* movies(): Generator<MovieApply> {
      for (let i = 0; i < 2500; i++) {
        made++;
        yield new MovieApply("movies", `stream-${i}`, {
          title: `Movie ${i}`,
          releaseYear: 1900 + (i % 100),
        });
      }
    }
    const counted = await client.movie.apply(movies(), { report: "counts" });
    expect(made).toBe(2500);
    expect(counted.counts).toEqual({ written: 2500, skipped: 0, deleted: 0 });
    expect(counted.items).toEqual([]);
    async function* people(): AsyncGenerator<PersonApply> {
      for (let i = 0; i < 3; i++) {
        await Promise.resolve();
        yield new PersonApply("people", `stream-person-${i}`, {
          name: `P${i}`,
        });
      }
    }
    const listed = await client.person.apply(people());
    expect(listed.items.map((item) => item.externalId)).toEqual([
      "stream-person-0",
      "stream-person-1",
      "stream-person-2",
    ]);
    const read = await client.movie.retrieve([
      { space: "movies", externalId: "stream-2499" },
    ]);
    expect(read[0]?.title).toBe("Movie 2499");
    expect(read[0]?.releaseYear).toBe(1999);
  });
  it("a raw item that is not an instance write fails with an error naming it, before sending", async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /^Item 1 \(\?:\?\) at \(item\): expected .*, got undefined$/],
      [
        { instanceType: "thing", space: "movies", externalId: "x" },
        /^Item 1 \(movies:x\) at instanceType: expected .*, got "thing"$/,
      ],
      [
        { instanceType: "node", space: "movies" },
        /^Item 1 \(movies:\?\) at externalId: expected .*, got undefined$/,
      ],
      [
        {
          instanceType: "edge",
          space: "movies",
          externalId: "e",
          type: { space: "movies", externalId: "t" },
          startNode: { space: "movies", externalId: "a" },
        },
        /^Item 1 \(movies:e\) at endNode: expected .*, got undefined$/,
      ],
    ];
    for (const [bad, message] of cases) {
      const fine = new MovieApply("movies", "never-sent", { title: "N" });
      await expect(client.dms.apply([fine, bad as MovieApply])).rejects.toThrow(
        message,
      );
    }
    expect(
      await client.movie.retrieve([
        { space: "movies", externalId: "never-sent" },
      ]),
    ).toEqual([]);
  });
});

describe("default edge ids", () => {
  it("differ for end nodes that share an external id in two spaces", () => {
    const actor = new ActorApply("people", "arnold", {
      movies: [
        { space: "movies", externalId: "Terminator" },
        { space: "archive", externalId: "Terminator" },
      ],
    });
    const edges = actor
      .toInstanceWrites()
      .filter((write) => write.instanceType === "edge");
    expect(edges.map((edge) => edge.externalId)).toEqual([
      "types:acts-in:people:arnold:movies:Terminator",
      "types:acts-in:people:arnold:archive:Terminator",
    ]);
  });

  it("escape separators, so parts cannot run into each other", () => {
    const type = { space: "t", externalId: "e" };
    const a = defaultEdgeExternalId(
      type,
      { space: "s", externalId: "a:b" },
      { space: "c", externalId: "d" },
    );
    const b = defaultEdgeExternalId(
      type,
      { space: "s", externalId: "a" },
      { space: "b:c", externalId: "d" },
    );
    expect(a).toBe("t:e:s:a\\:b:c:d");
    expect(b).toBe("t:e:s:a:b\\:c:d");
  });

  it("stay within 255 characters for a 250-character node id, deterministically", () => {
    const long = "n".repeat(250);
    const id = (end: string) =>
      defaultEdgeExternalId(
        { space: "types", externalId: "acts-in" },
        { space: "people", externalId: long },
        { space: "movies", externalId: end },
      );
    expect(id("Terminator")).toHaveLength(255);
    expect(id("Terminator")).toBe(id("Terminator"));
    expect(id("Terminator")).not.toBe(id("Terminator 2"));
    expect(id("Terminator")).toMatch(/^types:acts-in:people:n+~[0-9a-f]{32}$/);
  });

  it("are what the emulator stores", async () => {
    const result = await client.actor.apply(
      new ActorApply("people", "linda", {
        movies: [
          new MovieApply("movies", "T2", { title: "T2" }),
          new MovieApply("archive", "T2", { title: "T2 (archive)" }),
        ],
      }),
    );
    expect(
      result.items
        .filter((item) => item.instanceType === "edge")
        .map((item) => item.externalId),
    ).toEqual([
      "types:acts-in:people:linda:movies:T2",
      "types:acts-in:people:linda:archive:T2",
    ]);
  });
});

describe("read objects", () => {
  it("carry no own keys for unset optional fields", async () => {
    const [read] = await client.actor.retrieve([
      { space: "people", externalId: "arnold" },
    ]);
    expect(Object.keys(read ?? {})).not.toContain("deletedTime");
    expect(
      () =>
        new Actor({
          instanceType: "edge",
          space: "s",
          externalId: "e",
          version: 1,
          createdTime: 0,
          lastUpdatedTime: 0,
          type: { space: "types", externalId: "acts-in" },
          startNode: { space: "s", externalId: "a" },
          endNode: { space: "s", externalId: "b" },
        }),
    ).toThrow("s:e: expected a node, got an edge");
    const apply = new ActorApply("people", "x", {});
    expect(Object.keys(apply)).toEqual(["space", "externalId"]);
  });
});

describe("int64", () => {
  it('with "number", rejects an unsafe integer before sending', () => {
    expect(() =>
      toWireValue(2 ** 53, { identifier: "n", type: "int64" }, "n"),
    ).toThrow(
      "n must be an integer within -9007199254740991..9007199254740991, got 9007199254740992",
    );
  });

  it('with "bigint", sends and parses exactly, only under int64 keys', () => {
    expect(
      toWireValue(
        2n ** 63n - 1n,
        { identifier: "n", type: "int64", as: "bigint" },
        "n",
      ),
    ).toBe(2n ** 63n - 1n);
    expect(() =>
      toWireValue(
        2n ** 63n,
        { identifier: "n", type: "int64", as: "bigint" },
        "n",
      ),
    ).toThrow(
      "n must be a bigint within -9223372036854775808..9223372036854775807, got 9223372036854775808n",
    );
    expect(stringifyJson({ n: 2n ** 63n - 1n, s: "x" })).toBe(
      '{"n":9223372036854775807,"s":"x"}',
    );
    const parse = int64JsonParser(int64Properties({ s: { "V/1": { n: {} } } }));
    expect(
      parse(
        '{"items":[{"properties":{"s":{"V/1":{"n":9223372036854775807,"m":9223372036854775807,"s":"\\"n\\":12345678901234567890","l":{"n":[-9223372036854775808,1]}}}}}]}',
      ),
    ).toEqual({
      items: [
        {
          properties: {
            s: {
              "V/1": {
                n: 9223372036854775807n,
                m: 2 ** 63, // not an int64 property: parsed as JSON.parse would
                s: '"n":12345678901234567890',
                l: { n: [-(2 ** 63), 1] }, // a json value: JSON.parse's numbers
              },
            },
          },
        },
      ],
    });
  });

  it("leaves long digit runs of fractions and exponents alone (the emulator parses every key)", () => {
    const parse = (text: string): unknown => parseExact(text, BigInt);
    const text =
      '{"d":[-0.0000010063018737340721,1.12345678901234567,1e+1234567890123456],"x":-0.00000100630187373407,"n":[12345678901234567,-12345678901234567]}';
    expect(parse(text)).toEqual({
      ...(JSON.parse(text) as object),
      n: [12345678901234567n, -12345678901234567n],
    });
  });
});

describe("generation options change behaviour", () => {
  const VIEWS = {
    items: [
      {
        space: "s",
        externalId: "Counter",
        version: "v1",
        implements: [],
        writable: true,
        queryable: true,
        usedFor: "node",
        isGlobal: false,
        createdTime: 0,
        lastUpdatedTime: 0,
        mappedContainers: [
          { type: "container", space: "s", externalId: "Counter" },
        ],
        properties: Object.fromEntries(
          [
            ["count", "int64", false],
            ["counts", "int64", true],
            ["small", "float64", false],
            ["at", "timestamp", false],
          ].map(([name, type, list]) => [
            name,
            {
              container: {
                type: "container",
                space: "s",
                externalId: "Counter",
              },
              containerPropertyIdentifier: name,
              type: { type, list },
              nullable: true,
              immutable: false,
              autoIncrement: false,
            },
          ]),
        ),
      },
    ],
  };
  interface CounterModule {
    CounterApply: new (
      space: string,
      externalId: string,
      properties: Record<string, unknown>,
    ) => object;
    createClient: (options: {
      baseUrl: string;
      project: string;
      credentials: { token: string };
    }) => {
      counter: {
        apply(items: object[]): Promise<unknown>;
        retrieve(
          ids: { space: string; externalId: string }[],
        ): Promise<Record<string, unknown>[]>;
        sync(): AsyncIterable<{ upserts: Record<string, unknown>[] }>;
      };
      close(): Promise<void>;
    };
  }

  /** Generates the Counter model with `options`, transpiles it and imports it. */
  async function generated(
    folder: string,
    options: Partial<CodeOptions>,
  ): Promise<{ module: CounterModule; files: ReadonlyMap<string, string> }> {
    const input = mergeDocuments([parseInputDocument(VIEWS, "views.json")]);
    const files = buildFiles(input, await readRuntimeSources(), {
      ...DEFAULT_CODE_OPTIONS,
      ...options,
    });
    const out = join(process.cwd(), ".tmp", "test-typed-path", folder);
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "package.json"), '{ "type": "module" }\n');
    for (const [path, text] of files) {
      const file = join(out, path.replace(/\.ts$/, ".js"));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(
        file,
        ts.transpileModule(text, {
          compilerOptions: {
            module: ts.ModuleKind.ESNext,
            target: ts.ScriptTarget.ES2022,
          },
        }).outputText,
      );
    }
    const module = (await import(
      pathToFileURL(join(out, "index.js")).href
    )) as CounterModule;
    return { module, files };
  }

  afterAll(async () => {
    await rm(join(process.cwd(), ".tmp", "test-typed-path"), {
      recursive: true,
      force: true,
    });
  });

  it("int64: bigint — 2^63−1, −2^63 and 2^53+1 round-trip through the emulator", async () => {
    const { module, files } = await generated("bigint", {
      int64: "bigint",
      timestamps: "string",
    });
    const view = files.get("views/Counter.ts") ?? "";
    expect(view).toContain("count?: bigint | null;");
    expect(view).toContain("readonly count: bigint | null;");
    expect(view).toContain("readonly at: string | null;");
    expect(files.get("client.ts")).not.toContain("read?:");
    const counterEmulator = await startEmulator({
      views: mergeDocuments([parseInputDocument(VIEWS, "views.json")]).views,
      project: "p",
      spaces: ["s"],
    });
    const counters = module.createClient({
      baseUrl: counterEmulator.url,
      project: "p",
      credentials: { token: "t" },
    });
    try {
      const values = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n];
      await counters.counter.apply(
        values.map(
          (count, i) =>
            new module.CounterApply("s", `c${i}`, {
              count,
              counts: [count, 1n],
              small: 2 ** 60,
              at: "2024-01-02T03:04:05.678Z",
            }),
        ),
      );
      const read = await counters.counter.retrieve(
        values.map((_, i) => ({ space: "s", externalId: `c${i}` })),
      );
      expect(read.map((r) => r.count)).toEqual(values);
      expect(read.map((r) => r.counts)).toEqual(values.map((v) => [v, 1n]));
      expect(read.map((r) => typeof r.small)).toEqual([
        "number",
        "number",
        "number",
      ]);
      expect(read[0]?.at).toBe("2024-01-02T03:04:05.678+00:00");
      const synced: unknown[] = [];
      for await (const page of counters.counter.sync())
        for (const item of page.upserts) synced.push(item.count);
      expect(synced).toEqual(values);
      // The emulator stores the exact digits: read them raw.
      const raw = await fetch(
        `${counterEmulator.url}/api/v1/projects/p/models/instances/byids`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            items: [{ instanceType: "node", space: "s", externalId: "c0" }],
            sources: [
              {
                source: {
                  type: "view",
                  space: "s",
                  externalId: "Counter",
                  version: "v1",
                },
              },
            ],
          }),
        },
      );
      expect(await raw.text()).toContain('"count":9223372036854775807');
      // Filters, sorts, cursors and groups compare the exact values (no 500 on a bigint).
      const post = async (path: string, body: string) => {
        const response = await fetch(
          `${counterEmulator.url}/api/v1/projects/p/models/instances/${path}`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          },
        );
        expect(response.status, path).toBe(200);
        return response.text();
      };
      const counter =
        '{"type":"view","space":"s","externalId":"Counter","version":"v1"}';
      const countPath = '["s","Counter/v1","count"]';
      const listed = await post(
        "list",
        `{"sources":[{"source":${counter}}],"instanceType":"node","limit":1,"sort":[{"property":${countPath},"direction":"descending"}],"filter":{"range":{"property":${countPath},"gt":9007199254740992}}}`,
      );
      expect(listed).toContain('"count":9223372036854775807');
      const cursor = (JSON.parse(listed) as { nextCursor?: string }).nextCursor;
      expect(cursor).toBeTypeOf("string");
      const next = await post(
        "list",
        `{"sources":[{"source":${counter}}],"instanceType":"node","limit":1,"cursor":"${cursor}","sort":[{"property":${countPath},"direction":"descending"}],"filter":{"range":{"property":${countPath},"gt":9007199254740992}}}`,
      );
      expect(next).toContain('"count":9007199254740993');
      const groups = await post(
        "aggregate",
        `{"view":${counter},"groupBy":["count"],"aggregates":[{"count":{"property":"count"}}]}`,
      );
      expect(groups).toContain('"count":-9223372036854775808');
    } finally {
      await counters.close();
      await counterEmulator.close();
    }
  });

  it("timestamps: date — read as Date; int64: number — number types", async () => {
    const { files } = await generated("number", {});
    const view = files.get("views/Counter.ts") ?? "";
    expect(view).toContain("readonly count: number | null;");
    expect(view).toContain("readonly at: Date | null;");
    expect(view).not.toContain('as: "');
  });
});

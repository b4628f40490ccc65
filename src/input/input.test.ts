import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../errors.js";
import { loadInputs, mergeDocuments, parseInputDocument } from "./index.js";
import type { MappedPropertyDefinition } from "./types.js";

const container = { type: "container", space: "s", externalId: "C" };

function mapped(
  type: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    container,
    containerPropertyIdentifier: "p",
    type,
    nullable: true,
    ...extra,
  };
}

function view(
  properties: Record<string, unknown> = { title: mapped({ type: "text" }) },
  extra: Record<string, unknown> = {},
) {
  return {
    space: "s",
    externalId: "Movie",
    version: "v1",
    properties,
    ...extra,
  };
}

function parseViews(json: unknown) {
  return parseInputDocument(json, "views.json").views.map((v) => v.view);
}

describe("input shapes", () => {
  it("reads a views/byids response", () => {
    const [movie] = parseViews({ items: [view()] });
    expect(movie?.externalId).toBe("Movie");
    expect(movie?.properties.title).toMatchObject({
      kind: "mapped",
      nullable: true,
      immutable: false,
      autoIncrement: false,
    });
  });

  it("reads data models with inline views and keeps the model", () => {
    const doc = parseInputDocument(
      {
        items: [
          { space: "s", externalId: "Model", version: "1", views: [view()] },
        ],
      },
      "model.json",
    );
    expect(doc.views.map((v) => v.view.externalId)).toEqual(["Movie"]);
    expect(doc.dataModels[0]?.views).toEqual([
      { type: "view", space: "s", externalId: "Movie", version: "v1" },
    ]);
  });

  it("reads a bare array and a single view", () => {
    expect(parseViews([view()])).toHaveLength(1);
    expect(parseViews(view())).toHaveLength(1);
  });

  it("fills what older API versions left out", () => {
    const [movie] = parseViews([
      view({
        title: mapped({ type: "text" }),
        director: {
          ...mapped({ type: "direct" }),
          source: { space: "s", externalId: "Person", version: "v1" },
        },
        actors: {
          type: { space: "s", externalId: "Movie.actors" },
          source: { space: "s", externalId: "Actor", version: "v1" },
        },
      }),
    ]);
    expect(movie?.queryable).toBe(true);
    expect(movie?.mappedContainers).toEqual([container]);
    expect(movie?.usedFor).toBe("node");
    expect(
      (movie?.properties.director as MappedPropertyDefinition).type,
    ).toEqual({
      type: "direct",
      list: false,
      source: { type: "view", space: "s", externalId: "Person", version: "v1" },
    });
    expect(movie?.properties.actors).toMatchObject({
      kind: "edge",
      connectionType: "multi_edge_connection",
      direction: "outwards",
    });
  });

  it("keys such as constructor are own properties, never inherited ones", () => {
    const [movie] = parseViews([
      view({ constructor: mapped({ type: "text" }) }),
    ]);
    expect(Object.keys(movie!.properties)).toEqual(["constructor"]);
    expect(Object.getPrototypeOf(movie!.properties)).toBeNull();
  });
});

describe("merging", () => {
  const first = parseInputDocument(
    { items: [view(undefined, { createdTime: 1 })] },
    "a.json",
  );
  it("keeps a view given twice identically once (timestamps aside)", () => {
    const second = parseInputDocument(
      { items: [view(undefined, { createdTime: 2 })] },
      "b.json",
    );
    expect(mergeDocuments([first, second]).views).toHaveLength(1);
  });
  it("rejects a view given twice with different content, naming both places", () => {
    const second = parseInputDocument(
      { items: [view({ title: mapped({ type: "int32" }) })] },
      "b.json",
    );
    expect(() => mergeDocuments([first, second])).toThrow(
      "b.json: at $.items[0]: view s:Movie/v1 is defined twice with different content (also at a.json $.items[0])",
    );
  });
  it("sorts views by code point, not locale", () => {
    const doc = parseInputDocument(
      {
        items: [
          view(undefined, { externalId: "b" }),
          view(undefined, { externalId: "B" }),
          view(undefined, { externalId: "a" }),
        ],
      },
      "x.json",
    );
    expect(mergeDocuments([doc]).views.map((v) => v.externalId)).toEqual([
      "B",
      "a",
      "b",
    ]);
  });
});

describe("malformed input: one clear message naming file and JSON path", () => {
  const cases: [string, unknown, string][] = [
    [
      "not a view document",
      { views: 1 },
      'views.json: at $: expected {"items": [...]} (views or data models), an array of views, or a single view or data model',
    ],
    [
      "items entry is not an object",
      { items: [42] },
      "views.json: at $.items[0]: expected an object, found number 42",
    ],
    [
      "missing space",
      { items: [{ externalId: "A", version: "1", properties: {} }] },
      'views.json: at $.items[0].space: missing required string "space"',
    ],
    [
      "bad view externalId",
      { items: [view(undefined, { externalId: "1Movie" })] },
      'views.json: at $.items[0].externalId: "1Movie" is not a valid view externalId',
    ],
    [
      "bad version",
      { items: [view(undefined, { version: "v 1" })] },
      'views.json: at $.items[0].version: "v 1" is not a valid view version',
    ],
    [
      "properties not an object",
      { items: [view(undefined, { properties: [] })] },
      "views.json: at $.items[0].properties: expected an object, found an array",
    ],
    [
      "invalid property identifier",
      { items: [view({ "bad id": mapped({ type: "text" }) })] },
      'views.json: at $.items[0].properties["bad id"]: "bad id" is not a valid DMS property identifier',
    ],
    [
      "unknown property type",
      { items: [view({ title: mapped({ type: "strng" }) })] },
      'views.json: at $.items[0].properties.title.type.type: unknown property type the string "strng"; expected one of text, boolean, int32, int64, float32, float64, timestamp, date, json, timeseries, file, sequence, direct, enum',
    ],
    [
      "nullable not a boolean",
      {
        items: [view({ title: mapped({ type: "text" }, { nullable: "yes" }) })],
      },
      'views.json: at $.items[0].properties.title.nullable: expected true or false, found the string "yes"',
    ],
    [
      "unknown connection type",
      { items: [view({ x: { connectionType: "sideways" } })] },
      'views.json: at $.items[0].properties.x.connectionType: unknown connectionType the string "sideways"; expected one of single_edge_connection, multi_edge_connection, single_reverse_direct_relation, multi_reverse_direct_relation',
    ],
    [
      "edge without type",
      {
        items: [
          view({
            x: {
              connectionType: "multi_edge_connection",
              source: {
                type: "view",
                space: "s",
                externalId: "A",
                version: "1",
              },
            },
          }),
        ],
      },
      "views.json: at $.items[0].properties.x.type: expected an object, found nothing",
    ],
    [
      "bad direction",
      {
        items: [
          view({
            x: {
              connectionType: "single_edge_connection",
              type: { space: "s", externalId: "t" },
              source: { space: "s", externalId: "A", version: "1" },
              direction: "up",
            },
          }),
        ],
      },
      'views.json: at $.items[0].properties.x.direction: unknown direction the string "up"; expected one of outwards, inwards',
    ],
    [
      "enum without values",
      { items: [view({ e: mapped({ type: "enum", values: {} }) })] },
      "views.json: at $.items[0].properties.e.type.values: an enum needs at least one value",
    ],
    [
      "enum unknownValue not a value",
      {
        items: [
          view({
            e: mapped({ type: "enum", values: { a: {} }, unknownValue: "b" }),
          }),
        ],
      },
      'views.json: at $.items[0].properties.e.type.unknownValue: "b" is not one of the enum\'s values',
    ],
    [
      "default of the wrong type",
      {
        items: [
          view({ n: mapped({ type: "int32" }, { defaultValue: "five" }) }),
        ],
      },
      'views.json: at $.items[0].properties.n.defaultValue: default value the string "five" does not fit property type int32',
    ],
    [
      "autoIncrement on text",
      {
        items: [view({ n: mapped({ type: "text" }, { autoIncrement: true }) })],
      },
      "views.json: at $.items[0].properties.n.autoIncrement: autoIncrement is only allowed on int32 and int64, not text",
    ],
    [
      "maxListSize on a single value",
      { items: [view({ n: mapped({ type: "int32", maxListSize: 3 }) })] },
      "views.json: at $.items[0].properties.n.type.maxListSize: maxListSize is only allowed on list properties",
    ],
    [
      "implements entry is a container",
      { items: [view(undefined, { implements: [container] })] },
      'views.json: at $.items[0].implements[0].type: expected a view reference ("type": "view"), found the string "container"',
    ],
    [
      "usedFor unknown",
      { items: [view(undefined, { usedFor: "both" })] },
      'views.json: at $.items[0].usedFor: unknown usedFor the string "both"; expected one of node, edge, all, record',
    ],
    [
      "reverse relation without identifier",
      {
        items: [
          view({
            r: {
              connectionType: "multi_reverse_direct_relation",
              source: { space: "s", externalId: "A", version: "1" },
              through: {
                source: { space: "s", externalId: "A", version: "1" },
              },
            },
          }),
        ],
      },
      'views.json: at $.items[0].properties.r.through.identifier: missing required string "identifier"',
    ],
    [
      "data model views not a list",
      { items: [{ space: "s", externalId: "M", version: "1", views: {} }] },
      "views.json: at $.items[0].views: expected an array, found an object",
    ],
    [
      "neither mapped nor connection",
      { items: [view({ odd: { name: "odd" } })] },
      "views.json: at $.items[0].properties.odd: not a property definition: expected a mapped property (with container) or a connection",
    ],
  ];
  it.each(cases)("%s", (_name, json, message) => {
    let caught: unknown;
    try {
      parseInputDocument(json, "views.json");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as Error).message).toBe(message);
  });
});

describe("loadInputs", () => {
  it("reads files and folders, and names bad JSON by line and column", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dmgen-input-"));
    await mkdir(join(dir, "models"));
    await writeFile(
      join(dir, "models", "a.json"),
      JSON.stringify({ items: [view()] }),
    );
    await writeFile(
      join(dir, "models", "b.json"),
      JSON.stringify([view(undefined, { externalId: "Person" })]),
    );
    await writeFile(join(dir, "models", "notes.txt"), "ignored");
    const loaded = await loadInputs(["models"], dir);
    expect(loaded.views.map((v) => v.externalId)).toEqual(["Movie", "Person"]);
    expect(loaded.origins.get("s:Person/v1")).toEqual({
      file: join("models", "b.json"),
      jsonPath: "$[0]",
    });

    await writeFile(
      join(dir, "broken.json"),
      '{"items": [\n  {"space": "s",,}\n]}',
    );
    await expect(loadInputs(["broken.json"], dir)).rejects.toThrow(
      /^broken\.json: invalid JSON at line 2, column 17: /,
    );
    await expect(loadInputs(["nope.json"], dir)).rejects.toThrow(
      `input not found: ${join(dir, "nope.json")}`,
    );
    await mkdir(join(dir, "empty"));
    await expect(loadInputs(["empty"], dir)).rejects.toThrow(
      `input folder has no .json files: ${join(dir, "empty")}`,
    );
  });

  it("reads UTF-8 (with or without a byte order mark) and UTF-16 with one; refuses other bytes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dmgen-encodings-"));
    const text = JSON.stringify({
      items: [view(undefined, { description: "Pumpe für Wasser, 泵站 🚀" })],
    });
    const utf16be = Buffer.from(text, "utf16le").swap16();
    const files: Record<string, Buffer> = {
      "utf8.json": Buffer.from(text, "utf8"),
      "utf8-bom.json": Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(text),
      ]),
      // What Windows PowerShell 5 writes with `>`.
      "utf16le.json": Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from(text, "utf16le"),
      ]),
      "utf16be.json": Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      await writeFile(join(dir, name), bytes);
      const loaded = await loadInputs([name], dir);
      expect(loaded.views[0]!.description, name).toBe(
        "Pumpe für Wasser, 泵站 🚀",
      );
    }
    // Latin-1: "ü" is the single byte 0xfc, which UTF-8 cannot start a character with.
    const latin1 = Buffer.from(text.replace(" 泵站 🚀", ""), "latin1");
    await writeFile(join(dir, "latin1.json"), latin1);
    await expect(loadInputs(["latin1.json"], dir)).rejects.toThrow(
      `latin1.json: not UTF-8 text (byte 0xfc at offset ${latin1.indexOf(0xfc)}); save the file as UTF-8`,
    );
    // A truncated sequence at the end, and an overlong form, are refused as well.
    for (const bad of [
      [0x7b, 0xe6, 0xb3],
      [0x7b, 0xc0, 0xaf, 0x7d],
    ]) {
      await writeFile(join(dir, "bad.json"), Buffer.from(bad));
      await expect(loadInputs(["bad.json"], dir)).rejects.toThrow(
        /^bad\.json: not UTF-8 text \(byte 0x(e6|c0) at offset 1\)/,
      );
    }
  });

  it("keeps a JSON error on one line, however the text near it looks", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dmgen-json-error-"));
    await writeFile(join(dir, "cut.json"), '{\n  "items": [\n x');
    const error = await loadInputs(["cut.json"], dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/^cut\.json: invalid JSON/);
    expect((error as UserError).message).not.toContain("\n");
  });
});

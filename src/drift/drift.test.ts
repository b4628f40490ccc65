// The record of an output (what generate writes, what drift reads back), the comparison of outputs
// with live definitions (stale versions, new views), and the report's text, JSON and exit code.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { loadInputs } from "../input/index.js";
import { buildModel } from "../ir/build.js";
import { planNames } from "../naming/plan.js";
import { DEFAULT_NAMING } from "../config/index.js";
import { parseLock } from "../naming/lock.js";
import { UserError } from "../errors.js";
import { diffOutput } from "../output/write.js";
import type { RawView } from "../pull/fetch-definitions.js";
import { compareOutputs, type OutputRecordFile } from "./index.js";
import {
  parseRecord,
  recordedView,
  recordOf,
  serializeRecord,
} from "./record.js";
import { driftExitCode, formatDriftJson, formatDriftText } from "./report.js";

const MOVIES = join(
  import.meta.dirname,
  "..",
  "..",
  "generated-examples",
  "movies",
);

async function moviesOutput(): Promise<{
  output: OutputRecordFile;
  views: RawView[];
}> {
  const [record, lock, views] = await Promise.all([
    readFile(join(MOVIES, "dmgen.record.json"), "utf8"),
    readFile(join(MOVIES, "dmgen.names.json"), "utf8"),
    readFile(join(MOVIES, "views.json"), "utf8"),
  ]);
  return {
    output: {
      folder: "/out",
      record: parseRecord(record, "dmgen.record.json"),
      lock: parseLock(lock, "dmgen.names.json"),
    },
    views: (JSON.parse(views) as { items: RawView[] }).items,
  };
}

const key = (view: RawView) =>
  `${view.space}:${view.externalId}/${view.version}`;

describe("the record", () => {
  it("is deterministic JSON as prettier prints it, in view key order", async () => {
    const input = await loadInputs([join(MOVIES, "views.json")]);
    const model = buildModel({ views: input.views });
    const names = planNames(model, DEFAULT_NAMING);
    const text = serializeRecord(recordOf(model, names));
    expect(
      serializeRecord(recordOf(model, planNames(model, DEFAULT_NAMING))),
    ).toBe(text);
    expect(await prettier.format(text, { filepath: "dmgen.record.json" })).toBe(
      text,
    );
    const record = parseRecord(text, "r.json");
    expect(Object.keys(record)).toEqual([
      "mySpace:ActorView/v1",
      "mySpace:MovieView/v1",
      "mySpace:PersonView/v1",
    ]);
    expect(record["mySpace:MovieView/v1"]!.properties.releaseYear).toEqual({
      name: "Release year",
      description: "Year the movie was released.",
      container: "mySpace:Movie",
      containerProperty: "releaseYear",
      type: "int32",
      list: false,
      nullable: true,
      autoIncrement: false,
    });
    expect(record["mySpace:ActorView/v1"]!.implements).toEqual([
      "mySpace:PersonView/v1",
    ]);
  });

  it("a damaged record is a user error naming the file and the JSON path", () => {
    expect(() => parseRecord("{", "r.json")).toThrow(UserError);
    expect(() =>
      parseRecord('{"views":{"a:b/1":{"properties":[]}}}', "r.json"),
    ).toThrow(
      'r.json: at $.views["a:b/1"].properties: expected an object, found an array',
    );
  });

  it("compares clean against the views it was generated from", async () => {
    const { output, views } = await moviesOutput();
    const report = compareOutputs([output], {
      views: new Map(views.map((view) => [key(view), view])),
      dataModels: [],
    });
    expect(report.counts).toEqual({ breaking: 0, additive: 0, stale: 0 });
    expect(report.views.map((v) => [v.view, v.className])).toEqual([
      ["mySpace:ActorView/v1", "Actor"],
      ["mySpace:MovieView/v1", "Movie"],
      ["mySpace:PersonView/v1", "Person"],
    ]);
  });

  it("takes TypeScript names from the name lock", async () => {
    const { output } = await moviesOutput();
    const lock = parseLock(
      JSON.stringify({
        properties: "camelCase",
        views: {
          "mySpace:MovieView/v1": { properties: { releaseYear: "year" } },
        },
      }),
      "l.json",
    );
    const view = recordedView(
      "mySpace:MovieView/v1",
      output.record["mySpace:MovieView/v1"]!,
      lock,
    );
    expect(Object.keys(view.properties)).toEqual(["title", "year"]);
    expect(view.properties.year?.identifier).toBe("releaseYear");
    expect(view.connections.actors).toMatchObject({
      connection: "edge",
      edgeType: { space: "mySpace", externalId: "Movie.actors" },
    });
  });
});

describe("generate --check", () => {
  it("reports a record that differs from the one generate would write, or one left over", async () => {
    const files = new Map([["dmgen.record.json", '{ "views": {} }\n']]);
    const changed = await diffOutput(MOVIES, files);
    expect(changed.changed).toEqual(["dmgen.record.json"]);
    const leftover = await diffOutput(MOVIES, new Map());
    expect(leftover.leftover).toContain("dmgen.record.json");
  });
});

describe("compareOutputs with data models", () => {
  it("lists a generated view as stale when its data model lists another version, and new views as additive", async () => {
    const { output, views } = await moviesOutput();
    const movie = views.find((v) => v.externalId === "MovieView")!;
    const movieV2 = {
      ...movie,
      version: "v2",
      properties: {
        title: (movie.properties as Record<string, unknown>).title,
      },
    } as RawView;
    const extra = {
      space: "mySpace",
      externalId: "Studio",
      version: "v1",
      properties: {},
    } as RawView;
    const report = compareOutputs([output], {
      views: new Map(views.map((view) => [key(view), view])),
      dataModels: [
        {
          ref: "mySpace:Movies/1",
          views: [views[0]!, views[1]!, movieV2, extra],
        },
      ],
    });
    expect(report.counts).toEqual({ breaking: 0, additive: 1, stale: 1 });
    const stale = report.views.find((v) => v.view === "mySpace:MovieView/v1")!;
    expect(stale.differences).toMatchObject([
      {
        class: "stale",
        dataModel: "mySpace:Movies/1",
        current: "mySpace:MovieView/v2",
        changes: [
          {
            class: "breaking",
            change: "property-missing",
            property: "releaseYear",
          },
          { class: "breaking", change: "property-missing", property: "actors" },
        ],
      },
    ]);
    expect(report.views.at(-1)).toEqual({
      view: "mySpace:Studio/v1",
      differences: [
        {
          class: "additive",
          change: "view-added",
          dataModel: "mySpace:Movies/1",
          message:
            "a view of data model mySpace:Movies/1 that the code was not generated from",
        },
      ],
    });
    // Stale and additive: exit 0, 1 with --strict.
    expect(driftExitCode(report, false)).toBe(0);
    expect(driftExitCode(report, true)).toBe(1);
    const text = formatDriftText(report, () => "out");
    expect(text).toContain(
      "mySpace:MovieView/v1 (Movie, out)\n  stale     data model mySpace:Movies/1 uses mySpace:MovieView/v2; what differs there:\n              breaking  `releaseYear`: the property is gone\n",
    );
    expect(text).toContain(
      "mySpace:Studio/v1\n  additive  a view of data model mySpace:Movies/1 that the code was not generated from\n",
    );
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "0 breaking, 1 additive, 1 stale (3 generated views checked): nothing breaks the generated code.",
    );
    const json = JSON.parse(formatDriftJson(report, () => "out")) as {
      result: string;
      views: { view: string; output?: string }[];
    };
    expect(json.result).toBe("drift");
    expect(json.views.map((v) => v.output)).toEqual([
      "out",
      "out",
      "out",
      undefined,
    ]);
  });

  it("a view the project lacks is breaking: exit 1", async () => {
    const { output, views } = await moviesOutput();
    const report = compareOutputs([output], {
      views: new Map(
        views
          .filter((v) => v.externalId !== "PersonView")
          .map((view) => [key(view), view]),
      ),
      dataModels: [],
    });
    expect(report.counts.breaking).toBe(1);
    expect(driftExitCode(report, false)).toBe(1);
    expect(formatDriftText(report, () => "out")).toContain(
      "mySpace:PersonView/v1 (Person, out)\n  breaking  the view is gone\n",
    );
  });
});

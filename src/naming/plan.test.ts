import { describe, expect, it } from "vitest";
import { DEFAULT_NAMING } from "../config/index.js";
import { buildModel } from "../ir/build.js";
import { parseInputDocument } from "../input/index.js";
import { viewInstanceMembers } from "./members.js";
import {
  camelCase,
  moduleFileBase,
  NO_RESERVED_NAMES,
  pascalCase,
  planNames,
  sanitize,
} from "./plan.js";

/** The instance members of the runtime's base classes (the manifest, held to typed.ts by a test). */
const INSTANCE_MEMBERS = viewInstanceMembers();

const container = { type: "container", space: "s", externalId: "C" };
const text = {
  container,
  containerPropertyIdentifier: "p",
  type: { type: "text" },
};

function plan(views: unknown[], naming = DEFAULT_NAMING) {
  const model = buildModel({
    views: parseInputDocument({ items: views }, "x.json").views.map(
      (v) => v.view,
    ),
  });
  return planNames(model, naming, "dmgen.config.json", {
    reserved: { ...NO_RESERVED_NAMES, instanceMembers: INSTANCE_MEMBERS },
  });
}

function view(
  externalId: string,
  properties: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return { space: "s", externalId, version: "v1", properties, ...extra };
}

describe("property names", () => {
  it("converts identifiers to camelCase", () => {
    expect(camelCase("birth_year")).toBe("birthYear");
    expect(camelCase("max-pressure")).toBe("maxPressure");
    expect(camelCase("URLPath")).toBe("urlPath");
    expect(camelCase("ID")).toBe("id");
    expect(camelCase("Name")).toBe("name");
    expect(camelCase("2ndLevel")).toBe("_2ndLevel");
    expect(camelCase("already_camel_Case")).toBe("alreadyCamelCase");
    expect(sanitize("max-pressure")).toBe("max_pressure");
  });

  it("resolves clashes: exact identifiers first, then the raw identifier, then a suffix", () => {
    const names = plan([
      view("V", {
        fooBar: text,
        foo_bar: text,
        Name: text,
        name: text,
        type: text,
        toString: text,
      }),
    ]);
    const props = names.views.get("s:V/v1")!.properties;
    expect(
      Object.fromEntries([...props].map(([id, n]) => [id, n.name])),
    ).toEqual({
      fooBar: "fooBar",
      foo_bar: "foo_bar",
      Name: "Name",
      name: "name",
      type: "typeProperty",
      toString: "toStringProperty",
    });
    expect(props.get("foo_bar")?.renamed).toBe(
      "`fooBar` is taken by another property",
    );
    expect(props.get("type")?.renamed).toBe(
      "`type` is a member every instance has",
    );
  });

  it("keeps identifiers as they are with naming.properties preserve", () => {
    const names = plan(
      [view("V", { birth_year: text, "max-pressure": text })],
      { ...DEFAULT_NAMING, properties: "preserve" },
    );
    expect(
      [...names.views.get("s:V/v1")!.properties.values()].map((n) => n.name),
    ).toEqual(["birth_year", "max_pressure"]);
  });

  it("reserves startNode and endNode on edge views only", () => {
    const names = plan([
      view("E", { startNode: text }, { usedFor: "edge" }),
      view("N", { startNode: text }),
    ]);
    expect(names.views.get("s:E/v1")!.properties.get("startNode")?.name).toBe(
      "startNodeProperty",
    );
    expect(names.views.get("s:N/v1")!.properties.get("startNode")?.name).toBe(
      "startNode",
    );
  });
});

describe("class names", () => {
  it("qualifies an externalId found in several spaces or versions", () => {
    const names = plan([
      view("Sensor"),
      { ...view("Sensor"), space: "ext_space" },
      view("Gauge"),
      { ...view("Gauge"), version: "2.0" },
    ]);
    expect(names.views.get("s:Sensor/v1")?.readClass).toBe("SSensor");
    expect(names.views.get("ext_space:Sensor/v1")?.readClass).toBe(
      "ExtSpaceSensor",
    );
    expect(names.views.get("s:Gauge/v1")?.readClass).toBe("GaugeV1");
    expect(names.views.get("s:Gauge/2.0")?.readClass).toBe("GaugeV2_0");
  });

  it("avoids globals, reserved words and case-only clashes (they are also file names)", () => {
    const names = plan([
      view("Date"),
      view("pump"),
      view("Pump"),
      view("Person"),
      view("PersonApply"),
    ]);
    expect(names.views.get("s:Date/v1")?.readClass).toBe("DateView");
    const pumps = [
      names.views.get("s:Pump/v1")!.module,
      names.views.get("s:pump/v1")!.module,
    ];
    expect(new Set(pumps.map((m) => m.toLowerCase())).size).toBe(2);
    // Person's apply class is PersonApply: the view PersonApply must not take that name.
    expect(names.views.get("s:Person/v1")?.applyClass).toBe("PersonApply");
    expect(names.views.get("s:PersonApply/v1")?.readClass).not.toBe(
      "PersonApply",
    );
  });

  it("pascalCases spaces and versions", () => {
    expect(pascalCase("my_space-x")).toBe("MySpaceX");
    expect(pascalCase("1.0")).toBe("1_0");
  });
});

describe("moduleFileBase", () => {
  it("keeps a class name as its file name while the file name fits", () => {
    expect(moduleFileBase("Pump")).toBe("Pump");
    const longest = `P${"x".repeat(236)}`; // 237 + ".ts" = 240
    expect(moduleFileBase(longest)).toBe(longest);
  });

  it("shortens longer names to a stable, unique file name of 240 characters with .ts", () => {
    const a = `P${"x".repeat(250)}a`;
    const b = `P${"x".repeat(250)}b`;
    const fileA = moduleFileBase(a);
    expect(`${fileA}.ts`).toHaveLength(240);
    expect(fileA).toMatch(/^Px+_[0-9a-f]{12}$/);
    expect(moduleFileBase(a)).toBe(fileA);
    expect(moduleFileBase(b)).not.toBe(fileA);
    expect(fileA.startsWith(a.slice(0, 200))).toBe(true);
  });
});

// The type table of DESIGN.md, one row per DMS type x apply / read x variant (nullable, required,
// list, default): the TypeScript the view module declares, and what the runtime does with a value.

import { describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS } from "../config/index.js";
import { buildModel } from "../ir/build.js";
import { parseInputDocument } from "../input/index.js";
import { planNames } from "../naming/plan.js";
import { print } from "./doc.js";
import { fileDoc } from "./module.js";
import { emitViewModule } from "./view-module.js";
import {
  readConverter,
  toWireValue,
  type PropertyDefinition,
} from "../../templates/runtime/model/values.js";

/** A read value in its TypeScript form, as a read class converts it; absent is `null`. */
function fromWireValue(
  value: unknown,
  definition: PropertyDefinition,
): unknown {
  const convert = readConverter(definition);
  if (value === null || value === undefined) return null;
  return convert ? convert(value) : value;
}

type Variant = "nullable" | "required" | "list" | "default";

/** DMS type → [element type on apply, element type on read], a sample default. */
const TYPES: Record<string, { apply: string; read: string; sample: unknown }> =
  {
    text: { apply: "string", read: "string", sample: "x" },
    boolean: { apply: "boolean", read: "boolean", sample: true },
    int32: { apply: "number", read: "number", sample: 1 },
    int64: { apply: "number", read: "number", sample: 1 },
    float32: { apply: "number", read: "number", sample: 1.5 },
    float64: { apply: "number", read: "number", sample: 1.5 },
    timestamp: {
      apply: "Date | string",
      read: "Date",
      sample: "2020-01-01T00:00:00.000Z",
    },
    date: { apply: "string", read: "string", sample: "2020-01-01" },
    json: { apply: "JsonValue", read: "JsonValue", sample: { a: 1 } },
    timeseries: { apply: "string", read: "string", sample: "ts" },
    file: { apply: "string", read: "string", sample: "f" },
    sequence: { apply: "string", read: "string", sample: "q" },
    enum: {
      apply: '"off" | "on"',
      read: '"off" | "on" | (string & {})',
      sample: "on",
    },
    direct: { apply: "InstanceId", read: "InstanceId", sample: undefined },
  };

const VARIANTS: Variant[] = ["nullable", "required", "list", "default"];

/** Enums have no lists; direct relations and JSON take no default here. */
function applies(type: string, variant: Variant): boolean {
  if (variant === "list") return type !== "enum";
  if (variant === "default") return TYPES[type]!.sample !== undefined;
  return true;
}

function identifier(type: string, variant: Variant): string {
  return `${type}_${variant}`;
}

function propertyJson(type: string, variant: Variant): unknown {
  const typeJson =
    type === "enum"
      ? { type, values: { off: {}, on: {} } }
      : { type, list: variant === "list" };
  return {
    container: { type: "container", space: "s", externalId: "C" },
    containerPropertyIdentifier: identifier(type, variant),
    type: typeJson,
    nullable: variant === "nullable" || variant === "list",
    ...(variant === "default" ? { defaultValue: TYPES[type]!.sample } : {}),
  };
}

/** What the table says, composed from the element types and the variant's rules. */
function expected(
  type: string,
  variant: Variant,
  role: "apply" | "read",
): string {
  const element = TYPES[type]![role];
  const union = element.includes("|");
  let result =
    variant === "list" ? (union ? `(${element})[]` : `${element}[]`) : element;
  const nullable = variant === "nullable" || variant === "list";
  if (nullable) result += " | null";
  const optional = role === "apply" && variant !== "required";
  const name = identifier(type, variant).replace(/_(\w)/, (_m, c: string) =>
    c.toUpperCase(),
  );
  return `${role === "read" ? "readonly " : ""}${name}${optional ? "?" : ""}: ${result};`;
}

const ROWS = Object.keys(TYPES).flatMap((type) =>
  VARIANTS.filter((v) => applies(type, v)).flatMap((variant) =>
    (["apply", "read"] as const).map((role) => ({ type, variant, role })),
  ),
);

/** The member lines of an interface in a printed module. */
function members(module: string, name: string): string[] {
  const start = module.indexOf(`export interface ${name} {`);
  const end = module.indexOf("\n}", start);
  return module
    .slice(start, end)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(readonly )?\w+\??:/.test(l));
}

describe("the type table: DMS type x apply/read x variant -> emitted TypeScript", () => {
  const properties: Record<string, unknown> = {};
  for (const { type, variant } of ROWS)
    properties[identifier(type, variant)] = propertyJson(type, variant);
  const model = buildModel({
    views: parseInputDocument(
      { items: [{ space: "s", externalId: "T", version: "v1", properties }] },
      "t.json",
    ).views.map((v) => v.view),
  });
  const names = planNames(model, DEFAULT_CODE_OPTIONS.naming);
  const module = print(
    fileDoc(
      emitViewModule(
        { model, names, options: DEFAULT_CODE_OPTIONS },
        model.views[0]!,
      ),
    ),
  );
  const apply = members(module, "TApplyProperties");
  const read = members(module, "TProperties");

  it.each(ROWS)("$type $variant on $role", ({ type, variant, role }) => {
    const line = expected(type, variant, role);
    expect(role === "apply" ? apply : read).toContain(line);
  });

  it("covers every row, and nothing else", () => {
    expect(apply.length + read.length).toBe(ROWS.length);
  });
});

const definition = (
  type: PropertyDefinition["type"],
  extra: Partial<PropertyDefinition> = {},
): PropertyDefinition => ({ identifier: "p", type, ...extra });

/** Runtime conversion per type: app value → wire value (or the error), wire value → read value. */
const CONVERSIONS: {
  name: string;
  definition: PropertyDefinition;
  value: unknown;
  wire: unknown;
  read: unknown;
}[] = [
  {
    name: "text",
    definition: definition("text"),
    value: "x",
    wire: "x",
    read: "x",
  },
  {
    name: "int32",
    definition: definition("int32"),
    value: 3,
    wire: 3,
    read: 3,
  },
  {
    name: "float64 list",
    definition: definition("float64", { list: true }),
    value: [1, 2.5],
    wire: [1, 2.5],
    read: [1, 2.5],
  },
  {
    name: "timestamp from Date",
    definition: definition("timestamp"),
    value: new Date("2020-01-02T03:04:05.678Z"),
    wire: "2020-01-02T03:04:05.678Z",
    read: new Date("2020-01-02T03:04:05.678Z"),
  },
  {
    name: "timestamp from ISO string",
    definition: definition("timestamp"),
    value: "2020-01-02T03:04:05.678Z",
    wire: "2020-01-02T03:04:05.678Z",
    read: new Date("2020-01-02T03:04:05.678Z"),
  },
  {
    name: "date",
    definition: definition("date"),
    value: "2020-01-02",
    wire: "2020-01-02",
    read: "2020-01-02",
  },
  {
    name: "json",
    definition: definition("json"),
    value: { a: [1] },
    wire: { a: [1] },
    read: { a: [1] },
  },
  {
    name: "enum (read stays open)",
    definition: definition("enum", { values: ["off", "on"] }),
    value: "on",
    wire: "on",
    read: "on",
  },
  {
    name: "direct",
    definition: definition("direct"),
    value: { space: "s", externalId: "x" },
    wire: { space: "s", externalId: "x" },
    read: { space: "s", externalId: "x" },
  },
  {
    name: "nullable null",
    definition: definition("text"),
    value: null,
    wire: null,
    read: null,
  },
];

const REJECTED: {
  name: string;
  definition: PropertyDefinition;
  value: unknown;
  error: string;
}[] = [
  {
    name: "int32 out of range",
    definition: definition("int32"),
    value: 2 ** 31,
    error:
      "p must be an integer within -2147483648..2147483647, got 2147483648",
  },
  {
    name: "int32 given a string",
    definition: definition("int32"),
    value: "x",
    error: 'p must be an integer within -2147483648..2147483647, got "x"',
  },
  {
    name: "enum outside its values",
    definition: definition("enum", { values: ["off", "on"] }),
    value: "dim",
    error: "p must be one of off, on",
  },
  {
    name: "null where not nullable",
    definition: definition("text", { nullable: false }),
    value: null,
    error: "p must be set (not nullable), got null",
  },
];

describe("the runtime's conversion per type", () => {
  it.each(CONVERSIONS)("$name", ({ definition, value, wire, read }) => {
    expect(toWireValue(value, definition, "p")).toEqual(wire);
    expect(fromWireValue(wire as never, definition)).toEqual(read);
  });

  it.each(REJECTED)("rejects $name", ({ definition, value, error }) => {
    expect(() => toWireValue(value, definition, "p")).toThrow(error);
  });

  it("reads an enum value added after generation as it is", () => {
    expect(
      fromWireValue("dim", definition("enum", { values: ["off", "on"] })),
    ).toBe("dim");
  });
});

import { describe, expect, it } from "vitest";
import { parseInputDocument } from "../input/index.js";
import { buildModel, instanceTypeFromFilter } from "./build.js";

const container = { type: "container", space: "s", externalId: "C" };
const prop = (
  type: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  container,
  containerPropertyIdentifier: "p",
  type,
  ...extra,
});
const ref = (externalId: string) => ({
  type: "view",
  space: "s",
  externalId,
  version: "v1",
});

function model(views: unknown[]) {
  return buildModel({
    views: parseInputDocument({ items: views }, "x.json").views.map(
      (v) => v.view,
    ),
  });
}

describe("buildModel", () => {
  const base = { space: "s", version: "v1" };
  const name = prop({ type: "text" });

  it("extends the first implemented view whose properties it repeats unchanged", () => {
    const m = model([
      { ...base, externalId: "Describable", properties: { name } },
      {
        ...base,
        externalId: "Changed",
        properties: { name: prop({ type: "int32" }) },
      },
      {
        ...base,
        externalId: "Asset",
        implements: [ref("Changed"), ref("Describable")],
        properties: {
          name: { ...name, description: "docs may differ" },
          code: name,
        },
      },
      {
        ...base,
        externalId: "Orphan",
        implements: [ref("NotInInput")],
        properties: { name },
      },
    ]);
    const asset = m.byKey.get("s:Asset/v1")!;
    expect(asset.parentKey).toBe("s:Describable/v1");
    expect(asset.properties.map((p) => [p.identifier, p.inherited])).toEqual([
      ["name", true],
      ["code", false],
    ]);
    expect(m.byKey.get("s:Orphan/v1")!.parentKey).toBeUndefined();
  });

  it("never extends a read-only view from a writable one, nor across node and edge views", () => {
    const m = model([
      {
        ...base,
        externalId: "ReadOnly",
        writable: false,
        properties: { name },
      },
      { ...base, externalId: "Edge", usedFor: "edge", properties: { name } },
      {
        ...base,
        externalId: "Child",
        implements: [ref("ReadOnly"), ref("Edge")],
        properties: { name },
      },
    ]);
    expect(m.byKey.get("s:Child/v1")!.parentKey).toBeUndefined();
  });

  it("breaks inheritance cycles", () => {
    const m = model([
      {
        ...base,
        externalId: "A",
        implements: [ref("B")],
        properties: { name },
      },
      {
        ...base,
        externalId: "B",
        implements: [ref("A")],
        properties: { name },
      },
    ]);
    expect(m.views.filter((v) => v.parentKey).length).toBeLessThan(2);
  });

  it("marks what an apply needs: not nullable, no default, not auto-increment", () => {
    const m = model([
      {
        ...base,
        externalId: "V",
        properties: {
          required: prop({ type: "text" }, { nullable: false }),
          defaulted: prop(
            { type: "text" },
            { nullable: false, defaultValue: "x" },
          ),
          counter: prop(
            { type: "int64" },
            { nullable: false, autoIncrement: true },
          ),
          optional: prop({ type: "text" }),
        },
      },
    ]);
    const required = m.views[0]!.properties.map(
      (p) => p.kind === "mapped" && p.requiredOnApply,
    );
    expect(required).toEqual([true, false, false, false]);
  });
});

describe("instanceTypeFromFilter", () => {
  const type = { space: "s", externalId: "Pump" };
  it("reads equals, a one-value in, and either inside an and", () => {
    expect(
      instanceTypeFromFilter(
        { equals: { property: ["node", "type"], value: type } },
        "node",
      ),
    ).toEqual(type);
    expect(
      instanceTypeFromFilter(
        { in: { property: ["node", "type"], values: [type] } },
        "node",
      ),
    ).toEqual(type);
    expect(
      instanceTypeFromFilter(
        {
          and: [
            { hasData: [] },
            { equals: { property: ["edge", "type"], value: type } },
          ],
        },
        "edge",
      ),
    ).toEqual(type);
  });
  it("ignores filters that do not pin one type", () => {
    expect(
      instanceTypeFromFilter(
        { in: { property: ["node", "type"], values: [type, type] } },
        "node",
      ),
    ).toBeUndefined();
    expect(
      instanceTypeFromFilter(
        { equals: { property: ["node", "type"], value: type } },
        "edge",
      ),
    ).toBeUndefined();
    expect(
      instanceTypeFromFilter(
        { or: [{ equals: { property: ["node", "type"], value: type } }] },
        "node",
      ),
    ).toBeUndefined();
  });
});

// Spaces, containers, views and data models as a CDF project answers them: apply, byids, list and
// delete, what may change within a version, and the refusals (missing spaces, non-empty spaces).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSuite, type Suite } from "./suite.js";

let suite: Suite;
beforeAll(async () => {
  suite = await openSuite();
});
afterAll(async () => {
  await suite?.close();
});

const text = { type: { type: "text" } };
const int = { type: { type: "int32" } };

function containerRef(externalId: string) {
  return { type: "container", space: suite.space, externalId };
}
function viewRef(externalId: string, version = "v1") {
  return { type: "view", space: suite.space, externalId, version };
}
function mapped(container: string, property: string) {
  return {
    container: containerRef(container),
    containerPropertyIdentifier: property,
  };
}

describe("conformance: schema", () => {
  it("a space is applied, read by id and listed, not global", async () => {
    const { api, space } = suite;
    const read = await api.ok("/models/spaces/byids", { items: [{ space }] });
    expect(read.items).toHaveLength(1);
    expect(read.items[0]).toMatchObject({ space, isGlobal: false });
    expect(typeof read.items[0].createdTime).toBe("number");
    const renamed = await api.ok("/models/spaces", {
      items: [{ space, name: "renamed", description: "conformance" }],
    });
    expect(renamed.items[0]).toMatchObject({ space, name: "renamed" });
    const listed = await api.get("/models/spaces", "limit=1000");
    // The default list leaves global spaces out.
    expect(listed.body.items.every((s: any) => s.isGlobal === false)).toBe(
      true,
    );
  });

  it("the system spaces are global and listed only with includeGlobal", async () => {
    const { api } = suite;
    const withGlobal = await api.get(
      "/models/spaces",
      "includeGlobal=true&limit=1000",
    );
    const cdm = withGlobal.body.items.find((s: any) => s.space === "cdf_cdm");
    expect(cdm).toMatchObject({ space: "cdf_cdm", isGlobal: true });
    const without = await api.get("/models/spaces", "limit=1000");
    expect(without.body.items.map((s: any) => s.space)).not.toContain(
      "cdf_cdm",
    );
  });

  it("a container is applied with the defaults filled in, read by id, listed and deleted", async () => {
    const { api, space } = suite;
    const applied = await api.ok("/models/containers", {
      items: [{ space, externalId: "Gone", properties: { name: text } }],
    });
    expect(applied.items[0]).toMatchObject({
      space,
      externalId: "Gone",
      isGlobal: false,
      usedFor: "node",
    });
    const read = await api.ok("/models/containers/byids", {
      items: [{ type: "container", space, externalId: "Gone" }],
    });
    expect(read.items[0].properties.name).toMatchObject({
      type: { type: "text", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    });
    const listed = await api.get("/models/containers", `space=${space}`);
    expect(listed.body.items.map((c: any) => c.externalId)).toContain("Gone");
    const deleted = await api.ok("/models/containers/delete", {
      items: [{ space, externalId: "Gone" }],
    });
    expect(deleted.items).toEqual([{ space, externalId: "Gone" }]);
    await suite.eventually(async () => {
      const after = await api.ok("/models/containers/byids", {
        items: [{ type: "container", space, externalId: "Gone" }],
      });
      expect(after.items).toEqual([]);
    });
  });

  it("a view is applied with its mapped properties resolved, read by id, listed and deleted", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [
        { space, externalId: "Thing", properties: { name: text, size: int } },
      ],
    });
    const applied = await api.ok("/models/views", {
      items: [
        {
          space,
          externalId: "ThingView",
          version: "v1",
          properties: {
            name: mapped("Thing", "name"),
            size: mapped("Thing", "size"),
          },
        },
      ],
    });
    const view = applied.items[0];
    expect(view).toMatchObject({
      space,
      externalId: "ThingView",
      version: "v1",
      implements: [],
      writable: true,
      queryable: true,
      usedFor: "node",
      isGlobal: false,
      mappedContainers: [containerRef("Thing")],
    });
    expect(view.properties.size).toMatchObject({
      ...mapped("Thing", "size"),
      type: { type: "int32", list: false },
      nullable: true,
    });
    const read = await api.ok("/models/views/byids", {
      items: [{ space, externalId: "ThingView", version: "v1" }],
    });
    expect(Object.keys(read.items[0].properties).sort()).toEqual([
      "name",
      "size",
    ]);
    const listed = await api.get("/models/views", `space=${space}`);
    expect(listed.body.items.map((v: any) => v.externalId)).toContain(
      "ThingView",
    );
    const deleted = await api.ok("/models/views/delete", {
      items: [{ space, externalId: "ThingView", version: "v1" }],
    });
    expect(deleted.items).toEqual([
      { space, externalId: "ThingView", version: "v1" },
    ]);
  });

  it("a data model lists its views as references, or inline on request", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [{ space, externalId: "Doc", properties: { title: text } }],
    });
    await api.ok("/models/views", {
      items: [
        {
          space,
          externalId: "DocView",
          version: "v1",
          properties: { title: mapped("Doc", "title") },
        },
      ],
    });
    const model = { space, externalId: "Model", version: "1" };
    await api.ok("/models/datamodels", {
      items: [{ ...model, name: "conformance", views: [viewRef("DocView")] }],
    });
    const byRef = await api.ok("/models/datamodels/byids", { items: [model] });
    expect(byRef.items[0]).toMatchObject({
      ...model,
      name: "conformance",
      isGlobal: false,
    });
    expect(byRef.items[0].views).toEqual([viewRef("DocView")]);
    const inline = await api.ok(
      "/models/datamodels/byids",
      { items: [model] },
      "inlineViews=true",
    );
    expect(inline.items[0].views[0]).toMatchObject({
      space,
      externalId: "DocView",
      version: "v1",
    });
    expect(Object.keys(inline.items[0].views[0].properties)).toEqual(["title"]);
    const listed = await api.get("/models/datamodels", `space=${space}`);
    expect(listed.body.items.map((m: any) => m.externalId)).toContain("Model");
    const deleted = await api.ok("/models/datamodels/delete", {
      items: [model],
    });
    expect(deleted.items).toEqual([model]);
  });

  it("containers list by usedFor: each value given, all meaning containers for both", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: (["node", "edge", "all"] as const).map((usedFor) => ({
        space,
        externalId: `For_${usedFor}`,
        usedFor,
        properties: { a: text },
      })),
    });
    const listed = async (usedFor: string[]) =>
      (
        await api.get(
          "/models/containers",
          [
            `space=${space}`,
            "limit=1000",
            ...usedFor.map((u) => `usedFor=${u}`),
          ].join("&"),
        )
      ).body.items
        .map((c: any) => c.externalId)
        .filter((id: string) => id.startsWith("For_"))
        .sort();
    expect(await listed(["node", "edge"])).toEqual(["For_edge", "For_node"]);
    expect(await listed(["all"])).toEqual(["For_all"]);
    expect(await listed([])).toEqual(["For_all", "For_edge", "For_node"]);
    const unknown = await api.get(
      "/models/containers",
      `space=${space}&usedFor=everything`,
    );
    expect(unknown.status).toBe(400);
  });

  it("byids of unknown schema ids answers 200 without them", async () => {
    const { api, space } = suite;
    for (const [route, item] of [
      ["/models/views/byids", { space, externalId: "Nope", version: "v1" }],
      [
        "/models/containers/byids",
        { type: "container", space, externalId: "Nope" },
      ],
      ["/models/datamodels/byids", { space, externalId: "Nope", version: "1" }],
      ["/models/spaces/byids", { space: suite.absentSpace }],
    ] as const) {
      expect((await api.ok(route, { items: [item] })).items, route).toEqual([]);
    }
  });

  it("writing schema into a space that does not exist is 400 naming the space in missing", async () => {
    const { api, absentSpace } = suite;
    const result = await api.post("/models/containers", {
      items: [
        { space: absentSpace, externalId: "C", properties: { name: text } },
      ],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.missing).toEqual([{ space: absentSpace }]);
  });

  it("a container gains properties; changing a property's type is 400", async () => {
    const { api, space } = suite;
    const base = { space, externalId: "Grows", properties: { a: text } };
    await api.ok("/models/containers", { items: [base] });
    const grown = await api.ok("/models/containers", {
      items: [{ ...base, properties: { a: text, b: int } }],
    });
    expect(Object.keys(grown.items[0].properties).sort()).toEqual(["a", "b"]);
    const retyped = await api.post("/models/containers", {
      items: [{ ...base, properties: { a: int, b: int } }],
    });
    expect(retyped.status).toBe(400);
  });

  it("a view version changes only its name and description; other changes are 400", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [{ space, externalId: "Fixed", properties: { a: text, b: text } }],
    });
    const view = {
      space,
      externalId: "FixedView",
      version: "v1",
      properties: { a: mapped("Fixed", "a") },
    };
    await api.ok("/models/views", { items: [view] });
    const renamed = await api.ok("/models/views", {
      items: [{ ...view, name: "new name", description: "new text" }],
    });
    expect(renamed.items[0]).toMatchObject({
      name: "new name",
      description: "new text",
    });
    const changed = await api.post("/models/views", {
      items: [
        {
          ...view,
          properties: { a: mapped("Fixed", "a"), b: mapped("Fixed", "b") },
        },
      ],
    });
    expect(changed.status).toBe(400);
    const nextVersion = await api.ok("/models/views", {
      items: [
        {
          ...view,
          version: "v2",
          properties: { a: mapped("Fixed", "a"), b: mapped("Fixed", "b") },
        },
      ],
    });
    expect(nextVersion.items[0].version).toBe("v2");
  });

  it("deleting a space that still holds a container is 400 and deletes nothing", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [{ space, externalId: "Keeps", properties: { a: text } }],
    });
    const refused = await api.post("/models/spaces/delete", {
      items: [{ space }],
    });
    expect(refused.status).toBe(400);
    const still = await api.ok("/models/spaces/byids", { items: [{ space }] });
    expect(still.items).toHaveLength(1);
  });

  it("deleting a container that a view maps succeeds and removes its data", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [{ space, externalId: "Mapped", properties: { v: text } }],
    });
    await api.ok("/models/views", {
      items: [
        {
          space,
          externalId: "MappedView",
          version: "v1",
          properties: { v: mapped("Mapped", "v") },
        },
      ],
    });
    const node = { instanceType: "node", space, externalId: "mapped-node" };
    await api.ok("/models/instances", {
      items: [
        {
          ...node,
          sources: [{ source: viewRef("MappedView"), properties: { v: "x" } }],
        },
      ],
    });
    const inspect = {
      inspectionOperations: { involvedContainers: {} },
      items: [node],
    };
    const before = await api.ok("/models/instances/inspect", inspect);
    expect(before.items[0].inspectionResults.involvedContainers).toEqual([
      containerRef("Mapped"),
    ]);
    const deleted = await api.post("/models/containers/delete", {
      items: [{ space, externalId: "Mapped" }],
    });
    expect(deleted.status).toBe(200);
    await suite.eventually(async () => {
      const after = await api.ok("/models/instances/inspect", inspect);
      expect(after.items[0].inspectionResults.involvedContainers).toEqual([]);
    });
  });

  it("deleting a view or data model leaves the instance data", async () => {
    const { api, space } = suite;
    await api.ok("/models/containers", {
      items: [{ space, externalId: "Stays", properties: { v: text } }],
    });
    await api.ok("/models/views", {
      items: [
        {
          space,
          externalId: "StaysView",
          version: "v1",
          properties: { v: mapped("Stays", "v") },
        },
      ],
    });
    const node = { instanceType: "node", space, externalId: "stays-node" };
    await api.ok("/models/instances", {
      items: [
        {
          ...node,
          sources: [{ source: viewRef("StaysView"), properties: { v: "x" } }],
        },
      ],
    });
    await api.ok("/models/views/delete", {
      items: [{ space, externalId: "StaysView", version: "v1" }],
    });
    const after = await api.ok("/models/instances/inspect", {
      inspectionOperations: { involvedContainers: {} },
      items: [node],
    });
    expect(after.items[0].inspectionResults.involvedContainers).toEqual([
      containerRef("Stays"),
    ]);
  });
});

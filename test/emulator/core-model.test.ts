// CogniteAsset's path, root and pathLastUpdatedTime follow `parent`, for the whole subtree, as the
// core model's descriptions say; and startEmulator takes the raw JSON documents `generate` takes.

import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  ManualClock,
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { client } from "./support.js";

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const ASSET_CONTAINER = {
  type: "container",
  space: "cdf_cdm",
  externalId: "CogniteAsset",
};
const ASSET_VIEW = {
  type: "view",
  space: "cdf_cdm",
  externalId: "CogniteAsset",
  version: "v1",
};
const mapped = (id: string) => ({
  container: ASSET_CONTAINER,
  containerPropertyIdentifier: id,
});

/** A cut-down CogniteAsset, in the raw JSON shape of a views/byids response. */
const rawAssetView = {
  space: "cdf_cdm",
  externalId: "CogniteAsset",
  version: "v1",
  properties: {
    name: { ...mapped("name"), type: { type: "text", list: false } },
    parent: {
      ...mapped("assetHierarchy_parent"),
      type: { type: "direct", list: false },
    },
    root: {
      ...mapped("assetHierarchy_root"),
      type: { type: "direct", list: false },
    },
    path: {
      ...mapped("assetHierarchy_path"),
      type: { type: "direct", list: true },
    },
    pathLastUpdatedTime: {
      ...mapped("assetHierarchy_path_last_updated_time"),
      type: { type: "timestamp", list: false },
    },
  },
};

const asset = (externalId: string, parent?: string) => ({
  instanceType: "node",
  space: "plant",
  externalId,
  sources: [
    {
      source: ASSET_VIEW,
      properties: {
        name: externalId,
        parent:
          parent === undefined ? null : { space: "plant", externalId: parent },
      },
    },
  ],
});

describe("CogniteAsset hierarchy", () => {
  it("maintains root, path and pathLastUpdatedTime, for the moved asset's whole subtree", async () => {
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
    // The raw `{"items": [...]}` document, as JSON.parse(file) gives it.
    const emulator = await startEmulator({
      views: { items: [rawAssetView] },
      spaces: ["plant"],
      clock,
    });
    running.push(emulator);
    const api = client(emulator);
    await api.ok("/models/instances", {
      items: [
        asset("site"),
        asset("area", "site"),
        asset("pump", "area"),
        asset("site2"),
      ],
    });
    const read = async (id: string) =>
      (
        await api.ok("/models/instances/byids", {
          items: [{ instanceType: "node", space: "plant", externalId: id }],
          sources: [{ source: ASSET_VIEW }],
        })
      ).items[0];
    const ids = (value: { externalId: string }[]) =>
      value.map((v) => v.externalId);
    const pump = (await read("pump")).properties.cdf_cdm["CogniteAsset/v1"];
    expect(ids(pump.path)).toEqual(["site", "area", "pump"]);
    expect(pump.root).toEqual({ space: "plant", externalId: "site" });
    expect(pump.pathLastUpdatedTime).toBe("2026-01-01T00:00:00.000Z");
    const site = (await read("site")).properties.cdf_cdm["CogniteAsset/v1"];
    expect([ids(site.path), site.root.externalId]).toEqual([["site"], "site"]);
    const pumpBefore = await read("pump");

    clock.advance(60_000);
    await api.ok("/models/instances", { items: [asset("area", "site2")] });
    const moved = await read("pump");
    const values = moved.properties.cdf_cdm["CogniteAsset/v1"];
    expect(ids(values.path)).toEqual(["site2", "area", "pump"]);
    expect(values.root.externalId).toBe("site2");
    expect(values.pathLastUpdatedTime).toBe("2026-01-01T00:01:00.000Z");
    // The subtree's change is a change: a new version that sync sees.
    expect(moved.version).toBe(pumpBefore.version + 1);

    const cycle = await api.post("/models/instances", {
      items: [asset("site2", "pump")],
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toContain("cycle");
  });
});

describe("startEmulator({ views }) takes every input shape generate takes", () => {
  const shapes: [string, (items: unknown[]) => unknown][] = [
    ["JSON.parse(file).items", (items) => items],
    ["JSON.parse(file)", (items) => ({ items })],
    [
      "a data model with inline views",
      (items) => ({
        items: [
          { space: "cdf_cdm", externalId: "Model", version: "1", views: items },
        ],
      }),
    ],
    ["a single view", (items) => items[0]],
  ];
  it.each(shapes)("%s", async (_name, shape) => {
    const emulator = await startEmulator({
      views: shape([rawAssetView]) as never,
      spaces: ["plant"],
    });
    running.push(emulator);
    const api = client(emulator);
    const applied = await api.post("/models/instances", {
      items: [asset("site")],
    });
    expect(applied.status).toBe(200);
    // cdf_cdm is a system space: its views are global, listed with includeGlobal=true.
    expect((await api.get("/models/views")).body.items).toEqual([]);
    const listed = (await api.get("/models/views", "includeGlobal=true")).body
      .items;
    expect(listed.map((v: any) => [v.externalId, v.isGlobal])).toEqual([
      ["CogniteAsset", true],
    ]);
  });

  it("a real views/byids file, given as JSON.parse(file).items", async () => {
    const text = await readFile(
      "/work/shared/fixtures/views/CogniteCore.json",
      "utf8",
    );
    const emulator = await startEmulator({
      views: JSON.parse(text).items,
      spaces: ["plant"],
    });
    running.push(emulator);
    const api = client(emulator);
    const result = await api.post("/models/instances", {
      items: [asset("site")],
    });
    expect(result.status).toBe(200);
  });
});

// The official @cognite/sdk driven through the operations of its own Data Modeling integration
// specs (cognite-sdk-js, tag @cognite/sdk@10.5.0, packages/stable/src/__tests__/api/{spaces,
// containers,views,datamodels,instances}.int.spec.ts), with what a CDF project answers asserted
// exactly. Written anew, not copied: the SDK's instance spec uses the retired cdf_core:Describable,
// this one CogniteCore's CogniteDescribable; lists are confined to the suite's space where the
// originals read the whole project. Every exchange passes a proxy that validates it against
// dms-openapi.json and refuses writes outside the suite's own spaces.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CogniteClient } from "../emulator/cognite-sdk.js";
import {
  startValidatingProxy,
  type ValidatingProxy,
} from "../emulator/proxy.js";
import { guardWrite, openSuite, type Suite } from "./suite.js";

let suite: Suite;
let proxy: ValidatingProxy;
let sdk: any;

beforeAll(async () => {
  suite = await openSuite({ spareSpaces: 2 });
  proxy = await startValidatingProxy(suite.target.baseUrl, {
    guard: (route, method, body) =>
      guardWrite(route, method, body, suite.allowedSpaces),
  });
  sdk = new CogniteClient({
    appId: "dmgen-conformance",
    baseUrl: proxy.url,
    project: suite.target.project,
    oidcTokenProvider: () => suite.target.token(),
  });
});
afterAll(async () => {
  await proxy?.close();
  await suite?.close();
  // Every exchange of the whole suite matched the contract, and nothing was refused.
  expect(proxy.violations).toEqual([]);
});

const byExternalId = (items: any[], externalId: string) =>
  items.find((item) => item.externalId === externalId);

describe("conformance: @cognite/sdk spaces", () => {
  it("upserts, lists, pages, retrieves and deletes spaces", async () => {
    const [first, second] = suite.spareSpaces as [string, string];
    const created = await sdk.spaces.upsert([
      { space: first, name: "first", description: "conformance" },
      { space: second, name: "second", description: "conformance" },
    ]);
    expect(created.items.map((s: any) => [s.space, s.name])).toEqual([
      [first, "first"],
      [second, "second"],
    ]);
    const listed = await sdk.spaces.list({ limit: 1000 });
    const names = listed.items.map((s: any) => s.space);
    expect(names).toEqual(expect.arrayContaining([first, second]));
    const paged = await sdk.spaces
      .list({ includeGlobal: true, limit: 1 })
      .autoPagingToArray({ limit: 2 });
    expect(paged).toHaveLength(2);
    expect(paged[0].space).not.toBe(paged[1].space);
    const retrieved = await sdk.spaces.retrieve([first, second]);
    expect(retrieved.items.map((s: any) => s.name)).toEqual([
      "first",
      "second",
    ]);
    const deleted = await sdk.spaces.delete([first, second]);
    expect(deleted.items).toHaveLength(2);
    await suite.eventually(async () => {
      const after = await sdk.spaces.list({ limit: 1000 });
      const left = after.items.map((s: any) => s.space);
      expect(left).not.toContain(first);
      expect(left).not.toContain(second);
    });
  });

  it("lists the global spaces with includeGlobal", async () => {
    const spaces = await sdk.spaces.list({ includeGlobal: true, limit: 1000 });
    expect(spaces.items.find((s: any) => s.space === "cdf_cdm")).toMatchObject({
      isGlobal: true,
    });
  });
});

describe("conformance: @cognite/sdk containers", () => {
  const definition = (externalId: string, name: string) => ({
    space: suite.space,
    externalId,
    name,
    description: "conformance",
    properties: { test: { type: { type: "text" } } },
  });

  it("upserts, lists, retrieves and deletes containers", async () => {
    const created = await sdk.containers.upsert([
      definition("sdk_container_1", "first"),
      definition("sdk_container_2", "second"),
    ]);
    expect(created.items.map((c: any) => [c.externalId, c.name])).toEqual([
      ["sdk_container_1", "first"],
      ["sdk_container_2", "second"],
    ]);
    const listed = await sdk.containers.list({
      space: suite.space,
      limit: 1000,
    });
    expect(byExternalId(listed.items, "sdk_container_1")).toBeDefined();
    expect(byExternalId(listed.items, "sdk_container_2")).toBeDefined();
    const retrieved = await sdk.containers.retrieve([
      { space: suite.space, externalId: "sdk_container_1" },
      { space: suite.space, externalId: "sdk_container_2" },
    ]);
    expect(retrieved.items.map((c: any) => c.name)).toEqual([
      "first",
      "second",
    ]);
    const deleted = await sdk.containers.delete([
      { space: suite.space, externalId: "sdk_container_1" },
      { space: suite.space, externalId: "sdk_container_2" },
    ]);
    expect(deleted.items).toHaveLength(2);
    await suite.eventually(async () => {
      const after = await sdk.containers.list({
        space: suite.space,
        limit: 1000,
      });
      expect(byExternalId(after.items, "sdk_container_1")).toBeUndefined();
    });
  });

  it("lists and pages global containers with includeGlobal", async () => {
    const containers = await sdk.containers.list({
      includeGlobal: true,
      limit: 1000,
    });
    expect(containers.items.some((c: any) => c.isGlobal)).toBe(true);
    const paged = await sdk.containers
      .list({ includeGlobal: true, limit: 1 })
      .autoPagingToArray({ limit: 2 });
    expect(paged).toHaveLength(2);
  });
});

describe("conformance: @cognite/sdk views and data models", () => {
  const container = () => ({
    type: "container",
    space: suite.space,
    externalId: "sdk_view_container",
  });
  const view = (externalId: string, name: string) => ({
    space: suite.space,
    externalId,
    version: "1",
    name,
    description: "conformance",
    properties: {
      test: { container: container(), containerPropertyIdentifier: "test" },
    },
  });
  const model = () => ({
    space: suite.space,
    externalId: "sdk_datamodel",
    version: "1",
  });

  beforeAll(async () => {
    await sdk.containers.upsert([
      {
        space: suite.space,
        externalId: "sdk_view_container",
        properties: { test: { type: { type: "text" } } },
      },
    ]);
  });

  it("upserts, lists, retrieves and deletes views", async () => {
    const created = await sdk.views.upsert([
      view("sdk_view_1", "first"),
      view("sdk_view_2", "second"),
    ]);
    expect(created.items.map((v: any) => [v.externalId, v.name])).toEqual([
      ["sdk_view_1", "first"],
      ["sdk_view_2", "second"],
    ]);
    const listed = await sdk.views.list({ space: suite.space, limit: 1000 });
    expect(byExternalId(listed.items, "sdk_view_1")).toBeDefined();
    const retrieved = await sdk.views.retrieve([
      { space: suite.space, externalId: "sdk_view_1", version: "1" },
      { space: suite.space, externalId: "sdk_view_2", version: "1" },
    ]);
    expect(retrieved.items.map((v: any) => v.name)).toEqual([
      "first",
      "second",
    ]);
    expect(retrieved.items[0].properties.test).toMatchObject({
      container: container(),
      type: { type: "text" },
    });
    const deleted = await sdk.views.delete([
      { space: suite.space, externalId: "sdk_view_2", version: "1" },
    ]);
    expect(deleted.items).toHaveLength(1);
  });

  it("lists and pages global views with includeGlobal", async () => {
    const views = await sdk.views.list({ includeGlobal: true, limit: 1000 });
    expect(views.items.some((v: any) => v.isGlobal)).toBe(true);
    const paged = await sdk.views
      .list({ includeGlobal: true, limit: 1 })
      .autoPagingToArray({ limit: 2 });
    expect(paged).toHaveLength(2);
  });

  it("upserts, lists, retrieves (with and without inline views) and deletes a data model", async () => {
    const created = await sdk.dataModels.upsert([
      {
        ...model(),
        name: "sdk model",
        views: [
          {
            type: "view",
            space: suite.space,
            externalId: "sdk_view_1",
            version: "1",
          },
        ],
      },
    ]);
    expect(created.items.map((m: any) => m.name)).toEqual(["sdk model"]);
    const listed = await sdk.dataModels.list({
      space: suite.space,
      limit: 1000,
    });
    expect(byExternalId(listed.items, "sdk_datamodel")).toBeDefined();
    const plain = await sdk.dataModels.retrieve([model()]);
    expect(plain.items[0].views).toEqual([
      {
        type: "view",
        space: suite.space,
        externalId: "sdk_view_1",
        version: "1",
      },
    ]);
    const inline = await sdk.dataModels.retrieve([model()], {
      inlineViews: true,
    });
    expect(inline.items[0].views[0]).toMatchObject({
      externalId: "sdk_view_1",
      properties: { test: expect.objectContaining({ container: container() }) },
    });
    const deleted = await sdk.dataModels.delete([model()]);
    expect(deleted.items).toEqual([model()]);
    await suite.eventually(async () => {
      const after = await sdk.dataModels.list({
        space: suite.space,
        limit: 1000,
      });
      expect(byExternalId(after.items, "sdk_datamodel")).toBeUndefined();
    });
  });

  it("lists and pages global data models with includeGlobal", async () => {
    const models = await sdk.dataModels.list({
      includeGlobal: true,
      limit: 1000,
    });
    expect(models.items.some((m: any) => m.isGlobal)).toBe(true);
    const paged = await sdk.dataModels
      .list({ includeGlobal: true, limit: 1 })
      .autoPagingToArray({ limit: 2 });
    expect(paged).toHaveLength(2);
  });

  it("deletes a container that a view still maps", async () => {
    const deleted = await sdk.containers.delete([
      { space: suite.space, externalId: "sdk_view_container" },
    ]);
    expect(deleted.items).toHaveLength(1);
  });
});

describe("conformance: @cognite/sdk instances", () => {
  const describable = {
    type: "view",
    space: "cdf_cdm",
    externalId: "CogniteDescribable",
    version: "v1",
  };
  const group = (item: any) => item.properties.cdf_cdm["CogniteDescribable/v1"];
  const inSpace = () => ({
    equals: { property: ["node", "space"], value: suite.space },
  });
  const ids = () =>
    ["describable_1", "describable_2"].map((externalId) => ({
      instanceType: "node" as const,
      space: suite.space,
      externalId,
    }));

  beforeAll(async () => {
    await sdk.instances.upsert({
      items: ids().map((id, i) => ({
        ...id,
        sources: [
          {
            source: describable,
            properties: {
              name: `title_${i + 1}`,
              description: `description number ${i + 1}`,
              tags: ["label1", "label2"],
            },
          },
        ],
      })),
    });
  });
  afterAll(async () => {
    // The SDK's delete resolves to `{}` (it drops the response), so check that they are gone.
    await sdk.instances.delete(ids());
    const left = await sdk.instances.retrieve({ items: ids() });
    expect(left.items).toEqual([]);
  });

  it("lists nodes of a view, with a limit, a filter and no match", async () => {
    const two = await sdk.instances.list({
      sources: [{ source: describable }],
      instanceType: "node",
      filter: inSpace(),
      limit: 2,
    });
    expect(two.items.map((i: any) => i.externalId).sort()).toEqual([
      "describable_1",
      "describable_2",
    ]);
    const one = await sdk.instances.list({
      sources: [{ source: describable }],
      instanceType: "node",
      filter: {
        and: [
          inSpace(),
          {
            equals: {
              property: ["node", "externalId"],
              value: "describable_2",
            },
          },
        ],
      },
      limit: 1000,
    });
    expect(one.items.map((i: any) => group(i).name)).toEqual(["title_2"]);
    const none = await sdk.instances.list({
      instanceType: "node",
      filter: {
        and: [
          inSpace(),
          { equals: { property: ["node", "externalId"], value: "nothing" } },
        ],
      },
      limit: 1000,
    });
    expect(none.items).toEqual([]);
  });

  it("lists nodes sorted by a view property, both directions", async () => {
    const sorted = async (direction: "ascending" | "descending") =>
      (
        await sdk.instances.list({
          sources: [{ source: describable }],
          instanceType: "node",
          filter: inSpace(),
          sort: [
            {
              property: ["cdf_cdm", "CogniteDescribable/v1", "name"],
              direction,
              nullsFirst: false,
            },
          ],
          limit: 2,
        })
      ).items.map((i: any) => group(i).name);
    expect(await sorted("ascending")).toEqual(["title_1", "title_2"]);
    expect(await sorted("descending")).toEqual(["title_2", "title_1"]);
  });

  it("searches with a limit, a query and a filter; aggregates a count", async () => {
    await suite.eventually(async () => {
      const limited = await sdk.instances.search({
        view: describable,
        instanceType: "node",
        filter: inSpace(),
        limit: 2,
      });
      expect(limited.items).toHaveLength(2);
      const queried = await sdk.instances.search({
        view: describable,
        query: "description number 1",
        filter: inSpace(),
        operator: "AND",
        limit: 1,
      });
      expect(queried.items.map((i: any) => i.externalId)).toEqual([
        "describable_1",
      ]);
      const prefixed = await sdk.instances.search({
        view: describable,
        filter: {
          and: [inSpace(), { prefix: { property: ["name"], value: "titl" } }],
        },
        limit: 1,
      });
      expect(group(prefixed.items[0]).name).toMatch(/^title_/);
      const counted = await sdk.instances.aggregate({
        view: describable,
        aggregates: [{ count: { property: "name" } }],
        filter: {
          and: [inSpace(), { prefix: { property: ["name"], value: "titl" } }],
        },
      });
      expect(counted.items).toHaveLength(1);
      expect(counted.items[0].aggregates[0]).toMatchObject({
        aggregate: "count",
        property: "name",
        value: 2,
      });
    });
  });

  it("retrieves, queries, syncs and inspects a node", async () => {
    const [first] = ids();
    const retrieved = await sdk.instances.retrieve({
      sources: [{ source: describable }],
      items: [first],
    });
    expect(group(retrieved.items[0])).toMatchObject({
      name: "title_1",
      tags: ["label1", "label2"],
    });
    const only = {
      with: {
        result_set_1: {
          nodes: {
            filter: {
              and: [
                inSpace(),
                {
                  equals: {
                    property: ["node", "externalId"],
                    value: "describable_1",
                  },
                },
              ],
            },
          },
        },
      },
      select: { result_set_1: {} },
    };
    const queried = await sdk.instances.query(only);
    expect(queried.items.result_set_1.map((i: any) => i.externalId)).toEqual([
      "describable_1",
    ]);
    const synced = await sdk.instances.sync(only);
    expect(synced.items.result_set_1.map((i: any) => i.externalId)).toEqual([
      "describable_1",
    ]);
    const inspected = await sdk.instances.inspect({
      inspectionOperations: { involvedViews: { allVersions: true } },
      items: [first],
    });
    expect(inspected.items).toHaveLength(1);
    expect(inspected.items[0].inspectionResults.involvedViews).toEqual(
      expect.arrayContaining([expect.objectContaining(describable)]),
    );
  });
});

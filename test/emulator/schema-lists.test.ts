// Schema list filters as the contract defines them: containers' `usedFor` (an array parameter whose
// default leaves record containers out), and the global flag of what the input reader loads.

import { afterEach, describe, expect, it } from "vitest";
import { mergeDocuments, parseInputDocument } from "../../src/input/index.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { client } from "./support.js";

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

describe("GET /models/containers usedFor", () => {
  async function withContainers() {
    const emulator = await startEmulator({ spaces: ["s"] });
    running.push(emulator);
    const api = client(emulator);
    await api.ok("/models/containers", {
      items: ["node", "edge", "all", "record"].map((usedFor) => ({
        space: "s",
        externalId: `For_${usedFor}`,
        usedFor,
        properties: { name: { type: { type: "text" } } },
      })),
    });
    const listed = async (query: string) => {
      const answer = await api.get("/models/containers", query);
      if (answer.status !== 200)
        return [answer.status, answer.body.error.message];
      return (answer.body.items as { externalId: string }[])
        .map((c) => c.externalId.slice("For_".length))
        .sort();
    };
    return listed;
  }

  it("defaults to node, edge and all: record containers only when asked for", async () => {
    const listed = await withContainers();
    expect(await listed("")).toEqual(["all", "edge", "node"]);
    expect(await listed("usedFor=record")).toEqual(["record"]);
  });

  it("takes several values, repeated or comma-separated; all means containers marked all", async () => {
    const listed = await withContainers();
    expect(await listed("usedFor=all")).toEqual(["all"]);
    expect(await listed("usedFor=node&usedFor=edge")).toEqual(["edge", "node"]);
    expect(await listed("usedFor=node,record")).toEqual(["node", "record"]);
  });

  it("refuses an unknown value with 400 naming it", async () => {
    const listed = await withContainers();
    expect(await listed("usedFor=node&usedFor=nodes")).toEqual([
      400,
      'usedFor must be one or more of node, edge, record, all, got "nodes"',
    ]);
  });

  it("keeps instances out of record containers and node data out of edge containers", async () => {
    const emulator = await startEmulator({ spaces: ["s"] });
    running.push(emulator);
    const api = client(emulator);
    await api.ok("/models/containers", {
      items: ["record", "edge"].map((usedFor) => ({
        space: "s",
        externalId: `For_${usedFor}`,
        usedFor,
        properties: { name: { type: { type: "text" } } },
      })),
    });
    for (const usedFor of ["record", "edge"]) {
      const answer = await api.post("/models/instances", {
        items: [
          {
            instanceType: "node",
            space: "s",
            externalId: "n",
            sources: [
              {
                source: {
                  type: "container",
                  space: "s",
                  externalId: `For_${usedFor}`,
                },
                properties: { name: "x" },
              },
            ],
          },
        ],
      });
      expect([usedFor, answer.status]).toEqual([usedFor, 400]);
      expect(answer.body.error.message).toContain(`used for ${usedFor}s`);
    }
  });
});

describe("the input reader", () => {
  it("keeps a data model's isGlobal", () => {
    const read = mergeDocuments([
      parseInputDocument(
        {
          items: [
            {
              space: "cdf_cdm",
              externalId: "CogniteCore",
              version: "v1",
              isGlobal: true,
              views: [],
            },
            { space: "app", externalId: "Mine", version: "1", views: [] },
          ],
        },
        "models.json",
      ),
    ]);
    const flags = read.dataModels.map((m) => [m.externalId, m.isGlobal]);
    expect(flags.sort()).toEqual([
      ["CogniteCore", true],
      ["Mine", undefined],
    ]);
  });

  it("a model loaded as global is global in the emulator, whatever its space", async () => {
    const emulator = await startEmulator({
      views: {
        items: [
          {
            space: "vendor",
            externalId: "Shipped",
            version: "1",
            isGlobal: true,
            views: [],
          },
        ],
      },
    });
    running.push(emulator);
    const api = client(emulator);
    expect((await api.get("/models/datamodels")).body.items).toEqual([]);
    const all = await api.get("/models/datamodels", "includeGlobal=true");
    expect(all.body.items.map((m: any) => [m.externalId, m.isGlobal])).toEqual([
      ["Shipped", true],
    ]);
  });
});

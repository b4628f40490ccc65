// `include` against the emulator, over the showcase model: a `select` inside an include narrows
// what is requested and what comes back (relations the assembly needs are read, then dropped), a
// direct relation is followed to its target class without `view` when its definition names the
// target, and `search` takes `include` (the search, then one query by the ids it found, in the
// search's order). Every request is recorded and checked against the OpenAPI contract.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  Asset,
  AssetApply,
  Technician,
  TechnicianApply,
  WorkOrder,
  WorkOrderApply,
  createClient,
  type Client,
} from "../generated-examples/showcase/index.js";
import { createUndiciTransport } from "../generated-examples/showcase/runtime/core/transport-undici.js";
import type { Transport } from "../generated-examples/showcase/runtime/core/transport.js";
import { EXAMPLES_DIR } from "./support/generated.js";
import { assertValid, validateRequest } from "./support/openapi.js";

interface Call {
  readonly path: string;
  readonly body: {
    readonly select?: Record<
      string,
      { sources?: { source: { externalId: string }; properties: string[] }[] }
    >;
  };
}

let emulator: RunningEmulator;
let client: Client;
const calls: Call[] = [];

const id = (externalId: string) => ({ space: "site", externalId });
const ids = (objects: readonly { externalId: string }[]) =>
  objects.map((o) => o.externalId);

/** The undici transport, recording every request body (checked against the contract). */
function recording(inner: Transport): Transport {
  return {
    request: (request) => {
      const path = new URL(request.url).pathname.replace(
        /^\/api\/v1\/projects\/[^/]+/,
        "",
      );
      const body = JSON.parse(request.body ?? "{}") as Call["body"];
      assertValid(`${path} request`, validateRequest(path, "POST", body));
      calls.push({ path, body });
      return inner.request(request);
    },
    close: () => inner.close(),
  };
}

/** The properties the last query selects in its result set whose name ends with `suffix`. */
function selectedIn(suffix: string): string[] | undefined {
  const query = calls.findLast((c) => c.path === "/models/instances/query");
  const entry = Object.entries(query?.body.select ?? {}).find(([name]) =>
    name.endsWith(suffix),
  );
  return entry?.[1].sources?.[0]?.properties;
}

beforeAll(async () => {
  const input = await loadInputs([
    join(EXAMPLES_DIR, "showcase", "views.json"),
  ]);
  emulator = await startEmulator({
    views: input.views,
    project: "showcase",
    spaces: ["site"],
  });
  client = createClient({
    baseUrl: emulator.url,
    project: "showcase",
    credentials: { token: "any" },
    transport: recording(createUndiciTransport()),
  });
  // a0 ← a1 ← a2 ← a3 by `parent`; a1 is located at a0 (`location` names no target view).
  await client.asset.apply(
    [0, 1, 2, 3].map(
      (i) =>
        new AssetApply("site", `a${i}`, {
          name: `Asset ${i}`,
          description: `number ${i}`,
          serialNumber: `SN-${i}`,
          parent: i === 0 ? null : id(`a${i - 1}`),
          location: i === 1 ? id("a0") : null,
        }),
    ),
  );
  await client.technician.apply([
    new TechnicianApply("site", "t1", { fullName: "Ada", email: "ada@x" }),
    new TechnicianApply("site", "t2", { fullName: "Bo", email: "bo@x" }),
  ]);
  await client.workOrder.apply([
    new WorkOrderApply("site", "w1", {
      title: "Paint valve",
      assets: [id("a0")],
    }),
    new WorkOrderApply("site", "w2", {
      title: "Pump",
      assets: [id("a1"), id("a3")],
      assignees: [{ target: id("t2"), properties: { role: "lead" } }],
    }),
    new WorkOrderApply("site", "w3", {
      title: "Fix pump",
      assets: [id("a2"), id("a1")],
      assignees: [
        { target: id("t1"), properties: { role: "lead" } },
        { target: id("t2"), properties: { role: "helper" } },
      ],
    }),
  ]);
});

beforeEach(() => {
  calls.length = 0;
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("select inside include", () => {
  it("requests only the selected properties and returns objects without the others", async () => {
    const [w3] = await client.workOrder.retrieve([id("w3")], {
      include: {
        assignees: { select: ["fullName"] },
        assets: {
          select: ["serialNumber"],
          include: { parent: { select: ["name"] } },
        },
      },
    });
    // Requested: the technicians' `fullName`; the assets' `serialNumber` and the `parent`
    // relation the next level follows; the parents' `name`.
    expect(selectedIn("_assignees")).toEqual(["fullName"]);
    expect(selectedIn("_assets")).toEqual(["serialNumber", "parent"]);
    expect(selectedIn("_parent")).toEqual(["name"]);
    expect(selectedIn("_assignees_edges")).toEqual(["*"]);

    expect(ids(w3!.assets)).toEqual(["a2", "a1"]);
    const [a2] = w3!.assets;
    expect(a2).toBeInstanceOf(Asset);
    expect(a2!.serialNumber).toBe("SN-2");
    expect("name" in a2!).toBe(false);
    expect("status" in a2!).toBe(false);
    expect(a2!.parent).toBeInstanceOf(Asset);
    expect(a2!.parent!.name).toBe("Asset 1");
    expect("serialNumber" in a2!.parent!).toBe(false);
    expect("parent" in a2!.parent!).toBe(false);
    const technicians = w3!.assignees.map((a) => a.node);
    expect(technicians.map((t) => t.fullName).sort()).toEqual(["Ada", "Bo"]);
    for (const technician of technicians) {
      expect(technician).toBeInstanceOf(Technician);
      expect("email" in technician).toBe(false);
    }
    // Nothing selected at the root: every property.
    expect(w3!.title).toBe("Fix pump");
    expect("priority" in w3!).toBe(true);
  });

  it("drops a reverse relation's link property once the link is made", async () => {
    const [a1] = await client.asset.retrieve([id("a1")], {
      include: { workOrders: { select: ["title"] } },
    });
    expect(selectedIn("_workOrders")).toEqual(["title", "assets"]);
    expect(ids(a1!.workOrders).sort()).toEqual(["w2", "w3"]);
    for (const order of a1!.workOrders) {
      expect(order).toBeInstanceOf(WorkOrder);
      expect(Object.keys(order)).toContain("title");
      expect("assets" in order).toBe(false);
      expect("isUrgent" in order).toBe(false);
    }
  });

  it("narrows the root of a list with include, keeping what include fills", async () => {
    const assets = await client.asset
      .list({ select: ["serialNumber"], include: { parent: true } })
      .toArray();
    expect(selectedIn("root")).toEqual(["serialNumber", "parent"]);
    const byId = new Map(assets.map((a) => [a.externalId, a]));
    expect([...byId.keys()].sort()).toEqual(["a0", "a1", "a2", "a3"]);
    expect(byId.get("a0")!.parent).toBeNull();
    expect(byId.get("a3")!.parent!.serialNumber).toBe("SN-2");
    expect(byId.get("a3")!.parent!.name).toBe("Asset 2");
    for (const asset of assets) {
      expect("name" in asset).toBe(false);
      expect(asset.serialNumber).toMatch(/^SN-/);
    }
  });
});

describe("direct relations", () => {
  it("follow the target the view definition names, without `view`", async () => {
    const [a3] = await client.asset.retrieve([id("a3")], {
      include: { parent: { include: { parent: true } } },
    });
    expect(a3!.parent).toBeInstanceOf(Asset);
    expect(a3!.parent!.serialNumber).toBe("SN-2");
    expect(a3!.parent!.parent).toBeInstanceOf(Asset);
    expect(a3!.parent!.parent!.serialNumber).toBe("SN-1");
    expect(a3!.parent!.parent!.parent).toEqual(id("a0"));
    const [w2] = await client.workOrder.retrieve([id("w2")], {
      include: { assets: true },
    });
    expect(ids(w2!.assets)).toEqual(["a1", "a3"]);
    for (const asset of w2!.assets) expect(asset).toBeInstanceOf(Asset);
  });

  it("without a target in the definition, read with `view` or refused naming the relation", async () => {
    const [a1] = await client.asset.retrieve([id("a1")], {
      include: { location: { view: Asset, select: ["name"] } },
    });
    expect(a1!.location).toBeInstanceOf(Asset);
    expect(a1!.location!.name).toBe("Asset 0");
    expect("serialNumber" in a1!.location!).toBe(false);
    const withoutView = { location: true } as never;
    await expect(
      client.asset.retrieve([id("a1")], { include: withoutView }),
    ).rejects.toThrow(
      "include.location: the relation names no target view; pass `view`",
    );
  });
});

describe("search with include", () => {
  it("searches, then reads the found instances with their connections in one query, in search order", async () => {
    const plain = await client.workOrder.search({ query: "fix pump" });
    // Relevance order (w3 matches both words), not id order.
    expect(ids(plain)).toEqual(["w3", "w2"]);

    calls.length = 0;
    const hits = await client.workOrder.search({
      query: "fix pump",
      select: ["title"],
      include: {
        assets: { select: ["serialNumber"] },
        assignees: { edgeWhere: { role: "lead" } },
      },
    });
    expect(calls.map((c) => c.path)).toEqual([
      "/models/instances/search",
      "/models/instances/query",
    ]);
    expect(ids(hits)).toEqual(["w3", "w2"]);
    expect(hits.map((h) => h.title)).toEqual(["Fix pump", "Pump"]);
    for (const hit of hits) {
      expect(hit).toBeInstanceOf(WorkOrder);
      expect("priority" in hit).toBe(false);
    }
    expect(hits.map((h) => ids(h.assets))).toEqual([
      ["a2", "a1"],
      ["a1", "a3"],
    ]);
    expect(hits[0]!.assets[0]!.serialNumber).toBe("SN-2");
    expect("name" in hits[0]!.assets[0]!).toBe(false);
    expect(
      hits.map((h) =>
        h.assignees.map((a) => `${a.node.fullName}:${a.edge.role}`),
      ),
    ).toEqual([["Ada:lead"], ["Bo:lead"]]);
  });

  it("keeps the search's where and limit, and finds nothing without a query", async () => {
    const [first, ...rest] = await client.workOrder.search({
      query: "pump",
      where: { title: { prefix: "Fix" } },
      limit: 1,
      include: { assets: true },
    });
    expect(rest).toEqual([]);
    expect(first!.externalId).toBe("w3");
    expect(ids(first!.assets)).toEqual(["a2", "a1"]);
    const none = await client.workOrder.search({
      query: "nothing matches this",
      include: { assets: true },
    });
    expect(none).toEqual([]);
    expect(calls.map((c) => c.path)).toEqual([
      "/models/instances/search",
      "/models/instances/query",
      "/models/instances/search",
    ]);
  });
});

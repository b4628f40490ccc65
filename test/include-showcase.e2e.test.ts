// `include` over the showcase model against the emulator: a direct relation followed three levels
// up, a reverse direct relation through a list, and edges with properties (`Connected<Node, Edge>`)
// filtered on the edge's properties, both directions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  Asset,
  AssetApply,
  Assignment,
  Technician,
  TechnicianApply,
  WorkOrder,
  WorkOrderApply,
  createClient,
  type Client,
} from "../generated-examples/showcase/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let client: Client;

const id = (externalId: string) => ({ space: "site", externalId });

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
  });
  // a0 ← a1 ← a2 ← a3 by `parent`.
  await client.asset.apply(
    [0, 1, 2, 3].map(
      (i) =>
        new AssetApply("site", `a${i}`, {
          serialNumber: `SN-${i}`,
          parent: i === 0 ? null : id(`a${i - 1}`),
        }),
    ),
  );
  await client.technician.apply([
    new TechnicianApply("site", "t1", { fullName: "Ada" }),
    new TechnicianApply("site", "t2", { fullName: "Bo" }),
  ]);
  await client.workOrder.apply([
    new WorkOrderApply("site", "w1", {
      title: "Fix pump",
      assets: [id("a1"), id("a2")],
      assignees: [
        { target: id("t1"), properties: { role: "lead", share: 0.5 } },
        { target: id("t2"), properties: { role: "helper" } },
      ],
    }),
    new WorkOrderApply("site", "w2", {
      title: "Paint valve",
      assets: [id("a2")],
      assignees: [{ target: id("t2"), properties: { role: "lead" } }],
    }),
  ]);
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("include over the showcase model", () => {
  it("follows a direct relation three levels up, each level a read object", async () => {
    const [a3] = await client.asset.retrieve([id("a3")], {
      include: {
        parent: {
          view: Asset,
          include: {
            parent: { view: Asset, include: { parent: { view: Asset } } },
          },
        },
      },
    });
    expect(a3?.parent).toBeInstanceOf(Asset);
    expect(a3?.parent?.serialNumber).toBe("SN-2");
    expect(a3?.parent?.parent?.serialNumber).toBe("SN-1");
    expect(a3?.parent?.parent?.parent?.serialNumber).toBe("SN-0");
    const [a0] = await client.asset.retrieve([id("a0")], {
      include: { parent: { view: Asset } },
    });
    expect(a0?.parent).toBeNull();
  });

  it("fills a reverse direct relation through a list, with a where on the targets", async () => {
    const found: Record<string, string[]> = {};
    for await (const asset of client.asset.list({
      include: { workOrders: { where: { title: { prefix: "Fix" } } } },
    })) {
      found[asset.externalId] = asset.workOrders.map((w) => w.externalId);
      for (const order of asset.workOrders)
        expect(order).toBeInstanceOf(WorkOrder);
    }
    expect(found).toEqual({ a0: [], a1: ["w1"], a2: ["w1"], a3: [] });
    const [a2] = await client.asset.retrieve([id("a2")], {
      include: { workOrders: true },
    });
    expect(a2?.workOrders.map((w) => w.externalId).sort()).toEqual([
      "w1",
      "w2",
    ]);
  });

  it("gives edges with properties as Connected<Technician, Assignment>, filtered on the edge", async () => {
    const [w1] = await client.workOrder.retrieve([id("w1")], {
      include: { assignees: { edgeWhere: { role: "lead" } } },
    });
    expect(w1?.assignees).toHaveLength(1);
    const [lead] = w1?.assignees ?? [];
    expect(lead?.node).toBeInstanceOf(Technician);
    expect(lead?.node.fullName).toBe("Ada");
    expect(lead?.edge).toBeInstanceOf(Assignment);
    expect(lead?.edge.role).toBe("lead");
    expect(lead?.edge.share).toBe(0.5);

    // Inwards: a technician's assignments, with the work orders' titles.
    const [bo] = await client.technician.retrieve([id("t2")], {
      include: { assignments: { select: ["title"] } },
    });
    expect(
      bo?.assignments.map((a) => `${a.node.title}:${a.edge.role}`).sort(),
    ).toEqual(["Fix pump:helper", "Paint valve:lead"]);
  });
});

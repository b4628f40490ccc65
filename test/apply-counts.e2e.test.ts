// An instance is written and counted once per apply, however many objects mention it and in
// whichever requests: parents given as apply objects across more than one request, nested apply
// objects shared by several inputs. A proxy in front of the emulator counts the items actually
// sent; the counts, the items and the progress must match the distinct instances.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  ApplyFailedError,
  AssetApply,
  PumpApply,
  ShowcaseSensorApply,
  createClient,
  type ApplyProgress,
  type Client,
} from "../generated-examples/showcase/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

const S = "plant";
let emulator: RunningEmulator;
let proxy: Server;
let client: Client;
/** Every instance write sent to `POST /models/instances`, as `space:externalId`. */
let sent: string[] = [];
/** The apply requests answered so far, and the one (1-based) the proxy fails with a 400, if any. */
let applyRequests = 0;
let failApplyRequest: number | undefined;

beforeAll(async () => {
  const input = await loadInputs([
    join(EXAMPLES_DIR, "showcase", "views.json"),
  ]);
  emulator = await startEmulator({
    views: input.views,
    project: "p",
    spaces: [S],
  });
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (request.method === "POST" && request.url?.endsWith("/instances")) {
        const items = (JSON.parse(body) as { items: InstanceIdJson[] }).items;
        sent.push(...items.map((i) => `${i.space}:${i.externalId}`));
        if (++applyRequests === failApplyRequest) {
          response.writeHead(400, { "content-type": "application/json" });
          response.end(
            JSON.stringify({ error: { code: 400, message: "refused" } }),
          );
          return;
        }
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          ([name]) => name !== "host" && name !== "content-length",
        ),
      ) as Record<string, string>;
      void fetch(`${emulator.url}${request.url}`, {
        method: request.method ?? "GET",
        headers,
        ...(body ? { body } : {}),
      }).then(async (answer) => {
        response.writeHead(answer.status, {
          "content-type": answer.headers.get("content-type") ?? "",
        });
        response.end(await answer.text());
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  client = createClient({
    baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    project: "p",
    credentials: { token: "t" },
  });
});

afterAll(async () => {
  await client?.close();
  await new Promise((resolve) => proxy?.close(resolve));
  await emulator?.close();
});

interface InstanceIdJson {
  space: string;
  externalId: string;
}

describe("apply counts", () => {
  it("writes 1021 assets whose parents are apply objects once each, over two requests", async () => {
    sent = [];
    const assets: AssetApply[] = [];
    for (let i = 0; i < 1021; i++) {
      // Items past the first request point at parents written in the first one.
      const parent = i === 0 ? null : assets[i >= 1000 ? i - 1000 : i - 1];
      assets.push(
        new AssetApply(S, `asset-${i}`, {
          serialNumber: `A-${i}`,
          ...(parent ? { parent } : {}),
        }),
      );
    }
    const progress: ApplyProgress[] = [];
    const result = await client.asset.apply(assets, {
      onProgress: (p) => progress.push(p),
    });
    expect(sent).toHaveLength(1021);
    expect(new Set(sent).size).toBe(1021);
    expect(result.counts.written).toBe(1021);
    expect(result.items).toHaveLength(1021);
    const last = progress.at(-1)!;
    expect([last.itemsDone, last.itemsTotal]).toEqual([1021, 1021]);
    expect([last.requestsDone, last.requestsTotal]).toEqual([2, 2]);
  });

  it("counts nested apply objects shared by several inputs once", async () => {
    sent = [];
    const pumps = [0, 1].map(
      (i) => new PumpApply(S, `pump-${i}`, { serialNumber: `P-${i}` }),
    );
    const sensors = Array.from(
      { length: 5 },
      (_, i) =>
        new ShowcaseSensorApply(S, `sensor-${i}`, {
          installedOn: pumps[i % 2]!,
        }),
    );
    const progress: ApplyProgress[] = [];
    const result = await client.showcaseSensor.apply(sensors, {
      onProgress: (p) => progress.push(p),
    });
    expect(sent.sort()).toEqual(
      [
        ...sensors.map((s) => `${S}:${s.externalId}`),
        `${S}:pump-0`,
        `${S}:pump-1`,
      ].sort(),
    );
    expect(result.counts.written).toBe(7);
    const last = progress.at(-1)!;
    expect([last.itemsDone, last.itemsTotal]).toEqual([7, 7]);
  });

  it("writes a nested object of an earlier request once in a streamed apply", async () => {
    sent = [];
    const pump = new PumpApply(S, "shared-pump", { serialNumber: "SP" });
    function* sensors(): Generator<ShowcaseSensorApply> {
      for (let i = 0; i < 2500; i++)
        yield new ShowcaseSensorApply(S, `streamed-${i}`, {
          installedOn: pump,
        });
    }
    const result = await client.showcaseSensor.apply(sensors(), {
      report: "counts",
    });
    expect(sent.filter((id) => id === `${S}:shared-pump`)).toHaveLength(1);
    expect(sent).toHaveLength(2501);
    expect(result.counts.written).toBe(2501);
  });

  /**
   * 1201 inputs, 1200 instances: `twice` is written by the first input (in the first request of
   * 1000) and by a different object, with another name and no description, as the last input (in
   * the second).
   */
  function twoObjectsForOneInstance(prefix: string): AssetApply[] {
    const twice = `${prefix}-twice`;
    return [
      new AssetApply(S, twice, {
        serialNumber: "sn",
        name: "first",
        description: "kept",
      }),
      ...Array.from(
        { length: 1199 },
        (_, i) => new AssetApply(S, `${prefix}-${i}`, { serialNumber: `${i}` }),
      ),
      new AssetApply(S, twice, { serialNumber: "sn", name: "second" }),
    ];
  }

  it("sends an instance given by two objects in two requests twice, and counts it once", async () => {
    sent = [];
    const inputs = twoObjectsForOneInstance("two");
    const progress: ApplyProgress[] = [];
    const result = await client.asset.apply(inputs, {
      onProgress: (p) => progress.push(p),
    });
    // Both writes went out, one per request.
    expect(sent).toHaveLength(1201);
    expect(sent.filter((id) => id === `${S}:two-twice`)).toHaveLength(2);
    expect(result.counts.written).toBe(1200);
    expect(result.items.map((i) => i.externalId)).toEqual([
      "two-twice",
      ...Array.from({ length: 1199 }, (_, i) => `two-${i}`),
    ]);
    const last = progress.at(-1)!;
    expect([last.itemsDone, last.itemsTotal]).toEqual([1200, 1200]);
    expect([last.requestsDone, last.requestsTotal]).toEqual([2, 2]);
    expect(progress.every((p) => p.itemsTotal <= 1200)).toBe(true);
    // The API merged both writes per property, the later request winning.
    const [stored] = await client.asset.retrieve([
      { space: S, externalId: "two-twice" },
    ]);
    expect([stored?.serialNumber, stored?.name, stored?.description]).toEqual([
      "sn",
      "second",
      "kept",
    ]);
  });

  it("counts it once with report: counts, from a stream", async () => {
    sent = [];
    const inputs = twoObjectsForOneInstance("stream");
    const progress: ApplyProgress[] = [];
    const result = await client.asset.apply(inputs.values(), {
      report: "counts",
      onProgress: (p) => progress.push(p),
    });
    expect(sent).toHaveLength(1201);
    expect(result.counts.written).toBe(1200);
    const last = progress.at(-1)!;
    expect([last.itemsDone, last.itemsTotal]).toEqual([1200, 1200]);
  });

  for (const report of ["items", "counts"] as const)
    it(`lists it once when its second request fails (report: ${report})`, async () => {
      sent = [];
      applyRequests = 0;
      failApplyRequest = 2;
      const inputs = twoObjectsForOneInstance(`failed-${report}`);
      try {
        const error = await client.asset.apply(inputs, { report }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ApplyFailedError);
        const failure = error as ApplyFailedError;
        const twice = `failed-${report}-twice`;
        const listed = [
          ...failure.written,
          ...failure.notWritten,
          ...failure.unknown,
        ].filter((id) => id.externalId === twice);
        // Part of what the apply asked of it (the second object's values) was not written.
        expect(listed).toEqual([{ space: S, externalId: twice }]);
        expect(failure.notWritten).toContainEqual({
          space: S,
          externalId: twice,
        });
        // 1000 instances in the first request; the 201 writes of the second (`twice` among them) not written.
        expect(failure.notWritten).toHaveLength(201);
        if (report === "items") expect(failure.written).toHaveLength(999);
        else expect(failure.writtenCount).toBe(1000);
      } finally {
        failApplyRequest = undefined;
      }
    });
});

// CogniteCore loaded as the project's system model, driven by the official @cognite/sdk through the
// validating proxy: its space, containers and views are global (listed only with includeGlobal)
// and read-only, as in CDF; apps write assets into their own spaces through its views.

import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { CogniteClient, type CogniteError } from "./cognite-sdk.js";
import { startValidatingProxy, type ValidatingProxy } from "./proxy.js";

// The public CogniteCore views; a missing fixture fails this suite (it is never skipped).
const CORE = "/work/shared/fixtures/views/CogniteCore.json";
let emulator: RunningEmulator;
let proxy: ValidatingProxy;
let sdk: any;

beforeAll(async () => {
  emulator = await startEmulator({
    views: JSON.parse(await readFile(CORE, "utf8")) as Record<string, unknown>,
    spaces: ["plant"],
  });
  proxy = await startValidatingProxy(emulator.url);
  sdk = new CogniteClient({
    appId: "dmgen-emulator-test",
    baseUrl: proxy.url,
    project: "sdk-project",
    oidcTokenProvider: () => Promise.resolve("any"),
  });
});
afterAll(async () => {
  await proxy.close();
  await emulator.close();
  expect(proxy.violations).toEqual([]);
});

const ASSET = {
  type: "view" as const,
  space: "cdf_cdm",
  externalId: "CogniteAsset",
  version: "v1",
};

async function caught(promise: Promise<unknown>): Promise<CogniteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as CogniteError;
}

describe("@cognite/sdk and CDF's system spaces", () => {
  it("lists system spaces, containers and views only with includeGlobal, as global", async () => {
    const own = await sdk.spaces.list().autoPagingToArray({ limit: Infinity });
    expect(own.map((s: any) => s.space)).toEqual(["plant"]);
    const all = await sdk.spaces
      .list({ includeGlobal: true })
      .autoPagingToArray({ limit: Infinity });
    const cdm = all.find((s: any) => s.space === "cdf_cdm");
    expect(cdm?.isGlobal).toBe(true);

    expect(
      await sdk.views.list({ space: "cdf_cdm" }).autoPagingToArray(),
    ).toEqual([]);
    const views = await sdk.views
      .list({ space: "cdf_cdm", includeGlobal: true })
      .autoPagingToArray({ limit: Infinity });
    expect(views.length).toBeGreaterThan(10);
    expect(views.every((v: any) => v.isGlobal === true)).toBe(true);

    const containers = await sdk.containers
      .list({ space: "cdf_cdm", includeGlobal: true })
      .autoPagingToArray({ limit: Infinity });
    expect(containers.map((c: any) => c.externalId)).toContain("CogniteAsset");
    expect(containers.every((c: any) => c.isGlobal === true)).toBe(true);
  });

  it("refuses writes into cdf_cdm, and writes assets into an own space through its views", async () => {
    const asset = (space: string) => ({
      instanceType: "node" as const,
      space,
      externalId: "pump-1",
      sources: [{ source: ASSET, properties: { name: "Pump 1" } }],
    });
    const intoSystem = await caught(
      sdk.instances.upsert({ items: [asset("cdf_cdm")] }),
    );
    expect(intoSystem.status).toBe(400);
    expect(intoSystem.errorMessage).toContain("system space cdf_cdm");
    const container = await caught(
      sdk.containers.upsert([
        {
          space: "cdf_cdm",
          externalId: "Mine",
          properties: { x: { type: { type: "text" } } },
        },
      ]),
    );
    expect(container.status).toBe(400);
    const view = await caught(
      sdk.views.delete([
        { space: "cdf_cdm", externalId: "CogniteAsset", version: "v1" },
      ]),
    );
    expect(view.status).toBe(400);

    const written = await sdk.instances.upsert({ items: [asset("plant")] });
    expect(written.items.map((i: any) => i.externalId)).toEqual(["pump-1"]);
    const read = await sdk.instances.retrieve({
      items: [{ instanceType: "node", space: "plant", externalId: "pump-1" }],
      sources: [{ source: ASSET }],
    });
    expect(read.items[0].properties.cdf_cdm["CogniteAsset/v1"].name).toBe(
      "Pump 1",
    );
  });
});

// The typed model without holes, on a client generated from the public CogniteCore views (in a
// scratch folder, never committed): generic code over CogniteDescribable takes assets, equipment
// and files; `instanceof` of an implemented view's class holds for them; a direct relation takes
// only apply objects of its target view (or views implementing it), at compile time and, for a
// cast, at run time before any request.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURES_DIR,
  generateFiles,
  scratchDir,
  typeCheck,
  writeFileMap,
  writeOutputs,
} from "./support/generated.js";

/** A usage program: every line marked `@ts-expect-error` must fail, every other must compile. */
const USAGE = `
import {
  Cognite3DRevisionApply,
  CogniteAsset,
  CogniteAssetApply,
  CogniteCADRevisionApply,
  CogniteDescribable,
  CogniteDescribableApply,
  CogniteEquipment,
  CogniteEquipmentApply,
  CogniteFile,
  CogniteFileApply,
  CogniteSourceableApply,
  CogniteTimeSeriesApply,
} from "../out/index.js";

const S = "plant";
const asset = new CogniteAssetApply(S, "a", { name: "A" });
const equipment = new CogniteEquipmentApply(S, "e", { name: "E", asset });
const file = new CogniteFileApply(S, "f", { name: "F", assets: [asset] });

// Generic code over anything describable: assets, equipment and files, apply and read objects.
function label(item: CogniteDescribableApply): string {
  return item.name ?? item.externalId;
}
export const labels = [asset, equipment, file].map(label);
function labelRead(item: CogniteDescribable): string {
  return item.name ?? item.externalId;
}
declare const readAsset: CogniteAsset;
declare const readEquipment: CogniteEquipment;
declare const readFile: CogniteFile;
export const readLabels = [readAsset, readEquipment, readFile].map(labelRead);
export const sourceable: CogniteSourceableApply[] = [asset, equipment, file];
export const describable: CogniteDescribableApply = asset;

export function nameOf(value: unknown): string | null {
  return value instanceof CogniteDescribable ? value.name : null;
}

// Direct relations are nominal.
export const fine = [
  new CogniteAssetApply(S, "child", { parent: asset }),
  new CogniteAssetApply(S, "child2", { parent: { space: S, externalId: "a" } }),
  new CogniteAssetApply(S, "child3", { parent: readAsset }),
  new CogniteTimeSeriesApply(S, "ts", {
    typeProperty: "numeric",
    equipment: [equipment],
    assets: [asset],
  }),
];
export const wrong = [
  // @ts-expect-error equipment is no asset: not a parent
  new CogniteAssetApply(S, "odd-child", { parent: equipment }),
  // @ts-expect-error a file is no asset either
  new CogniteEquipmentApply(S, "odd-e", { asset: file }),
  // @ts-expect-error nor is an asset a piece of equipment
  new CogniteTimeSeriesApply(S, "odd-ts", { typeProperty: "numeric", equipment: [asset] }),
];
// @ts-expect-error equipment is describable but no asset
export const notAnAsset: CogniteAssetApply = equipment;
// A CAD revision narrows model3D to CAD models, and is still a 3D revision.
export const revision: Cognite3DRevisionApply = new CogniteCADRevisionApply(S, "r", {});
`;

/** A usage file that must fail to compile, with the one error it must give. */
const AVG_ON_TEXT = [
  `import type { Client } from "../out/index.js";`,
  `declare const client: Client;`,
  `export const avg = client.cogniteDescribable.aggregate({ avg: "name" });`,
  "",
].join("\n");

type Generated = Record<string, any>;
let generated: Generated;
let cleanup: () => Promise<void>;
/** tsc's errors by file name (the last path segment), from one program over both usage files. */
let typeErrors: Map<string, string[]>;

/** tsc's output as errors (a line that starts with a path and its continuation lines) by file. */
function errorsByFile(output: string): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split("\n")) {
    const start = /^(?:.*\/)?([^/(]+)\(\d+,\d+\): (error .*)$/.exec(line);
    if (start) {
      current = errors.get(start[1]!) ?? [];
      errors.set(start[1]!, current);
      current.push(start[2]!);
    } else if (line.trim() !== "") {
      if (!current) throw new Error(`unexpected tsc output: ${output}`);
      current[current.length - 1] += `\n${line}`;
    }
  }
  return errors;
}

beforeAll(async () => {
  const scratch = await scratchDir("typed-model");
  cleanup = scratch.cleanup;
  const files = await generateFiles([join(FIXTURES_DIR, "CogniteCore.json")]);
  // Run from its sources (vite transpiles them) ...
  const out = join(scratch.dir, "run");
  await writeFileMap(out, files);
  // ... and type-checked as model code: the runtime arrives as declarations.
  const checked = join(scratch.dir, "check");
  await writeOutputs(checked, new Map([["out", files]]), {
    runtimeAs: "declarations",
  });
  await mkdir(join(checked, "usage"));
  await writeFile(join(checked, "usage", "describable.ts"), USAGE);
  await writeFile(join(checked, "usage", "avg.ts"), AVG_ON_TEXT);
  // The usage files are what this checks: test/generate.test.ts checks this same CogniteCore
  // output's model code (default options) in its program over every model.
  typeErrors = errorsByFile(
    await typeCheck(checked, ["out", "usage"], "nodenext", {
      sharedRuntime: true,
      checkOnly: ["usage"],
    }),
  );
  generated = (await import(join(out, "index.ts"))) as Generated;
}, 120_000);

afterAll(async () => {
  await cleanup?.();
});

const S = "plant";
const readNode = (externalId: string) => ({
  instanceType: "node" as const,
  space: S,
  externalId,
  version: 1,
  createdTime: 0,
  lastUpdatedTime: 0,
  properties: {},
});

describe("the CogniteCore typed model", () => {
  it("compiles generic code over CogniteDescribable and rejects other views' objects", () => {
    expect([...typeErrors.keys()].filter((file) => file !== "avg.ts")).toEqual(
      [],
    );
  });

  it("answers instanceof for every implemented view, apply and read", () => {
    const { CogniteAssetApply, CogniteEquipmentApply, CogniteFileApply } =
      generated;
    const asset = new CogniteAssetApply(S, "a", {});
    const equipment = new CogniteEquipmentApply(S, "e", {});
    const file = new CogniteFileApply(S, "f", {});
    for (const item of [asset, equipment, file]) {
      expect(item instanceof generated.CogniteDescribableApply).toBe(true);
      expect(item instanceof generated.CogniteSourceableApply).toBe(true);
      // An apply object is no read object, whatever its view.
      expect(item instanceof generated.CogniteDescribable).toBe(false);
    }
    expect(asset instanceof generated.CogniteVisualizableApply).toBe(true);
    expect(
      new generated.CogniteCADRevisionApply(S, "r", {}) instanceof
        generated.Cognite3DRevisionApply,
    ).toBe(true);
    expect(equipment instanceof CogniteAssetApply).toBe(false);
    expect(file instanceof CogniteEquipmentApply).toBe(false);
    const read = new generated.CogniteAsset(readNode("a"));
    expect(read instanceof generated.CogniteDescribable).toBe(true);
    expect(read instanceof generated.CogniteSourceable).toBe(true);
    expect(read instanceof generated.CogniteEquipment).toBe(false);
    expect(read instanceof generated.CogniteDescribableApply).toBe(false);
    expect(
      { space: S, externalId: "a" } instanceof generated.CogniteAsset,
    ).toBe(false);
  });

  it("refuses an apply object of another view in a direct relation before any request", async () => {
    const requests: string[] = [];
    const server: Server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(500, { "content-type": "application/json" });
      response.end('{"error":{"code":500,"message":"no"}}');
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    const client = generated.createClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      project: "p",
      credentials: { token: "t" },
    });
    try {
      const child = new generated.CogniteAssetApply(S, "odd-child", {
        parent: new generated.CogniteEquipmentApply(S, "pump-1", { name: "P" }),
      });
      const error = await client.cogniteAsset.apply(child).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(generated.PropertyValueError);
      expect((error as Error).message).toBe(
        "CogniteAsset plant:odd-child: parent: expected a node reference { space, externalId } or an apply object of cdf_cdm:CogniteAsset/v1 (or of a view implementing it), got CogniteEquipmentApply of cdf_cdm:CogniteEquipment/v1 plant:pump-1",
      );
      expect(requests.filter((r) => r.includes("/models/instances"))).toEqual(
        [],
      );
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("compile errors that say why", () => {
  it("names NoNumericProperty for avg on a view without number properties", () => {
    expect(typeErrors.get("avg.ts")).toEqual([
      "error TS2322: Type 'string' is not assignable to type 'NoNumericProperty'.",
    ]);
  });
});

// `include` on a generated CogniteCore client against the emulator: an asset's children three
// levels deep (a reverse direct relation through `parent`), `parent` followed up, and an asset's
// time series through the reverse relation over `CogniteTimeSeries.assets`. The client is
// generated into a scratch folder (the fixture is others' data: never committed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  FIXTURES_DIR,
  generateFiles,
  scratchDir,
  writeFileMap,
} from "./support/generated.js";

const FIXTURE = join(FIXTURES_DIR, "CogniteCore.json");

interface Node {
  readonly externalId: string;
  readonly name: string | null;
  readonly [connection: string]: unknown;
}
type Generated = Record<string, unknown> & {
  createClient(options: object): Record<string, unknown> & {
    close(): Promise<void>;
  };
};
interface Accessor {
  apply(items: unknown[]): Promise<unknown>;
  retrieve(ids: unknown[], options?: object): Promise<Node[]>;
  list(options?: object): AsyncIterable<Node>;
}

let emulator: RunningEmulator;
let cleanup: () => Promise<void>;
let generated: Generated;
let client: ReturnType<Generated["createClient"]>;
const accessor = (name: string) => client[name] as Accessor;
const construct = (name: string, ...args: unknown[]): unknown =>
  new (generated[name] as new (...a: unknown[]) => unknown)(...args);
const id = (externalId: string) => ({ space: "plant", externalId });

beforeAll(async () => {
  const scratch = await scratchDir("include-cdm");
  cleanup = scratch.cleanup;
  await writeFileMap(scratch.dir, await generateFiles([FIXTURE]));
  generated = (await import(
    pathToFileURL(join(scratch.dir, "index.ts")).href
  )) as Generated;
  const input = await loadInputs([FIXTURE]);
  emulator = await startEmulator({
    views: input.views,
    project: "cdm",
    spaces: ["plant"],
  });
  client = generated.createClient({
    baseUrl: emulator.url,
    project: "cdm",
    credentials: { token: "any" },
  });
  // root ← c1 ← g1 ← gg1, root ← c2; time series s1 on c1, s2 on c1 and c2.
  const parents: [string, string | null][] = [
    ["root", null],
    ["c1", "root"],
    ["c2", "root"],
    ["g1", "c1"],
    ["gg1", "g1"],
  ];
  await accessor("cogniteAsset").apply(
    parents.map(([name, parent]) =>
      construct("CogniteAssetApply", "plant", name, {
        name,
        parent: parent ? id(parent) : null,
      }),
    ),
  );
  await accessor("cogniteTimeSeries").apply([
    construct("CogniteTimeSeriesApply", "plant", "s1", {
      name: "s1",
      typeProperty: "numeric",
      assets: [id("c1")],
    }),
    construct("CogniteTimeSeriesApply", "plant", "s2", {
      name: "s2",
      typeProperty: "numeric",
      assets: [id("c1"), id("c2")],
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await emulator?.close();
  await cleanup?.();
});

const names = (list: unknown): string[] =>
  (list as Node[]).map((n) => n.externalId).sort();

describe("include over CogniteCore", () => {
  it("reads an asset's children three levels deep", async () => {
    const [root] = await accessor("cogniteAsset").retrieve([id("root")], {
      include: {
        children: { include: { children: { include: { children: true } } } },
      },
    });
    expect(root?.constructor).toBe(generated.CogniteAsset);
    const children = root?.children as Node[];
    expect(names(children)).toEqual(["c1", "c2"]);
    const c1 = children.find((c) => c.externalId === "c1")!;
    const c2 = children.find((c) => c.externalId === "c2")!;
    expect(names(c2.children)).toEqual([]);
    const [g1] = c1.children as Node[];
    expect(g1?.externalId).toBe("g1");
    expect(names(g1?.children)).toEqual(["gg1"]);
  });

  it("follows parent up to the root, and gives null where there is none", async () => {
    const found: Record<string, string | null> = {};
    for await (const asset of accessor("cogniteAsset").list({
      include: { parent: { include: { parent: true } } },
    })) {
      const parent = asset.parent as Node | null;
      const grand = (parent?.parent ?? null) as Node | null;
      found[asset.externalId] =
        parent === null
          ? null
          : `${parent.externalId}/${grand?.externalId ?? "-"}`;
    }
    expect(found).toEqual({
      root: null,
      c1: "root/-",
      c2: "root/-",
      g1: "c1/root",
      gg1: "g1/c1",
    });
  });

  it("reads an asset's time series through the reverse relation over CogniteTimeSeries.assets", async () => {
    const assets = await accessor("cogniteAsset").retrieve(
      [id("c1"), id("c2"), id("g1")],
      { include: { timeSeries: { select: ["name", "assets"] } } },
    );
    const bySeries = Object.fromEntries(
      assets.map((a) => [a.externalId, names(a.timeSeries)]),
    );
    expect(bySeries).toEqual({ c1: ["s1", "s2"], c2: ["s2"], g1: [] });
    const s2 = (
      assets.find((a) => a.externalId === "c2")!.timeSeries as Node[]
    )[0];
    expect(s2?.constructor).toBe(generated.CogniteTimeSeries);
    expect(s2?.name).toBe("s2");
  });
});

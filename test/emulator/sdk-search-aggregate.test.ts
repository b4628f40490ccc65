// instances/search and instances/aggregate driven by a client nobody here wrote: @cognite/sdk 10.x.
import * as cogniteSdk from "@cognite/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { datasetItems, MOVIES } from "./dataset.js";
import { client, movieView, moviesViews, TEST_SPACES } from "./support.js";

// The SDK's declarations use extension-less relative imports, which `nodenext` cannot follow, so
// the few members used here are typed by hand (shapes as the SDK documents them).
interface SdkInstance {
  externalId: string;
  properties?: unknown;
}
interface SdkAggregateItem {
  group?: Record<string, unknown>;
  aggregates: Record<string, unknown>[];
}
interface SdkClient {
  instances: {
    search(request: Record<string, unknown>): Promise<{ items: SdkInstance[] }>;
    aggregate(
      request: Record<string, unknown>,
    ): Promise<{ items: SdkAggregateItem[] }>;
  };
}
const { CogniteClient } = cogniteSdk as unknown as {
  CogniteClient: new (options: {
    appId: string;
    project: string;
    baseUrl: string;
    oidcTokenProvider: () => Promise<string>;
  }) => SdkClient;
};

let emulator: RunningEmulator;
let sdk: SdkClient;

beforeAll(async () => {
  emulator = await startEmulator({
    views: moviesViews(),
    spaces: TEST_SPACES,
    token: "secret",
  });
  await client(emulator, "secret").ok("/models/instances", {
    items: datasetItems(),
  });
  sdk = new CogniteClient({
    appId: "dmgen-tests",
    project: emulator.project,
    baseUrl: emulator.url,
    oidcTokenProvider: () => Promise.resolve("secret"),
  });
});
afterAll(async () => {
  await emulator.close();
});

describe("@cognite/sdk against the emulator", () => {
  it("instances.search finds by token prefix, case-insensitively, with a filter", async () => {
    const all = await sdk.instances.search({ view: movieView, query: "TERM" });
    expect(all.items.map((i) => i.externalId).sort()).toEqual(
      MOVIES.filter(([, title]) => /\bterm/i.test(title))
        .map(([id]) => id)
        .sort(),
    );
    const old = await sdk.instances.search({
      view: movieView,
      query: "term",
      filter: { range: { property: ["releaseYear"], lt: 1990 } },
      limit: 10,
    });
    expect(old.items.map((i) => i.externalId)).toEqual(["Terminator"]);
    expect(old.items[0]!.properties).toEqual({
      mySpace: { "MovieView/v1": { title: "Terminator", releaseYear: 1984 } },
    });
  });

  it("instances.aggregate counts, averages and groups", async () => {
    const years = MOVIES.map(([, , year]) => year);
    const response = await sdk.instances.aggregate({
      view: movieView,
      aggregates: [
        { count: { property: "externalId" } },
        { avg: { property: "releaseYear" } },
        { histogram: { property: "releaseYear", interval: 10 } },
      ],
    });
    const [count, avg, histogram] = response.items[0]!.aggregates;
    expect(count).toEqual({
      aggregate: "count",
      property: "externalId",
      value: MOVIES.length,
    });
    expect(avg).toEqual({
      aggregate: "avg",
      property: "releaseYear",
      value: years.reduce((a, b) => a + b, 0) / years.length,
    });
    expect(histogram).toEqual({
      aggregate: "histogram",
      property: "releaseYear",
      interval: 10,
      buckets: [
        { start: 1980, count: 1 },
        { start: 1990, count: 2 },
        { start: 2000, count: 1 },
      ],
    });
    const grouped = await sdk.instances.aggregate({
      view: movieView,
      query: "terminator",
      groupBy: ["title"],
      filter: { prefix: { property: ["title"], value: "Term" } },
    });
    expect(
      grouped.items
        .map((i) => [String(i.group?.title), i.aggregates[0]] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    ).toEqual([
      ["Terminator", { aggregate: "count", value: 1 }],
      ["Terminator 2", { aggregate: "count", value: 1 }],
    ]);
  });

  it("a bad request is the SDK's typed error with the emulator's message", async () => {
    await expect(
      sdk.instances.aggregate({
        view: movieView,
        aggregates: [{ sum: { property: "title" } }],
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

// Typed search and aggregate of the generated showcase client against the emulator's
// `instances/search` and `instances/aggregate` (built on another branch). Not picked up by vitest
// until renamed to `typed-reads-search.e2e.test.ts` after that branch is merged.
// Expected results are computed here from the data, with the emulator's documented matching:
// case-insensitive token and prefix match over the given (or all) text properties.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  DocumentView,
  DocumentViewApply,
  createClient,
  type Client,
} from "../generated-examples/showcase/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

interface Row {
  id: string;
  title: string;
  isPublished: boolean;
  pageCount?: number;
  rating?: number;
}

const ROWS: Row[] = [
  {
    id: "s1",
    title: "Alpha pump manual",
    isPublished: true,
    pageCount: 12,
    rating: 4,
  },
  { id: "s2", title: "alpha valve notes", isPublished: false, pageCount: 3 },
  {
    id: "s3",
    title: "Beta pump report",
    isPublished: true,
    pageCount: 25,
    rating: 2,
  },
  { id: "s4", title: "Gamma", isPublished: false },
  {
    id: "s5",
    title: "Pumping station",
    isPublished: true,
    pageCount: 40,
    rating: 3,
  },
];

const SPACE = "search";
let emulator: RunningEmulator;
let client: Client;

beforeAll(async () => {
  const input = await loadInputs([
    join(EXAMPLES_DIR, "showcase", "views.json"),
  ]);
  emulator = await startEmulator({
    views: input.views,
    project: "search",
    spaces: [SPACE],
  });
  client = createClient({
    baseUrl: emulator.url,
    project: "search",
    credentials: { token: "any" },
  });
  await client.documentView.apply(
    ROWS.map(
      ({ id, ...properties }) => new DocumentViewApply(SPACE, id, properties),
    ),
  );
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

/** Case-insensitive: some token of the text equals or starts with some token of the query. */
function matches(text: string, query: string): boolean {
  const tokens = text.toLowerCase().split(/\W+/).filter(Boolean);
  return query
    .toLowerCase()
    .split(/\W+/)
    .filter(Boolean)
    .some((q) => tokens.some((t) => t.startsWith(q)));
}

const sorted = (ids: string[]): string[] => [...ids].sort();

describe("typed search against the emulator", () => {
  it("matches tokens and prefixes case-insensitively, AND-ed with where", async () => {
    const found = await client.documentView.search({
      query: "pump",
      properties: ["title"],
      where: { isPublished: true },
    });
    expect(found.every((d) => d instanceof DocumentView)).toBe(true);
    expect(sorted(found.map((d) => d.externalId))).toEqual(
      sorted(
        ROWS.filter((r) => r.isPublished && matches(r.title, "pump")).map(
          (r) => r.id,
        ),
      ),
    );
  });

  it("searches every text property when none is named, and honours limit", async () => {
    const found = await client.documentView.search({ query: "ALPHA" });
    expect(sorted(found.map((d) => d.externalId))).toEqual(
      sorted(ROWS.filter((r) => matches(r.title, "alpha")).map((r) => r.id)),
    );
    const limited = await client.documentView.search({
      query: "pump",
      limit: 1,
    });
    expect(limited).toHaveLength(1);
  });

  it("select narrows search results", async () => {
    const [doc] = await client.documentView.search({
      query: "gamma",
      select: ["title"],
    });
    expect(doc?.title).toBe("Gamma");
    expect("pageCount" in doc!).toBe(false);
  });
});

describe("typed aggregate against the emulator", () => {
  it("count, avg, min, max and sum over a filtered set", async () => {
    const [result] = await client.documentView.aggregate(
      {
        count: true,
        avg: "pageCount",
        min: "pageCount",
        max: "pageCount",
        sum: "rating",
      },
      { where: { isPublished: true } },
    );
    const rows = ROWS.filter((r) => r.isPublished);
    const pages = rows.flatMap((r) =>
      r.pageCount === undefined ? [] : [r.pageCount],
    );
    expect(result).toEqual({
      group: {},
      count: rows.length,
      avg: pages.reduce((a, b) => a + b, 0) / pages.length,
      min: Math.min(...pages),
      max: Math.max(...pages),
      sum: rows.reduce((a, r) => a + (r.rating ?? 0), 0),
    });
  });

  it("groupBy gives one result per group, keyed by TypeScript names", async () => {
    const groups = await client.documentView.aggregate(
      { count: true },
      { groupBy: ["isPublished"] },
    );
    const byGroup = Object.fromEntries(
      groups.map((g) => [String(g.group.isPublished), g.count]),
    );
    expect(byGroup).toEqual({
      true: ROWS.filter((r) => r.isPublished).length,
      false: ROWS.filter((r) => !r.isPublished).length,
    });
  });

  it("a histogram of a number property", async () => {
    const [result] = await client.documentView.aggregate({
      histogram: { property: "pageCount", interval: 10 },
    });
    const counts = new Map<number, number>();
    for (const r of ROWS) {
      if (r.pageCount === undefined) continue;
      const start = Math.floor(r.pageCount / 10) * 10;
      counts.set(start, (counts.get(start) ?? 0) + 1);
    }
    const nonEmpty = result!.histogram.buckets.filter((b) => b.count > 0);
    expect(nonEmpty.map((b) => [b.start, b.count])).toEqual(
      [...counts.entries()].sort((a, b) => a[0] - b[0]),
    );
  });

  it("query and properties restrict what is aggregated", async () => {
    const [result] = await client.documentView.aggregate(
      { count: true },
      { query: "pump", properties: ["title"] },
    );
    expect(result?.count).toBe(
      ROWS.filter((r) => matches(r.title, "pump")).length,
    );
  });
});

// instances/search and instances/aggregate: every request and response is validated against the
// DMS contract by the suite client; expected results are computed here from the PRODUCTS table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PropertyType, ViewDefinition } from "../../src/input/types.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { client, type Client } from "./support.js";

const productView = {
  type: "view" as const,
  space: "shop",
  externalId: "Product",
  version: "v1",
};
const container = {
  type: "container" as const,
  space: "shop",
  externalId: "Product",
};

function mapped(id: string, type: Record<string, unknown>) {
  return {
    kind: "mapped" as const,
    container,
    containerPropertyIdentifier: id,
    type: { list: false, ...type } as PropertyType,
    nullable: true,
    immutable: false,
    autoIncrement: false,
  };
}

function productViews(): ViewDefinition[] {
  return [
    {
      ...productView,
      implements: [],
      writable: true,
      queryable: true,
      usedFor: "node",
      isGlobal: false,
      mappedContainers: [container],
      properties: {
        name: mapped("name", { type: "text" }),
        description: mapped("description", { type: "text" }),
        tags: mapped("tags", { type: "text", list: true }),
        category: mapped("category", {
          type: "enum",
          values: { tool: {}, toy: {}, food: {} },
        }),
        price: mapped("price", { type: "float64" }),
        stock: mapped("stock", { type: "int32" }),
        active: mapped("active", { type: "boolean" }),
        maker: mapped("maker", { type: "direct" }),
        sizes: mapped("sizes", { type: "int32", list: true }),
        extra: mapped("extra", { type: "json" }),
      },
    },
  ];
}

interface Product {
  id: string;
  name: string;
  description?: string;
  tags: string[];
  category: "tool" | "toy" | "food";
  price: number;
  stock?: number;
  active: boolean;
  maker: string;
}

const PRODUCTS: Product[] = [
  {
    id: "p01",
    name: "Claw Hammer",
    description: "Steel head, wooden handle",
    tags: ["steel", "hand-tool"],
    category: "tool",
    price: 19.5,
    stock: 10,
    active: true,
    maker: "acme",
  },
  {
    id: "p02",
    name: "Rubber Duck",
    description: "Yellow bath toy",
    tags: ["bath"],
    category: "toy",
    price: 3,
    stock: 120,
    active: true,
    maker: "quack",
  },
  {
    id: "p03",
    name: "Hammerhead Shark Plush",
    tags: ["plush", "ocean"],
    category: "toy",
    price: 24.99,
    active: false,
    maker: "quack",
  },
  {
    id: "p04",
    name: "Dark Chocolate",
    description: "70% cocoa, from Ghana",
    tags: ["sweet"],
    category: "food",
    price: 4.25,
    stock: 55,
    active: true,
    maker: "cocoa-co",
  },
  {
    id: "p05",
    name: "Screwdriver Set",
    description: "Six steel screwdrivers",
    tags: ["steel", "set"],
    category: "tool",
    price: 32,
    stock: 0,
    active: true,
    maker: "acme",
  },
  {
    id: "p06",
    name: "Sledge hammer",
    description: "Heavy; for demolition",
    tags: [],
    category: "tool",
    price: 45.1,
    stock: 3,
    active: false,
    maker: "acme",
  },
  {
    id: "p07",
    name: "Milk Chocolate",
    tags: ["sweet", "milk"],
    category: "food",
    price: 3.75,
    stock: 80,
    active: true,
    maker: "cocoa-co",
  },
  {
    id: "p08",
    name: "Kite",
    description: "Diamond kite with tail",
    tags: ["outdoor"],
    category: "toy",
    price: 15,
    active: true,
    maker: "skyworks",
  },
  {
    id: "p09",
    name: "Ÿoga Mat",
    description: "Non-slip, 6mm",
    tags: ["fitness"],
    category: "toy",
    price: 22,
    stock: 7,
    active: true,
    maker: "skyworks",
  },
  {
    id: "p10",
    name: "Tape Measure",
    description: "Steel tape, 5 m",
    tags: ["steel"],
    category: "tool",
    price: 8.4,
    stock: 31,
    active: true,
    maker: "acme",
  },
];

let emulator: RunningEmulator;
let api: Client;

beforeAll(async () => {
  emulator = await startEmulator({
    views: productViews(),
    spaces: ["makers"],
  });
  api = client(emulator);
  await api.ok("/models/instances", {
    items: PRODUCTS.map((p) => {
      const properties: Record<string, unknown> = {
        name: p.name,
        category: p.category,
        price: p.price,
        active: p.active,
        maker: { space: "makers", externalId: p.maker },
      };
      if (p.description !== undefined) properties.description = p.description;
      if (p.tags.length > 0) properties.tags = p.tags;
      if (p.stock !== undefined) properties.stock = p.stock;
      return {
        instanceType: "node",
        space: "shop",
        externalId: p.id,
        sources: [{ source: productView, properties }],
      };
    }),
    autoCreateDirectRelations: true,
  });
  // A node without data in the view: never searched or aggregated.
  await api.ok("/models/instances", {
    items: [{ instanceType: "node", space: "shop", externalId: "bare" }],
  });
});
afterAll(async () => {
  await emulator.close();
});

const prop = (id: string) => ["shop", "Product/v1", id];
const ids = (body: { items: { externalId: string }[] }) =>
  body.items.map((i) => i.externalId);

/** The documented rule, written out plainly: lower-cased words, each query word a prefix of some word. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}
function expectedSearch(
  query: string,
  fields: (p: Product) => (string | undefined)[],
  operator: "AND" | "OR" = "OR",
): string[] {
  const wanted = words(query);
  return PRODUCTS.filter((p) => {
    const have = fields(p).flatMap((f) => (f === undefined ? [] : words(f)));
    const hit = (w: string) => have.some((h) => h.startsWith(w));
    return operator === "AND" ? wanted.every(hit) : wanted.some(hit);
  })
    .map((p) => p.id)
    .sort();
}
const allText = (p: Product) => [p.name, p.description, ...p.tags];

async function search(body: Record<string, unknown>): Promise<string[]> {
  return ids(
    await api.ok("/models/instances/search", { view: productView, ...body }),
  );
}

describe("instances/search", () => {
  it.each([
    ["hammer"],
    ["HAMMER"],
    ["steel"],
    ["choc"],
    ["ham steel"],
    ["yoga"],
    ["ÿoga"],
    ["6mm"],
    ["70"],
    ["nothing-like-this"],
  ])("query %j over all text properties", async (query) => {
    const found = await search({ query });
    expect([...found].sort()).toEqual(expectedSearch(query, allText));
  });

  it("matches a hand-checked case: prefix, case and punctuation", async () => {
    expect((await search({ query: "hammer" })).sort()).toEqual([
      "p01",
      "p03",
      "p06",
    ]);
    expect((await search({ query: "hand-tool" })).sort()).toEqual(["p01"]);
  });

  it("AND needs every token, OR any", async () => {
    const and = await search({ query: "steel set", operator: "AND" });
    expect(and.sort()).toEqual(expectedSearch("steel set", allText, "AND"));
    expect(and).toEqual(["p05"]);
    const or = await search({ query: "steel set" });
    expect(or.sort()).toEqual(expectedSearch("steel set", allText));
  });

  it("searches only the given properties", async () => {
    const found = await search({ query: "steel", properties: ["name"] });
    expect(found).toEqual([]);
    const inTags = await search({ query: "steel", properties: ["tags"] });
    expect(inTags.sort()).toEqual(expectedSearch("steel", (p) => p.tags));
  });

  it("ANDs the filter and ranks exact matches before prefix matches", async () => {
    const found = await search({
      query: "hammer",
      filter: { equals: { property: prop("active"), value: true } },
    });
    expect(found).toEqual(["p01"]);
    const ranked = await search({ query: "hammer sledge" });
    // p06 matches both tokens exactly; p01 one exactly; p03 only as a prefix.
    expect(ranked).toEqual(["p06", "p01", "p03"]);
  });

  it("without a query returns every instance with data in the view, sorted when asked", async () => {
    const found = await search({
      sort: [{ property: prop("price"), direction: "descending" }],
    });
    expect(found).toEqual(
      [...PRODUCTS].sort((a, b) => b.price - a.price).map((p) => p.id),
    );
  });

  it("limits: default 1000, maximum 1000, at least 1", async () => {
    expect(
      await search({ limit: 2, sort: [{ property: prop("price") }] }),
    ).toEqual(["p02", "p07"]);
    for (const limit of [0, 1001]) {
      const response = await api.post(
        "/models/instances/search",
        { view: productView, limit },
        { skipRequestValidation: true },
      );
      expect(response.status).toBe(400);
    }
  });

  it("returns the view's properties and typing", async () => {
    const body = await api.ok("/models/instances/search", {
      view: productView,
      query: "kite",
      includeTyping: true,
    });
    expect(body.items[0].properties.shop["Product/v1"]).toMatchObject({
      name: "Kite",
      price: 15,
      category: "toy",
    });
    expect(Object.keys(body.typing.shop["Product/v1"])).toContain("price");
  });

  it.each([
    [{ view: { ...productView, version: "v9" } }, "does not exist"],
    [{ view: productView, properties: ["price"] }, "only text properties"],
    [{ view: productView, properties: ["nope"] }, "no property"],
    [{ view: productView, operator: "XOR" }, "operator"],
    [{ view: productView, query: 5 }, "query must be a string"],
  ])("rejects %j with 400", async (body, message) => {
    const response = await api.post("/models/instances/search", body, {
      skipRequestValidation: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });
});

async function aggregate(body: Record<string, unknown>): Promise<any[]> {
  const response = await api.ok("/models/instances/aggregate", {
    view: productView,
    ...body,
  });
  return response.items;
}

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("instances/aggregate", () => {
  it("count, avg, min, max, sum over all instances of the view", async () => {
    const prices = PRODUCTS.map((p) => p.price);
    const stocks = PRODUCTS.flatMap((p) =>
      p.stock === undefined ? [] : [p.stock],
    );
    const items = await aggregate({
      aggregates: [
        { count: {} },
        { count: { property: "stock" } },
        { avg: { property: "price" } },
        { min: { property: "stock" } },
        { max: { property: "price" } },
      ],
    });
    expect(items).toHaveLength(1);
    expect(items[0].instanceType).toBe("node");
    expect(items[0].group).toBeUndefined();
    const [count, countStock, avg, min, max] = items[0].aggregates;
    expect(count).toEqual({ aggregate: "count", value: PRODUCTS.length });
    expect(countStock).toEqual({
      aggregate: "count",
      property: "stock",
      value: stocks.length,
    });
    expect(avg.value).toBeCloseTo(sumOf(prices) / prices.length, 10);
    expect(min.value).toBe(Math.min(...stocks));
    expect(max.value).toBe(Math.max(...prices));
    const typed = await api.ok("/models/instances/aggregate", {
      view: productView,
      includeTyping: true,
    });
    expect(Object.keys(typed.typing.shop["Product/v1"])).toContain("price");
    const [sum] = (
      await aggregate({ aggregates: [{ sum: { property: "stock" } }] })
    )[0].aggregates;
    expect(sum).toEqual({
      aggregate: "sum",
      property: "stock",
      value: sumOf(stocks),
    });
  });

  it("groupBy one and two properties, largest group first", async () => {
    const byCategory = await aggregate({
      groupBy: ["category"],
      aggregates: [{ count: {} }, { sum: { property: "price" } }],
    });
    const expected = new Map<string, Product[]>();
    for (const p of PRODUCTS)
      expected.set(p.category, [...(expected.get(p.category) ?? []), p]);
    expect(byCategory.map((i) => i.group.category)).toEqual(
      [...expected.entries()]
        .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
        .map(([c]) => c),
    );
    for (const item of byCategory) {
      const members = expected.get(item.group.category)!;
      expect(item.aggregates[0].value).toBe(members.length);
      expect(item.aggregates[1].value).toBeCloseTo(
        sumOf(members.map((p) => p.price)),
        10,
      );
    }
    const pairs = await aggregate({ groupBy: ["category", "active"] });
    const counted = new Map<string, number>();
    for (const p of PRODUCTS) {
      const key = `${p.category}/${p.active}`;
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
    expect(
      Object.fromEntries(
        pairs.map((i) => [
          `${i.group.category}/${i.group.active}`,
          i.aggregates[0].value,
        ]),
      ),
    ).toEqual(Object.fromEntries(counted));
  });

  it("groups by a direct relation and leaves out instances without the value", async () => {
    const byMaker = await aggregate({ groupBy: ["maker"], limit: 2 });
    expect(byMaker).toHaveLength(2);
    expect(byMaker[0].group.maker).toEqual({
      space: "makers",
      externalId: "acme",
    });
    expect(byMaker[0].aggregates[0].value).toBe(
      PRODUCTS.filter((p) => p.maker === "acme").length,
    );
    const byStock = await aggregate({ groupBy: ["stock"] });
    expect(sumOf(byStock.map((i) => i.aggregates[0].value))).toBe(
      PRODUCTS.filter((p) => p.stock !== undefined).length,
    );
  });

  it("histogram buckets from the lowest to the highest value", async () => {
    const interval = 5;
    const [histogram] = (
      await aggregate({
        aggregates: [{ histogram: { property: "price", interval } }],
      })
    )[0].aggregates;
    const starts = PRODUCTS.map(
      (p) => Math.floor(p.price / interval) * interval,
    );
    const expected: { start: number; count: number }[] = [];
    for (let s = Math.min(...starts); s <= Math.max(...starts); s += interval)
      expected.push({ start: s, count: starts.filter((x) => x === s).length });
    expect(histogram).toEqual({
      aggregate: "histogram",
      property: "price",
      interval,
      buckets: expected,
    });
    expect(expected.some((b) => b.count === 0)).toBe(true);
  });

  it("applies query, properties and filter before aggregating", async () => {
    const [count] = (
      await aggregate({
        query: "steel",
        properties: ["tags"],
        filter: { range: { property: prop("price"), lt: 20 } },
      })
    )[0].aggregates;
    expect(count.value).toBe(
      PRODUCTS.filter((p) => p.tags.includes("steel") && p.price < 20).length,
    );
    const [none] = (
      await aggregate({
        query: "zzz",
        aggregates: [
          { avg: { property: "price" } },
          { sum: { property: "price" } },
        ],
      })
    )[0].aggregates;
    expect(none).toEqual({ aggregate: "avg", property: "price" });
  });

  it.each([
    [{ aggregates: [{ avg: { property: "name" } }] }, "text property"],
    [{ aggregates: [{ sum: { property: "sizes" } }] }, "list property"],
    [
      { aggregates: [{ histogram: { property: "price", interval: 0 } }] },
      "interval",
    ],
    [
      { aggregates: [{ histogram: { property: "price", interval: 1e-6 } }] },
      "buckets",
    ],
    [{ aggregates: [{ median: { property: "price" } }] }, "unknown aggregate"],
    [{ groupBy: ["extra"] }, "json property"],
    [{ groupBy: ["nope"] }, "no property"],
    [{ limit: 1001 }, "limit"],
  ])("rejects %j with 400", async (body, message) => {
    const response = await api.post(
      "/models/instances/aggregate",
      { view: productView, ...body },
      { skipRequestValidation: true },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });
});

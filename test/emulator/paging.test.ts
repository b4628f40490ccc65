// Keyset cursors of `instances/list` and `instances/query`: a cursor resumes after the last
// instance it returned, so an instance that did not change is delivered exactly once however the
// other instances change between pages (deleted, created, updated to another sort position).

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import type { ViewDefinition, ViewReference } from "../../src/input/types.js";
import { client, moviesViews, personView, type Client } from "./support.js";

let emulator: RunningEmulator;
let api: Client;
let spaces = 0;

const childView: ViewReference = {
  type: "view",
  space: "mySpace",
  externalId: "ChildView",
  version: "v1",
};
const childContainer = {
  type: "container" as const,
  space: "mySpace",
  externalId: "Child",
};

/** A view with a direct relation `parent`, for reverse-relation paging. */
const childViewDefinition: ViewDefinition = {
  ...childView,
  implements: [],
  writable: true,
  queryable: true,
  usedFor: "node",
  isGlobal: false,
  mappedContainers: [childContainer],
  properties: {
    parent: {
      kind: "mapped",
      container: childContainer,
      containerPropertyIdentifier: "parent",
      type: { type: "direct", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
  },
};

beforeAll(async () => {
  emulator = await startEmulator({
    views: [...moviesViews(), childViewDefinition],
  });
  api = client(emulator);
});
afterAll(async () => {
  await emulator.close();
});

const birthYear = ["mySpace", "PersonView/v1", "birthYear"];

/** A new empty space, so each case starts from nothing. */
async function freshSpace(): Promise<string> {
  const space = `paging${spaces++}`;
  await api.ok("/models/spaces", { items: [{ space }] });
  return space;
}

const person = (space: string, externalId: string, year: number | null) => ({
  instanceType: "node",
  space,
  externalId,
  sources: [{ source: personView, properties: { birthYear: year } }],
});

const inSpace = (space: string) => ({
  and: [
    { hasData: [personView] },
    { equals: { property: ["node", "space"], value: space } },
  ],
});

const ids = (items: { externalId: string }[]) => items.map((i) => i.externalId);

describe("a cursor resumes after the last instance it returned", () => {
  it("list: deleting what the first page returned does not end the paging", async () => {
    const space = await freshSpace();
    await api.ok("/models/instances", {
      items: ["n0", "n1", "n2", "n3"].map((id) => person(space, id, 1)),
    });
    const request = { filter: inSpace(space), limit: 2 };
    const first = await api.ok("/models/instances/list", request);
    expect(ids(first.items)).toEqual(["n0", "n1"]);
    await api.ok("/models/instances/delete", {
      items: ["n0", "n1"].map((externalId) => ({
        instanceType: "node",
        space,
        externalId,
      })),
    });
    const second = await api.ok("/models/instances/list", {
      ...request,
      cursor: first.nextCursor,
    });
    expect(ids(second.items)).toEqual(["n2", "n3"]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("query: the same, and an instance created after the cursor's place is delivered", async () => {
    const space = await freshSpace();
    await api.ok("/models/instances", {
      items: ["n0", "n1", "n2", "n3"].map((id) => person(space, id, 1)),
    });
    const request = {
      with: { people: { nodes: { filter: inSpace(space) }, limit: 2 } },
      select: { people: {} },
    };
    const first = await api.ok("/models/instances/query", request);
    expect(ids(first.items.people)).toEqual(["n0", "n1"]);
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space, externalId: "n0" }],
    });
    await api.ok("/models/instances", { items: [person(space, "n5", 1)] });
    const second = await api.ok("/models/instances/query", {
      ...request,
      cursors: first.nextCursor,
    });
    expect(ids(second.items.people)).toEqual(["n2", "n3"]);
    const third = await api.ok("/models/instances/query", {
      ...request,
      cursors: second.nextCursor,
    });
    expect(ids(third.items.people)).toEqual(["n5"]);
    expect(third.nextCursor.people).toBeUndefined();
  });

  it("a sorted list resumes by the sort value, then space and externalId", async () => {
    const space = await freshSpace();
    await api.ok("/models/instances", {
      items: [
        person(space, "a", 2),
        person(space, "b", 1),
        person(space, "c", 1),
        person(space, "d", null),
      ],
    });
    const request = {
      filter: inSpace(space),
      sort: [{ property: birthYear, direction: "descending" }],
      limit: 2,
    };
    const first = await api.ok("/models/instances/list", request);
    expect(ids(first.items)).toEqual(["a", "b"]);
    // b moves to after the cursor's place, so it comes again (it changed); e is created before
    // that place, so it does not come; c and d, untouched, come once.
    await api.ok("/models/instances", {
      items: [person(space, "b", 0), person(space, "e", 3)],
    });
    const second = await api.ok("/models/instances/list", {
      ...request,
      cursor: first.nextCursor,
    });
    expect(ids(second.items)).toEqual(["c", "b"]);
    const third = await api.ok("/models/instances/list", {
      ...request,
      cursor: second.nextCursor,
    });
    expect(ids(third.items)).toEqual(["d"]);
  });
});

// ---- property: untouched nodes exactly once while others change

type Action =
  | { op: "delete"; other: number }
  | { op: "upsert"; other: number; year: number | null };

const year = fc.option(fc.integer({ min: 1, max: 4 }), { nil: null });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    op: fc.constant("delete" as const),
    other: fc.nat({ max: 15 }),
  }),
  fc.record({
    op: fc.constant("upsert" as const),
    other: fc.nat({ max: 15 }),
    year,
  }),
);

/** Untouched nodes get even numbers, the others odd ones, so both kinds interleave by id. */
const untouchedId = (k: number) => `n${String(2 * k).padStart(2, "0")}`;
const otherId = (k: number) => `n${String(2 * k + 1).padStart(2, "0")}`;

async function applyActions(space: string, actions: Action[]): Promise<void> {
  for (const a of actions) {
    if (a.op === "delete")
      await api.ok("/models/instances/delete", {
        items: [{ instanceType: "node", space, externalId: otherId(a.other) }],
      });
    else
      await api.ok("/models/instances", {
        items: [person(space, otherId(a.other), a.year)],
      });
  }
}

/** Follows the cursor to the end; `between[i]` runs after page i. Returns every id delivered. */
async function pageAll(
  endpoint: "list" | "query",
  filter: unknown,
  sort: unknown[] | undefined,
  limit: number,
  between: (page: number) => Promise<void>,
): Promise<string[]> {
  const delivered: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    if (endpoint === "list") {
      const body = await api.ok("/models/instances/list", {
        filter,
        limit,
        ...(sort ? { sort } : {}),
        ...(cursor ? { cursor } : {}),
      });
      delivered.push(...ids(body.items));
      cursor = body.nextCursor;
    } else {
      const body = await api.ok("/models/instances/query", {
        with: {
          people: { nodes: { filter }, limit, ...(sort ? { sort } : {}) },
        },
        select: { people: {} },
        ...(cursor ? { cursors: { people: cursor } } : {}),
      });
      delivered.push(...ids(body.items.people));
      cursor = body.nextCursor.people;
    }
    if (!cursor) return delivered;
    await between(page);
  }
  throw new Error("paging did not end");
}

const countOf = (list: string[], id: string) =>
  list.filter((x) => x === id).length;

describe("paging while other nodes change", () => {
  it("list and query deliver each untouched node exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("list" as const, "query" as const),
        fc.option(
          fc.record({
            direction: fc.constantFrom("ascending", "descending"),
            nullsFirst: fc.boolean(),
          }),
          { nil: undefined },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.array(year, { minLength: 10, maxLength: 10 }),
        fc.array(year, { minLength: 6, maxLength: 6 }),
        fc.array(fc.array(action, { maxLength: 3 }), { maxLength: 12 }),
        async (endpoint, sortSpec, limit, untouched, others, steps) => {
          const space = await freshSpace();
          await api.ok("/models/instances", {
            items: [
              ...untouched.map((y, k) => person(space, untouchedId(k), y)),
              ...others.map((y, k) => person(space, otherId(k), y)),
            ],
          });
          const sort = sortSpec && [{ property: birthYear, ...sortSpec }];
          const delivered = await pageAll(
            endpoint,
            inSpace(space),
            sort,
            limit,
            (page) => applyActions(space, steps[page] ?? []),
          );
          for (let k = 0; k < untouched.length; k++)
            expect(countOf(delivered, untouchedId(k)), untouchedId(k)).toBe(1);
        },
      ),
      { seed: 25, numRuns: 30 },
    );
  });

  it("a chained set (through edges or a direct relation) delivers each untouched child exactly once", async () => {
    type Change = { op: "drop" | "add" | "unlink"; other: number };
    const change: fc.Arbitrary<Change> = fc.record({
      op: fc.constantFrom("drop" as const, "add" as const, "unlink" as const),
      other: fc.nat({ max: 9 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("edges" as const, "relation" as const),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(change, { maxLength: 3 }), { maxLength: 10 }),
        async (via, limit, steps) => {
          const space = await freshSpace();
          const family = familyOf(space, via);
          const untouched = Array.from({ length: 8 }, (_, k) => untouchedId(k));
          await api.ok("/models/instances", {
            items: [
              family.parentNode,
              // Interleaved, so a change to another child moves untouched ones in any order.
              ...untouched.flatMap((child, k) => [
                ...family.child(child),
                ...(k < 5 ? family.child(otherId(k)) : []),
              ]),
            ],
          });
          const follow = via === "edges" ? "edges" : "children";
          const delivered: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; ; page++) {
            const body = await api.ok("/models/instances/query", {
              ...family.query(limit),
              ...(cursor ? { cursors: { [follow]: cursor } } : {}),
            });
            delivered.push(...ids(body.items.children));
            cursor = body.nextCursor[follow];
            if (!cursor) break;
            for (const c of steps[page] ?? []) {
              const child = otherId(c.other);
              if (c.op === "add")
                await api.ok("/models/instances", {
                  items: family.child(child),
                });
              else if (c.op === "unlink") await family.unlink(child);
              else
                await api.ok("/models/instances/delete", {
                  items: [{ instanceType: "node", space, externalId: child }],
                });
            }
          }
          for (const child of untouched)
            expect(countOf(delivered, child), child).toBe(1);
        },
      ),
      { seed: 25, numRuns: 30 },
    );
  });
});

/** A parent and its children, linked by an edge each or by the children's `parent` relation. */
function familyOf(space: string, via: "edges" | "relation") {
  const parent = { space, externalId: "parent" };
  const edge = (child: string) => ({
    instanceType: "edge",
    space,
    externalId: `e-${child}`,
    type: { space, externalId: "child" },
    startNode: parent,
    endNode: { space, externalId: child },
  });
  const childNode = (child: string, linked: boolean) => ({
    instanceType: "node",
    space,
    externalId: child,
    sources: [
      { source: childView, properties: { parent: linked ? parent : null } },
    ],
  });
  const root = { nodes: { filter: { instanceReferences: [parent] } } };
  return {
    parentNode: childNode("parent", false),
    child: (child: string) =>
      via === "edges"
        ? [childNode(child, false), edge(child)]
        : [childNode(child, true)],
    unlink: (child: string) =>
      via === "edges"
        ? api.ok("/models/instances/delete", {
            items: [{ instanceType: "edge", space, externalId: `e-${child}` }],
          })
        : api.ok("/models/instances", { items: [childNode(child, false)] }),
    query: (limit: number) => ({
      with:
        via === "edges"
          ? {
              root,
              edges: {
                edges: { from: "root", direction: "outwards", maxDistance: 1 },
                limit,
              },
              children: { nodes: { from: "edges", chainTo: "destination" } },
            }
          : {
              root,
              children: {
                nodes: {
                  from: "root",
                  through: { source: childView, identifier: "parent" },
                  direction: "inwards",
                },
                limit,
              },
            },
      select: { children: {} },
    }),
  };
}

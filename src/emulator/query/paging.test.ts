// Paging is linear in what it returns: following every cursor over 4× the children visits about
// 4× the instances (not 16×, as when every page evaluated its whole chain again). Work is counted
// with the store's `evaluations.visited`, never with wall time.

import { describe, expect, it } from "vitest";
import type { ViewDefinition } from "../../input/types.js";
import { applyInstances } from "../instances/apply.js";
import { ManualClock } from "../clock.js";
import { createProjectState } from "../projects.js";
import { runQuery } from "./query.js";
import { listInstances } from "../instances/reads.js";
import type { EmulatorState } from "../state.js";
import { runSync } from "../sync/sync.js";

const ITEM = { type: "container" as const, space: "s", externalId: "Item" };
const SOURCE = {
  type: "view" as const,
  space: "s",
  externalId: "Item",
  version: "v1",
};
const VIEW: ViewDefinition = {
  ...SOURCE,
  implements: [],
  writable: true,
  queryable: true,
  usedFor: "node",
  isGlobal: false,
  mappedContainers: [ITEM],
  properties: {
    parent: {
      kind: "mapped",
      container: ITEM,
      containerPropertyIdentifier: "parent",
      type: { type: "direct", list: false },
      nullable: true,
      immutable: false,
      autoIncrement: false,
    },
  },
};
const PARENT = { space: "s", externalId: "parent" };
const CHILD_EDGE = { space: "s", externalId: "child" };
const LIMIT = 10;

/** A parent, `children` nodes whose `parent` points at it, and an edge from it to each. */
function family(children: number): EmulatorState {
  const state = createProjectState(
    { views: [VIEW], dataModels: [], spaces: ["s"] },
    new ManualClock(),
  );
  const items: unknown[] = [
    {
      instanceType: "node",
      ...PARENT,
      sources: [{ source: SOURCE, properties: { parent: null } }],
    },
  ];
  for (let i = 0; i < children; i++) {
    const child = { space: "s", externalId: `child-${i}` };
    items.push(
      {
        instanceType: "node",
        ...child,
        sources: [{ source: SOURCE, properties: { parent: PARENT } }],
      },
      {
        instanceType: "edge",
        space: "s",
        externalId: `edge-${i}`,
        type: CHILD_EDGE,
        startNode: PARENT,
        endNode: child,
      },
    );
  }
  for (let i = 0; i < items.length; i += 1000)
    applyInstances(state, { items: items.slice(i, i + 1000) });
  return state;
}

const root = {
  nodes: { filter: { instanceReferences: [PARENT] } },
  limit: LIMIT,
};
const throughEdges = {
  root,
  edges: {
    edges: { from: "root", direction: "outwards", maxDistance: 1 },
    limit: LIMIT,
  },
  children: { nodes: { from: "edges", chainTo: "destination" }, limit: LIMIT },
};
const throughRelation = {
  root,
  children: {
    nodes: {
      from: "root",
      through: { source: SOURCE, identifier: "parent" },
      direction: "inwards",
    },
    limit: LIMIT,
  },
};

interface Paged {
  delivered: Set<string>;
  visited: number;
}

/** Follows `follow`'s cursor to the end, collecting the `children` set's ids. */
function includeChildren(
  state: EmulatorState,
  withSets: Record<string, unknown>,
  follow: string,
): Paged {
  const before = state.store.evaluations.visited;
  const delivered = new Set<string>();
  let cursor: unknown;
  do {
    const page = runQuery(state, {
      with: withSets,
      select: { children: {} },
      ...(cursor ? { cursors: { [follow]: cursor } } : {}),
    }) as {
      items: Record<string, { externalId: string }[]>;
      nextCursor: Record<string, string>;
    };
    for (const i of page.items.children!) delivered.add(i.externalId);
    cursor = page.nextCursor[follow];
  } while (cursor);
  return { delivered, visited: state.store.evaluations.visited - before };
}

const childrenByExternalId = {
  children: {
    nodes: {
      filter: { prefix: { property: ["node", "externalId"], value: "child-" } },
    },
    mode: "twoPhase",
    backfillSort: [
      { property: ["node", "externalId"], direction: "descending" },
    ],
    limit: LIMIT,
  },
};

function syncChildren(
  state: EmulatorState,
  withSets: Record<string, unknown>,
): Paged {
  const before = state.store.evaluations.visited;
  const delivered = new Set<string>();
  let cursors: unknown;
  for (;;) {
    const page = JSON.parse(
      runSync(state, {
        with: withSets,
        select: { children: {} },
        ...(cursors ? { cursors } : {}),
      }).text,
    ) as {
      items: Record<string, { externalId: string }[]>;
      nextCursor: Record<string, string>;
    };
    for (const i of page.items.children!) delivered.add(i.externalId);
    cursors = page.nextCursor;
    if (Object.values(page.items).every((list) => list.length < LIMIT))
      return { delivered, visited: state.store.evaluations.visited - before };
  }
}

function listChildren(state: EmulatorState): Paged {
  const before = state.store.evaluations.visited;
  const delivered = new Set<string>();
  let cursor: unknown;
  do {
    const page = listInstances(state, {
      filter: { prefix: { property: ["node", "externalId"], value: "child-" } },
      limit: LIMIT,
      ...(cursor ? { cursor } : {}),
    }) as { items: { externalId: string }[]; nextCursor?: string };
    for (const i of page.items) delivered.add(i.externalId);
    cursor = page.nextCursor;
  } while (cursor);
  return { delivered, visited: state.store.evaluations.visited - before };
}

const childIds = (n: number) =>
  new Set(Array.from({ length: n }, (_, i) => `child-${i}`));

describe("paging is linear in what it returns", () => {
  const small = 150;
  const large = 4 * small;
  const cases: [string, (state: EmulatorState) => Paged][] = [
    [
      "include through edges (query: node set → edge set → node set)",
      (state) => includeChildren(state, throughEdges, "edges"),
    ],
    [
      "include through a direct relation (inwards)",
      (state) => includeChildren(state, throughRelation, "children"),
    ],
    [
      "graph sync (node set → edge set → node set)",
      (state) => syncChildren(state, throughEdges),
    ],
    [
      "sync backfill sorted by backfillSort",
      (state) => syncChildren(state, childrenByExternalId),
    ],
    ["instances/list", listChildren],
  ];
  for (const [what, page] of cases) {
    it(what, () => {
      const few = page(family(small));
      const many = page(family(large));
      expect(few.delivered).toEqual(childIds(small));
      expect(many.delivered).toEqual(childIds(large));
      // Every page evaluating everything again would visit 16× as much for 4× the children.
      expect(few.visited).toBeGreaterThan(0);
      expect(many.visited / few.visited).toBeLessThanOrEqual(4.5);
    });
  }
});

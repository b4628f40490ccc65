import { describe, expect, it } from "vitest";
import {
  createStore,
  insertInstance,
  isCurrentLogEntry,
  logIndexAfter,
  markDeleted,
  purgeTombstones,
  stamp,
  type StoredInstance,
} from "./store.js";

function instance(externalId: string): StoredInstance {
  return {
    kind: "node",
    space: "s",
    externalId,
    version: 1,
    createdTime: 0,
    lastUpdatedTime: 0,
    deletedTime: undefined,
    seq: 0,
    type: undefined,
    startNode: undefined,
    endNode: undefined,
    rows: {},
  };
}

describe("instance store", () => {
  it("keeps a seq-ordered log in which superseded entries are stale", () => {
    const store = createStore();
    const a = instance("a");
    const b = instance("b");
    for (const i of [a, b]) {
      insertInstance(store, i);
      stamp(store, i);
    }
    stamp(store, a); // a changes again: its first entry is stale
    expect(store.logSeq).toEqual([1, 2, 3]);
    expect([0, 1, 2].map((i) => isCurrentLogEntry(store, i))).toEqual([
      false,
      true,
      true,
    ]);
    expect(logIndexAfter(store, 2)).toBe(2);
  });

  it("purges tombstones after the grace period", () => {
    const store = createStore();
    const a = instance("a");
    insertInstance(store, a);
    stamp(store, a);
    markDeleted(store, a, 1000);
    expect(store.liveCount).toBe(0);
    expect(purgeTombstones(store, 1500, 1000)).toBe(0);
    expect(purgeTombstones(store, 2000, 1000)).toBe(1);
    expect(store.spaces.get("s")!.has("a")).toBe(false);
  });
});

// A class's compiled plan is cached on the class itself (a symbol property) instead of looked up
// in a WeakMap per object. A subclass inherits that property: it must still get its own plan.
import { describe, expect, it } from "vitest";
import {
  TypedNode,
  TypedNodeApply,
  WriteCollector,
} from "../../templates/runtime/model/typed.js";
import type { PropertyMap } from "../../templates/runtime/model/values.js";
import type { InstanceRead } from "../../templates/runtime/core/wire.js";

const VIEW = {
  type: "view",
  space: "sp",
  externalId: "V",
  version: "1",
} as const;
const BASE_PROPERTIES: PropertyMap = {
  name: { identifier: "name", type: "text" },
};
const WIDER_PROPERTIES: PropertyMap = {
  ...BASE_PROPERTIES,
  size: { identifier: "size", type: "int32" },
};

class Thing extends TypedNode {
  static override view = VIEW;
  static override properties = BASE_PROPERTIES;
  static override connections = {};
}
class WiderThing extends Thing {
  static override properties = WIDER_PROPERTIES;
}

class ThingApply extends TypedNodeApply {
  static override view = VIEW;
  static override properties = BASE_PROPERTIES;
  static override connections = {};
  constructor(externalId: string, values: Record<string, unknown>) {
    super("sp", externalId, values);
  }
}
class WiderThingApply extends ThingApply {
  static override properties = WIDER_PROPERTIES;
}

const read: InstanceRead = {
  instanceType: "node",
  space: "sp",
  externalId: "a",
  version: 1,
  createdTime: 1,
  lastUpdatedTime: 2,
  properties: { sp: { "V/1": { name: "A", size: 3 } } },
};

function sentProperties(item: ThingApply): unknown {
  const collector = new WriteCollector();
  collector.addRoot(item);
  return collector.writes()[0]?.sources?.[0]?.properties;
}

describe("class plans cached on the class", () => {
  it("gives a subclass of a read class its own plan", () => {
    // The parent reads first: its plan is on the parent, where the subclass inherits it.
    expect(Object.keys(new Thing(read))).not.toContain("size");
    expect((new WiderThing(read) as unknown as { size: number }).size).toBe(3);
    // Again, now that both plans are cached: each class keeps its own.
    expect(Object.keys(new Thing(read))).not.toContain("size");
    expect((new WiderThing(read) as unknown as { size: number }).size).toBe(3);
  });

  it("gives a subclass of an apply class its own plan", () => {
    const values = { name: "A", size: 3 };
    expect(sentProperties(new ThingApply("a", values))).toEqual({ name: "A" });
    expect(sentProperties(new WiderThingApply("b", values))).toEqual(values);
    expect(sentProperties(new ThingApply("c", values))).toEqual({ name: "A" });
  });

  it("keeps working for a frozen class (the plan stays in the WeakMap)", () => {
    class FrozenThing extends Thing {
      static override properties = WIDER_PROPERTIES;
    }
    Object.freeze(FrozenThing);
    expect((new FrozenThing(read) as unknown as { size: number }).size).toBe(3);
    expect((new FrozenThing(read) as unknown as { size: number }).size).toBe(3);
  });
});

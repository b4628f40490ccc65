// The generated `readValues` of each read class fills a read object exactly as the runtime's
// generic fill does (the one a class without its own `readValues` gets): same keys in the same
// order, same values, conversions included. Checked on every read class of the showcase example,
// whose views cover every property type.

import { describe, expect, it } from "vitest";
import * as showcase from "../generated-examples/showcase/index.js";
import type {
  InstanceRead,
  JsonValue,
  PropertyValue,
} from "../generated-examples/showcase/runtime/core/wire.js";
import type { PropertyDefinition } from "../generated-examples/showcase/runtime/model/values.js";
import { TypedEdge } from "../generated-examples/showcase/runtime/model/typed.js";

interface ReadClass {
  new (instance: InstanceRead): object;
  readonly view: {
    readonly space: string;
    readonly externalId: string;
    readonly version: string;
  };
  readonly properties: Readonly<Record<string, PropertyDefinition>>;
}

const readClasses = Object.entries(showcase)
  .filter(
    ([, value]) =>
      typeof value === "function" && Object.hasOwn(value, "readValues"),
  )
  .map(([name, value]) => [name, value as unknown as ReadClass] as const);

/** A wire value of the property's type (a list holds two). */
function wireValue(definition: PropertyDefinition, i: number): PropertyValue {
  const one = ((): JsonValue => {
    switch (definition.type) {
      case "boolean":
        return i % 2 === 0;
      case "int32":
      case "int64":
        return 40 + i;
      case "float32":
      case "float64":
        return i + 0.5;
      case "timestamp":
        return `2024-01-0${(i % 9) + 1}T03:04:05.006+00:00`;
      case "date":
        return "2024-01-02";
      case "direct":
        // A key the conversion drops, so that a missing conversion shows.
        return { space: "s", externalId: `target-${i}`, extra: i };
      case "json":
        return { nested: [i, "x"] };
      case "enum":
        return Object.keys(definition.values ?? { a: 1 })[0] ?? "a";
      default:
        return `text ${i}`;
    }
  })();
  return definition.list ? [one, one] : one;
}

function instance(cls: ReadClass, fill: "all" | "some" | "none"): InstanceRead {
  const values: Record<string, PropertyValue> = {};
  Object.values(cls.properties).forEach((definition, i) => {
    if (fill === "all" || (fill === "some" && i % 2 === 0))
      values[definition.identifier] = wireValue(definition, i);
  });
  const common = {
    space: "s",
    externalId: "x",
    version: 3,
    createdTime: 1,
    lastUpdatedTime: 2,
    properties: {
      [cls.view.space]: {
        [`${cls.view.externalId}/${cls.view.version}`]: values,
      },
    },
  };
  return cls.prototype instanceof TypedEdge
    ? {
        ...common,
        instanceType: "edge",
        type: { space: "s", externalId: "t" },
        startNode: { space: "s", externalId: "a" },
        endNode: { space: "s", externalId: "b" },
      }
    : { ...common, instanceType: "node" };
}

describe("generated readValues", () => {
  it("exist on the read classes", () => {
    expect(readClasses.map(([name]) => name)).toContain("Pump");
    expect(readClasses.length).toBeGreaterThan(10);
  });

  it.each(readClasses)(
    "%s fills read objects as the generic fill does",
    (_name, cls) => {
      // A subclass without its own readValues takes the generic fill, with the same statics.
      const Generic = class extends (cls as unknown as new (
        instance: InstanceRead,
      ) => object) {};
      for (const fill of ["all", "some", "none"] as const) {
        const read = instance(cls, fill);
        const generated = new cls(read);
        const generic = new Generic(read);
        expect(Object.keys(generated)).toEqual(Object.keys(generic));
        expect({ ...generated }).toEqual({ ...generic });
        if (fill === "all")
          expect(
            Object.keys(cls.properties).every(
              (key) => (generated as Record<string, unknown>)[key] !== null,
            ),
          ).toBe(true);
      }
    },
  );
});

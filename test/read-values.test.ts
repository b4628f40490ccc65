// Read classes fill read objects through one path: the runtime's plan of the view's property
// map (compiled once per class; generated classes have no fill of their own). Checked on every
// read class of the showcase example, whose views cover every property type, against values
// worked out here: each property in map order, `null` when absent, directs as plain references,
// timestamps as dates, everything else as sent.

import { describe, expect, it } from "vitest";
import * as showcase from "../generated-examples/showcase/index.js";
import type {
  InstanceId,
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
    ([name, value]) =>
      typeof value === "function" &&
      Object.hasOwn(value, "view") &&
      !name.endsWith("Apply"),
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

/** What the read object holds for a wire value (`undefined`: absent). */
function expected(definition: PropertyDefinition, value: unknown): unknown {
  if (value === undefined) return null;
  const one = (item: unknown): unknown => {
    if (definition.type === "direct") {
      const { space, externalId } = item as InstanceId;
      return { space, externalId };
    }
    if (definition.type === "timestamp") return new Date(item as string);
    return item;
  };
  return definition.list ? (value as unknown[]).map(one) : one(value);
}

describe("read classes' fill", () => {
  it("comes from the plan: no generated class has a fill of its own", () => {
    expect(readClasses.map(([name]) => name)).toContain("Pump");
    expect(readClasses.length).toBeGreaterThan(10);
    for (const [name, cls] of readClasses)
      expect(Object.hasOwn(cls, "readValues"), name).toBe(false);
  });

  it.each(readClasses)("%s fills read objects from its map", (_name, cls) => {
    for (const fill of ["all", "some", "none"] as const) {
      const read = instance(cls, fill);
      const values = read.properties![cls.view.space]![
        `${cls.view.externalId}/${cls.view.version}`
      ] as Record<string, unknown>;
      const object = new cls(read) as Record<string, unknown>;
      const names = Object.keys(cls.properties);
      // The instance fields, then the properties in map order, then the node's or edge's fields.
      const keys = Object.keys(object);
      expect(keys.slice(5, 5 + names.length)).toEqual(names);
      for (const name of names) {
        const definition = cls.properties[name]!;
        expect(object[name], name).toEqual(
          // Own values only: `constructor` must not find Object's.
          expected(
            definition,
            Object.hasOwn(values, definition.identifier)
              ? values[definition.identifier]
              : undefined,
          ),
        );
      }
    }
  });
});

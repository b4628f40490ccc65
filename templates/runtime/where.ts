// STAND-IN on branch `include` only: the real `where` (typed per view) comes from branch
// typed-reads, which replaces this whole file at merge. It holds just enough for `include` and
// result-set graphs: bare equality, a few operators, and `$raw`, AND-ed together.

import type { ViewClassInfo } from "./typed.js";
import type { Filter, FilterValue, PropertyPath, RangeBound } from "./wire.js";

/** What a generated read class declares about its reads (typed-reads' shape, trimmed). */
export interface HasViewTypes {
  readonly $types: { readonly where: object };
}

/** The where-input of the view of read class `C`. */
export type WhereOf<C extends HasViewTypes> = C["$types"]["where"];

const RANGE_OPERATORS = ["gt", "gte", "lt", "lte"] as const;

/** Compiles a where-input to a DMS filter for instances of the class's view. */
export function compileWhere(
  where: object | undefined,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
): Filter | undefined {
  if (where === undefined) return undefined;
  const filters: Filter[] = [];
  for (const [name, condition] of Object.entries(where)) {
    if (condition === undefined) continue;
    if (name === "$raw") {
      filters.push(condition as Filter);
      continue;
    }
    filters.push(propertyFilter(name, condition, info, instanceType));
  }
  if (filters.length === 0) return undefined;
  return filters.length === 1 ? filters[0] : { and: filters };
}

function propertyFilter(
  name: string,
  condition: unknown,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
): Filter {
  const property = propertyPath(name, info, instanceType);
  if (typeof condition !== "object" || condition === null) {
    return { equals: { property, value: condition as FilterValue } };
  }
  const operators = condition as Record<string, unknown>;
  if (isReference(condition))
    return { equals: { property, value: { ...condition } } };
  const filters: Filter[] = [];
  const bounds: Partial<Record<(typeof RANGE_OPERATORS)[number], RangeBound>> =
    {};
  for (const operator of RANGE_OPERATORS) {
    const bound = operators[operator];
    if (bound !== undefined) bounds[operator] = bound as RangeBound;
  }
  if (Object.keys(bounds).length > 0)
    filters.push({ range: { property, ...bounds } });
  if (operators.eq !== undefined)
    filters.push({
      equals: { property, value: operators.eq as FilterValue },
    });
  if (Array.isArray(operators.in))
    filters.push({ in: { property, values: operators.in as string[] } });
  if (typeof operators.prefix === "string")
    filters.push({ prefix: { property, value: operators.prefix } });
  if (operators.exists === true) filters.push({ exists: { property } });
  if (operators.exists === false)
    filters.push({ not: { exists: { property } } });
  if (filters.length === 0)
    throw new Error(`where.${name}: no condition this stand-in understands`);
  return filters.length === 1 ? filters[0]! : { and: filters };
}

function isReference(value: object): value is {
  space: string;
  externalId: string;
} {
  return "space" in value && "externalId" in value;
}

const INSTANCE_FIELDS = new Set([
  "space",
  "externalId",
  "createdTime",
  "lastUpdatedTime",
  "type",
]);

function propertyPath(
  name: string,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
): PropertyPath {
  const definition = info.properties[name];
  if (definition) {
    const { space, externalId, version } = info.view;
    return [space, `${externalId}/${version}`, definition.identifier];
  }
  if (INSTANCE_FIELDS.has(name)) return [instanceType, name];
  throw new Error(
    `where.${name}: ${info.view.externalId} has no property "${name}"`,
  );
}

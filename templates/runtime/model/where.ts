// The typed `where`, `sort` and `select` of one view and their compilation to the API's filters,
// sorts and property lists. Flat types keep tsc cheap: each view declares one `<View>Where` from
// the operator types below, and its property names by kind in `$types`.

import { isInstanceId } from "./collect.js";
import type { ViewClassInfo } from "./typed.js";
import {
  PropertyValueError,
  toWireValue,
  type DmsType,
  type PropertyDefinition,
  type TargetClasses,
} from "./values.js";
import type {
  Filter,
  InstanceId,
  InstanceRead,
  PropertyPath,
  PropertySort,
  PropertyValue,
  RangeBound,
} from "../core/wire.js";

/** `exists: true` holds when the property has a (non-null) value; `false` when it has none. */
export interface ExistsOperator {
  readonly exists?: boolean;
}

export interface EqualityOperators<T> extends ExistsOperator {
  readonly eq?: T;
  readonly in?: readonly T[];
}

/** Equality and order: numbers, text, timestamps, dates. */
export interface OrderOperators<T> extends EqualityOperators<T> {
  readonly gt?: T;
  readonly gte?: T;
  readonly lt?: T;
  readonly lte?: T;
}

/** text, timeseries, file and sequence properties. */
export type StringFilter =
  string | (OrderOperators<string> & { readonly prefix?: string });
/** int32, int64, float32, float64. */
export type NumberFilter = number | OrderOperators<number>;
/** timestamp: `Date` or ISO 8601 strings, sent as ISO with millisecond precision. */
export type TimestampFilter = Date | string | OrderOperators<Date | string>;
/** date: `YYYY-MM-DD` strings. */
export type DateFilter = string | OrderOperators<string>;
export type BooleanFilter =
  boolean | (ExistsOperator & { readonly eq?: boolean });

/** An enum property: its literal values only. */
export type EnumFilter<TValue extends string> =
  TValue | EqualityOperators<TValue>;

/** A reference to a node (direct relations, `type`, `startNode`, `endNode`). */
export type ReferenceFilter = InstanceId | EqualityOperators<InstanceId>;

/** A direct relation; `nested` is a `where` on the node it points at (DMS `nested`). */
export type DirectFilter<TTargetWhere = never> =
  | InstanceId
  | (EqualityOperators<InstanceId> & { readonly nested?: TTargetWhere });

/** A list property of any type. */
export interface ListFilter<TItem> extends ExistsOperator {
  readonly containsAny?: readonly TItem[];
  readonly containsAll?: readonly TItem[];
}

/** json properties: only whether they are set. */
export type JsonFilter = ExistsOperator;

/** Epoch milliseconds or a `Date`: `createdTime` and `lastUpdatedTime`. */
export type InstanceTimeFilter = number | Date | OrderOperators<number | Date>;

/** What every `where` takes: instance fields, combinators, and a raw DMS filter (AND-ed in). */
export interface InstanceWhere<TWhere> {
  readonly space?: StringFilter;
  readonly externalId?: StringFilter;
  readonly createdTime?: InstanceTimeFilter;
  readonly lastUpdatedTime?: InstanceTimeFilter;
  /** Every condition holds. */
  readonly $and?: readonly TWhere[];
  /** At least one condition holds. */
  readonly $or?: readonly TWhere[];
  /** The condition does not hold. */
  readonly $not?: TWhere;
  /** Any DMS filter, with the API's identifiers; AND-ed with the rest. */
  readonly $raw?: Filter;
}

export interface NodeWhere<TWhere> extends InstanceWhere<TWhere> {
  readonly type?: ReferenceFilter;
}

export interface EdgeWhere<TWhere> extends NodeWhere<TWhere> {
  readonly startNode?: ReferenceFilter;
  readonly endNode?: ReferenceFilter;
}

/**
 * The static `$types` of a read class (declared, never assigned). Name sets are object types, not
 * unions, so a child view's read class still extends its parent's static side.
 */
export interface ViewTypes {
  /** The view's `<View>Where`. */
  readonly where: object;
  /** Properties that can be sort keys: single values, not json. */
  readonly sortable: object;
  /** Text properties (what `search` matches). */
  readonly text: object;
  /** Number properties (`avg`, `sum`, `histogram`). */
  readonly numeric: object;
  /** Properties `groupBy` takes: text, direct, numbers, boolean, enum (single values). */
  readonly groupable: object;
}

export interface HasViewTypes {
  readonly $types: ViewTypes;
  readonly properties: object;
}

/** Any read class, seen by code that works for every view: every name is a string. */
export interface AnyViewTypes extends HasViewTypes {
  readonly $types: { readonly where: object } & {
    readonly [K in Exclude<keyof ViewTypes, "where">]: Record<string, true>;
  };
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface TypedReadClass<
  TRead = object,
  TTypes extends ViewTypes = ViewTypes,
> extends ViewClassInfo {
  // Constructor parameters compare bivariantly: a read class taking a NodeRead (or EdgeRead) fits.
  new (instance: InstanceRead): TRead;
  readonly $types: TTypes;
}

/** The `where` of the view of read class `C` (`WhereOf<typeof Movie>` is `MovieWhere`). */
export type WhereOf<C extends HasViewTypes> = C["$types"]["where"];

export type InstanceSortKey =
  "space" | "externalId" | "createdTime" | "lastUpdatedTime";

/** One sort key: a sortable property or an instance field. */
export interface SortKey<TName extends string> {
  readonly property: TName | InstanceSortKey;
  /** Default `ascending`. */
  readonly direction?: "ascending" | "descending";
  readonly nullsFirst?: boolean;
}

export type SortableOf<C extends HasViewTypes> = keyof C["$types"]["sortable"] &
  string;

/** The `sort` of the view of read class `C`: one key or several (at most 5). */
export type SortOf<C extends HasViewTypes> =
  SortKey<SortableOf<C>> | readonly SortKey<SortableOf<C>>[];

/** The property names `select` takes for read class `C`: every property. */
export type SelectOf<C extends HasViewTypes> = keyof C["properties"] & string;

/** The text property names of read class `C` (`search`'s `properties`). */
export type TextOf<C extends HasViewTypes> = keyof C["$types"]["text"] & string;

export type NumericOf<C extends HasViewTypes> = keyof C["$types"]["numeric"] &
  string;

export type GroupableOf<C extends HasViewTypes> =
  keyof C["$types"]["groupable"] & string;

/** What a read of class `C` returns when `select` names `K` (instance fields, connections stay). */
export type SelectedOf<
  C extends HasViewTypes & (abstract new (...args: never) => unknown),
  K extends SelectOf<C>,
> = Omit<InstanceType<C>, Exclude<SelectOf<C>, K>>;

/** A `where`, `sort` or `select` that names something the view does not have, or a bad operator. */
export class WhereError extends Error {
  override readonly name = "WhereError";
}

/** A longer `in` list goes as an `or` of lists this long (assumed, as the Python SDK does). */
export const IN_VALUES_LIMIT = 1000;

interface WhereContext {
  readonly info: ViewClassInfo;
  readonly instanceType: "node" | "edge";
  readonly classes?: TargetClasses | undefined;
}

/** A typed `where` of the view `info` as a DMS filter; `undefined` (or an empty where) is none. */
export function compileWhere(
  where: object | undefined,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  classes?: TargetClasses,
): Filter | undefined {
  return (
    where && compileObject(where, { info, instanceType, classes }, "where")
  );
}

/** Loads the classes a `where` reaches through `nested` (at every level) into `classes`. */
export async function loadWhereClasses(
  where: unknown,
  info: ViewClassInfo,
  classes: { load(view: string): Promise<ViewClassInfo | undefined> },
): Promise<void> {
  if (typeof where !== "object" || where === null) return;
  await Promise.all(
    Object.entries(where).map(async ([key, value]): Promise<unknown> => {
      if (key === "$and" || key === "$or")
        return Array.isArray(value)
          ? Promise.all(value.map((w) => loadWhereClasses(w, info, classes)))
          : undefined;
      if (key === "$not") return loadWhereClasses(value, info, classes);
      const target = Object.hasOwn(info.properties, key)
        ? info.properties[key]!.target
        : undefined;
      const nested = (value as { readonly nested?: unknown } | null)?.nested;
      if (target === undefined || nested === undefined) return undefined;
      const targetInfo = await classes.load(target);
      return targetInfo && loadWhereClasses(nested, targetInfo, classes);
    }),
  );
}

const MATCH_ALL: Filter = { matchAll: {} };
const MATCH_NONE: Filter = { not: MATCH_ALL };

function compileObject(
  where: unknown,
  ctx: WhereContext,
  path: string,
): Filter | undefined {
  if (typeof where !== "object" || where === null || Array.isArray(where))
    throw new WhereError(`${path} must be an object`);
  const filters: Filter[] = [];
  for (const [key, condition] of Object.entries(where)) {
    if (condition === undefined) continue;
    const filter = compileEntry(key, condition, ctx, `${path}.${key}`);
    if (filter) filters.push(filter);
  }
  return allOf(filters);
}

function allOf(filters: Filter[]): Filter | undefined {
  return filters.length > 1 ? { and: filters } : filters[0];
}

/** The instance fields a `where` takes, by the property type whose operators they take. */
const INSTANCE_FIELDS: Readonly<Record<string, DmsType>> = {
  space: "sequence",
  externalId: "sequence",
  createdTime: "float64",
  lastUpdatedTime: "float64",
  type: "direct",
  startNode: "direct",
  endNode: "direct",
};

function compileEntry(
  key: string,
  condition: unknown,
  ctx: WhereContext,
  at: string,
): Filter | undefined {
  if (key === "$and" || key === "$or") {
    if (!Array.isArray(condition))
      throw new WhereError(`${at} must be a list of conditions`);
    const parts = condition.map(
      (part, i) => compileObject(part, ctx, `${at}[${i}]`) ?? MATCH_ALL,
    );
    if (parts.length < 2)
      return parts[0] ?? (key === "$and" ? undefined : MATCH_NONE);
    return key === "$and" ? { and: parts } : { or: parts };
  }
  if (key === "$not")
    return { not: compileObject(condition, ctx, at) ?? MATCH_ALL };
  if (key === "$raw") {
    if (typeof condition !== "object" || condition === null)
      throw new WhereError(`${at} must be a DMS filter object`);
    return condition as Filter;
  }
  const [path, definition] = resolve(key, ctx.info, ctx.instanceType, at);
  return compileCondition(path, definition, condition, ctx, at);
}

/** The API path and definition of `key`: a property of the view, else an instance field. */
function resolve(
  key: string,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  at: string,
): [PropertyPath, PropertyDefinition] {
  const fieldType =
    Object.hasOwn(INSTANCE_FIELDS, key) &&
    !Object.hasOwn(info.properties, key) &&
    (instanceType === "edge" || (key !== "startNode" && key !== "endNode"))
      ? INSTANCE_FIELDS[key]
      : undefined;
  if (fieldType)
    return [[instanceType, key], { identifier: key, type: fieldType }];
  const property = propertyDefinition(info, key, at);
  const { space, externalId, version } = info.view;
  return [[space, `${externalId}/${version}`, property.identifier], property];
}

const EQUALITY = ["eq", "in", "exists"];
const RANGE = [...EQUALITY, "gt", "gte", "lt", "lte"];

function operatorsOf({ type, list }: PropertyDefinition): readonly string[] {
  if (list) return ["containsAny", "containsAll", "exists"];
  if (type === "boolean") return ["eq", "exists"];
  if (type === "json") return ["exists"];
  if (type === "enum") return EQUALITY;
  if (type === "direct") return [...EQUALITY, "nested"];
  if (["text", "timeseries", "file", "sequence"].includes(type))
    return [...RANGE, "prefix"];
  return RANGE;
}

/** A bare value (`eq`) or an object of operators. */
function compileCondition(
  property: PropertyPath,
  definition: PropertyDefinition,
  condition: unknown,
  ctx: WhereContext,
  path: string,
): Filter | undefined {
  const { type, list, values } = definition;
  // Instance times (`[instanceType, name]`, no view) take a `Date` as epoch milliseconds.
  const epochDates = property.length === 2 && type === "float64";
  const scalar = { identifier: "", type, ...(values ? { values } : {}) };
  const convert = (value: unknown, at: string): PropertyValue => {
    if (value == null)
      throw new WhereError(
        `${at}: a condition takes a value, not ${String(value)}; use { exists: false } for "not set"`,
      );
    try {
      // A direct relation's rule keeps only `space` and `externalId` of a reference.
      return toWireValue(
        epochDates && value instanceof Date ? value.getTime() : value,
        scalar,
        at,
      );
    } catch (error) {
      throw error instanceof PropertyValueError
        ? new WhereError(error.message)
        : error;
    }
  };
  const bare =
    !list &&
    (type === "direct"
      ? isInstanceId(condition)
      : typeof condition !== "object" ||
        condition === null ||
        condition instanceof Date);
  if (bare) return { equals: { property, value: convert(condition, path) } };
  if (typeof condition !== "object" || condition === null)
    throw new WhereError(
      `${path}: expected a value or an object of operators, got ${JSON.stringify(condition)}`,
    );
  const operators = operatorsOf(definition);
  const filters: Filter[] = [];
  const range: Record<string, RangeBound> = {};
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    const at = `${path}.${operator}`;
    if (!operators.includes(operator))
      throw new WhereError(
        `${at}: unknown operator ${JSON.stringify(operator)} here (this property takes ${operators.join(", ")})`,
      );
    if (operator === "eq")
      filters.push({ equals: { property, value: convert(operand, at) } });
    else if (operator === "exists") {
      if (typeof operand !== "boolean")
        throw new WhereError(`${at} must be true or false`);
      const exists = { exists: { property } };
      filters.push(operand ? exists : { not: exists });
    } else if (operator === "prefix")
      filters.push({
        prefix: { property, value: convert(operand, at) as string },
      });
    else if (operator === "nested") {
      const { target: view } = definition;
      const target = view === undefined ? undefined : ctx.classes?.find(view);
      // Without the target's class a condition on it cannot compile: an error, not a filter
      // that silently matches every target.
      if (!target && Object.keys(operand as object).length > 0)
        throw new WhereError(
          `${at}: the relation's target view has no class in this client; its where cannot be compiled`,
        );
      const inTarget: WhereContext | undefined = target && {
        ...ctx,
        info: target,
        instanceType: "node",
      };
      const filter = inTarget && compileObject(operand, inTarget, at);
      filters.push({
        nested: { scope: property, filter: filter ?? MATCH_ALL },
      });
    } else if (["in", "containsAny", "containsAll"].includes(operator)) {
      if (!Array.isArray(operand)) throw new WhereError(`${at} must be a list`);
      filters.push(
        listFilter(
          operator,
          property,
          operand.map((v, i) => convert(v, `${at}[${i}]`)),
        ),
      );
    } else range[operator] = convert(operand, at) as RangeBound;
  }
  if (Object.keys(range).length > 0)
    filters.push({ range: { property, ...range } });
  // An empty operator object (`{}`) is no condition, as an empty where is.
  return allOf(filters);
}

/**
 * `in` / `containsAny` / `containsAll` in lists the API accepts. An empty list decides as an empty
 * `$or` / `$and` does: `in` / `containsAny` of nothing hold for none, `containsAll` for all.
 */
function listFilter(
  operator: string,
  property: PropertyPath,
  values: PropertyValue[],
): Filter {
  const all = operator === "containsAll";
  if (values.length === 0) return all ? MATCH_ALL : MATCH_NONE;
  const filters: Filter[] = [];
  for (let start = 0; start < values.length; start += IN_VALUES_LIMIT)
    filters.push({
      [operator]: {
        property,
        values: values.slice(start, start + IN_VALUES_LIMIT),
      },
    } as Filter);
  // containsAll of every chunk is containsAll of the whole list; in / containsAny of any chunk.
  if (filters.length === 1) return filters[0]!;
  return all ? { and: filters } : { or: filters };
}

/** Compiles `sort` (one key or a list) to the API's sorts, by property reference. */
export function compileSort(
  sort: SortKey<string> | readonly SortKey<string>[] | undefined,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
): PropertySort[] | undefined {
  if (sort === undefined) return undefined;
  const keys = Array.isArray(sort) ? sort : [sort as SortKey<string>];
  return keys.map(({ property: name, direction, nullsFirst }, i) => {
    const at = `sort[${i}].property`;
    const [property, definition] = resolve(name, info, instanceType, at);
    if (definition.list || definition.type === "json")
      throw new WhereError(
        `${at}: ${name} is a list or json property and cannot be sorted by`,
      );
    return {
      property,
      ...(direction !== undefined ? { direction } : {}),
      ...(nullsFirst !== undefined ? { nullsFirst } : {}),
    };
  });
}

/** The API identifiers of the selected properties (for `sources[].properties`); all is `["*"]`. */
export function compileSelect(
  select: readonly string[] | undefined,
  info: ViewClassInfo,
): string[] {
  if (!select) return ["*"];
  return select.map(
    (name, i) => propertyDefinition(info, name, `select[${i}]`).identifier,
  );
}

/** The property `name` of the view (a `WhereError` for a connection or a name it lacks). */
function propertyDefinition(
  info: ViewClassInfo,
  name: string,
  at: string,
): PropertyDefinition {
  if (Object.hasOwn(info.properties, name)) return info.properties[name]!;
  const { space, externalId, version } = info.view;
  const view = `${space}:${externalId}/${version}`;
  throw new WhereError(
    Object.hasOwn(info.connections, name)
      ? `${at}: ${name} is a connection of ${view}, not a property; only properties are taken here`
      : `${at}: ${view} has no property ${JSON.stringify(name)}`,
  );
}

/** Removes the properties `select` left out from a read object: absent at run time as in its type. */
export function dropUnselected<T extends object>(
  read: T,
  select: readonly string[] | undefined,
  info: ViewClassInfo,
): T {
  if (select)
    for (const name of Object.keys(info.properties))
      if (!select.includes(name))
        delete (read as Record<string, unknown>)[name];
  return read;
}

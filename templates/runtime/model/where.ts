// The typed filter (`where`), sort and projection (`select`) of one view, and their compilation to
// the API's filters, sorts and property lists. The types are shared, flat and cheap for tsc: each
// generated view declares one `<View>Where` interface from the operator types below, and lists its
// sortable, text, numeric and groupable property names as plain unions in its static `$types`.

import type { ViewClassInfo } from "./typed.js";
import {
  PropertyValueError,
  targetInfo,
  toWireValue,
  type ClassFinder,
  type PropertyDefinition,
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

// ---- operator types, one per kind of property

/** `exists: true` holds when the property has a (non-null) value; `false` when it has none. */
export interface ExistsOperator {
  readonly exists?: boolean;
}

export interface RangeOperators<T> {
  readonly gt?: T;
  readonly gte?: T;
  readonly lt?: T;
  readonly lte?: T;
}

export interface EqualityOperators<T> extends ExistsOperator {
  readonly eq?: T;
  readonly in?: readonly T[];
}

/** text, timeseries, file and sequence properties. */
export interface StringOperators
  extends EqualityOperators<string>, RangeOperators<string> {
  readonly prefix?: string;
}
export type StringFilter = string | StringOperators;

/** int32, int64, float32, float64. */
export interface NumberOperators
  extends EqualityOperators<number>, RangeOperators<number> {}
export type NumberFilter = number | NumberOperators;

/** timestamp: `Date` or ISO 8601 strings, sent as ISO with millisecond precision. */
export interface TimestampOperators
  extends EqualityOperators<Date | string>, RangeOperators<Date | string> {}
export type TimestampFilter = Date | string | TimestampOperators;

/** date: `YYYY-MM-DD` strings. */
export interface DateOperators
  extends EqualityOperators<string>, RangeOperators<string> {}
export type DateFilter = string | DateOperators;

export interface BooleanOperators extends ExistsOperator {
  readonly eq?: boolean;
}
export type BooleanFilter = boolean | BooleanOperators;

/** An enum property: its literal values only. */
export type EnumFilter<TValue extends string> =
  TValue | EqualityOperators<TValue>;

/** A reference to a node (direct relations, `type`, `startNode`, `endNode`). */
export type ReferenceFilter = InstanceId | EqualityOperators<InstanceId>;

/** A direct relation; `nested` is a `where` on the node it points at (DMS `nested`). */
export interface DirectOperators<
  TTargetWhere,
> extends EqualityOperators<InstanceId> {
  readonly nested?: TTargetWhere;
}
export type DirectFilter<TTargetWhere = never> =
  InstanceId | DirectOperators<TTargetWhere>;

/** A list property of any type. */
export interface ListFilter<TItem> extends ExistsOperator {
  readonly containsAny?: readonly TItem[];
  readonly containsAll?: readonly TItem[];
}

/** json properties: only whether they are set. */
export type JsonFilter = ExistsOperator;

/** Epoch milliseconds or a `Date`: `createdTime` and `lastUpdatedTime`. */
export type InstanceTimeFilter =
  | number
  | Date
  | EqualityOperators<number | Date>
  | (RangeOperators<number | Date> & ExistsOperator);

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
  /** The node's type. */
  readonly type?: ReferenceFilter;
}

export interface EdgeWhere<TWhere> extends InstanceWhere<TWhere> {
  /** The edge's type. */
  readonly type?: ReferenceFilter;
  readonly startNode?: ReferenceFilter;
  readonly endNode?: ReferenceFilter;
}

// ---- what a generated read class declares about its reads

/**
 * The types of the reads of one view, declared (never assigned) as the static `$types` of its
 * read class. Name sets are object types keyed by property name, not unions, so that a child
 * view's read class (a superset) still extends its parent's static side. Generic code gets from
 * a read class `C` to them with `WhereOf<C>`, `SortOf<C>`, `SelectOf<C>`, ...
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

/** Anything with the statics of a generated read class. */
export interface HasViewTypes {
  readonly $types: ViewTypes;
  readonly properties: object;
}

/** Any read class, seen by code that works for every view: every name is a string. */
export interface AnyViewTypes extends HasViewTypes {
  readonly $types: {
    readonly where: object;
    readonly sortable: Readonly<Record<string, true>>;
    readonly text: Readonly<Record<string, true>>;
    readonly numeric: Readonly<Record<string, true>>;
    readonly groupable: Readonly<Record<string, true>>;
  };
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The static side of a generated read class. */
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

/** The instance fields every view sorts by. */
export type InstanceSortKey =
  "space" | "externalId" | "createdTime" | "lastUpdatedTime";

/** One sort key: a sortable property or an instance field. */
export interface SortKey<TName extends string> {
  readonly property: TName | InstanceSortKey;
  /** Default `ascending`. */
  readonly direction?: "ascending" | "descending";
  readonly nullsFirst?: boolean;
}

/** The sortable property names of read class `C`. */
export type SortableOf<C extends HasViewTypes> = keyof C["$types"]["sortable"] &
  string;

/** The `sort` of the view of read class `C`: one key or several (at most 5). */
export type SortOf<C extends HasViewTypes> =
  SortKey<SortableOf<C>> | readonly SortKey<SortableOf<C>>[];

/** The property names `select` takes for read class `C`: every property. */
export type SelectOf<C extends HasViewTypes> = keyof C["properties"] & string;

/** The text property names of read class `C` (`search`'s `properties`). */
export type TextOf<C extends HasViewTypes> = keyof C["$types"]["text"] & string;

/** The number property names of read class `C`. */
export type NumericOf<C extends HasViewTypes> = keyof C["$types"]["numeric"] &
  string;

/** The property names `groupBy` takes for read class `C`. */
export type GroupableOf<C extends HasViewTypes> =
  keyof C["$types"]["groupable"] & string;

/**
 * A read object narrowed to the selected properties `TSelected` of `TAll`; instance fields
 * (space, externalId, version, ...) and connections stay.
 */
export type Selected<TRead, TAll extends string, TSelected extends TAll> = Omit<
  TRead,
  Exclude<TAll, TSelected>
>;

/** What a read of class `C` returns when `select` names `K`. */
export type SelectedOf<
  C extends HasViewTypes & (abstract new (...args: never) => unknown),
  K extends SelectOf<C>,
> = Selected<InstanceType<C>, SelectOf<C>, K>;

// ---- compilation

/** A `where`, `sort` or `select` that names something the view does not have, or a bad operator. */
export class WhereError extends Error {
  override readonly name = "WhereError";
}

/**
 * The API accepts `in` lists of limited size; a longer list is sent as an `or` of `in` filters of
 * at most this many values each (an assumption: the API documents no limit; the Python SDK and
 * CDF's own limits on related lists are 1000).
 */
export const IN_VALUES_LIMIT = 1000;

const INSTANCE_TEXT_FIELDS = new Set(["space", "externalId"]);
const INSTANCE_TIME_FIELDS = new Set(["createdTime", "lastUpdatedTime"]);
const REFERENCE_FIELDS = {
  node: new Set(["type"]),
  edge: new Set(["type", "startNode", "endNode"]),
};

/** What compiling one `where` needs to know besides the view. */
interface WhereContext {
  readonly info: ViewClassInfo;
  /** Finds a direct relation's target class by view id (for `nested`). */
  readonly views: ClassFinder | undefined;
  readonly instanceType: "node" | "edge";
  /** Where in the user's `where` we are, for error messages. */
  readonly path: string;
}

/**
 * Compiles a typed `where` of the view `info` into a DMS filter: TypeScript names become
 * `[space, "externalId/version", identifier]` references, values their wire form, `in` lists
 * longer than the API takes an `or` of chunks. `undefined` (or an empty where) is no filter.
 */
export function compileWhere(
  where: object | undefined,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  views?: ClassFinder,
): Filter | undefined {
  if (where === undefined) return undefined;
  return compileObject(where, { info, views, instanceType, path: "where" });
}

function compileObject(where: object, ctx: WhereContext): Filter | undefined {
  if (typeof where !== "object" || where === null || Array.isArray(where)) {
    throw new WhereError(`${ctx.path} must be an object`);
  }
  const filters: Filter[] = [];
  for (const [key, condition] of Object.entries(where)) {
    if (condition === undefined) continue;
    const filter = compileEntry(key, condition, {
      ...ctx,
      path: `${ctx.path}.${key}`,
    });
    if (filter) filters.push(filter);
  }
  return allOf(filters);
}

function allOf(filters: Filter[]): Filter | undefined {
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filters[0];
  return { and: filters };
}

function compileEntry(
  key: string,
  condition: unknown,
  ctx: WhereContext,
): Filter | undefined {
  switch (key) {
    case "$and":
    case "$or":
      return compileCombination(key, condition, ctx);
    case "$not": {
      const inner = compileObject(condition as object, ctx);
      return { not: inner ?? { matchAll: {} } };
    }
    case "$raw":
      if (typeof condition !== "object" || condition === null)
        throw new WhereError(`${ctx.path} must be a DMS filter object`);
      return condition as Filter;
  }
  const definition = Object.prototype.hasOwnProperty.call(
    ctx.info.properties,
    key,
  )
    ? ctx.info.properties[key]
    : undefined;
  if (definition) return compileProperty(key, definition, condition, ctx);
  return compileInstanceField(key, condition, ctx);
}

function compileCombination(
  key: "$and" | "$or",
  condition: unknown,
  ctx: WhereContext,
): Filter | undefined {
  if (!Array.isArray(condition))
    throw new WhereError(`${ctx.path} must be a list of conditions`);
  const parts = condition.map(
    (part, i) =>
      compileObject(part as object, { ...ctx, path: `${ctx.path}[${i}]` }) ?? {
        matchAll: {},
      },
  );
  if (parts.length === 0)
    return key === "$and" ? undefined : { not: { matchAll: {} } };
  if (parts.length === 1) return parts[0];
  return key === "$and" ? { and: parts } : { or: parts };
}

function compileInstanceField(
  key: string,
  condition: unknown,
  ctx: WhereContext,
): Filter | undefined {
  const property: PropertyPath = [ctx.instanceType, key];
  if (INSTANCE_TEXT_FIELDS.has(key)) {
    const convert = (value: unknown, at: string) => expectString(value, at);
    return compileOperators(property, condition, ctx, {
      convert,
      isBare: (value) => typeof value === "string",
      operators: STRING_OPERATORS,
    });
  }
  if (INSTANCE_TIME_FIELDS.has(key)) {
    return compileOperators(property, condition, ctx, {
      convert: epochMilliseconds,
      isBare: (value) => typeof value === "number" || value instanceof Date,
      operators: RANGE_OPERATORS,
    });
  }
  if (REFERENCE_FIELDS[ctx.instanceType].has(key)) {
    return compileOperators(property, condition, ctx, {
      convert: reference,
      isBare: isReference,
      operators: EQUALITY_OPERATORS,
    });
  }
  const connection = Object.prototype.hasOwnProperty.call(
    ctx.info.connections,
    key,
  );
  throw new WhereError(
    connection
      ? `${ctx.path}: ${key} is a connection of ${viewName(ctx.info)}, not a property; a where takes properties only`
      : `${ctx.path}: ${viewName(ctx.info)} has no property ${JSON.stringify(key)}`,
  );
}

function viewName(info: ViewClassInfo): string {
  const { space, externalId, version } = info.view;
  return `${space}:${externalId}/${version}`;
}

/** `[space, "externalId/version", identifier]`: a property of the view. */
export function viewPropertyPath(
  info: ViewClassInfo,
  identifier: string,
): PropertyPath {
  const { space, externalId, version } = info.view;
  return [space, `${externalId}/${version}`, identifier];
}

type Operator =
  | "eq"
  | "in"
  | "prefix"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "exists"
  | "containsAny"
  | "containsAll"
  | "nested";

const EQUALITY_OPERATORS: ReadonlySet<Operator> = new Set([
  "eq",
  "in",
  "exists",
]);
const RANGE_OPERATORS: ReadonlySet<Operator> = new Set([
  ...EQUALITY_OPERATORS,
  "gt",
  "gte",
  "lt",
  "lte",
]);
const STRING_OPERATORS: ReadonlySet<Operator> = new Set([
  ...RANGE_OPERATORS,
  "prefix",
]);
const BOOLEAN_OPERATORS: ReadonlySet<Operator> = new Set(["eq", "exists"]);
const LIST_OPERATORS: ReadonlySet<Operator> = new Set([
  "containsAny",
  "containsAll",
  "exists",
]);
const JSON_OPERATORS: ReadonlySet<Operator> = new Set(["exists"]);
const DIRECT_OPERATORS: ReadonlySet<Operator> = new Set([
  ...EQUALITY_OPERATORS,
  "nested",
]);

/** How one property's conditions compile. */
interface OperandRules {
  /** A value's wire form (throws on a bad one). */
  readonly convert: (value: unknown, at: string) => PropertyValue;
  /** Whether a condition is a bare value (meaning `eq`) rather than an operator object. */
  readonly isBare: (value: unknown) => boolean;
  readonly operators: ReadonlySet<Operator>;
  /** The `where` of a direct relation's target, for `nested`. */
  readonly nested?: (where: object, at: string) => Filter | undefined;
}

function operatorsOf(definition: PropertyDefinition): ReadonlySet<Operator> {
  if (definition.list) return LIST_OPERATORS;
  switch (definition.type) {
    case "text":
    case "timeseries":
    case "file":
    case "sequence":
      return STRING_OPERATORS;
    case "boolean":
      return BOOLEAN_OPERATORS;
    case "json":
      return JSON_OPERATORS;
    case "enum":
      return EQUALITY_OPERATORS;
    case "direct":
      return DIRECT_OPERATORS;
    default:
      return RANGE_OPERATORS;
  }
}

function isBareValue(definition: PropertyDefinition, value: unknown): boolean {
  if (definition.list) return false;
  if (definition.type === "direct") return isReference(value);
  if (definition.type === "timestamp" && value instanceof Date) return true;
  return typeof value !== "object" || value === null;
}

function compileProperty(
  name: string,
  definition: PropertyDefinition,
  condition: unknown,
  ctx: WhereContext,
): Filter | undefined {
  const scalar: PropertyDefinition = {
    identifier: definition.identifier,
    type: definition.type,
    ...(definition.values ? { values: definition.values } : {}),
  };
  const convert = (value: unknown, at: string): PropertyValue => {
    if (value === null || value === undefined)
      throw new WhereError(
        `${at}: a condition takes a value, not ${String(value)}; use { exists: false } for "not set"`,
      );
    try {
      return toWireValue(
        definition.type === "direct" ? reference(value, at) : value,
        scalar,
        at,
      );
    } catch (error) {
      if (error instanceof PropertyValueError)
        throw new WhereError(error.message);
      throw error;
    }
  };
  const nested = nestedCompiler(definition, ctx.views);
  return compileOperators(
    viewPropertyPath(ctx.info, definition.identifier),
    condition,
    ctx,
    {
      convert,
      isBare: (value) => isBareValue(definition, value),
      operators: operatorsOf(definition),
      ...(nested ? { nested } : {}),
    },
  );
}

function nestedCompiler(
  definition: PropertyDefinition,
  views: ClassFinder | undefined,
): OperandRules["nested"] {
  if (definition.type !== "direct" || definition.list) return undefined;
  const target = targetInfo(definition, views);
  if (!target) return undefined;
  return (where, at) =>
    compileObject(where, {
      info: target,
      views,
      instanceType: "node",
      path: at,
    });
}

function compileOperators(
  property: PropertyPath,
  condition: unknown,
  ctx: WhereContext,
  rules: OperandRules,
): Filter | undefined {
  if (rules.isBare(condition))
    return { equals: { property, value: rules.convert(condition, ctx.path) } };
  if (typeof condition !== "object" || condition === null)
    throw new WhereError(
      `${ctx.path}: expected a value or an object of operators, got ${JSON.stringify(condition)}`,
    );
  const filters: Filter[] = [];
  const range: Partial<Record<"gt" | "gte" | "lt" | "lte", RangeBound>> = {};
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    const at = `${ctx.path}.${operator}`;
    if (!rules.operators.has(operator as Operator)) {
      const allowed = [...rules.operators].join(", ");
      throw new WhereError(
        `${at}: unknown operator ${JSON.stringify(operator)} here (this property takes ${allowed})`,
      );
    }
    switch (operator as Operator) {
      case "eq":
        filters.push({
          equals: { property, value: rules.convert(operand, at) },
        });
        break;
      case "in":
      case "containsAny":
      case "containsAll":
        filters.push(
          listFilter(
            operator as "in",
            property,
            listOperand(operand, at, rules),
          ),
        );
        break;
      case "prefix":
        filters.push({
          prefix: { property, value: expectString(operand, at) },
        });
        break;
      case "exists":
        if (typeof operand !== "boolean")
          throw new WhereError(`${at} must be true or false`);
        filters.push(
          operand
            ? { exists: { property } }
            : { not: { exists: { property } } },
        );
        break;
      case "nested": {
        const inner = rules.nested?.(operand as object, at);
        filters.push({
          nested: { scope: property, filter: inner ?? { matchAll: {} } },
        });
        break;
      }
      default:
        range[operator as "gt"] = rules.convert(operand, at) as RangeBound;
    }
  }
  if (Object.keys(range).length > 0)
    filters.push({ range: { property, ...range } });
  // An empty operator object (`{}`) is no condition, as an empty where is.
  return allOf(filters);
}

function listOperand(
  operand: unknown,
  at: string,
  rules: OperandRules,
): PropertyValue[] {
  if (!Array.isArray(operand)) throw new WhereError(`${at} must be a list`);
  return operand.map((value, i) => rules.convert(value, `${at}[${i}]`));
}

/**
 * `in` / `containsAny` / `containsAll`; a long list is split into chunks the API accepts, and an
 * empty one becomes the filter that decides it.
 */
function listFilter(
  operator: "in" | "containsAny" | "containsAll",
  property: PropertyPath,
  values: PropertyValue[],
): Filter {
  // An empty list decides the condition by itself, as an empty `$or` / `$and` does: `in` and
  // `containsAny` of nothing hold for no instance, `containsAll` of nothing for every one. Sent
  // as an empty `values`, its meaning would rest on what the API makes of that.
  if (values.length === 0)
    return operator === "containsAll"
      ? { matchAll: {} }
      : { not: { matchAll: {} } };
  const chunks: PropertyValue[][] = [];
  for (let start = 0; start < values.length; start += IN_VALUES_LIMIT)
    chunks.push(values.slice(start, start + IN_VALUES_LIMIT));
  const filters = chunks.map(
    (chunk) => ({ [operator]: { property, values: chunk } }) as Filter,
  );
  if (filters.length === 1) return filters[0]!;
  // containsAll of every chunk is containsAll of the whole list; in / containsAny of any chunk.
  return operator === "containsAll" ? { and: filters } : { or: filters };
}

function expectString(value: unknown, at: string): string {
  if (typeof value !== "string")
    throw new WhereError(
      `${at} must be a string, got ${JSON.stringify(value)}`,
    );
  return value;
}

function isReference(value: unknown): value is InstanceId {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as InstanceId).space === "string" &&
    typeof (value as InstanceId).externalId === "string"
  );
}

function reference(
  value: unknown,
  at: string,
): { space: string; externalId: string } {
  if (!isReference(value))
    throw new WhereError(
      `${at} must be a node reference { space, externalId }, got ${JSON.stringify(value)}`,
    );
  return { space: value.space, externalId: value.externalId };
}

function epochMilliseconds(value: unknown, at: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isFinite(ms))
    throw new WhereError(`${at} must be a Date or epoch milliseconds`);
  return ms;
}

// ---- sort and select

const INSTANCE_SORT_KEYS: ReadonlySet<string> = new Set([
  "space",
  "externalId",
  "createdTime",
  "lastUpdatedTime",
]);

/** Compiles `sort` (one key or a list) to the API's sorts, by property reference. */
export function compileSort(
  sort: SortKey<string> | readonly SortKey<string>[] | undefined,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
): PropertySort[] | undefined {
  if (sort === undefined) return undefined;
  const keys: readonly SortKey<string>[] = Array.isArray(sort)
    ? sort
    : [sort as SortKey<string>];
  return keys.map((key, i) => {
    const at = `sort[${i}].property`;
    const name = key.property;
    let property: PropertyPath;
    if (INSTANCE_SORT_KEYS.has(name)) property = [instanceType, name];
    else {
      const definition = propertyDefinition(info, name, at);
      if (definition.list || definition.type === "json")
        throw new WhereError(
          `${at}: ${name} is a list or json property and cannot be sorted by`,
        );
      property = viewPropertyPath(info, definition.identifier);
    }
    const result: PropertySort = { property };
    if (key.direction !== undefined) result.direction = key.direction;
    if (key.nullsFirst !== undefined) result.nullsFirst = key.nullsFirst;
    return result;
  });
}

/** The API identifiers of the selected properties (for `sources[].properties`); all is `["*"]`. */
export function compileSelect(
  select: readonly string[] | undefined,
  info: ViewClassInfo,
): string[] {
  if (select === undefined) return ["*"];
  return select.map(
    (name, i) => propertyDefinition(info, name, `select[${i}]`).identifier,
  );
}

function propertyDefinition(
  info: ViewClassInfo,
  name: string,
  at: string,
): PropertyDefinition {
  const definition = Object.prototype.hasOwnProperty.call(info.properties, name)
    ? info.properties[name]
    : undefined;
  if (!definition)
    throw new WhereError(
      `${at}: ${viewName(info)} has no property ${JSON.stringify(name)}`,
    );
  return definition;
}

/**
 * Removes the properties that were not selected from a read object, so that what the type says
 * is absent is absent at run time too.
 */
export function dropUnselected<T extends object>(
  read: T,
  select: readonly string[] | undefined,
  info: ViewClassInfo,
): T {
  if (select === undefined) return read;
  const keep = new Set(select);
  for (const name of Object.keys(info.properties)) {
    if (!keep.has(name)) delete (read as Record<string, unknown>)[name];
  }
  return read;
}

// The typed filter (`where`), sort and projection (`select`) of one view, and their compilation to
// the API's filters, sorts and property lists. The types are shared, flat and cheap for tsc: each
// generated view declares one `<View>Where` interface from the operator types below, and lists its
// sortable, text, numeric and groupable property names as plain unions in its static `$types`.

import type { ViewClassInfo } from "./typed.js";
import {
  PropertyValueError,
  targetInfo,
  toWireValue,
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
  readonly type?: ReferenceFilter;
}

export interface EdgeWhere<TWhere> extends InstanceWhere<TWhere> {
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

/** What compiling one `where` needs to know besides the view. */
interface WhereContext {
  readonly info: ViewClassInfo;
  readonly instanceType: "node" | "edge";
  /** Where a direct relation's target class is found (see `loadWhereClasses`). */
  readonly classes?: TargetClasses | undefined;
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
  classes?: TargetClasses,
): Filter | undefined {
  if (where === undefined) return undefined;
  return compileObject(where, { info, instanceType, path: "where", classes });
}

/**
 * Loads the classes a `where` reaches through direct relations (at every level), so that
 * `compileWhere` finds them in `classes`: the client loads a view's module on first use.
 */
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
      const definition = Object.hasOwn(info.properties, key)
        ? info.properties[key]
        : undefined;
      if (definition?.type !== "direct" || definition.target === undefined)
        return undefined;
      // `{ nested: { ... } }`: a where of the target's view.
      const nested = (value as { readonly nested?: unknown } | null)?.nested;
      if (nested === undefined) return undefined;
      const target = await classes.load(definition.target);
      return target && loadWhereClasses(nested, target, classes);
    }),
  );
}

const MATCH_ALL: Filter = { matchAll: {} };
const MATCH_NONE: Filter = { not: MATCH_ALL };

function compileObject(where: unknown, ctx: WhereContext): Filter | undefined {
  if (typeof where !== "object" || where === null || Array.isArray(where))
    throw new WhereError(`${ctx.path} must be an object`);
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
  return filters.length > 1 ? { and: filters } : filters[0];
}

function compileEntry(
  key: string,
  condition: unknown,
  ctx: WhereContext,
): Filter | undefined {
  if (key === "$and" || key === "$or") {
    if (!Array.isArray(condition))
      throw new WhereError(`${ctx.path} must be a list of conditions`);
    const parts = condition.map(
      (part, i) =>
        compileObject(part, { ...ctx, path: `${ctx.path}[${i}]` }) ?? MATCH_ALL,
    );
    if (parts.length === 0) return key === "$and" ? undefined : MATCH_NONE;
    if (parts.length === 1) return parts[0];
    return key === "$and" ? { and: parts } : { or: parts };
  }
  if (key === "$not")
    return { not: compileObject(condition, ctx) ?? MATCH_ALL };
  if (key === "$raw") {
    if (typeof condition !== "object" || condition === null)
      throw new WhereError(`${ctx.path} must be a DMS filter object`);
    return condition as Filter;
  }
  const definition = ownDefinition(ctx.info, key);
  const rules = definition
    ? propertyRules(definition, ctx.classes)
    : instanceFieldRules(key, ctx);
  const property = definition
    ? viewPropertyPath(ctx.info, definition.identifier)
    : [ctx.instanceType, key];
  return compileOperators(property, condition, ctx.path, rules);
}

function ownDefinition(
  info: ViewClassInfo,
  name: string,
): PropertyDefinition | undefined {
  return Object.hasOwn(info.properties, name)
    ? info.properties[name]
    : undefined;
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

const EQUALITY = ["eq", "in", "exists"];
const RANGE = [...EQUALITY, "gt", "gte", "lt", "lte"];
const STRING = [...RANGE, "prefix"];

/** How one property's conditions compile. */
interface OperandRules {
  /** A value's wire form (throws on a bad one). */
  readonly convert: (value: unknown, at: string) => PropertyValue;
  /** Whether a condition is a bare value (meaning `eq`) rather than an operator object. */
  readonly isBare: (value: unknown) => boolean;
  readonly operators: readonly string[];
  /** The `where` of a direct relation's target, for `nested`. */
  readonly nested?: (where: unknown, at: string) => Filter | undefined;
}

function instanceFieldRules(key: string, ctx: WhereContext): OperandRules {
  if (key === "space" || key === "externalId")
    return {
      convert: expectString,
      isBare: (value) => typeof value === "string",
      operators: STRING,
    };
  if (key === "createdTime" || key === "lastUpdatedTime")
    return {
      convert: epochMilliseconds,
      isBare: (value) => typeof value === "number" || value instanceof Date,
      operators: RANGE,
    };
  if (
    key === "type" ||
    (ctx.instanceType === "edge" && (key === "startNode" || key === "endNode"))
  )
    return { convert: reference, isBare: isReference, operators: EQUALITY };
  throw new WhereError(
    Object.hasOwn(ctx.info.connections, key)
      ? `${ctx.path}: ${key} is a connection of ${viewName(ctx.info)}, not a property; a where takes properties only`
      : `${ctx.path}: ${viewName(ctx.info)} has no property ${JSON.stringify(key)}`,
  );
}

function operatorsOf(definition: PropertyDefinition): readonly string[] {
  if (definition.list) return ["containsAny", "containsAll", "exists"];
  switch (definition.type) {
    case "text":
    case "timeseries":
    case "file":
    case "sequence":
      return STRING;
    case "boolean":
      return ["eq", "exists"];
    case "json":
      return ["exists"];
    case "enum":
      return EQUALITY;
    case "direct":
      return [...EQUALITY, "nested"];
    default:
      return RANGE;
  }
}

function propertyRules(
  definition: PropertyDefinition,
  classes: TargetClasses | undefined,
): OperandRules {
  const { identifier, type, list, values } = definition;
  const scalar: PropertyDefinition = values
    ? { identifier, type, values }
    : { identifier, type };
  const target =
    type === "direct" && !list ? targetInfo(definition, classes) : undefined;
  return {
    convert: (value, at) => {
      if (value === null || value === undefined)
        throw new WhereError(
          `${at}: a condition takes a value, not ${String(value)}; use { exists: false } for "not set"`,
        );
      try {
        return toWireValue(
          type === "direct" ? reference(value, at) : value,
          scalar,
          at,
        );
      } catch (error) {
        if (error instanceof PropertyValueError)
          throw new WhereError(error.message);
        throw error;
      }
    },
    isBare: (value) => {
      if (list) return false;
      if (type === "direct") return isReference(value);
      if (type === "timestamp" && value instanceof Date) return true;
      return typeof value !== "object" || value === null;
    },
    operators: operatorsOf(definition),
    ...(target
      ? {
          nested: (where: unknown, at: string) =>
            compileObject(where, {
              info: target,
              instanceType: "node",
              path: at,
              classes,
            }),
        }
      : {}),
  };
}

function compileOperators(
  property: PropertyPath,
  condition: unknown,
  path: string,
  rules: OperandRules,
): Filter | undefined {
  if (rules.isBare(condition))
    return { equals: { property, value: rules.convert(condition, path) } };
  if (typeof condition !== "object" || condition === null)
    throw new WhereError(
      `${path}: expected a value or an object of operators, got ${JSON.stringify(condition)}`,
    );
  const filters: Filter[] = [];
  const range: Record<string, RangeBound> = {};
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    const at = `${path}.${operator}`;
    if (!rules.operators.includes(operator))
      throw new WhereError(
        `${at}: unknown operator ${JSON.stringify(operator)} here (this property takes ${rules.operators.join(", ")})`,
      );
    switch (operator) {
      case "eq":
        filters.push({
          equals: { property, value: rules.convert(operand, at) },
        });
        break;
      case "in":
      case "containsAny":
      case "containsAll":
        if (!Array.isArray(operand))
          throw new WhereError(`${at} must be a list`);
        filters.push(
          listFilter(
            operator,
            property,
            operand.map((value, i) => rules.convert(value, `${at}[${i}]`)),
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
      case "nested":
        // Without the target view's class a condition on it cannot compile: an error, not a
        // filter that silently matches every target.
        if (!rules.nested && Object.keys(operand as object).length > 0)
          throw new WhereError(
            `${at}: the relation's target view has no class in this client; its where cannot be compiled`,
          );
        filters.push({
          nested: {
            scope: property,
            filter: rules.nested?.(operand, at) ?? MATCH_ALL,
          },
        });
        break;
      default:
        range[operator] = rules.convert(operand, at) as RangeBound;
    }
  }
  if (Object.keys(range).length > 0)
    filters.push({ range: { property, ...range } });
  // An empty operator object (`{}`) is no condition, as an empty where is.
  return allOf(filters);
}

/**
 * `in` / `containsAny` / `containsAll`; a long list is split into chunks the API accepts. An empty
 * list decides the condition by itself, as an empty `$or` / `$and` does: `in` and `containsAny`
 * of nothing hold for no instance, `containsAll` of nothing for every one (sent as an empty
 * `values`, its meaning would rest on what the API makes of that).
 */
function listFilter(
  operator: "in" | "containsAny" | "containsAll",
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
  if (filters.length === 1) return filters[0]!;
  // containsAll of every chunk is containsAll of the whole list; in / containsAny of any chunk.
  return all ? { and: filters } : { or: filters };
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
  return keys.map(({ property: name, direction, nullsFirst }, i) => {
    const at = `sort[${i}].property`;
    let property: PropertyPath = [instanceType, name];
    if (
      !["space", "externalId", "createdTime", "lastUpdatedTime"].includes(name)
    ) {
      const definition = propertyDefinition(info, name, at);
      if (definition.list || definition.type === "json")
        throw new WhereError(
          `${at}: ${name} is a list or json property and cannot be sorted by`,
        );
      property = viewPropertyPath(info, definition.identifier);
    }
    const result: PropertySort = { property };
    if (direction !== undefined) result.direction = direction;
    if (nullsFirst !== undefined) result.nullsFirst = nullsFirst;
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
  const definition = ownDefinition(info, name);
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
  for (const name of Object.keys(info.properties))
    if (!select.includes(name)) delete (read as Record<string, unknown>)[name];
  return read;
}

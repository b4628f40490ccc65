// `search` and `aggregate` of one view (`instances/search`, `instances/aggregate`): their typed
// options, the request bodies, and the typed results.

import type * as where from "../model/where.js";
import type {
  AnyViewTypes,
  HasViewTypes,
  NumericOf,
  SelectOf,
  TextOf,
  WhereOf,
} from "../model/where.js";
import type { ViewClassInfo } from "../model/typed.js";
import type { PropertyDefinition, TargetClasses } from "../model/values.js";
import type { DmsClient } from "../read/dms-client.js";
import type { InstanceId, InstanceRead } from "../core/wire.js";

/** What search and aggregate use of the eager runtime, handed in (client/read-runtime.ts: why). */
export type SearchRuntime = Pick<
  typeof where,
  "compileWhere" | "loadWhereClasses" | "WhereError"
>;

/** How the terms of a search query combine: any term (default) or all of them. */
export type SearchOperator = "AND" | "OR";

/** Options of `search`. */
export interface SearchOptions<C extends HasViewTypes> {
  /** The text to match; without it, every instance matching `where` (up to `limit`). */
  readonly query?: string;
  /** Text properties to match the query in. Default: every text property of the view. */
  readonly properties?: readonly TextOf<C>[];
  readonly operator?: SearchOperator;
  readonly where?: WhereOf<C>;
  /** At most this many results, 1 to 1000. Default 1000. */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** One aggregate over numbers. */
export type NumberAggregate = "avg" | "min" | "max" | "sum";

/**
 * What `avg`, `min`, `max`, `sum` and `histogram` take on a view without number properties: no
 * property name is one, and the compile error names this type (the reason) instead of `never`.
 */
export interface NoNumericProperty {
  readonly "this view has no number property: avg, min, max, sum and histogram need one": never;
}

/** The number properties of `C`, or {@link NoNumericProperty} when it has none. */
export type NumericPropertyOf<C extends HasViewTypes> = [NumericOf<C>] extends [
  never,
]
  ? NoNumericProperty
  : NumericOf<C>;

/** What `aggregate` computes: each at most once per request; at most 5 in all. */
export interface Aggregates<C extends HasViewTypes> {
  /** `true`: the number of instances; a property: the number of its non-null values. */
  readonly count?: true | SelectOf<C>;
  readonly avg?: NumericPropertyOf<C>;
  readonly min?: NumericPropertyOf<C>;
  readonly max?: NumericPropertyOf<C>;
  readonly sum?: NumericPropertyOf<C>;
  readonly histogram?: {
    readonly property: NumericPropertyOf<C>;
    readonly interval: number;
  };
}

/** Options of `aggregate` besides the aggregates. */
export interface AggregateOptions<C extends HasViewTypes, G extends string> {
  /** Group by these properties (at most 5); one result per group. */
  readonly groupBy?: readonly G[];
  readonly where?: WhereOf<C>;
  /** Only instances matching this search query. */
  readonly query?: string;
  /** The text properties `query` matches. */
  readonly properties?: readonly TextOf<C>[];
  readonly operator?: SearchOperator;
  /** At most this many groups, 1 to 1000. Default 100 (the API's). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** A histogram: buckets of `interval` width, by start value. */
export interface Histogram {
  readonly interval: number;
  readonly buckets: readonly {
    readonly start: number;
    readonly count: number;
  }[];
}

/** A group's value of a `groupBy` property (`bigint` for an int64 of a client with `int64: "bigint"`). */
export type GroupValue = string | number | bigint | boolean | InstanceId | null;

/** The result of one group: the aggregates asked for, and the group's values. */
export type AggregateResult<A, G extends string> = {
  readonly [K in keyof A & keyof AggregateValueTypes]: AggregateValueTypes[K];
} & { readonly group: { readonly [K in G]: GroupValue } };

interface AggregateValueTypes {
  readonly count: number;
  readonly avg: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly sum: number | null;
  readonly histogram: Histogram;
}

/** Guards a generic aggregate argument against names `Aggregates` does not have. */
export type OnlyAggregates<A, C extends HasViewTypes> = A & {
  readonly [K in Exclude<keyof A, keyof Aggregates<C>>]: never;
};

/** The body of `instances/search`. */
export function searchRequest(
  runtime: SearchRuntime,
  options: SearchOptions<AnyViewTypes>,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  classes?: TargetClasses,
): Record<string, unknown> {
  const body: Record<string, unknown> = { view: info.view, instanceType };
  if (options.query !== undefined) body.query = options.query;
  if (options.properties !== undefined)
    body.properties = identifiers(
      runtime,
      options.properties,
      info,
      "properties",
    );
  if (options.operator !== undefined) body.operator = options.operator;
  const { compileWhere } = runtime;
  const filter = compileWhere(options.where, info, instanceType, classes);
  if (filter) body.filter = filter;
  if (options.limit !== undefined) body.limit = options.limit;
  return body;
}

/** The body of `instances/aggregate`. */
export function aggregateRequest(
  runtime: SearchRuntime,
  aggregates: Aggregates<AnyViewTypes>,
  options: AggregateOptions<AnyViewTypes, string>,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  classes?: TargetClasses,
): Record<string, unknown> {
  const body: Record<string, unknown> = { view: info.view, instanceType };
  const list = aggregateDefinitions(runtime, aggregates, info);
  if (list.length > 0) body.aggregates = list;
  if (options.groupBy !== undefined)
    body.groupBy = identifiers(runtime, options.groupBy, info, "groupBy");
  const { compileWhere } = runtime;
  const filter = compileWhere(options.where, info, instanceType, classes);
  if (filter) body.filter = filter;
  if (options.query !== undefined) body.query = options.query;
  if (options.properties !== undefined)
    body.properties = identifiers(
      runtime,
      options.properties,
      info,
      "properties",
    );
  if (options.operator !== undefined) body.operator = options.operator;
  if (options.limit !== undefined) body.limit = options.limit;
  return body;
}

function aggregateDefinitions(
  runtime: SearchRuntime,
  aggregates: Aggregates<AnyViewTypes>,
  info: ViewClassInfo,
): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [];
  const property = (name: unknown, at: string): string =>
    identifier(runtime, String(name), info, at);
  for (const [kind, spec] of Object.entries(aggregates)) {
    if (spec === undefined) continue;
    switch (kind) {
      case "count":
        list.push({
          count: spec === true ? {} : { property: property(spec, "count") },
        });
        break;
      case "avg":
      case "min":
      case "max":
      case "sum":
        list.push({ [kind]: { property: property(spec, kind) } });
        break;
      case "histogram": {
        const { property: name, interval } = spec as {
          property: string;
          interval: number;
        };
        list.push({
          histogram: { property: property(name, "histogram"), interval },
        });
        break;
      }
      default:
        throw new runtime.WhereError(`aggregate: unknown aggregate ${kind}`);
    }
  }
  return list;
}

function identifier(
  runtime: SearchRuntime,
  name: string,
  info: ViewClassInfo,
  at: string,
): string {
  const definition = Object.prototype.hasOwnProperty.call(info.properties, name)
    ? info.properties[name]
    : undefined;
  if (!definition) {
    const { space, externalId, version } = info.view;
    throw new runtime.WhereError(
      `${at}: ${space}:${externalId}/${version} has no property ${JSON.stringify(name)}`,
    );
  }
  return definition.identifier;
}

function identifiers(
  runtime: SearchRuntime,
  names: readonly string[],
  info: ViewClassInfo,
  at: string,
): string[] {
  return names.map((name, i) => identifier(runtime, name, info, `${at}[${i}]`));
}

/** One item of the `instances/aggregate` response. */
interface AggregatedItem {
  readonly group?: Record<string, GroupValue>;
  readonly aggregates: readonly {
    readonly aggregate: string;
    readonly property?: string;
    readonly value?: number;
    readonly interval?: number;
    readonly buckets?: readonly { start: number; count: number }[];
  }[];
}

/** Response items as typed groups: TypeScript names for group keys, one field per aggregate. */
export function aggregateResults(
  items: readonly AggregatedItem[],
  groupBy: readonly string[] | undefined,
  info: ViewClassInfo,
): Record<string, unknown>[] {
  const names = new Map(
    (groupBy ?? []).map((name) => [info.properties[name]!.identifier, name]),
  );
  return items.map((item) => {
    const group: Record<string, GroupValue> = {};
    for (const [key, value] of Object.entries(item.group ?? {})) {
      const name = names.get(key);
      group[name ?? key] = groupValue(
        value,
        name === undefined ? undefined : info.properties[name],
      );
    }
    const result: Record<string, unknown> = { group };
    for (const aggregate of item.aggregates) {
      result[aggregate.aggregate] =
        aggregate.aggregate === "histogram"
          ? {
              interval: aggregate.interval ?? 0,
              buckets: aggregate.buckets ?? [],
            }
          : (aggregate.value ?? (aggregate.aggregate === "count" ? 0 : null));
    }
    return result;
  });
}

/**
 * A group value as the property's type says: an int64 read as bigint is a bigint (the exact parser
 * keeps group values beyond 2^53 exact, since the response does not name the view); any other
 * exact integer is the number JSON.parse would give.
 */
function groupValue(
  value: GroupValue,
  definition: PropertyDefinition | undefined,
): GroupValue {
  if (definition?.type === "int64" && definition.as === "bigint")
    return typeof value === "number" && Number.isInteger(value)
      ? BigInt(value)
      : value;
  return typeof value === "bigint" ? Number(value) : value;
}

// ---- what a view accessor's `search` and `aggregate` run (loaded on their first call)

/** The client's classes by view id, loaded on first use (the client's registry). */
type ViewClasses = TargetClasses & {
  load(view: string): Promise<ViewClassInfo | undefined>;
};

/** The items of `instances/search`, in the API's (relevance) order. */
export async function searchInstances(
  runtime: SearchRuntime,
  dms: DmsClient,
  views: ViewClasses,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  options: SearchOptions<AnyViewTypes>,
): Promise<InstanceRead[]> {
  await runtime.loadWhereClasses(options.where, info, views);
  const response = await dms.http.postJson<{ items: InstanceRead[] }>(
    "/models/instances/search",
    searchRequest(runtime, options, info, instanceType, views),
    options.signal ? { signal: options.signal } : {},
  );
  return response.items;
}

/** `instances/aggregate` over a view: one result, or one per group with `groupBy`. */
export async function aggregateInstances(
  runtime: SearchRuntime,
  dms: DmsClient,
  views: ViewClasses,
  info: ViewClassInfo,
  instanceType: "node" | "edge",
  aggregates: Aggregates<AnyViewTypes>,
  options: AggregateOptions<AnyViewTypes, string>,
): Promise<Record<string, unknown>[]> {
  await runtime.loadWhereClasses(options.where, info, views);
  const response = await dms.http.postJson<{ items: AggregatedItem[] }>(
    "/models/instances/aggregate",
    aggregateRequest(runtime, aggregates, options, info, instanceType, views),
    options.signal ? { signal: options.signal } : {},
  );
  return aggregateResults(response.items, options.groupBy, info);
}

// `POST /models/instances/aggregate`: count, avg, min, max, sum and histogram over the instances
// with data in one view that match the optional query (text-match.ts) and filter, optionally
// grouped by up to 5 properties. The emulator's stated assumptions (CDF does not document them):
// - no `aggregates` means one `count` per group (the contract wants at least one aggregate per item);
// - an instance with no value for a `groupBy` property is in no group (like a terms aggregation);
// - groups come largest first, ties by their values, at most `limit` (default 100, maximum 1000);
// - avg/min/max over no values leave `value` out; sum and count over no values are 0;
// - histogram buckets start at multiples of `interval` and run from the lowest to the highest
//   value without gaps (empty buckets count 0); more than 10,000 buckets is a 400;
// - list properties cannot be aggregated or grouped by (400).

import { writeJson } from "../json.js";
import type { JsonValue } from "../../../templates/runtime/core/wire.js";
import type { PropertyType } from "../../input/types.js";
import { badRequest } from "../http/api-error.js";
import {
  asArray,
  asRecord,
  optionalBoolean,
  optionalInteger,
  type JsonRecord,
} from "../http/request-shape.js";
import type { ResolvedView } from "../schema/store.js";
import { matchingInstances } from "./search.js";
import { resolveSources } from "../instances/select.js";
import type { EmulatorState } from "../state.js";
import { storedValue, type StoredInstance } from "../instances/store.js";

export const AGGREGATE_LIMITS = { min: 1, max: 1000, fallback: 100 };
export const MAX_HISTOGRAM_BUCKETS = 10_000;

const NUMERIC = new Set(["int32", "int64", "float32", "float64"]);
const GROUPABLE = new Set([
  "text",
  "direct",
  "int32",
  "int64",
  "float32",
  "float64",
  "boolean",
  "enum",
]);

type Getter = (instance: StoredInstance) => JsonValue | undefined;

type Aggregate =
  | { kind: "count"; property: string | undefined; get: Getter | undefined }
  | { kind: "avg" | "min" | "max" | "sum"; property: string; get: Getter }
  | { kind: "histogram"; property: string; get: Getter; interval: number };

export function aggregateInstances(
  state: EmulatorState,
  body: unknown,
): JsonRecord {
  const request = asRecord(body, "body");
  const limit = optionalInteger(request, "limit", "body", AGGREGATE_LIMITS);
  const { view, candidates } = matchingInstances(state, request);
  const aggregates = parseAggregates(view, request.aggregates);
  const groupBy = parseGroupBy(view, request.groupBy);
  const instanceType = request.instanceType === "edge" ? "edge" : "node";
  const instances = candidates.map((c) => c.instance);
  const out: JsonRecord = { items: [] };
  if (optionalBoolean(request, "includeTyping", "body", false))
    out.typing = resolveSources(
      state.schema,
      [{ source: request.view }],
      "view",
      false,
    ).typing;
  if (!groupBy) {
    out.items = [
      { instanceType, aggregates: aggregates.map((a) => run(a, instances)) },
    ];
    return out;
  }
  const groups = [...groupInstances(instances, groupBy).values()];
  groups.sort(
    (a, b) =>
      b.instances.length - a.instances.length || compareText(a.key, b.key),
  );
  out.items = groups.slice(0, limit).map((g) => ({
    instanceType,
    group: g.values,
    aggregates: aggregates.map((a) => run(a, g.instances)),
  }));
  return out;
}

function propertyGetter(
  view: ResolvedView,
  raw: unknown,
  path: string,
  allowed: Set<string> | undefined,
): { property: string; get: Getter; type: PropertyType } {
  const mapped = typeof raw === "string" ? view.mapped.get(raw) : undefined;
  if (!mapped && (raw === "externalId" || raw === "space"))
    return baseGetter(raw, allowed);
  if (!mapped)
    throw badRequest(
      `${path}: view ${view.key} has no property ${JSON.stringify(raw)}`,
    );
  const type = mapped.definition.type;
  if (allowed && !allowed.has(type.type))
    throw badRequest(
      `${path}: "${mapped.propertyId}" is a ${type.type} property; expected one of ${[...allowed].join(", ")}`,
    );
  if (type.type !== "enum" && type.list)
    throw badRequest(
      `${path}: "${mapped.propertyId}" is a list property, which cannot be aggregated`,
    );
  const { containerKey, containerPropertyId } = mapped;
  return {
    property: mapped.propertyId,
    get: (i) => storedValue(i.rows[containerKey], containerPropertyId),
    type,
  };
}

/** `externalId` and `space` (as in the SDK's own aggregate example): text base properties. */
function baseGetter(
  name: "externalId" | "space",
  allowed: Set<string> | undefined,
): { property: string; get: Getter; type: PropertyType } {
  if (allowed && !allowed.has("text"))
    throw badRequest(`"${name}" is a text property; expected a number`);
  return {
    property: name,
    get: (i) => i[name],
    type: { type: "text", list: false },
  };
}

function parseAggregates(view: ResolvedView, raw: unknown): Aggregate[] {
  if (raw === undefined || raw === null)
    return [{ kind: "count", property: undefined, get: undefined }];
  const list = asArray(raw, "aggregates");
  if (list.length > 5) throw badRequest("aggregates: at most 5 entries");
  if (list.length === 0)
    return [{ kind: "count", property: undefined, get: undefined }];
  return list.map((entry, i) =>
    parseAggregate(view, entry, `aggregates[${i}]`),
  );
}

function parseAggregate(
  view: ResolvedView,
  raw: unknown,
  path: string,
): Aggregate {
  const obj = asRecord(raw, path);
  const keys = Object.keys(obj);
  if (keys.length !== 1)
    throw badRequest(
      `${path} must have exactly one of count, avg, min, max, sum, histogram`,
    );
  const kind = keys[0]!;
  const at = `${path}.${kind}`;
  const spec = asRecord(obj[kind], at);
  switch (kind) {
    case "count": {
      if (spec.property === undefined)
        return { kind, property: undefined, get: undefined };
      const { property, get } = propertyGetter(
        view,
        spec.property,
        `${at}.property`,
        undefined,
      );
      return { kind, property, get };
    }
    case "avg":
    case "min":
    case "max":
    case "sum": {
      const { property, get } = propertyGetter(
        view,
        spec.property,
        `${at}.property`,
        NUMERIC,
      );
      return { kind, property, get };
    }
    case "histogram": {
      const { property, get } = propertyGetter(
        view,
        spec.property,
        `${at}.property`,
        NUMERIC,
      );
      const interval = spec.interval;
      if (
        typeof interval !== "number" ||
        !Number.isFinite(interval) ||
        interval <= 0
      )
        throw badRequest(`${at}.interval must be a number above 0`);
      return { kind, property, get, interval };
    }
    default:
      throw badRequest(
        `${path}: unknown aggregate "${kind}"; expected count, avg, min, max, sum or histogram`,
      );
  }
}

function parseGroupBy(
  view: ResolvedView,
  raw: unknown,
): { property: string; get: Getter }[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = asArray(raw, "groupBy");
  if (list.length === 0 || list.length > 5)
    throw badRequest("groupBy must have between 1 and 5 entries");
  return list.map((p, i) =>
    propertyGetter(view, p, `groupBy[${i}]`, GROUPABLE),
  );
}

interface Group {
  key: string;
  values: Record<string, JsonValue>;
  instances: StoredInstance[];
}

function groupInstances(
  instances: readonly StoredInstance[],
  groupBy: readonly { property: string; get: Getter }[],
): Map<string, Group> {
  const groups = new Map<string, Group>();
  outer: for (const instance of instances) {
    const values: Record<string, JsonValue> = {};
    for (const g of groupBy) {
      const value = g.get(instance);
      if (value === undefined || value === null) continue outer;
      values[g.property] = value;
    }
    const key = writeJson(groupBy.map((g) => values[g.property]));
    let group = groups.get(key);
    if (!group) {
      group = { key, values, instances: [] };
      groups.set(key, group);
    }
    group.instances.push(instance);
  }
  return groups;
}

function numbers(get: Getter, instances: readonly StoredInstance[]): number[] {
  const out: number[] = [];
  for (const i of instances) {
    const value = get(i);
    if (typeof value === "number") out.push(value);
    else if (typeof (value as unknown) === "bigint") out.push(Number(value));
  }
  return out;
}

function run(
  aggregate: Aggregate,
  instances: readonly StoredInstance[],
): JsonRecord {
  if (aggregate.kind === "count") {
    const value = aggregate.get
      ? instances.filter((i) => {
          const v = aggregate.get!(i);
          return v !== undefined && v !== null;
        }).length
      : instances.length;
    return aggregate.property === undefined
      ? { aggregate: "count", value }
      : { aggregate: "count", property: aggregate.property, value };
  }
  const values = numbers(aggregate.get, instances);
  if (aggregate.kind === "histogram")
    return {
      aggregate: "histogram",
      property: aggregate.property,
      interval: aggregate.interval,
      buckets: histogram(values, aggregate.interval),
    };
  const out: JsonRecord = {
    aggregate: aggregate.kind,
    property: aggregate.property,
  };
  if (aggregate.kind === "sum") out.value = sum(values);
  else if (values.length > 0)
    out.value =
      aggregate.kind === "avg"
        ? sum(values) / values.length
        : aggregate.kind === "min"
          ? values.reduce((a, b) => (b < a ? b : a))
          : values.reduce((a, b) => (b > a ? b : a));
  return out;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function histogram(
  values: readonly number[],
  interval: number,
): { start: number; count: number }[] {
  if (values.length === 0) return [];
  const index = (v: number) => Math.floor(v / interval);
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, index(v));
    high = Math.max(high, index(v));
  }
  if (high - low + 1 > MAX_HISTOGRAM_BUCKETS)
    throw badRequest(
      `histogram: interval ${interval} gives ${high - low + 1} buckets, more than ${MAX_HISTOGRAM_BUCKETS}`,
    );
  const counts = new Array<number>(high - low + 1).fill(0);
  for (const v of values) counts[index(v) - low]!++;
  return counts.map((count, k) => ({ start: (low + k) * interval, count }));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

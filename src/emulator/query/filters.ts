// The filter language of memo §5, compiled once per request into a predicate over stored instances.

import { writeJson } from "../json.js";
import type {
  InstanceId,
  JsonValue,
} from "../../../templates/runtime/core/wire.js";
import type { PropertyType } from "../../input/types.js";
import { badRequest } from "../http/api-error.js";
import {
  asArray,
  asRecord,
  asSourceReference,
  isRecord,
} from "../http/request-shape.js";
import {
  containerKeyOf,
  findView,
  type ResolvedView,
  type SchemaStore,
} from "../schema/store.js";
import { hasDataIn } from "../instances/read-shape.js";
import {
  getLiveNode,
  type InstanceStore,
  type StoredInstance,
  storedValue,
} from "../instances/store.js";
import { parseTimestamp, sameValue } from "../instances/values.js";

export type Predicate = (instance: StoredInstance) => boolean;

export interface FilterContext {
  schema: SchemaStore;
  store: InstanceStore;
  /** Values for `{"parameter": name}` references (query and sync only). */
  parameters: Record<string, JsonValue> | undefined;
  /** search and aggregate: the request's view, so `["title"]` names its property `title`. */
  view?: ResolvedView;
}

/** Reads one property of an instance; `kind` says how to compare its values. */
export interface PropertyAccessor {
  get(instance: StoredInstance): JsonValue | undefined;
  kind:
    | "timestamp"
    | "date"
    | "number"
    | "text"
    | "reference"
    | "boolean"
    | "json"
    | "any";
  list: boolean;
}

type Operand = (instance: StoredInstance) => JsonValue | undefined;

/**
 * Limits on one filter (CDF does not document its own; these are the emulator's stated ones):
 * `and` / `or` / `not` / `nested` nest at most 32 deep, and an `in`, `containsAny`,
 * `containsAll` list or an `and` / `or` has at most 5000 entries. Past either: 400.
 */
export const FILTER_LIMITS = { maxDepth: 32, maxValues: 5000 };

export function compileFilter(
  raw: unknown,
  ctx: FilterContext,
  path = "filter",
  depth = 0,
): Predicate {
  if (depth > FILTER_LIMITS.maxDepth)
    throw badRequest(
      `${path}: filters nest at most ${FILTER_LIMITS.maxDepth} levels deep`,
    );
  const filter = asRecord(raw, path);
  const keys = Object.keys(filter);
  if (keys.length !== 1)
    throw badRequest(
      `${path} must have exactly one key, got ${keys.length === 0 ? "none" : keys.join(", ")}`,
    );
  const name = keys[0]!;
  const body = filter[name];
  const at = `${path}.${name}`;
  switch (name) {
    case "and":
    case "or": {
      const parts = checkedCount(asArray(body, at), at).map((f, i) =>
        compileFilter(f, ctx, `${at}[${i}]`, depth + 1),
      );
      if (parts.length === 0)
        throw badRequest(`${at} must have at least one filter`);
      return name === "and"
        ? (i) => parts.every((p) => p(i))
        : (i) => parts.some((p) => p(i));
    }
    case "not": {
      const inner = compileFilter(body, ctx, at, depth + 1);
      return (i) => !inner(i);
    }
    case "matchAll":
      return () => true;
    case "equals":
      return compileEquals(asRecord(body, at), ctx, at);
    case "in":
      return compileIn(asRecord(body, at), ctx, at);
    case "range":
      return compileRange(asRecord(body, at), ctx, at);
    case "prefix":
      return compilePrefix(asRecord(body, at), ctx, at);
    case "exists": {
      const property = compileProperty(
        asRecord(body, at).property,
        ctx,
        `${at}.property`,
      );
      return (i) => isSet(property.get(i));
    }
    case "containsAny":
    case "containsAll":
      return compileContains(name, asRecord(body, at), ctx, at);
    case "nested":
      return compileNested(asRecord(body, at), ctx, at, depth);
    case "overlaps":
      return compileOverlaps(asRecord(body, at), ctx, at);
    case "hasData":
      return compileHasData(body, ctx, at);
    case "instanceReferences":
      return compileInstanceReferences(body, at);
    default:
      throw badRequest(`${path}: unknown filter "${name}"`);
  }
}

function checkedCount<T>(list: T[], path: string): T[] {
  if (list.length > FILTER_LIMITS.maxValues)
    throw badRequest(
      `${path} has ${list.length} entries; at most ${FILTER_LIMITS.maxValues} are allowed`,
    );
  return list;
}

function isSet(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null;
}

const BASE_PROPERTIES: Record<
  string,
  {
    kind: PropertyAccessor["kind"];
    get: (i: StoredInstance) => JsonValue | undefined;
    edgeOnly?: boolean;
  }
> = {
  instanceType: { kind: "text", get: (i) => i.kind },
  space: { kind: "text", get: (i) => i.space },
  externalId: { kind: "text", get: (i) => i.externalId },
  version: { kind: "number", get: (i) => i.version },
  createdTime: { kind: "number", get: (i) => i.createdTime },
  lastUpdatedTime: { kind: "number", get: (i) => i.lastUpdatedTime },
  deletedTime: { kind: "number", get: (i) => i.deletedTime },
  type: { kind: "reference", get: (i) => idValue(i.type) },
  startNode: {
    kind: "reference",
    get: (i) => idValue(i.startNode),
    edgeOnly: true,
  },
  endNode: {
    kind: "reference",
    get: (i) => idValue(i.endNode),
    edgeOnly: true,
  },
};

function idValue(id: InstanceId | undefined): JsonValue | undefined {
  return id === undefined
    ? undefined
    : { space: id.space, externalId: id.externalId };
}

/** Resolves `["node"|"edge", id]`, `[space, "view/version", id]` or `[space, container, id]`. */
export function compileProperty(
  raw: unknown,
  ctx: FilterContext,
  path: string,
): PropertyAccessor {
  const parts = asArray(raw, path);
  if (!parts.every((p) => typeof p === "string"))
    throw badRequest(`${path} must be a list of strings`);
  const ref = parts as string[];
  if (ref.length === 2 && (ref[0] === "node" || ref[0] === "edge")) {
    const base = BASE_PROPERTIES[ref[1]!];
    if (!base || (base.edgeOnly && ref[0] === "node"))
      throw badRequest(`${path}: "${ref[1]}" is not a ${ref[0]} property`);
    return { get: base.get, kind: base.kind, list: false };
  }
  if (ref.length === 1 && ctx.view) {
    const { space, externalId, version } = ctx.view.definition;
    return viewProperty(ctx, space, externalId, version, ref[0]!, path);
  }
  if (ref.length !== 3)
    throw badRequest(
      `${path} must be ["node"|"edge", property] or [space, view/version or container, property]`,
    );
  const [space, source, propertyId] = ref as [string, string, string];
  const slash = source.indexOf("/");
  if (slash >= 0)
    return viewProperty(
      ctx,
      space,
      source.slice(0, slash),
      source.slice(slash + 1),
      propertyId,
      path,
    );
  const container = ctx.schema.containers.get(
    containerKeyOf({ space, externalId: source }),
  );
  const def = container?.properties.get(propertyId);
  if (!container || !def)
    throw badRequest(
      `${path}: unknown container property ${space}:${source}.${propertyId}`,
    );
  return rowAccessor(container.key, propertyId, def.type);
}

function viewProperty(
  ctx: FilterContext,
  space: string,
  externalId: string,
  version: string,
  propertyId: string,
  path: string,
): PropertyAccessor {
  const view = findView(ctx.schema, {
    type: "view",
    space,
    externalId,
    version,
  });
  if (!view)
    throw badRequest(
      `${path}: view ${space}:${externalId}/${version} does not exist`,
      { missing: [{ type: "view", space, externalId, version }] },
    );
  const mapped = view.mapped.get(propertyId);
  if (!mapped)
    throw badRequest(
      `${path}: view ${view.key} has no stored property "${propertyId}"`,
    );
  return rowAccessor(
    mapped.containerKey,
    mapped.containerPropertyId,
    mapped.definition.type,
  );
}

function rowAccessor(
  containerKey: string,
  propertyId: string,
  type: PropertyType,
): PropertyAccessor {
  return {
    get: (i) => storedValue(i.rows[containerKey], propertyId),
    kind: kindOf(type),
    list: type.type !== "enum" && type.list,
  };
}

function kindOf(type: PropertyType): PropertyAccessor["kind"] {
  switch (type.type) {
    case "timestamp":
      return "timestamp";
    case "date":
      return "date";
    case "int32":
    case "int64":
    case "float32":
    case "float64":
      return "number";
    case "direct":
      return "reference";
    case "boolean":
      return "boolean";
    case "json":
      return "json";
    default:
      return "text";
  }
}

/** A literal, `{"parameter": name}` or `{"property": [...]}` (another property of the same instance). */
function compileOperand(
  raw: unknown,
  ctx: FilterContext,
  path: string,
): Operand {
  if (
    isRecord(raw) &&
    Object.keys(raw).length === 1 &&
    typeof raw.parameter === "string"
  ) {
    const name = raw.parameter;
    if (!ctx.parameters || !Object.hasOwn(ctx.parameters, name))
      throw badRequest(
        `${path}: parameter "${name}" has no value in "parameters"`,
      );
    const value = ctx.parameters[name]!;
    return () => value;
  }
  if (
    isRecord(raw) &&
    Object.keys(raw).length === 1 &&
    Array.isArray(raw.property)
  ) {
    return compileProperty(raw.property, ctx, `${path}.property`).get;
  }
  const value = raw as JsonValue;
  return () => value;
}

/** Maps a value to something `<` and `===` work on, by the property's kind. */
function comparable(
  value: JsonValue | undefined,
  kind: PropertyAccessor["kind"],
): number | bigint | string | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" || typeof value === "boolean") return value;
  // int64 beyond 2^53, stored and parsed exactly: a bigint on both sides of a comparison.
  if (typeof (value as unknown) === "bigint") return value as unknown as bigint;
  if (typeof value === "string") {
    if (kind === "timestamp" || (kind === "number" && value.includes("T")))
      return parseTimestamp(value) ?? value;
    return value;
  }
  if (
    isRecord(value) &&
    typeof value.space === "string" &&
    typeof value.externalId === "string"
  )
    return `${value.space}\u0000${value.externalId}`;
  return writeJson(value);
}

function matches(
  stored: JsonValue | undefined,
  wanted: JsonValue | undefined,
  kind: PropertyAccessor["kind"],
): boolean {
  if (kind === "json" || kind === "any") return sameValue(stored, wanted);
  const a = comparable(stored, kind);
  return a !== undefined && a === comparable(wanted, kind);
}

function compileEquals(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Predicate {
  const property = compileProperty(body.property, ctx, `${path}.property`);
  const value = compileOperand(body.value, ctx, `${path}.value`);
  return (i) => {
    const stored = property.get(i);
    const wanted = value(i);
    if (property.list && Array.isArray(stored) && !Array.isArray(wanted))
      return stored.some((s) => matches(s, wanted, property.kind));
    if (Array.isArray(stored) || Array.isArray(wanted))
      return sameValue(stored, wanted);
    return matches(stored, wanted, property.kind);
  };
}

function listOperand(
  raw: unknown,
  ctx: FilterContext,
  path: string,
): (i: StoredInstance) => JsonValue[] {
  if (Array.isArray(raw)) {
    const values = checkedCount(raw as JsonValue[], path);
    return () => values;
  }
  const operand = compileOperand(raw, ctx, path);
  return (i) => {
    const value = operand(i);
    return Array.isArray(value)
      ? value
      : value === undefined || value === null
        ? []
        : [value];
  };
}

function compileIn(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Predicate {
  const property = compileProperty(body.property, ctx, `${path}.property`);
  const values = listOperand(body.values, ctx, `${path}.values`);
  if (
    Array.isArray(body.values) &&
    property.kind !== "json" &&
    property.kind !== "any"
  ) {
    // A literal list: one set lookup per instance instead of a scan of up to 5000 values.
    const wanted = new Set(
      (body.values as JsonValue[]).map((v) => comparable(v, property.kind)),
    );
    wanted.delete(undefined);
    return (i) => {
      const stored = comparable(property.get(i), property.kind);
      return stored !== undefined && wanted.has(stored);
    };
  }
  return (i) => {
    const stored = property.get(i);
    return values(i).some((v) => matches(stored, v, property.kind));
  };
}

function compileContains(
  name: "containsAny" | "containsAll",
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Predicate {
  const property = compileProperty(body.property, ctx, `${path}.property`);
  const values = listOperand(body.values, ctx, `${path}.values`);
  return (i) => {
    const raw = property.get(i);
    if (!isSet(raw)) return false;
    const stored = Array.isArray(raw) ? raw : [raw!];
    const has = (v: JsonValue): boolean =>
      stored.some((s) => matches(s, v, property.kind));
    const wanted = values(i);
    return name === "containsAny" ? wanted.some(has) : wanted.every(has);
  };
}

type Bounds = { gt?: Operand; gte?: Operand; lt?: Operand; lte?: Operand };

function compileBounds(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Bounds {
  const bounds: Bounds = {};
  for (const key of ["gt", "gte", "lt", "lte"] as const) {
    if (body[key] !== undefined)
      bounds[key] = compileOperand(body[key], ctx, `${path}.${key}`);
  }
  if ((bounds.gt && bounds.gte) || (bounds.lt && bounds.lte))
    throw badRequest(`${path}: gt and gte (or lt and lte) cannot be combined`);
  if (!bounds.gt && !bounds.gte && !bounds.lt && !bounds.lte)
    throw badRequest(`${path} needs at least one of gt, gte, lt, lte`);
  return bounds;
}

function inRange(
  value: number | bigint | string | boolean,
  bounds: Bounds,
  i: StoredInstance,
  kind: PropertyAccessor["kind"],
): boolean {
  const bound = (op: Operand | undefined) =>
    op ? comparable(op(i), kind) : undefined;
  const gt = bound(bounds.gt),
    gte = bound(bounds.gte),
    lt = bound(bounds.lt),
    lte = bound(bounds.lte);
  if (gt !== undefined && !(value > gt)) return false;
  if (gte !== undefined && !(value >= gte)) return false;
  if (lt !== undefined && !(value < lt)) return false;
  if (lte !== undefined && !(value <= lte)) return false;
  return true;
}

function compileRange(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Predicate {
  const property = compileProperty(body.property, ctx, `${path}.property`);
  const bounds = compileBounds(body, ctx, path);
  return (i) => {
    const value = comparable(property.get(i), property.kind);
    return value !== undefined && inRange(value, bounds, i, property.kind);
  };
}

function compilePrefix(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Predicate {
  const property = compileProperty(body.property, ctx, `${path}.property`);
  const value = compileOperand(body.value, ctx, `${path}.value`);
  return (i) => {
    const stored = property.get(i);
    const prefix = value(i);
    if (typeof prefix === "string" && typeof stored === "string")
      return stored.startsWith(prefix);
    if (Array.isArray(prefix) && Array.isArray(stored))
      return prefix.every((p, k) => sameValue(stored[k], p));
    return false;
  };
}

/** `[start, end]` overlaps the bounds; an unset start or end is open. */
function compileOverlaps(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Predicate {
  const start = compileProperty(
    body.startProperty,
    ctx,
    `${path}.startProperty`,
  );
  const end = compileProperty(body.endProperty, ctx, `${path}.endProperty`);
  const bounds = compileBounds(body, ctx, path);
  return (i) => {
    const s = comparable(start.get(i), start.kind);
    const e = comparable(end.get(i), end.kind);
    if (s === undefined && e === undefined) return false;
    const bound = (op: Operand | undefined) =>
      op ? comparable(op(i), start.kind) : undefined;
    const gt = bound(bounds.gt),
      gte = bound(bounds.gte),
      lt = bound(bounds.lt),
      lte = bound(bounds.lte);
    if (gt !== undefined && e !== undefined && !(e > gt)) return false;
    if (gte !== undefined && e !== undefined && !(e >= gte)) return false;
    if (lt !== undefined && s !== undefined && !(s < lt)) return false;
    if (lte !== undefined && s !== undefined && !(s <= lte)) return false;
    return true;
  };
}

function compileNested(
  body: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
  depth: number,
): Predicate {
  const scope = compileProperty(body.scope, ctx, `${path}.scope`);
  if (scope.kind !== "reference")
    throw badRequest(`${path}.scope must be a direct relation property`);
  const inner = compileFilter(body.filter, ctx, `${path}.filter`, depth + 1);
  return (i) => {
    const target = scope.get(i);
    const targets = Array.isArray(target)
      ? target
      : isSet(target)
        ? [target!]
        : [];
    return targets.some((t) => {
      if (!isRecord(t)) return false;
      const node = getLiveNode(ctx.store, t as unknown as InstanceId);
      return node !== undefined && inner(node);
    });
  };
}

/** Data in every listed view / container (memo §8.8: AND). */
function compileHasData(
  body: unknown,
  ctx: FilterContext,
  path: string,
): Predicate {
  const groups = asArray(body, path).map((raw, k) => {
    const ref = asSourceReference(raw, `${path}[${k}]`);
    if (ref.type === "container") return [containerKeyOf(ref)];
    const view = findView(ctx.schema, ref);
    if (!view)
      throw badRequest(
        `${path}[${k}]: view ${ref.space}:${ref.externalId}/${ref.version} does not exist`,
        { missing: [{ ...ref }] },
      );
    return view.containerKeys;
  });
  return (i) => groups.every((keys) => hasDataIn(i, keys));
}

function compileInstanceReferences(body: unknown, path: string): Predicate {
  const ids = new Set(
    asArray(body, path).map((raw, k) => {
      const ref = asRecord(raw, `${path}[${k}]`);
      return `${String(ref.space)}\u0000${String(ref.externalId)}`;
    }),
  );
  return (i) => ids.has(`${i.space}\u0000${i.externalId}`);
}

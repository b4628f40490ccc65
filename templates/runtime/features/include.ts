// `include` on `list` and `retrieve`: read objects together with what their connections lead to
// (edges, direct relations, reverse direct relations), nested, in one DMS query per call. The
// query pages root set by root set: for each page of root objects every chained result set is
// followed to its end, then the objects are assembled and handed out before the next root page
// is read, so a large list never sits whole in memory.

import type * as errors from "../core/errors.js";
import type { ProtocolError } from "../core/errors.js";
import type * as query from "../read/query.js";
import type * as typed from "../model/typed.js";
import type {
  Connected,
  TypedEdge,
  TypedInstance,
  TypedNode,
} from "../model/typed.js";
import type {
  EdgeConnectionDefinition,
  PropertyDefinition,
  ReverseRelationDefinition,
} from "../model/values.js";
import type * as where from "../model/where.js";
import type {
  Filter,
  InstanceId,
  InstanceRead,
  PropertySort,
  QueryRequest,
  QueryResultSetExpression,
  Select,
  ThroughReference,
} from "../core/wire.js";
import {
  runQueryGraph,
  type GraphQueryOptions,
  type QueryGraphRuntime,
  type QueryPoster,
} from "./query-graph.js";
import {
  anonymousEdgeClass,
  loadTargetClass,
  viewKey,
  type LooseSortKey,
  type LooseWhere,
  type ReadClassOf,
  type SortIn,
  type ViewClasses,
  type WhereIn,
} from "./targets.js";

// ---- types

/** Keys of a read object that every instance has: never a connection. */
type InstanceKeys = keyof TypedNode | keyof TypedEdge;

type Element<V> = V extends readonly (infer E)[] ? E : V;

/** What a connection value holds, one item: a read object, `Connected`, or a node reference. */
type Linked<T, K extends keyof T> = Element<NonNullable<T[K]>>;

/** The TypeScript names of a read object's connections that `include` can follow. */
export type IncludableKey<T> = {
  [K in Exclude<keyof T, InstanceKeys>]-?: Linked<T, K> extends
    TypedInstance | Connected<unknown, unknown> | InstanceId
    ? K
    : never;
}[Exclude<keyof T, InstanceKeys>];

type InstanceOf<R> = R extends abstract new (...args: never) => infer I
  ? I
  : never;

/**
 * The read object a connection leads to: the connection's own type for edges and reverse
 * relations; for a direct relation the instances of `R` (its target read class, when the view
 * definition names one), else `TypedNode`.
 */
export type IncludedTarget<V, R = never> =
  Element<NonNullable<V>> extends Connected<infer N, unknown>
    ? N
    : Element<NonNullable<V>> extends TypedInstance
      ? Element<NonNullable<V>>
      : [R] extends [never]
        ? TypedNode
        : InstanceOf<R>;

type EdgeOf<V> =
  Element<NonNullable<V>> extends Connected<unknown, infer E> ? E : never;

/** The read class connection `K` of read class `C` leads to (`$types.targets`, a type-only map). */
export type TargetClassOf<C, K> = C extends {
  readonly $types: { readonly targets: infer T };
}
  ? K extends keyof T
    ? T[K]
    : never
  : never;

/** The property names of read class `R` (what `select` takes), or never when `R` is unknown. */
type PropertyNamesIn<R> = R extends { readonly properties: infer P }
  ? keyof P & string
  : never;

/** The names `select` takes on targets `T` of read class `R`: its properties when `R` is known. */
type SelectIn<T, R> = [R] extends [never]
  ? Extract<keyof T, string>
  : PropertyNamesIn<R>;

/** How to follow one connection (`R`: the target's read class, when known). */
export interface IncludeSpec<TTarget, TEdge = never, R = never> {
  /** Only targets matching this (on the target's view). */
  readonly where?: WhereIn<R>;
  /** Only edges whose properties match this (edge connections with an edge view). */
  readonly edgeWhere?: [TEdge] extends [never] ? never : LooseWhere;
  /**
   * Target properties to read (default all); the targets' type narrows to them (plus the
   * instance fields and what `include` fills). What assembly needs is read too, then dropped.
   */
  readonly select?: readonly SelectIn<TTarget, R>[];
  /**
   * At most this many targets per object (edges: the API's `limitEach`; with `sort`, the first
   * ones after sorting, so every target is read).
   */
  readonly limit?: number;
  /** The order of each object's targets (by the target view's sortable properties). */
  readonly sort?: SortIn<R>;
  /** Connections of the targets to follow in turn. */
  readonly include?: IncludeOf<TTarget, R>;
  /** The read class of a direct relation's targets (a child view of the target, or any view). */
  readonly view?: ReadClassOf<TTarget>;
}

/**
 * How to follow a direct relation whose view definition names no target view (no `source`):
 * `view` (the targets' read class) is required, and `where`, `select` and `include` are checked
 * against it.
 */
export interface ViewRequiredInclude {
  /** The read class of the relation's targets: the definition does not say which view. */
  readonly view: ReadClassOf<TypedNode>;
  readonly where?: LooseWhere;
  readonly select?: readonly string[];
  readonly limit?: number;
  readonly sort?: LooseSortKey | readonly LooseSortKey[];
  readonly include?: { readonly [key: string]: unknown };
}

type IsDirect<V> =
  Element<NonNullable<V>> extends TypedInstance | Connected<unknown, unknown>
    ? false
    : true;

/** `true` or a spec; with the parent class known, a direct relation without a target needs `view`. */
type IncludeEntry<V, R, C> = [R] extends [never]
  ? [C] extends [never]
    ? true | IncludeSpec<IncludedTarget<V>, EdgeOf<V>>
    : IsDirect<V> extends true
      ? ViewRequiredInclude
      : true | IncludeSpec<IncludedTarget<V>, EdgeOf<V>>
  : true | IncludeSpec<IncludedTarget<V, R>, EdgeOf<V>, R>;

/**
 * `include` of read objects `T` (of read class `C`, when known: then each `where` and `select` is
 * the target view's own, direct relations lead to their target class, and a direct relation
 * whose definition names no target view needs `view`): per connection `true` or how to follow it.
 */
export type IncludeOf<T, C = never> = {
  readonly [K in IncludableKey<T>]?: IncludeEntry<T[K], TargetClassOf<C, K>, C>;
};

/** The read class of a spec's targets: its `view`, else the connection's target class `R`. */
type ClassOfSpec<S, R> = S extends { readonly view: infer V } ? V : R;

type TargetOfSpec<V, S, R> = S extends { readonly view: ReadClassOf<infer X> }
  ? X
  : IncludedTarget<V, R>;

/** `T` without the properties in `D` (nothing to drop: `T` itself, so its name stays). */
type Without<T, D extends PropertyKey> = [D] extends [never] ? T : Omit<T, D>;

/**
 * Read object `T` of read class `R` after `select` `N` with connections `J` included: the
 * properties neither selected nor included are gone (instance fields and other connections stay,
 * as with `select` on `list`).
 */
export type SelectedIn<T, R, N, J = never> = Without<
  T,
  Exclude<PropertyNamesIn<R>, N | J>
>;

type SelectOfSpec<S> = S extends { readonly select: readonly (infer N)[] }
  ? N
  : never;

type NarrowedTarget<V, S, R> = S extends { readonly select: readonly unknown[] }
  ? SelectedIn<
      TargetOfSpec<V, S, R>,
      ClassOfSpec<S, R>,
      SelectOfSpec<S>,
      S extends { readonly include: infer J } ? keyof J : never
    >
  : TargetOfSpec<V, S, R>;

type FilledTarget<V, S, R> = S extends { readonly include: infer J }
  ? WithIncluded<NarrowedTarget<V, S, R>, J, ClassOfSpec<S, R>>
  : NarrowedTarget<V, S, R>;

/** The value of an included connection. */
type Filled<V, S, R> =
  Element<NonNullable<V>> extends Connected<unknown, infer E>
    ? Connected<FilledTarget<V, S, R>, E>[]
    : NonNullable<V> extends readonly unknown[]
      ? FilledTarget<V, S, R>[]
      : FilledTarget<V, S, R> | null;

/**
 * A read object (of read class `C`, when known) whose included connections are filled and typed
 * as such: a direct relation's target typed by its view, each target narrowed to its `select`
 * (where its read class is known: always through the accessors, which pass `C`).
 */
export type WithIncluded<T, I, C = never> = Omit<T, keyof I> & {
  [K in keyof I & keyof T]: Filled<T[K], I[K], TargetClassOf<C, K>>;
};

/**
 * Rejects keys that are not connections of T, at every level of an `include`; where a spec names
 * its `view`, its `where` and `select` are checked against that view.
 */
export type ExactInclude<T, I, C = never> = {
  [K in keyof I]: K extends IncludableKey<T>
    ? ExactSpec<T[K], I[K], TargetClassOf<C, K>>
    : never;
};

type ExactSpec<V, S, R> = S &
  ExactNested<V, S, R> &
  (S extends { readonly view: infer X } ? CheckedByView<S, X> : unknown);

/** A spec's `select` and `where` checked against the read class `X` it names as `view`. */
type CheckedByView<S, X> = {
  readonly select?: readonly PropertyNamesIn<X>[];
} & (S extends { readonly where: infer W }
  ? { readonly where: OnlyWhere<W, WhereIn<X>> }
  : unknown);

/** `W` when it is a where-input of `A` naming nothing else, else never. */
type OnlyWhere<W, A> = W extends A
  ? [Exclude<keyof W, keyof A>] extends [never]
    ? W
    : never
  : never;

type ExactNested<V, S, R> = S extends { readonly include: infer J }
  ? {
      readonly include: ExactInclude<
        TargetOfSpec<V, S, R>,
        J,
        ClassOfSpec<S, R>
      >;
    }
  : unknown;

// ---- plan

type AnyReadClass = ReadClassOf<TypedInstance>;

interface LooseSpec {
  readonly where?: object;
  readonly edgeWhere?: object;
  readonly select?: readonly string[];
  readonly limit?: number;
  readonly sort?: LooseSortKey | readonly LooseSortKey[];
  readonly include?: Readonly<Record<string, LooseSpec | true | undefined>>;
  readonly view?: AnyReadClass;
}

/** One included connection, resolved to result sets and classes. */
interface PlannedConnection {
  readonly name: string;
  readonly kind: "edge" | "direct" | "reverse";
  readonly multi: boolean;
  readonly targetClass: AnyReadClass;
  readonly nodeSet: string;
  /** Edge connections: the edge set, and the class of the edges when they carry properties. */
  readonly edgeSet?: string;
  readonly edgeClass?: AnyReadClass;
  readonly direction: "outwards" | "inwards";
  /** Direct: the parent's relation (TS name); reverse: the target's relation (TS name). */
  readonly relation?: string;
  readonly limit?: number;
  /** The order of each parent's targets, applied as they are assembled (before `limit`). */
  readonly sort?: readonly LooseSortKey[];
  /** The target properties `select` named (the others are read only when assembly needs them). */
  readonly select?: readonly string[];
  readonly children: readonly PlannedConnection[];
}

/** What `include` uses of the eager runtime, handed in (client/read-runtime.ts says why). */
export type IncludeRuntime = QueryGraphRuntime &
  Pick<typeof errors, "ProtocolError"> &
  Pick<typeof query, "MAX_QUERY_LIMIT"> &
  Pick<typeof typed, "TypedEdge"> &
  Pick<
    typeof where,
    "compileSort" | "compileWhere" | "dropUnselected" | "loadWhereClasses"
  >;

/** The query of one include call and how to assemble its answer. */
export interface IncludePlan {
  readonly rootSet: string;
  readonly rootClass: AnyReadClass;
  /** The root properties `select` named. */
  readonly rootSelect?: readonly string[];
  readonly request: QueryRequest;
  readonly connections: readonly PlannedConnection[];
}

/** What the root set is: every instance of the view matching `where`, or given ids. */
export interface RootSelection {
  readonly readClass: AnyReadClass;
  readonly instanceType: "node" | "edge";
  readonly where?: object;
  readonly ids?: readonly InstanceId[];
  readonly sort?: readonly PropertySort[];
  readonly select?: readonly string[];
  /** Root instances per request. */
  readonly pageSize: number;
  /** Items per connection set and request. Default 10,000, the API's largest. */
  readonly connectionPageSize?: number;
}

const ROOT = "root";

/** Turns a root selection and an `include` into one query request and an assembly plan. */
export function planInclude(
  runtime: IncludeRuntime,
  root: RootSelection,
  include: object,
  views: ViewClasses | undefined,
): IncludePlan {
  const context: PlanContext = {
    runtime,
    views,
    pageSize: root.connectionPageSize ?? runtime.MAX_QUERY_LIMIT,
    with: {},
    select: {},
    counter: 0,
  };
  const filters: Filter[] = [{ hasData: [root.readClass.view] }];
  if (root.ids) filters.push({ instanceReferences: root.ids.map(plainId) });
  const where = runtime.compileWhere(
    root.where,
    root.readClass,
    root.instanceType,
    views,
  );
  if (where) filters.push(where);
  const expression = { filter: and(filters) };
  context.with[ROOT] = {
    ...(root.instanceType === "node"
      ? { nodes: expression }
      : { edges: expression }),
    limit: root.pageSize,
    ...(root.sort ? { sort: [...root.sort] } : {}),
  };
  const connections = planConnections(
    context,
    ROOT,
    root.readClass,
    include as Record<string, LooseSpec | true | undefined>,
    "include",
  );
  context.select[ROOT] = selectOf(
    root.readClass,
    root.select,
    connections.flatMap((c) =>
      c.kind === "direct" && c.relation ? [c.relation] : [],
    ),
  );
  return {
    rootSet: ROOT,
    rootClass: root.readClass,
    ...(root.select ? { rootSelect: root.select } : {}),
    request: { with: context.with, select: context.select },
    connections,
  };
}

interface PlanContext {
  readonly runtime: IncludeRuntime;
  readonly views: ViewClasses | undefined;
  readonly pageSize: number;
  readonly with: Record<string, QueryResultSetExpression>;
  readonly select: Record<string, Select>;
  counter: number;
}

function planConnections(
  context: PlanContext,
  parentSet: string,
  parentClass: AnyReadClass,
  include: Readonly<Record<string, LooseSpec | true | undefined>>,
  path: string,
): PlannedConnection[] {
  const planned: PlannedConnection[] = [];
  for (const [name, raw] of Object.entries(include)) {
    if (raw === undefined) continue;
    const spec: LooseSpec = raw === true ? {} : raw;
    const at = `${path}.${name}`;
    // Own members only: a name such as `toString` must not find the prototype's function.
    const connection = Object.hasOwn(parentClass.connections, name)
      ? parentClass.connections[name]
      : undefined;
    const property = Object.hasOwn(parentClass.properties, name)
      ? parentClass.properties[name]
      : undefined;
    if (connection?.connection === "edge") {
      planned.push(planEdge(context, parentSet, connection, name, spec, at));
    } else if (connection?.connection === "reverse") {
      planned.push(planReverse(context, parentSet, connection, name, spec, at));
    } else if (property?.type === "direct") {
      planned.push(
        planDirect(context, parentSet, parentClass, property, name, spec, at),
      );
    } else {
      throw new Error(
        `${at}: ${parentClass.view.externalId} has no connection or direct relation "${name}"`,
      );
    }
  }
  return planned;
}

function nextSetName(context: PlanContext, name: string): string {
  context.counter += 1;
  return `c${context.counter}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function planEdge(
  context: PlanContext,
  parentSet: string,
  connection: EdgeConnectionDefinition,
  name: string,
  spec: LooseSpec,
  at: string,
): PlannedConnection {
  const targetClass = resolveClass(context, connection.target, spec, at);
  const edgeClass = connection.edgeSource
    ? (context.views?.find(viewKey(connection.edgeSource.view)) ??
      anonymousEdgeClass(context.runtime.TypedEdge, connection.edgeSource))
    : undefined;
  const edgeSet = nextSetName(context, `${name}_edges`);
  const nodeSet = `${edgeSet.slice(0, -"_edges".length)}`;
  const edgeFilters: Filter[] = [
    {
      equals: {
        property: ["edge", "type"],
        value: { ...connection.edgeType },
      },
    },
  ];
  if (edgeClass && spec.edgeWhere) {
    const { compileWhere } = context.runtime;
    const edgeWhere = compileWhere(spec.edgeWhere, edgeClass, "edge");
    if (edgeWhere) edgeFilters.push(edgeWhere);
  }
  const targetFilter = nodeFilterOf(context, targetClass, spec);
  context.with[edgeSet] = {
    edges: {
      from: parentSet,
      direction: connection.direction,
      maxDistance: 1,
      filter: and(edgeFilters),
      nodeFilter: targetFilter,
      // With a sort, the first ones are known only once every target is read.
      ...(spec.limit !== undefined && spec.sort === undefined
        ? { limitEach: spec.limit }
        : {}),
    },
    limit: context.pageSize,
  };
  context.with[nodeSet] = {
    nodes: { from: edgeSet, chainTo: "destination", filter: targetFilter },
    limit: context.pageSize,
  };
  context.select[edgeSet] = edgeClass
    ? { sources: [{ source: edgeClass.view, properties: ["*"] }] }
    : {};
  const children = planConnections(
    context,
    nodeSet,
    targetClass,
    spec.include ?? {},
    `${at}.include`,
  );
  context.select[nodeSet] = selectOf(
    targetClass,
    spec.select,
    relationsOf(children),
  );
  return {
    name,
    kind: "edge",
    multi: connection.multi,
    targetClass,
    nodeSet,
    edgeSet,
    ...(edgeClass ? { edgeClass } : {}),
    direction: connection.direction,
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ...(spec.sort !== undefined ? { sort: sortKeys(spec.sort) } : {}),
    ...(spec.select ? { select: spec.select } : {}),
    children,
  };
}

function planReverse(
  context: PlanContext,
  parentSet: string,
  connection: ReverseRelationDefinition,
  name: string,
  spec: LooseSpec,
  at: string,
): PlannedConnection {
  const targetClass = resolveClass(context, connection.target, spec, at);
  const through = throughOf(connection, targetClass);
  const relation = propertyNameOf(targetClass, through.identifier);
  if (relation === undefined) {
    throw new Error(
      `${at}: ${targetClass.view.externalId} has no direct relation "${through.identifier}"`,
    );
  }
  const nodeSet = nextSetName(context, name);
  context.with[nodeSet] = {
    nodes: {
      from: parentSet,
      through,
      direction: "inwards",
      filter: nodeFilterOf(context, targetClass, spec),
    },
    limit: context.pageSize,
  };
  const children = planConnections(
    context,
    nodeSet,
    targetClass,
    spec.include ?? {},
    `${at}.include`,
  );
  context.select[nodeSet] = selectOf(targetClass, spec.select, [
    relation,
    ...relationsOf(children),
  ]);
  return {
    name,
    kind: "reverse",
    multi: connection.multi,
    targetClass,
    nodeSet,
    direction: "inwards",
    relation,
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ...(spec.sort !== undefined ? { sort: sortKeys(spec.sort) } : {}),
    ...(spec.select ? { select: spec.select } : {}),
    children,
  };
}

function planDirect(
  context: PlanContext,
  parentSet: string,
  parentClass: AnyReadClass,
  property: PropertyDefinition,
  name: string,
  spec: LooseSpec,
  at: string,
): PlannedConnection {
  const targetClass = resolveClass(context, property.target, spec, at);
  const nodeSet = nextSetName(context, name);
  context.with[nodeSet] = {
    nodes: {
      from: parentSet,
      through: { source: parentClass.view, identifier: property.identifier },
      direction: "outwards",
      filter: nodeFilterOf(context, targetClass, spec),
    },
    limit: context.pageSize,
  };
  const children = planConnections(
    context,
    nodeSet,
    targetClass,
    spec.include ?? {},
    `${at}.include`,
  );
  context.select[nodeSet] = selectOf(
    targetClass,
    spec.select,
    relationsOf(children),
  );
  return {
    name,
    kind: "direct",
    multi: property.list === true,
    targetClass,
    nodeSet,
    direction: "outwards",
    relation: name,
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ...(spec.sort !== undefined ? { sort: sortKeys(spec.sort) } : {}),
    ...(spec.select ? { select: spec.select } : {}),
    children,
  };
}

/**
 * The direct relation a reverse relation goes through: generated maps give its identifier, or
 * (newer output) its view and identifier.
 */
function throughOf(
  connection: ReverseRelationDefinition,
  targetClass: AnyReadClass,
): ThroughReference {
  const through: unknown = connection.through;
  if (typeof through === "string")
    return { source: targetClass.view, identifier: through };
  return through as ThroughReference;
}

/** Parent-side relations the children need read (direct relations followed outwards). */
function relationsOf(children: readonly PlannedConnection[]): string[] {
  return children.flatMap((c) =>
    c.kind === "direct" && c.relation ? [c.relation] : [],
  );
}

/** The class of a connection's target: `view` in the spec, or the client's registry by view id. */
function resolveClass(
  context: PlanContext,
  target: string | undefined,
  spec: LooseSpec,
  at: string,
): AnyReadClass {
  if (spec.view) return spec.view;
  const found = target === undefined ? undefined : context.views?.find(target);
  if (found) return found;
  throw new Error(
    target !== undefined
      ? `${at}: no read class for view ${target} in this client; pass \`view\``
      : `${at}: the relation names no target view; pass \`view\` (the target's read class)`,
  );
}

function nodeFilterOf(
  context: PlanContext,
  readClass: AnyReadClass,
  spec: LooseSpec,
): Filter {
  const filters: Filter[] = [{ hasData: [readClass.view] }];
  const { runtime, views } = context;
  const where = runtime.compileWhere(spec.where, readClass, "node", views);
  if (where) filters.push(where);
  return and(filters);
}

function selectOf(
  readClass: AnyReadClass,
  select: readonly string[] | undefined,
  needed: readonly string[],
): Select {
  if (!select)
    return { sources: [{ source: readClass.view, properties: ["*"] }] };
  const identifiers = new Set<string>();
  for (const name of [...select, ...needed]) {
    const definition = Object.hasOwn(readClass.properties, name)
      ? readClass.properties[name]
      : undefined;
    if (!definition) {
      throw new Error(
        `select: ${readClass.view.externalId} has no property "${name}"`,
      );
    }
    identifiers.add(definition.identifier);
  }
  return {
    sources: [{ source: readClass.view, properties: [...identifiers] }],
  };
}

function propertyNameOf(
  readClass: AnyReadClass,
  identifier: string,
): string | undefined {
  for (const [name, definition] of Object.entries(readClass.properties)) {
    if (definition.identifier === identifier && definition.type === "direct")
      return name;
  }
  return undefined;
}

function and(filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0]! : { and: filters };
}

function plainId({ space, externalId }: InstanceId): InstanceId {
  return { space, externalId };
}

// ---- run and assemble

/** Options of a call with `include`. */
export interface IncludeRunOptions extends GraphQueryOptions {
  /** Stop after this many root objects. */
  readonly limit?: number;
}

/** Runs the plan root page by root page, yielding assembled root objects. */
export async function* runInclude<T>(
  runtime: IncludeRuntime,
  dms: QueryPoster,
  plan: IncludePlan,
  options: IncludeRunOptions = {},
): AsyncGenerator<T, void, undefined> {
  let left = options.limit ?? Infinity;
  for await (const page of runQueryGraph(
    runtime,
    dms,
    plan.request,
    plan.rootSet,
    options,
  )) {
    const objects = assemble(runtime, plan, page);
    for (const object of objects) {
      if (left <= 0) return;
      left -= 1;
      yield object as T;
    }
    if (left <= 0) return;
  }
}

type SetItems = Readonly<Record<string, readonly InstanceRead[]>>;

/** Builds the root objects of one root page and fills their included connections. */
export function assemble(
  runtime: IncludeRuntime,
  plan: IncludePlan,
  items: SetItems,
): TypedInstance[] {
  const roots = (items[plan.rootSet] ?? []).map((i) =>
    construct(plan.rootClass, i),
  );
  fill(runtime, plan.connections, roots, items);
  for (const root of roots)
    keepSelected(
      runtime,
      root,
      plan.rootSelect,
      plan.rootClass,
      plan.connections,
    );
  return roots;
}

/**
 * Drops what `select` left out but assembly read (relations the links needed); what `include`
 * filled stays.
 */
function keepSelected(
  runtime: IncludeRuntime,
  object: TypedInstance,
  select: readonly string[] | undefined,
  readClass: AnyReadClass,
  filled: readonly PlannedConnection[],
): void {
  if (select === undefined) return;
  const kept = [...select, ...filled.map((c) => c.name)];
  runtime.dropUnselected(object, kept, readClass);
}

function construct(
  readClass: AnyReadClass,
  instance: InstanceRead,
): TypedInstance {
  return new readClass(instance as never);
}

function keyOf(id: InstanceId): string {
  return `${id.space}\u0000${id.externalId}`;
}

function setValue(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function fill(
  runtime: IncludeRuntime,
  connections: readonly PlannedConnection[],
  parents: readonly TypedInstance[],
  items: SetItems,
): void {
  for (const connection of connections) {
    const targets = new Map<string, TypedInstance>();
    for (const instance of items[connection.nodeSet] ?? []) {
      targets.set(keyOf(instance), construct(connection.targetClass, instance));
    }
    fill(runtime, connection.children, [...targets.values()], items);
    const linked = linkedTargets(connection, parents, targets, items);
    for (const target of targets.values()) {
      keepSelected(
        runtime,
        target,
        connection.select,
        connection.targetClass,
        connection.children,
      );
    }
    for (const parent of parents) {
      const found = linked.get(keyOf(parent)) ?? [];
      const all = connection.sort ? sortTargets(found, connection.sort) : found;
      const limited =
        connection.limit === undefined ? all : all.slice(0, connection.limit);
      setValue(
        parent,
        connection.name,
        connection.multi ? limited : (limited[0] ?? null),
      );
    }
  }
}

function sortKeys(
  sort: LooseSortKey | readonly LooseSortKey[],
): readonly LooseSortKey[] {
  return Array.isArray(sort) ? sort : [sort as LooseSortKey];
}

/**
 * A connection's targets of one parent in `sort` order (stable): by each key's value on the target
 * (the node of a `Connected`), nulls last unless `nullsFirst`. Values of one property have one
 * type: strings by code point (as `ucs_basic`), numbers, bigints, booleans, `Date`s by time.
 */
function sortTargets(
  targets: readonly unknown[],
  sort: readonly LooseSortKey[],
): unknown[] {
  const valueOf = (target: unknown, property: string): unknown => {
    const node =
      typeof target === "object" && target !== null && "node" in target
        ? (target as { node: unknown }).node
        : target;
    const value = (node as Record<string, unknown> | null)?.[property];
    return value instanceof Date ? value.getTime() : value;
  };
  return [...targets].sort((a, b) => {
    for (const key of sort) {
      const x = valueOf(a, key.property);
      const y = valueOf(b, key.property);
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      if (xNull || yNull) {
        if (xNull && yNull) continue;
        return (xNull ? -1 : 1) * (key.nullsFirst ? 1 : -1);
      }
      const order = x! < y! ? -1 : x! > y! ? 1 : 0;
      if (order !== 0) return key.direction === "descending" ? -order : order;
    }
    return 0;
  });
}

/** Parent key → what the connection holds for it, in the order the API returned. */
function linkedTargets(
  connection: PlannedConnection,
  parents: readonly TypedInstance[],
  targets: ReadonlyMap<string, TypedInstance>,
  items: SetItems,
): Map<string, unknown[]> {
  const linked = new Map<string, unknown[]>();
  const add = (parentKey: string, value: unknown): void => {
    const list = linked.get(parentKey);
    if (list) list.push(value);
    else linked.set(parentKey, [value]);
  };
  if (connection.kind === "edge") {
    for (const edge of items[connection.edgeSet ?? ""] ?? []) {
      if (edge.instanceType !== "edge") continue;
      const outwards = connection.direction === "outwards";
      const here = outwards ? edge.startNode : edge.endNode;
      const there = outwards ? edge.endNode : edge.startNode;
      const node = targets.get(keyOf(there));
      if (!node) continue;
      add(
        keyOf(here),
        connection.edgeClass
          ? { node, edge: construct(connection.edgeClass, edge) }
          : node,
      );
    }
    return linked;
  }
  if (connection.kind === "direct") {
    for (const parent of parents) {
      for (const ref of references(parent, connection.relation ?? "")) {
        const node = targets.get(keyOf(ref));
        if (node) add(keyOf(parent), node);
      }
    }
    return linked;
  }
  for (const node of targets.values()) {
    for (const ref of references(node, connection.relation ?? ""))
      add(keyOf(ref), node);
  }
  return linked;
}

function references(holder: object, name: string): InstanceId[] {
  const value = (holder as Record<string, unknown>)[name];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.filter(
    (item): item is InstanceId =>
      typeof item === "object" &&
      item !== null &&
      typeof (item as InstanceId).space === "string" &&
      typeof (item as InstanceId).externalId === "string",
  );
}

// ---- what the accessors call

/** What a view accessor knows that `include` needs. */
export interface IncludeContext {
  readonly runtime: IncludeRuntime;
  readonly dms: QueryPoster;
  readonly readClass: AnyReadClass;
  readonly instanceType: "node" | "edge";
  readonly views?: ViewClasses;
}

/** Options of a `list` with `include`, untyped (the accessor's overloads type them). */
export interface LooseListOptions extends GraphQueryOptions {
  readonly filter?: Filter;
  readonly where?: object;
  readonly sort?: readonly PropertySort[];
  readonly select?: readonly string[];
  readonly pageSize?: number;
  readonly limit?: number;
}

const RETRIEVE_CHUNK = 1000;

/**
 * Loads the read classes an `include` leads to, at every level, so that planning (synchronous)
 * finds them in the registry: the client loads a view's module on first use.
 */
async function loadIncludedClasses(
  context: IncludeContext,
  readClass: AnyReadClass,
  include: object,
): Promise<void> {
  const { views } = context;
  const specs = Object.entries(include as Record<string, LooseSpec | true>);
  await Promise.all(
    specs.map(async ([name, raw]) => {
      const definition = Object.hasOwn(readClass.connections, name)
        ? readClass.connections[name]
        : Object.hasOwn(readClass.properties, name)
          ? readClass.properties[name]
          : undefined;
      if (!definition || raw === undefined) return;
      const spec: LooseSpec = raw === true ? {} : raw;
      const edgeView =
        "edgeSource" in definition ? definition.edgeSource?.view : undefined;
      const [target] = await Promise.all([
        spec.view ?? loadTargetClass(definition, views),
        edgeView ? views?.load(viewKey(edgeView)) : undefined,
      ]);
      if (target && views)
        await context.runtime.loadWhereClasses(spec.where, target, views);
      if (target && spec.include)
        await loadIncludedClasses(context, target, spec.include);
    }),
  );
}

/** `list` with `include`: root objects with their connections filled, one root page at a time. */
export async function* listWithInclude(
  context: IncludeContext,
  include: object,
  options: LooseListOptions,
): AsyncGenerator<unknown, void, undefined> {
  const { runtime, readClass, views } = context;
  await loadIncludedClasses(context, readClass, include);
  if (views) await runtime.loadWhereClasses(options.where, readClass, views);
  const raw = options.filter ? { $raw: options.filter } : {};
  const plan = planInclude(
    runtime,
    {
      readClass: context.readClass,
      instanceType: context.instanceType,
      where: { ...options.where, ...raw },
      pageSize: options.pageSize ?? runtime.MAX_QUERY_LIMIT,
      connectionPageSize: options.pageSize ?? runtime.MAX_QUERY_LIMIT,
      ...(options.sort ? { sort: options.sort } : {}),
      ...(options.select ? { select: options.select } : {}),
    },
    include,
    context.views,
  );
  yield* runInclude(runtime, context.dms, plan, {
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/**
 * `retrieve` with `include`: one query per 1000 ids; the objects come in the order of `ids`
 * (a repeated id once, where it first appears), missing ids are left out. An answer with an
 * instance that was not asked for, or one twice, is a `ProtocolError`.
 */
export async function retrieveWithInclude(
  context: IncludeContext,
  ids: readonly InstanceId[],
  include: object,
  options: GraphQueryOptions & { readonly select?: readonly string[] },
): Promise<TypedInstance[]> {
  const { runtime } = context;
  await loadIncludedClasses(context, context.readClass, include);
  const found: TypedInstance[] = [];
  for (let start = 0; start < ids.length; start += RETRIEVE_CHUNK) {
    const chunk = ids.slice(start, start + RETRIEVE_CHUNK);
    const plan = planInclude(
      runtime,
      {
        readClass: context.readClass,
        instanceType: context.instanceType,
        ids: chunk,
        pageSize: RETRIEVE_CHUNK,
        ...(options.select ? { select: options.select } : {}),
      },
      include,
      context.views,
    );
    const objects = runInclude<TypedInstance>(runtime, context.dms, plan, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const roots: TypedInstance[] = [];
    for await (const object of objects) roots.push(object);
    checkRoots(runtime, chunk, roots);
    for (const root of roots) found.push(root);
  }
  return inOrderOf(ids, found);
}

function inOrderOf(
  ids: readonly InstanceId[],
  objects: readonly TypedInstance[],
): TypedInstance[] {
  const byKey = new Map(objects.map((o) => [keyOf(o), o]));
  const ordered: TypedInstance[] = [];
  for (const id of ids) {
    const key = keyOf(id);
    const object = byKey.get(key);
    if (object === undefined) continue;
    ordered.push(object);
    byKey.delete(key);
  }
  return ordered;
}

/** The roots one query returned: only ids it asked for, each once (else a `ProtocolError`). */
function checkRoots(
  runtime: IncludeRuntime,
  asked: readonly InstanceId[],
  roots: readonly TypedInstance[],
): void {
  const unasked = (id: InstanceId, why: string): ProtocolError =>
    new runtime.ProtocolError({
      problem: "unexpected-instances",
      method: "POST",
      url: "/models/instances/query",
      detail: `retrieve with include: the answer names ${id.space}:${id.externalId} ${why}`,
    });
  const open = new Set(asked.map(keyOf));
  const seen = new Set<string>();
  for (const root of roots) {
    const key = keyOf(root);
    if (seen.has(key)) throw unasked(root, "twice");
    if (!open.has(key)) throw unasked(root, "which was not asked for");
    seen.add(key);
  }
}

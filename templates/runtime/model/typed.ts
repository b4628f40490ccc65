// Base classes of the generated apply (write) and read classes. A class's maps are compiled once
// into a plan (arrays of names, identifiers and converters): the work per object is a loop over it.

import {
  ConflictingWritesError,
  WriteCollector,
  collectsWrites,
  idOf,
  type CollectsWrites,
} from "./collect.js";
import {
  PropertyValueError,
  readConverter,
  ruleOf,
  toWireValue,
  type ConnectionMap,
  type DmsType,
  type EdgeConnectionDefinition,
  type EdgeSourceDefinition,
  type PropertyDefinition,
  type PropertyMap,
} from "./values.js";
import type {
  EdgeWrite,
  InstanceId,
  InstanceRead,
  InstanceWrite,
  NodeWrite,
  PropertyValue,
  PropertyValues,
  ViewReference,
} from "../core/wire.js";
import type { EdgeWhere } from "./where.js";

// Re-exported here so that the generated index (which passes typed.ts on) exports them.
export { ConflictingWritesError, WriteCollector };

/** What a generated class says about its view. */
export interface ViewClassInfo {
  readonly view: ViewReference;
  readonly properties: PropertyMap;
  readonly connections: ConnectionMap;
  /** The node (or edge) type the view's filter requires; set on every write. */
  readonly instanceType?: InstanceId;
  /** Every view the view implements (`space:externalId/version`), transitively. */
  readonly implemented?: readonly string[];
}

/** `X extends OnlyKeys<X, K>` compiles only when every key of `X` is one of `K`. */
type OnlyKeys<T, K> = { [N in keyof T]: N extends K ? T[N] : never };

/** The names of map `P` whose definitions fit `D`, as a `{ name: true }` set. */
type NameSet<P, D> = {
  readonly [K in keyof P as P[K] extends D ? K : never]: true;
};

/** A single-valued property of type `T`. */
type Single<T> = { readonly list?: false; readonly type: T };
type NumberType = "int32" | "int64" | "float32" | "float64";
type GroupType = NumberType | "text" | "direct" | "enum" | "boolean";

/** An apply class's fields `F`: exactly the keys of its property map `P` and edge connections. */
export type ApplyFields<
  P extends OnlyKeys<P, keyof F>,
  C,
  F extends OnlyKeys<F, keyof P | keyof C>,
> = F;

/**
 * The static `$types` of a read class: fields `F` exactly the keys of `P` and `C`, `where` `W` a
 * condition per key of `P`, `T` the read classes its relations lead to (types only).
 */
export type ReadTypes<
  P extends OnlyKeys<P, keyof F & keyof W>,
  C extends OnlyKeys<C, keyof F>,
  F extends OnlyKeys<F, keyof P | keyof C>,
  W extends OnlyKeys<W, keyof P | keyof EdgeWhere<never>>,
  T = unknown,
> = {
  readonly where: W;
  readonly sortable: NameSet<P, Single<Exclude<DmsType, "json">>>;
  readonly text: NameSet<P, { readonly type: "text" }>;
  readonly numeric: NameSet<P, Single<NumberType>>;
  readonly groupable: NameSet<P, Single<GroupType>>;
  readonly targets: T;
};

/** The `$types.targets` of read class `C`, for a read class whose view implements `C`'s. */
export type TargetsOf<
  C extends { readonly $types: { readonly targets: unknown } },
> = C["$types"]["targets"];

/** The property conditions of an implemented view's `where`, for a `where` extending it. */
export type InheritedWhere<W> = Omit<W, "$and" | "$or" | "$not">;

export interface NodeApplyOptions {
  /** Fail (409) unless the stored version is at most this; 0 means "create only". */
  readonly existingVersion?: number;
  /** The node's type. Defaults to the type the view's filter requires; `null` sends none. */
  readonly type?: InstanceId | null;
}

export interface EdgeEnds {
  readonly startNode: InstanceId | TypedNodeApply;
  readonly endNode: InstanceId | TypedNodeApply;
  /** Defaults to the type the edge view's filter requires. */
  readonly type?: InstanceId;
}

/** A plain node reference (a read object is one); an apply object must be of the view. */
export type PlainNodeReference = InstanceId & {
  readonly toInstanceWrites?: never;
};

/** One edge of an edge connection, when its id or (for edge views) its properties matter. */
export interface EdgeLink<TNode, TEdgeProperties = never> {
  /** The node at the other end. */
  readonly target: PlainNodeReference | TNode;
  /** Defaults to {@link defaultEdgeExternalId} of the edge's type, start and end. */
  readonly externalId?: string;
  /** Defaults to the space of the node that holds the connection. */
  readonly space?: string;
  readonly properties?: TEdgeProperties;
}

/** What an edge connection accepts on apply: a node, a reference to one, or an edge link. */
export type EdgeTarget<TNode, TEdgeProperties = never> =
  PlainNodeReference | TNode | EdgeLink<TNode, TEdgeProperties>;

interface PlanEntry {
  readonly name: string;
  readonly definition: PropertyDefinition;
  /** A single value's rule: its wire form, or undefined (then `toWireValue` says why). */
  readonly check: ReturnType<typeof ruleOf>[1] | undefined;
  readonly read: ((value: unknown) => unknown) | undefined;
}

interface Plan {
  readonly entries: readonly PlanEntry[];
  readonly edges: readonly (readonly [string, EdgeConnectionDefinition])[];
  /** What an apply constructor copies: the properties, then the edge connections. */
  readonly fields: readonly string[];
  readonly view: ViewReference;
  /** `externalId/version`: the key of the view's values under `properties[space]`. */
  readonly viewKey: string;
  readonly instanceType: InstanceId | undefined;
}

const plans = new WeakMap<object, Plan>();

/** The plan of a class (or an edge source), compiled on its first use. */
function planOf(of: ViewClassInfo | EdgeSourceDefinition): Plan {
  const known = plans.get(of);
  if (known) return known;
  const map =
    typeof of.properties === "function" ? of.properties() : of.properties;
  const entries = Object.entries(map ?? {}).map(([name, definition]) => ({
    name,
    definition,
    check:
      definition.list || definition.type === "direct"
        ? undefined
        : ruleOf(definition)[1],
    read: readConverter(definition),
  }));
  const edges = Object.entries(
    "connections" in of ? of.connections : {},
  ).filter(
    (entry): entry is [string, EdgeConnectionDefinition] =>
      entry[1].connection === "edge",
  );
  const plan: Plan = {
    entries,
    edges,
    fields: [...entries.map((e) => e.name), ...edges.map(([name]) => name)],
    view: of.view,
    viewKey: `${of.view.externalId}/${of.view.version}`,
    instanceType: (of as ViewClassInfo).instanceType,
  };
  plans.set(of, plan);
  return plan;
}

/** The plan of an object's generated class (its statics say what its view is). */
const planOfObject = (instance: object): Plan =>
  planOf(instance.constructor as unknown as ViewClassInfo);

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

type Fields = Record<string, unknown>;

/** A value error or TypeError about property `name` as one naming instance `id` (once). */
function instanceError(
  error: unknown,
  what: string,
  id: InstanceId,
  name: string,
): unknown {
  const valueError = error instanceof PropertyValueError;
  if (valueError ? error.instance : !(error instanceof TypeError)) return error;
  return new PropertyValueError(
    `${what} ${id.space}:${id.externalId}: ${valueError ? "" : `${name}: `}${(error as Error).message}`,
    valueError ? error.property : name,
    idOf(id),
  );
}

/** What apply and read classes share: their view's statics, a nominal `instanceof`, an id. */
abstract class TypedObject {
  declare static readonly view: ViewReference;
  declare static readonly properties: PropertyMap;
  declare static readonly connections: ConnectionMap;
  declare static readonly implemented?: readonly string[];

  /**
   * `x instanceof SomeView` (or `SomeViewApply`) holds for objects of views implementing it too;
   * a user's subclass (no own `view`) is checked as any class.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (ordinaryInstanceOf.call(this, value)) return true;
    const apply = ordinaryInstanceOf.call(TypedApply, this.prototype);
    const family = apply ? TypedApply : TypedInstance;
    if (!Object.hasOwn(this, "view") || !ordinaryInstanceOf.call(family, value))
      return false;
    const { space, externalId, version } = this.view;
    const { implemented } = (value as TypedObject).constructor as typeof this;
    return !!implemented?.includes(`${space}:${externalId}/${version}`);
  }

  get id(): InstanceId {
    return idOf(this as unknown as InstanceId);
  }
}

export abstract class TypedApply extends TypedObject implements CollectsWrites {
  declare static readonly instanceType?: InstanceId;

  // `declare`: no define step per field; an unset option is no own key.
  declare readonly space: string;
  declare readonly externalId: string;
  declare existingVersion?: number;

  /** Copies the fields `properties` sets, by the maps' names: no stray key, none for unset ones. */
  protected constructor(
    space: string,
    externalId: string,
    properties: object,
    existingVersion: number | undefined,
  ) {
    super();
    this.space = space;
    this.externalId = externalId;
    if (existingVersion !== undefined) this.existingVersion = existingVersion;
    // The names are the maps' keys (never `__proto__`: naming keeps Object's members off them).
    const fields = planOf(new.target as unknown as ViewClassInfo).fields;
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i] as string;
      const value = (properties as Fields)[name];
      if (value !== undefined) (this as Fields)[name] = value;
    }
  }

  /** Every write this object stands for: itself, nested nodes, edges; nodes come first. */
  toInstanceWrites(): InstanceWrite[] {
    return collectWrites([this]);
  }

  /** @internal Adds this object's own write (and what it references) to a collector. */
  abstract collect(collector: WriteCollector): void;
}

/** `write` (the fields of its kind) with the version and the view source of `apply`. */
function withSource<W extends InstanceWrite>(
  apply: TypedApply,
  collector: WriteCollector,
  write: W,
  { entries, view }: Plan,
): W {
  if (apply.existingVersion !== undefined)
    write.existingVersion = apply.existingVersion;
  const what = view.externalId;
  const properties = wireProperties(apply, entries, collector, apply, what);
  write.sources = [
    properties ? { source: view, properties } : { source: view },
  ];
  return write;
}

/** The wire form of an apply object's (or edge link's) properties, each value checked. */
function wireProperties(
  source: object,
  entries: readonly PlanEntry[],
  collector: WriteCollector,
  id: InstanceId,
  what: string,
): PropertyValues | undefined {
  let properties: PropertyValues | undefined;
  const edge = what === "edge";
  for (let i = 0; i < entries.length; i++) {
    const { name, check, definition } = entries[i] as PlanEntry;
    const value = (source as Fields)[name];
    // An apply object's properties are its own fields; a plain object might inherit them.
    if (value === undefined || (edge && !Object.hasOwn(source, name))) continue;
    try {
      // The common case in one call: a single value that passes its rule.
      const wire =
        check === undefined || value === null
          ? undefined
          : check(value, definition, name);
      (properties ??= {})[definition.identifier] =
        wire !== undefined
          ? (wire as PropertyValue)
          : toWireValue(
              definition.type === "direct" && value !== null
                ? collector.references(value, definition.target)
                : value,
              definition,
              name,
            );
    } catch (error) {
      throw instanceError(error, what, id, name);
    }
  }
  return properties;
}

/** Base of every generated `<View>Apply` class for node views. */
export abstract class TypedNodeApply extends TypedApply {
  declare type?: InstanceId | null;

  protected constructor(
    space: string,
    externalId: string,
    properties: object,
    options?: NodeApplyOptions,
  ) {
    super(space, externalId, properties, options?.existingVersion);
    if (options?.type !== undefined) this.type = options.type;
  }

  /** The node item of the apply request, without its edges and nested nodes. */
  toInstanceWrite(): NodeWrite {
    return this.nodeWrite(new WriteCollector(), planOfObject(this));
  }

  /** Adds the node's write, then the edges of its edge connections. */
  collect(collector: WriteCollector): void {
    const plan = planOfObject(this);
    collector.push(this.nodeWrite(collector, plan));
    for (const [name, connection] of plan.edges) {
      const value = (this as Fields)[name];
      if (value === undefined || value === null) continue;
      // A JS caller's non-list fails as a TypeError (not iterable), named like any other.
      try {
        for (const target of (connection.multi ? value : [value]) as unknown[])
          collector.push(edgeWrite(this, connection, target, collector));
      } catch (error) {
        throw instanceError(error, plan.view.externalId, this, name);
      }
    }
  }

  private nodeWrite(collector: WriteCollector, plan: Plan): NodeWrite {
    const type = this.type === undefined ? plan.instanceType : this.type;
    const write: NodeWrite = {
      instanceType: "node",
      space: this.space,
      externalId: this.externalId,
    };
    if (type) write.type = idOf(type);
    return withSource(this, collector, write, plan);
  }
}

/**
 * The default external id of an edge: the ids of its type, start and end node joined by `:`, with
 * `\` and `:` escaped by a `\`. Beyond 255 characters: the first 222, `~`, and a stable 128-bit
 * hash of the whole (32 hex digits).
 */
export function defaultEdgeExternalId(
  type: InstanceId,
  startNode: InstanceId,
  endNode: InstanceId,
): string {
  const full = [type, startNode, endNode]
    .flatMap((id) => [id.space, id.externalId])
    .map((part) => part.replace(/[\\:]/g, "\\$&"))
    .join(":");
  return full.length <= 255
    ? full
    : `${full.slice(0, 222)}~${stableHash128(full)}`;
}

/** 128 bits as 32 hex digits: four FNV-1a lanes, mixed at the end. Stable, not cryptographic. */
function stableHash128(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  let c = 0x1b873593;
  let d = 0x6a09e667;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193) ^ (a >>> 15);
    c = Math.imul(c ^ code, 0x01000193) ^ (b >>> 13);
    d = Math.imul(d ^ code, 0x01000193) ^ (c >>> 11);
  }
  return [a ^ (d >>> 7), b ^ (a >>> 9), c ^ (b >>> 5), d ^ (c >>> 3)]
    .map((lane) => (lane >>> 0).toString(16).padStart(8, "0"))
    .join("");
}

/** The edge a node's edge connection writes to `target` (a node, a reference or an edge link). */
function edgeWrite(
  holder: TypedNodeApply,
  connection: EdgeConnectionDefinition,
  target: unknown,
  collector: WriteCollector,
): EdgeWrite {
  // An edge link is a plain object with a `target`; an apply object never is one.
  const link =
    typeof target === "object" &&
    target !== null &&
    !collectsWrites(target) &&
    Object.hasOwn(target, "target")
      ? (target as EdgeLink<unknown, object>)
      : undefined;
  const other = collector.reference(link ? link.target : target);
  const outwards = connection.direction === "outwards";
  const startNode = outwards ? holder.id : other;
  const endNode = outwards ? other : holder.id;
  const type = connection.edgeType;
  const write: EdgeWrite = {
    instanceType: "edge",
    space: link?.space ?? holder.space,
    externalId:
      link?.externalId ?? defaultEdgeExternalId(type, startNode, endNode),
    type: idOf(type),
    startNode,
    endNode,
  };
  const { edgeSource } = connection;
  const source = link?.properties;
  if (source && edgeSource) {
    const { entries, view } = planOf(edgeSource);
    const values = wireProperties(source, entries, collector, write, "edge");
    write.sources = [{ source: view, properties: values ?? {} }];
  }
  return write;
}

/** Base of every generated `<View>Apply` class for edge views. */
export abstract class TypedEdgeApply extends TypedApply {
  declare startNode: InstanceId | TypedNodeApply;
  declare endNode: InstanceId | TypedNodeApply;
  declare type?: InstanceId;

  protected constructor(
    space: string,
    externalId: string,
    ends: EdgeEnds,
    properties: object,
    options?: { readonly existingVersion?: number },
  ) {
    super(space, externalId, properties, options?.existingVersion);
    this.startNode = ends.startNode;
    this.endNode = ends.endNode;
    if (ends.type) this.type = ends.type;
  }

  /** The edge item of the apply request. */
  toInstanceWrite(): EdgeWrite {
    return this.edgeWrite(new WriteCollector());
  }

  collect(collector: WriteCollector): void {
    collector.push(this.edgeWrite(collector));
  }

  private edgeWrite(collector: WriteCollector): EdgeWrite {
    const plan = planOfObject(this);
    const type = this.type ?? plan.instanceType;
    if (!type) {
      const error = new TypeError("needs an edge type { space, externalId }");
      throw instanceError(error, plan.view.externalId, this, "type");
    }
    const write: EdgeWrite = {
      instanceType: "edge",
      space: this.space,
      externalId: this.externalId,
      type: idOf(type),
      startNode: collector.reference(this.startNode),
      endNode: collector.reference(this.endNode),
    };
    return withSource(this, collector, write, plan);
  }
}

/** The writes of apply objects as `client.apply` sends them: each instance once, nodes first. */
export function collectWrites(items: Iterable<TypedApply>): InstanceWrite[] {
  const collector = new WriteCollector();
  for (const item of items) collector.addRoot(item);
  return collector.writes();
}

/** One node written through several views that do not inherit from each other (a source each). */
export function combineNodes(...applies: TypedNodeApply[]): NodeWrite {
  const [first, ...rest] = applies;
  if (!first) throw new Error("combineNodes needs at least one node");
  for (const other of rest)
    if (other.space !== first.space || other.externalId !== first.externalId)
      throw new Error(
        `combineNodes takes one node: ${first.space}:${first.externalId} and ${other.space}:${other.externalId} differ`,
      );
  const collector = new WriteCollector();
  for (const apply of applies) collector.push(apply.toInstanceWrite());
  return collector.writes()[0] as NodeWrite;
}

export abstract class TypedInstance extends TypedObject {
  // `declare`: assigned in the constructor, without a define step per field. Times: epoch ms.
  declare readonly space: string;
  declare readonly externalId: string;
  declare readonly version: number;
  declare readonly createdTime: number;
  declare readonly lastUpdatedTime: number;
  /** Set (as an own key) only on deleted instances in sync results. */
  declare readonly deletedTime?: number;

  constructor(instance: InstanceRead) {
    super();
    this.space = instance.space;
    this.externalId = instance.externalId;
    this.version = instance.version;
    this.createdTime = instance.createdTime;
    this.lastUpdatedTime = instance.lastUpdatedTime;
    if (instance.deletedTime !== undefined)
      (this as { deletedTime?: number }).deletedTime = instance.deletedTime;
    const plan = planOf(new.target as unknown as ViewClassInfo);
    const { entries, view, viewKey } = plan;
    const values: Fields = instance.properties?.[view.space]?.[viewKey] ?? {};
    for (let i = 0; i < entries.length; i++) {
      const { name, definition, read } = entries[i] as PlanEntry;
      const value = values[definition.identifier];
      // An absent `constructor` finds a function (JSON has none); no identifier is `__proto__`.
      (this as Fields)[name] =
        value === undefined || value === null || typeof value === "function"
          ? null
          : read
            ? read(value)
            : value;
    }
  }
}

/** Base of every generated read class for node views. */
export abstract class TypedNode extends TypedInstance {
  declare readonly type: InstanceId | null;

  /** Takes any instance read (one constructor type for read classes); refuses an edge. */
  constructor(instance: InstanceRead) {
    super(instance);
    if (instance.instanceType !== "node")
      throw notA("a node, got an edge", instance);
    this.type = instance.type ?? null;
  }
}

/** Base of every generated read class for edge views. */
export abstract class TypedEdge extends TypedInstance {
  declare readonly type: InstanceId;
  declare readonly startNode: InstanceId;
  declare readonly endNode: InstanceId;

  /** Takes any instance read (read classes share one constructor type); refuses a node. */
  constructor(instance: InstanceRead) {
    super(instance);
    if (instance.instanceType !== "edge")
      throw notA("an edge, got a node", instance);
    this.type = instance.type;
    this.startNode = instance.startNode;
    this.endNode = instance.endNode;
  }
}

const notA = (what: string, { space, externalId }: InstanceRead): TypeError =>
  new TypeError(`${space}:${externalId}: expected ${what}`);

/** A node reached through an edge connection whose edges carry properties. */
export interface Connected<TNode, TEdge> {
  readonly node: TNode;
  readonly edge: TEdge;
}

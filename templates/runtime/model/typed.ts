// Base classes of the generated apply (write) and read classes. A generated class only declares
// its view, its property map and its connections; turning an object into the API's JSON and back
// happens here, once, for every view. Per class, the property maps are compiled once into plans
// (arrays of names and converters), so that the per-object work is a loop over plain arrays.

import {
  ANY_NODE_VIEW,
  ConflictingWritesError,
  WriteCollector,
  collectsWrites,
  type CollectsWrites,
} from "./collect.js";
import {
  PropertyValueError,
  fromWireValue,
  needsReadConversion,
  ownValue,
  toWireValue,
  type ConnectionMap,
  type DmsType,
  type EdgeConnectionDefinition,
  type PropertyDefinition,
  type PropertyMap,
} from "./values.js";
import type {
  EdgeWrite,
  InstanceId,
  InstanceRead,
  InstanceWrite,
  NodeWrite,
  PropertyValues,
  SourceData,
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
}

// ---- what a generated class declares about its fields (types only)

/**
 * `T` with each key kept when it is one of `K`, else typed `never`: `X extends OnlyKeys<X, K>`
 * compiles only when every key of `X` is one of `K` (modifiers stay, so optional fits optional).
 */
type OnlyKeys<T, K> = { [N in keyof T]: N extends K ? T[N] : never };

/** The names of the properties of map `P` whose definitions fit `D`, as a `{ name: true }` set. */
type NameSet<P, D> = {
  readonly [K in keyof P as P[K] extends D ? K : never]: true;
};

type Single = { readonly list?: false };
type NumberType = "int32" | "int64" | "float32" | "float64";
type GroupType = NumberType | "text" | "direct" | "enum" | "boolean";

/**
 * The fields of a generated apply class, checked against its view's maps: `F` (the apply
 * interface) compiles only with exactly the keys of the property map `P` plus edge connections of
 * `C`, so a field the map lacks, a map key without a field, or a typo in either fails tsc.
 */
export type ApplyFields<
  P extends OnlyKeys<P, keyof F>,
  C,
  F extends OnlyKeys<F, keyof P | keyof C>,
> = F;

/**
 * The static `$types` of a generated read class, from its maps: the sortable, text, numeric and
 * groupable names follow from the definitions. Checked like {@link ApplyFields}: the read interface
 * `F` has exactly the keys of `P` and `C`, the `where` `W` a condition for each key of `P` and
 * nothing but instance fields besides. `T`: the read classes connections and direct relations
 * lead to, by name (types only, so that view modules need not load each other).
 */
export type ReadTypes<
  P extends OnlyKeys<P, keyof F & keyof W>,
  C extends OnlyKeys<C, keyof F>,
  F extends OnlyKeys<F, keyof P | keyof C>,
  W extends OnlyKeys<W, keyof P | keyof EdgeWhere<never>>,
  T = unknown,
> = {
  readonly where: W;
  readonly sortable: NameSet<
    P,
    Single & { readonly type: Exclude<DmsType, "json"> }
  >;
  readonly text: NameSet<P, { readonly type: "text" }>;
  readonly numeric: NameSet<P, Single & { readonly type: NumberType }>;
  readonly groupable: NameSet<P, Single & { readonly type: GroupType }>;
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

/**
 * A plain reference to a node, `{ space, externalId }` (a read object is one too). Apply objects
 * are not references here: where a connection expects a view's apply class, an apply object of
 * another view must not slip through as a reference.
 */
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

// ---- plans: a class's property maps compiled once

interface WritePlanEntry {
  readonly name: string;
  readonly identifier: string;
  readonly definition: PropertyDefinition;
}

interface ApplyPlan {
  /** The fields the constructor copies: the properties, then the edge connections. */
  readonly fields: readonly string[];
  readonly properties: readonly WritePlanEntry[];
  readonly edges: readonly {
    name: string;
    connection: EdgeConnectionDefinition;
  }[];
}

const plans = new WeakMap<object, object>();

/** What `compile` makes of `key` (a class, an edge source), made once per key. */
function planOf<K extends object, P extends object>(
  key: K,
  compile: (key: K) => P,
): P {
  let plan = plans.get(key) as P | undefined;
  if (!plan) plans.set(key, (plan = compile(key)));
  return plan;
}

function writeEntries(map: PropertyMap): WritePlanEntry[] {
  return Object.keys(map).map((name) => {
    const definition = map[name] as PropertyDefinition;
    return { name, identifier: definition.identifier, definition };
  });
}

function applyPlan(info: ViewClassInfo): ApplyPlan {
  return planOf(info, compileApplyPlan);
}

function compileApplyPlan(info: ViewClassInfo): ApplyPlan {
  const edges: { name: string; connection: EdgeConnectionDefinition }[] = [];
  for (const name of Object.keys(info.connections)) {
    const connection = info.connections[name];
    if (connection?.connection === "edge") edges.push({ name, connection });
  }
  const properties = writeEntries(info.properties);
  return {
    fields: [...properties.map((p) => p.name), ...edges.map((e) => e.name)],
    properties,
    edges,
  };
}

/** The generated class of an object: its statics say what its view is. */
function classInfo(instance: object): ViewClassInfo {
  return instance.constructor as unknown as ViewClassInfo;
}

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/**
 * Whether `value` is an object of class `of` (the prototype chain), or, when `of` is a generated
 * class, an object of `base`'s family whose class writes or reads through a view implementing
 * `of`'s view. A user's subclass of a generated class (no `view` of its own) keeps the ordinary
 * prototype check.
 */
function isOfView(of: object, value: unknown, base: object): boolean {
  if (ordinaryInstanceOf.call(of, value)) return true;
  if (typeof value !== "object" || value === null || !Object.hasOwn(of, "view"))
    return false;
  if (!ordinaryInstanceOf.call(base, value)) return false;
  const view = (of as { view: ViewReference }).view;
  const key = `${view.space}:${view.externalId}/${view.version}`;
  const implemented = (value.constructor as { implemented?: readonly string[] })
    .implemented;
  return implemented !== undefined && implemented.includes(key);
}

const hasOwn = (object: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(object, key);

export abstract class TypedApply implements CollectsWrites {
  declare static readonly view: ViewReference;
  declare static readonly properties: PropertyMap;
  declare static readonly connections: ConnectionMap;
  declare static readonly instanceType?: InstanceId;
  /** Every view the view implements (`space:externalId/version`), transitively. */
  declare static readonly implemented?: readonly string[];

  /**
   * `x instanceof SomeViewApply` holds for apply objects of that view and of every view
   * implementing it, whichever class the generated class extends (a class extends only one).
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isOfView(this, value, TypedApply);
  }

  // `declare` fields: set by plain assignment in the constructor (no define step per field), and
  // an unset option is no own key (not even `undefined`).
  declare readonly space: string;
  declare readonly externalId: string;
  declare existingVersion?: number;

  /**
   * Copies the fields of the class's view that `properties` sets: each by name from the class's
   * maps, so a stray key or `__proto__` never lands on the object, and an unset one is no own key.
   */
  protected constructor(
    space: string,
    externalId: string,
    properties: object,
    existingVersion: number | undefined,
  ) {
    this.space = space;
    this.externalId = externalId;
    if (existingVersion !== undefined) this.existingVersion = existingVersion;
    const { fields } = applyPlan(new.target as unknown as ViewClassInfo);
    // The fields are the class's map keys, which the generated class checks against its fields.
    copySetFields(this, properties, fields);
  }

  /** This instance's id. */
  get id(): InstanceId {
    return { space: this.space, externalId: this.externalId };
  }

  /** The view source with every property that is set, keyed by the API's identifiers. */
  protected sourceData(
    collector: WriteCollector,
    plan?: ApplyPlan,
  ): SourceData {
    const info = classInfo(this);
    const compiled = plan ?? applyPlan(info);
    const properties = wireProperties(
      this,
      true,
      compiled.properties,
      collector,
      this,
      info.view.externalId,
    );
    return properties
      ? { source: info.view, properties }
      : { source: info.view };
  }

  /** Every write this object stands for: itself, nested nodes, edges; nodes come first. */
  toInstanceWrites(): InstanceWrite[] {
    const collector = new WriteCollector();
    collector.add(this);
    return collector.writes();
  }

  /** @internal Adds this object's own write (and what it references) to a collector. */
  abstract collect(collector: WriteCollector): void;
}

/** The fields of an apply or read object, as the runtime sees them: named by the class's maps. */
type Fields = Record<string, unknown>;

/** Copies each of `names` that `from` sets (not undefined) onto `to`, as its own field. */
function copySetFields(
  target: object,
  source: object,
  names: readonly string[],
): void {
  const to = target as Fields;
  const from = source as Fields;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const value = from[name];
    if (value === undefined) continue;
    if (name === "__proto__") Object.defineProperty(to, name, ownField(value));
    else to[name] = value;
  }
}

/** A field defined like an assigned one: for `__proto__`, which assigning would not create. */
function ownField(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

/** Base of every generated `<View>Apply` class for node views. */
export abstract class TypedNodeApply extends TypedApply {
  /** `undefined`: the view's node type; `null`: none. */
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
    return this.nodeWrite(new WriteCollector());
  }

  collect(collector: WriteCollector): void {
    const info = classInfo(this);
    const plan = applyPlan(info);
    collector.push(this.nodeWrite(collector, info, plan));
    if (plan.edges.length > 0) this.collectEdges(collector, plan.edges);
  }

  private nodeWrite(
    collector: WriteCollector,
    info: ViewClassInfo = classInfo(this),
    plan: ApplyPlan = applyPlan(info),
  ): NodeWrite {
    const type = this.type === undefined ? info.instanceType : this.type;
    const write: NodeWrite = {
      instanceType: "node",
      space: this.space,
      externalId: this.externalId,
    };
    if (this.existingVersion !== undefined)
      write.existingVersion = this.existingVersion;
    if (type) write.type = { space: type.space, externalId: type.externalId };
    write.sources = [this.sourceData(collector, plan)];
    return write;
  }

  private collectEdges(
    collector: WriteCollector,
    edges: ApplyPlan["edges"],
  ): void {
    for (const { name, connection } of edges) {
      if (!hasOwn(this, name)) continue;
      const value = (this as Record<string, unknown>)[name];
      if (value === undefined || value === null) continue;
      const targets = connection.multi ? value : [value];
      if (!Array.isArray(targets)) {
        throw new PropertyValueError(
          `${name} must be a list of edge targets`,
          name,
          this.id,
        );
      }
      for (const target of targets) {
        collector.push(edgeWrite(this, name, connection, target, collector));
      }
    }
  }
}

/**
 * The wire form of the properties `source` holds, keyed by the API's identifiers: only names in
 * the plan (a stray key or `__proto__` never goes out), nested apply objects reduced to references
 * (and collected), every value checked. Errors say which instance they are about (`what`, the
 * view's external id or "edge", then the id); the text is built only then.
 */
function wireProperties(
  source: object,
  isApplyObject: boolean,
  plan: readonly WritePlanEntry[],
  collector: WriteCollector,
  id: InstanceId,
  what: string,
): PropertyValues | undefined {
  let properties: PropertyValues | undefined;
  const values = source as Record<string, unknown>;
  for (let i = 0; i < plan.length; i++) {
    const entry = plan[i] as WritePlanEntry;
    const value = values[entry.name];
    // An apply object's properties are its own fields (the constructor copies only known names;
    // the generator keeps property names clear of the class's members); a plain object (edge
    // properties) might inherit, so it is asked.
    if (value === undefined || (!isApplyObject && !hasOwn(source, entry.name)))
      continue;
    properties ??= {};
    try {
      properties[entry.identifier] = toWireValue(
        entry.definition.type === "direct"
          ? directReferences(
              collector,
              value,
              entry.definition.target ?? ANY_NODE_VIEW,
            )
          : value,
        entry.definition,
        entry.name,
      );
    } catch (error) {
      if (error instanceof PropertyValueError)
        throw instanceValueError(what, id, error.message, error.property);
      if (error instanceof TypeError) {
        const message = `${entry.name}: ${error.message}`;
        throw instanceValueError(what, id, message, entry.name);
      }
      throw error;
    }
  }
  return properties;
}

/** A value error prefixed with the instance it is about (`what`: the view or "edge"). */
function instanceValueError(
  what: string,
  id: InstanceId,
  message: string,
  property: string,
): PropertyValueError {
  return new PropertyValueError(
    `${what} ${id.space}:${id.externalId}: ${message}`,
    property,
    { space: id.space, externalId: id.externalId },
  );
}

/** A direct relation value (one, a list, or null) with apply objects reduced to references. */
function directReferences(
  collector: WriteCollector,
  value: unknown,
  target: string,
): unknown {
  if (value === null) return null;
  return Array.isArray(value)
    ? value.map((item) => collector.reference(item, target))
    : collector.reference(value, target);
}

/**
 * An edge link is a plain object with a `target`; an apply object is never one, whatever its
 * view's properties are called (a view may well have a `target` property).
 */
function isEdgeLink(value: unknown): value is EdgeLink<unknown, object> {
  return (
    typeof value === "object" &&
    value !== null &&
    !collectsWrites(value) &&
    hasOwn(value, "target")
  );
}

const MAX_EXTERNAL_ID_LENGTH = 255;

/**
 * The default external id of an edge: the full ids of its type, start and end node, as
 * `type.space:type.externalId:start.space:start.externalId:end.space:end.externalId` with `\` and
 * `:` inside each part escaped by a `\` (so that two different edges never share an id). When that
 * is longer than 255 characters, its first 222 characters, `~`, and a 128-bit hash of the whole
 * (32 hex digits): deterministic, the same in every process and version.
 */
export function defaultEdgeExternalId(
  type: InstanceId,
  startNode: InstanceId,
  endNode: InstanceId,
): string {
  const full = [
    type.space,
    type.externalId,
    startNode.space,
    startNode.externalId,
    endNode.space,
    endNode.externalId,
  ]
    .map(escapeIdPart)
    .join(":");
  if (full.length <= MAX_EXTERNAL_ID_LENGTH) return full;
  const hash = stableHash128(full);
  return `${full.slice(0, MAX_EXTERNAL_ID_LENGTH - hash.length - 1)}~${hash}`;
}

function escapeIdPart(part: string): string {
  return part.includes(":") || part.includes("\\")
    ? part.replace(/[\\:]/g, (c) => `\\${c}`)
    : part;
}

/**
 * A 128-bit hash of a string's UTF-16 code units as 32 hex digits: four 32-bit FNV-1a lanes with
 * different offsets, mixed with each other at the end. Stable, fast, not cryptographic.
 */
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
  const lanes = [a ^ (d >>> 7), b ^ (a >>> 9), c ^ (b >>> 5), d ^ (c >>> 3)];
  return lanes
    .map((lane) => (lane >>> 0).toString(16).padStart(8, "0"))
    .join("");
}

function edgeWrite(
  holder: TypedNodeApply,
  name: string,
  connection: EdgeConnectionDefinition,
  target: unknown,
  collector: WriteCollector,
): EdgeWrite {
  const link = isEdgeLink(target) ? target : undefined;
  let other: InstanceId;
  try {
    other = collector.reference(link ? link.target : target);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new PropertyValueError(
      `${holder.space}:${holder.externalId}: ${name}: ${error.message}`,
      name,
      holder.id,
    );
  }
  const outwards = connection.direction === "outwards";
  const startNode = outwards ? holder.id : other;
  const endNode = outwards ? other : holder.id;
  const type = connection.edgeType;
  const write: EdgeWrite = {
    instanceType: "edge",
    space: link?.space ?? holder.space,
    externalId:
      link?.externalId ?? defaultEdgeExternalId(type, startNode, endNode),
    type: { space: type.space, externalId: type.externalId },
    startNode,
    endNode,
  };
  const edgeSource = connection.edgeSource;
  if (link?.properties && edgeSource) {
    const plan = planOf(edgeSource, (source) =>
      writeEntries(source.properties?.() ?? {}),
    );
    const id = { space: write.space, externalId: write.externalId };
    const properties = wireProperties(
      link.properties,
      false,
      plan,
      collector,
      id,
      "edge",
    );
    write.sources = [{ source: edgeSource.view, properties: properties ?? {} }];
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
    const type = this.type ?? classInfo(this).instanceType;
    if (!type) {
      throw new PropertyValueError(
        `edge ${this.space}:${this.externalId} needs a type`,
        "type",
        this.id,
      );
    }
    const write: EdgeWrite = {
      instanceType: "edge",
      space: this.space,
      externalId: this.externalId,
      type: { space: type.space, externalId: type.externalId },
      startNode: collector.reference(this.startNode),
      endNode: collector.reference(this.endNode),
    };
    if (this.existingVersion !== undefined)
      write.existingVersion = this.existingVersion;
    write.sources = [this.sourceData(collector)];
    return write;
  }
}

/** Anything the apply engine takes: wire items, or objects that expand to them. */
export interface InstanceWriteSource {
  toInstanceWrites(): InstanceWrite[];
}

/**
 * The writes of many apply objects, each instance once, nodes first: exactly what `client.apply`
 * sends for the same list (two objects for one instance merge; conflicting values are an error).
 */
export function collectWrites(
  items: Iterable<TypedNodeApply | TypedEdgeApply>,
): InstanceWrite[] {
  const collector = new WriteCollector();
  for (const item of items) collector.addRoot(item);
  return collector.writes();
}

/**
 * One node written through several views at once (one source per view): the API's way to fill a
 * node's data in views that do not inherit from each other.
 */
export function combineNodes(...applies: TypedNodeApply[]): NodeWrite {
  const [first, ...rest] = applies;
  if (!first) throw new Error("combineNodes needs at least one node");
  for (const other of rest) {
    if (other.space !== first.space || other.externalId !== first.externalId) {
      throw new Error(
        `combineNodes takes one node: ${first.space}:${first.externalId} and ${other.space}:${other.externalId} differ`,
      );
    }
  }
  const collector = new WriteCollector();
  for (const apply of applies) collector.push(apply.toInstanceWrite());
  return collector.writes()[0] as NodeWrite;
}

// ---- read classes

interface ReadPlanEntry {
  readonly name: string;
  readonly identifier: string;
  /** Undefined when the wire value is already the TypeScript value. */
  readonly definition: PropertyDefinition | undefined;
  /** `__proto__` must be defined, not assigned. */
  readonly defineOwn: boolean;
  /** The identifier is also a member of `Object.prototype`: read only an own value. */
  readonly inherited: boolean;
}

/** How a read class fills itself from an instance read, worked out once per class. */
interface ReadPlan {
  readonly space: string;
  /** `externalId/version`: the key of the view's values under `properties[space]`. */
  readonly viewKey: string;
  readonly entries: readonly ReadPlanEntry[];
}

const EMPTY_VALUES: PropertyValues = Object.freeze({});

function readPlan(info: ViewClassInfo): ReadPlan {
  return planOf(info, compileReadPlan);
}

function compileReadPlan(info: ViewClassInfo): ReadPlan {
  return {
    space: info.view.space,
    viewKey: `${info.view.externalId}/${info.view.version}`,
    entries: Object.keys(info.properties).map((name) => {
      const definition = info.properties[name] as PropertyDefinition;
      return {
        name,
        identifier: definition.identifier,
        definition: needsReadConversion(definition) ? definition : undefined,
        defineOwn: name === "__proto__",
        inherited: definition.identifier in Object.prototype,
      };
    }),
  };
}

export abstract class TypedInstance {
  declare static readonly view: ViewReference;
  declare static readonly properties: PropertyMap;
  declare static readonly connections: ConnectionMap;
  /** Every view the view implements (`space:externalId/version`), transitively. */
  declare static readonly implemented?: readonly string[];

  /**
   * `x instanceof SomeView` holds for read objects of that view and of every view implementing
   * it, whichever class the generated class extends (a class extends only one).
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isOfView(this, value, TypedInstance);
  }

  // `declare` fields: assigned in the constructor, without a define step per field.
  declare readonly space: string;
  declare readonly externalId: string;
  declare readonly version: number;
  /** Epoch milliseconds. */
  declare readonly createdTime: number;
  /** Epoch milliseconds. */
  declare readonly lastUpdatedTime: number;
  /** Epoch milliseconds; set (as an own key) only on deleted instances in sync results. */
  declare readonly deletedTime?: number;

  constructor(instance: InstanceRead) {
    this.space = instance.space;
    this.externalId = instance.externalId;
    this.version = instance.version;
    this.createdTime = instance.createdTime;
    this.lastUpdatedTime = instance.lastUpdatedTime;
    if (instance.deletedTime !== undefined)
      (this as { deletedTime?: number }).deletedTime = instance.deletedTime;
    const plan = readPlan(new.target as unknown as ViewClassInfo);
    const values =
      instance.properties?.[plan.space]?.[plan.viewKey] ?? EMPTY_VALUES;
    const target = this as unknown as Record<string, unknown>;
    const { entries } = plan;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as ReadPlanEntry;
      const value = entry.inherited
        ? ownValue(values, entry.identifier)
        : values[entry.identifier];
      const converted = entry.definition
        ? fromWireValue(value, entry.definition)
        : (value ?? null);
      if (entry.defineOwn)
        Object.defineProperty(target, entry.name, ownField(converted));
      else target[entry.name] = converted;
    }
  }

  /** This instance's id. */
  get id(): InstanceId {
    return { space: this.space, externalId: this.externalId };
  }
}

/** Base of every generated read class for node views. */
export abstract class TypedNode extends TypedInstance {
  declare readonly type: InstanceId | null;

  /** Takes any instance read (so that read classes fit one constructor type); an edge is refused. */
  constructor(instance: InstanceRead) {
    super(instance);
    if (instance.instanceType !== "node") throw notA("node", instance);
    this.type = instance.type ?? null;
  }
}

/** Base of every generated read class for edge views. */
export abstract class TypedEdge extends TypedInstance {
  declare readonly type: InstanceId;
  declare readonly startNode: InstanceId;
  declare readonly endNode: InstanceId;

  /** Takes any instance read (so that read classes fit one constructor type); a node is refused. */
  constructor(instance: InstanceRead) {
    super(instance);
    if (instance.instanceType !== "edge") throw notA("edge", instance);
    this.type = instance.type;
    this.startNode = instance.startNode;
    this.endNode = instance.endNode;
  }
}

function notA(expected: "node" | "edge", instance: InstanceRead): TypeError {
  const what =
    expected === "node" ? "a node, got an edge" : "an edge, got a node";
  return new TypeError(
    `${instance.space}:${instance.externalId}: expected ${what}`,
  );
}

/** A node reached through an edge connection whose edges carry properties. */
export interface Connected<TNode, TEdge> {
  readonly node: TNode;
  readonly edge: TEdge;
}

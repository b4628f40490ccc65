// Base classes of the generated apply (write) and read classes. A generated class only declares
// its view, its property map and its connections; turning an object into the API's JSON and back
// happens here, once, for every view.

import {
  PropertyValueError,
  fromWireValue,
  toWireValue,
  type ConnectionMap,
  type EdgeConnectionDefinition,
  type PropertyMap,
  type ReadOptions,
} from "./values.js";
import type {
  EdgeRead,
  EdgeWrite,
  InstanceId,
  InstanceRead,
  InstanceWrite,
  NodeRead,
  NodeWrite,
  PropertyValues,
  SourceData,
  SourceReference,
  ViewReference,
} from "./wire.js";

/** What a generated class says about its view. */
export interface ViewClassInfo {
  readonly view: ViewReference;
  readonly properties: PropertyMap;
  readonly connections: ConnectionMap;
  /** The node (or edge) type the view's filter requires; set on every write. */
  readonly instanceType?: InstanceId;
}

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

/** One edge of an edge connection, when its id or (for edge views) its properties matter. */
export interface EdgeLink<TNode, TEdgeProperties = never> {
  /** The node at the other end. */
  readonly target: InstanceId | TNode;
  /** Defaults to `<edge type>:<start>:<end>` (external ids). */
  readonly externalId?: string;
  /** Defaults to the space of the node that holds the connection. */
  readonly space?: string;
  readonly properties?: TEdgeProperties;
}

/** What an edge connection accepts on apply: a node, a reference to one, or an edge link. */
export type EdgeTarget<TNode, TEdgeProperties = never> =
  InstanceId | TNode | EdgeLink<TNode, TEdgeProperties>;

type ApplyClass = ViewClassInfo & (abstract new (...args: never[]) => unknown);

function classInfo(instance: object): ViewClassInfo {
  return instance.constructor as unknown as ApplyClass;
}

/** Copies the known properties only: `__proto__` or a stray key can never land on the object. */
function assignKnownProperties(
  target: object,
  input: object,
  info: ViewClassInfo,
): void {
  for (const names of [info.properties, info.connections]) {
    for (const name of Object.keys(names)) {
      if (Object.prototype.hasOwnProperty.call(input, name)) {
        Object.defineProperty(target, name, {
          value: (input as Record<string, unknown>)[name],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
  }
}

export abstract class TypedApply {
  declare static readonly view: ViewReference;
  declare static readonly properties: PropertyMap;
  declare static readonly connections: ConnectionMap;
  declare static readonly instanceType?: InstanceId;

  readonly space: string;
  readonly externalId: string;
  existingVersion?: number;

  protected constructor(
    space: string,
    externalId: string,
    properties: object,
    existingVersion: number | undefined,
  ) {
    this.space = space;
    this.externalId = externalId;
    if (existingVersion !== undefined) this.existingVersion = existingVersion;
    assignKnownProperties(this, properties, classInfo(this));
  }

  /** This instance's id. */
  get id(): InstanceId {
    return { space: this.space, externalId: this.externalId };
  }

  /** The view source with every property that is set, keyed by the API's identifiers. */
  protected sourceData(collector: WriteCollector): SourceData {
    const info = classInfo(this);
    const where = `${info.view.externalId} ${this.space}:${this.externalId}`;
    const properties = wireProperties(
      this,
      info.properties,
      collector,
      where,
      this.id,
    );
    return Object.keys(properties).length > 0
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

/** Base of every generated `<View>Apply` class for node views. */
export abstract class TypedNodeApply extends TypedApply {
  /** `undefined`: the view's node type; `null`: none. */
  type?: InstanceId | null;

  protected constructor(
    space: string,
    externalId: string,
    properties: object,
    options: NodeApplyOptions = {},
  ) {
    super(space, externalId, properties, options.existingVersion);
    if (options.type !== undefined) this.type = options.type;
  }

  /** The node item of the apply request, without its edges and nested nodes. */
  toInstanceWrite(): NodeWrite {
    return this.nodeWrite(new WriteCollector());
  }

  collect(collector: WriteCollector): void {
    collector.push(this.nodeWrite(collector));
    this.collectEdges(collector);
  }

  private nodeWrite(collector: WriteCollector): NodeWrite {
    const info = classInfo(this);
    const type = this.type === undefined ? info.instanceType : this.type;
    const write: NodeWrite = {
      instanceType: "node",
      space: this.space,
      externalId: this.externalId,
    };
    if (this.existingVersion !== undefined)
      write.existingVersion = this.existingVersion;
    if (type) write.type = { space: type.space, externalId: type.externalId };
    write.sources = [this.sourceData(collector)];
    return write;
  }

  private collectEdges(collector: WriteCollector): void {
    for (const [name, connection] of Object.entries(
      classInfo(this).connections,
    )) {
      if (connection.connection !== "edge") continue;
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
        collector.push(edgeWrite(this, connection, target, collector));
      }
    }
  }
}

/**
 * The wire form of the properties `source` holds, keyed by the API's identifiers: only names in
 * the map (a stray key or `__proto__` never goes out), nested apply objects reduced to references
 * (and collected), every value checked. Errors say which instance (`where`) they are about.
 */
function wireProperties(
  source: object,
  map: PropertyMap,
  collector: WriteCollector,
  where: string,
  id: InstanceId,
): PropertyValues {
  const properties: PropertyValues = {};
  for (const [name, definition] of Object.entries(map)) {
    if (!Object.prototype.hasOwnProperty.call(source, name)) continue;
    const value = (source as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const reduced =
      definition.type === "direct" ? collector.references(value) : value;
    try {
      properties[definition.identifier] = toWireValue(
        reduced,
        definition,
        name,
      );
    } catch (error) {
      if (!(error instanceof PropertyValueError)) throw error;
      throw new PropertyValueError(
        `${where}: ${error.message}`,
        error.property,
        id,
      );
    }
  }
  return properties;
}

function isEdgeLink(value: unknown): value is EdgeLink<unknown, object> {
  return typeof value === "object" && value !== null && "target" in value;
}

function edgeWrite(
  holder: TypedNodeApply,
  connection: EdgeConnectionDefinition,
  target: unknown,
  collector: WriteCollector,
): EdgeWrite {
  const link = isEdgeLink(target) ? target : undefined;
  const other = collector.reference(link ? link.target : target);
  const outwards = connection.direction === "outwards";
  const startNode = outwards ? holder.id : other;
  const endNode = outwards ? other : holder.id;
  const type = connection.edgeType;
  const write: EdgeWrite = {
    instanceType: "edge",
    space: link?.space ?? holder.space,
    externalId:
      link?.externalId ??
      `${type.externalId}:${startNode.externalId}:${endNode.externalId}`,
    type: { space: type.space, externalId: type.externalId },
    startNode,
    endNode,
  };
  const edgeSource = connection.edgeSource;
  if (link?.properties && edgeSource) {
    const where = `edge ${write.space}:${write.externalId}`;
    const map = edgeSource.properties?.() ?? {};
    const id = { space: write.space, externalId: write.externalId };
    const properties = wireProperties(
      link.properties,
      map,
      collector,
      where,
      id,
    );
    write.sources = [{ source: edgeSource.view, properties }];
  }
  return write;
}

/** Base of every generated `<View>Apply` class for edge views. */
export abstract class TypedEdgeApply extends TypedApply {
  startNode: InstanceId | TypedNodeApply;
  endNode: InstanceId | TypedNodeApply;
  type?: InstanceId;

  protected constructor(
    space: string,
    externalId: string,
    ends: EdgeEnds,
    properties: object,
    options: { readonly existingVersion?: number } = {},
  ) {
    super(space, externalId, properties, options.existingVersion);
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

/**
 * Gathers the writes of a graph of apply objects: each object once, nodes before edges (so that a
 * request never needs an edge's ends before they exist), and one item per instance: two apply
 * objects for the same node (say, through two views) become one item with both sources, since
 * the API rejects an instance given twice in one request.
 */
export class WriteCollector {
  private readonly seen = new Set<object>();
  private readonly nodes = new Map<string, InstanceWrite>();
  private readonly edges = new Map<string, InstanceWrite>();

  add(item: TypedApply): void {
    if (this.seen.has(item)) return;
    this.seen.add(item);
    item.collect(this);
  }

  push(write: InstanceWrite): void {
    const items = write.instanceType === "node" ? this.nodes : this.edges;
    const key = `${write.space}\u0000${write.externalId}`;
    const earlier = items.get(key);
    items.set(key, earlier ? mergeWrites(earlier, write) : write);
  }

  /** A node reference for a value that may be a nested apply object (which is then written too). */
  reference(value: unknown): InstanceId {
    if (value instanceof TypedApply) {
      this.add(value);
      return value.id;
    }
    if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as InstanceId).space === "string" &&
      typeof (value as InstanceId).externalId === "string"
    ) {
      const { space, externalId } = value as InstanceId;
      return { space, externalId };
    }
    throw new PropertyValueError(
      "expected a node reference { space, externalId } or an apply object",
      "reference",
    );
  }

  /** `reference` over a direct relation value: one, a list, or null. */
  references(value: unknown): unknown {
    if (value === null) return null;
    return Array.isArray(value)
      ? value.map((item) => this.reference(item))
      : this.reference(value);
  }

  writes(): InstanceWrite[] {
    return [...this.nodes.values(), ...this.edges.values()];
  }
}

/** Anything the apply engine takes: wire items, or objects that expand to them. */
export interface InstanceWriteSource {
  toInstanceWrites(): InstanceWrite[];
}

/** The writes of many apply objects, each instance once, nodes first. */
export function collectWrites(
  items: Iterable<TypedNodeApply | TypedEdgeApply>,
): InstanceWrite[] {
  const collector = new WriteCollector();
  for (const item of items) collector.add(item);
  return collector.writes();
}

/** Two writes of one instance as one: sources of the same view merge, later values win. */
function mergeWrites(
  earlier: InstanceWrite,
  later: InstanceWrite,
): InstanceWrite {
  const sources = [...(earlier.sources ?? [])];
  for (const source of later.sources ?? []) {
    const same = sources.findIndex((s) => sameSource(s.source, source.source));
    const existing = same >= 0 ? sources[same] : undefined;
    if (!existing) {
      sources.push(source);
      continue;
    }
    const properties = { ...existing.properties, ...source.properties };
    sources[same] =
      Object.keys(properties).length > 0
        ? { source: existing.source, properties }
        : { source: existing.source };
  }
  return { ...earlier, ...later, sources };
}

function sameSource(a: SourceReference, b: SourceReference): boolean {
  return (
    a.type === b.type &&
    a.space === b.space &&
    a.externalId === b.externalId &&
    (a.type === "container" || a.version === (b as ViewReference).version)
  );
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
  return applies
    .map((apply) => apply.toInstanceWrite())
    .reduce((a, b) => mergeWrites(a, b) as NodeWrite);
}

// ---- read classes

type ReadClass = ViewClassInfo;

export abstract class TypedInstance {
  declare static readonly view: ViewReference;
  declare static readonly properties: PropertyMap;
  declare static readonly connections: ConnectionMap;

  readonly space: string;
  readonly externalId: string;
  readonly version: number;
  /** Epoch milliseconds. */
  readonly createdTime: number;
  /** Epoch milliseconds. */
  readonly lastUpdatedTime: number;
  /** Epoch milliseconds; set on deleted instances in sync results. */
  readonly deletedTime?: number;

  constructor(instance: InstanceRead, options: ReadOptions = {}) {
    this.space = instance.space;
    this.externalId = instance.externalId;
    this.version = instance.version;
    this.createdTime = instance.createdTime;
    this.lastUpdatedTime = instance.lastUpdatedTime;
    if (instance.deletedTime !== undefined)
      this.deletedTime = instance.deletedTime;
    const info = this.constructor as unknown as ReadClass;
    const { view } = info;
    const values =
      instance.properties?.[view.space]?.[
        `${view.externalId}/${view.version}`
      ] ?? {};
    for (const [name, definition] of Object.entries(info.properties)) {
      Object.defineProperty(this, name, {
        value: fromWireValue(
          values[definition.identifier],
          definition,
          options,
        ),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }

  /** This instance's id. */
  get id(): InstanceId {
    return { space: this.space, externalId: this.externalId };
  }
}

/** Base of every generated read class for node views. */
export abstract class TypedNode extends TypedInstance {
  readonly type: InstanceId | null;

  constructor(instance: NodeRead, options: ReadOptions = {}) {
    super(instance, options);
    this.type = instance.type ?? null;
  }
}

/** Base of every generated read class for edge views. */
export abstract class TypedEdge extends TypedInstance {
  readonly type: InstanceId;
  readonly startNode: InstanceId;
  readonly endNode: InstanceId;

  constructor(instance: EdgeRead, options: ReadOptions = {}) {
    super(instance, options);
    this.type = instance.type;
    this.startNode = instance.startNode;
    this.endNode = instance.endNode;
  }
}

/** A node reached through an edge connection whose edges carry properties. */
export interface Connected<TNode, TEdge> {
  readonly node: TNode;
  readonly edge: TEdge;
}

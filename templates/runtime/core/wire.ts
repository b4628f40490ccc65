// Derived from the `/models/*` part of the official OpenAPI contract.

/** A reference to a node or edge: the only two fields an instance id has. */
export interface InstanceId {
  readonly space: string;
  readonly externalId: string;
}

/** The same as `InstanceId`; kept because earlier outputs exported it and apps may use it. */
export type NodeReference = InstanceId;

export interface ContainerReference {
  readonly type: "container";
  readonly space: string;
  readonly externalId: string;
}

export interface ViewReference extends Omit<ContainerReference, "type"> {
  readonly type: "view";
  readonly version: string;
}

export type SourceReference = ViewReference | ContainerReference;

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, the value of a `json` property. */
export type JsonObject = { [key: string]: JsonValue };

/** A property value on the wire; an int64 read exactly is a bigint (`int64: "bigint"`). */
export type PropertyValue = JsonValue | bigint | bigint[];

export type PropertyValues = Record<string, PropertyValue>;

export type SourceData = {
  source: SourceReference;
  properties?: PropertyValues;
};

export interface NodeWrite {
  instanceType: "node";
  space: string;
  externalId: string;
  existingVersion?: number;
  type?: InstanceId;
  sources?: SourceData[];
}

export interface EdgeWrite extends Omit<NodeWrite, "instanceType" | "type"> {
  instanceType: "edge";
  type: InstanceId;
  startNode: InstanceId;
  endNode: InstanceId;
}

export type InstanceWrite = NodeWrite | EdgeWrite;

export interface InstanceDelete extends DeletedInstance {
  existingVersion?: number;
}

export interface ApplyFlags {
  autoCreateDirectRelations?: boolean;
  autoCreateStartNodes?: boolean;
  autoCreateEndNodes?: boolean;
  skipOnVersionConflict?: boolean;
  replace?: boolean;
}

export interface ApplyRequest extends ApplyFlags {
  items: InstanceWrite[];
  delete?: InstanceDelete[];
}

export interface SlimInstance extends DeletedInstance {
  version: number;
  wasModified: boolean;
  createdTime: number;
  lastUpdatedTime: number;
}

export interface DeletedInstance extends InstanceId {
  instanceType: "node" | "edge";
}

export interface ApplyResponse {
  items: SlimInstance[];
  deleted?: DeletedInstance[];
}

/** Properties of a read instance: space → "externalId/version" → property id → value. */
export type PropertiesBySource = Record<string, Record<string, PropertyValues>>;

export interface NodeRead extends Omit<
  SlimInstance,
  "instanceType" | "wasModified"
> {
  instanceType: "node";
  type?: InstanceId | null;
  deletedTime?: number;
  properties?: PropertiesBySource;
}

export interface EdgeRead extends Omit<NodeRead, "instanceType" | "type"> {
  instanceType: "edge";
  type: InstanceId;
  startNode: InstanceId;
  endNode: InstanceId;
}

export type InstanceRead = NodeRead | EdgeRead;

export type PropertyPath = string[];
export type ParameterValue = { parameter: string };
export type PropertyRefValue = { property: PropertyPath };
export type FilterValue = PropertyValue | ParameterValue | PropertyRefValue;
export type RangeBound = string | number | ParameterValue | PropertyRefValue;

export interface RangeBounds {
  gt?: RangeBound;
  gte?: RangeBound;
  lt?: RangeBound;
  lte?: RangeBound;
}

/** The operand of `in`, `containsAny` and `containsAll`. */
export interface ValuesFilter {
  property: PropertyPath;
  values: PropertyValue[] | ParameterValue | PropertyRefValue;
}

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { equals: { property: PropertyPath; value: FilterValue } }
  | { in: ValuesFilter }
  | { range: { property: PropertyPath } & RangeBounds }
  | { prefix: { property: PropertyPath; value: string | ParameterValue } }
  | { exists: { property: PropertyPath } }
  | { containsAny: ValuesFilter }
  | { containsAll: ValuesFilter }
  | { matchAll: Record<string, never> }
  | { nested: { scope: PropertyPath; filter: Filter } }
  | {
      overlaps: {
        startProperty: PropertyPath;
        endProperty: PropertyPath;
      } & RangeBounds;
    }
  | { hasData: SourceReference[] }
  | { instanceReferences: InstanceId[] };

export interface PropertySort {
  property: PropertyPath;
  direction?: "ascending" | "descending";
  nullsFirst?: boolean;
}

export interface ThroughReference {
  source: SourceReference;
  identifier: string;
}

export interface NodeExpression {
  from?: string;
  chainTo?: "source" | "destination";
  through?: ThroughReference;
  direction?: "outwards" | "inwards";
  filter?: Filter;
}

export interface EdgeExpression extends Omit<NodeExpression, "through"> {
  maxDistance?: number;
  nodeFilter?: Filter;
  terminationFilter?: Filter;
  limitEach?: number;
}

export type SyncMode = "onePhase" | "twoPhase" | "noBackfill";

export interface SyncResultSetExpression extends Omit<
  QueryResultSetExpression,
  "sort" | "postSort"
> {
  skipAlreadyDeleted?: boolean;
  mode?: SyncMode;
  backfillSort?: PropertySort[];
}

export interface QueryResultSetExpression {
  nodes?: NodeExpression;
  edges?: EdgeExpression;
  limit?: number;
  sort?: PropertySort[];
  postSort?: PropertySort[];
}

export interface SourceSelector {
  source: ViewReference;
  properties: string[];
}

export interface Select {
  sources?: SourceSelector[];
  sort?: PropertySort[];
  limit?: number;
}

export interface QueryRequest {
  with: Record<string, QueryResultSetExpression>;
  select: Record<string, Select>;
  cursors?: Record<string, string | null>;
  parameters?: Record<string, PropertyValue>;
  includeTyping?: boolean;
}

export interface SyncRequest extends Omit<QueryRequest, "with"> {
  with: Record<string, SyncResultSetExpression>;
  allowExpiredCursorsAndAcceptMissedDeletes?: boolean;
}

export interface QueryResponse {
  items: Record<string, InstanceRead[]>;
  nextCursor?: Record<string, string | null | undefined>;
  typing?: Record<string, unknown>;
}

export interface SyncResponse extends Omit<QueryResponse, "nextCursor"> {
  nextCursor: Record<string, string>;
}

export interface ApiErrorBody {
  error: {
    code: number;
    message: string;
    missing?: Record<string, unknown>[];
    duplicated?: Record<string, unknown>[];
    [key: string]: unknown;
  };
}

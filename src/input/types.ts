// View definitions as the loader hands them on: the API's read shape (`views/byids`), normalised so
// that older API shapes look like the current one. Every optional field the API always returns
// today is filled in (list, nullable, immutable, autoIncrement, queryable, mappedContainers, ...).

import type { DmsType } from "../../templates/runtime/model/values.js";
import type {
  ContainerReference,
  InstanceId,
  JsonValue,
  ViewReference,
} from "../../templates/runtime/core/wire.js";

export type { ContainerReference, InstanceId, ViewReference };

/** Every DMS property type but the two with extra structure (direct relations and enums). */
export type PrimitiveTypeName = Exclude<DmsType, "direct" | "enum">;

export interface Unit {
  externalId: string;
  sourceUnit?: string;
}

export interface PrimitivePropertyType {
  type: PrimitiveTypeName;
  list: boolean;
  maxListSize?: number;
  /** text only */
  maxTextSize?: number;
  /** text only */
  collation?: string;
  /** float32 / float64 (and int32 / int64 in older dumps) */
  unit?: Unit;
}

export interface DirectPropertyType {
  type: "direct";
  list: boolean;
  maxListSize?: number;
  /** The target must have data in this container (disables auto-create). */
  container?: ContainerReference;
  /** The view the target node is expected to have data in (read shape: `type.source`). */
  source?: ViewReference;
}

export interface EnumValueDefinition {
  name?: string;
  description?: string;
}

export interface EnumPropertyType {
  type: "enum";
  list: false;
  values: Record<string, EnumValueDefinition>;
  unknownValue?: string;
}

export type PropertyType =
  PrimitivePropertyType | DirectPropertyType | EnumPropertyType;

export interface MappedPropertyDefinition {
  kind: "mapped";
  container: ContainerReference;
  containerPropertyIdentifier: string;
  name?: string;
  description?: string;
  type: PropertyType;
  nullable: boolean;
  immutable: boolean;
  autoIncrement: boolean;
  defaultValue?: JsonValue;
}

export interface EdgeConnectionDefinition {
  kind: "edge";
  connectionType: "single_edge_connection" | "multi_edge_connection";
  /** The edge type node the edges carry. */
  type: InstanceId;
  /** The view of the nodes at the other end. */
  source: ViewReference;
  /** The view (usedFor edge) holding properties of the edges. */
  edgeSource?: ViewReference;
  direction: "outwards" | "inwards";
  name?: string;
  description?: string;
}

export interface ReverseDirectRelationDefinition {
  kind: "reverse";
  connectionType:
    "single_reverse_direct_relation" | "multi_reverse_direct_relation";
  /** The view of the nodes that hold the direct relation. */
  source: ViewReference;
  through: { source: ViewReference | ContainerReference; identifier: string };
  /** Present in current API responses; undefined when the input did not say. */
  targetsList?: boolean;
  name?: string;
  description?: string;
}

export type ViewPropertyDefinition =
  | MappedPropertyDefinition
  | EdgeConnectionDefinition
  | ReverseDirectRelationDefinition;

export type UsedFor = "node" | "edge" | "all" | "record";

export interface ViewDefinition {
  space: string;
  externalId: string;
  version: string;
  name?: string;
  description?: string;
  /** A DMS filter (kept as JSON; the IR reads the node type from it). */
  filter?: JsonValue;
  implements: ViewReference[];
  writable: boolean;
  queryable: boolean;
  usedFor: UsedFor;
  isGlobal: boolean;
  createdTime?: number;
  lastUpdatedTime?: number;
  mappedContainers: ContainerReference[];
  /** Property id → definition, in input order. */
  properties: Record<string, ViewPropertyDefinition>;
}

export interface DataModelDefinition {
  space: string;
  externalId: string;
  version: string;
  name?: string;
  description?: string;
  /** The views the data model lists, by reference. */
  views: ViewReference[];
  /** True for CDF's system models (e.g. `cdf_cdm:CogniteCore`), as the API reports them. */
  isGlobal?: boolean;
}

/** Where a view came from: for error messages that name the file and JSON path. */
export interface ViewOrigin {
  file: string;
  jsonPath: string;
}

export interface LoadedInput {
  /** Every view, deduplicated, in a deterministic order (space, externalId, version). */
  views: ViewDefinition[];
  /** Where each view was read, keyed by `viewKey`. */
  origins: Map<string, ViewOrigin>;
  dataModels: DataModelDefinition[];
}

/** `space:externalId/version`: the one string form of a view id used across dmgen. */
export function viewKey(ref: {
  space: string;
  externalId: string;
  version: string;
}): string {
  return `${ref.space}:${ref.externalId}/${ref.version}`;
}

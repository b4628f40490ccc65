// The intermediate representation: what the emitters need to know about each view, already
// resolved (inheritance, node types, edge views, what is required on apply). Plain data only.

import type {
  InstanceId,
  JsonValue,
  ViewReference,
} from "../../templates/runtime/core/wire.js";
import type { ContainerReference, PropertyType } from "../input/types.js";

export type ViewKind = "node" | "edge";

export interface ModelIR {
  /** Every view, sorted by key (code points). */
  readonly views: readonly ViewIR[];
  readonly byKey: ReadonlyMap<string, ViewIR>;
}

export interface ViewIR {
  /** `space:externalId/version`. */
  readonly key: string;
  readonly ref: ViewReference;
  readonly name?: string;
  readonly description?: string;
  /** Node view (usedFor node, all or record) or edge view (usedFor edge). */
  readonly kind: ViewKind;
  readonly usedFor: string;
  /** Only writable views get an apply class. */
  readonly writable: boolean;
  /** The node (edge) type the view's filter requires, set on every write. */
  readonly instanceType?: InstanceId;
  readonly filter?: JsonValue;
  readonly implements: readonly ViewReference[];
  /**
   * The implemented view whose generated classes this view's classes extend: the first one in the
   * input, of the same kind, whose properties this view repeats unchanged.
   */
  readonly parentKey?: string;
  /** Every property of the view, in input order (inherited ones included). */
  readonly properties: readonly PropertyIR[];
}

interface PropertyCommon {
  /** The view property identifier (the key in the API's `properties`). */
  readonly identifier: string;
  readonly name?: string;
  readonly description?: string;
  /** Set when the parent class declares this property already. */
  readonly inherited: boolean;
}

export interface MappedPropertyIR extends PropertyCommon {
  readonly kind: "mapped";
  readonly type: PropertyType;
  readonly nullable: boolean;
  readonly immutable: boolean;
  readonly autoIncrement: boolean;
  readonly defaultValue?: JsonValue;
  readonly container: ContainerReference;
  readonly containerPropertyIdentifier: string;
  /** Not nullable, no default, not auto-increment: must be given on apply. */
  readonly requiredOnApply: boolean;
  /** For direct relations: the target view's key when that view is in the input. */
  readonly targetKey?: string;
}

export interface EdgeConnectionIR extends PropertyCommon {
  readonly kind: "edge";
  readonly multi: boolean;
  readonly direction: "outwards" | "inwards";
  readonly edgeType: InstanceId;
  readonly target: ViewReference;
  /** The target view's key when that view is in the input. */
  readonly targetKey?: string;
  readonly edgeSource?: ViewReference;
  /** The edge view's key when that view is in the input. */
  readonly edgeSourceKey?: string;
}

export interface ReverseRelationIR extends PropertyCommon {
  readonly kind: "reverse";
  readonly multi: boolean;
  /** The view of the nodes holding the direct relation. */
  readonly target: ViewReference;
  readonly targetKey?: string;
  readonly through: {
    readonly source: ViewReference | ContainerReference;
    readonly identifier: string;
  };
  readonly targetsList?: boolean;
}

export type PropertyIR =
  MappedPropertyIR | EdgeConnectionIR | ReverseRelationIR;

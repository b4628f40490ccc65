// Compile-time promises of a generated view module, checked by `npm run typecheck` (tsc over
// test/): the property map is the one source of the names, and the field interfaces and the
// `where` are checked against its keys (`ApplyFields`, `ReadTypes`), so a typo on either side, a
// field the map lacks or a map key without a field does not compile. Each `@ts-expect-error`
// fails the build if the line below it compiles.
import type {
  ApplyFields,
  ReadTypes,
} from "../templates/runtime/model/typed.js";
import type {
  NodeWhere,
  NumberFilter,
  SortableOf,
  StringFilter,
  TextOf,
} from "../templates/runtime/model/where.js";
import type { TargetClassOf } from "../templates/runtime/features/include.js";
import {
  Asset,
  Pump,
  type AssetWhere,
  type PumpApplyProperties,
} from "../generated-examples/showcase/index.js";

// ---- a module as the generator writes it: a map, field interfaces and a where

export const thingProperties = {
  name: { identifier: "name", type: "text" },
  size: { identifier: "size", type: "int32" },
  notes: { identifier: "notes", type: "json" },
} as const;
export const thingConnections = {} as const;

interface ThingApplyProperties {
  name?: string | null;
  size?: number | null;
  notes?: object | null;
}
interface ThingProperties {
  readonly name: string | null;
  readonly size: number | null;
  readonly notes: object | null;
}
interface ThingWhere extends NodeWhere<ThingWhere> {
  readonly name?: StringFilter;
  readonly size?: NumberFilter;
  readonly notes?: { readonly exists?: boolean };
}

export type ThingFields = ApplyFields<
  typeof thingProperties,
  typeof thingConnections,
  ThingApplyProperties
>;
type ThingTypes = ReadTypes<
  typeof thingProperties,
  typeof thingConnections,
  ThingProperties,
  ThingWhere
>;

// The name sets follow from the definitions: json is neither sortable nor text.
export const sortable: keyof ThingTypes["sortable"] = "size";
// @ts-expect-error: a json property is not sortable
export const notSortable: keyof ThingTypes["sortable"] = "notes";
export const numeric: keyof ThingTypes["numeric"] = "size";
// @ts-expect-error: text is not a number
export const notNumeric: keyof ThingTypes["numeric"] = "name";

// ---- a wrong key on either side does not compile

// tsc reports the first type argument that fails: the map's `size`, which has no field.
export type TypoInApplyFields = ApplyFields<
  // @ts-expect-error: `sise` is no key of the map, and `size` has no field
  typeof thingProperties,
  typeof thingConnections,
  { name?: string | null; sise?: number | null; notes?: object | null }
>;

export type FieldMissingOnApply = ApplyFields<
  // @ts-expect-error: the map's `notes` has no field
  typeof thingProperties,
  typeof thingConnections,
  { name?: string | null; size?: number | null }
>;

export type TypoInReadFields = ReadTypes<
  // @ts-expect-error: `nmae` is no key of the map, and `name` has no read field
  typeof thingProperties,
  typeof thingConnections,
  { readonly nmae: string | null; readonly size: number; readonly notes: null },
  ThingWhere
>;

export type FieldMissingOnRead = ReadTypes<
  // @ts-expect-error: the map's `notes` has no read field
  typeof thingProperties,
  typeof thingConnections,
  { readonly name: string | null; readonly size: number | null },
  ThingWhere
>;

interface TypoWhere extends NodeWhere<TypoWhere> {
  readonly name?: StringFilter;
  readonly sise?: NumberFilter;
  readonly notes?: { readonly exists?: boolean };
}
export type TypoInWhere = ReadTypes<
  // @ts-expect-error: the map's `size` has no condition in the where
  typeof thingProperties,
  typeof thingConnections,
  ThingProperties,
  TypoWhere
>;

// A where with a condition the map lacks (the map's keys all have one).
interface ExtraWhere extends ThingWhere {
  readonly colour?: StringFilter;
}
export type ExtraInWhere = ReadTypes<
  typeof thingProperties,
  typeof thingConnections,
  ThingProperties,
  // @ts-expect-error: `colour` is no key of the map
  ExtraWhere
>;

// A read field the map lacks (the map's keys all have one).
export type ExtraReadField = ReadTypes<
  typeof thingProperties,
  typeof thingConnections,
  // @ts-expect-error: `colour` is no key of the map
  ThingProperties & { readonly colour: string },
  ThingWhere
>;

// ---- inherited properties, declared once in the implemented view's module, reach every use

export const inheritedWhere: AssetWhere = {
  name: { prefix: "P" },
  serialNumber: "S-1",
};
export const inheritedSort: SortableOf<typeof Pump> = "name";
export const inheritedText: TextOf<typeof Pump> = "description";
// @ts-expect-error: not a property of Pump or of the views it implements
export const unknownSort: SortableOf<typeof Pump> = "nmae";
export const pumpFields: PumpApplyProperties = {
  serialNumber: "S-2",
  name: "pump",
  // @ts-expect-error: a typo in an inherited field
  tgas: ["x"],
};

// The read class a relation leads to, from `$types.targets` (types only: nothing is loaded).
export const parentTarget: TargetClassOf<typeof Pump, "parent"> = Asset;
export const ownTarget: TargetClassOf<typeof Asset, "parent"> = Asset;

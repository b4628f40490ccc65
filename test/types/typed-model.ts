// Compile-time promises of the typed model (the showcase output), checked by `npm run typecheck`:
// direct relations are nominal, and a class is assignable to every view it implements, not only
// to the one it extends. Every line marked `@ts-expect-error` must fail to compile.

import {
  Asset,
  AssetApply,
  Describable,
  DescribableApply,
  GaugeV2,
  GaugeV2Apply,
  Pump,
  PumpApply,
  ShowcaseSensor,
  WorkOrder,
  ShowcaseSensorApply,
  ValveApply,
  WorkOrderApply,
} from "../../generated-examples/showcase/index.js";

const pump = new PumpApply("plant", "p", { serialNumber: "P-1" });
const gauge = new GaugeV2Apply("plant", "g", { serialNumber: "G-1" });
const sensor = new ShowcaseSensorApply("plant", "s", {});
const order = new WorkOrderApply("plant", "w", {
  title: "Fix",
  priority: "low",
  isUrgent: false,
});

// A direct relation to Asset takes plain references, Asset apply objects, and apply objects of
// views implementing Asset: through the class chain (Pump) or not (Gauge v2 extends Sensor).
export const parents = [
  new AssetApply("plant", "a1", {
    serialNumber: "A-1",
    parent: { space: "plant", externalId: "root" },
  }),
  new AssetApply("plant", "a2", { serialNumber: "A-2", parent: pump }),
  new AssetApply("plant", "a3", { serialNumber: "A-3", parent: gauge }),
  new ValveApply("plant", "v", { serialNumber: "V-1", upstreamPump: pump }),
];

export const wrongParents = [
  new AssetApply("plant", "b1", {
    serialNumber: "B-1",
    // @ts-expect-error a WorkOrder (Describable, not Asset) is no parent of an asset
    parent: order,
  }),
  new AssetApply("plant", "b2", {
    serialNumber: "B-2",
    // @ts-expect-error a Sensor is no asset either, though both are Describable
    parent: sensor,
  }),
  new ValveApply("plant", "b3", {
    serialNumber: "B-3",
    // @ts-expect-error an Asset is not a Pump (the relation's target is Pump)
    upstreamPump: new AssetApply("plant", "x", { serialNumber: "X" }),
  }),
  new ValveApply("plant", "b4", {
    serialNumber: "B-4",
    // @ts-expect-error an apply object never passes as a plain reference
    upstreamPump: order as {
      space: string;
      externalId: string;
    } & WorkOrderApply,
  }),
];

// Every implemented view, not only the extended one: Gauge v2 extends Sensor and is an Asset.
export const asAsset: AssetApply = gauge;
export const asDescribable: DescribableApply = gauge;
// @ts-expect-error a Sensor is not an Asset
export const notAnAsset: AssetApply = sensor;
// @ts-expect-error a WorkOrder is not a Pump
export const notAPump: PumpApply = order;

/** Generic code over anything describable: every apply object of a view implementing it. */
function labelOf(item: DescribableApply): string {
  return item.name ?? item.externalId;
}
export const labels = [pump, gauge, sensor, order].map(labelOf);

declare const readGauge: GaugeV2;
export const readAsAsset: Asset = readGauge;
export const readAsDescribable: Describable = readGauge;

// `instanceof` narrows by any implemented view's class.
export function describe(value: unknown): string {
  if (value instanceof AssetApply) return value.serialNumber;
  if (value instanceof Describable) return value.name ?? "";
  return "";
}

// Graph names: `from` names a set of the graph, `through` a direct relation of the `from` set's
// view (outwards) or of the new set's view (inwards).
declare const client: import("../../generated-examples/showcase/index.js").Client;
const pumps = client.graph().nodes("pumps", Pump);
export const graphs = [
  pumps.nodes("parents", Asset, { from: "pumps", through: "parent" }),
  pumps.nodes("sensors", ShowcaseSensor, {
    from: "pumps",
    through: "installedOn",
    direction: "inwards",
  }),
  client
    .graph()
    .nodes("orders", WorkOrder)
    .nodes("assets", Asset, { from: "orders", through: "assets" }),
];
export const wrongGraphs = [
  // @ts-expect-error a misspelt relation
  pumps.nodes("parents", Asset, { from: "pumps", through: "parnt" }),
  // @ts-expect-error a property that is no direct relation
  pumps.nodes("parents", Asset, { from: "pumps", through: "status" }),
  // @ts-expect-error a connection (reverse relation) is no direct relation
  pumps.nodes("parents", Asset, { from: "pumps", through: "sensor" }),
  pumps.nodes("s", ShowcaseSensor, {
    from: "pumps",
    through: "parent",
    // @ts-expect-error inwards takes a relation of the new set's view (Sensor has no parent)
    direction: "inwards",
  }),
  // @ts-expect-error no set of that name in this graph
  pumps.nodes("parents", Asset, { from: "pumpz", through: "parent" }),
];

// A view without number properties (Describable): avg and histogram name the reason.
export const noNumbers = [
  // @ts-expect-error NoNumericProperty: this view has no number property
  client.describable.aggregate({ avg: "name" }),
  client.describable.aggregate({
    // @ts-expect-error NoNumericProperty: this view has no number property
    histogram: { property: "name", interval: 10 },
  }),
  client.describable.aggregate({ count: true }),
];

// `include` sorts each object's targets by the target view's sortable properties.
export const sortedInclude = [
  client.pump.list({
    include: { workOrders: { sort: { property: "title" }, limit: 3 } },
  }),
  // @ts-expect-error WorkOrder has no property "titel" (tsc reports it on the call)
  client.pump.list({
    include: { workOrders: { sort: { property: "titel" } } },
  }),
];

// Graph node sets sort by the view's sortable properties.
export const sortedSets = [
  client.graph().nodes("pumps", Pump, { sort: { property: "ratedFlow" } }),
  // @ts-expect-error Pump has no property "rateFlow"
  client.graph().nodes("pumps", Pump, { sort: { property: "rateFlow" } }),
];

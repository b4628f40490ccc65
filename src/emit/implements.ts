// What a view's classes say about the views it implements: every one, transitively (the runtime's
// `instanceof` and direct-relation checks), and those whose classes it is assignable to (brands).

import type { ModelIR, PropertyIR, ViewIR } from "../ir/types.js";
import { viewKey } from "../input/types.js";
import { namesOf, type EmitContext } from "./context.js";

/**
 * Every view `view` implements, directly or through the views it implements, as
 * `space:externalId/version`, nearest first (in `implements` order); views missing from the input
 * are listed, but what they implement is unknown.
 */
export function implementedClosure(model: ModelIR, view: ViewIR): string[] {
  const found: string[] = [];
  const seen = new Set([view.key]);
  let layer: readonly ViewIR["implements"][number][] = view.implements;
  while (layer.length > 0) {
    const next: ViewIR["implements"][number][] = [];
    for (const ref of layer) {
      const key = viewKey(ref);
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(key);
      next.push(...(model.byKey.get(key)?.implements ?? []));
    }
    layer = next;
  }
  return found;
}

/**
 * The views whose apply (or read) class `view`'s class must be assignable to: its own and every
 * implemented view of the same kind (writable too, for apply classes) whose properties it repeats
 * unchanged. Of another, a property's type may differ, so no class could be both.
 */
export function brandedViews(
  model: ModelIR,
  view: ViewIR,
  role: "apply" | "read",
): string[] {
  const keys = [view.key];
  for (const key of implementedClosure(model, view)) {
    const other = model.byKey.get(key);
    if (!other || other.kind !== view.kind) continue;
    if (role === "apply" && !other.writable) continue;
    if (repeatsProperties(model, view, other)) keys.push(key);
  }
  return keys;
}

/** The brands `view`'s apply class declares itself: those its parent class has are inherited. */
export function ownBrands(model: ModelIR, view: ViewIR): string[] {
  const parent = view.parentKey ? model.byKey.get(view.parentKey) : undefined;
  const inherited = new Set(parent ? brandedViews(model, parent, "apply") : []);
  return brandedViews(model, view, "apply").filter(
    (key) => !inherited.has(key),
  );
}

function repeatsProperties(
  model: ModelIR,
  view: ViewIR,
  other: ViewIR,
): boolean {
  const own = new Map(view.properties.map((p) => [p.identifier, p]));
  return other.properties.every((property) => {
    const mine = own.get(property.identifier);
    if (mine === undefined) return false;
    if (shapeOf(mine) === shapeOf(property)) return true;
    // A direct relation narrowed to a view implementing the other's target (a CAD revision's
    // model3D is a CAD model, a 3D revision's any 3D model) still fits: its type is a subtype.
    return (
      mine.kind === "mapped" &&
      property.kind === "mapped" &&
      mine.targetKey !== undefined &&
      property.targetKey !== undefined &&
      shapeOf(mine, true) === shapeOf(property, true) &&
      implementedClosure(model, model.byKey.get(mine.targetKey)!).includes(
        property.targetKey,
      )
    );
  });
}

/** A property for comparison: everything that decides its types, not its docs (nor its target). */
function shapeOf(property: PropertyIR, withoutTarget = false): string {
  const {
    name: _name,
    description: _description,
    inherited: _inherited,
    ...shape
  } = property;
  if (!withoutTarget || shape.kind !== "mapped") return JSON.stringify(shape);
  const { targetKey: _target, type, ...rest } = shape;
  const { source: _source, ...untargeted } = type as typeof type & {
    source?: unknown;
  };
  return JSON.stringify({ ...rest, type: untargeted });
}

/** What a view module declares itself and what it takes from the modules of implemented views. */
export interface Declarations {
  /** The implemented views whose maps it spreads and whose interfaces it extends, parent first. */
  readonly bases: readonly ViewIR[];
  /** The identifiers of properties a base declares: neither in its map nor in its `where`. */
  readonly inherited: ReadonlySet<string>;
  /** Inherited properties whose docs differ here: restated in the field interfaces only. */
  readonly redocumented: ReadonlySet<string>;
}

/**
 * A property is declared once, in the module of the view that declares it: a view reuses the
 * declarations of its parent class's view and of every other implemented view (of its kind, with
 * an apply class when it has one) whose properties it repeats unchanged under the same names, so
 * a view that implements five others restates none of their properties. A base that another base
 * reuses already is left out.
 */
export function declarationsOf(
  context: EmitContext,
  view: ViewIR,
): Declarations {
  const candidates = directBases(context, view);
  const reached = new Set(
    candidates.flatMap((base) => basesClosure(context, base)),
  );
  const bases = candidates.filter(
    (base) => base.key === view.parentKey || !reached.has(base.key),
  );
  const names = namesOf(context, view).properties;
  const inherited = new Set<string>();
  const redocumented = new Set<string>();
  for (const base of bases) {
    const baseNames = namesOf(context, base).properties;
    for (const property of base.properties) {
      inherited.add(property.identifier);
      const mine = view.properties.find(
        (p) => p.identifier === property.identifier,
      )!;
      if (
        mine.description !== property.description ||
        mine.name !== property.name ||
        names.get(mine.identifier)?.renamed !==
          baseNames.get(property.identifier)?.renamed
      )
        redocumented.add(property.identifier);
    }
  }
  return { bases, inherited, redocumented };
}

/** The implemented views `view` can reuse the declarations of, parent first. */
function directBases(context: EmitContext, view: ViewIR): ViewIR[] {
  const names = namesOf(context, view).properties;
  const own = new Map(view.properties.map((p) => [p.identifier, p]));
  const bases: ViewIR[] = [];
  const parent = view.parentKey
    ? context.model.byKey.get(view.parentKey)
    : undefined;
  if (parent) bases.push(parent);
  for (const ref of view.implements) {
    const other = context.model.byKey.get(viewKey(ref));
    if (!other || other === view || other === parent) continue;
    if (other.kind !== view.kind || (view.writable && !other.writable))
      continue;
    const otherNames = namesOf(context, other).properties;
    const repeated = other.properties.every((property) => {
      const mine = own.get(property.identifier);
      return (
        mine !== undefined &&
        shapeOf(mine) === shapeOf(property) &&
        names.get(mine.identifier)?.name ===
          otherNames.get(property.identifier)?.name
      );
    });
    if (repeated && other.properties.length > 0) bases.push(other);
  }
  return bases;
}

/** Every view whose declarations `view`'s module reuses, directly or through its bases. */
function basesClosure(context: EmitContext, view: ViewIR): string[] {
  const found: string[] = [];
  for (const base of declarationsOf(context, view).bases)
    found.push(base.key, ...basesClosure(context, base));
  return found;
}

// What `include` and the graph builder share: the read classes a connection leads to, found by the
// target's view id in the client's registry (which loads a view's module on first use), and the
// loose where / sort of a target whose class is not known to the types.

import type * as typed from "../model/typed.js";
import type {
  TypedEdge,
  TypedInstance,
  ViewClassInfo,
} from "../model/typed.js";
import type { EdgeSourceDefinition } from "../model/values.js";
import type { HasViewTypes, SortOf, WhereOf } from "../model/where.js";
import type { ViewReference } from "../core/wire.js";

/** A generated read class: constructible from the wire, with its view's maps. */
export type ReadClassOf<T> = ViewClassInfo & (new (instance: never) => T);

/** A where-input when the view's own type is not known here. */
export type LooseWhere = { readonly [key: string]: unknown };

/** One sort key of an included connection's targets (by their TypeScript property names). */
export interface LooseSortKey {
  readonly property: string;
  /** Default `ascending`. */
  readonly direction?: "ascending" | "descending";
  /** Default false: nulls (and absent values) last. */
  readonly nullsFirst?: boolean;
}

/** The where-input of read class `R`, or a loose one when `R` is unknown. */
export type WhereIn<R> = [R] extends [never]
  ? LooseWhere
  : R extends HasViewTypes
    ? WhereOf<R>
    : LooseWhere;

/** The `sort` of an included connection: keys of the target view's sortable properties. */
export type SortIn<R> = [R] extends [never]
  ? LooseSortKey | readonly LooseSortKey[]
  : R extends HasViewTypes
    ? SortOf<R>
    : LooseSortKey | readonly LooseSortKey[];

type AnyReadClass = ReadClassOf<TypedInstance>;

/** The client's read classes by view id (`space:externalId/version`), see `ViewRegistry`. */
export interface ViewClasses {
  /** The class of a view, once loaded (`load`). */
  find(view: string): AnyReadClass | undefined;
  /** Loads the class of a view (its module); undefined when the client has none for it. */
  load(view: string): Promise<AnyReadClass | undefined>;
}

export function viewKey(view: ViewReference): string {
  return `${view.space}:${view.externalId}/${view.version}`;
}

/** The read class a connection or direct relation leads to: the registry's, of its `target` view. */
export async function loadTargetClass(
  definition: { readonly target?: string },
  views: ViewClasses | undefined,
): Promise<AnyReadClass | undefined> {
  return definition.target === undefined
    ? undefined
    : views?.load(definition.target);
}

/**
 * Edges of a connection whose edge view has no read class in this client: read generically.
 * `TypedEdge` is handed in (client/read-runtime.ts says why).
 */
export function anonymousEdgeClass(
  base: typeof typed.TypedEdge,
  source: EdgeSourceDefinition,
): ReadClassOf<TypedEdge> {
  const properties = source.properties?.() ?? {};
  return class extends base {
    static override readonly view = source.view;
    static override readonly properties = properties;
    static override readonly connections = {};
  };
}

// Stage 2: view definitions → IR. Resolves which generated class extends which, the node type a
// view's filter requires, and what each property needs on apply.

import type {
  InstanceId,
  JsonValue,
} from "../../templates/runtime/core/wire.js";
import {
  viewKey,
  type LoadedInput,
  type MappedPropertyDefinition,
  type ViewDefinition,
  type ViewPropertyDefinition,
} from "../input/types.js";
import type { ModelIR, PropertyIR, ViewIR, ViewKind } from "./types.js";

export function buildModel(input: Pick<LoadedInput, "views">): ModelIR {
  const definitions = new Map(input.views.map((view) => [viewKey(view), view]));
  const views = breakInheritanceCycles(
    input.views.map((view) => buildView(view, definitions)),
  );
  return { views, byKey: new Map(views.map((view) => [view.key, view])) };
}

/** Views that implement each other (it happens in hand-edited files) cannot extend each other. */
function breakInheritanceCycles(views: ViewIR[]): ViewIR[] {
  const parents = new Map(views.map((view) => [view.key, view.parentKey]));
  return views.map((view) => {
    const seen = new Set([view.key]);
    for (let key = view.parentKey; key !== undefined; key = parents.get(key)) {
      if (key === view.key) {
        const { parentKey: _dropped, ...rest } = view;
        return {
          ...rest,
          properties: rest.properties.map((p) => ({ ...p, inherited: false })),
        };
      }
      if (seen.has(key)) break; // a cycle further up; those views drop their own parents
      seen.add(key);
    }
    return view;
  });
}

function buildView(
  view: ViewDefinition,
  definitions: ReadonlyMap<string, ViewDefinition>,
): ViewIR {
  const kind: ViewKind = view.usedFor === "edge" ? "edge" : "node";
  const parent = chooseParent(view, kind, definitions);
  const inKeys = (key: string): string | undefined =>
    definitions.has(key) ? key : undefined;
  const properties = Object.entries(view.properties).map(
    ([identifier, definition]) =>
      buildProperty(
        identifier,
        definition,
        parent !== undefined && identifier in parent.properties,
        inKeys,
      ),
  );
  const ir: ViewIR = {
    key: viewKey(view),
    ref: {
      type: "view",
      space: view.space,
      externalId: view.externalId,
      version: view.version,
    },
    kind,
    usedFor: view.usedFor,
    writable: view.writable,
    implements: view.implements,
    properties,
    ...optional("name", view.name),
    ...optional("description", view.description),
    ...optional("filter", view.filter),
    ...optional(
      "instanceType",
      view.filter ? instanceTypeFromFilter(view.filter, kind) : undefined,
    ),
    ...optional("parentKey", parent ? viewKey(parent) : undefined),
  };
  return ir;
}

function optional<K extends string, V>(
  key: K,
  value: V | undefined,
): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/**
 * A generated class can extend only one class, and only when it repeats every property of it
 * unchanged (else the subclass's property types would not fit the parent's). The first such view
 * in `implements` wins; the others' properties are simply part of this view's own.
 */
function chooseParent(
  view: ViewDefinition,
  kind: ViewKind,
  definitions: ReadonlyMap<string, ViewDefinition>,
): ViewDefinition | undefined {
  for (const ref of view.implements) {
    const parent = definitions.get(viewKey(ref));
    if (!parent || parent === view) continue;
    const parentKind: ViewKind = parent.usedFor === "edge" ? "edge" : "node";
    if (parentKind !== kind) continue;
    // A writable view's apply class cannot extend a read-only parent, which has none.
    if (view.writable && !parent.writable) continue;
    if (repeatsEveryProperty(view, parent)) return parent;
  }
  return undefined;
}

function repeatsEveryProperty(
  child: ViewDefinition,
  parent: ViewDefinition,
): boolean {
  return Object.entries(parent.properties).every(([identifier, definition]) => {
    const own = child.properties[identifier];
    return own !== undefined && sameShape(own, definition);
  });
}

/** Equal for typing purposes: names and descriptions may differ, nothing else. */
function sameShape(
  a: ViewPropertyDefinition,
  b: ViewPropertyDefinition,
): boolean {
  return JSON.stringify(withoutDocs(a)) === JSON.stringify(withoutDocs(b));
}

function withoutDocs(property: ViewPropertyDefinition): unknown {
  const { name: _name, description: _description, ...rest } = property;
  return sortKeys(rest);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function buildProperty(
  identifier: string,
  definition: ViewPropertyDefinition,
  inherited: boolean,
  inInput: (key: string) => string | undefined,
): PropertyIR {
  const docs = {
    ...optional("name", definition.name),
    ...optional("description", definition.description),
  };
  switch (definition.kind) {
    case "mapped":
      return mappedProperty(identifier, definition, inherited, inInput, docs);
    case "edge":
      return {
        kind: "edge",
        identifier,
        inherited,
        multi: definition.connectionType === "multi_edge_connection",
        direction: definition.direction,
        edgeType: definition.type,
        target: definition.source,
        ...optional("targetKey", inInput(viewKey(definition.source))),
        ...optional("edgeSource", definition.edgeSource),
        ...optional(
          "edgeSourceKey",
          definition.edgeSource
            ? inInput(viewKey(definition.edgeSource))
            : undefined,
        ),
        ...docs,
      };
    case "reverse":
      return {
        kind: "reverse",
        identifier,
        inherited,
        multi: definition.connectionType === "multi_reverse_direct_relation",
        target: definition.source,
        through: definition.through,
        ...optional("targetKey", inInput(viewKey(definition.source))),
        ...optional("targetsList", definition.targetsList),
        ...docs,
      };
  }
}

function mappedProperty(
  identifier: string,
  definition: MappedPropertyDefinition,
  inherited: boolean,
  inInput: (key: string) => string | undefined,
  docs: { name?: string; description?: string },
): PropertyIR {
  const target =
    definition.type.type === "direct" ? definition.type.source : undefined;
  return {
    kind: "mapped",
    identifier,
    inherited,
    type: definition.type,
    nullable: definition.nullable,
    immutable: definition.immutable,
    autoIncrement: definition.autoIncrement,
    container: definition.container,
    containerPropertyIdentifier: definition.containerPropertyIdentifier,
    requiredOnApply:
      !definition.nullable &&
      definition.defaultValue === undefined &&
      !definition.autoIncrement,
    ...optional("defaultValue", definition.defaultValue),
    ...optional("targetKey", target ? inInput(viewKey(target)) : undefined),
    ...docs,
  };
}

/**
 * The type a view's filter pins its instances to: `equals` on `["node", "type"]` (or
 * `["edge", "type"]`), an `in` with a single value, or such a filter inside an `and`.
 */
export function instanceTypeFromFilter(
  filter: JsonValue,
  kind: ViewKind,
): InstanceId | undefined {
  if (!filter || typeof filter !== "object" || Array.isArray(filter))
    return undefined;
  const and = filter.and;
  if (Array.isArray(and)) {
    for (const part of and) {
      const found = instanceTypeFromFilter(part, kind);
      if (found) return found;
    }
    return undefined;
  }
  const equals = filter.equals;
  if (isTypeLeaf(equals, kind))
    return asInstanceId((equals as Record<string, JsonValue>).value);
  const within = filter.in;
  if (isTypeLeaf(within, kind)) {
    const values = (within as Record<string, JsonValue>).values;
    if (Array.isArray(values) && values.length === 1)
      return asInstanceId(values[0]);
  }
  return undefined;
}

function isTypeLeaf(leaf: JsonValue | undefined, kind: ViewKind): boolean {
  if (!leaf || typeof leaf !== "object" || Array.isArray(leaf)) return false;
  const property = leaf.property;
  return (
    Array.isArray(property) &&
    property.length === 2 &&
    property[0] === kind &&
    property[1] === "type"
  );
}

function asInstanceId(value: JsonValue | undefined): InstanceId | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value))
    return undefined;
  const { space, externalId } = value;
  return typeof space === "string" && typeof externalId === "string"
    ? { space, externalId }
    : undefined;
}

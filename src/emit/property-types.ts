// The TypeScript type of each property on apply and on read (the type table of DESIGN.md), and
// the facts its JSDoc states.

import type {
  EdgeConnectionIR,
  MappedPropertyIR,
  PropertyIR,
  ReverseRelationIR,
  ViewIR,
} from "../ir/types.js";
import type { PrimitiveTypeName } from "../input/types.js";
import { namesOf, type EmitContext, type Imports } from "./context.js";
import * as ts from "./syntax/index.js";

export const RUNTIME_TYPED = "../runtime/model/typed.js";
export const RUNTIME_WIRE = "../runtime/core/wire.js";

/** The TypeScript type of each scalar type (json, timestamps and int64 are decided apart). */
const SCALAR: Record<
  Exclude<PrimitiveTypeName, "json" | "timestamp" | "int64">,
  ts.TypeNode
> = {
  text: ts.t.string,
  boolean: ts.t.boolean,
  int32: ts.t.number,
  float32: ts.t.number,
  float64: ts.t.number,
  date: ts.t.string,
  timeseries: ts.t.string,
  file: ts.t.string,
  sequence: ts.t.string,
};

/** int64 values: `number` (safe integers only) or `bigint` (exact), as the options say. */
function int64Type(context: EmitContext): ts.TypeNode {
  return context.options.int64 === "bigint" ? ts.t.bigint : ts.t.number;
}

export interface PropertySignature {
  readonly optional: boolean;
  readonly type: ts.TypeNode;
}

/** The property on the apply class, or undefined when it cannot be written (reverse relations). */
export function applySignature(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: PropertyIR,
): PropertySignature | undefined {
  switch (property.kind) {
    case "mapped": {
      const element = mappedApplyType(context, imports, view, property);
      return {
        optional: !property.requiredOnApply,
        type: nullableOf(
          property,
          property.type.list ? ts.arrayOf(element) : element,
        ),
      };
    }
    case "edge":
      return {
        optional: true,
        type: edgeApplyType(context, imports, view, property),
      };
    case "reverse":
      return undefined;
  }
}

function nullableOf(
  property: MappedPropertyIR,
  type: ts.TypeNode,
): ts.TypeNode {
  return property.nullable ? ts.union(type, ts.t.null) : type;
}

function runtimeType(
  imports: Imports,
  module: string,
  name: string,
): ts.TypeNode {
  return ts.typeRef(imports.type(module, name));
}

function mappedApplyType(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: MappedPropertyIR,
): ts.TypeNode {
  const type = property.type;
  switch (type.type) {
    case "enum":
      return ts.union(
        ...Object.keys(type.values).map((v) => ts.literalType(v)),
      );
    case "direct": {
      // A relation that names its target view takes plain references (no apply object passes
      // as one) and apply objects of that view or of views implementing it; one that names none
      // takes any node.
      if (!type.source) return runtimeType(imports, RUNTIME_WIRE, "InstanceId");
      const reference = runtimeType(
        imports,
        RUNTIME_TYPED,
        "PlainNodeReference",
      );
      const target = writableTarget(context, property.targetKey);
      return target
        ? ts.union(
            reference,
            ts.typeRef(importClass(context, imports, view, target, "apply")),
          )
        : reference;
    }
    case "json":
      return runtimeType(imports, RUNTIME_WIRE, "JsonValue");
    case "timestamp":
      return ts.union(ts.typeRef("Date"), ts.t.string);
    case "int64":
      return int64Type(context);
    default:
      return SCALAR[type.type];
  }
}

function edgeApplyType(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: EdgeConnectionIR,
): ts.TypeNode {
  const target = writableTarget(context, property.targetKey);
  const node = target
    ? ts.typeRef(importClass(context, imports, view, target, "apply"))
    : runtimeType(imports, RUNTIME_WIRE, "InstanceId");
  const edgeView = writableTarget(context, property.edgeSourceKey, "edge");
  const args = edgeView
    ? [
        node,
        ts.typeRef(
          importClass(context, imports, view, edgeView, "applyProperties"),
        ),
      ]
    : [node];
  const edgeTarget = ts.typeRef(
    imports.type(RUNTIME_TYPED, "EdgeTarget"),
    ...args,
  );
  return property.multi ? ts.arrayOf(edgeTarget) : edgeTarget;
}

/** The view behind `key` when it is in the input, writable and of the given kind. */
function writableTarget(
  context: EmitContext,
  key: string | undefined,
  kind: "node" | "edge" = "node",
): ViewIR | undefined {
  const target = key ? context.model.byKey.get(key) : undefined;
  return target && target.writable && target.kind === kind ? target : undefined;
}

function readableTarget(
  context: EmitContext,
  key: string | undefined,
  kind: "node" | "edge" = "node",
): ViewIR | undefined {
  const target = key ? context.model.byKey.get(key) : undefined;
  return target && target.kind === kind ? target : undefined;
}

type ClassRole = "apply" | "read" | "applyProperties";

/** Imports a generated name of another view (type-only), or refers to this module's own. */
export function importClass(
  context: EmitContext,
  imports: Imports,
  from: ViewIR,
  target: ViewIR,
  role: ClassRole,
): string {
  const names = namesOf(context, target);
  const name =
    role === "apply"
      ? names.applyClass
      : role === "read"
        ? names.readClass
        : names.applyProperties;
  return target.key === from.key
    ? name
    : imports.type(siblingModule(names.module), name);
}

/** The import specifier of a view module, from another view module. */
export function siblingModule(module: string): string {
  return `./${module.replace(/^views\//, "").replace(/\.ts$/, ".js")}`;
}

/** The import specifier of a view module, from the output's root (index.ts, client.ts). */
export function rootModule(module: string): string {
  return `./${module.replace(/\.ts$/, ".js")}`;
}

/** The property on the read class. Connections are optional: only queries fill them. */
export function readSignature(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: PropertyIR,
): PropertySignature {
  switch (property.kind) {
    case "mapped": {
      const element = mappedReadType(context, imports, property);
      return {
        optional: false,
        type: nullableOf(
          property,
          property.type.list ? ts.arrayOf(element) : element,
        ),
      };
    }
    case "edge":
    case "reverse": {
      const element = connectionReadType(context, imports, view, property);
      return {
        optional: true,
        type: property.multi
          ? ts.arrayOf(element)
          : ts.union(element, ts.t.null),
      };
    }
  }
}

function mappedReadType(
  context: EmitContext,
  imports: Imports,
  property: MappedPropertyIR,
): ts.TypeNode {
  const type = property.type;
  switch (type.type) {
    case "enum":
      // Open: the API may return values added to the enum after this code was generated.
      return ts.union(
        ...Object.keys(type.values).map((v) => ts.literalType(v)),
        ts.intersection(ts.t.string, ts.objectType([])),
      );
    case "direct":
      return runtimeType(imports, RUNTIME_WIRE, "InstanceId");
    case "json":
      return runtimeType(imports, RUNTIME_WIRE, "JsonValue");
    case "timestamp":
      return context.options.timestamps === "string"
        ? ts.t.string
        : ts.typeRef("Date");
    case "int64":
      return int64Type(context);
    default:
      return SCALAR[type.type];
  }
}

function connectionReadType(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: EdgeConnectionIR | ReverseRelationIR,
): ts.TypeNode {
  const target = readableTarget(context, property.targetKey);
  const node = target
    ? ts.typeRef(importClass(context, imports, view, target, "read"))
    : runtimeType(imports, RUNTIME_WIRE, "InstanceId");
  if (property.kind === "edge") {
    const edgeView = readableTarget(context, property.edgeSourceKey, "edge");
    if (edgeView) {
      const edge = importClass(context, imports, view, edgeView, "read");
      return ts.typeRef(
        imports.type(RUNTIME_TYPED, "Connected"),
        node,
        ts.typeRef(edge),
      );
    }
  }
  return node;
}

/** The facts a property's JSDoc states after its description. */
export function propertyFacts(
  property: PropertyIR,
  renamed: string | undefined,
): string {
  const parts: string[] = [];
  if (property.kind === "mapped") {
    const type = property.type;
    let kind: string = type.type;
    if (type.type === "direct" && type.source)
      kind += ` to ${viewText(type.source)}`;
    if (type.list)
      kind = `list of ${kind}${type.maxListSize ? ` (at most ${type.maxListSize})` : ""}`;
    parts.push(kind);
    if (type.type === "text" && type.maxTextSize)
      parts.push(`at most ${type.maxTextSize} bytes`);
    if ("unit" in type && type.unit) {
      parts.push(
        `unit \`${type.unit.externalId}\`${type.unit.sourceUnit ? ` (${type.unit.sourceUnit})` : ""}`,
      );
    }
    if (type.type === "direct" && type.container) {
      parts.push(
        `target must have data in container \`${type.container.space}:${type.container.externalId}\``,
      );
    }
    if (!property.nullable) parts.push("not nullable");
    if (property.defaultValue !== undefined)
      parts.push(`default \`${JSON.stringify(property.defaultValue)}\``);
    if (property.autoIncrement) parts.push("auto-increment");
    if (property.immutable) parts.push("immutable");
  } else if (property.kind === "edge") {
    parts.push(
      `${property.multi ? "edges" : "one edge"} of type \`${property.edgeType.space}:${property.edgeType.externalId}\` ${property.direction} to ${viewText(property.target)}`,
    );
    if (property.edgeSource)
      parts.push(`edge properties in ${viewText(property.edgeSource)}`);
  } else {
    parts.push(
      `${property.multi ? "nodes" : "the node"} of ${viewText(property.target)} whose \`${property.through.identifier}\` points here`,
    );
  }
  const facts = `\`${property.identifier}\`: ${parts.join(", ")}.`;
  return renamed ? `${facts} Renamed: ${renamed}.` : facts;
}

export function viewText(ref: {
  space: string;
  externalId: string;
  version: string;
}): string {
  return `\`${ref.space}:${ref.externalId}/${ref.version}\``;
}

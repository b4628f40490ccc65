// One module per view: its property map and connections, the apply class (writable views), the
// read class, and the interfaces of their properties.

import type {
  EdgeConnectionIR,
  MappedPropertyIR,
  PropertyIR,
  ReverseRelationIR,
  ViewIR,
} from "../ir/types.js";
import type { CodeOptions } from "../config/index.js";
import type { JsonValue } from "../../templates/runtime/core/wire.js";
import { declaredNames, type ViewNames } from "../naming/plan.js";
import { VIEW_BASE_CLASSES } from "../naming/members.js";
import {
  argumentList,
  arrowFunction,
  bracedList,
  breakAfterOperator,
  expandedObject,
  flatText,
  fluidAssignment,
  group,
  hardline,
  ifBreak,
  indent,
  join,
  jsDoc,
  line,
  objectProperty,
  propertyKey,
  softline,
  stringLiteral,
  stringProperty,
  type Doc,
} from "./doc.js";
import { Imports, namesOf, type EmitContext } from "./context.js";
import {
  RUNTIME_TYPED,
  RUNTIME_WIRE,
  applySignature,
  propertyFacts,
  readSignature,
  siblingModule,
  viewText,
  type PropertySignature,
} from "./property-types.js";
import { importsDoc } from "./module.js";
import { implementedClosure, ownBrands } from "./implements.js";

/**
 * Module-level names a view module declares besides the view's own names: the name plan keeps
 * class names off them, and imports into the module never take them.
 */
export const VIEW_MODULE_LOCALS: readonly string[] = ["VIEW", "INSTANCE_TYPE"];

export function emitViewModule(context: EmitContext, view: ViewIR): Doc {
  const names = namesOf(context, view);
  const imports = new Imports([...VIEW_MODULE_LOCALS, ...declaredNames(names)]);
  const parent = view.parentKey
    ? context.model.byKey.get(view.parentKey)
    : undefined;
  const parentNames = parent ? namesOf(context, parent) : undefined;
  const sections: Doc[] = [
    viewConstant(imports, view),
    propertyMapConstant(context, imports, view, names),
    connectionMapConstant(context, imports, view, names),
    [
      `/** The TypeScript names of the properties of {@link ${names.readClass}}. */`,
      hardline,
      group(
        `export type ${names.propertyNameType} =`,
        indent(line, `keyof typeof ${names.propertyMap};`),
      ),
    ],
    whereInterface(context, imports, view, names),
  ];
  if (view.writable)
    sections.push(...applySection(context, imports, view, names, parentNames));
  sections.push(...readSection(context, imports, view, names, parentNames));
  // Only apply classes set the type; a read-only view's JSDoc still states it.
  if (view.instanceType && view.writable)
    sections.unshift(instanceTypeConstant(imports, view));
  return [importsDoc(imports), hardline, join([hardline, hardline], sections)];
}

function viewConstant(imports: Imports, view: ViewIR): Doc {
  const type = imports.type(RUNTIME_WIRE, "ViewReference");
  return [
    `/** The view ${viewText(view.ref)}. */`,
    hardline,
    `const VIEW: ${type} = `,
    expandedObject([
      `type: "view"`,
      stringProperty("space", view.ref.space),
      stringProperty("externalId", view.ref.externalId),
      stringProperty("version", view.ref.version),
    ]),
    ";",
  ];
}

function instanceTypeConstant(imports: Imports, view: ViewIR): Doc {
  const type = imports.type(RUNTIME_WIRE, "InstanceId");
  const id = view.instanceType!;
  return [
    `/** The ${view.kind} type the view's filter requires: set on every write. */`,
    hardline,
    group(
      `const INSTANCE_TYPE: ${type} = `,
      bracedList(
        "{",
        [
          stringProperty("space", id.space),
          stringProperty("externalId", id.externalId),
        ],
        "}",
      ),
      ";",
    ),
  ];
}

function propertyMapConstant(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
): Doc {
  const entries = view.properties
    .filter((p): p is MappedPropertyIR => p.kind === "mapped")
    .map((p) =>
      objectProperty(
        names.properties.get(p.identifier)!.name,
        bracedList(
          "{",
          [
            ...propertyDefinition(p, context.options),
            ...(p.type.type === "direct"
              ? targetClassField(context, imports, view, p.targetKey)
              : []),
          ],
          "}",
        ),
      ),
    );
  return [
    `/** How the properties of ${viewText(view.ref)} map between TypeScript and the API. */`,
    hardline,
    constMap(names.propertyMap, entries),
  ];
}

/** The entry of one property: only what differs from the defaults documented in the runtime. */
function propertyDefinition(
  property: MappedPropertyIR,
  options: CodeOptions,
): Doc[] {
  const type = property.type;
  const fields: Doc[] = [
    stringProperty("identifier", property.identifier),
    `type: "${type.type}"`,
  ];
  if (type.list) fields.push("list: true");
  if (!property.nullable) fields.push("nullable: false");
  if (property.immutable) fields.push("immutable: true");
  if (property.autoIncrement) fields.push("autoIncrement: true");
  if (type.type !== "enum" && type.maxListSize !== undefined)
    fields.push(`maxListSize: ${type.maxListSize}`);
  if (type.type === "text" && type.maxTextSize !== undefined)
    fields.push(`maxTextSize: ${type.maxTextSize}`);
  if (type.type === "enum") {
    fields.push(
      objectProperty(
        "values",
        bracedList(
          "[",
          Object.keys(type.values).map(stringLiteral),
          "]",
          false,
        ),
      ),
    );
  }
  if ("unit" in type && type.unit)
    fields.push(stringProperty("unit", type.unit.externalId));
  // Choices of the generated types the runtime must follow when it converts.
  if (type.type === "int64" && options.int64 === "bigint")
    fields.push('as: "bigint"');
  if (type.type === "timestamp" && options.timestamps === "string")
    fields.push('as: "string"');
  if (type.type === "direct" && type.source) {
    const s = type.source;
    fields.push(
      stringProperty("target", `${s.space}:${s.externalId}/${s.version}`),
    );
  }
  // What drift checks compare besides the above (`verifyViews`).
  if (property.defaultValue !== undefined && property.defaultValue !== null)
    fields.push(defaultField(property.defaultValue));
  const { container, containerPropertyIdentifier } = property;
  fields.push(
    stringProperty("container", `${container.space}:${container.externalId}`),
  );
  if (containerPropertyIdentifier !== property.identifier)
    fields.push(
      stringProperty("containerProperty", containerPropertyIdentifier),
    );
  return fields;
}

function defaultField(value: JsonValue): Doc {
  if (typeof value === "string") return stringProperty("default", value);
  if (typeof value !== "object" || value === null)
    return breakAfterOperator("default", ":", String(value));
  return objectProperty("default", jsonDoc(value));
}

/** A JSON value as a TypeScript literal, as prettier prints it. */
function jsonDoc(value: JsonValue): Doc {
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value !== "object" || value === null) return String(value);
  if (Array.isArray(value))
    return bracedList("[", value.map(jsonDoc), "]", false);
  return bracedList(
    "{",
    Object.entries(value).map(([key, entry]) =>
      objectProperty(propertyKey(key), jsonDoc(entry)),
    ),
    "}",
  );
}

function connectionMapConstant(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
): Doc {
  const entries = view.properties
    .filter(
      (p): p is EdgeConnectionIR | ReverseRelationIR => p.kind !== "mapped",
    )
    .map((p) =>
      objectProperty(
        names.properties.get(p.identifier)!.name,
        expandedObject(
          p.kind === "edge"
            ? edgeDefinition(context, imports, view, p)
            : reverseDefinition(context, imports, view, p),
        ),
      ),
    );
  return [
    `/** The edge connections and reverse direct relations of ${viewText(view.ref)}. */`,
    hardline,
    constMap(names.connectionMap, entries),
  ];
}

/**
 * `export const x = {...} as const;`. No `satisfies`: with `targetClass` thunks, two modules'
 * maps would each need the other's type while being inferred. The class statics that hold the
 * maps are checked against `PropertyMap` / `ConnectionMap` by the base class instead.
 */
function constMap(name: string, entries: Doc[]): Doc {
  const object = entries.length === 0 ? "{}" : expandedObject(entries);
  return [
    fluidAssignment(`export const ${name}`, " =", [object, " as const"]),
    ";",
  ];
}

function viewKey(ref: {
  space: string;
  externalId: string;
  version: string;
}): string {
  return `${ref.space}:${ref.externalId}/${ref.version}`;
}

function edgeDefinition(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: EdgeConnectionIR,
): Doc[] {
  const fields: Doc[] = [
    stringProperty("identifier", property.identifier),
    `connection: "edge"`,
    `multi: ${property.multi}`,
    objectProperty(
      "edgeType",
      bracedList(
        "{",
        [
          stringProperty("space", property.edgeType.space),
          stringProperty("externalId", property.edgeType.externalId),
        ],
        "}",
      ),
    ),
    `direction: "${property.direction}"`,
    stringProperty("target", viewKey(property.target)),
    ...targetClassField(context, imports, view, property.targetKey),
  ];
  if (property.edgeSource) {
    const source = property.edgeSource;
    const edgeView = property.edgeSourceKey
      ? context.model.byKey.get(property.edgeSourceKey)
      : undefined;
    const sourceFields: Doc[] = [
      objectProperty(
        "view",
        bracedList(
          "{",
          [
            `type: "view"`,
            stringProperty("space", source.space),
            stringProperty("externalId", source.externalId),
            stringProperty("version", source.version),
          ],
          "}",
        ),
      ),
    ];
    if (edgeView && edgeView.kind === "edge") {
      const edgeNames = namesOf(context, edgeView);
      const map =
        edgeView.key === view.key
          ? edgeNames.propertyMap
          : imports.value(
              siblingModule(edgeNames.module),
              edgeNames.propertyMap,
            );
      sourceFields.push(objectProperty("properties", arrowFunction("()", map)));
    }
    fields.push(objectProperty("edgeSource", expandedObject(sourceFields)));
  }
  return fields;
}

function reverseDefinition(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: ReverseRelationIR,
): Doc[] {
  const { source, identifier } = property.through;
  const sourceFields = [
    `type: "${source.type}"`,
    stringProperty("space", source.space),
    stringProperty("externalId", source.externalId),
  ];
  if (source.type === "view")
    sourceFields.push(stringProperty("version", source.version));
  return [
    stringProperty("identifier", property.identifier),
    `connection: "reverse"`,
    `multi: ${property.multi}`,
    stringProperty("target", viewKey(property.target)),
    ...targetClassField(context, imports, view, property.targetKey),
    objectProperty(
      "through",
      expandedObject([
        objectProperty("source", bracedList("{", sourceFields, "}")),
        stringProperty("identifier", identifier),
      ]),
    ),
  ];
}

/**
 * `targetClass: () => Target` when the target view is generated too: a thunk, so that view
 * modules can import each other, typed by the class so generic code sees the target's shape.
 */
function targetClassField(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  targetKey: string | undefined,
): Doc[] {
  const target = targetKey ? context.model.byKey.get(targetKey) : undefined;
  if (!target || target.kind !== "node") return [];
  const names = namesOf(context, target);
  const name =
    target.key === view.key
      ? names.readClass
      : imports.value(siblingModule(names.module), names.readClass);
  return [objectProperty("targetClass", arrowFunction("()", name))];
}

// ---- classes

function viewDoc(view: ViewIR, names: ViewNames, role: string): Doc {
  const paragraphs: string[] = [];
  if (view.description) paragraphs.push(view.description);
  else if (view.name && view.name !== view.ref.externalId)
    paragraphs.push(view.name);
  paragraphs.push(`${role} ${viewText(view.ref)}.`);
  if (view.instanceType) {
    paragraphs.push(
      `Every ${view.kind} of this view has type \`${view.instanceType.space}:${view.instanceType.externalId}\`.`,
    );
  }
  if (names.renamed)
    paragraphs.push(`Class name \`${names.readClass}\`: ${names.renamed}.`);
  return jsDoc(paragraphs);
}

function applySection(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
  parentNames: ViewNames | undefined,
): Doc[] {
  const signatures = view.properties.flatMap((property) => {
    if (property.inherited && parentNames) return [];
    const signature = applySignature(context, imports, view, property);
    return signature ? [{ property, signature }] : [];
  });
  const extendsClause = parentNames
    ? ` extends ${importParent(imports, parentNames, "applyProperties")}`
    : "";
  const allOptional = view.properties.every(
    (p) => p.kind !== "mapped" || !p.requiredOnApply,
  );
  // The constructor copies this view's own properties; a parent class copies the inherited ones.
  const copied = signatures.map(
    ({ property }) => names.properties.get(property.identifier)!.name,
  );
  const parent = parentNames !== undefined;
  const base = parentNames
    ? importParent(imports, parentNames, "apply", false)
    : imports.value(RUNTIME_TYPED, VIEW_BASE_CLASSES[view.kind].apply);
  return [
    interfaceDoc(
      [
        `What a write through ${viewText(view.ref)} may set.`,
        "Properties without `?` are required: not nullable and without a default.",
      ],
      `export interface ${names.applyProperties}${extendsClause}`,
      signatures.map(({ property, signature }) =>
        memberDoc(names, property, signature),
      ),
    ),
    [
      viewDoc(
        view,
        names,
        view.kind === "edge" ? "Writes edges through" : "Writes nodes through",
      ),
      `export class ${names.applyClass} extends ${base} `,
      expandedClassBody([
        join(hardline, [
          ...staticMembers(imports, view, names, "apply"),
          ...implementedMember(context, view),
        ]),
        applyBrands(context, view),
        view.kind === "edge"
          ? edgeApplyConstructor(imports, names, allOptional, copied, parent)
          : nodeApplyConstructor(imports, names, allOptional, copied, parent),
      ]),
      hardline,
      `// The properties are fields of the instance, typed by the interface.`,
      hardline,
      `export interface ${names.applyClass} extends ${names.applyProperties} {}`,
    ],
  ];
}

function importParent(
  imports: Imports,
  parent: ViewNames,
  role: "apply" | "read" | "applyProperties" | "readProperties",
  typeOnly = true,
): string {
  const name = {
    apply: parent.applyClass,
    read: parent.readClass,
    applyProperties: parent.applyProperties,
    readProperties: parent.readProperties,
  }[role];
  return imports.add(siblingModule(parent.module), name, typeOnly);
}

/**
 * A member named after each view the class writes through makes the apply class nominal: an apply
 * object of another view never passes where this view's apply objects (or a plain reference) are
 * expected, whatever the two views' properties are; and an apply object of a view implementing
 * this one (which declares this view's member too) does, whichever class it extends. `declare`
 * keeps them out of the JavaScript.
 */
function applyBrands(context: EmitContext, view: ViewIR): Doc {
  const [own, ...implemented] = ownBrands(context.model, view).map((key) =>
    stringLiteral(key),
  );
  const brands: Doc[] = [
    `/** Only apply objects of ${viewText(view.ref)} (or of views implementing it) are of this class. */`,
    hardline,
    `declare readonly ${own}: true;`,
  ];
  if (implemented.length > 0) {
    brands.push(
      hardline,
      "/** It is an apply object of these implemented views too (beyond its base class's). */",
      ...implemented.map((key) => [hardline, `declare readonly ${key}: true;`]),
    );
  }
  return brands;
}

/**
 * `static implemented`: every view the view implements, for the runtime (`instanceof` of an
 * implemented view's class, the target check of direct relations). None when it implements none.
 */
function implementedMember(context: EmitContext, view: ViewIR): Doc[] {
  const keys = implementedClosure(context.model, view);
  if (keys.length === 0) return [];
  return [
    [
      "static override readonly implemented: readonly string[] = ",
      bracedList("[", keys.map(stringLiteral), "]", false),
      ";",
    ],
  ];
}

/** The statics a generated class declares; read classes have no instance type to set. */
function staticMembers(
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
  role: "apply" | "read",
): Doc[] {
  const members: Doc[] = [
    `static override readonly view: ${imports.type(RUNTIME_WIRE, "ViewReference")} = VIEW;`,
    // Not widened to PropertyMap / ConnectionMap: generic code reads the literal maps.
    [
      breakAfterOperator(
        "static override readonly properties",
        " =",
        names.propertyMap,
      ),
      ";",
    ],
    [
      breakAfterOperator(
        "static override readonly connections",
        " =",
        names.connectionMap,
      ),
      ";",
    ],
  ];
  if (role === "apply" && view.instanceType) {
    members.push(
      `static override readonly instanceType: ${imports.type(RUNTIME_WIRE, "InstanceId")} = INSTANCE_TYPE;`,
    );
  }
  return members;
}

function nodeApplyConstructor(
  imports: Imports,
  names: ViewNames,
  allOptional: boolean,
  copied: readonly string[],
  parent: boolean,
): Doc {
  const options = imports.type(RUNTIME_TYPED, "NodeApplyOptions");
  const properties = allOptional
    ? `properties: ${names.applyProperties} = {}`
    : `properties: ${names.applyProperties}`;
  return [
    "constructor",
    argumentList([
      "space: string",
      "externalId: string",
      properties,
      `options?: ${options}`,
    ]),
    " {",
    indent(
      hardline,
      parent
        ? "super(space, externalId, properties, options);"
        : "super(space, externalId, options);",
      fieldCopies(imports, copied),
    ),
    hardline,
    "}",
  ];
}

function edgeApplyConstructor(
  imports: Imports,
  names: ViewNames,
  allOptional: boolean,
  copied: readonly string[],
  parent: boolean,
): Doc {
  const ends = imports.type(RUNTIME_TYPED, "EdgeEnds");
  const properties = allOptional
    ? `properties: ${names.applyProperties} = {}`
    : `properties: ${names.applyProperties}`;
  return [
    "constructor",
    argumentList([
      "space: string",
      "externalId: string",
      `ends: ${ends}`,
      properties,
      "options: { existingVersion?: number } = {}",
    ]),
    " {",
    indent(
      hardline,
      parent
        ? "super(space, externalId, ends, properties, options);"
        : "super(space, externalId, ends, options);",
      fieldCopies(imports, copied),
    ),
    hardline,
    "}",
  ];
}

/**
 * The most field copies a generated constructor has, one per property. TypeScript stops following
 * a function's control flow 2000 nodes back ("too large for control flow analysis", TS2563):
 * about 1500 field copies. A view with more (a few containers of a few hundred properties each)
 * gets a loop over the names instead. Writing and reading go through the runtime's plan always.
 */
export const MOST_UNROLLED_STATEMENTS = 400;

/**
 * One statement per property: a field is set only when given (an unset property is no own key),
 * and only the view's own names are copied (a stray key never lands on the object). Plain
 * per-class assignments keep `new XApply(...)` as cheap as an object literal. Beyond
 * `MOST_UNROLLED_STATEMENTS`, the runtime's `copySetFields` does the same over a list.
 */
function fieldCopies(imports: Imports, names: readonly string[]): Doc[] {
  if (names.length > MOST_UNROLLED_STATEMENTS)
    return [
      hardline,
      "// More fields than TypeScript follows in one function, one statement each: a loop.",
      hardline,
      `${imports.value(RUNTIME_TYPED, "copySetFields")}(this, properties, [`,
      indent(names.map((name) => [hardline, stringLiteral(name), ","])),
      hardline,
      "]);",
    ];
  return names.map((name) => {
    const value = memberAccess("properties", name);
    return [
      hardline,
      group(
        group(
          "if (",
          indent(softline, group(`${value} !==`, line, "undefined")),
          softline,
          ")",
        ),
        indent(
          line,
          group(`${memberAccess("this", name)} =`, indent(line, `${value};`)),
        ),
      ),
    ];
  });
}

function memberAccess(object: string, name: string): string {
  const key = propertyKey(name);
  return key === name ? `${object}.${name}` : `${object}[${key}]`;
}

function readSection(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
  parentNames: ViewNames | undefined,
): Doc[] {
  const members = view.properties
    .filter((property) => !(property.inherited && parentNames))
    .map((property) =>
      memberDoc(
        names,
        property,
        readSignature(context, imports, view, property),
        true,
      ),
    );
  const extendsClause = parentNames
    ? ` extends ${importParent(imports, parentNames, "readProperties")}`
    : "";
  const base = parentNames
    ? importParent(imports, parentNames, "read", false)
    : imports.value(RUNTIME_TYPED, VIEW_BASE_CLASSES[view.kind].read);
  const statics = [
    ...staticMembers(imports, view, names, "read"),
    ...implementedMember(context, view),
    readTypesMember(view, names),
  ];
  return [
    interfaceDoc(
      [
        `What a ${view.kind} read through ${viewText(view.ref)} holds.`,
        "Connections are filled by queries only.",
      ],
      `export interface ${names.readProperties}${extendsClause}`,
      members,
    ),
    [
      viewDoc(
        view,
        names,
        view.kind === "edge" ? "An edge read through" : "A node read through",
      ),
      `export class ${names.readClass} extends ${base} `,
      expandedClassBody([join(hardline, statics)]),
      hardline,
      `// The properties are fields of the instance, typed by the interface.`,
      hardline,
      `export interface ${names.readClass} extends ${names.readProperties} {}`,
    ],
  ];
}

function expandedClassBody(blocks: Doc[]): Doc {
  return [
    "{",
    indent(hardline, join([hardline, hardline], blocks)),
    hardline,
    "}",
  ];
}

function interfaceDoc(comment: string[], head: string, members: Doc[]): Doc {
  const body =
    members.length === 0
      ? " {}"
      : [" {", indent(hardline, join(hardline, members)), hardline, "}"];
  return [jsDoc(comment), head, body];
}

function memberDoc(
  names: ViewNames,
  property: PropertyIR,
  signature: PropertySignature,
  read = false,
): Doc {
  const name = names.properties.get(property.identifier)!;
  const description =
    property.description ??
    (property.name && property.name !== property.identifier
      ? property.name
      : "");
  const head = `${read && property.kind === "mapped" ? "readonly " : ""}${propertyKey(name.name)}${signature.optional ? "?" : ""}:`;
  return [
    jsDoc([description, propertyFacts(property, name.renamed)]),
    unionMember(head, signature.members),
    ";",
  ];
}

/**
 * `name: A | B` when it fits; else the union moves to the next line, and is broken one member a
 * line only when it does not fit there either (prettier's layout). A type reference or object
 * type that is nullable (`Target | null`) stays on the name's line, however long: prettier
 * "hugs" such a union.
 */
function unionMember(head: string, members: readonly Doc[]): Doc {
  if (members.length === 1) return group(head, " ", members[0]!);
  if (isHuggedUnion(members)) return group(head, " ", join(" | ", members));
  return group(
    head,
    indent(
      line,
      // Prettier aligns what a member breaks into under the member, past its `| `.
      group(
        ifBreak("| "),
        join(
          [line, "| "],
          members.map((m) => indent(m)),
        ),
      ),
    ),
  );
}

/** Prettier's rule: one type reference or object type, the other members `null` or `void`. */
function isHuggedUnion(members: readonly Doc[]): boolean {
  const others = members
    .map(flatText)
    .filter((text) => text !== "null" && text !== "void");
  return others.length === 1 && isReferenceOrObjectType(others[0]!);
}

const KEYWORD_TYPES = new Set([
  "any",
  "bigint",
  "boolean",
  "never",
  "number",
  "object",
  "string",
  "symbol",
  "undefined",
  "unknown",
]);

/** `Name`, `ns.Name`, `Name<Args>` (not `Name[]`, not a keyword type), or `{ ... }`. */
function isReferenceOrObjectType(text: string): boolean {
  if (text.startsWith("{")) return text.endsWith("}");
  const match = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(<.*>)?$/.exec(text);
  return match !== null && !KEYWORD_TYPES.has(text);
}

// ---- typed reads: the view's `where` and the `$types` of its read class

const RUNTIME_WHERE = "../runtime/model/where.js";

type FilterKind = "text" | "number" | "timestamp" | "date" | "boolean";

const FILTER_KIND: Record<string, FilterKind> = {
  text: "text",
  timeseries: "text",
  file: "text",
  sequence: "text",
  int32: "number",
  int64: "number",
  float32: "number",
  float64: "number",
  timestamp: "timestamp",
  date: "date",
  boolean: "boolean",
};

const SCALAR_FILTER: Record<FilterKind, string> = {
  text: "StringFilter",
  number: "NumberFilter",
  timestamp: "TimestampFilter",
  date: "DateFilter",
  boolean: "BooleanFilter",
};

/** The element type of a list property's filter, as union members. */
const LIST_ITEM: Record<FilterKind, readonly string[]> = {
  text: ["string"],
  number: ["number"],
  timestamp: ["Date", "string"],
  date: ["string"],
  boolean: ["boolean"],
};

function mappedProperties(view: ViewIR): MappedPropertyIR[] {
  return view.properties.filter(
    (p): p is MappedPropertyIR => p.kind === "mapped",
  );
}

/** The `where` of the direct relation's target view, when it is generated (for `nested`). */
function targetWhere(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: MappedPropertyIR,
): string | undefined {
  const target = property.targetKey
    ? context.model.byKey.get(property.targetKey)
    : undefined;
  if (!target || target.kind !== "node") return undefined;
  const names = namesOf(context, target);
  if (target.key !== view.key)
    imports.type(siblingModule(names.module), names.where);
  return names.where;
}

/** The filter type of one property in the view's `where`. */
function propertyFilterType(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  property: MappedPropertyIR,
): Doc {
  const type = property.type;
  const runtime = (name: string): string => imports.type(RUNTIME_WHERE, name);
  if (type.type === "json") return runtime("JsonFilter");
  if (type.type === "enum") {
    const values = Object.keys(type.values).map(stringLiteral);
    return unionArgument(
      runtime(type.list ? "ListFilter" : "EnumFilter"),
      values,
    );
  }
  if (type.type === "direct") {
    if (type.list)
      return `${runtime("ListFilter")}<${imports.type(RUNTIME_WIRE, "InstanceId")}>`;
    const nested = targetWhere(context, imports, view, property);
    return nested
      ? `${runtime("DirectFilter")}<${nested}>`
      : runtime("DirectFilter");
  }
  const kind = FILTER_KIND[type.type]!;
  return type.list
    ? unionArgument(runtime("ListFilter"), LIST_ITEM[kind])
    : runtime(SCALAR_FILTER[kind]);
}

function whereInterface(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
): Doc {
  const base = imports.type(
    RUNTIME_WHERE,
    view.kind === "edge" ? "EdgeWhere" : "NodeWhere",
  );
  const members = mappedProperties(view).map((property) =>
    group(
      `readonly ${propertyKey(names.properties.get(property.identifier)!.name)}?: `,
      propertyFilterType(context, imports, view, property),
      ";",
    ),
  );
  return interfaceDoc(
    [
      `A filter on the ${view.kind}s of ${viewText(view.ref)}.`,
      "Conditions on properties and instance fields (all must hold), `$and`, `$or`, `$not`, `$raw`.",
    ],
    `export interface ${names.where} extends ${base}<${names.where}>`,
    members,
  );
}

/** The property names of each kind of read (sort, search, aggregate), as `{ name: true }` sets. */
function readNameSets(
  view: ViewIR,
  names: ViewNames,
): Record<"sortable" | "text" | "numeric" | "groupable", string[]> {
  const sets = {
    sortable: [] as string[],
    text: [] as string[],
    numeric: [] as string[],
    groupable: [] as string[],
  };
  for (const property of mappedProperties(view)) {
    const name = propertyKey(names.properties.get(property.identifier)!.name);
    const type = property.type.type;
    const kind = FILTER_KIND[type];
    if (type === "text") sets.text.push(name);
    if (property.type.list) continue;
    if (type !== "json") sets.sortable.push(name);
    if (kind === "number") sets.numeric.push(name);
    if (
      type === "text" ||
      type === "direct" ||
      type === "enum" ||
      type === "boolean" ||
      kind === "number"
    )
      sets.groupable.push(name);
  }
  return sets;
}

/** `declare static readonly $types: {...}`: the read types generic code finds from the class. */
function readTypesMember(view: ViewIR, names: ViewNames): Doc {
  const sets = readNameSets(view, names);
  const set = (key: keyof typeof sets): Doc =>
    group(
      `readonly ${key}: `,
      typeLiteral(sets[key].map((name) => `readonly ${name}: true`)),
      ";",
    );
  return [
    jsDoc([
      "The types of typed reads: `where`, sort keys, search and aggregate properties.",
      "Declared only (no value), for the accessors and `WhereOf<typeof Class>`.",
    ]),
    "declare static readonly $types: {",
    indent(
      hardline,
      join(hardline, [
        `readonly where: ${names.where};`,
        set("sortable"),
        set("text"),
        set("numeric"),
        set("groupable"),
      ]),
    ),
    hardline,
    "};",
  ];
}

/**
 * `Name<A | B>`; when too long the union moves to its own line, and breaks one member a line
 * only when it does not fit there either (prettier's layout).
 */
function unionArgument(name: string, members: readonly string[]): Doc {
  if (members.length === 1) return `${name}<${members[0]}>`;
  return group(
    `${name}<`,
    indent(softline, group(ifBreak("| "), join([line, "| "], members))),
    softline,
    ">",
  );
}

/** `{ a: A; b: B }` on one line when it fits, else one member a line (prettier's layout). */
function typeLiteral(members: readonly string[]): Doc {
  if (members.length === 0) return "{}";
  return group(
    "{",
    indent(line, join([";", line], members)),
    ifBreak(";"),
    line,
    "}",
  );
}

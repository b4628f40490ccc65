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
import { hardline, join, type Doc } from "./doc.js";
import { Imports, namesOf, type EmitContext } from "./context.js";
import {
  RUNTIME_TYPED,
  RUNTIME_WIRE,
  applySignature,
  importClass,
  propertyFacts,
  readSignature,
  siblingModule,
  viewText,
  type PropertySignature,
} from "./property-types.js";
import { importsDoc } from "./module.js";
import * as ts from "./syntax/index.js";
import {
  declarationsOf,
  implementedClosure,
  ownBrands,
  type Declarations,
} from "./implements.js";

/**
 * Module-level names a view module declares besides the view's own names: the name plan keeps
 * class names off them, and imports into the module never take them.
 */
export const VIEW_MODULE_LOCALS: readonly string[] = ["VIEW", "INSTANCE_TYPE"];

/** What the sections of one view module share. */
interface ModuleContext {
  readonly context: EmitContext;
  readonly imports: Imports;
  readonly view: ViewIR;
  readonly names: ViewNames;
  /** What the module declares itself and what it reuses from implemented views. */
  readonly declarations: Declarations;
}

/** The properties the module declares (in its map and `where`), in input order. */
function declaredHere(module: ModuleContext): PropertyIR[] {
  const { inherited } = module.declarations;
  return module.view.properties.filter((p) => !inherited.has(p.identifier));
}

/** The properties the module's field interfaces state: its own, and inherited ones documented anew. */
function statedHere(module: ModuleContext): PropertyIR[] {
  const { inherited, redocumented } = module.declarations;
  return module.view.properties.filter(
    (p) => !inherited.has(p.identifier) || redocumented.has(p.identifier),
  );
}

/** `...baseMap` for each base whose map of that kind has entries. */
function baseSpreads(
  module: ModuleContext,
  map: "propertyMap" | "connectionMap",
): ts.ObjectEntry[] {
  return module.declarations.bases
    .filter((base) =>
      base.properties.some(
        (p) => (p.kind === "mapped") === (map === "propertyMap"),
      ),
    )
    .map((base) => {
      const baseNames = namesOf(module.context, base);
      const local = module.imports.value(
        siblingModule(baseNames.module),
        baseNames[map],
      );
      return ts.spread(ts.id(local));
    });
}

export function emitViewModule(context: EmitContext, view: ViewIR): Doc {
  const names = namesOf(context, view);
  const imports = new Imports([...VIEW_MODULE_LOCALS, ...declaredNames(names)]);
  const parent = view.parentKey
    ? context.model.byKey.get(view.parentKey)
    : undefined;
  const parentNames = parent ? namesOf(context, parent) : undefined;
  const module: ModuleContext = {
    context,
    imports,
    view,
    names,
    declarations: declarationsOf(context, view),
  };
  const sections: Doc[] = [
    viewConstant(imports, view),
    propertyMapConstant(module),
    connectionMapConstant(module),
    ts.declarationDoc(
      ts.typeAlias(
        names.propertyNameType,
        ts.keyOf(ts.typeOf(names.propertyMap)),
        {
          exported: true,
          doc: [
            `The TypeScript names of the properties of {@link ${names.readClass}}.`,
          ],
        },
      ),
    ),
    whereInterface(module),
  ];
  if (view.writable) sections.push(...applySection(module, parentNames));
  sections.push(...readSection(module, parentNames));
  // Only apply classes set the type; a read-only view's JSDoc still states it.
  if (view.instanceType && view.writable)
    sections.unshift(instanceTypeConstant(imports, view));
  return [importsDoc(imports), hardline, join([hardline, hardline], sections)];
}

function viewConstant(imports: Imports, view: ViewIR): Doc {
  const type = imports.type(RUNTIME_WIRE, "ViewReference");
  return ts.declarationDoc(
    ts.constDecl("VIEW", viewReference(view.ref, true), {
      type: ts.typeRef(type),
      doc: [`The view ${viewText(view.ref)}.`],
    }),
  );
}

/** `{ type: "view", space, externalId, version }`. */
function viewReference(
  ref: { space: string; externalId: string; version: string },
  expanded = false,
): ts.Expression {
  return ts.object(
    [
      ts.prop("type", ts.literal("view")),
      ts.prop("space", ts.literal(ref.space)),
      ts.prop("externalId", ts.literal(ref.externalId)),
      ts.prop("version", ts.literal(ref.version)),
    ],
    { expanded },
  );
}

/** `{ space, externalId }`. */
function instanceId(id: { space: string; externalId: string }): ts.Expression {
  return ts.object([
    ts.prop("space", ts.literal(id.space)),
    ts.prop("externalId", ts.literal(id.externalId)),
  ]);
}

function instanceTypeConstant(imports: Imports, view: ViewIR): Doc {
  const type = imports.type(RUNTIME_WIRE, "InstanceId");
  return ts.declarationDoc(
    ts.constDecl("INSTANCE_TYPE", instanceId(view.instanceType!), {
      type: ts.typeRef(type),
      doc: [
        `The ${view.kind} type the view's filter requires: set on every write.`,
      ],
    }),
  );
}

function propertyMapConstant(module: ModuleContext): Doc {
  const { context, view, names } = module;
  const entries = declaredHere(module)
    .filter((p): p is MappedPropertyIR => p.kind === "mapped")
    .map((p) =>
      ts.prop(
        names.properties.get(p.identifier)!.name,
        ts.object(propertyDefinition(p, context.options)),
      ),
    );
  return constMap(
    names.propertyMap,
    [...baseSpreads(module, "propertyMap"), ...entries],
    `How the properties of ${viewText(view.ref)} map between TypeScript and the API.`,
  );
}

/** The entry of one property: only what differs from the defaults documented in the runtime. */
function propertyDefinition(
  property: MappedPropertyIR,
  options: CodeOptions,
): ts.ObjectEntry[] {
  const type = property.type;
  const field = (key: string, value: ts.Literal["value"]): ts.ObjectEntry =>
    ts.prop(key, ts.literal(value));
  const fields = [
    field("identifier", property.identifier),
    field("type", type.type),
  ];
  if (type.list) fields.push(field("list", true));
  if (!property.nullable) fields.push(field("nullable", false));
  if (property.immutable) fields.push(field("immutable", true));
  if (property.autoIncrement) fields.push(field("autoIncrement", true));
  if (type.type !== "enum" && type.maxListSize !== undefined)
    fields.push(field("maxListSize", type.maxListSize));
  if (type.type === "text" && type.maxTextSize !== undefined)
    fields.push(field("maxTextSize", type.maxTextSize));
  if (type.type === "enum") {
    const values = Object.keys(type.values).map((v) => ts.literal(v));
    fields.push(ts.prop("values", ts.array(values)));
  }
  if ("unit" in type && type.unit)
    fields.push(field("unit", type.unit.externalId));
  // Choices of the generated types the runtime must follow when it converts.
  if (type.type === "int64" && options.int64 === "bigint")
    fields.push(field("as", "bigint"));
  if (type.type === "timestamp" && options.timestamps === "string")
    fields.push(field("as", "string"));
  if (type.type === "direct" && type.source)
    fields.push(field("target", viewKey(type.source)));
  // What drift checks compare besides the above (`verifyViews`).
  if (property.defaultValue !== undefined && property.defaultValue !== null)
    fields.push(ts.prop("default", jsonExpression(property.defaultValue)));
  const { container, containerPropertyIdentifier } = property;
  fields.push(field("container", `${container.space}:${container.externalId}`));
  if (containerPropertyIdentifier !== property.identifier)
    fields.push(field("containerProperty", containerPropertyIdentifier));
  return fields;
}

/** A JSON value as a TypeScript literal. */
function jsonExpression(value: JsonValue): ts.Expression {
  if (typeof value !== "object" || value === null) return ts.literal(value);
  if (Array.isArray(value)) return ts.array(value.map(jsonExpression));
  return ts.object(
    Object.entries(value).map(([key, entry]) =>
      ts.prop(key, jsonExpression(entry)),
    ),
  );
}

function connectionMapConstant(module: ModuleContext): Doc {
  const { context, imports, view, names } = module;
  const entries = declaredHere(module)
    .filter(
      (p): p is EdgeConnectionIR | ReverseRelationIR => p.kind !== "mapped",
    )
    .map((p) =>
      ts.prop(
        names.properties.get(p.identifier)!.name,
        ts.object(
          p.kind === "edge"
            ? edgeDefinition(context, imports, view, p)
            : reverseDefinition(p),
          { expanded: true },
        ),
      ),
    );
  return constMap(
    names.connectionMap,
    [...baseSpreads(module, "connectionMap"), ...entries],
    `The edge connections and reverse direct relations of ${viewText(view.ref)}.`,
  );
}

/**
 * `export const x = {...} as const;`, the one source of the view's names, identifiers and types:
 * the class statics hold it, and `ReadTypes` / `ApplyFields` check the field interfaces and the
 * `where` against its keys.
 */
function constMap(
  name: string,
  entries: readonly ts.ObjectEntry[],
  doc: string,
): Doc {
  return ts.declarationDoc(
    ts.constDecl(name, ts.asConst(ts.object(entries, { expanded: true })), {
      exported: true,
      doc: [doc],
    }),
  );
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
): ts.ObjectEntry[] {
  const fields: ts.ObjectEntry[] = [
    ts.prop("identifier", ts.literal(property.identifier)),
    ts.prop("connection", ts.literal("edge")),
    ts.prop("multi", ts.literal(property.multi)),
    ts.prop("edgeType", instanceId(property.edgeType)),
    ts.prop("direction", ts.literal(property.direction)),
    ts.prop("target", ts.literal(viewKey(property.target))),
  ];
  if (property.edgeSource) {
    const edgeView = property.edgeSourceKey
      ? context.model.byKey.get(property.edgeSourceKey)
      : undefined;
    const sourceFields = [ts.prop("view", viewReference(property.edgeSource))];
    if (edgeView && edgeView.kind === "edge") {
      const edgeNames = namesOf(context, edgeView);
      const map =
        edgeView.key === view.key
          ? edgeNames.propertyMap
          : imports.value(
              siblingModule(edgeNames.module),
              edgeNames.propertyMap,
            );
      sourceFields.push(ts.prop("properties", ts.arrow([], ts.id(map))));
    }
    fields.push(
      ts.prop("edgeSource", ts.object(sourceFields, { expanded: true })),
    );
  }
  return fields;
}

function reverseDefinition(property: ReverseRelationIR): ts.ObjectEntry[] {
  const { source, identifier } = property.through;
  const sourceFields = [
    ts.prop("type", ts.literal(source.type)),
    ts.prop("space", ts.literal(source.space)),
    ts.prop("externalId", ts.literal(source.externalId)),
  ];
  if (source.type === "view")
    sourceFields.push(ts.prop("version", ts.literal(source.version)));
  return [
    ts.prop("identifier", ts.literal(property.identifier)),
    ts.prop("connection", ts.literal("reverse")),
    ts.prop("multi", ts.literal(property.multi)),
    ts.prop("target", ts.literal(viewKey(property.target))),
    ts.prop(
      "through",
      ts.object(
        [
          ts.prop("source", ts.object(sourceFields)),
          ts.prop("identifier", ts.literal(identifier)),
        ],
        { expanded: true },
      ),
    ),
  ];
}

// ---- classes

function viewDoc(view: ViewIR, names: ViewNames, role: string): string[] {
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
  return paragraphs;
}

function applySection(
  module: ModuleContext,
  parentNames: ViewNames | undefined,
): Doc[] {
  const { context, imports, view, names } = module;
  const signatures = statedHere(module).flatMap((property) => {
    const signature = applySignature(context, imports, view, property);
    return signature ? [{ property, signature }] : [];
  });
  const allOptional = view.properties.every(
    (p) => p.kind !== "mapped" || !p.requiredOnApply,
  );
  const base = parentNames
    ? importParent(imports, parentNames, "apply", false)
    : imports.value(RUNTIME_TYPED, VIEW_BASE_CLASSES[view.kind].apply);
  const fieldsCheck = ts.field("$fields", {
    modifiers: ["declare", "static", "readonly"],
    type: ts.typeRef(
      imports.type(RUNTIME_TYPED, "ApplyFields"),
      ts.typeOf(names.propertyMap),
      ts.typeOf(names.connectionMap),
      ts.typeRef(names.applyProperties),
    ),
    doc: [
      "The fields, which must be exactly the maps' (a type only: nothing at run time).",
    ],
  });
  return [
    ts.declarationDoc(
      ts.interfaceDecl(
        names.applyProperties,
        signatures.map(({ property, signature }) =>
          member(names, property, signature),
        ),
        {
          exported: true,
          extends: baseNames(module, "applyProperties").map((n) =>
            ts.typeRef(n),
          ),
          doc: [
            `What a write through ${viewText(view.ref)} may set.`,
            "Properties without `?` are required: not nullable and without a default.",
          ],
        },
      ),
    ),
    classWithFields(
      ts.classDecl(
        names.applyClass,
        [
          [
            ...staticMembers(imports, view, names, "apply"),
            ...implementedMember(context, view),
            fieldsCheck,
          ],
          applyBrands(context, view),
          [
            view.kind === "edge"
              ? edgeApplyConstructor(imports, names, allOptional)
              : nodeApplyConstructor(imports, names, allOptional),
          ],
        ],
        {
          exported: true,
          extends: ts.typeRef(base),
          doc: viewDoc(
            view,
            names,
            view.kind === "edge"
              ? "Writes edges through"
              : "Writes nodes through",
          ),
        },
      ),
      names.applyProperties,
    ),
  ];
}

/**
 * The class, then the interface that types its fields: `interface X extends XProperties {}`
 * merges with the class (its fields are set by the runtime, from the maps).
 */
function classWithFields(
  declaration: ts.ClassDeclaration,
  fields: string,
): Doc {
  return ts.statementsDoc([
    declaration,
    ts.lineComment(
      "The properties are fields of the instance, typed by the interface.",
    ),
    ts.interfaceDecl(declaration.name, [], {
      exported: true,
      extends: [ts.typeRef(fields)],
    }),
  ]);
}

function baseNames(
  module: ModuleContext,
  role: "applyProperties" | "readProperties" | "where" | "readClass",
): string[] {
  return module.declarations.bases.map((base) => {
    const names = namesOf(module.context, base);
    return module.imports.type(siblingModule(names.module), names[role]);
  });
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
function applyBrands(context: EmitContext, view: ViewIR): ts.ClassMember[] {
  const [own, ...implemented] = ownBrands(context.model, view);
  const brand = (key: string, doc: string[] = []): ts.ClassMember =>
    ts.field(key, {
      modifiers: ["declare", "readonly"],
      type: ts.literalType(true),
      doc,
    });
  return [
    brand(own!, [
      `Only apply objects of ${viewText(view.ref)} (or of views implementing it) are of this class.`,
    ]),
    ...implemented.map((key, i) =>
      brand(
        key,
        i === 0
          ? [
              "It is an apply object of these implemented views too (beyond its base class's).",
            ]
          : [],
      ),
    ),
  ];
}

/**
 * `static implemented`: every view the view implements, for the runtime (`instanceof` of an
 * implemented view's class, the target check of direct relations). None when it implements none.
 */
function implementedMember(
  context: EmitContext,
  view: ViewIR,
): ts.ClassMember[] {
  const keys = implementedClosure(context.model, view);
  if (keys.length === 0) return [];
  return [
    ts.field("implemented", {
      modifiers: ["static", "override", "readonly"],
      type: ts.arrayOf(ts.t.string, true),
      initializer: ts.array(keys.map((key) => ts.literal(key))),
    }),
  ];
}

/** The statics a generated class declares; read classes have no instance type to set. */
function staticMembers(
  imports: Imports,
  view: ViewIR,
  names: ViewNames,
  role: "apply" | "read",
): ts.ClassMember[] {
  const modifiers: ts.Modifier[] = ["static", "override", "readonly"];
  const members = [
    ts.field("view", {
      modifiers,
      type: ts.typeRef(imports.type(RUNTIME_WIRE, "ViewReference")),
      initializer: ts.id("VIEW"),
    }),
    // Not widened to PropertyMap / ConnectionMap: generic code reads the literal maps.
    ts.field("properties", {
      modifiers,
      initializer: ts.id(names.propertyMap),
    }),
    ts.field("connections", {
      modifiers,
      initializer: ts.id(names.connectionMap),
    }),
  ];
  if (role === "apply" && view.instanceType) {
    members.push(
      ts.field("instanceType", {
        modifiers,
        type: ts.typeRef(imports.type(RUNTIME_WIRE, "InstanceId")),
        initializer: ts.id("INSTANCE_TYPE"),
      }),
    );
  }
  return members;
}

/** `constructor(...) { super(...); }`: the runtime copies the fields, from the maps. */
function nodeApplyConstructor(
  imports: Imports,
  names: ViewNames,
  allOptional: boolean,
): ts.ClassMember {
  const options = imports.type(RUNTIME_TYPED, "NodeApplyOptions");
  return ts.constructorDecl(
    [
      ts.param("space", ts.t.string),
      ts.param("externalId", ts.t.string),
      propertiesParameter(names, allOptional),
      ts.param("options", ts.typeRef(options), { optional: true }),
    ],
    [superCall(["space", "externalId", "properties", "options"])],
  );
}

function edgeApplyConstructor(
  imports: Imports,
  names: ViewNames,
  allOptional: boolean,
): ts.ClassMember {
  const ends = imports.type(RUNTIME_TYPED, "EdgeEnds");
  const existingVersion = ts.propertySignature("existingVersion", ts.t.number, {
    optional: true,
  });
  return ts.constructorDecl(
    [
      ts.param("space", ts.t.string),
      ts.param("externalId", ts.t.string),
      ts.param("ends", ts.typeRef(ends)),
      propertiesParameter(names, allOptional),
      ts.param("options", ts.objectType([existingVersion]), {
        initializer: ts.object([]),
      }),
    ],
    [superCall(["space", "externalId", "ends", "properties", "options"])],
  );
}

function propertiesParameter(
  names: ViewNames,
  allOptional: boolean,
): ts.Parameter {
  const type = ts.typeRef(names.applyProperties);
  return allOptional
    ? ts.param("properties", type, { initializer: ts.object([]) })
    : ts.param("properties", type);
}

function superCall(args: readonly string[]): ts.Statement {
  return ts.exprStmt(
    ts.call(
      ts.id("super"),
      args.map((arg) => ts.id(arg)),
    ),
  );
}

function readSection(
  module: ModuleContext,
  parentNames: ViewNames | undefined,
): Doc[] {
  const { context, imports, view, names } = module;
  const members = statedHere(module).map((property) =>
    member(
      names,
      property,
      readSignature(context, imports, view, property),
      true,
    ),
  );
  const base = parentNames
    ? importParent(imports, parentNames, "read", false)
    : imports.value(RUNTIME_TYPED, VIEW_BASE_CLASSES[view.kind].read);
  return [
    ts.declarationDoc(
      ts.interfaceDecl(names.readProperties, members, {
        exported: true,
        extends: baseNames(module, "readProperties").map((n) => ts.typeRef(n)),
        doc: [
          `What a ${view.kind} read through ${viewText(view.ref)} holds.`,
          "Connections are filled by queries only.",
        ],
      }),
    ),
    classWithFields(
      ts.classDecl(
        names.readClass,
        [
          [
            ...staticMembers(imports, view, names, "read"),
            ...implementedMember(context, view),
            readTypesMember(module),
          ],
        ],
        {
          exported: true,
          extends: ts.typeRef(base),
          doc: viewDoc(
            view,
            names,
            view.kind === "edge"
              ? "An edge read through"
              : "A node read through",
          ),
        },
      ),
      names.readProperties,
    ),
  ];
}

/** One property of a field interface, with its docs and facts. */
function member(
  names: ViewNames,
  property: PropertyIR,
  signature: PropertySignature,
  read = false,
): ts.TypeMember {
  const name = names.properties.get(property.identifier)!;
  const description =
    property.description ??
    (property.name && property.name !== property.identifier
      ? property.name
      : "");
  return ts.propertySignature(name.name, signature.type, {
    optional: signature.optional,
    readonly: read && property.kind === "mapped",
    doc: [description, propertyFacts(property, name.renamed)],
  });
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

/** The element type of a list property's filter. */
const LIST_ITEM: Record<FilterKind, ts.TypeNode> = {
  text: ts.t.string,
  number: ts.t.number,
  timestamp: ts.union(ts.typeRef("Date"), ts.t.string),
  date: ts.t.string,
  boolean: ts.t.boolean,
};

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
): ts.TypeNode {
  const type = property.type;
  const runtime = (name: string, ...args: ts.TypeNode[]): ts.TypeNode =>
    ts.typeRef(imports.type(RUNTIME_WHERE, name), ...args);
  if (type.type === "json") return runtime("JsonFilter");
  if (type.type === "enum") {
    const values = Object.keys(type.values).map((v) => ts.literalType(v));
    return runtime(
      type.list ? "ListFilter" : "EnumFilter",
      ts.union(...values),
    );
  }
  if (type.type === "direct") {
    if (type.list)
      return runtime(
        "ListFilter",
        ts.typeRef(imports.type(RUNTIME_WIRE, "InstanceId")),
      );
    const nested = targetWhere(context, imports, view, property);
    return nested
      ? runtime("DirectFilter", ts.typeRef(nested))
      : runtime("DirectFilter");
  }
  const kind = FILTER_KIND[type.type]!;
  return type.list
    ? runtime("ListFilter", LIST_ITEM[kind])
    : runtime(SCALAR_FILTER[kind]);
}

function whereInterface(module: ModuleContext): Doc {
  const { context, imports, view, names } = module;
  const base = imports.type(
    RUNTIME_WHERE,
    view.kind === "edge" ? "EdgeWhere" : "NodeWhere",
  );
  const members = declaredHere(module)
    .filter((p): p is MappedPropertyIR => p.kind === "mapped")
    .map((property) =>
      ts.propertySignature(
        names.properties.get(property.identifier)!.name,
        propertyFilterType(context, imports, view, property),
        { optional: true, readonly: true },
      ),
    );
  const inherited = module.declarations.bases
    .filter((b) => b.properties.some((p) => p.kind === "mapped"))
    .map((b) => {
      const baseNames = namesOf(context, b);
      const where = imports.type(
        siblingModule(baseNames.module),
        baseNames.where,
      );
      return ts.typeRef(
        imports.type(RUNTIME_TYPED, "InheritedWhere"),
        ts.typeRef(where),
      );
    });
  return ts.declarationDoc(
    ts.interfaceDecl(names.where, members, {
      exported: true,
      extends: [ts.typeRef(base, ts.typeRef(names.where)), ...inherited],
      doc: [
        `A filter on the ${view.kind}s of ${viewText(view.ref)}.`,
        "Conditions on properties and instance fields (all must hold), `$and`, `$or`, `$not`, `$raw`.",
      ],
    }),
  );
}

/**
 * `declare static readonly $types: ReadTypes<...>`: the read types generic code finds from the
 * class, derived from the maps by the runtime's `ReadTypes` (which checks the field interface and
 * the `where` against them), plus the read classes the relations lead to.
 */
function readTypesMember(module: ModuleContext): ts.ClassMember {
  const { imports, names } = module;
  const targets = targetsType(module);
  return ts.field("$types", {
    modifiers: ["declare", "static", "readonly"],
    type: ts.typeRef(
      imports.type(RUNTIME_TYPED, "ReadTypes"),
      ts.typeOf(names.propertyMap),
      ts.typeOf(names.connectionMap),
      ts.typeRef(names.readProperties),
      ts.typeRef(names.where),
      ...(targets ? [targets] : []),
    ),
    doc: [
      "The types of typed reads: `where`, sort keys, search and aggregate properties, targets.",
      "Declared only (no value), for the accessors and `WhereOf<typeof Class>`.",
    ],
  });
}

/** The generated node view a property leads to (a direct relation's target, a connection's). */
function generatedTarget(
  context: EmitContext,
  property: PropertyIR,
): ViewIR | undefined {
  if (property.kind === "mapped" && property.type.type !== "direct")
    return undefined;
  const target = property.targetKey
    ? context.model.byKey.get(property.targetKey)
    : undefined;
  return target && target.kind === "node" ? target : undefined;
}

/** Whether a view's read class has `$types.targets` worth extending. */
function hasTargets(context: EmitContext, view: ViewIR): boolean {
  return view.properties.some((p) => generatedTarget(context, p) !== undefined);
}

/**
 * The read classes the view's relations lead to, by name (`typeof X`, imported as a type only, so
 * view modules never load each other for them): the bases' targets, and the module's own.
 */
function targetsType(module: ModuleContext): ts.TypeNode | undefined {
  const { context, imports, view, names } = module;
  const inherited = module.declarations.bases
    .filter((base) => hasTargets(context, base))
    .map((base) => {
      const baseNames = namesOf(context, base);
      const read = imports.type(
        siblingModule(baseNames.module),
        baseNames.readClass,
      );
      return ts.typeRef(
        imports.type(RUNTIME_TYPED, "TargetsOf"),
        ts.typeOf(read),
      );
    });
  const own = declaredHere(module).flatMap((property) => {
    const target = generatedTarget(context, property);
    if (!target) return [];
    const name = names.properties.get(property.identifier)!.name;
    const read = importClass(context, imports, view, target, "read");
    return [ts.propertySignature(name, ts.typeOf(read), { readonly: true })];
  });
  const parts: ts.TypeNode[] = [...inherited];
  if (own.length > 0) parts.push(ts.objectType(own));
  return parts.length <= 1 ? parts[0] : ts.intersection(...parts);
}

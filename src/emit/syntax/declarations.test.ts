import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import * as ts from "./index.js";

/** The text prettier (default options) makes of `code`: printed code must come back unchanged. */
async function prettierFormat(code: string): Promise<string> {
  return prettier.format(code, { parser: "typescript" });
}

const x = ts.id;
const LONG = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

interface Case {
  readonly name: string;
  readonly given: ts.Declaration;
  readonly want: string;
}

const cases: readonly Case[] = [
  {
    name: "value and type imports",
    given: ts.importDecl("./runtime/read/dms-client.js", [
      { name: "DmsClient" },
      { name: "DmsClientOptions", typeOnly: true },
    ]),
    want: 'import { DmsClient, type DmsClientOptions } from "./runtime/read/dms-client.js";',
  },
  {
    name: "type-only import with an alias",
    given: ts.importDecl("../runtime/model/typed.js", [
      { name: "TypedNode", alias: "RuntimeTypedNode", typeOnly: true },
      { name: "EdgeEnds", typeOnly: true },
    ]),
    want: 'import type { TypedNode as RuntimeTypedNode, EdgeEnds } from "../runtime/model/typed.js";'.replace(
      "{ TypedNode as RuntimeTypedNode, EdgeEnds }",
      "{\n  TypedNode as RuntimeTypedNode,\n  EdgeEnds,\n}",
    ),
  },
  {
    name: "an import of one name never breaks",
    given: ts.importDecl(`./views/${LONG}${LONG}.js`, [{ name: LONG }]),
    want: `import { ${LONG} } from "./views/${LONG}${LONG}.js";`,
  },
  {
    name: "export from",
    given: ts.exportFrom("./views/Person.js", [
      { name: "Person" },
      { name: "PersonWhere", typeOnly: true },
    ]),
    want: 'export { Person, type PersonWhere } from "./views/Person.js";',
  },
  {
    name: "export star",
    given: ts.exportFrom("./client.js", "star"),
    want: 'export * from "./client.js";',
  },
  {
    name: "export type star",
    given: ts.exportFrom("./runtime/core/wire.js", "typeStar"),
    want: 'export type * from "./runtime/core/wire.js";',
  },
  {
    name: "exported const with a type and JSDoc",
    given: ts.constDecl(
      "VIEW",
      ts.object(
        [
          ts.prop("type", ts.literal("view")),
          ts.prop("space", ts.literal("movies")),
        ],
        { expanded: true },
      ),
      {
        type: ts.typeRef("ViewReference"),
        doc: ["The view `movies:Person/1`."],
      },
    ),
    want: '/** The view `movies:Person/1`. */\nconst VIEW: ViewReference = {\n  type: "view",\n  space: "movies",\n};',
  },
  {
    name: "const as const",
    given: ts.constDecl(
      "PersonProperties",
      ts.asConst(
        ts.object(
          [
            ts.prop(
              "name",
              ts.object([ts.prop("identifier", ts.literal("name"))]),
            ),
          ],
          { expanded: true },
        ),
      ),
      { exported: true },
    ),
    want: 'export const PersonProperties = {\n  name: { identifier: "name" },\n} as const;',
  },
  {
    name: "type alias breaks after its =",
    given: ts.typeAlias(
      "PersonPropertyName",
      ts.keyOf(ts.typeOf(`${LONG}${LONG}`)),
      { exported: true },
    ),
    want: `export type PersonPropertyName =\n  keyof typeof ${LONG}${LONG};`,
  },
  {
    name: "type parameters with a constraint and a default",
    given: ts.typeAlias(
      "Pair",
      ts.tupleType([ts.typeRef("A"), ts.typeRef("B")]),
      {
        typeParams: [
          ts.typeParam("A", { constraint: ts.t.object }),
          ts.typeParam("B", {
            constraint: ts.keyOf(ts.typeRef("A")),
            default: ts.t.never,
          }),
        ],
      },
    ),
    want: "type Pair<A extends object, B extends keyof A = never> = [A, B];",
  },
  {
    name: "an intersection alias keeps its first member on the = line, the others one a line",
    given: ts.typeAlias(
      "Accessor",
      ts.intersection(
        ts.typeRef("IncludeReads", ts.typeRef("C")),
        ts.typeRef("IncludeSearch", ts.typeRef("C")),
        ts.typeRef("SearchReads", ts.typeRef("C")),
        ts.typeRef("ViewAccessor", ts.typeRef("C"), ts.typeRef("A")),
      ),
      {
        typeParams: [
          ts.typeParam("C", { constraint: ts.typeRef("TypedReadClass") }),
          ts.typeParam("A", { constraint: ts.t.object }),
        ],
        doc: ["A writable view's accessor."],
      },
    ),
    want: [
      "/** A writable view's accessor. */",
      "type Accessor<C extends TypedReadClass, A extends object> = IncludeReads<C> &",
      "  IncludeSearch<C> &",
      "  SearchReads<C> &",
      "  ViewAccessor<C, A>;",
    ].join("\n"),
  },
  {
    name: "an intersection alias moves to the next line when its first member does not fit",
    given: ts.typeAlias(
      "ReadOnlyAccessorWithLongName",
      ts.intersection(
        ts.typeRef("IncludeReadsWithAVeryLongName", ts.typeRef("C")),
        ts.typeRef("IncludeSearch", ts.typeRef("C")),
        ts.typeRef("SearchReads", ts.typeRef("C")),
        ts.typeRef("ReadOnlyViewAccessor", ts.typeRef("C")),
      ),
      {
        typeParams: [
          ts.typeParam("C", { constraint: ts.typeRef("TypedReadClass") }),
        ],
      },
    ),
    want: [
      "type ReadOnlyAccessorWithLongName<C extends TypedReadClass> =",
      "  IncludeReadsWithAVeryLongName<C> &",
      "    IncludeSearch<C> &",
      "    SearchReads<C> &",
      "    ReadOnlyViewAccessor<C>;",
    ].join("\n"),
  },
  {
    name: "an intersection alias that fits on the next line",
    given: ts.typeAlias(
      "ReadOnlyAccessorWithLongName",
      ts.intersection(
        ts.typeRef("IncludeReadsWithAVeryLongName", ts.typeRef("C")),
        ts.typeRef("IncludeSearch", ts.typeRef("C")),
      ),
      {
        typeParams: [
          ts.typeParam("C", { constraint: ts.typeRef("TypedReadClass") }),
        ],
      },
    ),
    want: "type ReadOnlyAccessorWithLongName<C extends TypedReadClass> =\n  IncludeReadsWithAVeryLongName<C> & IncludeSearch<C>;",
  },
  {
    name: "constrained type parameters break before the = does",
    given: ts.typeAlias(
      "AccessorWithLongName",
      ts.intersection(
        ts.typeRef("IncludeReadsWithAVeryLongName", ts.typeRef("C")),
        ts.typeRef("IncludeSearch", ts.typeRef("C")),
      ),
      {
        typeParams: [
          ts.typeParam("C", { constraint: ts.typeRef("TypedReadClass") }),
          ts.typeParam("A", { constraint: ts.t.object }),
        ],
      },
    ),
    want: [
      "type AccessorWithLongName<",
      "  C extends TypedReadClass,",
      "  A extends object,",
      "> = IncludeReadsWithAVeryLongName<C> & IncludeSearch<C>;",
    ].join("\n"),
  },
  {
    name: "generic interface",
    given: ts.interfaceDecl(
      "Box",
      [ts.propertySignature("value", ts.typeRef("T"), { readonly: true })],
      { typeParams: [ts.typeParam("T", { default: ts.t.unknown })] },
    ),
    want: "interface Box<T = unknown> {\n  readonly value: T;\n}",
  },
  {
    name: "interface with extends, JSDoc and members",
    given: ts.interfaceDecl(
      "Client",
      [
        ts.propertySignature("dms", ts.typeRef("DmsClient"), {
          readonly: true,
          doc: ["The untyped client."],
        }),
        ts.methodSignature("close", [], ts.typeRef("Promise", ts.t.void), [
          "Releases pooled connections.",
        ]),
      ],
      {
        exported: true,
        extends: [ts.typeRef("GraphMethods"), ts.typeRef("ClientWrites")],
        doc: ["A typed client.", "Second paragraph."],
      },
    ),
    want: [
      "/**",
      " * A typed client.",
      " *",
      " * Second paragraph.",
      " */",
      "export interface Client extends GraphMethods, ClientWrites {",
      "  /** The untyped client. */",
      "  readonly dms: DmsClient;",
      "  /** Releases pooled connections. */",
      "  close(): Promise<void>;",
      "}",
    ].join("\n"),
  },
  {
    name: "empty interface",
    given: ts.interfaceDecl("Person", [], {
      exported: true,
      extends: [ts.typeRef("PersonProperties")],
    }),
    want: "export interface Person extends PersonProperties {}",
  },
  {
    name: "class with statics, declare fields, a constructor and a method",
    given: ts.classDecl(
      "PersonApply",
      [
        [
          ts.field("view", {
            modifiers: ["static", "override", "readonly"],
            type: ts.typeRef("ViewReference"),
            initializer: x("VIEW"),
          }),
          ts.field("implemented", {
            modifiers: ["static", "override", "readonly"],
            type: ts.arrayOf(ts.t.string, true),
            initializer: ts.array([ts.literal("a:B/1")]),
          }),
        ],
        [
          ts.field("movies:Person/1", {
            modifiers: ["declare", "readonly"],
            type: ts.literalType(true),
            doc: ["Only apply objects of this view."],
          }),
          ts.field("#verifier", {
            modifiers: ["readonly"],
            type: ts.typeRef("ViewVerifier"),
          }),
        ],
        [
          ts.constructorDecl(
            [
              ts.param("space", ts.t.string),
              ts.param("properties", ts.typeRef("PersonApplyProperties"), {
                initializer: ts.object([]),
              }),
              ts.param("options", ts.typeRef("NodeApplyOptions"), {
                optional: true,
              }),
            ],
            [
              ts.exprStmt(ts.call(x("super"), [x("space"), x("options")])),
              ts.ifStmt(
                ts.binary(
                  ts.access(x("properties"), "name"),
                  "!==",
                  ts.undefinedExpr,
                ),
                ts.assign(
                  ts.access(ts.thisExpr, "name"),
                  ts.access(x("properties"), "name"),
                ),
              ),
            ],
          ),
          ts.method(
            "close",
            [],
            [ts.returnStmt(ts.call(ts.access(ts.thisExpr, "dms", "close")))],
            { returns: ts.typeRef("Promise", ts.t.void) },
          ),
        ],
      ],
      {
        exported: true,
        extends: ts.typeRef("TypedNodeApply"),
        doc: ["Writes nodes through `movies:Person/1`."],
      },
    ),
    want: [
      "/** Writes nodes through `movies:Person/1`. */",
      "export class PersonApply extends TypedNodeApply {",
      "  static override readonly view: ViewReference = VIEW;",
      '  static override readonly implemented: readonly string[] = ["a:B/1"];',
      "",
      "  /** Only apply objects of this view. */",
      '  declare readonly "movies:Person/1": true;',
      "  readonly #verifier: ViewVerifier;",
      "",
      "  constructor(",
      "    space: string,",
      "    properties: PersonApplyProperties = {},",
      "    options?: NodeApplyOptions,",
      "  ) {",
      "    super(space, options);",
      "    if (properties.name !== undefined) this.name = properties.name;",
      "  }",
      "  close(): Promise<void> {",
      "    return this.dms.close();",
      "  }",
      "}",
    ].join("\n"),
  },
  {
    name: "a long static breaks after its =",
    given: ts.classDecl(
      "X",
      [
        [
          ts.field("properties", {
            modifiers: ["static", "override", "readonly"],
            initializer: x(`${LONG}Properties`),
          }),
        ],
      ],
      { extends: ts.typeRef("TypedNode") },
    ),
    want: `class X extends TypedNode {\n  static override readonly properties =\n    ${LONG}Properties;\n}`,
  },
  {
    name: "function",
    given: ts.functionDecl(
      "createClient",
      [ts.param("options", ts.typeRef("ClientOptions"))],
      [ts.returnStmt(ts.newExpr(x("LazyClient"), [x("options")]))],
      { exported: true, returns: ts.typeRef("Client") },
    ),
    want: "export function createClient(options: ClientOptions): Client {\n  return new LazyClient(options);\n}",
  },
];

describe("declaration nodes", () => {
  it.each(cases)("$name", async ({ given, want }) => {
    const text = ts.printNode(given);
    expect(text).toBe(want);
    expect(await prettierFormat(text + "\n")).toBe(text + "\n");
  });
});

describe("statement lists", () => {
  it("separates statements by a line or a blank line", () => {
    const statements = [ts.lineComment("a"), ts.lineComment("b")];
    expect(ts.printStatements(statements)).toBe("// a\n// b");
    expect(ts.printStatements(statements, true)).toBe("// a\n\n// b");
  });
});

import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import * as ts from "./index.js";

/** The text prettier (default options) makes of `code`: printed code must come back unchanged. */
async function prettierFormat(code: string): Promise<string> {
  return prettier.format(code, { parser: "typescript" });
}

const x = ts.id;
const LONG = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

interface Case {
  readonly name: string;
  readonly given: ts.Expression;
  readonly want: string;
}

const cases: readonly Case[] = [
  { name: "identifier", given: x("person"), want: "person" },
  { name: "string literal", given: ts.literal("it's"), want: '"it\'s"' },
  { name: "bigint literal", given: ts.literal(12n), want: "12n" },
  { name: "null", given: ts.literal(null), want: "null" },
  {
    name: "property access",
    given: ts.access(ts.thisExpr, "dms", "close"),
    want: "this.dms.close",
  },
  {
    name: "property access of a key that is not an identifier",
    given: ts.access(x("properties"), "a-b"),
    want: 'properties["a-b"]',
  },
  {
    name: "private name",
    given: ts.access(ts.thisExpr, "#verifier"),
    want: "this.#verifier",
  },
  {
    name: "a dynamic import of a long path stays on one line, as prettier keeps it",
    given: ts.call(
      ts.access(
        ts.call(x("import"), [ts.literal(`./views/${LONG}${LONG}.js`)]),
        "then",
      ),
      [ts.arrow([ts.param("m")], ts.access(x("m"), LONG))],
    ),
    want: `import("./views/${LONG}${LONG}.js").then(\n  (m) => m.${LONG},\n)`,
  },
  {
    name: "call with type arguments",
    given: ts.call(x("define"), [x("a"), ts.literal(1)], [ts.typeRef("A")]),
    want: "define<A>(a, 1)",
  },
  {
    name: "a long call breaks one argument a line",
    given: ts.call(x("f"), [x(LONG), x(LONG), x("bbbb")]),
    want: `f(\n  ${LONG},\n  ${LONG},\n  bbbb,\n)`,
  },
  {
    name: "a sole object argument hugs the parentheses",
    given: ts.newExpr(x("DmsClient"), [
      ts.object([ts.spread(x("rest")), ts.prop("transport", x("transport"))], {
        expanded: true,
      }),
    ]),
    want: "new DmsClient({\n  ...rest,\n  transport: transport,\n})",
  },
  {
    name: "a last array argument after simple ones hugs the parentheses",
    given: ts.call(x("copySetFields"), [
      ts.thisExpr,
      x("properties"),
      ts.array([ts.literal(LONG), ts.literal(LONG)]),
    ]),
    want: `copySetFields(this, properties, [\n  "${LONG}",\n  "${LONG}",\n])`,
  },
  {
    name: "element access",
    given: ts.element(x("entry"), ts.literal(0)),
    want: "entry[0]",
  },
  {
    name: "call of an arrow over element access",
    given: ts.call(
      ts.access(
        ts.call(ts.access(x("Object"), "values"), [x("accessors")]),
        "map",
      ),
      [ts.arrow([ts.param("entry")], ts.element(x("entry"), ts.literal(0)))],
    ),
    want: "Object.values(accessors).map((entry) => entry[0])",
  },
  {
    name: "new of a call gets parentheses",
    given: ts.newExpr(ts.call(x("classFor"), [x("view")])),
    want: "new (classFor(view))()",
  },
  {
    name: "member of a binary gets parentheses",
    given: ts.access(ts.binary(x("a"), "??", x("b")), "c"),
    want: "(a ?? b).c",
  },
  {
    name: "?? inside || gets parentheses",
    given: ts.binary(ts.binary(x("a"), "??", x("b")), "||", x("c")),
    want: "(a ?? b) || c",
  },
  {
    name: "lower precedence on the right gets parentheses",
    given: ts.binary(x("a"), "*", ts.binary(x("b"), "+", x("c"))),
    want: "a * (b + c)",
  },
  {
    name: "object literal",
    given: ts.object([
      ts.shorthand("dms"),
      ts.prop("type", ts.literal("view")),
      ts.prop("a-b", ts.literal(true)),
    ]),
    want: '{ dms, type: "view", "a-b": true }',
  },
  {
    name: "array literal",
    given: ts.array([x("Person"), ts.literal("node"), ts.literal(true)]),
    want: '[Person, "node", true]',
  },
  {
    name: "as const",
    given: ts.asConst(ts.object([ts.prop("a", ts.literal(1))])),
    want: "{ a: 1 } as const",
  },
  {
    name: "as of a binary gets parentheses",
    given: ts.asType(ts.binary(x("a"), "??", x("b")), ts.t.string),
    want: "(a ?? b) as string",
  },
  {
    name: "arrow returning an object literal",
    given: ts.arrow([], ts.object([ts.shorthand("a")])),
    want: "() => ({ a })",
  },
  {
    name: "arrow with a typed parameter",
    given: ts.arrow(
      [ts.param("entry", ts.typeRef("Entry"))],
      ts.access(x("entry"), "name"),
    ),
    want: "(entry: Entry) => entry.name",
  },
];

describe("expression nodes", () => {
  it.each(cases)("$name", async ({ given, want }) => {
    expect(ts.printNode(given)).toBe(want);
    const statement = ts.printNode(ts.constStmt("x", given)) + "\n";
    expect(await prettierFormat(statement)).toBe(statement);
  });
});

interface StatementCase {
  readonly name: string;
  readonly given: ts.Statement;
  readonly want: string;
}

const statements: readonly StatementCase[] = [
  {
    name: "assignment",
    given: ts.assign(ts.access(ts.thisExpr, "dms"), x("dms")),
    want: "this.dms = dms;",
  },
  {
    name: "a long assignment breaks after its operator",
    given: ts.assign(
      ts.access(ts.thisExpr, LONG),
      ts.access(x("properties"), LONG),
    ),
    want: `this.${LONG} =\n  properties.${LONG};`,
  },
  {
    name: "if with one statement",
    given: ts.ifStmt(
      ts.binary(ts.access(x("properties"), "name"), "!==", ts.undefinedExpr),
      ts.assign(
        ts.access(ts.thisExpr, "name"),
        ts.access(x("properties"), "name"),
      ),
    ),
    want: "if (properties.name !== undefined) this.name = properties.name;",
  },
  {
    name: "a long if breaks before its statement",
    given: ts.ifStmt(
      ts.binary(ts.access(x("properties"), LONG), "!==", ts.undefinedExpr),
      ts.assign(ts.access(ts.thisExpr, LONG), ts.access(x("properties"), LONG)),
    ),
    want: `if (properties.${LONG} !== undefined)\n  this.${LONG} =\n    properties.${LONG};`,
  },
  {
    name: "const with an object pattern and a rest",
    given: ts.constStmt(
      ts.objectPattern(["transport", "verifyViews"], "rest"),
      x("options"),
    ),
    want: "const { transport, verifyViews, ...rest } = options;",
  },
  {
    name: "a long object pattern breaks without a comma after the rest",
    given: ts.constStmt(
      ts.objectPattern([LONG, `${LONG}b`], "rest"),
      x("options"),
    ),
    want: `const {\n  ${LONG},\n  ${LONG}b,\n  ...rest\n} = options;`,
  },
  {
    name: "return",
    given: ts.returnStmt(ts.call(ts.access(ts.thisExpr, "dms", "close"))),
    want: "return this.dms.close();",
  },
  {
    name: "a long string property value breaks after its colon",
    given: ts.constStmt(
      "x",
      ts.object([ts.prop("externalId", ts.literal("n".repeat(70)))], {
        expanded: true,
      }),
    ),
    want: `const x = {\n  externalId:\n    "${"n".repeat(70)}",\n};`,
  },
  {
    name: "a key shorter than 5 columns keeps its value on its line",
    given: ts.constStmt(
      "x",
      ts.object([ts.prop("type", ts.literal("n".repeat(80)))], {
        expanded: true,
      }),
    ),
    want: `const x = {\n  type: "${"n".repeat(80)}",\n};`,
  },
  {
    name: "an arrow property breaks after its arrow",
    given: ts.constStmt(
      "x",
      ts.object([ts.prop("targetClass", ts.arrow([], x("n".repeat(70))))], {
        expanded: true,
      }),
    ),
    want: `const x = {\n  targetClass: () =>\n    ${"n".repeat(70)},\n};`,
  },
  {
    name: "an object property value moves to the next line when its first line does not fit",
    given: ts.constStmt(
      "x",
      ts.object(
        [
          ts.prop(
            "n".repeat(76),
            ts.object([
              ts.prop("a", ts.literal(1)),
              ts.prop("b", ts.literal(2)),
            ]),
          ),
        ],
        { expanded: true },
      ),
    ),
    want: `const x = {\n  ${"n".repeat(76)}:\n    { a: 1, b: 2 },\n};`,
  },
  {
    name: "line comment",
    given: ts.lineComment("why, not what"),
    want: "// why, not what",
  },
];

describe("statement nodes", () => {
  it.each(statements)("$name", async ({ given, want }) => {
    expect(ts.printNode(given)).toBe(want);
    const text = ts.printNode(ts.functionDecl("f", [], [given])) + "\n";
    expect(await prettierFormat(text)).toBe(text);
  });
});

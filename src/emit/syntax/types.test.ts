import { describe, expect, it } from "vitest";
import * as ts from "./index.js";
import { prettierFormat } from "./prettier-check.js";

const LONG_A = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const LONG_B = "Bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

interface Case {
  readonly name: string;
  readonly given: ts.TypeNode;
  readonly want: string;
}

const cases: readonly Case[] = [
  { name: "keyword", given: ts.t.string, want: "string" },
  { name: "reference", given: ts.typeRef("Person"), want: "Person" },
  {
    name: "reference with arguments",
    given: ts.typeRef("Map", ts.t.string, ts.typeRef("Person")),
    want: "Map<string, Person>",
  },
  {
    name: "string literal",
    given: ts.literalType('say "hi"'),
    want: "'say \"hi\"'",
  },
  { name: "number literal", given: ts.literalType(3), want: "3" },
  {
    name: "union",
    given: ts.union(ts.literalType("a"), ts.literalType("b"), ts.t.null),
    want: '"a" | "b" | null',
  },
  {
    name: "nested unions flatten",
    given: ts.union(ts.union(ts.t.string, ts.t.number), ts.t.null),
    want: "string | number | null",
  },
  {
    name: "a union of one member is the member",
    given: ts.union(ts.t.string),
    want: "string",
  },
  {
    name: "array of a union gets parentheses",
    given: ts.arrayOf(ts.union(ts.typeRef("A"), ts.typeRef("B"))),
    want: "(A | B)[]",
  },
  {
    name: "readonly array",
    given: ts.arrayOf(ts.t.string, true),
    want: "readonly string[]",
  },
  {
    name: "array of a readonly array",
    given: ts.arrayOf(ts.arrayOf(ts.typeRef("A"), true)),
    want: "(readonly A[])[]",
  },
  {
    name: "function type inside a union gets parentheses",
    given: ts.union(ts.functionType([], ts.t.void), ts.t.null),
    want: "(() => void) | null",
  },
  {
    name: "union inside an intersection",
    given: ts.intersection(
      ts.typeRef("A"),
      ts.union(ts.typeRef("B"), ts.typeRef("C")),
    ),
    want: "A & (B | C)",
  },
  {
    name: "intersection inside a union gets parentheses (prettier adds them)",
    given: ts.union(ts.intersection(ts.t.string, ts.objectType([])), ts.t.null),
    want: "(string & {}) | null",
  },
  {
    name: "typeof",
    given: ts.typeOf("Person", "properties"),
    want: "typeof Person.properties",
  },
  {
    name: "keyof typeof",
    given: ts.keyOf(ts.typeOf("map")),
    want: "keyof typeof map",
  },
  {
    name: "keyof a union",
    given: ts.keyOf(ts.union(ts.typeRef("A"), ts.typeRef("B"))),
    want: "keyof (A | B)",
  },
  {
    name: "array of keyof",
    given: ts.arrayOf(ts.keyOf(ts.typeRef("X"))),
    want: "(keyof X)[]",
  },
  {
    name: "array of typeof",
    given: ts.arrayOf(ts.typeOf("X")),
    want: "(typeof X)[]",
  },
  {
    name: "indexed access with a string key",
    given: ts.indexed(ts.typeRef("Client"), "apply"),
    want: 'Client["apply"]',
  },
  {
    name: "indexed access of typeof",
    given: ts.indexed(ts.typeOf("X"), "a"),
    want: '(typeof X)["a"]',
  },
  {
    name: "tuple",
    given: ts.tupleType(
      [ts.typeOf("Person"), ts.literalType("node"), ts.literalType(true)],
      true,
    ),
    want: 'readonly [typeof Person, "node", true]',
  },
  {
    name: "object type",
    given: ts.objectType([
      ts.propertySignature("a", ts.t.string, { readonly: true }),
      ts.propertySignature("b-c", ts.t.number, { optional: true }),
    ]),
    want: '{ readonly a: string; "b-c"?: number }',
  },
  {
    name: "object type too long breaks one member a line",
    given: ts.objectType([
      ts.propertySignature("existingVersion", ts.t.number, { optional: true }),
      ts.propertySignature("somethingElseEntirely", ts.typeRef(LONG_A)),
    ]),
    want: `{\n  existingVersion?: number;\n  somethingElseEntirely: ${LONG_A};\n}`,
  },
  {
    name: "function type",
    given: ts.functionType(
      [ts.param("a", ts.t.string)],
      ts.typeRef("Promise", ts.t.void),
    ),
    want: "(a: string) => Promise<void>",
  },
  {
    name: "long type arguments break one a line without a trailing comma",
    given: ts.typeRef("Connected", ts.typeRef(LONG_A), ts.typeRef(LONG_B)),
    want: `Connected<\n  ${LONG_A},\n  ${LONG_B}\n>`,
  },
];

describe("type nodes", () => {
  it.each(cases)("$name", async ({ given, want }) => {
    expect(ts.printNode(given)).toBe(want);
    // Standing as a type alias's type, the text is what prettier prints.
    const alias = ts.printNode(ts.typeAlias("T", given)) + "\n";
    expect(await prettierFormat(alias)).toBe(alias);
  });
});

interface AnnotationCase {
  readonly name: string;
  readonly given: ts.TypeNode;
  readonly want: string;
}

// A property's type in an interface: the layouts prettier picks by the type's kind.
const annotations: readonly AnnotationCase[] = [
  {
    name: "a union that fits stays on the line",
    given: ts.union(ts.t.string, ts.t.null),
    want: "  name: string | null;",
  },
  {
    name: "a union too long moves to the next line",
    given: ts.union(
      ts.literalType("aaaaaaaaaaaaaaaaaaaaaaa"),
      ts.literalType("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
      ts.t.null,
    ),
    want: '  name:\n    "aaaaaaaaaaaaaaaaaaaaaaa" | "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" | null;',
  },
  {
    name: "a union too long for the next line breaks one member a line",
    given: ts.union(
      ts.typeRef(LONG_A),
      ts.typeRef(LONG_B),
      ts.typeRef(LONG_A + "C"),
    ),
    want: `  name:\n    | ${LONG_A}\n    | ${LONG_B}\n    | ${LONG_A}C;`,
  },
  {
    name: "a nullable reference is hugged",
    given: ts.union(
      ts.typeRef("Connected", ts.typeRef(LONG_A), ts.typeRef(LONG_B)),
      ts.t.null,
    ),
    want: `  name: Connected<\n    ${LONG_A},\n    ${LONG_B}\n  > | null;`,
  },
  {
    name: "a nullable keyword is not hugged",
    given: ts.union(ts.typeRef(LONG_A + LONG_B), ts.t.string, ts.t.null),
    want: `  name:\n    | ${LONG_A}${LONG_B}\n    | string\n    | null;`,
  },
  {
    name: "an array of a union breaks inside its parentheses",
    given: ts.arrayOf(
      ts.union(
        ts.typeRef(LONG_A),
        ts.typeRef("Bbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        ts.t.null,
      ),
    ),
    want: `  name: (\n    ${LONG_A} | Bbbbbbbbbbbbbbbbbbbbbbbbbbbb | null\n  )[];`,
  },
  {
    name: "a lone typeof argument breaks",
    given: ts.typeRef(
      "ViewAccessorOfSomething",
      ts.typeOf(LONG_A + "Xxxxxxxx"),
    ),
    want: `  name: ViewAccessorOfSomething<\n    typeof ${LONG_A}Xxxxxxxx\n  >;`,
  },
  {
    name: "a lone plain argument never breaks",
    given: ts.typeRef("ViewAccessorOfSomething", ts.typeRef(LONG_A + LONG_B)),
    want: `  name: ViewAccessorOfSomething<${LONG_A}${LONG_B}>;`,
  },
];

describe("a property's type", () => {
  it.each(annotations)("$name", async ({ given, want }) => {
    const text =
      ts.printNode(
        ts.interfaceDecl("I", [ts.propertySignature("name", given)]),
      ) + "\n";
    expect(text).toBe(`interface I {\n${want}\n}\n`);
    expect(await prettierFormat(text)).toBe(text);
  });
});

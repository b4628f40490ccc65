import { describe, expect, it } from "vitest";
import * as prettier from "prettier";
import {
  argumentList,
  bracedList,
  breakAfterOperator,
  expandedObject,
  fluidAssignment,
  group,
  hardline,
  indent,
  jsDoc,
  line,
  print,
  stringLiteral,
  textWidth,
  type Doc,
} from "./doc.js";

describe("doc printer", () => {
  it("keeps a group flat when it fits and breaks it like prettier when it does not", async () => {
    const call = (args: string[]) =>
      print(["const x = f", argumentList(args), ";\n"]);
    const short = call(["a", "b"]);
    const long = call([
      "aaaaaaaaaaaaaaaaaaaa",
      "bbbbbbbbbbbbbbbbbbbbbbbbb",
      "cccccccccccccccccccccccccccc",
    ]);
    expect(short).toBe("const x = f(a, b);\n");
    expect(long).toBe(
      "const x = f(\n  aaaaaaaaaaaaaaaaaaaa,\n  bbbbbbbbbbbbbbbbbbbbbbbbb,\n  cccccccccccccccccccccccccccc,\n);\n",
    );
    for (const text of [short, long])
      expect(await prettier.format(text, { parser: "typescript" })).toBe(text);
  });

  it("counts what follows a group on the same line", () => {
    const doc = group(
      "type A = ",
      bracedList("{", ["a: string", "b: number"], "}"),
      ";",
    );
    expect(print(doc)).toBe(
      "type A = { a: string; b: number };".replace("; b", ", b"),
    );
    const nested = print(["x", indent(line, "y")]);
    expect(nested).toBe("x\n  y");
  });

  it("quotes strings like prettier", () => {
    expect(stringLiteral('say "hi"')).toBe("'say \"hi\"'");
    expect(stringLiteral("it's")).toBe('"it\'s"');
    expect(stringLiteral("a\\b\n\u0001")).toBe('"a\\\\b\\n\\u0001"');
  });

  it("writes JSDoc that no description can close early", () => {
    expect(print(jsDoc(["ends */ here"]))).toBe("/** ends *\\/ here */\n");
    expect(print(jsDoc(["line one\nline two", "", "@tag at start"]))).toBe(
      "/**\n * line one\n * line two\n *\n * \\@tag at start\n */\n",
    );
  });

  // Each layout at a length that fits and at lengths that do not: the printed text is what
  // prettier prints for it (given), and the breaks are where prettier puts them (want).
  const name = (length: number) => "n".repeat(length);
  const assignments: { given: Doc; want: string }[] = [
    {
      given: [
        "class A {",
        indent(
          hardline,
          breakAfterOperator("static readonly properties", " =", name(60)),
          ";",
        ),
        hardline,
        "}",
      ],
      want: `class A {\n  static readonly properties =\n    ${name(60)};\n}`,
    },
    {
      given: [
        fluidAssignment(`export const ${name(70)}`, " =", [
          expandedObject(["a: 1"]),
          " as const",
        ]),
        ";",
      ],
      want: `export const ${name(70)} =\n  {\n    a: 1,\n  } as const;`,
    },
    {
      given: [
        fluidAssignment(`export const ${name(40)}`, " =", [
          expandedObject(["a: 1"]),
          " as const",
        ]),
        ";",
      ],
      want: `export const ${name(40)} = {\n  a: 1,\n} as const;`,
    },
  ];

  it.each(assignments)(
    "lays out assignments and properties as prettier does: %#",
    async ({ given, want }) => {
      const text = print(given);
      expect(text).toBe(want);
      expect(await prettier.format(text, { parser: "typescript" })).toBe(
        `${text}\n`,
      );
    },
  );

  it("counts columns as prettier does", () => {
    const texts = [
      "plain ascii",
      "泵站设备监控",
      "펌프장 관리",
      "ひらがなカタカナ",
      "ＦＵＬＬ　ｗｉｄｔｈ",
      "🛠️⚙️🚀",
      "👩‍🔧 and 🇳🇴",
      "©️ ™ ↔",
      "é (e + U+0301)",
      "हिन्दी",
      "ภาษาไทย",
      "mixed 泵 e\u0301 🚀 end",
    ];
    for (const text of texts)
      expect(textWidth(text), text).toBe(prettier.util.getStringWidth(text));
  });

  it("counts every code point as prettier does", () => {
    const differing: string[] = [];
    for (let code = 0x20; code <= 0x3ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue; // surrogates
      const text = `a${String.fromCodePoint(code)}`;
      if (textWidth(text) !== prettier.util.getStringWidth(text))
        differing.push(code.toString(16));
    }
    expect(differing).toEqual([]);
  });
});

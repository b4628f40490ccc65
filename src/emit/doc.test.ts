import { describe, expect, it } from "vitest";
import * as prettier from "prettier";
import {
  argumentList,
  bracedList,
  group,
  indent,
  jsDoc,
  line,
  print,
  stringLiteral,
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
});

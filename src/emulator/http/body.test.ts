import { describe, expect, it } from "vitest";
import { checkJsonDepth } from "./body.js";

/** The depth of JSON text as a character-by-character reader sees it (brackets in strings do not count). */
function textDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") deepest = Math.max(deepest, ++depth);
    else if (c === "}" || c === "]") depth--;
  }
  return deepest;
}

function refused(text: string, max: number): boolean {
  try {
    checkJsonDepth(JSON.parse(text), max);
    return false;
  } catch (error) {
    expect(String(error)).toContain(`nested deeper than ${max} levels`);
    return true;
  }
}

describe("checkJsonDepth", () => {
  it.each([
    ["[[[]]]", 3],
    ['{"a":[{"b":"[[[[[["}]}', 3],
    ['["\\"[[[[", [[1]]]', 3],
    ['{"k\\u0022[[":{"v":[[["]]]]"]]]}}', 5],
    ['{"__proto__":{"a":[[1]]}}', 4],
    ['"[[[[["', 0],
    ["12", 0],
    ["[]", 1],
    ["{}", 1],
  ])("%s is %i deep", (text, depth) => {
    expect(textDepth(text)).toBe(depth);
    expect(refused(text, depth)).toBe(false);
    if (depth > 0) expect(refused(text, depth - 1)).toBe(true);
  });

  it("refuses 100,000 levels after parsing them, without a stack overflow", () => {
    const text = "[".repeat(100_000) + "]".repeat(100_000);
    expect(refused(text, 200)).toBe(true);
  });

  it("agrees with a reader of the text on generated values", () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const generate = (budget: number): unknown => {
      const pick = next() % 6;
      if (budget <= 0 || pick === 0) return next() % 2 ? "[{" : 1;
      const children = Array.from({ length: next() % 3 }, () =>
        generate(budget - 1 - (next() % 3)),
      );
      return pick % 2
        ? children
        : Object.fromEntries(children.map((child, i) => [`k${i}`, child]));
    };
    for (let round = 0; round < 2000; round++) {
      const text = JSON.stringify(generate(8));
      const depth = textDepth(text);
      expect(refused(text, depth), text).toBe(false);
      if (depth > 0) expect(refused(text, depth - 1), text).toBe(true);
    }
  });
});

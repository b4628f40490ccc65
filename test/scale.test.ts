// Scale, in a small version that fits npm test (the full measurement is npm run bench:scale):
// building a model grows linearly with its views, and a client creates its accessors lazily.

import ts from "typescript";
import { describe, expect, it } from "vitest";
import { syntheticModel } from "../bench/synthetic-model.js";
import { buildFiles, readRuntimeSources } from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import { DEFAULT_CODE_OPTIONS } from "../src/config/index.js";
import { createClient } from "../generated-examples/movies/index.js";
import { FULL } from "./support/generated.js";

describe("scale", () => {
  // How the build's CPU time grows is measured by npm run bench:scale (no clock in a test: a busy
  // machine distorts it). What a test can hold deterministically: the output grows linearly.
  it("builds 4x the views into about 4x the model code (linear, not quadratic)", async () => {
    const runtime = await readRuntimeSources();
    const modelCode = (views: number): number => {
      const input = mergeDocuments([
        parseInputDocument(syntheticModel({ views }), "synthetic.json"),
      ]);
      const files = buildFiles(input, runtime);
      expect(files.size).toBeGreaterThan(views);
      let characters = 0;
      for (const [path, text] of files)
        if (!path.startsWith("runtime/")) characters += text.length;
      return characters;
    };
    // npm test: 30 against 120 views (a file listing every view per view is 16x already there);
    // FULL=1: 100 against 400 (the bench goes to 1000).
    const [smallViews, largeViews] = FULL ? [100, 400] : [30, 120];
    const ratio = modelCode(largeViews) / modelCode(smallViews);
    // Linear is 4x (plus longer numbered names); a file that lists every view per view is 16x.
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(4.5);
  }, 120_000);

  it("never lists the read classes in one array literal (tsc reduces it pairwise: quadratic)", async () => {
    const runtime = await readRuntimeSources();
    const input = mergeDocuments([
      // Enough views that one array of them would be longer than 5.
      parseInputDocument(syntheticModel({ views: 12 }), "synthetic.json"),
    ]);
    for (const int64 of ["number", "bigint"] as const) {
      const files = buildFiles(input, runtime, {
        ...DEFAULT_CODE_OPTIONS,
        int64,
      });
      const source = ts.createSourceFile(
        "client.ts",
        files.get("client.ts") ?? "",
        ts.ScriptTarget.ES2022,
      );
      let longest = 0;
      const visit = (node: ts.Node): void => {
        if (ts.isArrayLiteralExpression(node))
          longest = Math.max(longest, node.elements.length);
        ts.forEachChild(node, visit);
      };
      visit(source);
      expect(source.text).toContain("new ViewRegistry(");
      expect(longest).toBeLessThan(5);
    }
  });

  it("creates a view's accessor on first use and keeps it", async () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:9",
      project: "p",
      credentials: { token: "t" },
    });
    try {
      expect(Object.keys(client)).toEqual([
        "dms",
        "graph",
        "query",
        "sync",
        "apply",
        "delete",
        "spaces",
      ]);
      const first = client.actor;
      expect(client.actor).toBe(first);
      expect(client.movie).not.toBe(first);
    } finally {
      await client.close();
    }
  });
});

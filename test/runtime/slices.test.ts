// The runtime's slices (templates/runtime/<slice>/) import only downward: a slice may use the
// slices below it and itself, never one above, so that an output can leave the upper ones out.
// Feature slices are side by side: one may use another only where FEATURE_NEEDS says so.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/generated.js";

const RUNTIME = join(REPO_ROOT, "templates", "runtime");

/** Bottom to top. */
const SLICES = ["core", "model", "write", "read", "features", "client"];

/**
 * The feature modules another feature module builds on: include and graphs share the chained-set
 * pager and the target lookup; a graph's builder loads what runs it.
 */
const FEATURE_NEEDS: Record<string, readonly string[]> = {
  "features/include.ts": ["features/query-graph.ts", "features/targets.ts"],
  "features/graph.ts": [
    "features/query-graph.ts",
    "features/targets.ts",
    "features/graph-run.ts",
  ],
  "features/view-drift.ts": ["features/view-drift-error.ts"],
  "features/view-drift-error.ts": ["features/view-drift.ts"],
  "features/graph-run.ts": [
    "features/query-graph.ts",
    "features/targets.ts",
    "features/graph.ts",
  ],
};

/** Every runtime source (tests left out) as `slice/file.ts`. */
function runtimeFiles(): string[] {
  return readdirSync(RUNTIME, { recursive: true, encoding: "utf8" })
    .map((path) => path.split("\\").join("/"))
    .filter((path) => path.endsWith(".ts") && !path.endsWith(".test.ts"))
    .sort();
}

/** The relative modules a file imports, statically or with `import()`, types included. */
export function importedModules(text: string): string[] {
  const found: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)|(?:^|\n)\s*import\s+"(\.[^"]+)"/g;
  for (const match of text.matchAll(pattern))
    found.push((match[1] ?? match[2] ?? match[3])!);
  return found;
}

/** `from` (a `slice/file.ts`) importing `module` (relative, `.js`) → the imported `slice/file.ts`. */
function resolve(from: string, module: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of module.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/").replace(/\.js$/, ".ts");
}

/** Why `from` may not import `target`, or undefined when it may. */
export function forbiddenImport(
  from: string,
  target: string,
): string | undefined {
  const [fromSlice] = from.split("/");
  const [targetSlice] = target.split("/");
  const fromLevel = SLICES.indexOf(fromSlice!);
  const targetLevel = SLICES.indexOf(targetSlice!);
  if (targetLevel < 0) return `${target} is in no slice`;
  if (targetLevel > fromLevel) return `${from} imports upward: ${target}`;
  if (
    fromSlice === "features" &&
    targetSlice === "features" &&
    !(FEATURE_NEEDS[from] ?? []).includes(target)
  )
    return `${from} imports a sibling feature: ${target}`;
  return undefined;
}

describe("runtime slices", () => {
  it("every runtime file sits in a slice folder", () => {
    const loose = runtimeFiles().filter(
      (path) =>
        !SLICES.includes(path.split("/")[0]!) || path.split("/").length !== 2,
    );
    expect(loose).toEqual([]);
  });

  it("each slice imports only downward (features only what they declare)", () => {
    const violations: string[] = [];
    let imports = 0;
    for (const file of runtimeFiles()) {
      const text = readFileSync(join(RUNTIME, file), "utf8");
      for (const module of importedModules(text)) {
        imports++;
        const why = forbiddenImport(file, resolve(file, module));
        if (why) violations.push(why);
      }
    }
    expect(violations).toEqual([]);
    // The scan found the imports (a broken pattern would pass the check above vacuously).
    expect(imports).toBeGreaterThan(80);
  });

  it("the check rejects upward and sideways imports", () => {
    expect(forbiddenImport("core/json.ts", "model/values.ts")).toMatch(
      /upward/,
    );
    expect(forbiddenImport("write/apply.ts", "read/query.ts")).toMatch(
      /upward/,
    );
    expect(forbiddenImport("features/include.ts", "features/graph.ts")).toMatch(
      /sibling/,
    );
    expect(forbiddenImport("features/graph.ts", "features/targets.ts")).toBe(
      undefined,
    );
    expect(forbiddenImport("read/sync.ts", "write/apply.ts")).toBe(undefined);
    expect(
      importedModules(
        'import type { A } from "../model/values.js";\nexport {\n  b,\n} from "./wire.js";\nconst m = await import("../features/graph.js");',
      ),
    ).toEqual(["../model/values.js", "./wire.js", "../features/graph.js"]);
  });
});

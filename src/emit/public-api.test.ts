// The runtime's public API (public-api.ts) is data; the compiler's view of the runtime modules
// keeps it true: every listed name is exported by its module, values as values, and the type
// module's list is exactly its exports.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PUBLIC_RUNTIME_EXPORTS,
  PUBLIC_TYPE_MODULE,
  PUBLIC_TYPE_MODULE_EXPORTS,
} from "./public-api.js";
import { indexExportsBesidesViews } from "./index-module.js";
import { CLIENT_DECLARATIONS } from "./client-module.js";

const RUNTIME_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../templates/runtime",
);

/** Module file → exported name → whether it is a value (class, function, const). */
type ExportsByModule = Map<string, Map<string, boolean>>;

function compilerExports(files: readonly string[]): ExportsByModule {
  const paths = files.map((file) => join(RUNTIME_DIR, file));
  const program = ts.createProgram(paths, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const result: ExportsByModule = new Map();
  files.forEach((file, i) => {
    const source = program.getSourceFile(paths[i]!);
    if (!source) throw new Error(`the runtime has no ${file}`);
    const module = checker.getSymbolAtLocation(source)!;
    result.set(
      file,
      new Map(
        checker.getExportsOfModule(module).map((symbol) => {
          const target =
            symbol.flags & ts.SymbolFlags.Alias
              ? checker.getAliasedSymbol(symbol)
              : symbol;
          return [symbol.name, (target.flags & ts.SymbolFlags.Value) !== 0];
        }),
      ),
    );
  });
  return result;
}

describe("the runtime's public API", () => {
  let exports: ExportsByModule;
  beforeAll(() => {
    exports = compilerExports([
      ...Object.keys(PUBLIC_RUNTIME_EXPORTS),
      PUBLIC_TYPE_MODULE,
    ]);
  });

  it("names only what each module exports, values as values", () => {
    const problems: string[] = [];
    for (const [file, listed] of Object.entries(PUBLIC_RUNTIME_EXPORTS)) {
      const actual = exports.get(file)!;
      for (const name of listed.values)
        if (actual.get(name) !== true) problems.push(`${file}: value ${name}`);
      for (const name of listed.types)
        if (!actual.has(name)) problems.push(`${file}: type ${name}`);
    }
    expect(problems).toEqual([]);
  });

  it("lists every export of the type module", () => {
    expect([...PUBLIC_TYPE_MODULE_EXPORTS].sort()).toEqual(
      [...exports.get(PUBLIC_TYPE_MODULE)!.keys()].sort(),
    );
  });

  it("reserves the client's declarations and the public names of the runtime files given", () => {
    const names = indexExportsBesidesViews(
      ["core/wire.ts", "read/sync.ts"],
      true,
    );
    expect(names).toEqual(
      new Set([
        ...CLIENT_DECLARATIONS,
        ...PUBLIC_TYPE_MODULE_EXPORTS,
        ...PUBLIC_RUNTIME_EXPORTS["read/sync.ts"]!.values,
        ...PUBLIC_RUNTIME_EXPORTS["read/sync.ts"]!.types,
      ]),
    );
    expect(indexExportsBesidesViews([], false).size).toBe(0);
  });
});

// `index.ts`: re-exports every view's classes, the client and the runtime's public types.

import type { ViewIR } from "../ir/types.js";
import { compareCodePoints } from "../input/index.js";
import { bracedList, group, hardline, join, type Doc } from "./doc.js";
import { namesOf, type EmitContext } from "./context.js";
import { rootModule } from "./property-types.js";
import { PUBLIC_RUNTIME_EXPORTS, PUBLIC_TYPE_MODULE } from "./public-api.js";
import { CLIENT_DECLARATIONS } from "./client-module.js";
import { exportedNames } from "../naming/scope.js";

/**
 * Every name the index exports besides the views' names: the client's declarations, the runtime's
 * public API (public-api.ts) and every export of the type module, read from the runtime's source.
 * The name plan keeps view names off these.
 */
export function indexExportsBesidesViews(
  runtime: ReadonlyMap<string, string>,
  withClient: boolean,
): Set<string> {
  const names = new Set<string>(withClient ? CLIENT_DECLARATIONS : []);
  for (const file of runtime.keys()) {
    const exports = PUBLIC_RUNTIME_EXPORTS[file];
    if (exports)
      for (const name of [...exports.values, ...exports.types]) names.add(name);
  }
  const types = runtime.get(PUBLIC_TYPE_MODULE);
  if (types !== undefined)
    for (const name of exportedNames(types)) names.add(name);
  return names;
}

export function emitIndexModule(
  context: EmitContext,
  withClient: boolean,
  runtimeFiles: readonly string[],
): Doc {
  const statements: Doc[] = [];
  if (withClient) statements.push(`export * from "./client.js";`);
  for (const view of context.model.views)
    statements.push(viewExports(context, view));
  statements.push(...runtimeExports(runtimeFiles));
  return join(hardline, statements);
}

/** The runtime's public API (see public-api.ts), from the runtime files the output has. */
function runtimeExports(runtimeFiles: readonly string[]): Doc[] {
  const present = [...runtimeFiles].sort(compareCodePoints);
  const statements: Doc[] = [];
  for (const file of present) {
    const exports = PUBLIC_RUNTIME_EXPORTS[file];
    if (!exports) continue;
    // Types only: `export type { ... }`, which leaves no import behind (an `export { type A }`
    // compiles to `export {} from`, which loads the module: a lazily loaded feature's, eagerly).
    const typesOnly = exports.values.length === 0;
    statements.push(
      exportList(
        [
          ...exports.values.map((name) => ({ name, text: name })),
          ...exports.types.map((name) => ({
            name,
            text: typesOnly ? name : `type ${name}`,
          })),
        ],
        runtimeModule(file),
        typesOnly,
      ),
    );
  }
  if (present.includes(PUBLIC_TYPE_MODULE))
    statements.push(
      `export type * from "${runtimeModule(PUBLIC_TYPE_MODULE)}";`,
    );
  return statements;
}

function runtimeModule(file: string): string {
  return `./runtime/${file.replace(/\.ts$/, ".js")}`;
}

/** `export { a, type B } from "module";`, specifiers in code-point order of their names. */
function exportList(
  specifiers: readonly { name: string; text: string }[],
  module: string,
  typesOnly = false,
): Doc {
  const sorted = [...specifiers]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((s) => s.text);
  return group(
    typesOnly ? "export type " : "export ",
    bracedList("{", sorted, "}"),
    ` from "${module}";`,
  );
}

function viewExports(context: EmitContext, view: ViewIR): Doc {
  const names = namesOf(context, view);
  const values = [names.readClass, names.propertyMap, names.connectionMap];
  const types = [names.readProperties, names.propertyNameType, names.where];
  if (view.writable) {
    values.push(names.applyClass);
    types.push(names.applyProperties);
  }
  const specifiers = [
    ...values.map((name) => ({ name, text: name })),
    ...types.map((name) => ({ name, text: `type ${name}` })),
  ]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((s) => s.text);
  return group(
    "export ",
    bracedList("{", specifiers, "}"),
    ` from "${rootModule(names.module)}";`,
  );
}

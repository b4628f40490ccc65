// `index.ts`: re-exports every view's classes, the client and the runtime's public types.

import type { ViewIR } from "../ir/types.js";
import { compareCodePoints } from "../input/index.js";
import { bracedList, group, hardline, join, type Doc } from "./doc.js";
import { namesOf, type EmitContext } from "./context.js";
import { rootModule } from "./property-types.js";

/** Runtime modules whose exports the index passes on (when the runtime has them). */
const RUNTIME_EXPORTS = [
  "aggregate.ts",
  "errors.ts",
  "typed.ts",
  "values.ts",
  "where.ts",
];

export function emitIndexModule(
  context: EmitContext,
  withClient: boolean,
  runtimeFiles: readonly string[],
): Doc {
  const statements: Doc[] = [];
  if (withClient) statements.push(`export * from "./client.js";`);
  for (const view of context.model.views)
    statements.push(viewExports(context, view));
  for (const file of RUNTIME_EXPORTS.filter((name) =>
    runtimeFiles.includes(name),
  )) {
    statements.push(
      `export * from "./runtime/${file.replace(/\.ts$/, ".js")}";`,
    );
  }
  statements.push(`export type * from "./runtime/wire.js";`);
  return join(hardline, statements);
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

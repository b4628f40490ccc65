// `index.ts`: re-exports every view's classes, the client and the runtime's public types.

import type { ViewIR } from "../ir/types.js";
import { compareCodePoints } from "../input/index.js";
import { bracedList, group, hardline, join, type Doc } from "./doc.js";
import { namesOf, type EmitContext } from "./context.js";
import { rootModule } from "./property-types.js";
import { CLIENT_DECLARATIONS } from "./client-module.js";
import { exportedNames } from "../naming/scope.js";

/** Runtime modules whose exports the index passes on (when the runtime has them). */
const RUNTIME_EXPORTS: readonly { file: string; typeOnly: boolean }[] = [
  { file: "errors.ts", typeOnly: false },
  { file: "typed.ts", typeOnly: false },
  { file: "values.ts", typeOnly: false },
  { file: "wire.ts", typeOnly: true },
];

/** The runtime modules the index re-exports, of those the runtime has. */
function runtimeReExports(runtimeFiles: readonly string[]) {
  return RUNTIME_EXPORTS.filter(({ file }) => runtimeFiles.includes(file));
}

/**
 * Every name the index exports besides the views' names: the client's declarations and the
 * exports of the runtime modules it passes on, read from the runtime's source. The name plan keeps
 * view names off these.
 */
export function indexExportsBesidesViews(
  runtime: ReadonlyMap<string, string>,
  withClient: boolean,
): Set<string> {
  const names = new Set<string>(withClient ? CLIENT_DECLARATIONS : []);
  for (const { file } of runtimeReExports([...runtime.keys()])) {
    for (const name of exportedNames(runtime.get(file)!)) names.add(name);
  }
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
  for (const { file, typeOnly } of runtimeReExports(runtimeFiles)) {
    statements.push(
      `export ${typeOnly ? "type " : ""}* from "./runtime/${file.replace(/\.ts$/, ".js")}";`,
    );
  }
  return join(hardline, statements);
}

function viewExports(context: EmitContext, view: ViewIR): Doc {
  const names = namesOf(context, view);
  const values = [names.readClass, names.propertyMap, names.connectionMap];
  const types = [names.readProperties, names.propertyNameType];
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

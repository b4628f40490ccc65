// `index.ts`: re-exports every view's classes, the client and the runtime's public types.

import type { ViewIR } from "../ir/types.js";
import { compareCodePoints } from "../input/index.js";
import type { Doc } from "./doc.js";
import * as ts from "./syntax/index.js";
import { namesOf, type EmitContext } from "./context.js";
import { rootModule } from "./property-types.js";
import {
  PUBLIC_RUNTIME_EXPORTS,
  PUBLIC_TYPE_MODULE,
  PUBLIC_TYPE_MODULE_EXPORTS,
} from "./public-api.js";
import { CLIENT_DECLARATIONS } from "./client-module.js";

/**
 * Every name the index exports besides the views' names: the client's declarations and the
 * runtime's public API (public-api.ts, data). The name plan keeps view names off these.
 */
export function indexExportsBesidesViews(
  runtimeFiles: Iterable<string>,
  withClient: boolean,
): Set<string> {
  const names = new Set<string>(withClient ? CLIENT_DECLARATIONS : []);
  for (const file of runtimeFiles) {
    const exports = PUBLIC_RUNTIME_EXPORTS[file];
    if (exports)
      for (const name of [...exports.values, ...exports.types]) names.add(name);
    if (file === PUBLIC_TYPE_MODULE)
      for (const name of PUBLIC_TYPE_MODULE_EXPORTS) names.add(name);
  }
  return names;
}

export function emitIndexModule(
  context: EmitContext,
  withClient: boolean,
  runtimeFiles: readonly string[],
): Doc {
  return ts.statementsDoc(indexStatements(context, withClient, runtimeFiles));
}

/** The index's statements: the client, each view's names, the runtime's public API. */
export function indexStatements(
  context: EmitContext,
  withClient: boolean,
  runtimeFiles: readonly string[],
): ts.ExportFrom[] {
  const statements: ts.ExportFrom[] = [];
  if (withClient) statements.push(ts.exportFrom("./client.js", "star"));
  for (const view of context.model.views)
    statements.push(viewExports(context, view));
  statements.push(...runtimeExports(runtimeFiles));
  return statements;
}

/** The runtime's public API (see public-api.ts), from the runtime files the output has. */
function runtimeExports(runtimeFiles: readonly string[]): ts.ExportFrom[] {
  const present = [...runtimeFiles].sort(compareCodePoints);
  const statements: ts.ExportFrom[] = [];
  for (const file of present) {
    const exports = PUBLIC_RUNTIME_EXPORTS[file];
    if (!exports) continue;
    statements.push(
      exportList(runtimeModule(file), exports.values, exports.types),
    );
  }
  if (present.includes(PUBLIC_TYPE_MODULE))
    statements.push(
      ts.exportFrom(runtimeModule(PUBLIC_TYPE_MODULE), "typeStar"),
    );
  return statements;
}

function runtimeModule(file: string): string {
  return `./runtime/${file.replace(/\.ts$/, ".js")}`;
}

/** `export { a, type B } from "module";`, specifiers in code-point order of their names. */
function exportList(
  module: string,
  values: readonly string[],
  types: readonly string[],
): ts.ExportFrom {
  const specifiers = [
    ...values.map((name) => ({ name, typeOnly: false })),
    ...types.map((name) => ({ name, typeOnly: true })),
  ].sort((a, b) => compareCodePoints(a.name, b.name));
  return ts.exportFrom(module, specifiers);
}

function viewExports(context: EmitContext, view: ViewIR): ts.ExportFrom {
  const names = namesOf(context, view);
  const values = [names.readClass, names.propertyMap, names.connectionMap];
  const types = [names.readProperties, names.propertyNameType, names.where];
  if (view.writable) {
    values.push(names.applyClass);
    types.push(names.applyProperties);
  }
  return exportList(rootModule(names.module), values, types);
}

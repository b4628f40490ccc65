// What every emitter gets: the IR, the name plan and the code options. Plus the import list a
// module builds up while its code is emitted.

import type { CodeOptions } from "../config/index.js";
import type { ModelIR, ViewIR } from "../ir/types.js";
import type { NamePlan, ViewNames } from "../naming/plan.js";
import { compareCodePoints } from "../input/index.js";
import { FileScope } from "../naming/scope.js";

export interface EmitContext {
  readonly model: ModelIR;
  readonly names: NamePlan;
  readonly options: CodeOptions;
}

export function namesOf(context: EmitContext, view: ViewIR): ViewNames {
  const names = context.names.views.get(view.key);
  if (!names) throw new Error(`no names planned for ${view.key}`);
  return names;
}

/**
 * The imports of one module, planned in its name scope: every name the module declares is
 * reserved up front, and an imported name that is taken (declared here, or imported from another
 * module) is bound under an alias, so one name can never come from two modules.
 */
export class Imports {
  /** Module → exported name → whether only its type is used. */
  private readonly modules = new Map<string, Map<string, boolean>>();
  private readonly scope: FileScope;

  /** `declared`: the names the module declares itself. */
  constructor(declared: Iterable<string> = []) {
    this.scope = new FileScope(declared);
  }

  /** Records `name` from `module` (a value import wins over a type-only one); its local name. */
  add(module: string, name: string, typeOnly: boolean): string {
    let names = this.modules.get(module);
    if (!names) this.modules.set(module, (names = new Map()));
    names.set(name, (names.get(name) ?? true) && typeOnly);
    return this.scope.bind(module, name, (n) => aliasFor(module, n));
  }

  type(module: string, name: string): string {
    return this.add(module, name, true);
  }

  value(module: string, name: string): string {
    return this.add(module, name, false);
  }

  /** Runtime modules first, then sibling modules; names sorted by code point. */
  entries(): {
    module: string;
    names: { name: string; local: string; typeOnly: boolean }[];
  }[] {
    const rank = (m: string): string =>
      m.startsWith("../") ? `0${m}` : `1${m}`;
    return [...this.modules.keys()]
      .sort((a, b) => compareCodePoints(rank(a), rank(b)))
      .map((module) => ({
        module,
        names: [...this.modules.get(module)!.entries()]
          .sort(([a], [b]) => compareCodePoints(a, b))
          .map(([name, typeOnly]) => ({
            name,
            local: this.scope.bind(module, name, (n) => aliasFor(module, n)),
            typeOnly,
          })),
      }));
  }
}

/** `RuntimeTypedNode` for a runtime name, `ClientView` for a view's: says where it comes from. */
function aliasFor(module: string, name: string): string {
  return /(^|\/)runtime\//.test(module)
    ? `Runtime${name.charAt(0).toUpperCase()}${name.slice(1)}`
    : `${name}View`;
}

// What every emitter gets: the IR, the name plan and the code options. Plus the import list a
// module builds up while its code is emitted.

import type { CodeOptions } from "../config/index.js";
import type { ModelIR, ViewIR } from "../ir/types.js";
import type { NamePlan, ViewNames } from "../naming/plan.js";
import { compareCodePoints } from "../input/index.js";

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

/** Module path → imported names (type-only or value). */
export class Imports {
  private readonly modules = new Map<string, Map<string, boolean>>();

  /** Records `name` from `module`; a value import wins over a type-only one. */
  add(module: string, name: string, typeOnly: boolean): void {
    let names = this.modules.get(module);
    if (!names) this.modules.set(module, (names = new Map()));
    names.set(name, (names.get(name) ?? true) && typeOnly);
  }

  type(module: string, name: string): string {
    this.add(module, name, true);
    return name;
  }

  value(module: string, name: string): string {
    this.add(module, name, false);
    return name;
  }

  /** Runtime modules first, then sibling modules; names sorted by code point. */
  entries(): {
    module: string;
    names: { name: string; typeOnly: boolean }[];
  }[] {
    const rank = (m: string): string =>
      m.startsWith("../") ? `0${m}` : `1${m}`;
    return [...this.modules.keys()]
      .sort((a, b) => compareCodePoints(rank(a), rank(b)))
      .map((module) => ({
        module,
        names: [...this.modules.get(module)!.entries()]
          .sort(([a], [b]) => compareCodePoints(a, b))
          .map(([name, typeOnly]) => ({ name, typeOnly })),
      }));
  }
}

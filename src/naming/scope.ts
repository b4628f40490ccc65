// The names of one output file as a scope: what the file declares itself, and what it imports
// from which module. A name is free in a file only if nothing declared or imported there has it;
// an import whose name is taken gets an alias (`import { Name as NameAlias }`), so one name can
// never come from two modules.

import { isIdentifier } from "./reserved.js";

export class FileScope {
  /** Local name → where it comes from: "" for the file's own declarations, else the module. */
  private readonly bindings = new Map<string, string>();
  /** `module` + NUL + exported name → local name. */
  private readonly imported = new Map<string, string>();

  /** `declared`: every name the file declares at top level (reserved before any import). */
  constructor(declared: Iterable<string> = []) {
    for (const name of declared) this.declare(name);
  }

  declare(name: string): void {
    const owner = this.bindings.get(name);
    if (owner !== undefined && owner !== "")
      throw new Error(`"${name}" is already imported from ${owner}`);
    this.bindings.set(name, "");
  }

  has(name: string): boolean {
    return this.bindings.has(name);
  }

  /**
   * The local name under which `name` from `module` is known in this file: the name itself when
   * free, else the first free alias: `alias(name)`, then the same numbered.
   */
  bind(module: string, name: string, alias: (name: string) => string): string {
    const key = `${module}\0${name}`;
    const known = this.imported.get(key);
    if (known !== undefined) return known;
    let local = name;
    if (this.bindings.has(local)) {
      const base = alias(name);
      local = base;
      for (let n = 2; this.bindings.has(local) || !isIdentifier(local); n++)
        local = `${base}${n}`;
    }
    this.bindings.set(local, module);
    this.imported.set(key, local);
    return local;
  }
}

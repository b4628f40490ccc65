// The member manifest (members.ts) against the code it describes, by the TypeScript compiler: the
// runtime's base classes where they stand in templates/runtime, and the client this generator
// emits (checked in place beside the runtime sources, so no output is written).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS, DEFAULT_NAMING } from "../config/index.js";
import { print } from "../emit/doc.js";
import { emitClientModule } from "../emit/client-module.js";
import { fileDoc } from "../emit/module.js";
import { buildModel } from "../ir/build.js";
import {
  BASE_CLASS_MEMBERS,
  BASE_CLASS_MODULE,
  CLIENT_CLASS,
  CLIENT_KEPT_NAMES,
  CLIENT_MEMBERS,
  OBJECT_MEMBERS,
  VIEW_BASE_CLASSES,
  clientMemberNames,
  viewInstanceMembers,
} from "./members.js";
import { planNames } from "./plan.js";

const RUNTIME_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../templates/runtime",
);
/** Where the emitted client is checked: the output's layout (`./runtime/...` imports resolve). */
const CLIENT_FILE = join(RUNTIME_DIR, "..", "members-test-client.ts");

function emittedClient(): string {
  const model = buildModel({ views: [] });
  const names = planNames(model, DEFAULT_NAMING);
  return print(
    fileDoc(emitClientModule({ model, names, options: DEFAULT_CODE_OPTIONS })),
  );
}

/** A compiler over typed.ts and the emitted client (served from memory). */
function compile(clientText: string): {
  checker: ts.TypeChecker;
  sources: Map<string, ts.SourceFile>;
} {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (file) => file === CLIENT_FILE || ts.sys.fileExists(file);
  host.readFile = (file) =>
    file === CLIENT_FILE ? clientText : readFile(file);
  host.getSourceFile = (file, language) =>
    file === CLIENT_FILE
      ? ts.createSourceFile(file, clientText, language)
      : getSourceFile(file, language);
  const typed = join(RUNTIME_DIR, BASE_CLASS_MODULE);
  const program = ts.createProgram([typed, CLIENT_FILE], options, host);
  return {
    checker: program.getTypeChecker(),
    sources: new Map([
      ["typed", program.getSourceFile(typed)!],
      ["client", program.getSourceFile(CLIENT_FILE)!],
    ]),
  };
}

/** `__#12@#verifier` (how the compiler names `#verifier`) → `#verifier`. */
function memberName(symbol: ts.Symbol): string {
  return symbol.name.replace(/^__#\d+@/, "");
}

function declaration(
  source: ts.SourceFile,
  name: string,
): ts.ClassDeclaration | ts.InterfaceDeclaration {
  let found: ts.ClassDeclaration | ts.InterfaceDeclaration | undefined;
  ts.forEachChild(source, (node) => {
    if (
      (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) &&
      node.name?.text === name
    )
      found = node;
  });
  if (!found) throw new Error(`no class or interface ${name}`);
  return found;
}

describe("the member manifest", () => {
  let checker: ts.TypeChecker;
  let sources: Map<string, ts.SourceFile>;
  beforeAll(() => {
    ({ checker, sources } = compile(emittedClient()));
  });

  /** Instance members (own and inherited) and statics of a class or interface, as compiled. */
  function membersOf(file: string, name: string) {
    const node = declaration(sources.get(file)!, name);
    const symbol = checker.getSymbolAtLocation(node.name!)!;
    const instance = checker
      .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
      .map(memberName);
    const statics = ts.isClassDeclaration(node)
      ? checker
          .getPropertiesOfType(checker.getTypeOfSymbol(symbol))
          .map(memberName)
          // `prototype` is every class's; `[Symbol.hasInstance]` cannot clash with a name.
          .filter((n) => n !== "prototype" && !n.startsWith("__@"))
      : [];
    return { instance: instance.sort(), statics: statics.sort() };
  }

  it("lists every base class's instance members and statics as typed.ts declares them", () => {
    for (const [name, listed] of Object.entries(BASE_CLASS_MEMBERS)) {
      const compiled = membersOf("typed", name);
      expect([...listed.instance].sort(), name).toEqual(
        compiled.instance.filter((n) => !n.startsWith("#")),
      );
      expect([...listed.statics].sort(), name).toEqual(compiled.statics);
    }
    expect(Object.keys(BASE_CLASS_MEMBERS).sort()).toEqual(
      Object.values(VIEW_BASE_CLASSES)
        .flatMap((c) => [c.read, c.apply])
        .sort(),
    );
  });

  it("lists the members of the emitted client", () => {
    expect([...CLIENT_MEMBERS].sort()).toEqual(
      membersOf("client", "Client").instance,
    );
    // The class behind `Client` has no member the manifest does not reserve.
    const reserved = new Set([...CLIENT_MEMBERS, ...CLIENT_KEPT_NAMES]);
    for (const member of membersOf("client", CLIENT_CLASS).instance)
      expect(reserved.has(member.replace(/^#/, "")), member).toBe(true);
  });

  it("gives the name plan each kind's members and the client's", () => {
    const members = viewInstanceMembers();
    expect(members.node.has("toInstanceWrites")).toBe(true);
    expect(members.node.has("startNode")).toBe(false);
    expect(members.edge.has("startNode")).toBe(true);
    expect(members.edge.has("then")).toBe(true);
    const client = clientMemberNames();
    for (const name of ["dms", "graph", "views", "verifier", "then"])
      expect(client.has(name), name).toBe(true);
    expect(client.size).toBe(
      CLIENT_MEMBERS.length + CLIENT_KEPT_NAMES.length + OBJECT_MEMBERS.size,
    );
  });
});

// Property and accessor names keep off the members they would clash with (the manifest in
// src/naming/members.ts, held to the compiler's view of the runtime's base classes here and in
// members.test.ts there): a view whose properties are named after every base-class member, and
// views whose accessors would be every client member, compile.

import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildFiles,
  readRuntimeSources,
  runtimeSourceDir,
} from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import type { NameLock } from "../src/naming/lock.js";
import {
  BASE_CLASS_MEMBERS,
  BASE_CLASS_MODULE,
  OBJECT_MEMBERS,
  VIEW_BASE_CLASSES,
  clientMemberNames,
  viewInstanceMembers,
} from "../src/naming/members.js";
import { NAME_LOCK_FILE } from "../src/naming/lock.js";
import {
  createProgram,
  scratchDir,
  typeCheck,
  writeOutputs,
} from "./support/generated.js";

const DMS_IDENTIFIER = /^[a-zA-Z]([a-zA-Z0-9_]{0,253}[a-zA-Z0-9])?$/;
const container = { type: "container", space: "m", externalId: "C" };

function view(externalId: string, properties: string[], usedFor = "node") {
  return {
    space: "m",
    externalId,
    version: "v1",
    usedFor,
    properties: Object.fromEntries(
      properties.map((p) => [
        p,
        {
          container,
          containerPropertyIdentifier: p,
          type: { type: "text" },
          nullable: true,
        },
      ]),
    ),
  };
}

/**
 * The compiler's list of the instance members (own and inherited) of each class in a file. With
 * the libs of the other programs (ES2023, Node's types; not the default's DOM): their parsed
 * files are shared within the worker (support/generated.ts's `createProgram`).
 */
function compilerInstanceMembers(file: string, classes: string[]) {
  const program = createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const result = new Map<string, string[]>();
  ts.forEachChild(source, (node) => {
    if (!ts.isClassDeclaration(node) || !node.name) return;
    if (!classes.includes(node.name.text)) return;
    const type = checker.getDeclaredTypeOfSymbol(
      checker.getSymbolAtLocation(node.name)!,
    );
    result.set(
      node.name.text,
      checker
        .getPropertiesOfType(type)
        .map((symbol) => symbol.name)
        .sort(),
    );
  });
  return result;
}

describe("members that generated names keep off", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let runtime: ReadonlyMap<string, string>;
  const classes = Object.values(VIEW_BASE_CLASSES).flatMap((c) => [
    c.read,
    c.apply,
  ]);
  /** The base classes' members by the compiler: independent of the scan under test. */
  let byCompiler: Map<string, string[]>;
  beforeAll(async () => {
    scratch = await scratchDir("members");
    runtime = await readRuntimeSources();
    byCompiler = compilerInstanceMembers(
      join(runtimeSourceDir(), BASE_CLASS_MODULE),
      classes,
    );
  });
  afterAll(() => scratch.cleanup());

  it("lists the base classes' instance members as the compiler reads them", () => {
    expect([...byCompiler.keys()].sort()).toEqual([...classes].sort());
    for (const name of classes)
      expect([...BASE_CLASS_MEMBERS[name].instance].sort(), name).toEqual(
        byCompiler.get(name),
      );
    const members = viewInstanceMembers();
    for (const name of ["externalId", "id", "toInstanceWrites", "type"])
      expect(members.node.has(name), name).toBe(true);
    expect(members.node.has("startNode")).toBe(false);
    expect(members.edge.has("startNode")).toBe(true);
  });

  it("reserves the client's members", () => {
    const members = clientMemberNames();
    for (const name of ["dms", "close", "graph", "query", "sync", "views"])
      expect(members.has(name), name).toBe(true);
    expect(members.has("then")).toBe(true);
  });

  it("compiles views whose properties are every base-class member and whose accessors would be every client member", async () => {
    const members = viewInstanceMembers();
    // Every member the compiler sees on the kind's read and apply bases, and every object's.
    const propertyNames = (kind: "node" | "edge") =>
      [
        ...new Set([
          ...byCompiler.get(VIEW_BASE_CLASSES[kind].read)!,
          ...byCompiler.get(VIEW_BASE_CLASSES[kind].apply)!,
          ...Object.getOwnPropertyNames(Object.prototype),
          "then",
        ]),
      ].filter((name) => DMS_IDENTIFIER.test(name));
    const clientMembers = [...clientMemberNames()].filter(
      (name) => DMS_IDENTIFIER.test(name) && !OBJECT_MEMBERS.has(name),
    );
    const accessorViews = [
      "Read",
      "Views",
      ...clientMembers.map((m) => m.charAt(0).toUpperCase() + m.slice(1)),
    ];
    const items = [
      view("Members", propertyNames("node")),
      view("EdgeMembers", propertyNames("edge"), "edge"),
      ...[...new Set(accessorViews)].map((id) => view(id, ["title"])),
    ];
    const files = buildFiles(
      mergeDocuments([parseInputDocument({ items }, "views.json")]),
      runtime,
    );
    const lock = JSON.parse(files.get(NAME_LOCK_FILE)!) as NameLock;
    for (const [key, kind] of [
      ["m:Members/v1", "node"],
      ["m:EdgeMembers/v1", "edge"],
    ] as const) {
      const properties = Object.values(lock.views[key]!.properties).map(
        (entry) => (typeof entry === "string" ? entry : entry.name),
      );
      expect(properties.length).toBe(propertyNames(kind).length);
      for (const name of properties)
        expect(members[kind].has(name), name).toBe(false);
    }
    const accessors = Object.values(lock.views).map((v) => v.accessor ?? "");
    expect(accessors.length).toBe(items.length);
    expect(new Set(accessors).size).toBe(accessors.length);
    for (const accessor of accessors)
      expect(clientMemberNames().has(accessor), accessor).toBe(false);
    expect(accessors).toContain("read");
    // The model code is what this checks: the runtime arrives as declarations.
    await writeOutputs(scratch.dir, new Map([["model", files]]), {
      runtimeAs: "declarations",
    });
    expect(
      await typeCheck(scratch.dir, ["model"], "nodenext", {
        sharedRuntime: true,
      }),
    ).toBe("");
  }, 240_000);
});

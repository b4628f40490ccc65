// Names as scopes and as a promise: a view may be named after anything the generated files
// declare or import (or a JavaScript global) and the output still compiles; and regenerating with
// more views never renames, or changes the meaning of, a name that existed before.

import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticModel } from "../bench/synthetic-model.js";
import { DEFAULT_CODE_OPTIONS } from "../src/config/index.js";
import { buildFiles, generate, readRuntimeSources } from "../src/generate.js";
import { mergeDocuments, parseInputDocument } from "../src/input/index.js";
import { NAME_LOCK_FILE } from "../src/naming/lock.js";
import { diffOutput, isStale, writeOutput } from "../src/output/write.js";
import { VIEW_MODULE_LOCALS } from "../src/emit/view-module.js";
import {
  EXAMPLES_DIR,
  FULL,
  generateFiles,
  scratchDir,
  typeCheck,
  writeOutputs,
} from "./support/generated.js";

const GLOBALS = ["Date", "Object", "Promise", "Error", "Map", "Set", "JSON"];
const DMS_EXTERNAL_ID = /^[a-zA-Z]([a-zA-Z0-9_]{0,253}[a-zA-Z0-9])?$/;

/**
 * The names a generated module imports or re-exports from the runtime: the runtime's only names
 * that can meet a view's names in a generated file (a runtime export that no generated file
 * mentions cannot clash with anything generated).
 */
function runtimeNamesUsed(text: string): string[] {
  const source = ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const statement of source.statements) {
    const from =
      (ts.isImportDeclaration(statement) ||
        ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : "";
    if (!from.includes("/runtime/")) continue;
    const bindings = ts.isImportDeclaration(statement)
      ? statement.importClause?.namedBindings
      : (statement as ts.ExportDeclaration).exportClause;
    if (
      bindings &&
      (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))
    )
      names.push(...bindings.elements.map((e) => e.name.text));
  }
  return names;
}

/** Every name a module declares at top level or imports. */
function moduleNames(text: string): string[] {
  const source = ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        names.push(...bindings.elements.map((e) => e.name.text));
    } else if (
      (ts.isClassDeclaration(statement) ||
        ts.isFunctionDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement)) &&
      statement.name
    ) {
      names.push(statement.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations)
        if (ts.isIdentifier(d.name)) names.push(d.name.text);
    }
  }
  return names;
}

/**
 * Why a module's top-level names would not compile: an import bound twice or also declared, a
 * value (class, function, const, enum) declared twice, a type alias declared twice or beside an
 * interface or class of its name, or a JavaScript global of `GLOBALS` bound at all (it would
 * shadow the global the module means). An interface beside a class of its name is TypeScript's
 * declaration merging and fine. For index.ts also every exported name twice.
 */
function bindingProblems(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022);
  const imports: string[] = [];
  const values: string[] = [];
  const classes: string[] = [];
  const interfaces: string[] = [];
  const aliases: string[] = [];
  const exported: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) imports.push(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        imports.push(...bindings.elements.map((e) => e.name.text));
      else if (bindings) imports.push(bindings.name.text);
    } else if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      if (clause && ts.isNamedExports(clause))
        exported.push(...clause.elements.map((e) => e.name.text));
    } else if (
      (ts.isClassDeclaration(statement) ||
        ts.isFunctionDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      values.push(statement.name.text);
      if (ts.isClassDeclaration(statement)) classes.push(statement.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations)
        if (ts.isIdentifier(d.name)) values.push(d.name.text);
    } else if (ts.isInterfaceDeclaration(statement)) {
      interfaces.push(statement.name.text);
    } else if (ts.isTypeAliasDeclaration(statement)) {
      aliases.push(statement.name.text);
    }
  }
  const twice = (names: string[]) =>
    names.filter((name, i) => names.indexOf(name) !== i);
  const problems = [
    ...twice([...imports, ...values]).map((n) => `${n} bound twice`),
    ...imports
      .filter((n) => interfaces.includes(n) || aliases.includes(n))
      .map((n) => `${n} imported and declared`),
    ...twice([...aliases, ...new Set([...classes, ...interfaces])]).map(
      (n) => `type ${n} declared twice`,
    ),
    ...[...imports, ...values, ...interfaces, ...aliases]
      .filter((n) => GLOBALS.includes(n))
      .map((n) => `${n} shadows the global`),
    ...twice(exported).map((n) => `${n} exported twice`),
  ];
  return problems.map((problem) => `${path}: ${problem}`);
}

/**
 * Properties per view of the hostile model: every kind of relation (direct, edges, reverse), an
 * enum, a timestamp (`Date`) and JSON, so that view modules import each other and those names.
 */
const HOSTILE_PROPERTIES = 9;

async function buildFromItems(items: unknown[]) {
  return buildFiles(
    mergeDocuments([parseInputDocument({ items }, "views.json")]),
    await readRuntimeSources(),
  );
}

describe("per-file name scopes", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let hostileNames: string[];
  /** The names of the model tsc compiles: all with FULL=1. */
  let compiledNames: string[];

  beforeAll(async () => {
    scratch = await scratchDir("scopes");
    const movies = await buildFromItems(
      (
        JSON.parse(
          await readFile(join(EXAMPLES_DIR, "movies", "views.json"), "utf8"),
        ) as { items: unknown[] }
      ).items,
    );
    // Outputs that import every runtime name a generated module can import: the showcase with
    // the default options and with every other option value, and a model with every kind of
    // relation (the hostile model's own kinds).
    const showcase = join(EXAMPLES_DIR, "showcase", "views.json");
    const probes = [
      movies,
      await generateFiles([showcase]),
      await generateFiles([showcase], {
        ...DEFAULT_CODE_OPTIONS,
        transport: "fetch",
        timestamps: "string",
        int64: "bigint",
        naming: { ...DEFAULT_CODE_OPTIONS.naming, properties: "preserve" },
      }),
      await buildFromItems(
        syntheticModel({ views: 30, properties: HOSTILE_PROPERTIES }).items,
      ),
    ];
    const names = new Set<string>(GLOBALS);
    const reExported = new Set<string>();
    for (const files of probes)
      for (const [path, text] of files)
        if (!path.startsWith("runtime/") && path.endsWith(".ts"))
          for (const n of runtimeNamesUsed(text)) {
            names.add(n);
            if (path === "index.ts") reExported.add(n);
          }
    for (const file of ["client.ts", "index.ts", "views/MovieView.ts"])
      for (const n of moduleNames(movies.get(file)!)) names.add(n);
    for (const n of VIEW_MODULE_LOCALS) names.add(n);
    hostileNames = [...names].filter((n) => DMS_EXTERNAL_ID.test(n)).sort();
    // A view named after a runtime name that index.ts re-exports is renamed (the index exports
    // the runtime's), by the one check that keeps every index name free: the check of bindings
    // below covers each of them, tsc compiles one in 16 by default. The names a generated module
    // imports without the index exporting them are aliased in that module: tsc compiles all.
    const indexNames = hostileNames.filter((n) => reExported.has(n));
    compiledNames = FULL
      ? hostileNames
      : hostileNames.filter(
          (n) => !reExported.has(n) || indexNames.indexOf(n) % 16 === 0,
        );
    expect(indexNames.length).toBeGreaterThan(100);
  });
  afterAll(() => scratch.cleanup());

  it("binds each name once in every module of a model whose views are named after every runtime name a generated module imports or re-exports, every name of client.ts and index.ts, and JavaScript globals", async () => {
    const files = await buildFromItems(
      syntheticModel({
        views: hostileNames.length,
        properties: HOSTILE_PROPERTIES,
        space: "hostile",
        externalIds: hostileNames,
      }).items,
    );
    const problems: string[] = [];
    let modules = 0;
    for (const [path, text] of files)
      if (!path.startsWith("runtime/") && path.endsWith(".ts")) {
        problems.push(...bindingProblems(path, text));
        modules++;
      }
    expect(problems).toEqual([]);
    expect(modules).toBe(hostileNames.length + 2);
    // The check can fail: a module that binds a name twice, or shadows a global.
    expect(
      bindingProblems(
        "x.ts",
        'import { A } from "./a.js";\nexport class A {}\nexport interface Date {}\nexport { B, B as C, D as B } from "./b.js";\n',
      ),
    ).toEqual([
      "x.ts: A bound twice",
      "x.ts: Date shadows the global",
      "x.ts: B exported twice",
    ]);
  });

  it(`compiles a model whose views are named after those names (${FULL ? "all" : "all but 15 in 16 of the runtime names index.ts re-exports"})`, async () => {
    expect(hostileNames).toEqual(
      expect.arrayContaining([
        "Client",
        "ClientOptions",
        "DmsClient",
        "Transport",
        "ViewAccessor",
        "TypedNode",
        "Date",
        "Promise",
        "createClient",
        "VIEW",
        // From the probes: relations, JSON, the fetch transport, bigint.
        "TypedEdgeApply",
        "JsonValue",
        "createFetchTransport",
        "int64Properties",
      ]),
    );
    expect(compiledNames).toEqual(expect.arrayContaining(GLOBALS));
    console.log(
      `hostile model: ${compiledNames.length} of ${hostileNames.length} names`,
    );
    const files = await buildFromItems(
      syntheticModel({
        views: compiledNames.length,
        properties: HOSTILE_PROPERTIES,
        space: "hostile",
        externalIds: compiledNames,
      }).items,
    );
    // The model code is what this checks: the runtime arrives as declarations.
    await writeOutputs(scratch.dir, new Map([["hostile", files]]), {
      runtimeAs: "declarations",
    });
    // One app file that uses the client and a view named after a client-side name.
    await mkdir(join(scratch.dir, "app"));
    await writeFile(
      join(scratch.dir, "app", "app.ts"),
      [
        'import { createClient, type Client } from "../hostile/index.js";',
        "export function open(): Client {",
        '  return createClient({ baseUrl: "http://127.0.0.1:1", project: "p", credentials: { token: "t" } });',
        "}",
        "",
      ].join("\n"),
    );
    // Names do not depend on the module mode (test/generate.test.ts compiles both): one run.
    expect(
      await typeCheck(scratch.dir, ["hostile", "app"], "nodenext", {
        sharedRuntime: true,
      }),
    ).toBe("");
  }, 240_000);
});

const BEFORE_IDS = ["CogniteAsset", "Edge", "Sensor", "Pump", "Valve", "Tank"];

function model(space: string, ids: string[], version = "v1"): unknown[] {
  return syntheticModel({
    views: ids.length,
    properties: 12,
    space,
    externalIds: ids,
  }).items.map((item) => ({ ...item, version }));
}

/** What an index exports per view module, and the accessor → class lines of client.ts. */
function viewExports(index: string): string[] {
  return [...index.matchAll(/export \{([^}]*)\} from "\.\/views\//g)]
    .flatMap((m) => m[1]!.split(","))
    .map((s) => s.trim().replace(/^type /, ""))
    .filter((s) => s.length > 0);
}

describe("stable names", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeAll(async () => {
    scratch = await scratchDir("stable");
  });
  afterAll(() => scratch.cleanup());

  async function run(
    items: unknown[],
    out: string,
    naming = DEFAULT_CODE_OPTIONS.naming,
  ) {
    const input = join(scratch.dir, "views.json");
    await writeFile(input, JSON.stringify({ items }));
    const result = await generate({
      ...DEFAULT_CODE_OPTIONS,
      naming,
      input: [input],
      out,
      format: false,
    });
    const diff = await diffOutput(out, result.files);
    return { result, diff };
  }

  it("keeps every exported name, meaning the same view and property, when clashing views are added", async () => {
    const out = join(scratch.dir, "out");
    const before = model("cdf_cdm", BEFORE_IDS);
    // A property whose camelCase name a later property will want too.
    const valve = before[4] as { properties: Record<string, unknown> };
    valve.properties.birth_year = valve.properties.p10;
    const first = await run(before, out);
    await writeOutput(out, first.result.files, first.diff);
    await cp(out, join(scratch.dir, "first"), { recursive: true });

    // Clashes in externalId across spaces, in version, and in a property's name.
    const after = [
      ...structuredClone(before),
      ...model("cdf_cdm", ["CogniteAsset", "Sensor"], "v2"),
      ...model("app", ["CogniteAsset", "Pump", "Valve"]),
    ];
    const valveAfter = after[4] as { properties: Record<string, unknown> };
    valveAfter.properties.birthYear = valveAfter.properties.p10;
    const second = await run(after, out);
    await writeOutput(out, second.result.files, second.diff);

    const firstIndex = await readFile(
      join(scratch.dir, "first", "index.ts"),
      "utf8",
    );
    const secondIndex = await readFile(join(out, "index.ts"), "utf8");
    const kept = viewExports(firstIndex);
    expect(kept).toContain("CogniteAsset");
    expect(viewExports(secondIndex)).toEqual(expect.arrayContaining(kept));

    // Same meaning: every class still reads the same view, every property name the same identifier.
    const oldIndex = (await import(
      join(scratch.dir, "first", "index.ts")
    )) as Record<string, unknown>;
    const newIndex = (await import(join(out, "index.ts"))) as Record<
      string,
      unknown
    >;
    let compared = 0;
    for (const name of kept) {
      const was = oldIndex[name];
      if (typeof was !== "function" || !("view" in was)) continue;
      const now = newIndex[name] as typeof was & {
        view: unknown;
        properties: Record<string, { identifier: string }>;
      };
      const old = was as typeof now;
      expect(now.view, name).toEqual(old.view);
      for (const [tsName, definition] of Object.entries(old.properties))
        expect(now.properties[tsName]?.identifier, `${name}.${tsName}`).toBe(
          definition.identifier,
        );
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(2 * BEFORE_IDS.length);
    const valveProperties = newIndex.valveProperties as Record<
      string,
      { identifier: string }
    >;
    expect(valveProperties.birthYear?.identifier).toBe("birth_year");
    expect(valveProperties.birthYearProperty?.identifier).toBe("birthYear");

    // Accessors keep their names and their classes.
    const accessors = (text: string) =>
      [...text.matchAll(/readonly (\w+): \w+<(\w+)/g)].map(
        (m) => m[1]! + m[2]!,
      );
    const clientBefore = await readFile(
      join(scratch.dir, "first", "client.ts"),
      "utf8",
    );
    const clientAfter = await readFile(join(out, "client.ts"), "utf8");
    expect(accessors(clientAfter)).toEqual(
      expect.arrayContaining(accessors(clientBefore)),
    );

    // Without the lock the same input would have renamed CogniteAsset: the lock is what holds.
    const fresh = await run(after, join(scratch.dir, "fresh"));
    expect(
      viewExports(fresh.result.files.get("index.ts")!).includes("CogniteAsset"),
    ).toBe(false);

    // `--check` covers the lock: up to date now, stale when the lock is edited.
    const check = await run(after, out);
    expect(isStale(check.diff)).toBe(false);
    const lockFile = join(out, NAME_LOCK_FILE);
    const lock = JSON.parse(await readFile(lockFile, "utf8")) as {
      views: Record<string, { class: string }>;
    };
    lock.views["cdf_cdm:Tank/v1"]!.class = "StorageTank";
    await writeFile(lockFile, JSON.stringify(lock, null, 2));
    const edited = await run(after, out);
    expect(edited.diff.changed).toEqual(
      expect.arrayContaining([NAME_LOCK_FILE, "client.ts", "index.ts"]),
    );
    expect(edited.diff.missing).toContain("views/StorageTank.ts");
    expect(edited.diff.leftover).toContain("views/Tank.ts");
  });

  it("lets the config rename on purpose, over the lock", async () => {
    const out = join(scratch.dir, "renamed");
    const items = model("cdf_cdm", BEFORE_IDS);
    const first = await run(items, out);
    await writeOutput(out, first.result.files, first.diff);
    const renamed = await run(items, out, {
      ...DEFAULT_CODE_OPTIONS.naming,
      views: { "cdf_cdm:Pump/v1": "Impeller" },
    });
    expect(renamed.result.files.has("views/Impeller.ts")).toBe(true);
    expect(renamed.result.files.has("views/Pump.ts")).toBe(false);
  });

  it("names the lock file and the JSON path of a damaged lock", async () => {
    const out = join(scratch.dir, "damaged");
    const items = model("cdf_cdm", ["Pump"]);
    const first = await run(items, out);
    await writeOutput(out, first.result.files, first.diff);
    await writeFile(
      join(out, NAME_LOCK_FILE),
      JSON.stringify({
        properties: "camelCase",
        views: { x: { class: 3, properties: {} } },
      }),
    );
    await expect(run(items, out)).rejects.toThrow(
      /dmgen\.names\.json.*\$\.views\.x\.class/,
    );
    await writeFile(join(out, NAME_LOCK_FILE), "{");
    await expect(run(items, out)).rejects.toThrow(/dmgen\.names\.json/);
  });
});

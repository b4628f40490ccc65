// The emitters over a small model written here (a library: authors, books, loans, a read-only
// shelf): given/want per emitter piece, and one snapshot per module kind (view module, client
// module, index module), each also held to prettier. Snapshots change when an emitter's output
// does: review the diff, then `npx vitest run src/emit/emitters.test.ts -u`.

import * as prettier from "prettier";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS } from "../config/index.js";
import { buildModel } from "../ir/build.js";
import { parseInputDocument } from "../input/index.js";
import { planNames } from "../naming/plan.js";
import { print } from "./doc.js";
import { Imports, type EmitContext } from "./context.js";
import { emitClientModule } from "./client-module.js";
import { emitIndexModule, indexStatements } from "./index-module.js";
import { fileDoc, importDeclarations, importsDoc } from "./module.js";
import { emitViewModule } from "./view-module.js";
import * as ts from "./syntax/index.js";

const SPACE = "library";

function ref(externalId: string) {
  return { type: "view", space: SPACE, externalId, version: "v1" };
}

function stored(
  container: string,
  identifier: string,
  type: Record<string, unknown>,
  nullable = true,
) {
  return {
    container: { type: "container", space: SPACE, externalId: container },
    containerPropertyIdentifier: identifier,
    type: { list: false, ...type },
    nullable,
  };
}

const LIBRARY_VIEWS = [
  {
    ...ref("Author"),
    usedFor: "node",
    writable: true,
    description: "A person who wrote books.",
    properties: {
      name: stored("Author", "name", { type: "text" }, false),
      born: stored("Author", "born", { type: "date" }),
      books: {
        connectionType: "multi_reverse_direct_relation",
        source: ref("Book"),
        through: { source: ref("Book"), identifier: "author" },
      },
    },
  },
  {
    ...ref("Book"),
    usedFor: "node",
    writable: true,
    properties: {
      title: stored("Book", "title", { type: "text" }, false),
      pages: stored("Book", "pages", { type: "int32" }),
      genre: stored("Book", "genre", {
        type: "enum",
        values: { fiction: {}, poetry: {} },
      }),
      tags: stored("Book", "tags", { type: "text", list: true }),
      "first-published": stored("Book", "firstPublished", {
        type: "timestamp",
      }),
      author: stored("Book", "author", {
        type: "direct",
        source: ref("Author"),
      }),
      lentTo: {
        connectionType: "multi_edge_connection",
        type: { space: SPACE, externalId: "Book.lentTo" },
        source: ref("Author"),
        edgeSource: ref("Loan"),
        direction: "outwards",
      },
    },
  },
  {
    ...ref("Loan"),
    usedFor: "edge",
    writable: true,
    properties: { due: stored("Loan", "due", { type: "date" }) },
  },
  {
    ...ref("Shelf"),
    usedFor: "node",
    writable: false,
    properties: { label: stored("Shelf", "label", { type: "text" }) },
  },
];

function libraryContext(): EmitContext {
  const model = buildModel({
    views: parseInputDocument(
      { items: LIBRARY_VIEWS },
      "library.json",
    ).views.map((loaded) => loaded.view),
  });
  const names = planNames(model, DEFAULT_CODE_OPTIONS.naming);
  return { model, names, options: DEFAULT_CODE_OPTIONS };
}

function viewNamed(context: EmitContext, externalId: string) {
  const view = context.model.views.find((v) => v.ref.externalId === externalId);
  if (!view) throw new Error(`no view ${externalId}`);
  return view;
}

async function expectFormatted(text: string, path: string): Promise<void> {
  expect(await prettier.format(text, { filepath: path })).toBe(text);
}

const RUNTIME_FILES = [
  "core/wire.ts",
  "core/errors.ts",
  "read/sync.ts",
  "core/json.ts", // no public API: contributes nothing
];

describe("index module", () => {
  let context: EmitContext;
  beforeAll(() => {
    context = libraryContext();
  });

  it("exports the client, each view's names, then the runtime's public API", () => {
    const statements = indexStatements(context, true, RUNTIME_FILES);
    const summary = statements.map((s) => ({
      module: s.module,
      names:
        typeof s.specifiers === "string"
          ? s.specifiers
          : s.specifiers.map((n) => (n.typeOnly ? `type ${n.name}` : n.name)),
    }));
    expect(summary).toEqual([
      { module: "./client.js", names: "star" },
      {
        module: "./views/Author.js",
        names: [
          "Author",
          "AuthorApply",
          "type AuthorApplyProperties",
          "type AuthorProperties",
          "type AuthorPropertyName",
          "type AuthorWhere",
          "authorConnections",
          "authorProperties",
        ],
      },
      expect.objectContaining({ module: "./views/Book.js" }),
      expect.objectContaining({ module: "./views/Loan.js" }),
      {
        // Read only: no apply class, no apply properties.
        module: "./views/Shelf.js",
        names: [
          "Shelf",
          "type ShelfProperties",
          "type ShelfPropertyName",
          "type ShelfWhere",
          "shelfConnections",
          "shelfProperties",
        ],
      },
      expect.objectContaining({ module: "./runtime/core/errors.js" }),
      {
        module: "./runtime/read/sync.js",
        names: [
          "type FollowOptions",
          "type SyncOptions",
          "type SyncPage",
          "type SyncState",
          "parseSyncState",
          "serializeSyncState",
        ],
      },
      { module: "./runtime/core/wire.js", names: "typeStar" },
    ]);
  });

  it("leaves the client out when the output has none", () => {
    const statements = indexStatements(context, false, []);
    expect(statements.map((s) => s.module)).toEqual([
      "./views/Author.js",
      "./views/Book.js",
      "./views/Loan.js",
      "./views/Shelf.js",
    ]);
  });

  it("prints one export a line, breaking a long list one name a line", () => {
    const text = print(emitIndexModule(context, false, ["read/sync.ts"]));
    expect(text.split("\n").slice(0, 3)).toEqual([
      "export {",
      "  Author,",
      "  AuthorApply,",
    ]);
    expect(
      text.endsWith(
        [
          '} from "./views/Shelf.js";',
          "export {",
          "  type FollowOptions,",
          "  type SyncOptions,",
          "  type SyncPage,",
          "  type SyncState,",
          "  parseSyncState,",
          "  serializeSyncState,",
          '} from "./runtime/read/sync.js";',
        ].join("\n"),
      ),
    ).toBe(true);
    const short = ts.printNode(
      ts.exportFrom("./runtime/core/paging.js", [{ name: "PageTimeoutError" }]),
    );
    expect(short).toBe(
      'export { PageTimeoutError } from "./runtime/core/paging.js";',
    );
  });
});

describe("import block", () => {
  it("imports type-only names with `import type`, mixes with `type` specifiers, aliases taken names", () => {
    const imports = new Imports(["Person"]);
    imports.value("../runtime/model/typed.js", "TypedNode");
    imports.type("../runtime/model/typed.js", "EdgeEnds");
    imports.type("../runtime/core/wire.js", "InstanceId");
    imports.type("./Person.js", "Person");
    expect(importDeclarations(imports).map(ts.printNode)).toEqual([
      'import type { InstanceId } from "../runtime/core/wire.js";',
      'import { type EdgeEnds, TypedNode } from "../runtime/model/typed.js";',
      'import type { Person as PersonView } from "./Person.js";',
    ]);
    expect(print(importsDoc(new Imports()))).toBe("");
  });
});

describe("module snapshots", () => {
  let context: EmitContext;
  beforeAll(() => {
    context = libraryContext();
  });

  it("view module", async () => {
    const text = print(
      fileDoc(emitViewModule(context, viewNamed(context, "Book"))),
    );
    await expectFormatted(text, "views/Book.ts");
    await expect(text).toMatchFileSnapshot(
      "__snapshots__/view-module.Book.ts.snap",
    );
  });

  it("client module", async () => {
    const text = print(fileDoc(emitClientModule(context)));
    await expectFormatted(text, "client.ts");
    await expect(text).toMatchFileSnapshot(
      "__snapshots__/client-module.ts.snap",
    );
  });

  it("index module", async () => {
    const text = print(
      fileDoc(emitIndexModule(context, true, ["core/wire.ts", "read/sync.ts"])),
    );
    await expectFormatted(text, "index.ts");
    await expect(text).toMatchFileSnapshot(
      "__snapshots__/index-module.ts.snap",
    );
  });
});

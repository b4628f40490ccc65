// `client.ts`: createClient() over the runtime's DmsClient, with one typed accessor per view.
// It imports only the transport chosen at generation time, so a browser build never sees undici.

import { DEFAULT_NAMING, type CodeOptions } from "../config/index.js";
import { buildModel } from "../ir/build.js";
import type { ViewIR } from "../ir/types.js";
import { OBJECT_MEMBERS, ownMembers } from "../naming/members.js";
import { planNames } from "../naming/plan.js";
import {
  argumentList,
  bracedList,
  print,
  propertyKey,
  expandedObject,
  group,
  hardline,
  indent,
  jsDoc,
  objectProperty,
  join,
  softline,
  type Doc,
} from "./doc.js";
import { Imports, namesOf, type EmitContext } from "./context.js";
import { fileDoc, importsDoc } from "./module.js";
import { rootModule, typeReference, viewText } from "./property-types.js";

const TRANSPORTS = {
  undici: {
    module: "./runtime/core/transport-undici.js",
    create: "createUndiciTransport",
    doc: "a pooled, keep-alive undici transport",
  },
  fetch: {
    module: "./runtime/core/transport-fetch.js",
    create: "createFetchTransport",
    doc: "a fetch transport",
  },
} as const;

/** What `client.ts` declares (and the output's index exports): no view may take these names. */
export const CLIENT_DECLARATIONS: readonly string[] = [
  "Client",
  "ClientOptions",
  "createClient",
];

/**
 * Names the design keeps for client-level methods: reserved now, so that adding them later
 * renames no accessor.
 */
const KEPT_FOR_THE_CLIENT = ["apply", "delete", "views"];

/**
 * Names a view accessor cannot take, read from the client this module emits (for a model without
 * views) rather than listed: the members of `Client` and of the class behind it, every object's
 * members (`then` would make the client look like a promise), and the names above (`views`:
 * names from when each accessor kept its value in a private field beside the class's `#views`).
 */
export function clientMemberNames(options: CodeOptions): Set<string> {
  const model = buildModel({ views: [] });
  // No views: the config's view renames would match nothing.
  const names = planNames(model, DEFAULT_NAMING);
  const text = print(fileDoc(emitClientModule({ model, names, options })));
  const members = [
    ...ownMembers(text, "Client"),
    ...ownMembers(text, LAZY_CLIENT),
  ].map((member) => member.replace(/^#/, ""));
  return new Set([...members, ...OBJECT_MEMBERS, ...KEPT_FOR_THE_CLIENT]);
}

/**
 * Client-level members the client class takes from the runtime, by group: each group's factory
 * (called once in the constructor, over the DMS client) returns an object of the group's
 * interface, which `Client` extends.
 */
interface RuntimeMemberGroup {
  readonly module: string;
  readonly factory: string;
  readonly type: string;
  /** The constructor's local for the factory's result. */
  readonly local: string;
  readonly members: readonly string[];
  /** Whether the factory takes the view registry too. */
  readonly withViews: boolean;
}

const RUNTIME_MEMBER_GROUPS: readonly RuntimeMemberGroup[] = [
  {
    module: "./runtime/features/graph.js",
    factory: "graphMethods",
    type: "GraphMethods",
    local: "graphs",
    members: ["graph", "query", "sync"],
    // The graph builder resolves view names through the registry.
    withViews: true,
  },
  {
    module: "./runtime/client/client-writes.js",
    factory: "clientWrites",
    type: "ClientWrites",
    local: "writes",
    members: ["apply", "delete", "spaces"],
    withViews: false,
  },
];

/** The module's own class behind `Client`. */
const LAZY_CLIENT = "LazyClient";

/** The module's type of the view accessors of `Client`. */
const VIEW_ACCESSORS = "ViewAccessors";

/** Locals of `createClient`'s body and the module's own class: no import may take these. */
const CLIENT_MODULE_LOCALS = [
  "options",
  "transport",
  "rest",
  "dms",
  "views",
  "verifyViews",
  "verifier",
  "accessors",
  VIEW_ACCESSORS,
  ...RUNTIME_MEMBER_GROUPS.map((group) => group.local),
  LAZY_CLIENT,
];

export function emitClientModule(context: EmitContext): Doc {
  const imports = new Imports([
    ...CLIENT_DECLARATIONS,
    ...CLIENT_MODULE_LOCALS,
  ]);
  const transport = TRANSPORTS[context.options.transport];
  const dmsClient = imports.value("./runtime/read/dms-client.js", "DmsClient");
  const dmsClientOptions = imports.type(
    "./runtime/read/dms-client.js",
    "DmsClientOptions",
  );
  const createTransport = imports.value(transport.module, transport.create);
  const transportType = imports.type(
    "./runtime/core/transport.js",
    "Transport",
  );
  const accessors = context.model.views.map((view) =>
    accessorParts(context, imports, view),
  );
  const registry = imports.value(
    "./runtime/features/include.js",
    "ViewRegistry",
  );
  const accessorModule = "./runtime/client/view-accessor.js";
  const defineAccessors = imports.value(accessorModule, "defineViewAccessors");
  const accessorTable = imports.type(accessorModule, "ViewAccessorTable");
  const groups = RUNTIME_MEMBER_GROUPS.map((group) => ({
    ...group,
    factory: imports.value(group.module, group.factory),
    type: imports.type(group.module, group.type),
  }));
  const checks = viewChecks(imports);
  const clientFields = [
    "...rest",
    `transport: transport ?? ${createTransport}()`,
  ];
  if (context.options.int64 === "bigint") {
    // int64 values are bigint in the generated types: parse them exactly from every response.
    const parser = imports.value("./runtime/core/json.js", "int64JsonParser");
    const paths = imports.value("./runtime/core/json.js", "int64Paths");
    clientFields.push(`parseJson: ${parser}(${paths}(views.classes()))`);
  }
  const body = [
    jsDoc(["Options of {@link createClient}."]),
    `export interface ClientOptions extends Omit<${dmsClientOptions}, "transport"> `,
    block([
      [
        jsDoc([`Default: ${transport.doc}.`]),
        `readonly transport?: ${transportType};`,
      ],
      checks.option,
    ]),
    hardline,
    hardline,
    jsDoc([
      "A typed client for this model's views: one accessor per view, `apply` / `delete` across views, `spaces`, result-set graphs, and the untyped DMS client.",
    ]),
    `export interface Client extends ${groups.map((g) => g.type).join(", ")} `,
    block([
      [
        jsDoc([
          "The untyped client: apply and delete of any items, retrieve, list, query, sync.",
        ]),
        `readonly dms: ${dmsClient};`,
      ],
      ...accessors.map((a) => a.member),
      checks.member,
      [jsDoc(["Releases pooled connections."]), "close(): Promise<void>;"],
    ]),
    hardline,
    hardline,
    jsDoc(["The members of {@link Client} that are view accessors."]),
    `type ${VIEW_ACCESSORS} = Omit<Client, keyof ${LAZY_CLIENT}>;`,
    hardline,
    hardline,
    jsDoc(["Creates a client for one CDF project (or the dmgen emulator)."]),
    "export function createClient(options: ClientOptions): Client ",
    "{",
    indent(
      hardline,
      "const { transport, verifyViews, ...rest } = options;",
      hardline,
      jsDoc([
        "Each view's accessor: its read class, instance type, and whether the view takes writes.",
      ]),
      `const accessors: ${accessorTable}<${VIEW_ACCESSORS}> = `,
      expandedObject(accessors.map((a) => a.entry)),
      ";",
      hardline,
      jsDoc([
        "The read classes by view, so that `include` finds a connection's target.",
      ]),
      "const readClasses = Object.values(accessors).map((entry) => entry[0]);",
      hardline,
      `const views = new ${registry}`,
      argumentList(["...readClasses"]),
      ";",
      hardline,
      `const dms = new ${dmsClient}(`,
      expandedObject(clientFields),
      ");",
      hardline,
      "const verifier = ",
      checks.create,
      ";",
      hardline,
      `return ${defineAccessors}<${LAZY_CLIENT}, ${VIEW_ACCESSORS}>(`,
      indent(
        hardline,
        `new ${LAZY_CLIENT}(dms, views, verifier),`,
        hardline,
        "accessors,",
        hardline,
        "{ dms, views, verifier },",
      ),
      hardline,
      ");",
    ),
    hardline,
    "}",
    hardline,
    hardline,
    lazyClientClass(
      { dmsClient, registry, groups, verifier: checks.verifier },
      checks.method,
    ),
  ];
  return [importsDoc(imports), hardline, body];
}

function block(members: Doc[]): Doc {
  return ["{", indent(hardline, join(hardline, members)), hardline, "}"];
}

interface AccessorParts {
  /** The member of the `Client` interface. */
  readonly member: Doc;
  /** The entry of the client's accessor table: `name: [Read, "node", true]`. */
  readonly entry: Doc;
}

/** Local names of what the client class uses from the runtime (imports may alias them). */
interface ClientClassNames {
  readonly dmsClient: string;
  readonly registry: string;
  /** The runtime member groups, with the local names of their factory and type. */
  readonly groups: readonly RuntimeMemberGroup[];
  readonly verifier: string;
}

/** What `createClient({ verifyViews })` and `client.verifyViews()` add to the module. */
interface ViewChecks {
  readonly option: Doc;
  readonly member: Doc;
  /** The verifier `createClient` makes. */
  readonly create: Doc;
  /** The `ViewVerifier` class's local name. */
  readonly verifier: string;
  readonly method: Doc;
}

function viewChecks(imports: Imports): ViewChecks {
  const module = "./runtime/read/view-drift.js";
  const verifier = imports.value(module, "ViewVerifier");
  const report = imports.type(module, "ViewDriftReport");
  return {
    option: [
      jsDoc([
        "Checks each view against its live definition before the first read or write through its accessor (once per client).",
        "A view changed in a way the generated code cannot handle rejects those calls with `ViewDriftError` before anything is sent. Default false.",
      ]),
      "readonly verifyViews?: boolean;",
    ],
    member: [
      jsDoc([
        "Compares every view with its live definition and reports the differences, breaking (the generated code no longer fits) or additive.",
      ]),
      `verifyViews(): Promise<${report}>;`,
    ],
    create: [
      `new ${verifier}`,
      argumentList(["dms.http", "views.classes()", "verifyViews === true"]),
    ],
    verifier,
    method: [
      `verifyViews(): Promise<${report}> {`,
      indent(hardline, "return this.#verifier.verifyAll();"),
      hardline,
      "}",
    ],
  };
}

/**
 * The class behind `Client`, without the view accessors: `defineViewAccessors` gives it those (each
 * created on first use, so a client of a model with a thousand views costs nothing until a view is
 * used).
 */
function lazyClientClass(names: ClientClassNames, verifyViews: Doc): Doc {
  const { dmsClient, registry, groups, verifier } = names;
  const fields: Doc[] = [
    `readonly dms: ${dmsClient};`,
    ...groups.flatMap((g) =>
      g.members.map((m) => `readonly ${m}: ${g.type}["${m}"];`),
    ),
    `readonly #verifier: ${verifier};`,
  ];
  const constructor: Doc = [
    "constructor",
    argumentList([
      `dms: ${dmsClient}`,
      `views: ${registry}`,
      `verifier: ${verifier}`,
    ]),
    " {",
    indent(
      hardline,
      "this.dms = dms;",
      hardline,
      "this.#verifier = verifier;",
      ...groups.flatMap((g) => [
        hardline,
        `const ${g.local} = ${g.factory}(${g.withViews ? "dms, views" : "dms"});`,
        ...g.members.flatMap((m) => [hardline, `this.${m} = ${g.local}.${m};`]),
      ]),
    ),
    hardline,
    "}",
  ];
  const close: Doc = [
    "close(): Promise<void> {",
    indent(hardline, "return this.dms.close();"),
    hardline,
    "}",
  ];
  return [
    jsDoc([
      "The client's members besides its view accessors (`createClient` adds those, each created on first use).",
    ]),
    `class ${LAZY_CLIENT} `,
    "{",
    indent(
      hardline,
      join(hardline, fields),
      hardline,
      hardline,
      join([hardline, hardline], [constructor, verifyViews, close]),
    ),
    hardline,
    "}",
  ];
}

function accessorParts(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
): AccessorParts {
  const names = namesOf(context, view);
  const module = rootModule(names.module);
  const readClass = imports.value(module, names.readClass);
  const accessor = imports.value(
    "./runtime/client/view-accessor.js",
    view.writable ? "ViewAccessor" : "ReadOnlyViewAccessor",
  );
  const readType = `typeof ${readClass}`;
  const applyType = view.writable
    ? imports.type(module, names.applyClass)
    : undefined;
  // Prettier breaks a lone `typeof X` argument (unlike a plain type name) when too long.
  const type = (suffix: string): Doc =>
    applyType
      ? typeReference(accessor, [readType, applyType], suffix)
      : group(
          `${accessor}<`,
          indent(softline, readType),
          softline,
          `>${suffix}`,
        );
  return {
    member: [
      jsDoc([
        view.writable
          ? `${viewText(view.ref)}: apply, retrieve, list, search, aggregate, sync, delete.`
          : `${viewText(view.ref)} (read only): retrieve, list, search, aggregate, sync.`,
      ]),
      `readonly ${names.accessor}: `,
      type(";"),
    ],
    entry: objectProperty(
      propertyKey(names.accessor),
      bracedList(
        "[",
        [readClass, `"${view.kind}"`, String(view.writable)],
        "]",
        false,
      ),
    ),
  };
}

// `client.ts`: createClient() over the runtime's DmsClient, with one typed accessor per view.
// It imports only the transport chosen at generation time, so a browser build never sees undici.

import { featuresOf, type Feature } from "../config/index.js";
import type { ViewIR } from "../ir/types.js";
import { hardline, join, type Doc } from "./doc.js";
import { Imports, namesOf, type EmitContext } from "./context.js";
import { importsDoc } from "./module.js";
import { rootModule, viewText } from "./property-types.js";
import * as ts from "./syntax/index.js";

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
  /** Whether the factory takes `readRuntime` too (client/read-runtime.ts says why). */
  readonly withReadRuntime?: boolean;
  /** The feature the group belongs to; undefined: always there. */
  readonly feature?: Feature;
}

const RUNTIME_MEMBER_GROUPS: readonly RuntimeMemberGroup[] = [
  {
    module: "./runtime/features/graph.js",
    factory: "graphMethods",
    type: "GraphMethods",
    local: "graphs",
    members: ["graph", "query", "sync"],
    // Running a graph resolves connections' targets through the registry.
    withViews: true,
    withReadRuntime: true,
    feature: "graph",
  },
  {
    module: "./runtime/client/client-writes.js",
    factory: "clientWrites",
    type: "ClientWrites",
    local: "writes",
    members: ["apply", "delete"],
    withViews: false,
  },
  {
    module: "./runtime/client/spaces.js",
    factory: "spacesMethods",
    type: "SpacesMethods",
    local: "spaceMethods",
    members: ["spaces"],
    withViews: false,
    feature: "spaces",
  },
];

/** The module's own class behind `Client`. */
const LAZY_CLIENT = "LazyClient";

/** The module's type of the view accessors of `Client`. */
const VIEW_ACCESSORS = "ViewAccessors";

/** The module's types of a view's accessor with the output's features (include, search). */
const ACCESSOR_TYPES = { writable: "Accessor", readOnly: "ReadOnlyAccessor" };

/** Locals of `createClient`'s body and the module's own class: no import may take these. */
const CLIENT_MODULE_LOCALS = [
  "options",
  "transport",
  "rest",
  "dms",
  "views",
  "verifyViews",
  "checks",
  "accessors",
  VIEW_ACCESSORS,
  ACCESSOR_TYPES.writable,
  ACCESSOR_TYPES.readOnly,
  ...RUNTIME_MEMBER_GROUPS.map((group) => group.local),
  LAZY_CLIENT,
];

const ACCESSOR_MODULE = "./runtime/client/view-accessor.js";

/** What the lazily loaded reads use of the eager runtime: handed to them, not imported. */
const READ_RUNTIME_MODULE = "./runtime/client/read-runtime.js";

/** What the output's features add to `client.ts`: the accessor types and the accessors' context. */
interface FeatureParts {
  /** The interfaces a view accessor's type intersects with, in overload order. */
  readonly accessorTypes: readonly string[];
  /** Entries of the accessors' context besides `dms` and `views`. */
  readonly context: readonly ts.ObjectEntry[];
  /** Drift: the option, the member and the method of `verifyViews`; the checks' type. */
  readonly checks?: ViewChecks;
  readonly groups: readonly (RuntimeMemberGroup & {
    /** The local of `readRuntime`, when the factory takes it. */
    readonly readRuntime?: string;
  })[];
}

function featureParts(context: EmitContext, imports: Imports): FeatureParts {
  const features = new Set(featuresOf(context.options));
  const accessorTypes: string[] = [];
  const entries: ts.ObjectEntry[] = [];
  // `include: () => import("./runtime/client/include-reads.js")`: the code loads on first use.
  const lazy = (name: string, module: string): ts.ObjectEntry =>
    ts.prop(name, ts.arrow([], ts.call(ts.id("import"), [ts.literal(module)])));
  if (features.has("include")) {
    const module = "./runtime/client/include-reads.js";
    accessorTypes.push(imports.type(module, "IncludeReads"));
    entries.push(lazy("include", module));
  }
  if (features.has("include") && features.has("search"))
    accessorTypes.push(
      imports.type("./runtime/client/include-search.js", "IncludeSearch"),
    );
  if (features.has("search")) {
    const module = "./runtime/client/search-reads.js";
    accessorTypes.push(imports.type(module, "SearchReads"));
    entries.push(lazy("search", module));
  }
  const readRuntime = (): string =>
    imports.value(READ_RUNTIME_MODULE, "readRuntime");
  if (features.has("include") || features.has("search"))
    entries.unshift(ts.prop("runtime", ts.id(readRuntime())));
  const checks = features.has("drift") ? viewChecks(imports) : undefined;
  if (checks)
    entries.unshift(ts.prop("check", ts.access(ts.id("checks"), "check")));
  const groups = RUNTIME_MEMBER_GROUPS.filter(
    (group) => group.feature === undefined || features.has(group.feature),
  ).map((group) => ({
    ...group,
    factory: imports.value(group.module, group.factory),
    type: imports.type(group.module, group.type),
    ...(group.withReadRuntime ? { readRuntime: readRuntime() } : {}),
  }));
  return {
    accessorTypes,
    context: entries,
    ...(checks ? { checks } : {}),
    groups,
  };
}

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
  const parts = featureParts(context, imports);
  const accessorTypes = new AccessorTypes(imports, parts.accessorTypes);
  const accessors = context.model.views.map((view) =>
    accessorParts(context, imports, view, accessorTypes),
  );
  const names: ClientNames = {
    dmsClient,
    registry: imports.value(ACCESSOR_MODULE, "ViewRegistry"),
    defineAccessors: imports.value(ACCESSOR_MODULE, "defineViewAccessors"),
    accessorTable: imports.type(ACCESSOR_MODULE, "ViewAccessorTable"),
    createTransport,
  };
  const { checks, groups } = parts;
  const declarations: ts.Declaration[] = [
    ts.interfaceDecl(
      "ClientOptions",
      [
        ts.propertySignature("transport", ts.typeRef(transportType), {
          readonly: true,
          optional: true,
          doc: [`Default: ${transport.doc}.`],
        }),
        ...(checks ? [checks.option] : []),
      ],
      {
        exported: true,
        extends: [
          ts.typeRef(
            "Omit",
            ts.typeRef(dmsClientOptions),
            ts.literalType("transport"),
          ),
        ],
        doc: ["Options of {@link createClient}."],
      },
    ),
    ts.interfaceDecl(
      "Client",
      [
        ts.propertySignature("dms", ts.typeRef(dmsClient), {
          readonly: true,
          doc: [
            "The untyped client: apply and delete of any items, retrieve, list, query, sync.",
          ],
        }),
        ...accessors.map((a) => a.member),
        ...(checks ? [checks.member] : []),
        ts.methodSignature("close", [], ts.typeRef("Promise", ts.t.void), [
          "Releases pooled connections.",
        ]),
      ],
      {
        exported: true,
        extends: groups.map((g) => ts.typeRef(g.type)),
        doc: [
          `A typed client for this model's views: one accessor per view, ${clientSummary(groups)}, and the untyped DMS client.`,
        ],
      },
    ),
    ts.typeAlias(
      VIEW_ACCESSORS,
      ts.typeRef(
        "Omit",
        ts.typeRef("Client"),
        ts.keyOf(ts.typeRef(LAZY_CLIENT)),
      ),
      { doc: ["The members of {@link Client} that are view accessors."] },
    ),
    createClientFunction(context, imports, names, parts, accessors),
    lazyClientClass({ dmsClient, registry: names.registry, groups, checks }),
  ];
  // Printed before the imports are: the aliases add imports.
  const printed = [
    ...declarations.slice(0, 2).map(ts.declarationDoc),
    ...accessorTypes.declarations(),
    ...declarations.slice(2).map(ts.declarationDoc),
  ];
  return [
    featuresLine(context),
    hardline,
    importsDoc(imports),
    hardline,
    join([hardline, hardline], printed),
  ];
}

/** Local names `createClient` uses (imports may alias them). */
interface ClientNames {
  readonly dmsClient: string;
  readonly registry: string;
  readonly defineAccessors: string;
  readonly accessorTable: string;
  readonly createTransport: string;
}

function createClientFunction(
  context: EmitContext,
  imports: Imports,
  names: ClientNames,
  parts: FeatureParts,
  accessors: readonly AccessorParts[],
): ts.Declaration {
  const { checks } = parts;
  const dmsOptions: ts.ObjectEntry[] = [
    ts.spread(ts.id("rest")),
    ts.prop(
      "transport",
      ts.binary(
        ts.id("transport"),
        "??",
        ts.call(ts.id(names.createTransport), []),
      ),
    ),
  ];
  const int64 = int64Parser(context, imports);
  if (int64) dmsOptions.push(ts.prop("parseJson", int64));
  const lazyClient = ts.newExpr(
    ts.id(LAZY_CLIENT),
    lazyClientArguments(parts).map((name) => ts.id(name)),
  );
  const accessorContext = ts.object([
    ts.shorthand("dms"),
    ts.shorthand("views"),
    ...parts.context,
  ]);
  const body: ts.Statement[] = [
    ts.constStmt(
      ts.objectPattern(
        checks ? ["transport", "verifyViews"] : ["transport"],
        "rest",
      ),
      ts.id("options"),
    ),
    ts.constStmt(
      "accessors",
      ts.object(
        accessors.map((a) => a.entry),
        { expanded: true },
      ),
      {
        type: ts.typeRef(names.accessorTable, ts.typeRef(VIEW_ACCESSORS)),
        doc: [
          context.model.views.length <= MAX_EAGER_VIEWS
            ? "Each view's accessor: its view, instance type, whether it takes writes, and its read class."
            : "Each view's accessor: its view, instance type, whether it takes writes, and its read class (its module loaded on first use).",
        ],
      },
    ),
    ts.constStmt(
      "views",
      ts.newExpr(ts.id(names.registry), [ts.id("accessors")]),
    ),
    ts.constStmt(
      "dms",
      ts.newExpr(ts.id(names.dmsClient), [
        ts.object(dmsOptions, { expanded: true }),
      ]),
    ),
    ...(checks
      ? [
          ts.constStmt(
            "checks",
            ts.call(ts.id(checks.create), [
              ts.id("dms"),
              ts.id("views"),
              ts.binary(ts.id("verifyViews"), "===", ts.literal(true)),
            ]),
          ),
        ]
      : []),
    ts.returnStmt(
      ts.call(
        ts.id(names.defineAccessors),
        [lazyClient, ts.id("accessors"), accessorContext],
        [ts.typeRef(LAZY_CLIENT), ts.typeRef(VIEW_ACCESSORS)],
      ),
    ),
  ];
  return ts.functionDecl(
    "createClient",
    [ts.param("options", ts.typeRef("ClientOptions"))],
    body,
    {
      exported: true,
      returns: ts.typeRef("Client"),
      doc: ["Creates a client for one CDF project (or the dmgen emulator)."],
    },
  );
}

/** The line that says which features the output has (a change shows in review and in `--check`). */
function featuresLine(context: EmitContext): Doc {
  const features = featuresOf(context.options);
  const listed = features.length > 0 ? features.join(", ") : "none";
  return ts.statementDoc(
    ts.lineComment(`Features: ${listed} (dmgen generate --features).`),
  );
}

/** `apply` / `delete` across views, `spaces`, result-set graphs: what the groups give `Client`. */
function clientSummary(groups: readonly RuntimeMemberGroup[]): string {
  const parts = ["`apply` / `delete` across views"];
  if (groups.some((g) => g.feature === "spaces")) parts.push("`spaces`");
  if (groups.some((g) => g.feature === "graph"))
    parts.push("result-set graphs");
  return parts.join(", ");
}

function lazyClientArguments(parts: FeatureParts): string[] {
  const args = ["dms"];
  if (parts.groups.some((g) => g.withViews)) args.push("views");
  if (parts.checks) args.push("checks");
  return args;
}

/**
 * With `int64: "bigint"`: the response parser that reads the views' int64 properties as exact
 * bigints, listed here by space, view and identifier (the view modules load on first use).
 */
function int64Parser(
  context: EmitContext,
  imports: Imports,
): ts.Expression | undefined {
  if (context.options.int64 !== "bigint") return undefined;
  const parser = imports.value("./runtime/core/json.js", "int64JsonParser");
  const listed = imports.value("./runtime/client/int64.js", "int64Properties");
  const spaces = new Map<string, ts.ObjectEntry[]>();
  for (const view of context.model.views) {
    const identifiers = view.properties.flatMap((property) =>
      property.kind === "mapped" && property.type.type === "int64"
        ? [ts.prop(property.identifier, ts.literal(true))]
        : [],
    );
    if (identifiers.length === 0) continue;
    const { space, externalId, version } = view.ref;
    const views = spaces.get(space) ?? [];
    spaces.set(space, views);
    views.push(ts.prop(`${externalId}/${version}`, ts.object(identifiers)));
  }
  const byView = [...spaces].map(([space, views]) =>
    ts.prop(space, ts.object(views)),
  );
  return ts.call(ts.id(parser), [ts.call(ts.id(listed), [ts.object(byView)])]);
}

interface AccessorParts {
  /** The member of the `Client` interface. */
  readonly member: ts.TypeMember;
  /** The entry of the client's accessor table: `name: [view, "node", true, load]`. */
  readonly entry: ts.ObjectEntry;
}

/**
 * A view accessor's type: the runtime's class, or with features that add methods the module's
 * alias `type Accessor<C, A> = IncludeReads<C> & SearchReads<C> & ViewAccessor<C, A>` (their
 * overloads first: TypeScript tries them in order). Imports and aliases only for the kinds
 * (writable, read only) some view has.
 */
class AccessorTypes {
  private readonly used = { writable: false, readOnly: false };

  constructor(
    private readonly imports: Imports,
    /** The feature interfaces a view's accessor type intersects with, in overload order. */
    private readonly features: readonly string[],
  ) {}

  /** The type (name) of the accessor of a writable or read-only view. */
  of(writable: boolean): string {
    this.used[writable ? "writable" : "readOnly"] = true;
    const runtimeClass = writable ? "ViewAccessor" : "ReadOnlyViewAccessor";
    if (this.features.length === 0)
      return this.imports.value(ACCESSOR_MODULE, runtimeClass);
    return writable ? ACCESSOR_TYPES.writable : ACCESSOR_TYPES.readOnly;
  }

  /** The aliases' declarations (none without features). */
  declarations(): Doc[] {
    if (this.features.length === 0) return [];
    const readClass = ts.typeParam("C", {
      constraint: ts.typeRef(
        this.imports.type("./runtime/model/where.js", "TypedReadClass"),
      ),
    });
    const declarations: Doc[] = [];
    if (this.used.writable)
      declarations.push(
        this.alias(
          ACCESSOR_TYPES.writable,
          [readClass, ts.typeParam("A", { constraint: ts.t.object })],
          ts.typeRef(
            this.imports.type(ACCESSOR_MODULE, "ViewAccessor"),
            ts.typeRef("C"),
            ts.typeRef("A"),
          ),
          "A writable view's accessor, with the features this client was generated with.",
        ),
      );
    if (this.used.readOnly)
      declarations.push(
        this.alias(
          ACCESSOR_TYPES.readOnly,
          [readClass],
          ts.typeRef(
            this.imports.type(ACCESSOR_MODULE, "ReadOnlyViewAccessor"),
            ts.typeRef("C"),
          ),
          "A read-only view's accessor, with the features this client was generated with.",
        ),
      );
    return declarations;
  }

  /** `type Name<C> = Feature<C> & ... & Base<C>;` (the features' overloads first). */
  private alias(
    name: string,
    typeParams: readonly ts.TypeParameter[],
    base: ts.TypeNode,
    doc: string,
  ): Doc {
    const features = this.features.map((f) => ts.typeRef(f, ts.typeRef("C")));
    return ts.declarationDoc(
      ts.typeAlias(name, ts.intersection(...features, base), {
        typeParams,
        doc: [doc],
      }),
    );
  }
}

/** Local names of what the client class uses from the runtime (imports may alias them). */
interface ClientClassNames {
  readonly dmsClient: string;
  readonly registry: string;
  /** The runtime member groups, with the local names of their factory and type. */
  readonly groups: FeatureParts["groups"];
  readonly checks: ViewChecks | undefined;
}

/** What `createClient({ verifyViews })` and `client.verifyViews()` add to the module. */
interface ViewChecks {
  readonly option: ts.TypeMember;
  readonly member: ts.TypeMember;
  /** The local name of the function making the checks. */
  readonly create: string;
  /** The `ViewChecks` type's local name. */
  readonly type: string;
  readonly method: ts.Method;
}

function viewChecks(imports: Imports): ViewChecks {
  const module = "./runtime/client/view-checks.js";
  const report = ts.typeRef(
    "Promise",
    ts.typeRef(
      imports.type("./runtime/features/view-drift.js", "ViewDriftReport"),
    ),
  );
  return {
    option: ts.propertySignature("verifyViews", ts.t.boolean, {
      readonly: true,
      optional: true,
      doc: [
        "Checks each view against its live definition before the first read or write through its accessor (once per client).",
        "A view changed in a way the generated code cannot handle rejects those calls with `ViewDriftError` before anything is sent. Default false.",
      ],
    }),
    member: ts.methodSignature("verifyViews", [], report, [
      "Compares every view with its live definition and reports the differences, breaking (the generated code no longer fits) or additive.",
    ]),
    create: imports.value(module, "viewChecks"),
    type: imports.type(module, "ViewChecks"),
    method: ts.method(
      "verifyViews",
      [],
      [
        ts.returnStmt(
          ts.call(ts.access(ts.thisExpr, "#verifier", "verifyAll"), []),
        ),
      ],
      { returns: report },
    ),
  };
}

/**
 * The class behind `Client`, without the view accessors: `defineViewAccessors` gives it those (each
 * created on first use, so a client of a model with a thousand views costs nothing until a view is
 * used).
 */
function lazyClientClass(names: ClientClassNames): ts.Declaration {
  const { dmsClient, registry, groups, checks } = names;
  const fields: ts.ClassMember[] = [
    ts.field("dms", { modifiers: ["readonly"], type: ts.typeRef(dmsClient) }),
    ...groups.flatMap((g) =>
      g.members.map((m) =>
        ts.field(m, {
          modifiers: ["readonly"],
          type: ts.indexed(ts.typeRef(g.type), m),
        }),
      ),
    ),
    ...(checks
      ? [
          ts.field("#verifier", {
            modifiers: ["readonly"],
            type: ts.typeRef(checks.type),
          }),
        ]
      : []),
  ];
  const parameters = [ts.param("dms", ts.typeRef(dmsClient))];
  if (groups.some((g) => g.withViews))
    parameters.push(ts.param("views", ts.typeRef(registry)));
  if (checks) parameters.push(ts.param("checks", ts.typeRef(checks.type)));
  const self = (name: string): ts.Expression => ts.access(ts.thisExpr, name);
  const constructor = ts.constructorDecl(parameters, [
    ts.assign(self("dms"), ts.id("dms")),
    ...(checks ? [ts.assign(self("#verifier"), ts.id("checks"))] : []),
    ...groups.flatMap((g) => [
      ts.constStmt(
        g.local,
        ts.call(
          ts.id(g.factory),
          [
            "dms",
            ...(g.withViews ? ["views"] : []),
            ...(g.readRuntime ? [g.readRuntime] : []),
          ].map((n) => ts.id(n)),
        ),
      ),
      ...g.members.map((m) => ts.assign(self(m), ts.access(ts.id(g.local), m))),
    ]),
  ]);
  const close = ts.method(
    "close",
    [],
    [ts.returnStmt(ts.call(ts.access(ts.thisExpr, "dms", "close"), []))],
    { returns: ts.typeRef("Promise", ts.t.void) },
  );
  return ts.classDecl(
    LAZY_CLIENT,
    [fields, [constructor], ...(checks ? [[checks.method]] : []), [close]],
    {
      doc: [
        "The client's members besides its view accessors (`createClient` adds those, each created on first use).",
      ],
    },
  );
}

/**
 * Models with at most this many views import their view modules up front: loading each on first
 * use makes each a chunk of its own in a browser bundle, whose import glue (and the split of the
 * runtime module they extend from the rest) costs more than a few view classes weigh. Above it,
 * an app that uses a few views of a large model (CogniteCore's 33) carries only those.
 */
export const MAX_EAGER_VIEWS = 8;

function accessorParts(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  accessorTypes: AccessorTypes,
): AccessorParts {
  const names = namesOf(context, view);
  const module = rootModule(names.module);
  const eager = context.model.views.length <= MAX_EAGER_VIEWS;
  const readClass = eager
    ? imports.value(module, names.readClass)
    : imports.type(module, names.readClass);
  const accessor = accessorTypes.of(view.writable);
  const readType = ts.typeOf(readClass);
  const type = view.writable
    ? ts.typeRef(
        accessor,
        readType,
        ts.typeRef(imports.type(module, names.applyClass)),
      )
    : ts.typeRef(accessor, readType);
  // `() => import("./views/Movie.js").then((m) => m.Movie)`: the module loads on first use.
  // Up front: `() => Promise.resolve(Movie)`.
  const load = ts.arrow(
    [],
    eager
      ? ts.call(ts.access(ts.id("Promise"), "resolve"), [ts.id(readClass)])
      : ts.call(
          ts.access(ts.call(ts.id("import"), [ts.literal(module)]), "then"),
          [ts.arrow([ts.param("m")], ts.access(ts.id("m"), names.readClass))],
        ),
  );
  return {
    member: ts.propertySignature(names.accessor, type, {
      readonly: true,
      doc: [`${viewText(view.ref)}${accessorSummary(context, view)}`],
    }),
    entry: ts.prop(
      names.accessor,
      ts.array([
        ts.literal(view.key),
        ts.literal(view.kind),
        ts.literal(view.writable),
        load,
      ]),
    ),
  };
}

/** `: apply, retrieve, list, search, aggregate, sync, delete.`, as the view and features allow. */
function accessorSummary(context: EmitContext, view: ViewIR): string {
  const search = featuresOf(context.options).includes("search")
    ? ["search", "aggregate"]
    : [];
  const methods = view.writable
    ? ["apply", "retrieve", "list", ...search, "sync", "delete"]
    : ["retrieve", "list", ...search, "sync"];
  return `${view.writable ? "" : " (read only)"}: ${methods.join(", ")}.`;
}

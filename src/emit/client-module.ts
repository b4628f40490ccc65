// `client.ts`: createClient() over the runtime's DmsClient, with one typed accessor per view.
// It imports only the transport chosen at generation time, so a browser build never sees undici.

import {
  ALL_FEATURES,
  DEFAULT_NAMING,
  featuresOf,
  type CodeOptions,
  type Feature,
} from "../config/index.js";
import { buildModel } from "../ir/build.js";
import type { ViewIR } from "../ir/types.js";
import { OBJECT_MEMBERS, ownMembers } from "../naming/members.js";
import { planNames } from "../naming/plan.js";
import {
  argumentList,
  arrowFunction,
  bracedList,
  print,
  stringLiteral,
  propertyKey,
  expandedObject,
  group,
  hardline,
  indent,
  jsDoc,
  line,
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
const KEPT_FOR_THE_CLIENT = ["apply", "delete", "views", "verifier"];

/**
 * Names a view accessor cannot take, read from the client this module emits (for a model without
 * views) rather than listed: the members of `Client` and of the class behind it, every object's
 * members (`then` would make the client look like a promise), and the names above (`views`,
 * `verifier`: names from when the client kept them in private fields). Read from a client with
 * every feature, so that an accessor keeps its name whatever the output's features.
 */
export function clientMemberNames(options: CodeOptions): Set<string> {
  const model = buildModel({ views: [] });
  // No views: the config's view renames would match nothing.
  const names = planNames(model, DEFAULT_NAMING);
  const allFeatures = { ...options, features: ALL_FEATURES };
  const text = print(
    fileDoc(emitClientModule({ model, names, options: allFeatures })),
  );
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
    feature: "graph",
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

/** What the output's features add to `client.ts`: the accessor types and the accessors' context. */
interface FeatureParts {
  /** The interfaces a view accessor's type intersects with, in overload order. */
  readonly accessorTypes: readonly string[];
  /** Entries of the accessors' context besides `dms` and `views`. */
  readonly context: readonly string[];
  /** Drift: the option, the member and the method of `verifyViews`; the checks' type. */
  readonly checks?: ViewChecks;
  readonly groups: readonly RuntimeMemberGroup[];
}

function featureParts(context: EmitContext, imports: Imports): FeatureParts {
  const features = new Set(featuresOf(context.options));
  const accessorTypes: string[] = [];
  const entries: string[] = [];
  if (features.has("include")) {
    const module = "./runtime/client/include-reads.js";
    accessorTypes.push(imports.type(module, "IncludeReads"));
    entries.push(`include: ${imports.value(module, "includeReader")}`);
  }
  if (features.has("include") && features.has("search"))
    accessorTypes.push(
      imports.type("./runtime/client/include-search.js", "IncludeSearch"),
    );
  if (features.has("search")) {
    const module = "./runtime/client/search-reads.js";
    accessorTypes.push(imports.type(module, "SearchReads"));
    entries.push(`methods: [${imports.value(module, "searchMethods")}]`);
  }
  const checks = features.has("drift") ? viewChecks(imports) : undefined;
  if (checks) entries.unshift("check: checks.check");
  const groups = RUNTIME_MEMBER_GROUPS.filter(
    (group) => group.feature === undefined || features.has(group.feature),
  ).map((group) => ({
    ...group,
    factory: imports.value(group.module, group.factory),
    type: imports.type(group.module, group.type),
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
  const registry = imports.value(ACCESSOR_MODULE, "ViewRegistry");
  const defineAccessors = imports.value(ACCESSOR_MODULE, "defineViewAccessors");
  const accessorTable = imports.type(ACCESSOR_MODULE, "ViewAccessorTable");
  const { checks, groups } = parts;
  const clientFields: Doc[] = [
    "...rest",
    `transport: transport ?? ${createTransport}()`,
  ];
  const int64 = int64Parser(context, imports);
  if (int64) clientFields.push(int64);
  const body = [
    jsDoc(["Options of {@link createClient}."]),
    `export interface ClientOptions extends Omit<${dmsClientOptions}, "transport"> `,
    block([
      [
        jsDoc([`Default: ${transport.doc}.`]),
        `readonly transport?: ${transportType};`,
      ],
      ...(checks ? [checks.option] : []),
    ]),
    hardline,
    hardline,
    jsDoc([
      `A typed client for this model's views: one accessor per view, ${clientSummary(groups)}, and the untyped DMS client.`,
    ]),
    `export interface Client${groups.length > 0 ? ` extends ${groups.map((g) => g.type).join(", ")}` : ""} `,
    block([
      [
        jsDoc([
          "The untyped client: apply and delete of any items, retrieve, list, query, sync.",
        ]),
        `readonly dms: ${dmsClient};`,
      ],
      ...accessors.map((a) => a.member),
      ...(checks ? [checks.member] : []),
      [jsDoc(["Releases pooled connections."]), "close(): Promise<void>;"],
    ]),
    hardline,
    hardline,
    ...accessorTypes.declarations(),
    jsDoc(["The members of {@link Client} that are view accessors."]),
    `type ${VIEW_ACCESSORS} = Omit<Client, keyof ${LAZY_CLIENT}>;`,
    hardline,
    hardline,
    jsDoc(["Creates a client for one CDF project (or the dmgen emulator)."]),
    "export function createClient(options: ClientOptions): Client ",
    "{",
    indent(
      hardline,
      `const { transport, ${checks ? "verifyViews, " : ""}...rest } = options;`,
      hardline,
      jsDoc([
        "Each view's accessor: its view, instance type, whether it takes writes, and its read class (its module loaded on first use).",
      ]),
      `const accessors: ${accessorTable}<${VIEW_ACCESSORS}> = `,
      expandedObject(accessors.map((a) => a.entry)),
      ";",
      hardline,
      `const views = new ${registry}(accessors);`,
      hardline,
      `const dms = new ${dmsClient}(`,
      expandedObject(clientFields),
      ");",
      ...(checks
        ? [
            hardline,
            `const checks = ${checks.create}(dms, views, verifyViews === true);`,
          ]
        : []),
      hardline,
      `return ${defineAccessors}<${LAZY_CLIENT}, ${VIEW_ACCESSORS}>(`,
      indent(
        hardline,
        `new ${LAZY_CLIENT}`,
        argumentList(lazyClientArguments(parts)),
        ",",
        hardline,
        "accessors,",
        hardline,
        bracedList("{", ["dms", "views", ...parts.context], "}"),
        ",",
      ),
      hardline,
      ");",
    ),
    hardline,
    "}",
    hardline,
    hardline,
    lazyClientClass({ dmsClient, registry, groups, checks }),
  ];
  return [featuresLine(context), hardline, importsDoc(imports), hardline, body];
}

/** The line that says which features the output has (a change shows in review and in `--check`). */
function featuresLine(context: EmitContext): string {
  const features = featuresOf(context.options);
  return `// Features: ${features.length > 0 ? features.join(", ") : "none"} (dmgen generate --features).`;
}

/** `apply` / `delete` across views, `spaces`, result-set graphs: what the groups give `Client`. */
function clientSummary(groups: readonly RuntimeMemberGroup[]): string {
  const parts = ["`apply` / `delete` across views, `spaces`"];
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
 * With `int64: "bigint"`: the response parser that reads each view's int64 properties as exact
 * bigints, from the views and identifiers listed here (the view modules load on first use).
 */
function int64Parser(context: EmitContext, imports: Imports): Doc | undefined {
  if (context.options.int64 !== "bigint") return undefined;
  const parser = imports.value("./runtime/core/json.js", "int64JsonParser");
  const paths = imports.value("./runtime/core/json.js", "int64Paths");
  const views = context.model.views.flatMap((view) => {
    const properties = view.properties.flatMap((property) =>
      property.kind === "mapped" && property.type.type === "int64"
        ? [
            objectProperty(
              propertyKey(property.identifier),
              bracedList(
                "{",
                [
                  `identifier: ${stringLiteral(property.identifier)}`,
                  'type: "int64"',
                  ...(property.type.list ? ["list: true"] : []),
                  'as: "bigint"',
                ],
                "}",
              ),
            ),
          ]
        : [],
    );
    if (properties.length === 0) return [];
    const { space, externalId, version } = view.ref;
    return [
      bracedList(
        "{",
        [
          objectProperty(
            "view",
            bracedList(
              "{",
              [
                'type: "view"',
                `space: ${stringLiteral(space)}`,
                `externalId: ${stringLiteral(externalId)}`,
                `version: ${stringLiteral(version)}`,
              ],
              "}",
            ),
          ),
          objectProperty("properties", bracedList("{", properties, "}")),
        ],
        "}",
      ),
    ];
  });
  return [
    "parseJson: ",
    parser,
    "(",
    paths,
    "(",
    bracedList("[", views, "]", false),
    "))",
  ];
}

function block(members: Doc[]): Doc {
  return ["{", indent(hardline, join(hardline, members)), hardline, "}"];
}

interface AccessorParts {
  /** The member of the `Client` interface. */
  readonly member: Doc;
  /** The entry of the client's accessor table: `name: [view, "node", true, load]`. */
  readonly entry: Doc;
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
    const readClass = this.imports.type(
      "./runtime/model/where.js",
      "TypedReadClass",
    );
    const declarations: Doc[] = [];
    if (this.used.writable)
      declarations.push(
        this.alias(
          ACCESSOR_TYPES.writable,
          `C extends ${readClass}, A extends object`,
          `${this.imports.type(ACCESSOR_MODULE, "ViewAccessor")}<C, A>`,
          "A writable view's accessor, with the features this client was generated with.",
        ),
      );
    if (this.used.readOnly)
      declarations.push(
        this.alias(
          ACCESSOR_TYPES.readOnly,
          `C extends ${readClass}`,
          `${this.imports.type(ACCESSOR_MODULE, "ReadOnlyViewAccessor")}<C>`,
          "A read-only view's accessor, with the features this client was generated with.",
        ),
      );
    return declarations;
  }

  private alias(name: string, params: string, base: string, doc: string): Doc {
    const [first, ...rest] = [...this.features.map((f) => `${f}<C>`), base];
    return [
      jsDoc([doc]),
      // As prettier prints an intersection: the first type on the line, the others indented.
      group(
        `type ${name}<${params}> = `,
        first!,
        indent(...rest.map((type) => [" &", line, type])),
      ),
      ";",
      hardline,
      hardline,
    ];
  }
}

/** Local names of what the client class uses from the runtime (imports may alias them). */
interface ClientClassNames {
  readonly dmsClient: string;
  readonly registry: string;
  /** The runtime member groups, with the local names of their factory and type. */
  readonly groups: readonly RuntimeMemberGroup[];
  readonly checks: ViewChecks | undefined;
}

/** What `createClient({ verifyViews })` and `client.verifyViews()` add to the module. */
interface ViewChecks {
  readonly option: Doc;
  readonly member: Doc;
  /** The local name of the function making the checks. */
  readonly create: string;
  /** The `ViewChecks` type's local name. */
  readonly type: string;
  readonly method: Doc;
}

function viewChecks(imports: Imports): ViewChecks {
  const module = "./runtime/client/view-checks.js";
  const report = imports.type(
    "./runtime/features/view-drift.js",
    "ViewDriftReport",
  );
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
    create: imports.value(module, "viewChecks"),
    type: imports.type(module, "ViewChecks"),
    method: [
      `verifyViews(): Promise<${report}> {`,
      indent(hardline, "return this.#checks.verifyAll();"),
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
function lazyClientClass(names: ClientClassNames): Doc {
  const { dmsClient, registry, groups, checks } = names;
  const fields: Doc[] = [
    `readonly dms: ${dmsClient};`,
    ...groups.flatMap((g) =>
      g.members.map((m) => `readonly ${m}: ${g.type}["${m}"];`),
    ),
    ...(checks ? [`readonly #checks: ${checks.type};`] : []),
  ];
  const parameters = [`dms: ${dmsClient}`];
  if (groups.some((g) => g.withViews)) parameters.push(`views: ${registry}`);
  if (checks) parameters.push(`checks: ${checks.type}`);
  const constructor: Doc = [
    "constructor",
    argumentList(parameters),
    " {",
    indent(
      hardline,
      "this.dms = dms;",
      ...(checks ? [hardline, "this.#checks = checks;"] : []),
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
  const methods = [constructor, ...(checks ? [checks.method] : []), close];
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
      join([hardline, hardline], methods),
    ),
    hardline,
    "}",
  ];
}

function accessorParts(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
  accessorTypes: AccessorTypes,
): AccessorParts {
  const names = namesOf(context, view);
  const module = rootModule(names.module);
  const readClass = imports.type(module, names.readClass);
  const accessor = accessorTypes.of(view.writable);
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
  const load = arrowFunction(
    "async ()",
    `(await import(${stringLiteral(module)})).${names.readClass}`,
  );
  return {
    member: [
      jsDoc([`${viewText(view.ref)}${accessorSummary(context, view)}`]),
      `readonly ${names.accessor}: `,
      type(";"),
    ],
    entry: objectProperty(
      propertyKey(names.accessor),
      bracedList(
        "[",
        [
          stringLiteral(view.key),
          `"${view.kind}"`,
          String(view.writable),
          load,
        ],
        "]",
        false,
      ),
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

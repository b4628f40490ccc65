// The public API of a generated index.ts: what an app names in its own code, and none of the
// runtime's internals. Read with the TypeScript checker from the generated movies output.
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS, readConfig } from "../src/config/index.js";
import { PUBLIC_RUNTIME_EXPORTS } from "../src/emit/public-api.js";
import { readRuntimeSources } from "../src/generate.js";
import type { FileMap } from "../src/output/file-map.js";
import {
  EXAMPLES_DIR,
  REPO_ROOT,
  SHARED_RUNTIME_FOLDER,
  createProgram,
  generateFiles,
  scratchDir,
  writeOutputs,
} from "./support/generated.js";

const MOVIES = join(EXAMPLES_DIR, "movies", "views.json");
const MOVIES_CONFIG = join(EXAMPLES_DIR, "movies", "dmgen.config.json");

/**
 * Type-checks `files` in one program (paid once); gives each file's export names and the errors.
 * `rootDirs`: the outputs' folders and their shared runtime's (see `writeOutputs`).
 */
function exportsOf(
  files: string[],
  errorsOf: string[],
  rootDirs: string[],
): {
  names: Map<string, string[]>;
  errors: string[];
} {
  const program = createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    rootDirs,
  });
  const checker = program.getTypeChecker();
  const names = new Map(
    files.map((file) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      const exported = checker.getExportsOfModule(module).map((s) => s.name);
      return [file, exported.sort()];
    }),
  );
  // Semantic errors only for the index files: their exports must resolve (the rest of the output
  // is type-checked by the generate tests).
  const errors = errorsOf.flatMap((file) =>
    program
      .getSemanticDiagnostics(program.getSourceFile(file))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
  );
  return { names, errors };
}

const VIEW_EXPORTS = ["Actor", "Movie", "Person"].flatMap((name) => [
  name,
  `${name}Apply`,
  `${name}ApplyProperties`,
  `${name}Properties`,
  `${name}PropertyName`,
  `${name[0]!.toLowerCase()}${name.slice(1)}Connections`,
  `${name[0]!.toLowerCase()}${name.slice(1)}Properties`,
  `${name}Where`,
]);

const CLIENT_EXPORTS = ["Client", "ClientOptions", "createClient"];

/** The runtime's public names, transport aside; the API's JSON shapes (wire.ts) come on top. */
const RUNTIME_EXPORTS = [
  // client, options, results
  "DmsClient",
  "DmsClientOptions",
  "InstanceListPage",
  "InstanceListRequest",
  "TypedInstanceId",
  "ApplyCounts",
  "ApplyInput",
  "ApplyOptions",
  "ApplyProgress",
  "ApplyResult",
  "DeleteOptions",
  "ToInstanceWrites",
  "ListOptions",
  "ReadOnlyViewAccessor",
  "ViewAccessor",
  "ViewSyncOptions",
  "ViewSyncPage",
  "InstanceList",
  "RetrieveOptions",
  "ViewReadOptions",
  "QueryOptions",
  "QueryPage",
  // drift of the live views (`verifyViews`)
  "DriftClass",
  "ViewDifference",
  "ViewDrift",
  "ViewDriftError",
  "ViewDriftReport",
  // credentials, retries, events
  "AccessToken",
  "ClientCredentials",
  "Credentials",
  "Clock",
  "RetryPolicy",
  "HttpEvent",
  // sync state
  "FollowOptions",
  "SyncOptions",
  "SyncPage",
  "SyncState",
  "parseSyncState",
  "serializeSyncState",
  // errors
  "ApplyFailedError",
  "ApplyProgressReport",
  "AuthenticationError",
  "CursorExpiredError",
  "DmsError",
  "InvalidValueError",
  "PropertyValueError",
  "RequestInfo",
  "TokenError",
  "TransportError",
  "TransportFailureKind",
  "VersionConflictError",
  "ApplyVersionConflictError",
  "ProtocolError",
  "ProtocolProblem",
  // typed where, sort, select, search and aggregate
  "WhereError",
  "WhereOf",
  "SelectOf",
  "SortKey",
  "SortOf",
  "BooleanFilter",
  "DateFilter",
  "DirectFilter",
  "EnumFilter",
  "JsonFilter",
  "ListFilter",
  "NumberFilter",
  "ReferenceFilter",
  "StringFilter",
  "TimestampFilter",
  "AggregateOptions",
  "AggregateResult",
  "Aggregates",
  "GroupValue",
  "Histogram",
  "NoNumericProperty",
  "NumberAggregate",
  "SearchOperator",
  "SearchOptions",
  // include and result-set graphs
  "IncludeListOptions",
  "IncludeRetrieveOptions",
  "IncludeSearchOptions",
  "IncludedRead",
  "IncludeOf",
  "IncludeSpec",
  "ViewRequiredInclude",
  "WithIncluded",
  "Graph",
  "PlainEdge",
  "parseGraphSyncState",
  "ConnectionEdgeSetOptions",
  "GraphMethods",
  "GraphResult",
  "GraphSyncOptions",
  "GraphSyncPage",
  "GraphSyncState",
  "NodeSetOptions",
  "SetTypes",
  "SyncProgress",
  "TypeEdgeSetOptions",
  "GraphQueryOptions",
  "QueryProgress",
  // adaptive paging
  "PageTimeoutError",
  // transports
  "Transport",
  "TransportOptions",
  "TransportRequest",
  "TransportResponse",
  // typed classes and their helpers
  "Connected",
  "EdgeEnds",
  "EdgeLink",
  "EdgeTarget",
  "NodeApplyOptions",
  "PlainNodeReference",
  "ConflictingWritesError",
  "defaultEdgeExternalId",
  "TypedEdge",
  "TypedEdgeApply",
  "TypedInstance",
  "TypedNode",
  "TypedNodeApply",
  "collectWrites",
  "combineNodes",
  // property maps
  "ConnectionMap",
  "DmsType",
  "EdgeConnectionDefinition",
  "EdgeSourceDefinition",
  "PropertyDefinition",
  "PropertyMap",
  "ReverseRelationDefinition",
  // client-level writes and spaces
  "AnyApply",
  "ClientWrites",
  "InstanceToDelete",
  "SpaceCreateDefinition",
  "SpaceDefinition",
  "SpaceRequestOptions",
  "SpacesMethods",
  "SpacesClient",
  // streaming apply and untrusted responses
  "ApplyInputs",
];

const TRANSPORT_EXPORTS = {
  undici: ["UndiciTransportOptions", "createUndiciTransport"],
  fetch: ["FetchFunction", "FetchTransportOptions", "createFetchTransport"],
};

const INTERNALS = [
  "toWireValue",
  "createDmsError",
  "redactSecrets",
  "causeSummary",
  "isAbortError",
  "WriteCollector",
  "TypedApply",
  "applyInstances",
  "deleteInstances",
  "syncPages",
  "syncFingerprint",
  "stableStringify",
  "queryPages",
  "HttpClient",
  "createTokenSource",
  "systemClock",
  "JsonPoster",
  "ViewRegistry",
  "graphMethods",
  "listWithInclude",
  "retrieveWithInclude",
  "runQueryGraph",
  "compileWhere",
];

const TRANSPORTS = ["undici", "fetch"] as const;

/**
 * The movies output with each transport and one runtime copy for both, as declarations (the
 * same export names as the sources, which are type-checked where the declarations are emitted);
 * one program over both outputs' index files and every runtime file.
 */
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let checked: ReturnType<typeof exportsOf>;
/** Each runtime file (`core/http.ts`) and its declarations in the shared runtime copy. */
let runtimeCopies: Map<string, string>;
const indexOf = (transport: string) => join(scratch.dir, transport, "index.ts");
const runtimeCopyOf = (name: string) =>
  join(
    scratch.dir,
    SHARED_RUNTIME_FOLDER,
    "runtime",
    name.replace(/\.ts$/, ".d.ts"),
  );
const wireOf = () => runtimeCopyOf("core/wire.ts");

beforeAll(async () => {
  const config = await readConfig(MOVIES_CONFIG, REPO_ROOT);
  scratch = await scratchDir("exports");
  const outputs = new Map<string, FileMap>();
  for (const transport of TRANSPORTS)
    outputs.set(
      transport,
      await generateFiles([MOVIES], {
        ...DEFAULT_CODE_OPTIONS,
        naming: config!.naming!,
        transport,
        // bigint: so that every runtime file is copied (`client/int64.ts` only with it).
        int64: "bigint",
      }),
    );
  const folders = await writeOutputs(scratch.dir, outputs, {
    runtimeAs: "declarations",
  });
  const runtime = [
    ...(
      await readRuntimeSources(join(REPO_ROOT, "templates", "runtime"))
    ).keys(),
  ];
  runtimeCopies = new Map(
    runtime.map((name) => {
      const copied = [...outputs.values()].some((files) =>
        files.has(`runtime/${name}`),
      );
      expect(copied, name).toBe(true);
      return [name, runtimeCopyOf(name)];
    }),
  );
  const indexes = TRANSPORTS.map(indexOf);
  checked = exportsOf(
    [...indexes, ...runtimeCopies.values()],
    indexes,
    [...folders, SHARED_RUNTIME_FOLDER].map((folder) =>
      join(scratch.dir, folder),
    ),
  );
}, 120_000);
afterAll(() => scratch.cleanup());

describe("generated index.ts", () => {
  it("exports the views, the client and the runtime's public API, nothing internal", () => {
    expect(checked.errors).toEqual([]);
    const wireNames = checked.names.get(wireOf())!;
    expect(wireNames).toContain("InstanceId");
    for (const transport of TRANSPORTS) {
      const names = checked.names.get(indexOf(transport))!;
      const expected = [
        ...VIEW_EXPORTS,
        ...CLIENT_EXPORTS,
        ...RUNTIME_EXPORTS,
        ...TRANSPORT_EXPORTS[transport],
        ...wireNames,
      ].sort();
      expect(names, transport).toEqual(expected);
      expect(names.filter((name) => INTERNALS.includes(name))).toEqual([]);
    }
  });
});

/**
 * Runtime exports deliberately kept out of index.ts (engines, wire conversion, internals of
 * errors, retries and transports). Every runtime export is either public (src/emit/public-api.ts)
 * or listed here, so that a new export is a decision, not an accident.
 */
const INTERNAL_RUNTIME_EXPORTS: Record<string, string[]> = {
  "write/apply.ts": [
    "ApplyInputs",
    "JsonPoster",
    "applyInstances",
    "deleteInstances",
  ],
  // The engine's throttling controller and the notice HttpClient hands it.
  "core/concurrency.ts": ["AdaptiveConcurrency", "RetryNotice"],
  "features/aggregate.ts": [
    "NumericPropertyOf",
    "OnlyAggregates",
    "aggregateRequest",
    "aggregateResults",
    "searchRequest",
    "SearchRuntime",
    // What a view accessor's `search` and `aggregate` run, loaded on their first call.
    "aggregateInstances",
    "searchInstances",
  ],
  // ConflictingWritesError is public, passed on through typed.ts.
  "model/collect.ts": [
    "CollectsWrites",
    "ConflictingWritesError",
    "WriteCollector",
    "checkRawWrite",
    "collectsWrites",
    "sameInstance",
    "sameValue",
    "ANY_NODE_VIEW",
    "idOf",
    "isInstanceId",
  ],
  "client/client-writes.ts": ["clientWrites"],
  "client/spaces.ts": ["spacesMethods"],
  // What `client.spaces` sends, loaded on its first call.
  "client/spaces-requests.ts": [
    "SpacesApi",
    "applySpaces",
    "listSpaces",
    "spacesById",
  ],
  // What the lazily loaded reads use of the eager runtime, handed to them by the client.
  "client/read-runtime.ts": ["ReadRuntime", "readRuntime"],
  "client/int64.ts": ["int64Properties"],
  "core/json.ts": [
    "parseExact",
    "int64JsonParser",
    "Int64Paths",
    "stringifyJson",
    "stableStringify",
  ],
  "core/auth.ts": [
    "TokenSource",
    "TokenSourceContext",
    "createTokenSource",
    "untilAborted",
  ],
  "core/oauth.ts": ["OAuthRuntime", "fetchClientCredentialsToken"],
  // Loaded when a request fails.
  "core/explain.ts": ["fullMessage", "redactSecrets"],
  "read/dms-client.ts": ["ReadOptions", "readProjectLimits"],
  // `DmsClient.retrieve` and `list`, loaded on their first call.
  "read/instances.ts": ["InstancesApi", "listInstances", "retrieveInstances"],
  "core/errors.ts": [
    "DmsErrorDetails",
    "createDmsError",
    "isAbortError",
    "isObject",
    "redacted",
    "afterAttempts",
    "BEARER",
    "causeSummary",
    "postProblem",
    "MAY_HAVE_APPLIED",
    "mayHaveApplied",
  ],
  "core/http.ts": [
    "HttpClientOptions",
    "RequestOptions",
    "HttpClient",
    "expectCursor",
    "expectItems",
    "expectObject",
    "expectResultSets",
    "repeatedCursor",
  ],
  "read/query.ts": [
    "queryPages",
    "queryAll",
    "ancestorsByResultSet",
    "DEFAULT_QUERY_LIMIT",
    "MAX_QUERY_LIMIT",
    "resizable",
  ],
  "core/retry.ts": [
    "systemClock",
    "DEFAULT_RETRY_POLICY",
    "resolveRetryPolicy",
    "isRetryableStatus",
    "parseRetryAfter",
    "retryDelay",
  ],
  "read/sync.ts": [
    "DEFAULT_SYNC_LIMIT",
    "syncPages",
    "syncFingerprint",
    "mayBeFullPage",
    "peekNextCursors",
  ],
  "core/transport.ts": [
    "RawResponse",
    "createTransport",
    "checkHttpUrl",
    "headerProblem",
  ],
  "model/typed.ts": [
    // What a generated class declares its `$types` / `$fields` with (types only).
    "ApplyFields",
    "ReadTypes",
    "TargetsOf",
    "InheritedWhere",
    "ViewClassInfo",
    "TypedApply",
    "WriteCollector",
  ],
  "model/values.ts": [
    "TargetClasses",
    // How `targetInfo` finds a relation's target class: the client's view registry.
    "toWireValue",
    // What a class's plan converts each property with, and the one value-error message.
    "ruleOf",
    "readConverter",
    "mustBe",
  ],
  "client/view-accessor.ts": [
    "isIterable",
    "checkCount",
    // How the generated client gives its accessors the registry and the features' code.
    "AccessorContext",
    "ViewRegistry",
    // What the generated client gives itself its view accessors with.
    "ViewAccessorEntry",
    "ViewAccessorTable",
    "defineViewAccessors",
  ],
  // What the generated client composes its accessors' types and context from.
  "client/include-reads.ts": ["includeReader", "IncludeReads"],
  "client/include-search.ts": ["IncludeSearch"],
  "client/search-reads.ts": ["SearchReads", "search", "aggregate"],
  "client/view-checks.ts": ["ViewChecks", "viewChecks"],
  // The drift comparison (shared with `dmgen drift`) and the client's check behind `verifyViews`.
  "features/view-drift.ts": [
    "describeDifference",
    "DriftChange",
    "RecordedConnection",
    "RecordedProperty",
    "RecordedTexts",
    "RecordedView",
    "VerifiableClass",
    "ViewVerifier",
    "compareView",
    "recordedViewOf",
  ],
  "core/transport-fetch.ts": ["BodyReader"],
  "model/where.ts": [
    "AnyViewTypes",
    "EdgeWhere",
    "EqualityOperators",
    "ExistsOperator",
    "GroupableOf",
    "HasViewTypes",
    "IN_VALUES_LIMIT",
    "InstanceSortKey",
    "InstanceTimeFilter",
    "InstanceWhere",
    "NodeWhere",
    "NumericOf",
    "OrderOperators",
    "SelectedOf",
    "SortableOf",
    "TextOf",
    "TypedReadClass",
    "ViewTypes",
    "compileSelect",
    "compileSort",
    "compileWhere",
    "dropUnselected",
    "loadWhereClasses",
  ],
  "features/include.ts": [
    "ExactInclude",
    "IncludableKey",
    "IncludeContext",
    "IncludePlan",
    "IncludeRunOptions",
    "IncludeRuntime",
    "IncludedTarget",
    "LooseListOptions",
    "RootSelection",
    "SelectedIn",
    "TargetClassOf",
    "assemble",
    "listWithInclude",
    "planInclude",
    "retrieveWithInclude",
    "runInclude",
  ],
  // What include and graphs share: the target classes by view id, loose where / sort.
  "features/targets.ts": [
    "LooseSortKey",
    "LooseWhere",
    "ReadClassOf",
    "SortIn",
    "ViewClasses",
    "WhereIn",
    "anonymousEdgeClass",
    "loadTargetClass",
    "viewKey",
  ],
  "features/graph.ts": [
    "DirectRelationKey",
    "EdgeConnectionKey",
    "EdgeSetCommon",
    "GraphStep",
    "NodeSetCommon",
    "RecordedNodeSetOptions",
    "graphMethods",
  ],
  "features/graph-run.ts": ["GraphRunRuntime", "queryGraph", "syncGraph"],
  "features/query-graph.ts": [
    "Batch",
    "QueryGraphRuntime",
    "QueryPoster",
    "runQueryGraph",
  ],
  "core/paging.ts": [
    "ADAPTIVE_REQUEST",
    "AdaptiveRequest",
    "GROW_AFTER_REQUESTS",
    "PageSizes",
    "askedLimits",
    "sendAdaptive",
    "DEFAULT_MAX_PAGES_PER_READ",
    "PagingGuard",
    "checkedMaxPages",
  ],
};

describe("the runtime's exports", () => {
  it("are each either public or deliberately internal", () => {
    const files = [...runtimeCopies.keys()].filter(
      (name) => name !== "core/wire.ts",
    );
    const unclassified = files.flatMap((name) => {
      const known = [
        ...(PUBLIC_RUNTIME_EXPORTS[name]?.values ?? []),
        ...(PUBLIC_RUNTIME_EXPORTS[name]?.types ?? []),
        ...(INTERNAL_RUNTIME_EXPORTS[name] ?? []),
      ];
      return checked.names
        .get(runtimeCopies.get(name)!)!
        .filter((exported) => !known.includes(exported))
        .map((exported) => `${name}: ${exported}`);
    });
    // A name here needs a decision: add it to src/emit/public-api.ts when apps name it, else
    // to INTERNAL_RUNTIME_EXPORTS above.
    expect(unclassified).toEqual([]);
  });

  it("lists only names the runtime exports, each once", () => {
    const exportedBy = (name: string) => checked.names.get(runtimeCopyOf(name));
    const stale = Object.entries(INTERNAL_RUNTIME_EXPORTS).flatMap(
      ([name, internal]) => {
        const exported = exportedBy(name);
        if (!exported) return [`${name}: no such runtime file`];
        return [
          ...internal
            .filter((n) => !exported.includes(n))
            .map((n) => `${name}: ${n} (not exported)`),
          ...internal
            .filter((n, i) => internal.indexOf(n) !== i)
            .map((n) => `${name}: ${n} (listed twice)`),
        ];
      },
    );
    const everyExport = new Set(
      [...runtimeCopies.keys()].flatMap((name) => exportedBy(name)!),
    );
    stale.push(
      ...INTERNALS.filter((n) => !everyExport.has(n)).map(
        (n) => `INTERNALS: ${n} (no runtime file exports it)`,
      ),
    );
    // A name here went from the runtime: delete it from the list.
    expect(stale).toEqual([]);
  });
});

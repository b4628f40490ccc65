// The runtime's public API: what a generated `index.ts` passes on from `runtime/`. An app names
// these in its own code (the client's options, results, errors, sync state, transports); the
// rest of the runtime (wire conversion, request planning, error construction, redaction, ...) is
// internal and reachable only by deep imports. Adding a runtime export an app needs means adding
// it here; a test pins the resulting export list of a generated index.

/** One runtime module's public exports: values (classes, functions) and type-only names. */
export interface PublicModuleExports {
  readonly values: readonly string[];
  readonly types: readonly string[];
}

/**
 * Runtime file → its public exports. A file missing from the output (the transport not chosen)
 * contributes nothing. `wire.ts` holds only the API's JSON shapes: every one of its types is public.
 */
export const PUBLIC_RUNTIME_EXPORTS: Readonly<
  Record<string, PublicModuleExports>
> = {
  "write/apply.ts": {
    values: [],
    types: [
      "ApplyCounts",
      "ApplyInput",
      "ApplyOptions",
      "ApplyInputs",
      "ApplyProgress",
      "ApplyResult",
      "DeleteOptions",
      "ToInstanceWrites",
    ],
  },
  "core/auth.ts": {
    values: [],
    types: ["AccessToken", "ClientCredentials", "Credentials"],
  },
  "client/client-writes.ts": {
    values: [],
    types: ["AnyApply", "ClientWrites", "InstanceToDelete"],
  },
  "client/spaces.ts": {
    values: ["SpacesClient"],
    types: [
      "SpaceCreateDefinition",
      "SpaceDefinition",
      "SpaceRequestOptions",
      "SpacesMethods",
    ],
  },
  "read/dms-client.ts": {
    values: ["DmsClient"],
    types: [
      "DmsClientOptions",
      "InstanceListPage",
      "InstanceListRequest",
      "TypedInstanceId",
    ],
  },
  "core/errors.ts": {
    values: [
      "ApplyFailedError",
      "ApplyVersionConflictError",
      "AuthenticationError",
      "CursorExpiredError",
      "DmsError",
      "InvalidValueError",
      "ProtocolError",
      "TokenError",
      "TransportError",
      "VersionConflictError",
    ],
    types: [
      "ApplyProgressReport",
      "ProtocolProblem",
      "RequestInfo",
      "TransportFailureKind",
    ],
  },
  "core/http.ts": { values: [], types: ["HttpEvent"] },
  "read/query.ts": {
    values: [],
    types: ["QueryOptions", "QueryPage", "QueryProgress"],
  },
  "core/retry.ts": { values: [], types: ["Clock", "RetryPolicy"] },
  "read/sync.ts": {
    values: ["parseSyncState", "serializeSyncState"],
    types: ["FollowOptions", "SyncOptions", "SyncPage", "SyncState"],
  },
  "core/transport.ts": {
    values: [],
    types: [
      "Transport",
      "TransportOptions",
      "TransportRequest",
      "TransportResponse",
    ],
  },
  "core/transport-fetch.ts": {
    values: ["createFetchTransport"],
    types: ["FetchFunction", "FetchTransportOptions"],
  },
  "core/transport-undici.ts": {
    values: ["createUndiciTransport"],
    types: ["UndiciTransportOptions"],
  },
  "model/typed.ts": {
    values: [
      "ConflictingWritesError",
      "TypedEdge",
      "TypedEdgeApply",
      "TypedInstance",
      "TypedNode",
      "TypedNodeApply",
      "collectWrites",
      "combineNodes",
      "defaultEdgeExternalId",
    ],
    types: [
      "Connected",
      "EdgeEnds",
      "EdgeLink",
      "EdgeTarget",
      "NodeApplyOptions",
      "PlainNodeReference",
    ],
  },
  "model/values.ts": {
    values: ["PropertyValueError"],
    types: [
      "ConnectionMap",
      "DmsType",
      "EdgeConnectionDefinition",
      "EdgeSourceDefinition",
      "PropertyDefinition",
      "PropertyMap",
      "ReverseRelationDefinition",
    ],
  },
  "client/include-reads.ts": {
    values: [],
    types: ["IncludeListOptions", "IncludeRetrieveOptions", "IncludedRead"],
  },
  "client/include-search.ts": { values: [], types: ["IncludeSearchOptions"] },
  "client/view-accessor.ts": {
    values: [],
    types: [
      "InstanceList",
      "ListOptions",
      "ReadOnlyViewAccessor",
      "RetrieveOptions",
      "ViewAccessor",
      "ViewReadOptions",
      "ViewSyncOptions",
      "ViewSyncPage",
    ],
  },
  "features/view-drift-error.ts": { values: ["ViewDriftError"], types: [] },
  "features/view-drift.ts": {
    values: [],
    types: ["DriftClass", "ViewDifference", "ViewDrift", "ViewDriftReport"],
  },
  "features/aggregate.ts": {
    values: [],
    types: [
      "AggregateOptions",
      "AggregateResult",
      "Aggregates",
      "GroupValue",
      "Histogram",
      "NoNumericProperty",
      "NumberAggregate",
      "SearchOperator",
      "SearchOptions",
    ],
  },
  "features/include.ts": {
    values: [],
    types: ["IncludeOf", "IncludeSpec", "ViewRequiredInclude", "WithIncluded"],
  },
  "features/graph.ts": {
    values: ["Graph", "PlainEdge", "parseGraphSyncState"],
    types: [
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
    ],
  },
  "features/query-graph.ts": { values: [], types: ["GraphQueryOptions"] },
  "core/paging.ts": { values: ["PageTimeoutError"], types: [] },
  "model/where.ts": {
    values: ["WhereError"],
    types: [
      "BooleanFilter",
      "DateFilter",
      "DirectFilter",
      "EnumFilter",
      "JsonFilter",
      "ListFilter",
      "NumberFilter",
      "ReferenceFilter",
      "SelectOf",
      "SortKey",
      "SortOf",
      "StringFilter",
      "TimestampFilter",
      "WhereOf",
    ],
  },
};

/** The runtime file whose every export is a public type (the index: `export type * from`). */
export const PUBLIC_TYPE_MODULE = "core/wire.ts";

/**
 * Every export of `PUBLIC_TYPE_MODULE`, as data: the name plan keeps view names off them (the
 * index exports them all). `public-api.test.ts` holds this list and `PUBLIC_RUNTIME_EXPORTS` to
 * the compiler's view of the runtime modules.
 */
export const PUBLIC_TYPE_MODULE_EXPORTS: readonly string[] = [
  "ApiErrorBody",
  "ApplyFlags",
  "ApplyRequest",
  "ApplyResponse",
  "ContainerReference",
  "DeletedInstance",
  "EdgeExpression",
  "EdgeRead",
  "EdgeWrite",
  "Filter",
  "FilterValue",
  "InstanceDelete",
  "InstanceId",
  "InstanceRead",
  "InstanceWrite",
  "JsonObject",
  "JsonValue",
  "NodeExpression",
  "NodeRead",
  "NodeReference",
  "NodeWrite",
  "ParameterValue",
  "PropertiesBySource",
  "PropertyPath",
  "PropertyRefValue",
  "PropertySort",
  "PropertyValue",
  "PropertyValues",
  "QueryRequest",
  "QueryResponse",
  "QueryResultSetExpression",
  "RangeBound",
  "RangeBounds",
  "Select",
  "SlimInstance",
  "SourceData",
  "SourceReference",
  "SourceSelector",
  "SyncMode",
  "SyncRequest",
  "SyncResponse",
  "SyncResultSetExpression",
  "ThroughReference",
  "ValuesFilter",
  "ViewReference",
];

// The public API of a generated index.ts: what an app names in its own code, and none of the
// runtime's internals. Read with the TypeScript checker from the generated movies output.
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS, readConfig } from "../src/config/index.js";
import {
  EXAMPLES_DIR,
  REPO_ROOT,
  generateFiles,
  scratchDir,
  writeFileMap,
} from "./support/generated.js";

const MOVIES = join(EXAMPLES_DIR, "movies", "views.json");
const MOVIES_CONFIG = join(EXAMPLES_DIR, "movies", "dmgen.config.json");

/** Type-checks `files` in one program (paid once); gives each file's export names and the errors. */
function exportsOf(files: string[]): {
  names: Map<string, string[]>;
  errors: string[];
} {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
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
  const errors = files.flatMap((file) =>
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
  "QueryOptions",
  "QueryPage",
  "ReadOptions",
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
];

const TRANSPORT_EXPORTS = {
  undici: ["UndiciTransportOptions", "createUndiciTransport"],
  fetch: ["FetchFunction", "FetchTransportOptions", "createFetchTransport"],
};

const INTERNALS = [
  "toWireValue",
  "fromWireValue",
  "createDmsError",
  "redactSecrets",
  "causeSummary",
  "isAbortError",
  "WriteCollector",
  "TypedApply",
  "applyInstances",
  "deleteInstances",
  "planApplyRequests",
  "syncPages",
  "syncFingerprint",
  "stableStringify",
  "queryPages",
  "HttpClient",
  "createTokenSource",
  "decideRetry",
  "systemClock",
  "JsonPoster",
];

describe("generated index.ts", () => {
  it("exports the views, the client and the runtime's public API, nothing internal", async () => {
    const config = await readConfig(MOVIES_CONFIG, REPO_ROOT);
    const scratch = await scratchDir("exports");
    try {
      const transports = ["undici", "fetch"] as const;
      for (const transport of transports) {
        const files = await generateFiles([MOVIES], {
          ...DEFAULT_CODE_OPTIONS,
          naming: config!.naming!,
          transport,
        });
        await writeFileMap(join(scratch.dir, transport), files);
      }
      const indexOf = (transport: string) =>
        join(scratch.dir, transport, "index.ts");
      const wire = join(scratch.dir, "undici", "runtime", "wire.ts");
      const checked = exportsOf([...transports.map(indexOf), wire]);
      expect(checked.errors).toEqual([]);
      const wireNames = checked.names.get(wire)!;
      expect(wireNames).toContain("InstanceId");
      for (const transport of transports) {
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
    } finally {
      await scratch.cleanup();
    }
  });
});

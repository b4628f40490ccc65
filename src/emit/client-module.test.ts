// The client emitter, given a one-view model: what `client.ts` holds with every feature and with
// none (the features decide its imports, the accessor types, the context and the client class).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CODE_OPTIONS, type CodeOptions } from "../config/index.js";
import { loadInputs } from "../input/index.js";
import { buildModel } from "../ir/build.js";
import { planNames } from "../naming/plan.js";
import { print } from "./doc.js";
import { MAX_EAGER_VIEWS, emitClientModule } from "./client-module.js";
import * as prettier from "prettier";

/** The text prettier (default options, TypeScript) makes of `code`. */
function prettierFormat(code: string): Promise<string> {
  return prettier.format(code, { parser: "typescript" });
}

const MOVIES = join(
  import.meta.dirname,
  "../../generated-examples/movies/views.json",
);

/** The movies model's three views and copies of PersonView under other names: more than MAX_EAGER_VIEWS. */
const MANY_VIEWS = [
  "PersonView",
  "ActorView",
  "MovieView",
  ...Array.from({ length: MAX_EAGER_VIEWS - 2 }, (_, i) => `Extra${i}View`),
];

async function clientFor(
  options: Partial<CodeOptions>,
  externalIds: readonly string[] = ["PersonView"],
): Promise<string> {
  const input = await loadInputs([MOVIES]);
  const person = input.views.find((v) => v.externalId === "PersonView")!;
  const views = externalIds.map(
    (id) =>
      input.views.find((v) => v.externalId === id) ?? {
        ...person,
        externalId: id,
      },
  );
  const model = buildModel({ views });
  const names = planNames(model, DEFAULT_CODE_OPTIONS.naming);
  const context = {
    model,
    names,
    options: {
      ...DEFAULT_CODE_OPTIONS,
      transport: "fetch" as const,
      ...options,
    },
  };
  return print(emitClientModule(context));
}

describe("emitClientModule", () => {
  it("with no feature: the runtime's accessor class, no include / search / graph / drift / spaces", async () => {
    const text = await clientFor({ features: [] });
    expect(text).toBe(`// Features: none (dmgen generate --features).
import {
  type ClientWrites,
  clientWrites,
} from "./runtime/client/client-writes.js";
import {
  ViewAccessor,
  type ViewAccessorTable,
  ViewRegistry,
  defineViewAccessors,
} from "./runtime/client/view-accessor.js";
import { createFetchTransport } from "./runtime/core/transport-fetch.js";
import type { Transport } from "./runtime/core/transport.js";
import { DmsClient, type DmsClientOptions } from "./runtime/read/dms-client.js";
import { PersonView, type PersonViewApply } from "./views/PersonView.js";

/** Options of {@link createClient}. */
export interface ClientOptions extends Omit<DmsClientOptions, "transport"> {
  /** Default: a fetch transport. */
  readonly transport?: Transport;
}

/** A typed client for this model's views: one accessor per view, \`apply\` / \`delete\` across views, and the untyped DMS client. */
export interface Client extends ClientWrites {
  /** The untyped client: apply and delete of any items, retrieve, list, query, sync. */
  readonly dms: DmsClient;
  /** \`mySpace:PersonView/v1\`: apply, retrieve, list, sync, delete. */
  readonly personView: ViewAccessor<typeof PersonView, PersonViewApply>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/** The members of {@link Client} that are view accessors. */
type ViewAccessors = Omit<Client, keyof LazyClient>;

/** Creates a client for one CDF project (or the dmgen emulator). */
export function createClient(options: ClientOptions): Client {
  const { transport, ...rest } = options;
  /** Each view's accessor: its view, instance type, whether it takes writes, and its read class. */
  const accessors: ViewAccessorTable<ViewAccessors> = {
    personView: [
      "mySpace:PersonView/v1",
      "node",
      true,
      () => Promise.resolve(PersonView),
    ],
  };
  const views = new ViewRegistry(accessors);
  const dms = new DmsClient({
    ...rest,
    transport: transport ?? createFetchTransport(),
  });
  return defineViewAccessors<LazyClient, ViewAccessors>(
    new LazyClient(dms),
    accessors,
    { dms, views },
  );
}

/** The client's members besides its view accessors (\`createClient\` adds those, each created on first use). */
class LazyClient {
  readonly dms: DmsClient;
  readonly apply: ClientWrites["apply"];
  readonly delete: ClientWrites["delete"];

  constructor(dms: DmsClient) {
    this.dms = dms;
    const writes = clientWrites(dms);
    this.apply = writes.apply;
    this.delete = writes.delete;
  }

  close(): Promise<void> {
    return this.dms.close();
  }
}`);
  });

  it("with every feature: accessor types intersect the features' interfaces, in overload order", async () => {
    const text = await clientFor({});
    expect(text).toContain(
      `type Accessor<C extends TypedReadClass, A extends object> = IncludeReads<C> &
  IncludeSearch<C> &
  SearchReads<C> &
  ViewAccessor<C, A>;`,
    );
    expect(text).toContain(
      "export interface Client extends GraphMethods, ClientWrites, SpacesMethods {",
    );
    expect(text).toContain(
      '      check: checks.check,\n      runtime: readRuntime,\n      include: () => import("./runtime/client/include-reads.js"),\n      search: () => import("./runtime/client/search-reads.js"),\n',
    );
    expect(text).toContain("  readonly #verifier: ViewChecks;");
    // What runs a graph gets the eager runtime it uses from the client, as include and search do.
    expect(text).toContain(
      'import { readRuntime } from "./runtime/client/read-runtime.js";',
    );
    expect(text).toContain(
      "    const graphs = graphMethods(dms, views, readRuntime);",
    );
  });

  it(`imports the view modules up front in a model of at most ${MAX_EAGER_VIEWS} views, on first use in a larger one`, async () => {
    const small = await clientFor({}, ["PersonView", "ActorView"]);
    expect(small).toContain(
      'import { PersonView, type PersonViewApply } from "./views/PersonView.js";',
    );
    expect(small).toContain("() => Promise.resolve(ActorView),");
    expect(small).not.toContain('import("./views/');
    const large = await clientFor({}, MANY_VIEWS);
    expect(MANY_VIEWS.length).toBe(MAX_EAGER_VIEWS + 1);
    expect(large).toContain(
      '() => import("./views/PersonView.js").then((m) => m.PersonView),',
    );
    expect(large.match(/\(\) => import\("\.\/views\//g)).toHaveLength(
      MAX_EAGER_VIEWS + 1,
    );
    expect(large).not.toContain("Promise.resolve(");
    expect(large).toContain(
      'import type { PersonView, PersonViewApply } from "./views/PersonView.js";',
    );
  });

  it("prints what prettier prints", async () => {
    for (const features of [[], undefined] as const) {
      const text = await clientFor(features ? { features } : {});
      expect(await prettierFormat(text)).toBe(`${text}\n`);
    }
  });
});

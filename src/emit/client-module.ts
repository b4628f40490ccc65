// `client.ts`: createClient() over the runtime's DmsClient, with one typed accessor per view.
// It imports only the transport chosen at generation time, so a browser build never sees undici.

import type { ViewIR } from "../ir/types.js";
import {
  argumentList,
  expandedObject,
  hardline,
  indent,
  jsDoc,
  join,
  type Doc,
} from "./doc.js";
import { Imports, namesOf, type EmitContext } from "./context.js";
import { importsDoc } from "./module.js";
import { rootModule, typeReference, viewText } from "./property-types.js";

const TRANSPORTS = {
  undici: {
    module: "./runtime/transport-undici.js",
    create: "createUndiciTransport",
    doc: "a pooled, keep-alive undici transport",
  },
  fetch: {
    module: "./runtime/transport-fetch.js",
    create: "createFetchTransport",
    doc: "a fetch transport",
  },
} as const;

export function emitClientModule(context: EmitContext): Doc {
  const imports = new Imports();
  const transport = TRANSPORTS[context.options.transport];
  imports.value("./runtime/dms-client.js", "DmsClient");
  imports.type("./runtime/dms-client.js", "DmsClientOptions");
  imports.value(transport.module, transport.create);
  imports.type("./runtime/transport.js", "Transport");
  const accessors = context.model.views.map((view) =>
    accessorParts(context, imports, view),
  );
  const clientFields = [
    "...rest",
    `transport: transport ?? ${transport.create}()`,
  ];
  if (context.options.int64 === "bigint") {
    // int64 values are bigint in the generated types: parse them exactly from every response.
    const parser = imports.value("./runtime/json.js", "int64JsonParser");
    const keys = imports.value("./runtime/json.js", "bigintKeys");
    const classes = accessors.map((a) => a.readClass).join(", ");
    clientFields.push(`parseJson: ${parser}(${keys}([${classes}]))`);
  }
  const body = [
    jsDoc(["Options of {@link createClient}."]),
    `export interface ClientOptions extends Omit<DmsClientOptions, "transport"> `,
    block([
      [
        jsDoc([`Default: ${transport.doc}.`]),
        "readonly transport?: Transport;",
      ],
    ]),
    hardline,
    hardline,
    jsDoc([
      "A typed client for this model's views: one accessor per view, and the untyped DMS client.",
    ]),
    "export interface Client ",
    block([
      [
        jsDoc([
          "The untyped client: apply and delete of any items, retrieve, list, query, sync.",
        ]),
        "readonly dms: DmsClient;",
      ],
      ...accessors.map((a) => a.member),
      [jsDoc(["Releases pooled connections."]), "close(): Promise<void>;"],
    ]),
    hardline,
    hardline,
    jsDoc(["Creates a client for one CDF project (or the dmgen emulator)."]),
    "export function createClient(options: ClientOptions): Client ",
    "{",
    indent(
      hardline,
      "const { transport, ...rest } = options;",
      hardline,
      "const dms = new DmsClient(",
      expandedObject(clientFields),
      ");",
      hardline,
      "return ",
      expandedObject([
        "dms",
        ...accessors.map((a) => a.value),
        "close: () => dms.close()",
      ]),
      ";",
    ),
    hardline,
    "}",
  ];
  return [importsDoc(imports), hardline, body];
}

function block(members: Doc[]): Doc {
  return ["{", indent(hardline, join(hardline, members)), hardline, "}"];
}

function accessorParts(
  context: EmitContext,
  imports: Imports,
  view: ViewIR,
): { member: Doc; value: Doc; readClass: string } {
  const names = namesOf(context, view);
  const module = rootModule(names.module);
  const readClass = imports.value(module, names.readClass);
  const instanceType = `"${view.kind}"`;
  if (view.writable) {
    const accessor = imports.value(
      "./runtime/view-accessor.js",
      "ViewAccessor",
    );
    const applyClass = imports.type(module, names.applyClass);
    return {
      member: [
        jsDoc([`${viewText(view.ref)}: apply, retrieve, list, sync, delete.`]),
        `readonly ${names.accessor}: `,
        typeReference(accessor, [readClass, applyClass], ";"),
      ],
      value: [
        `${names.accessor}: new ${accessor}`,
        argumentList(["dms", readClass, instanceType]),
      ],
      readClass,
    };
  }
  const accessor = imports.value(
    "./runtime/view-accessor.js",
    "ReadOnlyViewAccessor",
  );
  return {
    member: [
      jsDoc([`${viewText(view.ref)} (read only): retrieve, list, sync.`]),
      `readonly ${names.accessor}: `,
      typeReference(accessor, [readClass], ";"),
    ],
    value: [
      `${names.accessor}: new ${accessor}`,
      argumentList(["dms", readClass, instanceType]),
    ],
    readClass,
  };
}

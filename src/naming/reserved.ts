// Names generated code must not take.

/** JavaScript / TypeScript reserved and contextual words: invalid or confusing as class names. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
  "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
  "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
  "typeof", "var", "void", "while", "with", "as", "implements", "interface", "let", "package",
  "private", "protected", "public", "static", "yield", "any", "boolean", "number", "string",
  "symbol", "bigint", "object", "unknown", "never", "undefined", "type", "declare", "namespace",
  "module", "require", "abstract", "async", "await", "constructor", "get", "set", "of", "readonly",
  "keyof", "infer", "is", "asserts", "global", "unique", "satisfies", "accessor", "out",
  "arguments", "eval",
]);

/**
 * Global names that a generated class must not shadow: generated modules and apps use them
 * (`Date` is the read type of timestamps).
 */
export const GLOBAL_NAMES: ReadonlySet<string> = new Set([
  "Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "BigInt", "Date",
  "RegExp", "Error", "TypeError", "RangeError", "Map", "Set", "WeakMap", "WeakSet", "Promise",
  "Proxy", "Reflect", "JSON", "Math", "Intl", "NaN", "Infinity", "globalThis", "Record",
  "Partial", "Required", "Readonly", "Pick", "Omit", "Exclude", "Extract", "NonNullable",
  "ReturnType", "InstanceType", "Parameters", "Awaited", "Iterable", "AsyncIterable", "Iterator",
  "ArrayBuffer", "DataView", "URL", "Headers", "Request", "Response", "AbortSignal", "Buffer",
  "Uint8Array", "TextEncoder", "TextDecoder", "Node", "Element", "Event", "Window", "Document",
]);

/** Names the generated modules import from the runtime, or export besides the view classes. */
export const RUNTIME_NAMES: ReadonlySet<string> = new Set([
  "TypedNode", "TypedNodeApply", "TypedEdge", "TypedEdgeApply", "TypedApply", "TypedInstance",
  "InstanceId", "ViewReference", "EdgeTarget", "EdgeLink", "Connected", "NodeApplyOptions",
  "EdgeEnds", "JsonValue", "JsonObject", "PropertyMap", "ConnectionMap", "NodeRead", "EdgeRead",
  "ReadOptions", "WriteCollector", "PropertyValueError", "DmsClient", "createClient", "ClientOptions",
  "GeneratedClient", "views", "combineNodes", "collectWrites",
]);

/**
 * Members every instance of a generated class already has (instance fields, base-class members,
 * Object.prototype): a view property of that name would shadow or break them.
 */
export const INSTANCE_MEMBERS: ReadonlySet<string> = new Set([
  "space", "externalId", "version", "createdTime", "lastUpdatedTime", "deletedTime", "type",
  "instanceType", "id", "existingVersion", "properties", "sources", "toInstanceWrite",
  "toInstanceWrites", "collect", "sourceData", "nodeWrite", "edgeWrite",
  "collectEdges", "constructor", "prototype", "__proto__", "toString", "toLocaleString",
  "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toJSON",
  "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__", "then",
]);

/** Edge instances have their ends as fields too. */
export const EDGE_INSTANCE_MEMBERS: ReadonlySet<string> = new Set(["startNode", "endNode"]);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED_WORDS.has(name);
}

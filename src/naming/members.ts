// Member names that generated names must keep off, as data: the members of the runtime's base
// classes (a view property of that name would clash with them in the generated class) and of the
// generated client (a view accessor of that name would clash). `members.test.ts` holds this
// manifest to the TypeScript compiler's view of the runtime classes and of an emitted client, so
// it cannot go stale: a member added to either fails that test until it is listed here.
//
// A name listed here is reserved from the next run on; a name the lock already holds stays, so
// adding a member never renames a property or accessor an app uses.

/** The runtime module declaring the base classes of generated classes. */
export const BASE_CLASS_MODULE = "model/typed.ts";

/** The runtime classes a generated view class extends (when it has no parent view). */
export const VIEW_BASE_CLASSES = {
  node: { read: "TypedNode", apply: "TypedNodeApply" },
  edge: { read: "TypedEdge", apply: "TypedEdgeApply" },
} as const;

export type BaseClassName =
  (typeof VIEW_BASE_CLASSES)[keyof typeof VIEW_BASE_CLASSES]["read" | "apply"];

/** What one runtime base class has: instance members (own and inherited) and statics. */
export interface BaseClassMembers {
  /** Properties, methods, accessors, private and protected ones too (TypeScript refuses a
   * subclass field named like a private member). `#private` names cannot clash: not listed. */
  readonly instance: readonly string[];
  /** The statics a generated class overrides or inherits (`static override readonly view`). */
  readonly statics: readonly string[];
}

const APPLY_MEMBERS = [
  "collect",
  "existingVersion",
  "externalId",
  "id",
  "space",
  "toInstanceWrite",
  "toInstanceWrites",
  "type",
];

const READ_MEMBERS = [
  "createdTime",
  "deletedTime",
  "externalId",
  "id",
  "lastUpdatedTime",
  "space",
  "type",
  "version",
];

const APPLY_STATICS = [
  "connections",
  "implemented",
  "instanceType",
  "properties",
  "view",
];

const READ_STATICS = ["connections", "implemented", "properties", "view"];

/** The runtime's base classes of generated classes, by name. */
export const BASE_CLASS_MEMBERS: Readonly<
  Record<BaseClassName, BaseClassMembers>
> = {
  TypedNode: { instance: READ_MEMBERS, statics: READ_STATICS },
  TypedNodeApply: {
    instance: [...APPLY_MEMBERS, "nodeWrite"].sort(),
    statics: APPLY_STATICS,
  },
  TypedEdge: {
    instance: [...READ_MEMBERS, "endNode", "startNode"].sort(),
    statics: READ_STATICS,
  },
  TypedEdgeApply: {
    instance: [...APPLY_MEMBERS, "edgeWrite", "endNode", "startNode"].sort(),
    statics: APPLY_STATICS,
  },
};

/** The module's own class behind the generated `Client` (see client-module.ts). */
export const CLIENT_CLASS = "LazyClient";

/**
 * The members of the generated `Client` besides its view accessors: its own (`dms`, `close`,
 * `verifyViews`) and those of the runtime groups it extends (`graph` / `query` / `sync` of
 * `GraphMethods`, `apply` / `delete` / `spaces` of `ClientWrites`). Listed whatever features an
 * output has, so that choosing features never renames an accessor.
 */
export const CLIENT_MEMBERS: readonly string[] = [
  "apply",
  "close",
  "delete",
  "dms",
  "graph",
  "query",
  "spaces",
  "sync",
  "verifyViews",
];

/**
 * Names kept off accessors though the client has no such public member: `views` (a client-level
 * name the design keeps; also the name of the registry the client class holds) and `verifier`
 * (the client class's `#verifier`). Reserved since earlier versions: dropping one could change
 * the accessor a new view gets.
 */
export const CLIENT_KEPT_NAMES: readonly string[] = ["verifier", "views"];

/**
 * Names every JavaScript object has (`Object.prototype`'s, read from it), and `then`: an object
 * with a `then` member is taken for a promise by `await`.
 */
export const OBJECT_MEMBERS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  "prototype",
  "then",
]);

/**
 * Property names a view of each kind cannot have: the instance members of its generated read and
 * apply classes' runtime bases, and every object's members.
 */
export function viewInstanceMembers(): {
  node: ReadonlySet<string>;
  edge: ReadonlySet<string>;
} {
  const of = (kind: keyof typeof VIEW_BASE_CLASSES): ReadonlySet<string> =>
    new Set([
      ...OBJECT_MEMBERS,
      ...BASE_CLASS_MEMBERS[VIEW_BASE_CLASSES[kind].read].instance,
      ...BASE_CLASS_MEMBERS[VIEW_BASE_CLASSES[kind].apply].instance,
    ]);
  return { node: of("node"), edge: of("edge") };
}

/** Names a view accessor cannot take: the client's members, the kept names, every object's. */
export function clientMemberNames(): Set<string> {
  return new Set([...CLIENT_MEMBERS, ...CLIENT_KEPT_NAMES, ...OBJECT_MEMBERS]);
}

// Drift between a view as the code was generated from it and the view as the project has it now.
// `compareView` is pure and shared: `dmgen drift` feeds it the output's record, the client
// (`verifyViews`) its generated property maps. `ViewVerifier` fetches live views for the client.

import type { ViewDriftError } from "./view-drift-error.js";
import type { JsonPoster } from "../write/apply.js";
import type {
  EdgeConnectionDefinition,
  PropertyDefinition,
} from "../model/values.js";
import type { InstanceId, ViewReference } from "../core/wire.js";

/** What the generated code relies on in a mapped property (the generated property map's entry). */
export type RecordedProperty = Pick<
  PropertyDefinition,
  | "identifier"
  | "type"
  | "list"
  | "nullable"
  | "autoIncrement"
  | "values"
  | "target"
  | "container"
  | "containerProperty"
  | "default"
>;

/** What the generated code relies on in an edge connection or a reverse direct relation. */
export type RecordedConnection =
  | (Pick<
      EdgeConnectionDefinition,
      | "identifier"
      | "connection"
      | "multi"
      | "edgeType"
      | "direction"
      | "target"
    > & { readonly edgeSource?: { readonly view: ViewReference } })
  | {
      readonly identifier: string;
      readonly connection: "reverse";
      readonly multi: boolean;
      readonly target: string;
      readonly through: {
        readonly source: {
          readonly type: "view" | "container";
          readonly space: string;
          readonly externalId: string;
          readonly version?: string;
        };
        readonly identifier: string;
      };
    };

/** Names and descriptions as generated into the JSDoc (the record has them; the client does not). */
export interface RecordedTexts {
  readonly name?: string;
  readonly description?: string;
  /** By API identifier. */
  readonly properties: Readonly<
    Record<string, { readonly name?: string; readonly description?: string }>
  >;
}

/** A view as the code was generated from it. Fields left undefined are not compared. */
export interface RecordedView {
  readonly view: ViewReference;
  /** The TypeScript class name, for messages. */
  readonly className?: string;
  /** Mapped properties by TypeScript name. */
  readonly properties: Readonly<Record<string, RecordedProperty>>;
  /** Connections by TypeScript name. */
  readonly connections: Readonly<Record<string, RecordedConnection>>;
  /** The implemented views, as `space:externalId/version`. */
  readonly implements?: readonly string[];
  readonly texts?: RecordedTexts;
}

/** `breaking`: the generated code's types or requests no longer fit; `additive`: they still do. */
export type DriftClass = "breaking" | "additive";

export type DriftChange =
  | "view-missing"
  | "property-missing"
  | "kind-changed"
  | "type-changed"
  | "list-changed"
  | "container-changed"
  | "became-required"
  | "target-changed"
  | "edge-type-changed"
  | "direction-changed"
  | "edge-source-changed"
  | "through-changed"
  | "enum-values-removed"
  | "required-property-added"
  | "property-added"
  | "enum-values-added"
  | "became-nullable"
  | "default-changed"
  | "implements-changed"
  | "name-changed"
  | "description-changed";

/** One difference between a recorded view and the live one. */
export interface ViewDifference {
  readonly class: DriftClass;
  readonly change: DriftChange;
  /** The API identifier of the property; absent for differences of the view itself. */
  readonly property?: string;
  /** The property's TypeScript name, when the generated code has the property. */
  readonly name?: string;
  /** One line for people, e.g. `type changed from int32 to text`. */
  readonly message: string;
}

/** The differences of one view. */
export interface ViewDrift {
  /** `space:externalId/version`. */
  readonly view: string;
  readonly className?: string;
  readonly differences: readonly ViewDifference[];
}

/** What `client.verifyViews()` returns: the views with differences, and whether any breaks. */
export interface ViewDriftReport {
  readonly breaking: boolean;
  /** Views without differences are left out. */
  readonly views: readonly ViewDrift[];
}

// ---- the comparison (pure)

/** A live property, read leniently from the API's view shape (older shapes included). */
type LiveProperty = Record<string, unknown>;

/**
 * Every difference between `recorded` and `live` (a view as `views/byids` returns it, or
 * undefined when the project does not have it), breaking ones first, each group in property order.
 */
export function compareView(
  recorded: RecordedView,
  live: Readonly<Record<string, unknown>> | undefined,
): ViewDifference[] {
  if (live === undefined)
    return [
      {
        class: "breaking",
        change: "view-missing",
        message: "the view is gone",
      },
    ];
  const liveProperties = asObject(live.properties) ?? {};
  const differences: ViewDifference[] = [];
  const known = new Set<string>();
  for (const [name, property] of Object.entries(recorded.properties)) {
    known.add(property.identifier);
    const found = asObject(liveProperties[property.identifier]);
    differences.push(
      ...named(name, property.identifier, compareMapped(property, found)),
    );
  }
  for (const [name, connection] of Object.entries(recorded.connections)) {
    known.add(connection.identifier);
    const found = asObject(liveProperties[connection.identifier]);
    differences.push(
      ...named(
        name,
        connection.identifier,
        compareConnection(connection, found),
      ),
    );
  }
  for (const [identifier, property] of Object.entries(liveProperties)) {
    if (known.has(identifier)) continue;
    const object = asObject(property) ?? {};
    const required = isMapped(object) && isRequired(object);
    differences.push({
      class: required ? "breaking" : "additive",
      change: required ? "required-property-added" : "property-added",
      property: identifier,
      message: required
        ? "a new required property (not nullable, no default): writes without it fail"
        : "a new optional property",
    });
  }
  differences.push(...compareViewLevel(recorded, live));
  // Stable: breaking first, otherwise in the order found.
  return [
    ...differences.filter((d) => d.class === "breaking"),
    ...differences.filter((d) => d.class === "additive"),
  ];
}

type Found = Omit<ViewDifference, "property" | "name">;

function named(
  name: string,
  identifier: string,
  found: readonly Found[],
): ViewDifference[] {
  return found.map((difference) => ({
    ...difference,
    property: identifier,
    name,
  }));
}

function breaking(change: DriftChange, message: string): Found {
  return { class: "breaking", change, message };
}

function additive(change: DriftChange, message: string): Found {
  return { class: "additive", change, message };
}

function compareMapped(
  recorded: RecordedProperty,
  live: LiveProperty | undefined,
): Found[] {
  if (live === undefined)
    return [breaking("property-missing", "the property is gone")];
  if (!isMapped(live))
    return [
      breaking(
        "kind-changed",
        "no longer a container property (now a connection)",
      ),
    ];
  const type = asObject(live.type) ?? {};
  const found: Found[] = [];
  const liveType = String(type.type);
  if (liveType !== recorded.type)
    found.push(
      breaking(
        "type-changed",
        `type changed from ${recorded.type} to ${liveType}`,
      ),
    );
  const recordedList = recorded.list ?? false;
  if ((type.list === true) !== recordedList)
    found.push(
      breaking(
        "list-changed",
        recordedList ? "no longer a list" : "now a list",
      ),
    );
  const liveContainer = containerText(live);
  const recordedContainer = recorded.container
    ? `${recorded.container}.${recorded.containerProperty ?? recorded.identifier}`
    : undefined;
  if (recordedContainer !== undefined && liveContainer !== recordedContainer)
    found.push(
      breaking(
        "container-changed",
        `maps ${liveContainer} instead of ${recordedContainer}`,
      ),
    );
  if (recorded.type === "direct" && liveType === "direct") {
    const target = directTarget(live, type);
    if (target !== recorded.target)
      found.push(
        breaking(
          "target-changed",
          `relation target changed from ${recorded.target ?? "any view"} to ${target ?? "any view"}`,
        ),
      );
  }
  if (recorded.type === "enum" && liveType === "enum")
    found.push(...compareEnumValues(recorded.values ?? [], type));
  found.push(...compareRequirement(recorded, live));
  return found;
}

/** Whether a write must give the property (nullability, default, auto-increment). */
function compareRequirement(
  recorded: RecordedProperty,
  live: LiveProperty,
): Found[] {
  const wasRequired = isRequired({
    nullable: recorded.nullable ?? true,
    autoIncrement: recorded.autoIncrement ?? false,
    defaultValue: recorded.default,
  });
  if (!wasRequired && isRequired(live))
    return [
      breaking(
        "became-required",
        "now required (not nullable, no default): writes without it fail",
      ),
    ];
  const found: Found[] = [];
  if (recorded.nullable === false && live.nullable !== false)
    found.push(
      additive(
        "became-nullable",
        "now nullable: reads may return null where the generated type has none",
      ),
    );
  if (!sameJson(recorded.default, live.defaultValue))
    found.push(additive("default-changed", "the default value changed"));
  return found;
}

function compareEnumValues(
  recorded: readonly string[],
  type: Record<string, unknown>,
): Found[] {
  const live = Object.keys(asObject(type.values) ?? {});
  const removed = recorded.filter((value) => !live.includes(value));
  const added = live.filter((value) => !recorded.includes(value));
  const found: Found[] = [];
  if (removed.length > 0)
    found.push(
      breaking(
        "enum-values-removed",
        `enum values removed: ${removed.join(", ")}`,
      ),
    );
  if (added.length > 0)
    found.push(
      additive(
        "enum-values-added",
        `enum values added: ${added.join(", ")} (reads may return them; the generated type lacks them)`,
      ),
    );
  return found;
}

function compareConnection(
  recorded: RecordedConnection,
  live: LiveProperty | undefined,
): Found[] {
  if (live === undefined)
    return [breaking("property-missing", "the property is gone")];
  const liveKind = connectionKind(live);
  if (liveKind !== recorded.connection)
    return [
      breaking(
        "kind-changed",
        `now ${liveKind === "mapped" ? "a container property" : `a ${liveKind} connection`}, not a ${recorded.connection} connection`,
      ),
    ];
  const found: Found[] = [];
  const liveMulti = isMulti(live, recorded.multi);
  if (liveMulti !== recorded.multi)
    found.push(
      breaking(
        "list-changed",
        recorded.multi ? "now a single connection" : "now a multi connection",
      ),
    );
  const target = refText(live.source);
  if (target !== recorded.target)
    found.push(
      breaking(
        "target-changed",
        `target changed from ${recorded.target} to ${target ?? "nothing"}`,
      ),
    );
  if (recorded.connection === "edge") {
    const edgeType = refText(live.type);
    const recordedType = refText(recorded.edgeType);
    if (edgeType !== recordedType)
      found.push(
        breaking(
          "edge-type-changed",
          `edge type changed from ${recordedType} to ${edgeType ?? "nothing"}`,
        ),
      );
    const direction = live.direction ?? "outwards";
    if (direction !== recorded.direction)
      found.push(
        breaking(
          "direction-changed",
          `direction changed from ${recorded.direction} to ${String(direction)}`,
        ),
      );
    const edgeSource = refText(live.edgeSource);
    const recordedSource = refText(recorded.edgeSource?.view);
    if (edgeSource !== recordedSource)
      found.push(
        breaking(
          "edge-source-changed",
          `edge properties' view changed from ${recordedSource ?? "none"} to ${edgeSource ?? "none"}`,
        ),
      );
  } else {
    const through = asObject(live.through) ?? {};
    const liveThrough = `${refText(through.source) ?? "?"}.${String(through.identifier)}`;
    const recordedThrough = `${refText(recorded.through.source)}.${recorded.through.identifier}`;
    if (liveThrough !== recordedThrough)
      found.push(
        breaking(
          "through-changed",
          `through changed from ${recordedThrough} to ${liveThrough}`,
        ),
      );
  }
  return found;
}

function compareViewLevel(
  recorded: RecordedView,
  live: Readonly<Record<string, unknown>>,
): ViewDifference[] {
  const found: ViewDifference[] = [];
  if (recorded.implements !== undefined) {
    const liveImplements = Array.isArray(live.implements)
      ? live.implements.map((ref) => refText(ref) ?? "?")
      : [];
    if (liveImplements.join(",") !== recorded.implements.join(","))
      found.push({
        class: "additive",
        change: "implements-changed",
        message: `implements [${liveImplements.join(", ")}] instead of [${recorded.implements.join(", ")}]`,
      });
  }
  const texts = recorded.texts;
  if (texts === undefined) return found;
  found.push(...textChanges(texts, live));
  const liveProperties = asObject(live.properties) ?? {};
  const names = new Map<string, string>();
  for (const map of [recorded.properties, recorded.connections])
    for (const [name, { identifier }] of Object.entries(map))
      names.set(identifier, name);
  for (const [identifier, text] of Object.entries(texts.properties)) {
    const property = asObject(liveProperties[identifier]);
    if (property === undefined) continue;
    const name = names.get(identifier);
    for (const change of textChanges(text, property))
      found.push({
        ...change,
        property: identifier,
        ...(name === undefined ? {} : { name }),
      });
  }
  return found;
}

function textChanges(
  recorded: { readonly name?: string; readonly description?: string },
  live: Readonly<Record<string, unknown>>,
): ViewDifference[] {
  const found: ViewDifference[] = [];
  for (const field of ["name", "description"] as const) {
    const value = typeof live[field] === "string" ? live[field] : undefined;
    if ((value || undefined) !== (recorded[field] || undefined))
      found.push({
        class: "additive",
        change: field === "name" ? "name-changed" : "description-changed",
        message:
          field === "name"
            ? `the name changed from ${quoted(recorded.name)} to ${quoted(value)}`
            : "the description changed",
      });
  }
  return found;
}

function quoted(text: string | undefined): string {
  return text ? JSON.stringify(text) : "none";
}

// ---- reading the live shape

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isMapped(property: LiveProperty): boolean {
  return asObject(property.container) !== undefined;
}

function connectionKind(property: LiveProperty): "mapped" | "edge" | "reverse" {
  if (isMapped(property)) return "mapped";
  return property.through !== undefined ? "reverse" : "edge";
}

/** Older API versions leave `connectionType` out; edges were then multi unless said otherwise. */
function isMulti(property: LiveProperty, fallback: boolean): boolean {
  const type = property.connectionType;
  if (typeof type !== "string") return fallback;
  return type.startsWith("multi_");
}

function isRequired(property: {
  readonly nullable?: unknown;
  readonly autoIncrement?: unknown;
  readonly defaultValue?: unknown;
}): boolean {
  return (
    property.nullable === false &&
    property.autoIncrement !== true &&
    (property.defaultValue === undefined || property.defaultValue === null)
  );
}

function containerText(property: LiveProperty): string {
  const container = refText(property.container) ?? "?";
  return `${container}.${String(property.containerPropertyIdentifier)}`;
}

/** A direct relation's target view: `type.source` now, `source` in older API versions. */
function directTarget(
  property: LiveProperty,
  type: Record<string, unknown>,
): string | undefined {
  return refText(type.source) ?? refText(property.source);
}

/** `space:externalId/version` for a view, `space:externalId` for anything else. */
function refText(value: unknown): string | undefined {
  const ref = asObject(value) as
    (Partial<InstanceId> & { version?: unknown }) | undefined;
  if (ref?.space === undefined || ref.externalId === undefined)
    return undefined;
  return typeof ref.version === "string"
    ? `${ref.space}:${ref.externalId}/${ref.version}`
    : `${ref.space}:${ref.externalId}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

// ---- the client's check

/** What the client knows of a generated class: its view and its property and connection maps. */
export interface VerifiableClass {
  readonly name: string;
  readonly view: ViewReference;
  readonly properties: RecordedView["properties"];
  readonly connections: RecordedView["connections"];
}

/** The recorded facts of a generated class, from the maps it already carries. */
export function recordedViewOf(viewClass: VerifiableClass): RecordedView {
  return {
    view: viewClass.view,
    className: viewClass.name,
    properties: viewClass.properties,
    connections: viewClass.connections,
  };
}

/** views/byids takes at most 100 ids per request. */
const BYIDS_LIMIT = 100;

/**
 * Fetches live view definitions for a client and compares them with its generated classes. Each
 * view is fetched once for the client's life; views asked for in the same tick share a request.
 */
export class ViewVerifier {
  readonly #http: JsonPoster;
  readonly #classes: () => Promise<Iterable<VerifiableClass>>;
  readonly #drifts = new Map<string, Promise<ViewDrift>>();
  /** The views of the request not sent yet. */
  #pending:
    | {
        readonly classes: VerifiableClass[];
        readonly live: Promise<Map<string, Record<string, unknown>>>;
      }
    | undefined;

  constructor(
    http: JsonPoster,
    /** The client's classes, or how to load them (the client loads view modules on first use). */
    classes:
      Iterable<VerifiableClass> | (() => Promise<Iterable<VerifiableClass>>),
    /** Whether reads and writes through an accessor wait for the check of their view. */
    readonly beforeUse: boolean,
    /**
     * The error class, handed in by the client: a static import from this lazily loaded module
     * would give the class a bundle chunk of its own (bundlers key a module's chunk by the entry
     * points that reach it), split from the code an app loads up front.
     */
    private readonly DriftError: typeof ViewDriftError,
  ) {
    this.#http = http;
    this.#classes =
      typeof classes === "function" ? classes : () => Promise.resolve(classes);
  }

  /** Rejects with `ViewDriftError` when the view of `viewClass` has breaking drift. */
  async check(viewClass: VerifiableClass): Promise<void> {
    const drift = await this.#driftOf(viewClass);
    const breaking = drift.differences.filter((d) => d.class === "breaking");
    if (breaking.length > 0)
      throw new this.DriftError(
        drift.view,
        breaking,
        breaking.map(describeDifference).join("; "),
      );
  }

  /** Compares every view of the client (up to 100 per request) and reports the differences. */
  async verifyAll(): Promise<ViewDriftReport> {
    const classes = [...(await this.#classes())];
    const drifts = await Promise.all(
      classes.map((viewClass) => this.#driftOf(viewClass)),
    );
    const views = drifts.filter((drift) => drift.differences.length > 0);
    return {
      breaking: views.some((v) =>
        v.differences.some((d) => d.class === "breaking"),
      ),
      views,
    };
  }

  #driftOf(viewClass: VerifiableClass): Promise<ViewDrift> {
    const key = keyOf(viewClass.view);
    let drift = this.#drifts.get(key);
    if (drift === undefined) {
      drift = this.#fetchInBatch(viewClass).then((live) => ({
        view: key,
        className: viewClass.name,
        differences: compareView(recordedViewOf(viewClass), live),
      }));
      // A failed request is not remembered: the next use asks again.
      drift.catch(() => this.#drifts.delete(key));
      this.#drifts.set(key, drift);
    }
    return drift;
  }

  /** The live view (undefined: the project lacks it), fetched with the views asked for in this tick. */
  async #fetchInBatch(
    viewClass: VerifiableClass,
  ): Promise<Record<string, unknown> | undefined> {
    let batch = this.#pending;
    if (batch === undefined || batch.classes.length >= BYIDS_LIMIT) {
      const classes: VerifiableClass[] = [];
      // Sent after the current tick, so that views asked for together share the request.
      const live = Promise.resolve().then(() => {
        if (this.#pending?.classes === classes) this.#pending = undefined;
        return this.#send(classes);
      });
      batch = { classes, live };
      this.#pending = batch;
    }
    batch.classes.push(viewClass);
    return (await batch.live).get(keyOf(viewClass.view));
  }

  async #send(
    classes: readonly VerifiableClass[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const response = await this.#http.postJson<{ items?: unknown[] }>(
      "/models/views/byids",
      {
        items: classes.map(({ view }) => ({
          space: view.space,
          externalId: view.externalId,
          version: view.version,
        })),
      },
      { query: { includeInheritedProperties: true } },
    );
    const live = new Map<string, Record<string, unknown>>();
    for (const item of response.items ?? []) {
      const view = asObject(item);
      if (view) live.set(keyOf(view as unknown as ViewReference), view);
    }
    return live;
  }
}

function keyOf(view: {
  readonly space: string;
  readonly externalId: string;
  readonly version: string;
}): string {
  return `${view.space}:${view.externalId}/${view.version}`;
}

/** `releaseYear (releaseYear): the property is gone`, or the message alone for the view itself. */
export function describeDifference(difference: ViewDifference): string {
  if (difference.property === undefined) return difference.message;
  const label =
    difference.name === undefined || difference.name === difference.property
      ? `\`${difference.property}\``
      : `${difference.name} (\`${difference.property}\`)`;
  return `${label}: ${difference.message}`;
}

// The record of what an output was generated from (`dmgen.record.json`, committed with the
// generated code): per view, the facts the generated classes rely on. `generate` writes it from
// the IR; `drift` reads it back and compares it with the live views.
//
// A file of its own, not part of the name lock: the lock is an input of the next run that people
// edit to rename things, the record is pure output that nobody edits; and in a review, a changed
// record shows that the model changed, a changed lock that names did.

import type {
  RecordedConnection,
  RecordedProperty,
  RecordedView,
} from "../../templates/runtime/features/view-drift.js";
import type { DmsType } from "../../templates/runtime/model/values.js";
import type { JsonValue } from "../../templates/runtime/core/wire.js";
import { UserError } from "../errors.js";
import type { ModelIR, PropertyIR, ViewIR } from "../ir/types.js";
import { at, describe, type JsonLocation } from "../input/json-reader.js";
import type { LockedName, NameLock } from "../naming/lock.js";
import type { NamePlan } from "../naming/plan.js";

export const RECORD_FILE = "dmgen.record.json";

const NOTE =
  "What this output was generated from: per view, the facts the generated code relies on. `dmgen drift` compares them with the live views. Written by dmgen generate; do not edit.";

/** One property as recorded: a container property, or a connection (`connection` set). */
export type PropertyRecord =
  | {
      readonly name?: string;
      readonly description?: string;
      readonly container: string;
      readonly containerProperty: string;
      readonly type: DmsType;
      readonly list: boolean;
      readonly nullable: boolean;
      readonly autoIncrement: boolean;
      readonly default?: JsonValue;
      readonly target?: string;
      readonly values?: readonly string[];
    }
  | {
      readonly name?: string;
      readonly description?: string;
      readonly connection: "edge";
      readonly edgeType: string;
      readonly direction: "outwards" | "inwards";
      readonly multi: boolean;
      readonly target: string;
      readonly edgeSource?: string;
    }
  | {
      readonly name?: string;
      readonly description?: string;
      readonly connection: "reverse";
      readonly multi: boolean;
      readonly target: string;
      /** `space:externalId/version.identifier` (a view) or `space:externalId.identifier` (a container). */
      readonly through: string;
    };

export interface ViewRecord {
  /** The generated read class (for messages; the name lock may leave it out). */
  readonly class: string;
  readonly name?: string;
  readonly description?: string;
  readonly implements: readonly string[];
  /** By API identifier, in the view's order. */
  readonly properties: Readonly<Record<string, PropertyRecord>>;
}

/** View key (`space:externalId/version`) → what it was generated from. */
export type OutputRecord = Readonly<Record<string, ViewRecord>>;

/** The record of a model, in the model's view order (sorted by key). */
export function recordOf(model: ModelIR, names: NamePlan): OutputRecord {
  const views: Record<string, ViewRecord> = {};
  for (const view of model.views)
    views[view.key] = viewRecord(view, names.views.get(view.key)!.readClass);
  return views;
}

/** The record file's text: fixed key order, two-space JSON as prettier prints it. */
export function serializeRecord(record: OutputRecord): string {
  return `${prettyJson({ note: NOTE, views: record }, "", 0)}\n`;
}

const PRINT_WIDTH = 80;

/**
 * JSON as prettier prints it: objects one entry a line (prettier keeps them so), arrays of
 * scalars on one line when it fits (`column`: where the value starts; `tail`: what follows it).
 */
function prettyJson(
  value: unknown,
  indent: string,
  column: number,
  tail = 0,
): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const scalars = value.every(
      (item) => typeof item !== "object" || item === null,
    );
    const flat = `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
    if (scalars && column + flat.length + tail <= PRINT_WIDTH) return flat;
    const items = value.map(
      (item, i) =>
        inner +
        prettyJson(item, inner, inner.length, i < value.length - 1 ? 1 : 0),
    );
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  const lines = entries.map(([key, entry], i) => {
    const head = `${inner}${JSON.stringify(key)}: `;
    const last = i === entries.length - 1;
    return head + prettyJson(entry, inner, head.length, last ? 0 : 1);
  });
  return `{\n${lines.join(",\n")}\n${indent}}`;
}

function viewRecord(view: ViewIR, className: string): ViewRecord {
  const properties: Record<string, PropertyRecord> = {};
  for (const property of view.properties)
    properties[property.identifier] = propertyRecord(property);
  return {
    class: className,
    ...texts(view),
    implements: view.implements.map(refText),
    properties,
  };
}

function propertyRecord(property: PropertyIR): PropertyRecord {
  if (property.kind === "edge")
    return {
      ...texts(property),
      connection: "edge",
      edgeType: refText(property.edgeType),
      direction: property.direction,
      multi: property.multi,
      target: refText(property.target),
      ...(property.edgeSource
        ? { edgeSource: refText(property.edgeSource) }
        : {}),
    };
  if (property.kind === "reverse")
    return {
      ...texts(property),
      connection: "reverse",
      multi: property.multi,
      target: refText(property.target),
      through: `${refText(property.through.source)}.${property.through.identifier}`,
    };
  const type = property.type;
  return {
    ...texts(property),
    container: refText(property.container),
    containerProperty: property.containerPropertyIdentifier,
    type: type.type,
    list: type.list,
    nullable: property.nullable,
    autoIncrement: property.autoIncrement,
    ...(property.defaultValue !== undefined && property.defaultValue !== null
      ? { default: property.defaultValue }
      : {}),
    ...(type.type === "direct" && type.source
      ? { target: refText(type.source) }
      : {}),
    ...(type.type === "enum" ? { values: Object.keys(type.values) } : {}),
  };
}

function texts(item: {
  readonly name?: string;
  readonly description?: string;
}) {
  return {
    ...(item.name ? { name: item.name } : {}),
    ...(item.description ? { description: item.description } : {}),
  };
}

/** `space:externalId/version` for a view, `space:externalId` for anything else. */
function refText(ref: {
  readonly space: string;
  readonly externalId: string;
  readonly version?: string;
}): string {
  return ref.version === undefined
    ? `${ref.space}:${ref.externalId}`
    : `${ref.space}:${ref.externalId}/${ref.version}`;
}

// ---- reading it back

/** Parses a record file; a damaged one is a user error naming the file and the JSON path. */
export function parseRecord(text: string, file: string): OutputRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `is not valid JSON (${(error as Error).message}); run dmgen generate to write it again`,
      file,
    );
  }
  const root: JsonLocation = { file, path: "$" };
  const viewsAt = at(root, "views");
  const views = object(object(raw, root).views, viewsAt);
  const record: Record<string, ViewRecord> = {};
  for (const [key, value] of Object.entries(views)) {
    const viewAt = at(viewsAt, key);
    const view = object(value, viewAt);
    const propertiesAt = at(viewAt, "properties");
    const properties = object(view.properties, propertiesAt);
    for (const [identifier, property] of Object.entries(properties))
      object(property, at(propertiesAt, identifier));
    if (!Array.isArray(view.implements))
      invalid(at(viewAt, "implements"), view.implements, "a list");
    record[key] = view as unknown as ViewRecord;
  }
  return record;
}

/**
 * The recorded facts of one view as the comparison takes them, keyed by TypeScript name (from the
 * name lock; the identifier where the lock has none).
 */
export function recordedView(
  key: string,
  view: ViewRecord,
  lock: NameLock | undefined,
): RecordedView {
  const names = lock?.views[key];
  const properties: Record<string, RecordedProperty> = {};
  const connections: Record<string, RecordedConnection> = {};
  const propertyTexts: Record<string, { name?: string; description?: string }> =
    {};
  for (const [identifier, property] of Object.entries(view.properties)) {
    const name = nameOf(names?.properties[identifier]) ?? identifier;
    propertyTexts[identifier] = texts(property);
    if (!("connection" in property)) {
      properties[name] = {
        identifier,
        type: property.type,
        list: property.list,
        nullable: property.nullable,
        autoIncrement: property.autoIncrement,
        container: property.container,
        containerProperty: property.containerProperty,
        ...(property.default !== undefined
          ? { default: property.default }
          : {}),
        ...(property.target !== undefined ? { target: property.target } : {}),
        ...(property.values !== undefined ? { values: property.values } : {}),
      };
    } else if (property.connection === "edge") {
      connections[name] = {
        identifier,
        connection: "edge",
        multi: property.multi,
        edgeType: instanceRef(property.edgeType),
        direction: property.direction,
        target: property.target,
        ...(property.edgeSource !== undefined
          ? { edgeSource: { view: viewRef(property.edgeSource) } }
          : {}),
      };
    } else {
      const dot = property.through.lastIndexOf(".");
      const source = property.through.slice(0, dot);
      connections[name] = {
        identifier,
        connection: "reverse",
        multi: property.multi,
        target: property.target,
        through: {
          source: source.includes("/")
            ? viewRef(source)
            : { type: "container", ...instanceRef(source) },
          identifier: property.through.slice(dot + 1),
        },
      };
    }
  }
  const className =
    typeof view.class === "string" ? view.class : nameOf(names?.class);
  return {
    view: viewRef(key),
    ...(className ? { className } : {}),
    properties,
    connections,
    implements: view.implements,
    texts: { ...texts(view), properties: propertyTexts },
  };
}

function nameOf(name: LockedName | undefined): string | undefined {
  return typeof name === "object" ? name.name : name;
}

function instanceRef(text: string): { space: string; externalId: string } {
  const colon = text.indexOf(":");
  return { space: text.slice(0, colon), externalId: text.slice(colon + 1) };
}

export function viewRef(key: string): {
  type: "view";
  space: string;
  externalId: string;
  version: string;
} {
  const slash = key.lastIndexOf("/");
  return {
    type: "view",
    ...instanceRef(key.slice(0, slash)),
    version: key.slice(slash + 1),
  };
}

function object(
  value: unknown,
  location: JsonLocation,
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    invalid(location, value, "an object");
  return value as Record<string, unknown>;
}

function invalid(
  location: JsonLocation,
  value: unknown,
  expected: string,
): never {
  throw new UserError(
    `expected ${expected}, found ${describe(value)}; run dmgen generate to write the file again`,
    location.file,
    location.path,
  );
}

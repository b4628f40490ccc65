// The name lock: every class, accessor and property name of the last run, kept in the output
// folder (`dmgen.names.json`, committed with the generated code). The next run claims these names
// before it chooses any new one, so adding views or properties never renames what exists. A user
// renames on purpose with the config's `naming` (which wins over the lock), or by editing or
// deleting an entry of the lock.

import { UserError } from "../errors.js";
import type { PropertyNaming } from "../config/index.js";
import { at, describe, type JsonLocation } from "../input/json-reader.js";

export const NAME_LOCK_FILE = "dmgen.names.json";

/** A name, or a name with the reason it is not the plain one (shown in JSDoc). */
export type LockedName =
  string | { readonly name: string; readonly why: string };

export interface LockedView {
  /** Absent when the config sets the class name. */
  readonly class?: LockedName;
  /** `client.<accessor>`; absent when the config sets the class name. */
  readonly accessor?: string;
  /** Property identifier → TypeScript name. */
  readonly properties: Readonly<Record<string, LockedName>>;
}

export interface NameLock {
  /** The property naming style the property names were chosen with. */
  readonly properties: PropertyNaming;
  /** View key (`space:externalId/version`) → its names. */
  readonly views: Readonly<Record<string, LockedView>>;
}

const NOTE =
  "Names dmgen chose for this output. Keep this file with the generated code: the next run keeps these names. Rename with the config's naming options, or edit an entry here.";

/** The lock file's text: stable key order, two-space JSON as prettier prints it. */
export function serializeLock(lock: NameLock): string {
  const document = {
    note: NOTE,
    properties: lock.properties,
    views: lock.views,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Parses a lock file; a damaged one is a user error naming the file and the JSON path. */
export function parseLock(text: string, file: string): NameLock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `is not valid JSON (${(error as Error).message}); fix it or delete it to choose names afresh`,
      file,
    );
  }
  const root: JsonLocation = { file, path: "$" };
  const document = object(raw, root);
  const style = document.properties;
  if (style !== "camelCase" && style !== "preserve")
    invalid(at(root, "properties"), style, '"camelCase" or "preserve"');
  const views: Record<string, LockedView> = {};
  const viewsAt = at(root, "views");
  for (const [key, value] of Object.entries(object(document.views, viewsAt))) {
    const location = at(viewsAt, key);
    const entry = object(value, location);
    const properties: Record<string, LockedName> = {};
    const propertiesAt = at(location, "properties");
    for (const [identifier, name] of Object.entries(
      object(entry.properties, propertiesAt),
    ))
      properties[identifier] = lockedName(name, at(propertiesAt, identifier));
    if (entry.accessor !== undefined && typeof entry.accessor !== "string")
      invalid(at(location, "accessor"), entry.accessor, "a string");
    views[key] = {
      ...(entry.class === undefined
        ? {}
        : { class: lockedName(entry.class, at(location, "class")) }),
      ...(entry.accessor === undefined ? {} : { accessor: entry.accessor }),
      properties,
    };
  }
  return { properties: style, views };
}

function lockedName(value: unknown, location: JsonLocation): LockedName {
  if (typeof value === "string") return value;
  const entry = object(value, location);
  if (typeof entry.name !== "string" || typeof entry.why !== "string")
    invalid(location, value, 'a name, or { "name": ..., "why": ... }');
  return { name: entry.name, why: entry.why };
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
    `expected ${expected}, found ${describe(value)}; fix it or delete the file to choose names afresh`,
    location.file,
    location.path,
  );
}

// Resolves `sources` / `select` entries of read requests to SelectedSource lists and typing.

import type { MappedPropertyDefinition } from "../../input/types.js";
import { badRequest } from "../http/api-error.js";
import {
  asArray,
  asRecord,
  asSourceReference,
  asString,
} from "../http/request-shape.js";
import { findSource, type SchemaStore } from "../schema/store.js";
import { typingOf } from "../schema/output.js";
import type { SelectedSource } from "./read-shape.js";

/** `["*"]` or a list of property ids; undefined = all (list / byids sources carry no property list). */
export type InputPropertySelection = string[] | undefined;

export interface ResolvedSelection {
  sources: SelectedSource[];
  /** `{space: {"xid/version": {prop: TypePropertyDefinition}}}` for `includeTyping`. */
  typing: Record<string, Record<string, Record<string, unknown>>>;
}

export function resolveSources(
  schema: SchemaStore,
  raw: unknown,
  path: string,
  withProperties: boolean,
): ResolvedSelection {
  const selection: ResolvedSelection = { sources: [], typing: {} };
  if (raw === undefined || raw === null) return selection;
  const entries = asArray(raw, path);
  if (entries.length > 10) throw badRequest(`${path}: at most 10 sources`);
  const missing: Record<string, unknown>[] = [];
  entries.forEach((entry, i) => {
    const where = `${path}[${i}]`;
    const obj = asRecord(entry, where);
    const ref = asSourceReference(obj.source, `${where}.source`);
    const wanted = withProperties
      ? asArray(obj.properties, `${where}.properties`).map((p, j) =>
          asString(p, `${where}.properties[${j}]`),
        )
      : undefined;
    const source = findSource(schema, ref);
    if (!source) {
      missing.push({ ...ref });
      return;
    }
    if ("mapped" in source) {
      const mapped = [...source.mapped.values()].filter((m) =>
        wants(wanted, m.propertyId),
      );
      rejectUnknown(
        wanted,
        (id) =>
          source.mapped.has(id) ||
          Object.hasOwn(source.definition.properties, id),
        `${where}.properties`,
        source.key,
      );
      selection.sources.push({
        space: source.definition.space,
        groupKey: source.groupKey,
        properties: mapped.map((m) => ({
          id: m.propertyId,
          containerKey: m.containerKey,
          containerPropertyId: m.containerPropertyId,
        })),
        containerKeys: source.containerKeys,
      });
      const typing = Object.fromEntries(
        mapped.map((m) => [m.propertyId, typingOf(m.definition)]),
      );
      (selection.typing[source.definition.space] ??= {})[source.groupKey] =
        typing;
    } else {
      const ids = [...source.properties.keys()].filter((id) =>
        wants(wanted, id),
      );
      rejectUnknown(
        wanted,
        (id) => source.properties.has(id),
        `${where}.properties`,
        source.key,
      );
      selection.sources.push({
        space: source.ref.space,
        groupKey: source.ref.externalId,
        properties: ids.map((id) => ({
          id,
          containerKey: source.key,
          containerPropertyId: id,
        })),
        containerKeys: [source.key],
      });
      const typing = Object.fromEntries(
        ids.map((id) => [
          id,
          typingOf({
            kind: "mapped",
            container: source.ref,
            containerPropertyIdentifier: id,
            ...source.properties.get(id)!,
          } as MappedPropertyDefinition),
        ]),
      );
      (selection.typing[source.ref.space] ??= {})[source.ref.externalId] =
        typing;
    }
  });
  if (missing.length > 0)
    throw badRequest("One or more views or containers do not exist", {
      missing,
    });
  return selection;
}

function wants(wanted: InputPropertySelection, id: string): boolean {
  return wanted === undefined || wanted.includes("*") || wanted.includes(id);
}

function rejectUnknown(
  wanted: InputPropertySelection,
  known: (id: string) => boolean,
  path: string,
  sourceKey: string,
): void {
  for (const id of wanted ?? []) {
    if (id !== "*" && !known(id))
      throw badRequest(`${path}: ${sourceKey} has no property "${id}"`);
  }
}

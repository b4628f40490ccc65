// Sorting by `PropertySortV3` lists: {property, direction (ascending), nullsFirst (false)}.
// Ties fall back to (space, externalId) so pages are stable, and without a sort that is the whole
// order. Sort keys are plain arrays so a cursor can carry the last key it returned (keyset paging).

import { writeJson } from "../json.js";
import type { JsonValue } from "../../../templates/runtime/core/wire.js";
import { badRequest } from "../http/api-error.js";
import { compileProperty, type FilterContext } from "./filters.js";
import { asArray, asRecord } from "../http/request-shape.js";
import type { StoredInstance } from "../instances/store.js";
import { parseTimestamp } from "../instances/values.js";

export type Comparator = (a: StoredInstance, b: StoredInstance) => number;
// int64 values beyond 2^53 are stored as bigint (exact JSON): `<` compares them with numbers.
export type KeyPart = number | bigint | string | boolean | null;

export interface SortKeys {
  /** The instance's sort key: one part per sort entry, then space and externalId. */
  key(instance: StoredInstance): KeyPart[];
  compareKeys(a: readonly KeyPart[], b: readonly KeyPart[]): number;
  /** The same order as comparing keys, without building them when that can be avoided. */
  compare: Comparator;
}

/** The order without a sort: (space, externalId), the tie-breaker of every sort. */
export const ID_ORDER: SortKeys = {
  key: (inst) => [inst.space, inst.externalId],
  compareKeys: (a, b) =>
    compareValues(a[0] ?? null, b[0] ?? null, false) ||
    compareValues(a[1] ?? null, b[1] ?? null, false),
  compare: (a, b) =>
    a.space < b.space
      ? -1
      : a.space > b.space
        ? 1
        : a.externalId < b.externalId
          ? -1
          : a.externalId > b.externalId
            ? 1
            : 0,
};

export function compileSortKeys(
  raw: unknown,
  ctx: FilterContext,
  path: string,
): SortKeys | undefined {
  if (raw === undefined || raw === null) return undefined;
  const specs = asArray(raw, path);
  if (specs.length > 5) throw badRequest(`${path}: at most 5 sort entries`);
  if (specs.length === 0) return undefined;
  const entries = specs.map((spec, i) => {
    const obj = asRecord(spec, `${path}[${i}]`);
    const property = compileProperty(
      obj.property,
      ctx,
      `${path}[${i}].property`,
    );
    if (
      obj.direction !== undefined &&
      obj.direction !== "ascending" &&
      obj.direction !== "descending"
    ) {
      throw badRequest(
        `${path}[${i}].direction must be ascending or descending`,
      );
    }
    const timestamp = property.kind === "timestamp";
    return {
      get: (inst: StoredInstance) => sortValue(property.get(inst), timestamp),
      descending: obj.direction === "descending",
      nullsFirst: obj.nullsFirst === true,
    };
  });
  const key = (inst: StoredInstance): KeyPart[] => [
    ...entries.map((e) => e.get(inst)),
    inst.space,
    inst.externalId,
  ];
  const compareKeys: SortKeys["compareKeys"] = (a, b) => {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      const order = compareValues(x, y, entry.nullsFirst);
      if (order === 0) continue;
      // `nullsFirst` places nulls whatever the direction; the direction orders the values.
      if (x === null || y === null) return order;
      return entry.descending ? -order : order;
    }
    const n = entries.length;
    return (
      compareValues(a[n] ?? null, b[n] ?? null, false) ||
      compareValues(a[n + 1] ?? null, b[n + 1] ?? null, false)
    );
  };
  return {
    key,
    compareKeys,
    compare: (a, b) => compareKeys(key(a), key(b)),
  };
}

export function compileSort(
  raw: unknown,
  ctx: FilterContext,
  path: string,
): Comparator | undefined {
  return compileSortKeys(raw, ctx, path)?.compare;
}

function sortValue(value: JsonValue | undefined, timestamp: boolean): KeyPart {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof (value as unknown) === "bigint") return value as unknown as bigint;
  if (typeof value === "string")
    return timestamp ? (parseTimestamp(value) ?? value) : value;
  return writeJson(value);
}

function compareValues(a: KeyPart, b: KeyPart, nullsFirst: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

// The int64 properties of a client generated with `int64: "bigint"` (only such outputs have this
// file): what its response parser reads as exact bigints.

import type { Int64Paths } from "../core/json.js";

/**
 * The int64 properties a client with `int64: "bigint"` reads as exact bigints, as the generated
 * client lists them (space → `externalId/version` → identifiers), for `int64JsonParser`.
 */
export function int64Properties(
  views: Readonly<Record<string, Readonly<Record<string, object>>>>,
): Int64Paths {
  return new Map(
    Object.entries(views).map(([space, byView]) => [
      space,
      new Map(
        Object.entries(byView).map(([view, ids]) => [
          view,
          new Set(Object.keys(ids)),
        ]),
      ),
    ]),
  );
}

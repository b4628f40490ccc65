// Every behaviour that neither the DMS contract (dms-openapi.json) nor the memo settles, decided
// once here, strict rather than lenient. The README section "Emulator assumptions" lists the same
// ids, and test/emulator/assumptions.test.ts holds one test per id.

import { ApiError } from "./api-error.js";
import type { ProjectRegistry } from "./projects.js";

export interface Assumption {
  id: string;
  decision: string;
}

export const ASSUMPTION_LIST: readonly Assumption[] = [
  {
    id: "unknown-project",
    decision:
      "A project name that is not served (another name than the pinned `--project`, or not a valid name) gets 404 with a message naming the served project.",
  },
  {
    id: "unauthorised",
    decision:
      "With `--token`, a request without exactly `Authorization: Bearer <token>` gets 401 before anything else is checked but its `Host` and `Origin` (403; preflights excepted).",
  },
  {
    id: "missing-space",
    decision:
      "Writing or deleting instances, containers, views or data models in a space that does not exist is 400, the whole request rejected, with the spaces in `missing` as `{space}`.",
  },
  {
    id: "space-not-empty",
    decision:
      "Deleting a space that still holds instances (tombstones do not count), containers, views or data models is 400 naming what is left; nothing is deleted.",
  },
  {
    id: "schema-versioning",
    decision:
      "A container may gain properties and change names and descriptions; changing a property's type, nullability, immutability, default or removing it is 400. A view version may change only name and description; any other change needs a new version (400). A data model version may change its name, description and views.",
  },
  {
    id: "system-spaces",
    decision:
      "Spaces named `cdf_...` (`cdf_cdm`, `cdf_cdm_3d`, `cdf_cdm_units`, `cdf_core`, ...) and the spaces of views or data models loaded with `isGlobal: true` are system spaces: they, their containers, views and data models are `isGlobal: true` and listed only with `includeGlobal=true` (byids returns them always). Creating, changing or deleting a space, container, view, data model or instance in one is 400 (the whole request, nothing written); writing instances elsewhere through their views is allowed.",
  },
  {
    id: "schema-delete",
    decision:
      "Deleting a container deletes its data from every instance (a change, so sync sees it), also while views map it: those views become unavailable (left out of view lists and byids, counted by `containers/inspect`'s `totalInvolvedViewCount` unless `includeUnavailableViews` is false; reading, writing, filtering or querying through one is 400 with the view in `missing`, as for a view that does not exist) until a container of that id exists again or they are deleted. Deleting a view or data model leaves instance data as it is. Unknown ids in a delete are skipped.",
  },
  {
    id: "missing-byids",
    decision:
      "`byids` of every kind leaves unknown ids out of `items` (no 400); an instance that has no data in a requested source is returned without that source's group.",
  },
  {
    id: "empty-lists",
    decision:
      "Reads never return empty source groups: a source whose values are all unset is left out of `properties`.",
  },
  {
    id: "timestamps",
    decision:
      "`createdTime`, `lastUpdatedTime` and `deletedTime` are epoch milliseconds from the emulator's clock; timestamp property values are returned as given after validation.",
  },
  {
    id: "error-text",
    decision:
      "Error messages are the emulator's own sentences (only the version conflict and expired cursor texts are CDF's); clients must match on status and `missing` / `duplicated`, not on message text.",
  },
  {
    id: "unsupported-route",
    decision:
      "Paths outside `/models/` get 404, unsupported methods 405 with an `Allow` header, a malformed percent-encoding 400; all in the API's error format.",
  },
  {
    id: "statistics-limits",
    decision:
      "`statistics` counts what the project holds; its limits are fixed nominal values (100 spaces, 1000 containers, 2000 views, 500 data models, 25000 container properties, 5M instances, 10M soft-deleted, 8 / 4 / 2 concurrent reads / writes / deletes) that the emulator reports but does not enforce.",
  },
  {
    id: "core-model-paths",
    decision:
      "For nodes with data in `cdf_cdm:CogniteAsset`, `path`, `root` and `pathLastUpdatedTime` are recomputed when `parent` changes, for the node and its whole subtree, in the same request; a parent cycle is 400.",
  },
  {
    id: "request-limits",
    decision:
      "A request body may be at most 10 MiB as sent and 32 MiB after gzip decompression (413, the connection closed); a body that is not valid gzip, UTF-8 or JSON, or JSON nested deeper than 200 levels, is 400.",
  },
  {
    id: "filter-limits",
    decision:
      "Filters nest at most 32 levels (`and`, `or`, `not`, `nested`); an `in`, `containsAny`, `containsAll`, `and` or `or` takes at most 5000 entries; beyond that is 400.",
  },
  {
    id: "search-matching",
    decision:
      "`instances/search` splits the query and text values into words (runs of letters and digits) compared case-insensitively; a query word matches a word equal to it or starting with it; `OR` (the default) needs any query word, `AND` every one; without `sort`, best matches (exact words before prefixes) come first.",
  },
  {
    id: "cursor-limit",
    decision:
      "A `query` or `sync` cursor stays valid when only its result set's `limit` changes: the next page starts where the last one ended, with the new size (clients shrink pages after a timeout, as pygen does). Any other change to the result set or the parameters makes the cursor 400.",
  },
];

export const ASSUMPTIONS = {
  unauthorisedMessage: "Unauthorized: missing or wrong bearer token",
} as const;

export function unknownProject(
  registry: ProjectRegistry,
  project: string,
): ApiError {
  const served =
    registry.pinned !== undefined
      ? `this emulator serves only project "${registry.pinned}"`
      : "project names start with a letter or digit, then letters, digits, _ or -";
  return new ApiError(404, `Unknown project "${project}": ${served}`);
}

/** 400 for a write of instances or schema into a system space (assumption "system-spaces"). */
export function systemSpaceWrite(spaces: Iterable<string>): ApiError {
  const list = [...new Set(spaces)].sort();
  return new ApiError(
    400,
    `Cannot write to ${list.length === 1 ? "system space" : "system spaces"} ${list.join(", ")}: the spaces, containers, views, data models and instances of CDF's system spaces are read-only`,
  );
}

export function missingSpaces(spaces: Iterable<string>): ApiError {
  const list = [...new Set(spaces)].sort();
  return new ApiError(
    400,
    `One or more spaces do not exist: ${list.join(", ")}`,
    list.map((space) => ({ space })),
  );
}

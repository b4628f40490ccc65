// Every behaviour that neither the DMS contract (dms-openapi.json) nor the memo settles, decided
// once here, strict rather than lenient. The README section "Emulator assumptions" lists the same
// ids, and test/emulator/assumptions.test.ts holds one test per id.

import { ApiError } from "./http/api-error.js";
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
      "Deleting a container deletes its data from every instance (a change, so sync sees it), also while views map it: those views become unavailable until a container of that id exists again or they are deleted: an unavailable view is still a resource (listed by `views` list and byids, referenced by data models, deletable; counted by `containers/inspect`'s `totalInvolvedViewCount` unless `includeUnavailableViews` is false), but reading, writing, filtering, searching, querying or syncing through one is 400 with the view in `missing`, as for a view that does not exist. Deleting a view or data model leaves instance data as it is. Unknown ids in a delete are skipped.",
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
  {
    id: "cursor-keyset",
    decision:
      "A `list` or `query` cursor resumes after the last instance its page returned, by the sort's values, then space, then externalId (without `sort` that is the whole order): an instance that did not change between pages is delivered exactly once, whatever else changed; one created or updated to a place after the cursor's comes on a later page, one before it does not. A chained set's cursor resumes within the page its parent returns in the same request.",
  },
];

/**
 * For each assumption, the conformance tests that confirm it against a real CDF project
 * (`npm run conformance -- --base-url … --project …`), as "<file in test/conformance> > <test
 * title>". Green there means CDF behaves as assumed; red means the assumption (and the emulator
 * with it) is wrong. Kept beside the list, not in it, so each decision stays one entry to read.
 */
export const ASSUMPTION_CONFORMANCE: Readonly<
  Record<string, readonly string[]>
> = {
  "unknown-project": [
    "assumptions.test.ts > unknown-project: another project than the token's is refused in the error format",
  ],
  unauthorised: [
    "assumptions.test.ts > unauthorised: a wrong bearer token is 401 in the error format",
  ],
  "missing-space": [
    "schema.test.ts > writing schema into a space that does not exist is 400 naming the space in missing",
    "instances.test.ts > writing instances into a space that does not exist is 400 naming the space",
  ],
  "space-not-empty": [
    "schema.test.ts > deleting a space that still holds a container is 400 and deletes nothing",
  ],
  "schema-versioning": [
    "schema.test.ts > a container gains properties; changing a property's type is 400",
    "schema.test.ts > a view version changes only its name and description; other changes are 400",
  ],
  "system-spaces": [
    "schema.test.ts > the system spaces are global and listed only with includeGlobal",
    "sdk-specs.test.ts > lists the global spaces with includeGlobal",
    "sdk-specs.test.ts > lists and pages global containers with includeGlobal",
    "sdk-specs.test.ts > lists and pages global views with includeGlobal",
    "sdk-specs.test.ts > lists and pages global data models with includeGlobal",
  ],
  "schema-delete": [
    "schema.test.ts > deleting a container that a view maps succeeds and removes its data",
    "schema.test.ts > deleting a view or data model leaves the instance data",
  ],
  "missing-byids": [
    "schema.test.ts > byids of unknown schema ids answers 200 without them",
    "instances.test.ts > byids leaves unknown instances out",
    "assumptions.test.ts > missing-byids: an instance read through a source it has no data in comes back without that group",
  ],
  "empty-lists": [
    "assumptions.test.ts > empty-lists: a source whose values are all unset is left out of properties",
  ],
  timestamps: [
    "assumptions.test.ts > timestamps: instance times are epoch milliseconds; timestamp values come back as given",
  ],
  "error-text": [
    "instances.test.ts > existingVersion: 0 inserts only; an older version is a 409 conflict",
  ],
  "unsupported-route": [
    "assumptions.test.ts > unsupported-route: an unknown path is 404 and a wrong method 405, in the error format",
  ],
  "statistics-limits": [
    "assumptions.test.ts > statistics-limits: space statistics count what the space holds",
  ],
  "core-model-paths": [
    "assumptions.test.ts > core-model-paths: a CogniteAsset's path and root follow its parent",
  ],
  "request-limits": [
    "assumptions.test.ts > request-limits: JSON nested deeper than 200 levels is 400",
  ],
  "filter-limits": [
    "assumptions.test.ts > filter-limits: 5000 values in an in filter pass, 5001 are 400; 33 nested levels are 400",
  ],
  "search-matching": [
    "assumptions.test.ts > search-matching: query words match words and word prefixes, case-insensitively",
  ],
  "cursor-limit": [
    "assumptions.test.ts > cursor-limit: a query cursor survives a new limit, not a new filter",
  ],
  "cursor-keyset": [
    "instances.test.ts > a list cursor resumes after its last item when earlier items are deleted",
    "query-sync.test.ts > query: a cursor resumes after its last node when the delivered ones are deleted",
  ],
};

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

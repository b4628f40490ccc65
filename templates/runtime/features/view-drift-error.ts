// The error of a view whose live definition no longer fits the generated code (`verifyViews`).
// Apart from the comparison (view-drift.ts, loaded on first use): an app names this class
// (`instanceof`) without carrying the comparison.

import type { ViewDifference } from "./view-drift.js";

/**
 * A read or write through a view whose live definition no longer fits the generated code. Nothing
 * of the call was sent. `differences` lists each breaking one, by TypeScript name and identifier.
 */
export class ViewDriftError extends Error {
  override readonly name = "ViewDriftError";
  constructor(
    /** `space:externalId/version`. */
    readonly view: string,
    readonly differences: readonly ViewDifference[],
    /** The differences in words (view-drift.ts `describeDifference`). */
    described = differences.map((d) => d.message).join("; "),
  ) {
    super(
      `View ${view} changed in the project in ways the generated code cannot handle: ${described}. Regenerate the code from the live model (dmgen pull, dmgen generate)`,
    );
  }
}

// `verifyViews`: the client's check of its views against their live definitions. The comparison
// (features/view-drift.ts) is loaded on first use: on the first `verifyViews()`, or with
// `createClient({ verifyViews: true })` before a view's first read or write.

import type { DmsClient } from "../read/dms-client.js";
import type { TypedReadClass } from "../model/where.js";
import type {
  VerifiableClass,
  ViewDriftReport,
} from "../features/view-drift.js";
import type { ViewRegistry } from "./view-accessor.js";
import { ViewDriftError } from "../features/view-drift-error.js";

/** What the client does with its views' live definitions. */
export interface ViewChecks {
  /** With `verifyViews: true`: rejects with `ViewDriftError` when the view has breaking drift. */
  readonly check: ((readClass: TypedReadClass) => Promise<void>) | undefined;
  /** Compares every view with its live definition (`client.verifyViews()`). */
  verifyAll(): Promise<ViewDriftReport>;
}

export function viewChecks(
  dms: DmsClient,
  views: ViewRegistry,
  beforeUse: boolean,
): ViewChecks {
  const verifier = lazily(async () => {
    const { ViewVerifier } = await import("../features/view-drift.js");
    // Every view's class: the view modules load now.
    const classes = async () => {
      const all = await Promise.all(views.ids().map((v) => views.load(v)));
      return all.filter((c) => c !== undefined) as unknown as VerifiableClass[];
    };
    return new ViewVerifier(dms.http, classes, beforeUse, ViewDriftError);
  });
  return {
    check: beforeUse
      ? async (readClass) =>
          (await verifier()).check(readClass as unknown as VerifiableClass)
      : undefined,
    verifyAll: async () => (await verifier()).verifyAll(),
  };
}

/** `load()` called once, on first use; a rejection is not kept (the next use tries again). */
function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load();
      loading.catch(() => (loading = undefined));
    }
    return loading;
  };
}

// One view's operations on a DmsClient, typed by the view's generated classes: what the generated
// client offers per view (`client.movie.list()`, ...).

import type { ApplyOptions, ApplyResult, DeleteOptions } from "./apply.js";
import type { DmsClient } from "./dms-client.js";
import type { SyncOptions, SyncState } from "./sync.js";
import type {
  DeletedInstance,
  Filter,
  InstanceId,
  InstanceRead,
  PropertySort,
  SyncMode,
  ViewReference,
} from "./wire.js";

/** The static side of a generated read class. */
export interface ReadClass<T> {
  // Constructor parameters compare bivariantly: a read class taking a NodeRead (or EdgeRead) fits.
  new (instance: InstanceRead): T;
  readonly view: ViewReference;
}

/** Options of `list`. */
export interface ListOptions {
  readonly filter?: Filter;
  readonly sort?: readonly PropertySort[];
  /** Instances per request, 1 to 1000. Default 1000. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/** Options of `sync`, on top of the sync engine's (state, follow, mode, ...). */
export interface ViewSyncOptions extends SyncOptions {
  /** Only instances matching this filter (besides having data in the view). */
  readonly filter?: Filter;
  /** Instances per page, 1 to 2000. Default 1000. */
  readonly pageSize?: number;
  /** Default `onePhase`. */
  readonly mode?: SyncMode;
}

/** One page of a view's sync: typed upserts, deleted ids, and the state to save. */
export interface ViewSyncPage<T> {
  readonly upserts: T[];
  readonly deletes: InstanceId[];
  readonly state: SyncState;
  readonly caughtUp: boolean;
}

const RESULT_SET = "instances";

/** Reads of one view: retrieve, list and sync, as instances of its read class. */
export class ReadOnlyViewAccessor<TRead> {
  constructor(
    protected readonly client: DmsClient,
    protected readonly readClass: ReadClass<TRead>,
    protected readonly instanceType: "node" | "edge",
  ) {}

  /** The view this accessor reads and writes through. */
  get view(): ViewReference {
    return this.readClass.view;
  }

  protected toRead(instance: InstanceRead): TRead {
    return new this.readClass(instance);
  }

  /** Instances by id; ids that do not exist or have no data in the view are left out. */
  async retrieve(
    ids: readonly InstanceId[],
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<TRead[]> {
    const typed = ids.map(({ space, externalId }) => ({
      instanceType: this.instanceType,
      space,
      externalId,
    }));
    const found = await this.client.retrieve(typed, [this.view], options);
    return found.map((instance) => this.toRead(instance));
  }

  /** Every instance with data in the view (and matching `filter`), page by page. */
  async *list(
    options: ListOptions = {},
  ): AsyncGenerator<TRead, void, undefined> {
    const pages = this.client.list(
      {
        instanceType: this.instanceType,
        sources: [this.view],
        ...(options.filter ? { filter: options.filter } : {}),
        ...(options.sort ? { sort: options.sort } : {}),
        limit: options.pageSize ?? 1000,
      },
      options.signal ? { signal: options.signal } : {},
    );
    for await (const page of pages) {
      for (const instance of page.items) yield this.toRead(instance);
    }
  }

  /**
   * Changes to the view's instances: a full backfill first (or from `state`), then what changed.
   * Save `page.state` once a page is processed; pass it back as `state` to resume.
   */
  async *sync(
    options: ViewSyncOptions = {},
  ): AsyncGenerator<ViewSyncPage<TRead>, void, undefined> {
    const { filter, pageSize, mode, ...syncOptions } = options;
    const hasData: Filter = { hasData: [this.view] };
    const where: Filter = filter ? { and: [hasData, filter] } : hasData;
    const expression =
      this.instanceType === "node"
        ? { nodes: { filter: where } }
        : { edges: { filter: where } };
    const request = {
      with: {
        [RESULT_SET]: {
          ...expression,
          limit: pageSize ?? 1000,
          mode: mode ?? "onePhase",
        },
      },
      select: {
        [RESULT_SET]: { sources: [{ source: this.view, properties: ["*"] }] },
      },
    };
    for await (const page of this.client.sync(request, syncOptions)) {
      yield {
        upserts: (page.upserts[RESULT_SET] ?? []).map((i) => this.toRead(i)),
        deletes: (page.deletes[RESULT_SET] ?? []).map(
          ({ space, externalId }) => ({
            space,
            externalId,
          }),
        ),
        state: page.state,
        caughtUp: page.caughtUp,
      };
    }
  }
}

/** Reads and writes of one writable view. */
export class ViewAccessor<
  TRead,
  TApply extends object,
> extends ReadOnlyViewAccessor<TRead> {
  /** Creates or updates instances (with their nested nodes and edges). */
  apply(
    items: TApply | readonly TApply[],
    options: ApplyOptions = {},
  ): Promise<ApplyResult> {
    const list = (Array.isArray(items)
      ? items
      : [items]) as unknown as Parameters<DmsClient["apply"]>[0];
    return this.client.apply(list, options);
  }

  /** Deletes instances by id (deleting a node deletes its edges too). */
  delete(
    ids: readonly InstanceId[],
    options: DeleteOptions = {},
  ): Promise<DeletedInstance[]> {
    return this.client.delete(
      ids.map(({ space, externalId }) => ({
        instanceType: this.instanceType,
        space,
        externalId,
      })),
      options,
    );
  }
}

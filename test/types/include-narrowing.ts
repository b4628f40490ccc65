// Compile-time tests of `include`'s result types, checked by `npm run typecheck` (never run):
// every line under `@ts-expect-error` must fail to compile, everything else must compile.
// - a `select` inside an include narrows the targets (at any depth), as `select` on `list` does;
// - a direct relation whose view definition names its target (`source`) is typed by the
//   target's read class without `view`; one that names none needs `view` (a compile error
//   without it);
// - `search` takes the same `include` and gives the same result types.
import type { Client as Movies } from "../../generated-examples/movies/index.js";
import type { Client as Showcase } from "../../generated-examples/showcase/index.js";
import type { Actor } from "../../generated-examples/movies/views/Actor.js";
import type { Movie } from "../../generated-examples/movies/views/Movie.js";
import { Asset } from "../../generated-examples/showcase/views/Asset.js";
import type { WorkOrder } from "../../generated-examples/showcase/views/WorkOrder.js";
import type { Connected } from "../../generated-examples/showcase/runtime/model/typed.js";
import type { Assignment } from "../../generated-examples/showcase/views/Assignment.js";

declare const movies: Movies;
declare const showcase: Showcase;
declare function use(...values: unknown[]): void;

export async function selectInsideInclude(): Promise<void> {
  const [movie] = await movies.movie.retrieve([], {
    include: { actors: { select: ["name"] } },
  });
  if (!movie) return;
  const actor = movie.actors[0]!;
  const name: string | null = actor.name;
  // Instance fields stay.
  use(actor.space, actor.externalId, actor.version, actor.lastUpdatedTime);
  // @ts-expect-error: `birthYear` was not selected
  use(actor.birthYear);
  // @ts-expect-error: `wonOscar` was not selected
  use(actor.wonOscar);
  // The movie itself selected nothing: all its properties are there.
  const year: number | null = movie.releaseYear;
  use(name, year);
}

export async function selectAtEveryDepth(): Promise<void> {
  for await (const movie of movies.movie.list({
    include: {
      actors: {
        select: ["name"],
        include: {
          movies: {
            select: ["title"],
            include: { actors: { select: ["birthYear"] } },
          },
        },
      },
    },
  })) {
    const actor = movie.actors[0]!;
    // An included connection stays although not selected (connections are not properties).
    const film = actor.movies[0]!;
    const title: string = film.title;
    // @ts-expect-error: `releaseYear` was not selected on the actors' movies
    use(film.releaseYear);
    const third = film.actors[0]!;
    const born: number | null = third.birthYear;
    // @ts-expect-error: `name` was not selected three levels down
    use(third.name);
    use(title, born);
  }
}

export async function rootSelectWithInclude(): Promise<void> {
  const list = movies.movie.list({
    select: ["title"],
    include: { actors: true },
  });
  for await (const movie of list) {
    const title: string = movie.title;
    const actors: Actor[] = movie.actors;
    // @ts-expect-error: the root selected only `title`
    use(movie.releaseYear);
    use(title, actors);
  }
  const [asset] = await showcase.asset.retrieve([], {
    select: ["serialNumber"],
    include: { parent: { select: ["name"] } },
  });
  // An included direct relation stays, filled, though `select` does not name it.
  const parentName: string | null | undefined = asset?.parent?.name;
  // @ts-expect-error: the parent selected only `name`
  use(asset?.parent?.serialNumber);
  // @ts-expect-error: the root selected only `serialNumber`
  use(asset?.name);
  use(parentName);
}

export async function selectNamesAreTheTargetViewsProperties(): Promise<void> {
  // @ts-expect-error: `movies` is a connection of Actor, not a property to select
  await movies.movie.retrieve([], {
    include: { actors: { select: ["movies"] } },
  });
  // @ts-expect-error: Asset has no property `nme` (a direct relation's target, typed without `view`)
  await showcase.workOrder.retrieve([], {
    include: { assets: { select: ["nme"] } },
  });
  await movies.movie.retrieve([], {
    // @ts-expect-error: the root select names a property the view does not have
    select: ["titel"],
    include: { actors: true },
  });
}

export async function directRelationsTypedByTheirSource(): Promise<void> {
  // `parent` and `assets` name `showcase:Asset/v1` as their target: no `view` needed.
  const [a] = await showcase.asset.retrieve([], {
    include: { parent: { include: { parent: true } } },
  });
  const parent: Asset | null | undefined = a?.parent;
  const grandparent: Asset | null | undefined = a?.parent?.parent;
  const serial: string | undefined = a?.parent?.parent?.serialNumber;
  // Not included on the grandparent: still a node reference.
  const next: { space: string; externalId: string } | null | undefined =
    a?.parent?.parent?.parent;
  // @ts-expect-error: the grandparent's parent is a reference, not a read object
  use(a?.parent?.parent?.parent?.serialNumber);
  use(parent, grandparent, serial, next);

  const [order] = await showcase.workOrder.retrieve([], {
    include: { assets: { where: { status: "active" } } },
  });
  const assets: Asset[] | undefined = order?.assets;
  use(assets);
  // The target's `where` is typed: a wrong enum value does not compile.
  // @ts-expect-error: "broken" is no status of Asset
  await showcase.workOrder.retrieve([], {
    include: { assets: { where: { status: "broken" } } },
  });
}

export async function directRelationWithoutSourceNeedsView(): Promise<void> {
  // `location` names no target view: `view` is required.
  // @ts-expect-error: `true` is not a ViewRequiredInclude (the relation names no target view)
  await showcase.asset.retrieve([], { include: { location: true } });
  // @ts-expect-error: property `view` is missing
  await showcase.asset.retrieve([], { include: { location: { limit: 1 } } });
  const [a] = await showcase.asset.retrieve([], {
    include: { location: { view: Asset, select: ["name"] } },
  });
  const where: string | null | undefined = a?.location?.name;
  // @ts-expect-error: the location selected only `name`
  use(a?.location?.serialNumber);
  use(where);
  // @ts-expect-error: `nme` is not a property of the view passed as `view`
  await showcase.asset.retrieve([], {
    include: { location: { view: Asset, select: ["nme"] } },
  });
  // Below a `view`, the include is that view's: its connections, their target classes.
  const [b] = await showcase.asset.retrieve([], {
    include: { location: { view: Asset, include: { parent: true } } },
  });
  const locationParent: Asset | null | undefined = b?.location?.parent;
  use(locationParent);
  // @ts-expect-error: Asset has no connection `owner`
  await showcase.asset.retrieve([], {
    include: { location: { view: Asset, include: { owner: true } } },
  });
  // @ts-expect-error: `nme` is not in the where of the view passed as `view`
  await showcase.asset.retrieve([], {
    include: { location: { view: Asset, where: { nme: "x" } } },
  });
}

export async function searchWithInclude(): Promise<void> {
  const found = await showcase.workOrder.search({
    query: "pump",
    include: {
      assets: { select: ["serialNumber"] },
      assignees: { select: ["fullName"], edgeWhere: { role: "lead" } },
    },
  });
  const order = found[0]!;
  const serial: string = order.assets[0]!.serialNumber;
  const lead: string = order.assignees[0]!.node.fullName;
  const role: string | null = order.assignees[0]!.edge.role;
  // @ts-expect-error: the assets selected only `serialNumber`
  use(order.assets[0]!.name);
  // @ts-expect-error: the technicians selected only `fullName`
  use(order.assignees[0]!.node.email);
  use(serial, lead, role);

  const titled = await showcase.workOrder.search({
    query: "pump",
    select: ["title"],
    include: { assets: true },
  });
  const title: string = titled[0]!.title;
  const assets: Asset[] = titled[0]!.assets;
  // @ts-expect-error: the search selected only `title`
  use(titled[0]!.priority);
  use(title, assets);

  // Without include: unchanged.
  const plain: WorkOrder[] = await showcase.workOrder.search({ query: "x" });
  // @ts-expect-error: not included, so possibly absent
  const none: Connected<unknown, Assignment>[] = plain[0]!.assignees;
  // @ts-expect-error: Movie has no connection `directors`
  await movies.movie.search({ query: "x", include: { directors: true } });
  const movieHits: Movie[] = await movies.movie.search({ query: "x" });
  use(none, movieHits);
}

// Compile-time tests of typed reads, checked by `npm run typecheck` (never run): every line under
// `@ts-expect-error` must fail to compile, everything else must compile.
import type { Client as Movies } from "../../generated-examples/movies/index.js";
import type { Client as Showcase } from "../../generated-examples/showcase/index.js";
import type {
  Movie,
  MovieWhere,
} from "../../generated-examples/movies/views/Movie.js";
import type { Asset } from "../../generated-examples/showcase/views/Asset.js";
import type { ActorWhere } from "../../generated-examples/movies/views/Actor.js";
import type {
  SelectOf,
  SortOf,
  WhereOf,
} from "../../generated-examples/movies/runtime/model/where.js";

declare const movies: Movies;
declare const showcase: Showcase;
declare function use(...values: unknown[]): void;

export async function correctUses(): Promise<void> {
  // 1-10: where, every kind of property
  use(movies.movie.list({ where: { title: "Terminator" } }));
  use(movies.movie.list({ where: { title: { prefix: "Term", gte: "A" } } }));
  use(movies.movie.list({ where: { releaseYear: { gte: 1980, lt: 2000 } } }));
  use(movies.movie.list({ where: { releaseYear: { in: [1984, 1991] } } }));
  use(movies.actor.list({ where: { wonOscar: false } }));
  use(showcase.asset.list({ where: { status: "active" } }));
  use(
    showcase.asset.list({ where: { status: { in: ["active", "retired"] } } }),
  );
  use(showcase.asset.list({ where: { tags: { containsAny: ["a", "b"] } } }));
  use(
    showcase.documentView.list({
      where: {
        publishedAt: { gte: new Date(0), lt: "2030-01-01T00:00:00Z" },
        issueDate: { lte: "2024-12-31" },
        metadata: { exists: true },
      },
    }),
  );
  use(
    showcase.asset.list({
      where: {
        parent: { space: "s", externalId: "root" },
        location: { exists: false },
      },
    }),
  );
  // 11-15: nested, instance fields, combinators, raw
  use(showcase.asset.list({ where: { parent: { nested: { name: "x" } } } }));
  use(
    movies.movie.list({
      where: {
        space: { in: ["movies"] },
        externalId: { prefix: "T" },
        createdTime: { gte: new Date(0) },
        type: { space: "s", externalId: "t" },
      },
    }),
  );
  use(
    movies.movie.list({
      where: {
        $or: [{ title: "A" }, { releaseYear: { gt: 2000 } }],
        $not: { title: { prefix: "B" } },
        $and: [{ releaseYear: { exists: true } }],
      },
    }),
  );
  use(
    movies.movie.list({
      where: {
        $raw: { equals: { property: ["node", "space"], value: "movies" } },
      },
    }),
  );
  use(
    showcase.assignment.list({
      where: { startNode: { space: "s", externalId: "a" }, share: { gt: 0.5 } },
    }),
  );
  // 16-20: sort, select
  use(
    movies.movie.list({
      sort: { property: "releaseYear", direction: "descending" },
    }),
  );
  use(
    movies.movie.list({
      sort: [
        { property: "title", nullsFirst: true },
        { property: "externalId" },
      ],
    }),
  );
  const titles = await movies.movie.list({ select: ["title"] }).toArray();
  use(
    titles[0]?.title,
    titles[0]?.externalId,
    titles[0]?.space,
    titles[0]?.version,
  );
  const [arnold] = await movies.actor.retrieve(
    [{ space: "a", externalId: "b" }],
    { select: ["name"] },
  );
  use(arnold?.name);
  for await (const movie of movies.movie.list({
    where: { title: "x" },
    limit: 5,
  }))
    use(movie.releaseYear);
  // 21-25: search, aggregate
  const found = await movies.movie.search({
    query: "term",
    properties: ["title"],
    where: { releaseYear: { lt: 2000 } },
    limit: 10,
  });
  use(found[0]?.title);
  const [stats] = await movies.movie.aggregate({
    count: true,
    avg: "releaseYear",
    max: "releaseYear",
  });
  const count: number | undefined = stats?.count;
  const average: number | null | undefined = stats?.avg;
  use(count, average, stats?.max);
  const groups = await showcase.asset.aggregate(
    { count: true },
    { groupBy: ["status"], where: { tags: { exists: true } } },
  );
  use(groups[0]?.group.status, groups[0]?.count);
  const [histogram] = await movies.movie.aggregate({
    histogram: { property: "releaseYear", interval: 10 },
  });
  use(histogram?.histogram.buckets[0]?.count);
  for await (const page of movies.movie.sync({
    where: { releaseYear: { lt: 2000 } },
    select: ["title"],
  }))
    use(page.upserts[0]?.title);
  // 26-28: generic code from a read class to its where / sort / select types
  const where: WhereOf<typeof Movie> = { title: "x" };
  const sameWhere: MovieWhere = where;
  const sort: SortOf<typeof Movie> = { property: "title" };
  const names: SelectOf<typeof Asset>[] = ["name", "tags", "parent"];
  use(sameWhere, sort, names);
  // 29: generic code follows a connection's target (`$types.targets`) to the target's where
  type ActorClass = (typeof Movie)["$types"]["targets"]["actors"];
  const actorWhere: WhereOf<ActorClass> = { birthYear: { lt: 1960 } };
  const sameActorWhere: ActorWhere = actorWhere;
  use(sameActorWhere);
}

export async function mistakes(): Promise<void> {
  // 1: unknown property
  // @ts-expect-error titel is not a property of Movie
  use(movies.movie.list({ where: { titel: "x" } }));
  // 2: prefix on a number
  // @ts-expect-error prefix is for text
  use(movies.movie.list({ where: { releaseYear: { prefix: "19" } } }));
  // 3: gt with a string on an int
  // @ts-expect-error releaseYear takes numbers
  use(movies.movie.list({ where: { releaseYear: { gt: "1990" } } }));
  // 4: bare value of the wrong type
  // @ts-expect-error title takes strings
  use(movies.movie.list({ where: { title: 42 } }));
  // 5: containsAny on a scalar
  // @ts-expect-error containsAny is for lists
  use(movies.movie.list({ where: { title: { containsAny: ["a"] } } }));
  // 6: a wrong enum value
  // @ts-expect-error "broken" is not a status
  use(showcase.asset.list({ where: { status: "broken" } }));
  // 7: a wrong enum value in `in`
  // @ts-expect-error "broken" is not a status
  use(showcase.asset.list({ where: { status: { in: ["active", "broken"] } } }));
  // 8: prefix on an enum
  // @ts-expect-error enums take eq, in, exists
  use(showcase.asset.list({ where: { status: { prefix: "act" } } }));
  // 9: eq on json
  // @ts-expect-error json takes exists only
  use(showcase.documentView.list({ where: { metadata: { eq: 1 } } }));
  // 10: range on a boolean
  // @ts-expect-error booleans take eq and exists
  use(movies.actor.list({ where: { wonOscar: { gt: false } } }));
  // 11: a list compared as a scalar
  // @ts-expect-error tags is a list
  use(showcase.asset.list({ where: { tags: "a" } }));
  // 12: containsAny with the wrong item type
  // @ts-expect-error tags holds strings
  use(showcase.asset.list({ where: { tags: { containsAny: [1] } } }));
  // 13: a direct relation compared with a string
  // @ts-expect-error parent takes node references
  use(showcase.asset.list({ where: { parent: "root" } }));
  // 14: nested with an unknown property of the target
  const colour = { parent: { nested: { colour: "red" } } } as const;
  // @ts-expect-error Asset has no property colour
  const nestedWhere: WhereOf<typeof Asset> = colour;
  use(nestedWhere);
  // 15: a date with a Date object
  // @ts-expect-error dates are YYYY-MM-DD strings
  use(showcase.documentView.list({ where: { issueDate: new Date() } }));
  // 16: a connection is not a where key
  // @ts-expect-error actors is an edge connection
  use(movies.movie.list({ where: { actors: { exists: true } } }));
  // 17: $or takes a list
  // @ts-expect-error $or is a list of conditions
  use(movies.movie.list({ where: { $or: { title: "a" } } }));
  // 18: startNode is for edges only
  const start = { space: "s", externalId: "x" };
  // @ts-expect-error nodes have no startNode
  use(movies.movie.list({ where: { startNode: start } }));
  // 19: a sort on a list
  // @ts-expect-error tags is a list
  use(showcase.asset.list({ sort: { property: "tags" } }));
  // 20: a sort on json
  // @ts-expect-error metadata is json
  use(showcase.documentView.list({ sort: { property: "metadata" } }));
  // 21: a sort on an unknown property
  // @ts-expect-error no such property
  use(movies.movie.list({ sort: { property: "rating" } }));
  // 22: a wrong sort direction
  // @ts-expect-error direction is ascending or descending
  use(movies.movie.list({ sort: { property: "title", direction: "down" } }));
  // 23: select of an unknown name
  // @ts-expect-error Movie has no property rating
  use(movies.movie.list({ select: ["rating"] }));
  // 24: select one property, then read another
  const selected = await movies.movie.list({ select: ["title"] }).toArray();
  // @ts-expect-error releaseYear was not selected
  use(selected[0]?.releaseYear);
  // 25: the same on retrieve
  const [actor] = await movies.actor.retrieve([], { select: ["name"] });
  // @ts-expect-error birthYear was not selected
  use(actor?.birthYear);
  // 26: search properties must be text
  // @ts-expect-error releaseYear is not text
  use(movies.movie.search({ query: "x", properties: ["releaseYear"] }));
  // 27: groupBy on json
  const byMetadata = { groupBy: ["metadata"] } as const;
  // @ts-expect-error metadata is json
  use(showcase.documentView.aggregate({ count: true }, byMetadata));
  // 28: avg of text
  // @ts-expect-error title is not a number
  use(movies.movie.aggregate({ avg: "title" }));
  // 29: an aggregate that was not asked for
  const [onlyCount] = await movies.movie.aggregate({ count: true });
  // @ts-expect-error avg was not asked for
  use(onlyCount?.avg);
  // 30: an unknown aggregate
  // @ts-expect-error median is no aggregate
  use(movies.movie.aggregate({ median: "releaseYear" }));
  // 31: a group key that was not grouped by
  const grouped = await showcase.asset.aggregate(
    { count: true },
    { groupBy: ["status"] },
  );
  // @ts-expect-error grouped by status only
  use(grouped[0]?.group.name);
  // 32: sync where with a wrong type
  // @ts-expect-error releaseYear takes numbers
  use(movies.movie.sync({ where: { releaseYear: "1990" } }));
  // 34: the target's where through `$types.targets` is the target's, not the holder's
  type Target = (typeof Movie)["$types"]["targets"]["actors"];
  // @ts-expect-error Actor has no title
  const wrongTarget: WhereOf<Target> = { title: "x" };
  use(wrongTarget);
  // 33: WhereOf rejects unknown names too
  // @ts-expect-error no property rating
  const bad: WhereOf<typeof Movie> = { rating: 1 };
  use(bad);
}

// Compile-time promises of `include` and result-set graphs, checked by `npm run typecheck` (tsc over
// test/): each `@ts-expect-error` fails the build if the line below it compiles.
import {
  Actor,
  Movie,
  type Client,
} from "../generated-examples/movies/index.js";
import type { IncludeOf } from "../templates/runtime/features/include.js";
import {
  type Technician,
  type Client as ShowcaseClient,
} from "../generated-examples/showcase/index.js";

export async function includeTypes(client: Client): Promise<void> {
  for await (const movie of client.movie.list()) {
    // Not included: the connection may be absent.
    // @ts-expect-error: Actor[] | undefined is not Actor[]
    const actors: Actor[] = movie.actors;
    void actors;
  }
  for await (const movie of client.movie.list({ include: { actors: true } })) {
    // Included: filled, typed by the target's read class.
    const actors: Actor[] = movie.actors;
    const names: (string | null)[] = movie.actors.map((a) => a.name);
    void actors;
    void names;
    // Nested connections that were not included stay optional.
    // @ts-expect-error: movies of the actors were not included
    const nested: Movie[] = movie.actors[0]!.movies;
    void nested;
  }
  for await (const movie of client.movie.list({
    include: { actors: { include: { movies: { include: { actors: true } } } } },
  })) {
    const title: string = movie.actors[0]!.movies[0]!.title;
    const deep: Actor[] = movie.actors[0]!.movies[0]!.actors;
    void title;
    void deep;
  }
  // @ts-expect-error: `nme` is not a property of Actor
  await client.movie.retrieve([], { include: { actors: { select: ["nme"] } } });
  const nested = { actors: { include: { films: true } } } as const;
  // @ts-expect-error: Actor has no connection `films`
  await client.movie.retrieve([], { include: nested });
  const edgeWhere = { actors: { edgeWhere: { role: "lead" } } } as const;
  // @ts-expect-error: Movie.actors edges carry no properties
  await client.movie.retrieve([], { include: edgeWhere });
}

export async function edgePropertyTypes(client: ShowcaseClient): Promise<void> {
  const [order] = await client.workOrder.retrieve([], {
    include: { assignees: { edgeWhere: { role: "lead" } } },
  });
  const lead: Technician | undefined = order?.assignees[0]?.node;
  const role: string | undefined = order?.assignees[0]?.edge.role;
  void lead;
  void role;
}

export async function graphTypes(client: Client): Promise<void> {
  const graph = client
    .graph()
    .nodes("movies", Movie)
    .edges("cast", { from: "movies", connection: "actors" })
    .nodes("actors", Actor, { from: "cast", select: ["name"] });
  const result = await client.query(graph);
  const movies: Movie[] = result.movies;
  const actors: Actor[] = result.actors;
  void movies;
  void actors;
  // @ts-expect-error: there is no set `directors`
  void result.directors;
  // @ts-expect-error: `movies` is no result set of an empty graph
  client.graph().edges("cast", { from: "movies", connection: "actors" });
  const movieSet = client.graph().nodes("m", Movie);
  // @ts-expect-error: Movie has no connection `crew`
  movieSet.edges("e", { from: "m", connection: "crew" });
  // @ts-expect-error: `titel` is not a property of Movie
  client.graph().nodes("m", Movie, { select: ["titel"] });
  for await (const page of client.sync(graph)) {
    const upserted: Actor[] = page.upserts.actors;
    const deleted: string[] = page.deletes.cast.map((id) => id.externalId);
    void upserted;
    void deleted;
    // @ts-expect-error: there is no set `crew`
    void page.upserts.crew;
  }
}

// The generated read classes carry `$types` (their targets among them), so with the read class
// as second argument each include's `where` is the target view's own.
export const typedWhere: IncludeOf<Movie, typeof Movie> = {
  actors: { where: { name: "Arnold" } },
};
export const wrongWhere: IncludeOf<Movie, typeof Movie> = {
  // @ts-expect-error: `nme` is not in the actors' where
  actors: { where: { nme: "Arnold" } },
};

export async function typedIncludeWhere(client: Client): Promise<void> {
  await client.movie.retrieve([], {
    include: { actors: { where: { name: { prefix: "A" } } } },
  });
  // @ts-expect-error: `nme` is not in the actors' where (the accessor passes the read class)
  await client.movie.retrieve([], {
    include: { actors: { where: { nme: "Arnold" } } },
  });
}

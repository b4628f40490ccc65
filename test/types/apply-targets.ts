// Compile-time promises of the apply classes, checked by `npm run typecheck` (tsc): every line
// marked `@ts-expect-error` must fail to compile, every other line must compile.

import {
  ActorApply,
  MovieApply,
  PersonApply,
} from "../../generated-examples/movies/index.js";

const terminator = new MovieApply("movies", "terminator", { title: "T" });
const arnold = new ActorApply("people", "arnold", { name: "Arnold" });

// Edge targets: the view's apply objects, plain references and edge links compile.
export const fine = [
  new ActorApply("people", "a", { movies: [terminator] }),
  new ActorApply("people", "b", {
    movies: [{ space: "movies", externalId: "terminator" }],
  }),
  new ActorApply("people", "c", {
    movies: [{ target: terminator, externalId: "acts-in-1" }],
  }),
  new MovieApply("movies", "m", { title: "M", actors: [arnold] }),
];

// An apply object of another view is neither that view's apply object nor a plain reference.
export const wrongView = new ActorApply("people", "d", {
  // @ts-expect-error an ActorApply is not a MovieApply
  movies: [arnold],
});
export const wrongViewInLink = new ActorApply("people", "e", {
  // @ts-expect-error not even inside an edge link
  movies: [{ target: new PersonApply("people", "p") }],
});

// Apply classes are nominal: a MovieApply has every (optional) property a PersonApply has, yet is
// not one; an ActorApply is (the actor view implements the person view).
// @ts-expect-error a MovieApply is not a PersonApply
export const notAPerson: PersonApply = terminator;
export const aPerson: PersonApply = arnold;

// A view accessor applies one object, a list, or any (async) iterable of its view's apply objects.
declare const client: import("../../generated-examples/movies/index.js").Client;
function* moviesToWrite(): Generator<MovieApply> {
  yield terminator;
}
async function* moviesArriving(): AsyncGenerator<MovieApply> {
  yield await Promise.resolve(terminator);
}
export const applied = [
  client.movie.apply(terminator),
  client.movie.apply([terminator]),
  client.movie.apply(moviesToWrite(), { report: "counts" }),
  client.movie.apply(moviesArriving()),
  client.movie.apply(new Set([terminator])),
];
function* actorsToWrite(): Generator<ActorApply> {
  yield arnold;
}
// @ts-expect-error a generator of another view's apply objects
export const wrongIterable = client.movie.apply(actorsToWrite());

// Client-level writes: apply objects of any view in one call; ids that say node or edge, read
// objects and apply objects to delete; spaces typed by the API's fields.
export const mixed = [
  client.apply([terminator, arnold]),
  client.apply(terminator, { report: "counts" }),
  client.apply(moviesToWrite()),
  client.delete([
    terminator,
    { instanceType: "node", space: "movies", externalId: "x" },
  ]),
  client.spaces.apply([{ space: "movies", name: "Movies" }]),
  client.spaces.retrieve(["movies"]),
  client.spaces.delete(["movies"]),
];
export const rawThroughClient = client.apply([
  // @ts-expect-error raw wire items go through client.dms.apply, not the typed apply
  { instanceType: "node", space: "movies", externalId: "raw" },
]);
export const idWithoutType = client.delete([
  // @ts-expect-error a plain id does not say whether it is a node or an edge
  { space: "movies", externalId: "x" },
]);
export const misspeltSpace = client.spaces.apply([
  // @ts-expect-error spaces have no `title`
  { space: "movies", title: "Movies" },
]);

// A small movies graph: movies with Movie.actors edges to actors, actors with acts-in edges.
import { actorView, edge, movieView, node } from "./support.js";

export const MOVIES: [string, string, number][] = [
  ["Terminator", "Terminator", 1984],
  ["T2", "Terminator 2", 1991],
  ["Titanic", "Titanic", 1997],
  ["Avatar", "Avatar", 2009],
];
export const ACTORS: [string, string, number, boolean][] = [
  ["arnold", "Arnold Schwarzenegger", 1947, false],
  ["linda", "Linda Hamilton", 1956, false],
  ["kate", "Kate Winslet", 1975, true],
  ["zoe", "Zoe Saldana", 1978, false],
];
export const CAST: [string, string][] = [
  ["Terminator", "arnold"],
  ["Terminator", "linda"],
  ["T2", "arnold"],
  ["T2", "linda"],
  ["Titanic", "kate"],
  ["Avatar", "zoe"],
];

export function datasetItems() {
  return [
    ...MOVIES.map(([id, title, releaseYear]) =>
      node("movies", id, movieView, { title, releaseYear }),
    ),
    ...ACTORS.map(([id, name, birthYear, wonOscar]) =>
      node("actors", id, actorView, { name, birthYear, wonOscar }),
    ),
    ...CAST.map(([movie, actor]) =>
      edge(
        "movies",
        `${movie}.${actor}`,
        ["mySpace", "Movie.actors"],
        ["movies", movie],
        ["actors", actor],
      ),
    ),
    ...CAST.map(([movie, actor]) =>
      edge(
        "actors",
        `${actor}.acts-in.${movie}`,
        ["types", "acts-in"],
        ["actors", actor],
        ["movies", movie],
      ),
    ),
  ];
}

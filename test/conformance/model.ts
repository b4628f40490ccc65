// A small movies model in the suite's own space, shared by the instance suites: Person and Movie
// containers, their views, and `acts-in` edges from people to movies.

import type { Suite } from "./suite.js";

export interface MoviesModel {
  person: { type: "view"; space: string; externalId: string; version: string };
  movie: { type: "view"; space: string; externalId: string; version: string };
  actsIn: { space: string; externalId: string };
  /** `["space", "PersonView/v1", property]` */
  personProperty(property: string): [string, string, string];
  movieProperty(property: string): [string, string, string];
  personNode(externalId: string, properties: Record<string, unknown>): any;
  movieNode(externalId: string, properties: Record<string, unknown>): any;
  actsInEdge(person: string, movie: string): any;
}

export async function deployMoviesModel(suite: Suite): Promise<MoviesModel> {
  const { api, space } = suite;
  const text = { type: { type: "text" } };
  const int = { type: { type: "int32" } };
  await api.ok("/models/containers", {
    items: [
      { space, externalId: "Person", properties: { name: text, born: int } },
      { space, externalId: "Movie", properties: { title: text, year: int } },
    ],
  });
  const mapped = (container: string, property: string) => ({
    container: { type: "container", space, externalId: container },
    containerPropertyIdentifier: property,
  });
  await api.ok("/models/views", {
    items: [
      {
        space,
        externalId: "PersonView",
        version: "v1",
        properties: {
          name: mapped("Person", "name"),
          born: mapped("Person", "born"),
        },
      },
      {
        space,
        externalId: "MovieView",
        version: "v1",
        properties: {
          title: mapped("Movie", "title"),
          year: mapped("Movie", "year"),
        },
      },
    ],
  });
  const view = (externalId: string) =>
    ({ type: "view", space, externalId, version: "v1" }) as const;
  const person = view("PersonView");
  const movie = view("MovieView");
  const actsIn = { space, externalId: "acts-in" };
  return {
    person,
    movie,
    actsIn,
    personProperty: (p) => [space, "PersonView/v1", p],
    movieProperty: (p) => [space, "MovieView/v1", p],
    personNode: (externalId, properties) => ({
      instanceType: "node",
      space,
      externalId,
      sources: [{ source: person, properties }],
    }),
    movieNode: (externalId, properties) => ({
      instanceType: "node",
      space,
      externalId,
      sources: [{ source: movie, properties }],
    }),
    actsInEdge: (from, to) => ({
      instanceType: "edge",
      space,
      externalId: `${from}-acts-in-${to}`,
      type: actsIn,
      startNode: { space, externalId: from },
      endNode: { space, externalId: to },
    }),
  };
}

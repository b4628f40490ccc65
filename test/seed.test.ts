// The seed pages' apply examples (../shared/reference/seeds/instances-apply.txt), written against
// the generated movies classes, give exactly the JSON the apply API expects.
import { describe, expect, it } from "vitest";
import {
  ActorApply,
  MovieApply,
  PersonApply,
  collectWrites,
  combineNodes,
  type ApplyRequest,
} from "../generated-examples/movies/index.js";
import {
  assertValid,
  validateRequest,
  validateSchema,
} from "./support/openapi.js";

const view = (externalId: string) => ({
  type: "view",
  space: "mySpace",
  externalId,
  version: "v1",
});

const arnoldAsPerson = new PersonApply("actors", "arnold_schwarzenegger", {
  name: "Arnold Schwarzenegger",
  birthYear: 1947,
});
const arnoldAsActor = new ActorApply("actors", "arnold_schwarzenegger", {
  wonOscar: false,
  movies: [
    {
      target: { space: "movies", externalId: "Terminator" },
      externalId: "relation:arnold_schwarzenegger:terminator",
    },
  ],
});
const terminator = new MovieApply("movies", "Terminator", {
  title: "Terminator",
  releaseYear: 1984,
});

const expectedArnold = {
  instanceType: "node",
  space: "actors",
  externalId: "arnold_schwarzenegger",
  sources: [
    {
      source: view("PersonView"),
      properties: { name: "Arnold Schwarzenegger", birthYear: 1947 },
    },
    { source: view("ActorView"), properties: { wonOscar: false } },
  ],
};
const expectedTerminator = {
  instanceType: "node",
  space: "movies",
  externalId: "Terminator",
  sources: [
    {
      source: view("MovieView"),
      properties: { title: "Terminator", releaseYear: 1984 },
    },
  ],
};
const expectedActsIn = {
  instanceType: "edge",
  space: "actors",
  externalId: "relation:arnold_schwarzenegger:terminator",
  type: { space: "types", externalId: "acts-in" },
  startNode: { space: "actors", externalId: "arnold_schwarzenegger" },
  endNode: { space: "movies", externalId: "Terminator" },
};

describe("the seed's apply examples through generated classes", () => {
  it("writes Arnold through two views, the Terminator, and the acts-in edge", () => {
    const items = collectWrites([arnoldAsPerson, arnoldAsActor, terminator]);
    expect(items).toEqual([expectedArnold, expectedTerminator, expectedActsIn]);
    const body: ApplyRequest = { items };
    assertValid("apply request", validateSchema("InstanceBulk", body));
    assertValid(
      "apply request",
      validateRequest("/models/instances", "post", body),
    );
    // Exactly these bytes go on the wire (key order included).
    expect(JSON.stringify(items[2])).toBe(
      '{"instanceType":"edge","space":"actors","externalId":"relation:arnold_schwarzenegger:terminator","type":{"space":"types","externalId":"acts-in"},"startNode":{"space":"actors","externalId":"arnold_schwarzenegger"},"endNode":{"space":"movies","externalId":"Terminator"}}',
    );
  });

  it("combines one node's views with combineNodes", () => {
    expect(combineNodes(arnoldAsPerson, arnoldAsActor)).toEqual(expectedArnold);
  });

  it("sends the acts-in edge alone with auto-created start and end nodes", () => {
    const edges = arnoldAsActor
      .toInstanceWrites()
      .filter((write) => write.instanceType === "edge");
    const body: ApplyRequest = {
      items: edges,
      autoCreateStartNodes: true,
      autoCreateEndNodes: true,
    };
    expect(body.items).toEqual([expectedActsIn]);
    assertValid(
      "edge-only apply",
      validateRequest("/models/instances", "post", body),
    );
  });

  it("maps PersonApply's TypeScript names to the view's identifiers (the TypedNodeApply seed)", () => {
    const person = new PersonApply("sp_date_space", "my_person", {
      name: "John Doe",
      birthYear: 1980,
    });
    expect(PersonApply.properties).toEqual({
      name: { identifier: "name", type: "text", container: "mySpace:Person" },
      birthYear: {
        identifier: "birthYear",
        type: "int32",
        container: "mySpace:Person",
      },
    });
    expect(person.toInstanceWrite()).toEqual({
      instanceType: "node",
      space: "sp_date_space",
      externalId: "my_person",
      sources: [
        {
          source: view("PersonView"),
          properties: { name: "John Doe", birthYear: 1980 },
        },
      ],
    });
  });
});

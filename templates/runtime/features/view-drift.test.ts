// The drift comparison: recorded facts + a live view (the API's shape) → classified differences.
import { describe, expect, it } from "vitest";
import type { JsonPoster } from "../write/apply.js";
import { ViewDriftError } from "./view-drift-error.js";
import {
  compareView,
  ViewVerifier,
  type RecordedView,
  type VerifiableClass,
} from "./view-drift.js";

const VIEW = {
  type: "view",
  space: "sp",
  externalId: "Movie",
  version: "v1",
} as const;

/** What the generated code recorded: TypeScript names differ from identifiers on purpose. */
const RECORDED: RecordedView = {
  view: VIEW,
  properties: {
    title: {
      identifier: "title",
      type: "text",
      nullable: false,
      container: "sp:Movie",
    },
    releaseYear: {
      identifier: "release_year",
      type: "int32",
      container: "sp:Movie",
    },
    rating: {
      identifier: "rating",
      type: "float64",
      nullable: false,
      default: 0,
      container: "sp:Movie",
      containerProperty: "score",
    },
    tags: {
      identifier: "tags",
      type: "text",
      list: true,
      container: "sp:Movie",
    },
    genre: {
      identifier: "genre",
      type: "enum",
      values: ["drama", "comedy"],
      container: "sp:Movie",
    },
    director: {
      identifier: "director",
      type: "direct",
      target: "sp:Person/v1",
      container: "sp:Movie",
    },
    number: {
      identifier: "number",
      type: "int64",
      nullable: false,
      autoIncrement: true,
      container: "sp:Movie",
    },
  },
  connections: {
    actors: {
      identifier: "actors",
      connection: "edge",
      multi: true,
      edgeType: { space: "sp", externalId: "Movie.actors" },
      direction: "outwards",
      target: "sp:Actor/v1",
    },
    reviews: {
      identifier: "reviews",
      connection: "reverse",
      multi: true,
      target: "sp:Review/v1",
      through: {
        source: {
          type: "view",
          space: "sp",
          externalId: "Review",
          version: "v1",
        },
        identifier: "movie",
      },
    },
  },
  implements: ["sp:Work/v1"],
  texts: {
    name: "Movie",
    properties: { title: { name: "Title", description: "The title." } },
  },
};

type Json = Record<string, unknown>;

function mapped(
  identifier: string,
  type: Json,
  extra: Json = {},
  container = "Movie",
): Json {
  return {
    container: { type: "container", space: "sp", externalId: container },
    containerPropertyIdentifier: identifier,
    type: { list: false, ...type },
    nullable: true,
    immutable: false,
    autoIncrement: false,
    ...extra,
  };
}

/** The live view that matches RECORDED exactly. */
function liveView(): Json {
  return {
    space: "sp",
    externalId: "Movie",
    version: "v1",
    name: "Movie",
    implements: [
      { type: "view", space: "sp", externalId: "Work", version: "v1" },
    ],
    properties: {
      title: {
        ...mapped("title", { type: "text" }, { nullable: false }),
        name: "Title",
        description: "The title.",
      },
      release_year: mapped("release_year", { type: "int32" }),
      rating: {
        ...mapped("score", { type: "float64" }, { nullable: false }),
        defaultValue: 0,
      },
      tags: mapped("tags", { type: "text", list: true }),
      genre: mapped("genre", {
        type: "enum",
        values: { drama: {}, comedy: {} },
      }),
      director: mapped("director", {
        type: "direct",
        source: {
          type: "view",
          space: "sp",
          externalId: "Person",
          version: "v1",
        },
      }),
      number: mapped(
        "number",
        { type: "int64" },
        { nullable: false, autoIncrement: true },
      ),
      actors: {
        connectionType: "multi_edge_connection",
        type: { space: "sp", externalId: "Movie.actors" },
        source: {
          type: "view",
          space: "sp",
          externalId: "Actor",
          version: "v1",
        },
        direction: "outwards",
      },
      reviews: {
        connectionType: "multi_reverse_direct_relation",
        source: {
          type: "view",
          space: "sp",
          externalId: "Review",
          version: "v1",
        },
        through: {
          source: {
            type: "view",
            space: "sp",
            externalId: "Review",
            version: "v1",
          },
          identifier: "movie",
        },
      },
    },
  };
}

/** The live view with `change` applied to a copy. */
function changed(change: (view: Json & { properties: Json }) => void): Json {
  const view = structuredClone(liveView()) as Json & { properties: Json };
  change(view);
  return view;
}

function prop(view: { properties: Json }, identifier: string): Json {
  return view.properties[identifier] as Json;
}

interface Case {
  readonly title: string;
  readonly live: Json | undefined;
  /** `class change property name`, in the order compareView gives them. */
  readonly expected: readonly string[];
  readonly recorded?: RecordedView;
}

const CASES: readonly Case[] = [
  { title: "identical", live: liveView(), expected: [] },
  {
    title: "the view is gone",
    live: undefined,
    expected: ["breaking view-missing - -"],
  },
  {
    title: "a property is gone",
    live: changed((v) => delete v.properties.release_year),
    expected: ["breaking property-missing release_year releaseYear"],
  },
  {
    title: "a type changed",
    live: changed(
      (v) => (prop(v, "release_year").type = { type: "text", list: false }),
    ),
    expected: ["breaking type-changed release_year releaseYear"],
  },
  {
    title: "list-ness changed",
    live: changed(
      (v) => (prop(v, "tags").type = { type: "text", list: false }),
    ),
    expected: ["breaking list-changed tags tags"],
  },
  {
    title: "another container",
    live: changed(
      (v) =>
        (v.properties.release_year = mapped(
          "release_year",
          { type: "int32" },
          {},
          "Film",
        )),
    ),
    expected: ["breaking container-changed release_year releaseYear"],
  },
  {
    title: "another container property",
    live: changed(
      (v) => (prop(v, "rating").containerPropertyIdentifier = "rating"),
    ),
    expected: ["breaking container-changed rating rating"],
  },
  {
    title: "a nullable property became required",
    live: changed((v) => (prop(v, "release_year").nullable = false)),
    expected: ["breaking became-required release_year releaseYear"],
  },
  {
    title: "a property lost its default and is not nullable",
    live: changed((v) => delete prop(v, "rating").defaultValue),
    expected: ["breaking became-required rating rating"],
  },
  {
    title: "a default changed",
    live: changed((v) => (prop(v, "rating").defaultValue = 5)),
    expected: ["additive default-changed rating rating"],
  },
  {
    title: "a default added",
    live: changed((v) => (prop(v, "release_year").defaultValue = 2000)),
    expected: ["additive default-changed release_year releaseYear"],
  },
  {
    title: "a required property became nullable",
    live: changed((v) => (prop(v, "title").nullable = true)),
    expected: ["additive became-nullable title title"],
  },
  {
    title: "a direct relation's target changed",
    live: changed(
      (v) =>
        ((prop(v, "director").type as Json).source = {
          type: "view",
          space: "sp",
          externalId: "Director",
          version: "v1",
        }),
    ),
    expected: ["breaking target-changed director director"],
  },
  {
    title:
      "a direct relation's target in the older shape (at `source`) is the same",
    live: changed((v) => {
      const director = prop(v, "director");
      director.source = (director.type as Json).source;
      delete (director.type as Json).source;
    }),
    expected: [],
  },
  {
    title: "enum values removed and added",
    live: changed(
      (v) =>
        (prop(v, "genre").type = {
          type: "enum",
          list: false,
          values: { drama: {}, horror: {} },
        }),
    ),
    expected: [
      "breaking enum-values-removed genre genre",
      "additive enum-values-added genre genre",
    ],
  },
  {
    title: "a new optional property",
    live: changed(
      (v) => (v.properties.budget = mapped("budget", { type: "float64" })),
    ),
    expected: ["additive property-added budget -"],
  },
  {
    title: "a new required property",
    live: changed(
      (v) =>
        (v.properties.budget = mapped(
          "budget",
          { type: "float64" },
          { nullable: false },
        )),
    ),
    expected: ["breaking required-property-added budget -"],
  },
  {
    title: "a new property not nullable with a default is optional",
    live: changed(
      (v) =>
        (v.properties.budget = mapped(
          "budget",
          { type: "float64" },
          { nullable: false, defaultValue: 1 },
        )),
    ),
    expected: ["additive property-added budget -"],
  },
  {
    title: "a container property became an edge connection",
    live: changed((v) => (v.properties.tags = prop(v, "actors"))),
    expected: ["breaking kind-changed tags tags"],
  },
  {
    title: "an edge's type, direction, target and multiplicity changed",
    live: changed((v) =>
      Object.assign(prop(v, "actors"), {
        connectionType: "single_edge_connection",
        type: { space: "sp", externalId: "acts-in" },
        direction: "inwards",
        source: {
          type: "view",
          space: "sp",
          externalId: "Person",
          version: "v1",
        },
      }),
    ),
    expected: [
      "breaking list-changed actors actors",
      "breaking target-changed actors actors",
      "breaking edge-type-changed actors actors",
      "breaking direction-changed actors actors",
    ],
  },
  {
    title: "edge properties appeared",
    live: changed(
      (v) =>
        (prop(v, "actors").edgeSource = {
          type: "view",
          space: "sp",
          externalId: "Role",
          version: "v1",
        }),
    ),
    expected: ["breaking edge-source-changed actors actors"],
  },
  {
    title: "an edge without connectionType (older API) is as recorded",
    live: changed((v) => delete prop(v, "actors").connectionType),
    expected: [],
  },
  {
    title: "a reverse relation goes through another property",
    live: changed(
      (v) => ((prop(v, "reviews").through as Json).identifier = "film"),
    ),
    expected: ["breaking through-changed reviews reviews"],
  },
  {
    title: "implements, names and descriptions changed",
    live: changed((v) => {
      v.implements = [];
      v.name = "Film";
      v.description = "A film.";
      prop(v, "title").description = "The film's title.";
    }),
    expected: [
      "additive implements-changed - -",
      "additive name-changed - -",
      "additive description-changed - -",
      "additive description-changed title title",
    ],
  },
  {
    title: "without recorded texts and implements, those are not compared",
    recorded: {
      view: VIEW,
      properties: RECORDED.properties,
      connections: RECORDED.connections,
    },
    live: changed((v) => {
      v.implements = [];
      v.name = "Film";
    }),
    expected: [],
  },
  {
    title: "breaking differences come first",
    live: changed((v) => {
      v.name = "Film";
      delete v.properties.tags;
    }),
    expected: [
      "breaking property-missing tags tags",
      "additive name-changed - -",
    ],
  },
];

describe("compareView", () => {
  it.each(CASES)("$title", ({ live, expected, recorded }) => {
    const differences = compareView(recorded ?? RECORDED, live);
    expect(
      differences.map(
        (d) => `${d.class} ${d.change} ${d.property ?? "-"} ${d.name ?? "-"}`,
      ),
    ).toEqual(expected);
  });

  it("says what changed in the message", () => {
    const [difference] = compareView(
      RECORDED,
      changed(
        (v) => (prop(v, "release_year").type = { type: "text", list: false }),
      ),
    );
    expect(difference?.message).toBe("type changed from int32 to text");
    const [renamed] = compareView(
      RECORDED,
      changed((v) => (v.name = "Film")),
    );
    expect(renamed?.message).toBe('the name changed from "Movie" to "Film"');
  });
});

// ---- the client's check

const MOVIE: VerifiableClass = {
  name: "Movie",
  view: VIEW,
  properties: RECORDED.properties,
  connections: RECORDED.connections,
};
const ACTOR: VerifiableClass = {
  name: "Actor",
  view: { type: "view", space: "sp", externalId: "Actor", version: "v1" },
  properties: {},
  connections: {},
};
const ACTOR_LIVE = {
  space: "sp",
  externalId: "Actor",
  version: "v1",
  properties: {},
};

/** A views/byids endpoint over `views`, recording each request's ids. */
function fakeApi(views: Json[]): JsonPoster & { requests: string[][] } {
  const requests: string[][] = [];
  return {
    requests,
    postJson<T>(path: string, body: unknown): Promise<T> {
      expect(path).toBe("/models/views/byids");
      const ids = (body as { items: { externalId: string }[] }).items.map(
        (item) => item.externalId,
      );
      requests.push(ids);
      return Promise.resolve({
        items: views.filter((view) => ids.includes(view.externalId as string)),
      } as T);
    },
  };
}

describe("ViewVerifier", () => {
  it("fetches the views asked for in one tick with one request, once for its life", async () => {
    const api = fakeApi([liveView(), ACTOR_LIVE]);
    const verifier = new ViewVerifier(
      api,
      [MOVIE, ACTOR],
      true,
      ViewDriftError,
    );
    await Promise.all([verifier.check(MOVIE), verifier.check(ACTOR)]);
    await verifier.check(MOVIE);
    expect(await verifier.verifyAll()).toEqual({ breaking: false, views: [] });
    expect(api.requests).toEqual([["Movie", "Actor"]]);
  });

  it("rejects with ViewDriftError naming each breaking difference by TypeScript name and identifier", async () => {
    const live = changed((v) => {
      delete v.properties.release_year;
      v.properties.budget = mapped("budget", { type: "float64" });
    });
    const verifier = new ViewVerifier(
      fakeApi([live]),
      [MOVIE],
      true,
      ViewDriftError,
    );
    const error = await verifier.check(MOVIE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViewDriftError);
    const drift = error as ViewDriftError;
    expect(drift.view).toBe("sp:Movie/v1");
    expect(drift.differences.map((d) => [d.name, d.property])).toEqual([
      ["releaseYear", "release_year"],
    ]);
    expect(drift.message).toContain(
      "releaseYear (`release_year`): the property is gone",
    );
  });

  it("reports additive drift without failing, and a missing view as breaking", async () => {
    const live = changed(
      (v) => (v.properties.budget = mapped("budget", { type: "float64" })),
    );
    const verifier = new ViewVerifier(
      fakeApi([live]),
      [MOVIE, ACTOR],
      false,
      ViewDriftError,
    );
    await verifier.check(MOVIE);
    const report = await verifier.verifyAll();
    expect(report.breaking).toBe(true);
    expect(
      report.views.map((v) => [v.view, v.differences.map((d) => d.change)]),
    ).toEqual([
      ["sp:Movie/v1", ["property-added"]],
      ["sp:Actor/v1", ["view-missing"]],
    ]);
  });

  it("asks again after a failed request", async () => {
    let calls = 0;
    const api: JsonPoster = {
      postJson<T>(): Promise<T> {
        calls++;
        return calls === 1
          ? Promise.reject(new Error("offline"))
          : Promise.resolve({ items: [ACTOR_LIVE] } as T);
      },
    };
    const verifier = new ViewVerifier(api, [ACTOR], true, ViewDriftError);
    await expect(verifier.check(ACTOR)).rejects.toThrow("offline");
    await verifier.check(ACTOR);
    expect(calls).toBe(2);
  });
});

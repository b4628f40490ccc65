import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import {
  client,
  movieView,
  moviesViews,
  node,
  type Client,
} from "./support.js";

// Five movies, two without a release year: the expected orders below are written out by hand.
const MOVIES: [string, number | null][] = [
  ["m1", 1999],
  ["m2", null],
  ["m3", 1984],
  ["m4", null],
  ["m5", 2010],
];

let emulator: RunningEmulator;
let api: Client;

beforeAll(async () => {
  emulator = await startEmulator({ spaces: ["movies"], views: moviesViews() });
  api = client(emulator);
  await api.ok("/models/instances", {
    items: MOVIES.map(([id, year]) =>
      node("movies", id, movieView, {
        title: id,
        ...(year === null ? {} : { releaseYear: year }),
      }),
    ),
  });
});
afterAll(async () => {
  await emulator.close();
});

async function order(direction: string, nullsFirst: boolean) {
  const body = await api.ok<{ items: { externalId: string }[] }>(
    "/models/instances/list",
    {
      instanceType: "node",
      sources: [{ source: movieView }],
      sort: [
        {
          property: ["mySpace", "MovieView/v1", "releaseYear"],
          direction,
          nullsFirst,
        },
      ],
    },
  );
  return body.items.map((item) => item.externalId);
}

describe("sort with nulls", () => {
  it.each([
    ["ascending", false, ["m3", "m1", "m5", "m2", "m4"]],
    ["ascending", true, ["m2", "m4", "m3", "m1", "m5"]],
    ["descending", false, ["m5", "m1", "m3", "m2", "m4"]],
    ["descending", true, ["m2", "m4", "m5", "m1", "m3"]],
  ])(
    "%s with nullsFirst %s places the nulls by nullsFirst alone",
    async (direction, nullsFirst, expected) => {
      expect(await order(direction, nullsFirst)).toEqual(expected);
    },
  );
});

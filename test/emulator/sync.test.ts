import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ManualClock,
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { datasetItems } from "./dataset.js";
import {
  actorView,
  client,
  movieView,
  moviesViews,
  node,
  type Client,
  TEST_SPACES,
} from "./support.js";

let emulator: RunningEmulator;
let api: Client;
let clock: ManualClock;
const DAY = 24 * 60 * 60 * 1000;
const year = ["mySpace", "MovieView/v1", "releaseYear"];
const ids = (items: { externalId: string }[]) => items.map((i) => i.externalId);

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  emulator = await startEmulator({
    spaces: TEST_SPACES,
    views: moviesViews(),
    clock,
  });
  api = client(emulator);
  await api.ok("/models/instances", { items: datasetItems() });
});
afterEach(async () => {
  await emulator.close();
});

function moviesSync(
  extra: Record<string, unknown> = {},
  set: Record<string, unknown> = {},
) {
  return {
    with: { movies: { nodes: { filter: { hasData: [movieView] } }, ...set } },
    select: { movies: { sources: [{ source: movieView, properties: ["*"] }] } },
    ...extra,
  };
}

describe("sync: the seed example", () => {
  it("movies before 2000 → their Movie.actors edges → the actors; then nothing new", async () => {
    const movieId = {
      space: "mySpace",
      externalId: "MovieView",
      version: "v1",
    };
    const query = {
      with: {
        movies: { nodes: { filter: { range: { property: year, lt: 2000 } } } },
        actors_in_movie: {
          edges: {
            from: "movies",
            direction: "outwards",
            filter: {
              equals: {
                property: ["edge", "type"],
                value: { space: movieId.space, externalId: "Movie.actors" },
              },
            },
          },
        },
        actors: { nodes: { from: "actors_in_movie" } },
      },
      select: {
        actors: { sources: [{ source: actorView, properties: ["name"] }] },
      },
    };
    const first = await api.ok("/models/instances/sync", query);
    expect(ids(first.items.actors).sort()).toEqual(["arnold", "kate", "linda"]);
    expect(
      first.items.actors.find((a: any) => a.externalId === "kate").properties,
    ).toEqual({ mySpace: { "ActorView/v1": { name: "Kate Winslet" } } });
    expect(Object.keys(first.nextCursor).sort()).toEqual([
      "actors",
      "actors_in_movie",
      "movies",
    ]);
    const again = await api.ok("/models/instances/sync", {
      ...query,
      cursors: first.nextCursor,
    });
    expect(again.items.actors).toEqual([]);
    // The seed's Select also sorts; sync has no sort, so that is a 400.
    const sorted = await api.post(
      "/models/instances/sync",
      {
        ...query,
        select: {
          actors: {
            ...query.select.actors,
            sort: [{ property: ["mySpace", "ActorView/v1", "name"] }],
          },
        },
      },
      { skipRequestValidation: true },
    );
    expect(sorted.status).toBe(400);
  });
});

describe("sync: the change feed", () => {
  it("first call, nothing changed, an update, a delete", async () => {
    const first = await api.ok("/models/instances/sync", moviesSync());
    expect(ids(first.items.movies)).toEqual([
      "Terminator",
      "T2",
      "Titanic",
      "Avatar",
    ]);
    expect(first.items.movies[0].properties.mySpace["MovieView/v1"]).toEqual({
      title: "Terminator",
      releaseYear: 1984,
    });
    const nothing = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }),
    );
    expect(nothing.items.movies).toEqual([]);
    expect(typeof nothing.nextCursor.movies).toBe("string");

    await api.ok("/models/instances", {
      items: [node("movies", "T2", movieView, { title: "T2: Judgment Day" })],
    });
    await api.ok("/models/instances", {
      items: [node("movies", "Titanic", movieView, { title: "Titanic" })],
    }); // no-op: no event
    const update = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: nothing.nextCursor }),
    );
    expect(
      update.items.movies.map((m: any) => [
        m.externalId,
        m.version,
        m.properties.mySpace["MovieView/v1"].title,
      ]),
    ).toEqual([["T2", 2, "T2: Judgment Day"]]);

    clock.advance(10);
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space: "movies", externalId: "Avatar" }],
    });
    const deleted = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: update.nextCursor }),
    );
    expect(deleted.items.movies).toEqual([
      expect.objectContaining({
        externalId: "Avatar",
        deletedTime: clock.now(),
        version: 2,
      }),
    ]);
  });

  it("a sync from scratch after changes reads the changed instances, never earlier text", async () => {
    // An item's text is kept per instance; a change, a narrower selection or a delete must show.
    const titles = (body: any) =>
      body.items.movies.map((m: any) => [
        m.externalId,
        m.version,
        m.properties?.mySpace["MovieView/v1"] ?? null,
        m.deletedTime ?? null,
      ]);
    // Read three times: the first writes the page at once, the second keeps each item's text, the
    // third joins the kept texts. All three answer the same.
    const reads = [];
    for (let i = 0; i < 3; i++)
      reads.push(await api.ok("/models/instances/sync", moviesSync()));
    expect(reads[1]).toEqual(reads[0]);
    expect(reads[2]).toEqual(reads[0]);
    const before = reads[2];
    expect(titles(before)[1]).toEqual([
      "T2",
      1,
      { title: "Terminator 2", releaseYear: 1991 },
      null,
    ]);
    await api.ok("/models/instances", {
      items: [node("movies", "T2", movieView, { title: "T2: Judgment Day" })],
    });
    clock.advance(10);
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space: "movies", externalId: "Avatar" }],
    });
    const again = await api.ok(
      "/models/instances/sync",
      moviesSync({}, { skipAlreadyDeleted: false }),
    );
    expect(titles(again)).toEqual([
      ["Terminator", 1, { title: "Terminator", releaseYear: 1984 }, null],
      ["Titanic", 1, { title: "Titanic", releaseYear: 1997 }, null],
      ["T2", 2, { title: "T2: Judgment Day", releaseYear: 1991 }, null],
      ["Avatar", 2, null, clock.now()],
    ]);
    const onlyYear = await api.ok("/models/instances/sync", {
      ...moviesSync(),
      select: {
        movies: {
          sources: [{ source: movieView, properties: ["releaseYear"] }],
        },
      },
    });
    expect(titles(onlyYear)[0]).toEqual([
      "Terminator",
      1,
      { releaseYear: 1984 },
      null,
    ]);
  });

  it("pages by limit, with a nextCursor every time", async () => {
    const pages: string[][] = [];
    let cursors: Record<string, string> | undefined;
    for (let i = 0; i < 3; i++) {
      const body = await api.ok(
        "/models/instances/sync",
        moviesSync(cursors ? { cursors } : {}, { limit: 2 }),
      );
      pages.push(ids(body.items.movies));
      cursors = body.nextCursor;
    }
    expect(pages).toEqual([["Terminator", "T2"], ["Titanic", "Avatar"], []]);
  });

  it("an expired cursor is a 400 unless allowExpiredCursorsAndAcceptMissedDeletes", async () => {
    const first = await api.ok("/models/instances/sync", moviesSync());
    clock.advance(3 * DAY + 1);
    const expired = await api.post(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }),
    );
    expect(expired.status).toBe(400);
    expect(expired.body.error.message).toMatch(/^Cursor has expired/);
    const allowed = await api.ok(
      "/models/instances/sync",
      moviesSync({
        cursors: first.nextCursor,
        allowExpiredCursorsAndAcceptMissedDeletes: true,
      }),
    );
    expect(allowed.items.movies).toEqual([]);
  });

  it("a cursor younger than 3 days still works, and each call renews it", async () => {
    const first = await api.ok("/models/instances/sync", moviesSync());
    clock.advance(2 * DAY);
    const second = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }),
    );
    clock.advance(2 * DAY);
    const third = await api.post(
      "/models/instances/sync",
      moviesSync({ cursors: second.nextCursor }),
    );
    expect(third.status).toBe(200);
  });

  it("garbage and foreign cursors are 400", async () => {
    const garbage = await api.post(
      "/models/instances/sync",
      moviesSync({ cursors: { movies: "not-a-cursor" } }),
    );
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.message).toContain("invalid cursor");
    const first = await api.ok("/models/instances/sync", moviesSync());
    const tampered = first.nextCursor.movies.replace(/^./, (c: string) =>
      c === "e" ? "f" : "e",
    );
    expect(
      (
        await api.post(
          "/models/instances/sync",
          moviesSync({ cursors: { movies: tampered } }),
        )
      ).status,
    ).toBe(400);
    const otherQuery = await api.post(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }, { skipAlreadyDeleted: false }),
    );
    expect(otherQuery.status).toBe(400);
    expect(otherQuery.body.error.message).toContain("different sync query");
    // Only the limit changed: the same query (clients shrink pages after a timeout).
    const smallerPages = await api.post(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }, { limit: 5 }),
    );
    expect(smallerPages.status).toBe(200);
  });

  it("rejects sort, a limit above 2000, and backfillSort without twoPhase", async () => {
    const sort = await api.post(
      "/models/instances/sync",
      moviesSync({}, { sort: [{ property: year }] }),
      { skipRequestValidation: true },
    );
    expect(sort.status).toBe(400);
    const limit = await api.post(
      "/models/instances/sync",
      moviesSync({}, { limit: 2001 }),
      { skipRequestValidation: true },
    );
    expect(limit.status).toBe(400);
    const backfill = await api.post(
      "/models/instances/sync",
      moviesSync({}, { backfillSort: [{ property: year }] }),
    );
    expect(backfill.status).toBe(400);
    expect(backfill.body.error.message).toBe(
      "Backfill sort can only be used with two-phase sync.",
    );
  });
});

describe("sync modes", () => {
  it("noBackfill: nothing at first, then only new changes", async () => {
    const first = await api.ok(
      "/models/instances/sync",
      moviesSync({}, { mode: "noBackfill" }),
    );
    expect(first.items.movies).toEqual([]);
    await api.ok("/models/instances", {
      items: [
        node("movies", "Aliens", movieView, {
          title: "Aliens",
          releaseYear: 1986,
        }),
      ],
    });
    const next = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }, { mode: "noBackfill" }),
    );
    expect(ids(next.items.movies)).toEqual(["Aliens"]);
  });

  it("twoPhase with backfillSort: sorted backfill pages, then the changes since the first call", async () => {
    const set = {
      mode: "twoPhase",
      limit: 2,
      backfillSort: [{ property: year, direction: "descending" }],
    };
    const first = await api.ok("/models/instances/sync", moviesSync({}, set));
    expect(ids(first.items.movies)).toEqual(["Avatar", "Titanic"]);
    await api.ok("/models/instances", {
      items: [
        node("movies", "Aliens", movieView, {
          title: "Aliens",
          releaseYear: 1986,
        }),
      ],
    });
    const second = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: first.nextCursor }, set),
    );
    expect(ids(second.items.movies)).toEqual(["T2", "Terminator"]);
    const third = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: second.nextCursor }, set),
    );
    expect(ids(third.items.movies)).toEqual([]);
    const fourth = await api.ok(
      "/models/instances/sync",
      moviesSync({ cursors: third.nextCursor }, set),
    );
    expect(ids(fourth.items.movies)).toEqual(["Aliens"]);
  });

  it("skipAlreadyDeleted: false also returns instances deleted before the sync started", async () => {
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space: "movies", externalId: "Titanic" }],
    });
    const skipping = await api.ok("/models/instances/sync", moviesSync());
    expect(ids(skipping.items.movies)).toEqual(["Terminator", "T2", "Avatar"]);
    const all = await api.ok(
      "/models/instances/sync",
      moviesSync({}, { skipAlreadyDeleted: false }),
    );
    expect(ids(all.items.movies)).toEqual([
      "Terminator",
      "T2",
      "Avatar",
      "Titanic",
    ]);
    expect(all.items.movies[3].deletedTime).toBe(clock.now());
  });

  it("edges: deleting a node shows its edges as tombstones", async () => {
    const request = (cursors?: Record<string, string>) => ({
      with: {
        cast: {
          edges: {
            filter: {
              equals: {
                property: ["edge", "type"],
                value: { space: "mySpace", externalId: "Movie.actors" },
              },
            },
          },
          limit: 100,
        },
      },
      select: { cast: {} },
      includeTyping: true,
      ...(cursors ? { cursors } : {}),
    });
    const first = await api.ok("/models/instances/sync", request());
    expect(first.items.cast).toHaveLength(6);
    expect(first.typing).toEqual({ cast: {} });
    await api.ok("/models/instances/delete", {
      items: [{ instanceType: "node", space: "actors", externalId: "linda" }],
    });
    const next = await api.ok(
      "/models/instances/sync",
      request(first.nextCursor),
    );
    expect(
      next.items.cast.map((e: any) => [e.externalId, typeof e.deletedTime]),
    ).toEqual([
      ["Terminator.linda", "number"],
      ["T2.linda", "number"],
    ]);
  });
});

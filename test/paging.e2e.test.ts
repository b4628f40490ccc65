// Adaptive paging end to end (issue 9 item 5): the generated movies client reads through a small
// proxy on 127.0.0.1 in front of the emulator that answers `instances/query` and `instances/sync`
// with the API's 408 whenever a result set's `limit` is above a threshold, which each test lowers
// while paging (so sets that already have cursors must shrink). Every path must read everything
// exactly once and report the page sizes it ended with; `list` with `include` must hand out its
// first root page before asking for the next one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  Actor,
  ActorApply,
  Movie,
  MovieApply,
  PageTimeoutError,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { parseGraphSyncState } from "../generated-examples/movies/runtime/features/graph.js";
import type {
  QueryRequest,
  SyncRequest,
} from "../generated-examples/movies/runtime/core/wire.js";
import { EXAMPLES_DIR } from "./support/generated.js";

const MOVIES = 21;
const ACTORS = 9;
/** Movie m has actors m % 9, (m + 1) % 9 and (m + 4) % 9. */
const castOf = (m: number): number[] =>
  [m % ACTORS, (m + 1) % ACTORS, (m + 4) % ACTORS].sort((a, b) => a - b);
const movieIds = Array.from({ length: MOVIES }, (_, m) => `m${m}`).sort();

/** One query or sync request the proxy saw. */
interface SeenRequest {
  readonly endpoint: "query" | "sync";
  readonly limits: Readonly<Record<string, number>>;
  readonly cursors: Readonly<Record<string, string | null>>;
  readonly timedOut: boolean;
}

/** The proxy: 408 for query and sync requests with a limit above `max`, else forwarded. */
interface LimitGate {
  readonly url: string;
  max: number;
  /** Called after each query or sync request is let through or timed out (to close the gate). */
  afterRequest: (() => void) | undefined;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

const TIMEOUT_BODY = JSON.stringify({
  error: {
    code: 408,
    message:
      "Graph query timed out. Reduce load or contention, or optimise your query.",
  },
});

async function startLimitGate(target: string): Promise<LimitGate> {
  const gate: Pick<LimitGate, "max" | "seen" | "afterRequest"> = {
    max: Infinity,
    seen: [],
    afterRequest: undefined,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      const text = (
        request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw
      ).toString("utf8");
      const path = request.url ?? "/";
      const endpoint = /\/models\/instances\/(query|sync)$/.exec(path)?.[1];
      if (endpoint === "query" || endpoint === "sync") {
        const body = JSON.parse(text) as QueryRequest | SyncRequest;
        const limits: Record<string, number> = {};
        for (const [name, set] of Object.entries(body.with))
          limits[name] = set.limit ?? 100;
        const timedOut = Object.values(limits).some((l) => l > gate.max);
        gate.seen.push({
          endpoint,
          limits,
          cursors: body.cursors ?? {},
          timedOut,
        });
        gate.afterRequest?.();
        if (timedOut) {
          response.writeHead(408, { "content-type": "application/json" });
          response.end(TIMEOUT_BODY);
          return;
        }
      }
      void forward(
        target + path,
        request.method ?? "GET",
        text,
        request.headers,
      )
        .then(({ status, body }) => {
          response.writeHead(status, { "content-type": "application/json" });
          response.end(body);
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return Object.assign(gate, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

async function forward(
  url: string,
  method: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: String(headers.authorization ?? ""),
    },
    ...(method === "GET" ? {} : { body }),
  });
  return { status: response.status, body: await response.text() };
}

let emulator: RunningEmulator;
let gate: LimitGate;
let client: Client;

function connect(): Client {
  return createClient({
    baseUrl: gate.url,
    project: "movies",
    credentials: { token: "any" },
    retry: { maxAttempts: 1 },
  });
}

beforeAll(async () => {
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["actors", "movies"],
  });
  gate = await startLimitGate(emulator.url);
  client = connect();
  const actors = Array.from(
    { length: ACTORS },
    (_, a) => new ActorApply("actors", `a${a}`, { name: `Actor ${a}` }),
  );
  await client.actor.apply(actors);
  await client.movie.apply(
    Array.from(
      { length: MOVIES },
      (_, m) =>
        new MovieApply("movies", `m${m}`, {
          title: `Movie ${m}`,
          releaseYear: 1990 + m,
          actors: castOf(m).map((a) => actors[a]!.id),
        }),
    ),
  );
});

afterAll(async () => {
  await client.close();
  await gate.close();
  await emulator.close();
});

/** Opens the gate, runs `body`, and always opens it again after. */
async function gated<T>(body: () => Promise<T>): Promise<T> {
  gate.max = Infinity;
  gate.afterRequest = undefined;
  gate.seen.length = 0;
  try {
    return await body();
  } finally {
    gate.max = Infinity;
    gate.afterRequest = undefined;
  }
}

/** Requests that timed out although they carried a cursor for `set`. */
const timeoutsWithCursor = (set: string): SeenRequest[] =>
  gate.seen.filter((r) => r.timedOut && typeof r.cursors[set] === "string");

const sorted = (list: readonly string[]): string[] => [...list].sort();

describe("adaptive paging against the emulator", () => {
  it("client.dms.queryPages: a set with a cursor shrinks, nothing is lost or repeated", async () => {
    await gated(async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      for await (const page of client.dms.queryPages({
        with: {
          movies: { nodes: { filter: { hasData: [Movie.view] } }, limit: 8 },
        },
        select: { movies: {} },
      })) {
        seen.push(...(page.items.movies ?? []).map((i) => i.externalId));
        sizes.push(page.pageSizes.movies!);
        gate.max = 3;
      }
      expect(sorted(seen)).toEqual(movieIds);
      expect(seen).toHaveLength(MOVIES);
      expect(sizes.slice(0, 2)).toEqual([8, 2]);
      expect(timeoutsWithCursor("movies").length).toBeGreaterThan(0);
    });
  });

  it("per-view list reports the page size it ended with", async () => {
    await gated(async () => {
      const reports: number[] = [];
      const seen: string[] = [];
      for await (const movie of client.movie.list({
        pageSize: 8,
        onProgress: (p) => reports.push(...Object.values(p.pageSizes)),
      })) {
        seen.push(movie.externalId);
        gate.max = 3;
      }
      expect(sorted(seen)).toEqual(movieIds);
      expect(seen).toHaveLength(MOVIES);
      expect(reports[0]).toBe(8);
      expect(reports.at(-1)).toBe(2);
    });
  });

  it("per-view sync shrinks mid-stream, saves the size in its state and resumes with it", async () => {
    const state = await gated(async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let last;
      // The first request passes; from the next one on the API times out above 3. (The sync
      // sends the next request before the caller sees a page: closing the gate in the loop
      // would be too late for it.)
      gate.afterRequest = () => {
        gate.max = 3;
      };
      for await (const page of client.movie.sync({ pageSize: 8 })) {
        seen.push(...page.upserts.map((m) => m.externalId));
        sizes.push(page.pageSize);
        last = page;
      }
      expect(sorted(seen)).toEqual(movieIds);
      expect(seen).toHaveLength(MOVIES);
      expect(sizes.slice(0, 2)).toEqual([8, 2]);
      expect(last?.caughtUp).toBe(true);
      expect(last?.state.pageSizes).toEqual({ instances: 2 });
      expect(timeoutsWithCursor("instances").length).toBeGreaterThan(0);
      return JSON.stringify(last!.state);
    });
    await gated(async () => {
      const fresh = connect();
      try {
        await fresh.movie.apply(
          new MovieApply("movies", "late", {
            title: "Late",
            releaseYear: 2030,
          }),
        );
        const pages = [];
        for await (const page of fresh.movie.sync({
          pageSize: 8,
          state: JSON.parse(state) as never,
        }))
          pages.push(page);
        expect(
          pages.flatMap((p) => p.upserts.map((m) => m.externalId)),
        ).toEqual(["late"]);
        expect(gate.seen[0]?.limits).toEqual({ instances: 2 });
        await fresh.movie.delete([{ space: "movies", externalId: "late" }]);
      } finally {
        await fresh.close();
      }
    });
  });

  it("list with include shrinks while the actors page and fills every movie's actors", async () => {
    await gated(async () => {
      const actorsOf: Record<string, string[]> = {};
      let sizes: Record<string, number> = {};
      for await (const movie of client.movie.list({
        pageSize: 4,
        include: { actors: true },
        onProgress: (p) => {
          sizes = { ...p.pageSizes };
        },
      })) {
        expect(movie).toBeInstanceOf(Movie);
        actorsOf[movie.externalId] = movie.actors.map((a) => {
          expect(a).toBeInstanceOf(Actor);
          return a.externalId;
        });
        gate.max = 1;
      }
      const expected: Record<string, string[]> = {};
      for (let m = 0; m < MOVIES; m++)
        expected[`m${m}`] = castOf(m).map((a) => `a${a}`);
      for (const list of Object.values(actorsOf)) list.sort();
      expect(actorsOf).toEqual(expected);
      expect(Object.values(sizes).every((size) => size === 1)).toBe(true);
    });
  });

  it("list with include yields the first root page before it asks for the next", async () => {
    await gated(async () => {
      const list = client.movie.list({
        pageSize: 5,
        include: { actors: true },
      });
      const movies = list[Symbol.asyncIterator]();
      const first = await movies.next();
      expect(first.done).toBe(false);
      const beforeFirst = gate.seen.length;
      expect(gate.seen.every((r) => r.cursors.root === undefined)).toBe(true);
      let count = 1;
      while (!(await movies.next()).done) count += 1;
      expect(count).toBe(MOVIES);
      const later = gate.seen.slice(beforeFirst);
      expect(later.some((r) => typeof r.cursors.root === "string")).toBe(true);
    });
  });

  it("graph sync shrinks sets that are paging with cursors and sees every movie, edge and actor", async () => {
    await gated(async () => {
      const graph = client
        .graph()
        .nodes("movies", Movie)
        .edges("cast", { from: "movies", connection: "actors" })
        .nodes("actors", Actor, { from: "cast" });
      const movies = new Set<string>();
      const edges: string[] = [];
      const actors = new Set<string>();
      let last;
      for await (const page of client.sync(graph, { pageSize: 8 })) {
        for (const m of page.upserts.movies) movies.add(m.externalId);
        for (const e of page.upserts.cast) edges.push(e.externalId);
        for (const a of page.upserts.actors) actors.add(a.externalId);
        last = page;
        gate.max = 2;
      }
      expect(sorted([...movies])).toEqual(movieIds);
      expect(edges).toHaveLength(MOVIES * 3);
      expect(new Set(edges).size).toBe(MOVIES * 3);
      expect(actors.size).toBe(ACTORS);
      expect(last?.caughtUp).toBe(true);
      expect(last?.pageSizes).toEqual({ movies: 2, cast: 2, actors: 2 });
      expect(last?.state.pageSizes).toEqual({ movies: 2, cast: 2, actors: 2 });
      expect(last?.state.pageSize).toBe(8);
      expect(timeoutsWithCursor("cast").length).toBeGreaterThan(0);
      // Resumed from JSON in a fresh client, it goes on with the smaller pages.
      gate.max = Infinity;
      gate.seen.length = 0;
      const fresh = connect();
      try {
        const state = parseGraphSyncState(JSON.stringify(last!.state));
        const resumed = await fresh.sync(graph, { state }).next();
        expect(resumed.value?.caughtUp).toBe(true);
        expect(gate.seen[0]?.limits).toEqual({ movies: 2, cast: 2, actors: 2 });
      } finally {
        await fresh.close();
      }
    });
  });

  it("a graph query reports its final page sizes", async () => {
    await gated(async () => {
      gate.max = 3;
      let sizes: Record<string, number> = {};
      const result = await client.query(
        client
          .graph()
          .nodes("movies", Movie)
          .edges("cast", { from: "movies", connection: "actors" }),
        {
          pageSize: 8,
          onProgress: (p) => {
            sizes = { ...p.pageSizes };
          },
        },
      );
      expect(sorted(result.movies.map((m) => m.externalId))).toEqual(movieIds);
      expect(result.cast).toHaveLength(MOVIES * 3);
      expect(sizes).toEqual({ movies: 2, cast: 2 });
    });
  });

  it("reads with the API's largest query pages (10,000) by default, and syncs with 1000", async () => {
    await gated(async () => {
      const movies = await client.movie.list().toArray();
      expect(movies).toHaveLength(MOVIES);
      expect(gate.seen.map((r) => r.limits)).toEqual([{ instances: 10_000 }]);
      gate.seen.length = 0;
      const withActors = await client.movie
        .list({ include: { actors: true } })
        .toArray();
      expect(withActors.flatMap((m) => m.actors)).toHaveLength(MOVIES * 3);
      expect(gate.seen).toHaveLength(1);
      expect(new Set(Object.values(gate.seen[0]!.limits))).toEqual(
        new Set([10_000]),
      );
      gate.seen.length = 0;
      await client.query(
        client
          .graph()
          .nodes("movies", Movie)
          .edges("cast", { from: "movies", connection: "actors" }),
      );
      expect(gate.seen.map((r) => r.limits)).toEqual([
        { movies: 10_000, cast: 10_000 },
      ]);
      gate.seen.length = 0;
      for await (const page of client.movie.sync()) if (page.caughtUp) break;
      expect(gate.seen[0]!.limits).toEqual({ instances: 1000 });
      expect(() => client.movie.list({ pageSize: 10_001 })).toThrow(RangeError);
    });
  });

  it("fails with PageTimeoutError when pages of one time out", async () => {
    await gated(async () => {
      gate.max = 0;
      const error: unknown = await client.movie
        .list({ pageSize: 4 })
        .toArray()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PageTimeoutError);
      expect((error as PageTimeoutError).pageSizes).toEqual({ instances: 1 });
      expect(gate.seen.map((r) => r.limits.instances)).toEqual([4, 2, 1]);
    });
  });
});

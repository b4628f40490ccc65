// The small version of `bench/latency.ts` (issue 22): the generated movies client against the
// emulator behind a responder with CDF's manner (a latency per request, a per-project limit of
// concurrent writes and reads, 429 + Retry-After beyond). Asserts request counts and 429s, never
// wall time: the default apply concurrency starts at the limit the responder reports in
// `GET /models/statistics`, a concurrency above it adapts, and a read through
// connections takes one request with the API's 10,000-item pages.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startLatencyResponder,
  type LatencyResponder,
} from "../bench/latency-responder.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  ActorApply,
  MovieApply,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let responder: LatencyResponder;
let client: Client;

beforeAll(async () => {
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["actors", "movies"],
  });
  responder = await startLatencyResponder({
    target: emulator.url,
    latencyMs: { read: 10, write: 30, delete: 30 },
    // Below the 4 a client uses when it cannot read the project's limit, as in a shared project.
    limits: { read: 8, write: 2, delete: 1 },
    retryAfterSeconds: 0.02,
  });
  client = createClient({
    baseUrl: responder.url,
    project: "movies",
    credentials: { token: "any" },
  });
});

afterAll(async () => {
  await client.close();
  await responder.close();
  await emulator.close();
});

describe("against a responder with CDF's latency and concurrency limits", () => {
  it("the default concurrency is the project's limit of 2 (from statistics): never throttled", async () => {
    responder.reset();
    const movies = Array.from(
      { length: 2000 },
      (_, n) =>
        new MovieApply("movies", `latency-${n}`, { title: `Movie ${n}` }),
    );
    const result = await client.movie.apply(movies, { chunkSize: 100 });
    expect(result.counts.written).toBe(2000);
    const { write } = responder.stats();
    expect(write.admitted).toBe(20);
    expect(write.maxInFlight).toBe(2);
    // Started at the limit: no burst above it (a client starting at 4 was throttled 4 or 5 times).
    expect(write.throttled).toBe(0);
  });

  it("an apply at a concurrency of 4 adapts to a limit of 2 with a few 429s", async () => {
    responder.reset();
    const movies = Array.from(
      { length: 2000 },
      (_, n) =>
        new MovieApply("movies", `latency-${n}`, { title: `Movie ${n}` }),
    );
    const result = await client.movie.apply(movies, {
      chunkSize: 100,
      concurrency: 4,
    });
    expect(result.counts.written).toBe(2000);
    const { write } = responder.stats();
    // Every request admitted once: nothing was sent twice after it had been processed.
    expect(write.admitted).toBe(20);
    expect(write.maxInFlight).toBe(2);
    // The first burst of 4 meets the limit; a client that kept 4 in flight was throttled about
    // once per admitted request (18 measured), one that adapts a few times in all (4 or 5).
    expect(write.throttled).toBeGreaterThan(0);
    expect(write.throttled).toBeLessThanOrEqual(10);
  });

  it("reads a connection of 1200 objects in one request (10,000-item pages)", async () => {
    await client.actor.apply(
      new ActorApply("actors", "prolific", {
        name: "Prolific",
        movies: Array.from(
          { length: 1200 },
          (_, n) =>
            new MovieApply("movies", `latency-${n}`, { title: `Movie ${n}` }),
        ),
      }),
    );
    responder.reset();
    const [actor] = await client.actor
      .list({
        where: { name: { eq: "Prolific" } },
        include: { movies: true },
      })
      .toArray();
    expect(actor?.movies).toHaveLength(1200);
    const { read } = responder.stats();
    // With the former 1000-item pages: two requests, one after the other.
    expect(read.admitted).toBe(1);
    expect(read.throttled).toBe(0);
  });
});

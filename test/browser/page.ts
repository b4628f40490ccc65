// The page that `test/browser.e2e.test.ts` bundles with esbuild and runs in headless Chromium: the
// movies client generated with `--transport fetch` (the bundle swaps it in for the undici variant
// imported here, whose types are the same), created as the README shows it, against the emulator
// on another origin. It leaves its results on `globalThis.dmgenScenario` as a promise of JSON.
import * as movies from "../../generated-examples/movies/index.js";
import {
  ActorApply,
  ApplyFailedError,
  DmsError,
  MovieApply,
  createClient,
  type Transport,
} from "../../generated-examples/movies/index.js";

interface BrowserGlobals {
  location: { search: string };
  dmgenScenario?: Promise<unknown>;
}
const page = globalThis as unknown as BrowserGlobals;
const baseUrl = new URLSearchParams(page.location.search).get("emulator");

/** Exported by the fetch variant only (the undici one this file is type-checked against lacks it). */
const { createFetchTransport } = movies as unknown as {
  createFetchTransport: (options: { gzip: boolean }) => Transport;
};

async function scenario(): Promise<Record<string, unknown>> {
  if (!baseUrl) throw new Error("no ?emulator= in the page URL");
  // The default transport, exactly as the README shows it.
  const client = createClient({
    baseUrl,
    project: "movies",
    credentials: { token: "browser-token" },
  });
  const results: Record<string, unknown> = {};

  const nested = await client.actor.apply(
    new ActorApply("actors", "arnold", {
      name: "Arnold Schwarzenegger",
      birthYear: 1947,
      movies: [
        new MovieApply("movies", "terminator", {
          title: "Terminator",
          releaseYear: 1984,
        }),
        new MovieApply("movies", "predator", {
          title: "Predator",
          releaseYear: 1987,
        }),
      ],
    }),
  );
  results.nestedApply = nested.items
    .map((item) => `${item.instanceType}:${item.space}:${item.externalId}`)
    .sort();

  const gzipClient = createClient({
    baseUrl,
    project: "movies",
    credentials: { token: "browser-token" },
    transport: createFetchTransport({ gzip: true }),
  });
  const bulk = await gzipClient.movie.apply(
    Array.from(
      { length: 1500 },
      (_, n) =>
        new MovieApply("movies", `bulk-${n}`, {
          title: `Bulk movie ${n}`,
          releaseYear: 2000 + (n % 20),
        }),
    ),
  );
  results.gzipApplied = bulk.counts.written;

  results.list = (await client.movie.list().toArray()).length;

  results.where = (
    await client.movie.list({ where: { releaseYear: { lt: 1990 } } }).toArray()
  )
    .map((movie) => movie.title)
    .sort();

  results.include = (
    await client.actor.list({ include: { movies: true } }).toArray()
  ).map((actor) => ({
    name: actor.name,
    movies: actor.movies.map((movie) => movie.title).sort(),
  }));

  let synced = 0;
  let syncPages = 0;
  for await (const syncPage of client.movie.sync()) {
    synced += syncPage.upserts.length;
    syncPages++;
    if (syncPage.caughtUp) break;
  }
  results.sync = { synced, syncPages };

  try {
    await client.movie.apply(
      new MovieApply("no_such_space", "lost", { title: "Lost" }),
    );
    results.missingSpace = "no error";
  } catch (error) {
    const cause = error instanceof ApplyFailedError ? error.cause : undefined;
    results.missingSpace = {
      applyFailed: error instanceof ApplyFailedError,
      dmsError: cause instanceof DmsError,
      status: cause instanceof DmsError ? cause.status : undefined,
      missing: cause instanceof DmsError ? cause.missing : undefined,
      notWritten:
        error instanceof ApplyFailedError ? error.notWritten.length : undefined,
      message: cause instanceof Error ? cause.message : String(error),
    };
  }
  return results;
}

page.dmgenScenario = scenario();

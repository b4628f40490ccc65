// `dmgen drift` and `createClient({ verifyViews: true })` end to end: the committed movies output
// against an emulator whose MovieView/v1 is deleted and re-created with other properties.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  createClient,
  createUndiciTransport,
  MovieApply,
  ViewDriftError,
  type Client,
  type ViewDriftReport,
} from "../generated-examples/movies/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

const MOVIES_OUT = join(EXAMPLES_DIR, "movies");
const MOVIE_VIEW = { space: "mySpace", externalId: "MovieView", version: "v1" };

interface RawView {
  name?: string;
  description?: string;
  properties: Record<string, Record<string, unknown>>;
}

let emulator: RunningEmulator;
let movieView: RawView;
const clients: Client[] = [];

beforeEach(async () => {
  const input = await loadInputs([join(MOVIES_OUT, "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["movies"],
  });
  const raw = JSON.parse(
    await readFile(join(MOVIES_OUT, "views.json"), "utf8"),
  ) as { items: (RawView & { externalId: string })[] };
  movieView = raw.items.find((view) => view.externalId === "MovieView")!;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await emulator.close();
});

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(
    `${emulator.url}/api/v1/projects/movies${path}`,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer t",
      },
      body: JSON.stringify(body),
    },
  );
  const answer = (await response.json()) as unknown;
  if (!response.ok)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** The create shape of a property of MovieView as views.json has it. */
function movieProperty(identifier: string): Record<string, unknown> {
  const property = movieView.properties[identifier]!;
  if (property.container === undefined) {
    const { connectionType, name, description, type, source, direction } =
      property;
    return { connectionType, name, description, type, source, direction };
  }
  const { container, containerPropertyIdentifier, name, description } =
    property;
  return { container, containerPropertyIdentifier, name, description };
}

/** Deletes MovieView/v1 and creates it again with these properties. */
async function recreateMovieView(
  properties: Record<string, unknown>,
  version = "v1",
  deleteFirst = true,
): Promise<void> {
  if (deleteFirst) await post("/models/views/delete", { items: [MOVIE_VIEW] });
  await post("/models/views", {
    items: [
      {
        ...MOVIE_VIEW,
        version,
        name: movieView.name,
        description: movieView.description,
        implements: [],
        properties,
      },
    ],
  });
}

async function createContainer(
  externalId: string,
  properties: Record<string, unknown>,
): Promise<void> {
  await post("/models/containers", {
    items: [{ space: "mySpace", externalId, usedFor: "node", properties }],
  });
}

const container = (externalId: string) => ({
  type: "container",
  space: "mySpace",
  externalId,
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `dmgen drift --out generated-examples/movies ...` in this process. */
function drift(...args: string[]): Promise<Run> {
  return dmgenDrift("--out", MOVIES_OUT, ...args);
}

/** `dmgen drift ...` against the emulator, in this process. */
async function dmgenDrift(...args: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
  const err = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  try {
    const code = await main([
      "drift",
      "--base-url",
      emulator.url,
      "--project",
      "movies",
      "--token",
      "t",
      ...args,
    ]);
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

interface JsonReport {
  result: string;
  counts: { breaking: number; additive: number; stale: number };
  views: {
    view: string;
    className?: string;
    differences: {
      class: string;
      change: string;
      property?: string;
      name?: string;
      current?: string;
      changes?: { class: string; change: string; property?: string }[];
    }[];
  }[];
}

async function driftJson(...args: string[]): Promise<JsonReport> {
  const run = await drift("--json", ...args);
  return JSON.parse(run.stdout) as JsonReport;
}

function movieDifferences(report: JsonReport) {
  return report.views.find((v) => v.view === "mySpace:MovieView/v1")!
    .differences;
}

/** A client with `verifyViews: true`; `paths` receives the path of each request it sends. */
function verifyingClient(paths: string[] = []): Client {
  const transport = createUndiciTransport();
  const client = createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "t" },
    verifyViews: true,
    transport: {
      request: (request) => {
        paths.push(new URL(request.url).pathname.replace(/^.*\/models/, ""));
        return transport.request(request);
      },
      close: () => transport.close(),
    },
  });
  clients.push(client);
  return client;
}

const TERMINATOR = () =>
  new MovieApply("movies", "terminator", {
    title: "Terminator",
    releaseYear: 1984,
  });

/** The movie nodes in the project, read without any view check. */
async function storedMovies(): Promise<string[]> {
  const client = createClient({
    baseUrl: emulator.url,
    project: "movies",
    credentials: { token: "t" },
  });
  clients.push(client);
  const found = await client.dms.retrieve([
    { instanceType: "node", space: "movies", externalId: "terminator" },
  ]);
  return found.map((node) => node.externalId);
}

describe("dmgen drift against the emulator", () => {
  it("finds no drift in the model the output was generated from", async () => {
    const run = await drift();
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("No drift: 3 generated views match the project.\n");
    expect(run.stderr).toContain("dmgen drift: views 3/3");
    expect((await driftJson()).result).toBe("none");
    const byConfig = await dmgenDrift(
      "--config",
      join(MOVIES_OUT, "dmgen.config.json"),
    );
    expect(byConfig.code).toBe(0);
    expect(byConfig.stdout).toBe(run.stdout);
    const client = verifyingClient();
    expect(await client.verifyViews()).toEqual({ breaking: false, views: [] });
  });

  it("breaks when MovieView/v1 is re-created without releaseYear, and the client writes nothing", async () => {
    await recreateMovieView({
      title: movieProperty("title"),
      actors: movieProperty("actors"),
    });
    const run = await drift();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "mySpace:MovieView/v1 (Movie, generated-examples/movies)\n  breaking  `releaseYear`: the property is gone\n",
    );
    const report = await driftJson();
    expect(report.result).toBe("breaking");
    expect(
      movieDifferences(report).map((d) => [d.class, d.change, d.property]),
    ).toEqual([["breaking", "property-missing", "releaseYear"]]);

    const paths: string[] = [];
    const client = verifyingClient(paths);
    const error = await client.movie
      .apply(TERMINATOR())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViewDriftError);
    expect((error as ViewDriftError).differences).toMatchObject([
      { name: "releaseYear", property: "releaseYear", class: "breaking" },
    ]);
    // The check's one request; nothing of the write.
    expect(paths).toEqual(["/views/byids"]);
    expect(await storedMovies()).toEqual([]);
    // Reads through the view fail the same way; other views still work.
    await expect(client.movie.list().toArray()).rejects.toBeInstanceOf(
      ViewDriftError,
    );
    await expect(client.actor.list().toArray()).resolves.toEqual([]);
    // Movie's check is kept for the client's life; Actor's took a request of its own.
    expect(paths).toEqual(["/views/byids", "/views/byids", "/instances/query"]);
  });

  it("breaks when releaseYear comes back as text through a re-created container", async () => {
    await post("/models/views/delete", { items: [MOVIE_VIEW] });
    await post("/models/containers/delete", {
      items: [{ space: "mySpace", externalId: "Movie" }],
    });
    await createContainer("Movie", {
      title: { type: { type: "text" }, nullable: false },
      releaseYear: { type: { type: "text" }, nullable: true },
    });
    await recreateMovieView(
      {
        title: movieProperty("title"),
        releaseYear: movieProperty("releaseYear"),
        actors: movieProperty("actors"),
      },
      "v1",
      false,
    );
    const run = await drift();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "  breaking  `releaseYear`: type changed from int32 to text\n",
    );
    expect(
      movieDifferences(await driftJson()).map((d) => [d.change, d.property]),
    ).toEqual([["type-changed", "releaseYear"]]);
    const error = await verifyingClient()
      .movie.apply(TERMINATOR())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViewDriftError);
    expect((error as Error).message).toContain(
      "`releaseYear`: type changed from int32 to text",
    );
    expect(await storedMovies()).toEqual([]);
  });

  it("lists an extra optional property as additive; the client writes", async () => {
    await createContainer("MovieRating", {
      rating: { type: { type: "float64" }, nullable: true },
    });
    await recreateMovieView({
      title: movieProperty("title"),
      releaseYear: movieProperty("releaseYear"),
      actors: movieProperty("actors"),
      rating: {
        container: container("MovieRating"),
        containerPropertyIdentifier: "rating",
      },
    });
    const run = await drift();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "  additive  `rating`: a new optional property\n",
    );
    expect(
      movieDifferences(await driftJson()).map((d) => [d.class, d.property]),
    ).toEqual([["additive", "rating"]]);
    expect((await drift("--strict")).code).toBe(1);

    const client = verifyingClient();
    await client.movie.apply(TERMINATOR());
    expect(await storedMovies()).toEqual(["terminator"]);
    const report = await client.verifyViews();
    expect(report.breaking).toBe(false);
    expect(report.views.map((v) => v.view)).toEqual(["mySpace:MovieView/v1"]);
  });

  it("lists a generated view as stale when the data model moved to MovieView/v2", async () => {
    await createContainer("MovieRating", {
      rating: { type: { type: "float64" }, nullable: false },
    });
    await recreateMovieView(
      {
        title: movieProperty("title"),
        actors: movieProperty("actors"),
        rating: {
          container: container("MovieRating"),
          containerPropertyIdentifier: "rating",
        },
      },
      "v2",
      false,
    );
    const view = (externalId: string, version = "v1") => ({
      type: "view",
      space: "mySpace",
      externalId,
      version,
    });
    await post("/models/datamodels", {
      items: [
        {
          space: "mySpace",
          externalId: "Movies",
          version: "1",
          views: [
            view("PersonView"),
            view("ActorView"),
            view("MovieView", "v2"),
          ],
        },
      ],
    });
    const run = await drift("--data-model", "mySpace:Movies/1");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "  stale     data model mySpace:Movies/1 uses mySpace:MovieView/v2; what differs there:\n",
    );
    const stale = movieDifferences(
      await driftJson("--data-model", "mySpace:Movies/1"),
    );
    expect(stale).toMatchObject([
      {
        class: "stale",
        change: "data-model-version",
        current: "mySpace:MovieView/v2",
      },
    ]);
    expect(
      stale[0]!.changes!.map((d) => [d.class, d.change, d.property]),
    ).toEqual([
      ["breaking", "property-missing", "releaseYear"],
      ["breaking", "required-property-added", "rating"],
    ]);
    expect(
      (await drift("--data-model", "mySpace:Movies/1", "--strict")).code,
    ).toBe(1);
  });

  it("types the option and the report", async () => {
    const typed = () =>
      createClient({
        baseUrl: emulator.url,
        project: "movies",
        credentials: { token: "t" },
        // @ts-expect-error verifyViews is true or false
        verifyViews: "yes",
      });
    expect(typeof typed).toBe("function");
    const client = verifyingClient();
    const report: ViewDriftReport = await client.verifyViews();
    const mutate = () =>
      // @ts-expect-error the report's views are read only
      report.views.push({ view: "x", differences: [] });
    expect(typeof mutate).toBe("function");
    expect(report.views).toEqual([]);
  });

  it("exits 2 on usage and connection errors", async () => {
    const unknownModel = await drift("--data-model", "mySpace:Nope/1");
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.stderr).toContain(
      "The project has no data model mySpace:Nope/1",
    );
    const both = await drift("--config", join(MOVIES_OUT, "dmgen.config.json"));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give --out or --config, not both");
    const noRecord = await dmgenDrift("--out", join(MOVIES_OUT, "views"));
    expect(noRecord.code).toBe(2);
    expect(noRecord.stderr).toContain("no dmgen.record.json here");
  });
});

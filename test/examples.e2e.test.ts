// The runnable examples (examples/*.ts, built to dist/examples/ by `npm run build`) as processes
// against an emulator started from the CLI, their one-line JSON output checked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import {
  ActorApply,
  MovieApply,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { REPO_ROOT } from "./support/generated.js";

const run = promisify(execFile);
const DIST = join(REPO_ROOT, "dist", "examples");

let emulator: ChildProcess;
let url = "";
let folder = "";
let client: Client;

beforeAll(async () => {
  if (!existsSync(join(DIST, "seed-sync.js")))
    throw new Error("dist/examples is missing: run `npm run build` first");
  folder = await mkdtemp(join(tmpdir(), "dmgen-examples-"));
  emulator = spawn(
    process.execPath,
    [
      join(REPO_ROOT, "bin", "dmgen.js"),
      "emulator",
      "--views",
      join(REPO_ROOT, "generated-examples", "movies", "views.json"),
      "--spaces",
      "actors,movies",
      "--port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: emulator.stdout! });
  url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    emulator.once("exit", (code) =>
      reject(new Error(`emulator exited with ${code}`)),
    );
  });
  client = createClient({
    baseUrl: url,
    project: "emulator",
    credentials: { token: "any" },
  });
});

afterAll(async () => {
  await client?.close();
  if (emulator && emulator.exitCode === null) {
    const exited = new Promise((resolve) => emulator.once("exit", resolve));
    emulator.kill("SIGTERM");
    await exited;
  }
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function example(
  name: string,
  extra: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await run(process.execPath, [join(DIST, `${name}.js`)], {
    env: {
      ...process.env,
      CDF_BASE_URL: url,
      CDF_PROJECT: "emulator",
      CDF_TOKEN: "any",
      ...extra,
    },
  });
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

describe("examples", () => {
  it("seed-apply writes Arnold (two views), the Terminator, the acts-in edge and an edge with auto-created ends", async () => {
    const output = await example("seed-apply");
    expect(output).toEqual({
      items: [
        // In input order: Arnold (and his edge), then the Terminator.
        node("actors", "arnold_schwarzenegger"),
        edge("actors", "relation:arnold_schwarzenegger:terminator"),
        node("movies", "Terminator"),
        edge("actors", "relation:linda_hamilton:terminator_2"),
      ],
    });
    const [arnold] = await client.actor.retrieve([
      { space: "actors", externalId: "arnold_schwarzenegger" },
    ]);
    expect(arnold).toMatchObject({
      name: "Arnold Schwarzenegger",
      birthYear: 1947,
      wonOscar: false,
    });
    const created = await client.dms.retrieve([
      { instanceType: "node", space: "actors", externalId: "linda_hamilton" },
      { instanceType: "node", space: "movies", externalId: "Terminator_2" },
    ]);
    expect(created).toHaveLength(2);
  });

  it("seed-sync syncs until caught up, saves its state and resumes from it in the next run", async () => {
    const state = join(folder, "state.json");
    await client.movie.apply([
      new MovieApply("movies", "Terminator", {
        title: "Terminator",
        releaseYear: 1984,
        actors: [{ space: "actors", externalId: "arnold_schwarzenegger" }],
      }),
      new MovieApply("movies", "Avatar", {
        title: "Avatar",
        releaseYear: 2009,
        actors: [{ space: "actors", externalId: "linda_hamilton" }],
      }),
    ]);
    expect(await example("seed-sync", { SYNC_STATE: state })).toEqual({
      actors: { upserts: ["Arnold Schwarzenegger"], deletes: [] },
    });
    const saved = JSON.parse(await readFile(state, "utf8")) as object;
    expect(Object.keys(saved).sort()).toEqual([
      "cursors",
      "fingerprint",
      "pageSize",
      "version",
    ]);

    // Nothing changed: the resumed run receives nothing.
    expect(await example("seed-sync", { SYNC_STATE: state })).toEqual({
      actors: { upserts: [], deletes: [] },
    });

    // A new actor in a 1990s movie, an actor deleted.
    await client.actor.apply(
      new ActorApply("actors", "michael_biehn", { name: "Michael Biehn" }),
    );
    await client.movie.apply(
      new MovieApply("movies", "Terminator", {
        title: "Terminator",
        actors: [{ space: "actors", externalId: "michael_biehn" }],
      }),
    );
    await client.actor.delete([
      { space: "actors", externalId: "arnold_schwarzenegger" },
    ]);
    expect(await example("seed-sync", { SYNC_STATE: state })).toEqual({
      actors: {
        upserts: ["Michael Biehn"],
        deletes: ["actors:arnold_schwarzenegger"],
      },
    });
  });

  it("says which variable is missing", async () => {
    await expect(
      run(process.execPath, [join(DIST, "seed-sync.js")], {
        env: {
          ...process.env,
          CDF_BASE_URL: url,
          CDF_PROJECT: "emulator",
          CDF_TOKEN: "any",
          SYNC_STATE: "",
        },
      }),
    ).rejects.toMatchObject({ code: 2, stderr: "SYNC_STATE is not set\n" });
  });
});

function node(space: string, externalId: string) {
  return {
    instanceType: "node",
    space,
    externalId,
    version: 1,
    wasModified: true,
  };
}

function edge(space: string, externalId: string) {
  return { ...node(space, externalId), instanceType: "edge" };
}

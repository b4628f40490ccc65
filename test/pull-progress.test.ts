// `dmgen pull` reports progress after each request: per data model how many views arrived, and
// for single views how many of them are done (in requests of 100), on stderr apart from the summary.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullCommand } from "../src/cli/pull-command.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import { EXAMPLES_DIR } from "./support/generated.js";

const VIEW_COUNT = 130;

let emulator: RunningEmulator;
let dir: string;
beforeAll(async () => {
  const movies = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  const person = movies.views.find((v) => v.externalId === "PersonView")!;
  // Many small views, to see the single views arrive in requests of 100.
  const many = Array.from({ length: VIEW_COUNT }, (_, i) => ({
    ...person,
    externalId: `Person${i}`,
  }));
  emulator = await startEmulator({
    views: [...movies.views, ...many],
    dataModels: [
      {
        space: "mySpace",
        externalId: "Movies",
        version: "1",
        views: movies.views.map(({ space, externalId, version }) => ({
          type: "view" as const,
          space,
          externalId,
          version,
        })),
      },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), "dmgen-pull-progress-"));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe("dmgen pull progress", () => {
  it("prints a line per data model and per request of single views", async () => {
    const out = join(dir, "views.json");
    const summary: string[] = [];
    const progress: string[] = [];
    const viewArgs = Array.from(
      { length: VIEW_COUNT },
      (_, i) => `mySpace:Person${i}/v1`,
    );
    await pullCommand(
      { CDF_TOKEN: "t" },
      (line) => summary.push(line),
      (line) => progress.push(line),
    ).parseAsync(
      [
        "--base-url",
        emulator.url,
        "--project",
        emulator.project,
        "--data-model",
        "mySpace:Movies/1",
        "--view",
        ...viewArgs,
        "--out",
        out,
      ],
      { from: "user" },
    );
    expect(progress).toEqual([
      "data model mySpace:Movies/1: 3 views",
      "views 100/130",
      "views 130/130",
    ]);
    expect(summary).toEqual([`Wrote ${3 + VIEW_COUNT} view(s) to ${out}`]);
    const written = JSON.parse(await readFile(out, "utf8")) as {
      items: unknown[];
    };
    expect(written.items).toHaveLength(3 + VIEW_COUNT);
  });
});

// The seed's sync example in typed code (../shared/reference/seeds/instances-sync.txt): movies
// released before 2000 → their outwards `mySpace:Movie.actors` edges → the actors, with their
// names. Without a state file it syncs from the start until caught up; with one it resumes there.
// Either way it saves the state to SYNC_STATE and prints what this run received as one JSON line:
// {"actors":{"upserts":[names, sorted],"deletes":["space:externalId", sorted]}}
//
//   CDF_BASE_URL=http://127.0.0.1:41234 CDF_PROJECT=emulator CDF_TOKEN=any SYNC_STATE=state.json \
//     node dist/examples/seed-sync.js

import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import {
  Actor,
  Movie,
  createClient,
} from "../generated-examples/movies/index.js";
import {
  parseGraphSyncState,
  type GraphSyncState,
} from "../generated-examples/movies/runtime/features/graph.js";
import { connectionFromEnvironment, required } from "./environment.js";

const { baseUrl, project, token } = connectionFromEnvironment();
const statePath = required("SYNC_STATE");
const client = createClient({ baseUrl, project, credentials: { token } });

/** Plain code-point order, so the output is the same everywhere. */
const sorted = (list: string[]): string[] =>
  list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

try {
  const saved: GraphSyncState | undefined = existsSync(statePath)
    ? parseGraphSyncState(await readFile(statePath, "utf8"))
    : undefined;

  const graph = client
    .graph()
    .nodes("movies", Movie, { where: { releaseYear: { lt: 2000 } } })
    .edges("actors_in_movie", { from: "movies", connection: "actors" })
    .nodes("actors", Actor, { from: "actors_in_movie", select: ["name"] });

  const upserts: string[] = [];
  const deletes: string[] = [];
  let state = saved;
  for await (const page of client.sync(graph, saved ? { state: saved } : {})) {
    for (const actor of page.upserts.actors)
      upserts.push(actor.name ?? `(${actor.space}:${actor.externalId})`);
    for (const id of page.deletes.actors)
      deletes.push(`${id.space}:${id.externalId}`);
    state = page.state;
    if (page.caughtUp) break;
  }

  if (!state) throw new Error("the sync returned no page");
  // Written aside and renamed, so a crash never leaves half a state file.
  await writeFile(`${statePath}.tmp`, JSON.stringify(state));
  await rename(`${statePath}.tmp`, statePath);
  process.stdout.write(
    `${JSON.stringify({ actors: { upserts: sorted(upserts), deletes: sorted(deletes) } })}\n`,
  );
} catch (error) {
  process.stderr.write(`seed-sync: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await client.close();
}

// The seed's apply examples in typed code (../shared/reference/seeds/instances-apply.txt): the
// instance spaces created (or updated) first; Arnold written through two views (PersonView and
// ActorView) in one node, the Terminator, the acts-in edge between them, in one `client.apply`;
// then an edge alone, whose start and end nodes the API creates.
// Prints the apply results as one JSON line.
//
//   CDF_BASE_URL=http://127.0.0.1:41234 CDF_PROJECT=emulator CDF_TOKEN=any node dist/examples/seed-apply.js

import {
  ActorApply,
  MovieApply,
  PersonApply,
  createClient,
} from "../generated-examples/movies/index.js";
import { connectionFromEnvironment } from "./environment.js";

const { baseUrl, project, token } = connectionFromEnvironment();
const client = createClient({ baseUrl, project, credentials: { token } });

try {
  // The instance spaces (applying an existing space again is fine).
  await client.spaces.apply([
    { space: "actors", name: "Actors" },
    { space: "movies", name: "Movies" },
  ]);

  // Apply objects of several views in one call; two for one node become one item with two sources.
  const arnoldAsPerson = new PersonApply("actors", "arnold_schwarzenegger", {
    name: "Arnold Schwarzenegger",
    birthYear: 1947,
  });
  const arnoldAsActor = new ActorApply("actors", "arnold_schwarzenegger", {
    wonOscar: false,
    movies: [
      {
        target: { space: "movies", externalId: "Terminator" },
        externalId: "relation:arnold_schwarzenegger:terminator",
      },
    ],
  });
  const terminator = new MovieApply("movies", "Terminator", {
    title: "Terminator",
    releaseYear: 1984,
  });
  const written = await client.apply([
    arnoldAsPerson,
    arnoldAsActor,
    terminator,
  ]);

  // Only the edge: its start and end nodes do not exist yet, and the API creates them.
  const lindaInTerminator2 = new ActorApply("actors", "linda_hamilton", {
    movies: [
      {
        target: { space: "movies", externalId: "Terminator_2" },
        externalId: "relation:linda_hamilton:terminator_2",
      },
    ],
  });
  const edgeOnly = await client.dms.apply(
    lindaInTerminator2
      .toInstanceWrites()
      .filter((write) => write.instanceType === "edge"),
    { autoCreateStartNodes: true, autoCreateEndNodes: true },
  );

  const items = [...written.items, ...edgeOnly.items].map(
    ({ instanceType, space, externalId, version, wasModified }) => ({
      instanceType,
      space,
      externalId,
      version,
      wasModified,
    }),
  );
  process.stdout.write(`${JSON.stringify({ items })}\n`);
} catch (error) {
  process.stderr.write(`seed-apply: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await client.close();
}

// The sync reader of the soak, run as its own process: resumes from a state file when there is
// one, appends each page's instances to a file, then saves the page's state (temp file, rename).
// With a crash count it kills itself (SIGKILL) after that many pages, after appending the page
// and before saving its state: the worst moment, so the next run must get the page again.
// Arguments: <url> <project> <token> <state file> <output file> <crash after pages, 0 = never>

import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { createClient } from "../generated-examples/movies/index.js";
import {
  parseSyncState,
  serializeSyncState,
} from "../templates/runtime/read/sync.js";
import { readLine, SOAK_SYNC } from "./soak.js";

async function main(): Promise<void> {
  const [url, project, token, stateFile, outFile, crashAfter] =
    process.argv.slice(2);
  if (
    !url ||
    !project ||
    !token ||
    !stateFile ||
    !outFile ||
    crashAfter === undefined
  )
    throw new Error(
      "usage: soak-sync-child <url> <project> <token> <state file> <output file> <crash after pages>",
    );
  const client = createClient({
    baseUrl: url,
    project,
    credentials: { token },
    retry: { baseDelayMs: 20, maxDelayMs: 500, maxAttempts: 20 },
  });
  const state = existsSync(stateFile)
    ? parseSyncState(readFileSync(stateFile, "utf8"))
    : undefined;
  let pages = 0;
  try {
    for await (const page of client.dms.sync(
      SOAK_SYNC,
      state ? { state } : {},
    )) {
      const lines = Object.values(page.upserts)
        .flat()
        .map((item) => readLine(item) + "\n");
      appendFileSync(outFile, lines.join(""));
      if (++pages === Number(crashAfter)) process.kill(process.pid, "SIGKILL");
      writeFileSync(`${stateFile}.tmp`, serializeSyncState(page.state));
      renameSync(`${stateFile}.tmp`, stateFile);
    }
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

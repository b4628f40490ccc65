// Writes RELIABILITY.md from the list of cases below (each names the test that holds it; a test
// checks that the test exists and that RELIABILITY.md is what this script writes), keeping the
// soak section of the existing file, or replacing it with a fresh soak run (--soak).
// `npm run reliability:doc` (add `-- --soak` to run the full soak first, about a minute).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_SOAK, formatSoak, runSoak } from "./soak.js";

/** One thing tried, what the runtime does, and the test that holds it. */
export interface ReliabilityCase {
  readonly area: string;
  readonly tried: string;
  readonly result: string;
  /** Path from the repository root. */
  readonly file: string;
  /** Text of the test's name as written in the file. */
  readonly test: string;
}

const HOSTILE = "test/runtime/hostile-server.test.ts";
const APPLY = "test/runtime/apply-reliability.test.ts";
const SECRETS = "test/runtime/redaction.test.ts";
const VALUES = "test/runtime/value-checks.test.ts";
const ROUND_TRIP = "test/runtime/property-roundtrip.test.ts";
const SOAK = "test/runtime/soak.test.ts";
const E2E = "test/runtime/emulator.e2e.test.ts";
const FAULT = "test/runtime/dms-client.fault.test.ts";
const CHECKED = "test/runtime/answers-checked.test.ts";
const CHECKED_TYPED = "test/answers-checked.e2e.test.ts";
const APPLY_UNIT = "templates/runtime/write/apply.test.ts";
const AUTH_UNIT = "templates/runtime/core/auth.test.ts";

export const RELIABILITY_CASES: readonly ReliabilityCase[] = [
  {
    area: "hostile server",
    tried:
      "301, 302, 307 and 308 redirects to another host, on both transports",
    result:
      "never followed; `ProtocolError` (problem `redirect`) naming the status; the other host gets nothing; items reported not written",
    file: HOSTILE,
    test: "never follows a %i redirect",
  },
  {
    area: "hostile server",
    tried: "a 300 kB body with `maxResponseBytes` 100 kB, on both transports",
    result: "`ProtocolError` (`too-large`), one request, no retry",
    file: HOSTILE,
    test: "stops reading a body over maxResponseBytes, with no retry",
  },
  {
    area: "hostile server",
    tried: "a 512 MiB body streamed without Content-Length",
    result:
      "reading stops at the limit (default 256 MiB, here 1 MiB); the server gets far less than the body out",
    file: HOSTILE,
    test: "stops a 512 MiB streamed body at the limit instead of buffering it",
  },
  {
    area: "hostile server",
    tried:
      "apply answered `200 null`, `200 {}`, `items` not a list, an empty body",
    result:
      "`ApplyFailedError` with a `ProtocolError` cause; the items are unknown, never skipped",
    file: HOSTILE,
    test: "an apply answered 200 with %s fails",
  },
  {
    area: "hostile server",
    tried: "an apply answer listing more items than were sent",
    result: "`ProtocolError`",
    file: HOSTILE,
    test: "an apply answer listing more items than were sent is a ProtocolError",
  },
  {
    area: "hostile server",
    tried: "retrieve, list, query, sync and delete answered `200 {}`",
    result:
      "`ProtocolError` (`unexpected-shape`) naming the endpoint, never a raw TypeError",
    file: HOSTILE,
    test: "answered 200 {} is a ProtocolError",
  },
  {
    area: "hostile server",
    tried: "list, query and sync answering the cursor they were sent",
    result:
      "`ProtocolError` (`repeated-cursor`) after the second page; a caught-up sync page may keep its cursor",
    file: HOSTILE,
    test: "sync fails on a full page with the cursor it was sent",
  },
  {
    area: "vouches only for what it checked",
    tried:
      "an apply of 3 nodes answered 200 with 3 ids never sent, 2 of the 3 (no `skipOnVersionConflict`), `[{},{},{}]`, one id 3 times",
    result:
      "`ApplyFailedError` with a `ProtocolError` (`unexpected-instances`) saying what was wrong; the 3 are unknown, never written or skipped",
    file: CHECKED,
    test: "an answer that %s fails: ProtocolError, the writes unknown",
  },
  {
    area: "vouches only for what it checked",
    tried:
      'apply answers naming an edge for a node, another space\'s id; with `skipOnVersionConflict`, ids never sent or one twice; `report: "counts"`',
    result:
      "the same `ProtocolError`, the request's writes unknown (with `skipOnVersionConflict` only a write left out counts as skipped)",
    file: APPLY_UNIT,
    test: "fails when a successful answer %s, with the request's writes unknown",
  },
  {
    area: "vouches only for what it checked",
    tried:
      "a delete of 3 nodes answered 200 with an id never sent, an id twice, an edge with a sent node's id, an item that is no id; an apply whose `deleted` names an id never sent",
    result:
      "`ApplyFailedError` with a `ProtocolError` naming the item; the deletes unknown, none reported deleted (ids left out, those the API did not find, are fine)",
    file: CHECKED,
    test: "answered with %s is a ProtocolError: the deletes unknown",
  },
  {
    area: "vouches only for what it checked",
    tried: "an apply answer in reverse order",
    result: "accepted; `items` in input order",
    file: CHECKED,
    test: "an answer in reverse order is returned in input order",
  },
  {
    area: "vouches only for what it checked",
    tried:
      "`dms.retrieve` answered with other ids, an id twice, an edge with an asked node's id; the typed `movie.retrieve` with other ids",
    result:
      "`ProtocolError` (`unexpected-instances`) naming the instance; ids left out (missing instances) are fine",
    file: CHECKED,
    test: "answered with %s is a ProtocolError",
  },
  {
    area: "vouches only for what it checked",
    tried:
      "the typed `movie.retrieve` with `include` answered with another root, or one root on two pages",
    result:
      "`ProtocolError` (`unexpected-instances`) naming the instance (one id asked for twice is still returned once)",
    file: CHECKED_TYPED,
    test: "answered with %s is a ProtocolError",
  },
  {
    area: "paging ends",
    tried:
      "`dms.list`, `dms.sync` (full pages) and `dms.queryAll` with cursors cycling A → B → A",
    result:
      "`ProtocolError` (`repeated-cursor`) naming the endpoint and the page: after page 3, not only an immediately repeated cursor",
    file: CHECKED,
    test: "with cursors cycling A → B → A fails",
  },
  {
    area: "paging ends",
    tried:
      "`dms.list` answering empty pages with fresh cursors; `dms.sync` full pages and `dms.queryAll` pages with fresh cursors, forever",
    result:
      "`ProtocolError` (`endless-paging`) after `maxPagesPerRead` pages (default 100,000; 40-60 in the tests), naming the endpoint and the count",
    file: CHECKED,
    test: "stops at maxPagesPerRead",
  },
  {
    area: "paging ends",
    tried: "`dms.sync` answering a full page with `nextCursor: {}`",
    result:
      "`ProtocolError` (`endless-paging`) naming the set, instead of starting the sync over forever",
    file: CHECKED,
    test: "sync with a full page and nextCursor {} fails instead of starting over",
  },
  {
    area: "paging ends",
    tried: "`dms.sync` caught up on its first page with `nextCursor: {}`",
    result:
      "`ProtocolError` naming the set: a saved state without its cursor would start it over",
    file: CHECKED,
    test: "sync caught up on its first page with nextCursor {} fails",
  },
  {
    area: "paging ends",
    tried: "a sync in follow mode caught up twice at the same cursor",
    result: "no error: a page that is not full may keep its cursor",
    file: CHECKED,
    test: "a sync in follow mode may send the cursors of a caught-up page again",
  },
  {
    area: "paging ends",
    tried:
      "the typed `list`, `list` with `include`, graph query and graph sync with cycling cursors and with fresh cursors forever",
    result: "`repeated-cursor` and `endless-paging` as above",
    file: CHECKED_TYPED,
    test: "cursors cycling A → B → A",
  },
  {
    area: "tokens",
    tried:
      'a token endpoint answering `expires_in` 30, 59, 0, -5, missing, `null`, `"abc"`, `1e400`, `1e12`; 20 requests each',
    result:
      "one token fetch; the next after the lifetime less min(60 s, half of it); 300 s assumed when unusable, a day at most",
    file: AUTH_UNIT,
    test: "expires_in %s: one fetch for 20 requests",
  },
  {
    area: "honest reports",
    tried: "a reset or a 503, then a 400 on the retry",
    result: "the items are unknown (the first attempt may have been processed)",
    file: APPLY,
    test: "after %s and a retry answered 400, the items are %s",
  },
  {
    area: "honest reports",
    tried: "a 429, then a 400 on the retry; a 400 at once",
    result: "not written (429 and 400 come before processing)",
    file: APPLY,
    test: "a 400 on the first attempt is not written",
  },
  {
    area: "honest reports",
    tried:
      "emulator: a create (`existingVersion: 0`) processed, its connection reset, the retry refused with a version conflict",
    result:
      "`VersionConflictError` and `ApplyFailedError` reporting the item unknown; it was in fact written",
    file: APPLY,
    test: "a write applied before its connection reset",
  },
  {
    area: "honest reports",
    tried: "abort during an apply of 2,500 items",
    result: "1,000 written, 1,000 unknown (in flight), 500 not written",
    file: FAULT,
    test: "stops on abort and says what was written, unknown and not written",
  },
  {
    area: "honest reports",
    tried:
      "one instance given by two different apply objects that land in two requests of one apply (1201 inputs)",
    result:
      "both writes sent (the API keeps the later value per property); `counts.written`, progress and `items` count it once, at its first mention",
    file: "test/apply-counts.e2e.test.ts",
    test: "sends an instance given by two objects in two requests twice, and counts it once",
  },
  {
    area: "honest reports",
    tried:
      'both requests that wrote one instance rejected (default and `report: "counts"`)',
    result: "the instance is listed once, as not written",
    file: "test/runtime/apply-counts.test.ts",
    test: "lists an instance written by two failed requests once",
  },
  {
    area: "bulk writes",
    tried:
      "one item that always gets 500, 503 or 408 in a request of 50 (100 items)",
    result:
      "the request is split in halves down to the item; the 99 others are written once; the apply then fails naming that item unknown",
    file: APPLY,
    test: "isolates one poisoned item",
  },
  {
    area: "bulk writes",
    tried: "every request failing with 503 (an outage)",
    result:
      "one split only (both halves fail too): 3 requests, the apply stops; the sent items unknown, the rest not written",
    file: APPLY,
    test: "stops after one split when both halves fail too",
  },
  {
    area: "bulk writes",
    tried: "a request refused with 400",
    result: "not split; refused whole, items not written",
    file: APPLY,
    test: "does not split on a 400",
  },
  {
    area: "bulk writes",
    tried: "30,000 nodes from an async generator at concurrency 2",
    result:
      "first request within 100 ms; never more than 4 requests (2 × concurrency) read ahead of sending",
    file: APPLY,
    test: "reads an async iterable as it sends",
  },
  {
    area: "bulk writes",
    tried: "an endless generator, aborted",
    result:
      "reading stops, the generator is closed, the report says what was written",
    file: APPLY,
    test: "stops reading an endless generator when aborted, and closes it",
  },
  {
    area: "bulk writes",
    tried: "edges before the nodes they connect in the input",
    result: "edges are sent after those nodes' requests finish",
    file: E2E,
    test: "edges after their nodes",
  },
  {
    area: "errors",
    tried: "a version conflict on apply",
    result:
      "`instanceof VersionConflictError` and `instanceof ApplyFailedError`, a message in sentences with what was and was not written",
    file: APPLY,
    test: "are VersionConflictError and ApplyFailedError",
  },
  {
    area: "secrets",
    tried:
      "a secret raw, URL-encoded (both hex cases), form-encoded, JSON-escaped (also `\\/`, `\\u`), base64 and base64url, base64 of `id:secret`",
    result: "each redacted to `***`",
    file: SECRETS,
    test: "removes the secret %s",
  },
  {
    area: "secrets",
    tried:
      "a token endpoint echoing the form body, JSON-escaped, decoded, or as Basic credentials",
    result: "the TokenError holds none of the secret's encodings",
    file: SECRETS,
    test: "never lets %s into the TokenError",
  },
  {
    area: "secrets",
    tried:
      "a 409 echoing the token and a bearer header while `explain.ts` (loaded on failures) cannot load",
    result:
      "still a `VersionConflictError` naming the request; the token and the bearer token redacted",
    file: "templates/runtime/core/explain-offline.test.ts",
    test: "is still the right error, with raw secrets and bearer tokens taken out",
  },
  {
    area: "values",
    tried:
      "float32 1e39, Dates and strings outside 0001-9999, 2024-02-30, hour 24, a list with holes, json as string/list/number, 257 keys, a 129-character key, a value over 10,240 bytes, an object over 40,960 bytes, a cycle, 100,000 levels deep",
    result:
      "each a `PropertyValueError` naming the property, before anything is sent",
    file: VALUES,
    test: "rejects %s",
  },
  {
    area: "values",
    tried:
      "the same limits' edge values (float32 max, 0001-01-01, 9999-12-31T23:59:59.999Z, 256 keys, ...)",
    result: "accepted",
    file: VALUES,
    test: "accepts %s",
  },
  {
    area: "round trips",
    tried:
      "60 random rows of every DMS type (unicode, empty lists, nulls, ms timestamps, int64 near 2^53, json) apply → emulator → read",
    result: "equal values back",
    file: ROUND_TRIP,
    test: "gives back equal values of every DMS type",
  },
  {
    area: "round trips",
    tried:
      '25 random batches through a client generated with `int64: "bigint"`: int64 and int64 lists near ±2^63 and ±2^53 (nulls, empty lists), on nodes that also hold a float64 and a json property named like the int64 in another view; read back by retrieve, list, sync, query and aggregate `groupBy`',
    result:
      "equal bigint values back from every read (group values too); the float and json numbers come back as numbers, as JSON.parse reads them",
    file: ROUND_TRIP,
    test: "gives back int64 values near ±2^63 and 2^53 as bigint from retrieve, list, sync, query and aggregate groups",
  },
  {
    area: "round trips",
    tried:
      "responses with integers beyond 2^53 in a float property or json value named like an int64 property of another view (or space, or version), nested json, aggregate groups, the parser's own mark inside a string",
    result:
      "only int64 properties of the view they belong to become bigint; everything else parses as JSON.parse does",
    file: "test/runtime/json.test.ts",
    test: "a float property with an int64 property's identifier in another view",
  },
  {
    area: "retries",
    tried: "injected 503 and 429, with Retry-After",
    result: "retried with backoff, Retry-After honoured",
    file: E2E,
    test: "retries injected 503/429 with backoff",
  },
  {
    area: "throttling",
    tried:
      "a responder with CDF's manner admitting 2 concurrent writes (429 + Retry-After beyond) and reporting that limit in `GET /models/statistics`, an apply of 20 requests at the default concurrency",
    result:
      "the limit read once, every request admitted once, never more than 2 in flight, no 429 (a client starting at 4 met 4 or 5)",
    file: "test/latency.test.ts",
    test: "the default concurrency is the project's limit of 2 (from statistics): never throttled",
  },
  {
    area: "throttling",
    tried:
      "the same responder, an apply of 20 requests at `concurrency: 4`, above the limit",
    result:
      "every request admitted once, never more than 2 in flight, 4 or 5 429s in all (a fixed concurrency of 4 was throttled 18 times)",
    file: "test/latency.test.ts",
    test: "an apply at a concurrency of 4 adapts to a limit of 2 with a few 429s",
  },
  {
    area: "throttling",
    tried:
      '`GET /models/statistics` answered 403, 401, 404, 503, not JSON, or with a limit of 0, 2.5 or "2"; two first applies at once; an apply aborted while the read is pending',
    result:
      "applies never fail for it: the defaults (4 applies, 2 deletes), read once per client (a 503: two attempts, then the defaults), shared by concurrent first calls, an abort rejects only its own apply",
    file: "test/runtime/project-limits.e2e.test.ts",
    test: "the default of 4, and no second read",
  },
  {
    area: "browsers",
    tried:
      "the fetch-transport client in headless Chromium against the emulator on another origin: apply with nested objects and edges, gzip, typed where, include, sync, a write into a missing space",
    result:
      "each result right, CORS preflights pass, the missing space a typed error naming it once, no page error",
    file: "test/browser.e2e.test.ts",
    test: "applies, lists, filters, includes, syncs and reports typed errors",
  },
  {
    area: "soak",
    tried:
      "3,000 nodes + 1,200 edges under the soak's faults, an after-processing fault after every request, a sync killed after 2 pages and resumed",
    result:
      "0 lost, 0 extra, 0 corrupted; the killed sync's page is delivered again",
    file: SOAK,
    test: "loses, adds and corrupts nothing",
  },
];

const SOAK_START = "<!-- soak:start -->";
const SOAK_END = "<!-- soak:end -->";

/** RELIABILITY.md for the given soak section (the text between the soak markers). */
export function renderReliability(soakSection: string): string {
  const rows = RELIABILITY_CASES.map(
    (c) =>
      `| ${c.area} | ${c.tried} | ${c.result} | \`${c.file}\` › ${c.test} |`,
  );
  return `<!-- Generated by bench/reliability-doc.ts (npm run reliability:doc); a test keeps it current. Edit the script, not this file. -->

# Reliability

What the runtime was put through, what it does, and the test that holds each case. Every row names
a test in \`npm test\`; the soak below runs at full size with \`npm run soak\`.

## Faults injected

- **Status faults** from the emulator, at random (seeded): 429 and 503, with and without
  \`Retry-After\`; scripted ones for single tests (400, 408, 409, 500, 503).
- **Connection resets** before a response, at random and scripted.
- **Faults after processing**: the emulator applies the request, then resets the connection or
  answers 503, so the client sees a failure although the write happened.
- **Latency** of a few ms per request.
- **Hostile answers** from a scripted server: redirects, oversized and endless bodies, \`null\`,
  \`{}\` and empty bodies, apply and byids answers naming other instances (or one twice, or in
  another order), cursors that repeat or cycle, endless fresh cursors, full pages without a
  cursor, token endpoints that echo the secret or give odd \`expires_in\` values.
- **Process crash**: a sync reader killed with SIGKILL between processing a page and saving its
  state, then resumed in a new process.

## Cases

| area | tried | result | test |
| --- | --- | --- | --- |
${rows.join("\n")}

## The client vouches only for what it checked

- An apply reports an instance **written** only when its request's answer names exactly the
  instances the request wrote (instance type, space, external id), each once, in any order (the
  result is in input order); **skipped** only when the answer left it out and
  \`skipOnVersionConflict\` was set. Any other answer is a \`ProtocolError\`
  (\`unexpected-instances\`) and the request's instances are **unknown**.
- \`retrieve\` returns only instances it asked for, each once; anything else is a \`ProtocolError\`.
- A paged read is **read to the end** only when the server ended it: cursors sent before in the
  same read (any cycle), a full sync page without a cursor, or more than \`maxPagesPerRead\` pages
  (client option, default 100,000; \`maxPages\` per read) are a \`ProtocolError\` naming the
  endpoint and the page count. In follow mode a sync's read starts again at each catch-up.
- Items that come again on a later page of one read are handed out as sent, never dropped: a sync
  delivers a changed instance again, and a chained query set meets an instance again from another
  parent (the typed graph query keeps each instance of a set once).
- A token is reused until min(60 s or \`tokenRefreshLeewayMs\`, half its lifetime) before it
  expires; an unusable \`expires_in\` is taken as 300 s, and one over a day as a day.

## Limits of the client

- Response bodies: at most \`maxResponseBytes\` (transport option, default 256 MiB), enforced while
  reading; a larger body stops reading and is a \`ProtocolError\` (\`too-large\`), never retried.
- Redirects: never followed by either transport; a \`ProtocolError\` (\`redirect\`) naming the status.
- \`apply\`: reads its input as it sends, at most 2 × concurrency requests of up to 1,000 items built
  ahead. A request failing with 5xx or 408 after its retries is split in halves, and the half that
  fails again is halved down to a single item, which is reported unknown while the rest is
  written (the apply then fails). When both halves fail the apply stops (an outage, not an item).
- Concurrency: an apply (a delete) without \`concurrency\` starts at the project's
  \`concurrentWriteLimit\` (\`concurrentDeleteLimit\`) from \`GET /models/statistics\`, read once per
  client when it may need more than one request, at most 16 (8); else at 4 (2). Each apply adapts
  on its own: two applies at once may have twice the limit in flight until their 429s halve them.
- An item is reported **unknown** whenever an attempt of its request may have been processed (a
  lost response, a timeout, a 5xx or 408, an abort in flight, a 2xx body of the wrong shape or
  naming other instances than its request wrote), even
  if a later attempt was refused; **not written** only when every attempt was refused before
  processing (400, 401, 403, 409, 429, a redirect) or never sent.
- Values are checked as the API checks them: float32 within ±3.4028234663852886e38; timestamps
  0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z on real calendar days and times; no holes in
  lists; json an object at the top with at most 256 keys of at most 128 characters, each value at
  most 10,240 bytes and the whole at most 40,960 bytes of JSON, no cycles, at most 1,000 levels deep.

## Measured

- 1,000,000 nodes from a generator into a serializing fake API at concurrency 4
  (\`node dist/bench/apply-stream.js\`): first request after 62 ms (before streaming: 5.6 s),
  peak RSS 447 MiB (before streaming: 630 MiB), of which the result's 1,000,000 entries are most;
  332 MiB when the answers were kept as text, unchecked, until \`items\` was read (issue 26
  made the apply parse and check each answer as it comes). With \`--counts\`: 139 MiB.

## Emulator side

Request size limits, gzip bombs, filter depth, crash safety of \`--data\` (the loss window after
\`kill -9\` is the save interval, default about 5 s; a damaged line stops the start, naming it, and
the file is left as it was), the refusal of other sites' pages (\`Origin\`, \`Host\`, non-JSON bodies)
and after-processing faults from the CLI are the emulator's; see its documentation.

## Last soak

${SOAK_START}
${soakSection.trim()}
${SOAK_END}
`;
}

/** The soak section of an existing RELIABILITY.md, or a placeholder. */
export function soakSectionOf(text: string | undefined): string {
  if (text === undefined)
    return "Not run yet: `npm run reliability:doc -- --soak`.";
  const start = text.indexOf(SOAK_START);
  const end = text.indexOf(SOAK_END);
  if (start < 0 || end < start)
    throw new Error(
      "RELIABILITY.md has no soak section markers; regenerate it with --soak",
    );
  return text.slice(start + SOAK_START.length, end);
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const RELIABILITY_FILE = existsSync(join(HERE, "..", "package.json"))
  ? join(HERE, "..", "RELIABILITY.md")
  : join(HERE, "..", "..", "RELIABILITY.md");

async function main(): Promise<void> {
  const existing = existsSync(RELIABILITY_FILE)
    ? readFileSync(RELIABILITY_FILE, "utf8")
    : undefined;
  let soak = soakSectionOf(existing);
  if (process.argv.includes("--soak")) {
    const result = await runSoak(DEFAULT_SOAK, (line) => console.error(line));
    soak = `${formatSoak(result)}\n\nRun on ${new Date().toISOString().slice(0, 10)} with \`npm run reliability:doc -- --soak\`.`;
    if (!result.ok) process.exitCode = 1;
  }
  writeFileSync(RELIABILITY_FILE, renderReliability(soak));
  console.log(`wrote ${RELIABILITY_FILE}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

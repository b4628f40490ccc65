// A minimal DMS responder for client benchmarks, run in its own process: it reads each request
// body to its end and answers from precomputed text, so that the client is the only real cost.
// Apply answers one slim item per written instance, with the request's ids (the client checks
// that an apply answer names exactly what it sent); sync pages through `--total` items, 1000 per
// page (the page content repeats; a sync's ids are not checked). Prints its URL as the first line.

import { createServer } from "node:http";

const PAGE = 1000;
const total = Number(process.argv[process.argv.indexOf("--total") + 1]) || 0;

/** The answer to an apply: each written instance once, in the request's order. */
function applyResponse(body: string): string {
  const request = JSON.parse(body) as {
    items?: { instanceType: string; space: string; externalId: string }[];
  };
  const items = (request.items ?? []).map((item) => ({
    instanceType: item.instanceType,
    space: item.space,
    externalId: item.externalId,
    version: 1,
    wasModified: true,
    createdTime: 1_700_000_000_000,
    lastUpdatedTime: 1_700_000_000_000,
  }));
  return JSON.stringify({ items });
}
const SYNC_PAGE = JSON.stringify(
  Array.from({ length: PAGE }, (_, i) => ({
    instanceType: "node",
    space: "bench",
    externalId: `item-${i}`,
    version: 1,
    createdTime: 1_700_000_000_000,
    lastUpdatedTime: 1_700_000_000_000,
    properties: {
      bench: {
        "Item/v1": { name: `Item ${i}`, value: i, score: i / 7 },
      },
    },
  })),
);

function syncResponse(body: string): string {
  const request = JSON.parse(body) as {
    with: Record<string, unknown>;
    cursors?: Record<string, string>;
  };
  const set = Object.keys(request.with)[0] ?? "items";
  const offset = Number(request.cursors?.[set] ?? 0);
  const items = offset < total ? SYNC_PAGE : "[]";
  const next = offset < total ? offset + PAGE : offset;
  return `{"items":{${JSON.stringify(set)}:${items}},"nextCursor":{${JSON.stringify(set)}:"${next}"}}`;
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const url = request.url ?? "";
    const body = Buffer.concat(chunks).toString("utf8");
    const text = url.endsWith("/models/instances/sync")
      ? syncResponse(body)
      : applyResponse(body);
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object")
    process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

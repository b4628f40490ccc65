// The generated movies client against a server on 127.0.0.1 that answers with valid JSON of the
// wrong content (issue 26): typed retrieve returns only what it asked for, and the typed list,
// list with include, graph query and graph sync end when cursors cycle or never stop.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  Movie,
  createClient,
  type Client,
} from "../generated-examples/movies/index.js";
import { ProtocolError } from "../generated-examples/movies/runtime/core/errors.js";
import { startFaultServer, type FaultServer } from "./support/fault-server.js";

let server: FaultServer;
const clients: Client[] = [];

beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  while (clients.length > 0) await clients.pop()!.close();
  await server.close();
});

function connect(maxPagesPerRead?: number): Client {
  const client = createClient({
    baseUrl: server.url,
    project: "movies",
    credentials: { token: "test-token-abcdefgh" },
    ...(maxPagesPerRead ? { maxPagesPerRead } : {}),
  });
  clients.push(client);
  return client;
}

function movie(externalId: string): Record<string, unknown> {
  return {
    instanceType: "node",
    space: "movies",
    externalId,
    version: 1,
    createdTime: 1,
    lastUpdatedTime: 1,
    properties: {},
  };
}

async function failure(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(
    () => new Error("expected a failure"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

/**
 * Answers every query and sync with empty sets (or `fill`'s items for the first set) and, for every
 * set, the cursor `cursorOf(request number)`.
 */
function pagingForever(
  cursorOf: (index: number) => string,
  fill: (name: string, first: boolean) => unknown[] = () => [],
): void {
  server.setHandler((request, index) => {
    const names = Object.keys(
      (request.json as { with: Record<string, unknown> }).with,
    );
    const items: Record<string, unknown[]> = {};
    const nextCursor: Record<string, string> = {};
    names.forEach((name, i) => {
      items[name] = fill(name, i === 0);
      nextCursor[name] = cursorOf(index);
    });
    return { status: 200, body: { items, nextCursor } };
  });
}

const cycle = (index: number): string => ["A", "B"][index % 2]!;
const fresh = (index: number): string => `c${index}`;

describe("typed retrieve", () => {
  it("answered with other ids is a ProtocolError", async () => {
    server.setHandler(() => ({
      status: 200,
      body: { items: [movie("other")] },
    }));
    const error = await failure(
      connect().movie.retrieve([{ space: "movies", externalId: "m1" }]),
    );
    expect(error.problem).toBe("unexpected-instances");
    expect(error.message).toMatch(/node movies:other, which was not asked for/);
  });
});

describe("typed retrieve with include", () => {
  /**
   * Answers query number i with `pages[i]` in its first (root) set, the other sets empty, and a
   * cursor for the root set while more pages follow.
   */
  function rootsAnswer(...pages: unknown[][]): void {
    server.setHandler((request, index) => {
      const names = Object.keys(
        (request.json as { with: Record<string, unknown> }).with,
      );
      const items: Record<string, unknown[]> = {};
      names.forEach((name, i) => (items[name] = i === 0 ? pages[index]! : []));
      const nextCursor =
        index + 1 < pages.length ? { [names[0]!]: `c${index}` } : {};
      return { status: 200, body: { items, nextCursor } };
    });
  }
  const retrieve = (client: Client) =>
    client.movie.retrieve([{ space: "movies", externalId: "m1" }], {
      include: { actors: {} },
    });

  it.each([
    ["other ids", [[movie("other")]], /movies:other which was not asked for/],
    ["an id on two pages", [[movie("m1")], [movie("m1")]], /movies:m1 twice/],
  ])("answered with %s is a ProtocolError", async (_name, pages, message) => {
    rootsAnswer(...pages);
    const error = await failure(retrieve(connect()));
    expect(error.problem).toBe("unexpected-instances");
    expect(error.message).toMatch(message);
  });

  it("answered with the id asked for returns it", async () => {
    rootsAnswer([movie("m1")]);
    const found = await retrieve(connect());
    expect(found.map((m) => m.externalId)).toEqual(["m1"]);
  });
});

describe("typed paged reads end", () => {
  const reads: [string, (client: Client) => Promise<unknown>][] = [
    ["list", (client) => client.movie.list().toArray()],
    [
      "list with include",
      (client) => client.movie.list({ include: { actors: {} } }).toArray(),
    ],
    [
      "graph query",
      (client) =>
        client.query(
          client
            .graph()
            .nodes("movies", Movie)
            .edges("cast", { from: "movies", connection: "actors" })
            .nodes("actors", Actor, { from: "cast" }),
        ),
    ],
  ];

  it.each(reads)("%s: cursors cycling A → B → A", async (_name, read) => {
    pagingForever(cycle);
    const error = await failure(read(connect()));
    expect(error.problem).toBe("repeated-cursor");
    expect(error.message).toMatch(/\/models\/instances\/query: after page \d/);
    expect(server.requests.length).toBeLessThanOrEqual(4);
  });

  it.each(reads)("%s: fresh cursors forever", async (_name, read) => {
    pagingForever(fresh);
    const error = await failure(read(connect(30)));
    expect(error.problem).toBe("endless-paging");
    expect(error.message).toMatch(/did not end after 30 pages/);
    expect(server.requests).toHaveLength(30);
  });

  const graphSync = async (client: Client, pageSize: number) => {
    const graph = client
      .graph()
      .nodes("movies", Movie)
      .edges("cast", { from: "movies", connection: "actors" })
      .nodes("actors", Actor, { from: "cast" });
    for await (const page of client.sync(graph, { pageSize })) void page;
  };
  const fullFirstSet = (_name: string, first: boolean): unknown[] =>
    first ? [movie("m0"), movie("m1")] : [];

  it("graph sync: full pages with cursors cycling A → B → A", async () => {
    pagingForever(cycle, fullFirstSet);
    const error = await failure(graphSync(connect(), 2));
    expect(error.problem).toBe("repeated-cursor");
    expect(error.message).toMatch(/\/models\/instances\/sync: after page 3/);
  });

  it("graph sync: full pages with fresh cursors forever", async () => {
    pagingForever(fresh, fullFirstSet);
    const error = await failure(graphSync(connect(25), 2));
    expect(error.problem).toBe("endless-paging");
    expect(error.message).toMatch(/did not end after 25 pages/);
  });
});

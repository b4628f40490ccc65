// The runtime against a hostile or broken server (issue 12, item 2): redirects are never followed,
// a body over the size limit stops reading without retries, a 2xx body of the wrong shape and a
// cursor that repeats are ProtocolErrors, never "skipped", a raw TypeError or endless paging.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DmsClient } from "../../templates/runtime/read/dms-client.js";
import {
  ApplyFailedError,
  ProtocolError,
} from "../../templates/runtime/core/errors.js";
import { createFetchTransport } from "../../templates/runtime/core/transport-fetch.js";
import { createUndiciTransport } from "../../templates/runtime/core/transport-undici.js";
import type { Transport } from "../../templates/runtime/core/transport.js";
import type { NodeWrite } from "../../templates/runtime/core/wire.js";
import {
  syncFingerprint,
  type SyncPage,
} from "../../templates/runtime/read/sync.js";
import {
  applyAnswer,
  fakeClock,
  startFaultServer,
  type FaultServer,
} from "../support/fault-server.js";

const transports: Record<string, (max?: number) => Transport> = {
  undici: (max) =>
    createUndiciTransport({
      timeoutMs: 5000,
      ...(max ? { maxResponseBytes: max } : {}),
    }),
  fetch: (max) =>
    createFetchTransport({
      timeoutMs: 5000,
      ...(max ? { maxResponseBytes: max } : {}),
    }),
};

let server: FaultServer;
let other: FaultServer;
const clients: DmsClient[] = [];

beforeEach(async () => {
  server = await startFaultServer();
  other = await startFaultServer();
});
afterEach(async () => {
  while (clients.length > 0) await clients.pop()!.close();
  await server.close();
  await other.close();
});

function connect(transport: Transport, baseUrl = server.url): DmsClient {
  const client = new DmsClient({
    baseUrl,
    project: "proj",
    credentials: { token: "test-token-abcdefgh" },
    transport,
    clock: fakeClock(),
    random: () => 0.5,
  });
  clients.push(client);
  return client;
}

function nodes(count: number): NodeWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    instanceType: "node",
    space: "sp",
    externalId: `n${i}`,
  }));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

describe.each(Object.keys(transports))("%s transport", (name) => {
  const make = transports[name]!;

  it.each([301, 302, 307, 308])(
    "never follows a %i redirect: a ProtocolError naming the status, nothing reaches the target",
    async (status) => {
      server.setHandler(() => ({
        status,
        headers: { location: `${other.url}/steal` },
        body: "",
      }));
      const client = connect(make());
      const error = await failure(client.apply(nodes(3)));
      expect(error).toBeInstanceOf(ApplyFailedError);
      const cause = (error as ApplyFailedError).cause;
      expect(cause).toBeInstanceOf(ProtocolError);
      expect((cause as ProtocolError).problem).toBe("redirect");
      expect((cause as ProtocolError).status).toBe(status);
      expect((cause as ProtocolError).message).toContain(String(status));
      // A redirect is an answer before processing: the items are known not written.
      expect((error as ApplyFailedError).notWritten).toHaveLength(3);
      expect(server.requests).toHaveLength(1);
      expect(other.requests).toHaveLength(0);
    },
  );

  it("stops reading a body over maxResponseBytes, with no retry", async () => {
    const big = JSON.stringify({ items: [], pad: "x".repeat(300_000) });
    server.setHandler(() => ({ status: 200, body: big }));
    const client = connect(make(100_000));
    const error = await failure(
      client.retrieve([{ instanceType: "node", space: "sp", externalId: "a" }]),
    );
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("too-large");
    expect((error as ProtocolError).message).toMatch(
      /over maxResponseBytes \(100000;/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("reads a body just under the limit", async () => {
    server.setHandler(() => ({ status: 200, body: { items: [] } }));
    const client = connect(make(12));
    await expect(
      client.retrieve([{ instanceType: "node", space: "sp", externalId: "a" }]),
    ).resolves.toEqual([]);
  });
});

describe("an opaque redirect (status 0, what browsers' fetch gives for redirect: manual)", () => {
  it("is a ProtocolError too", async () => {
    const opaque: Transport = {
      request: async () => ({ status: 0, body: "", header: () => undefined }),
      close: async () => {},
    };
    const client = connect(opaque);
    const error = await failure(
      client.retrieve([{ instanceType: "node", space: "sp", externalId: "a" }]),
    );
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("redirect");
  });
});

/** A server that streams a body without Content-Length, counting what it managed to write. */
async function streamingServer(totalBytes: number): Promise<{
  url: string;
  written: () => number;
  close: () => Promise<void>;
}> {
  let written = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (written < totalBytes) {
        written += piece.length;
        if (!res.write(piece)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("error", () => {});
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    written: () => written,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("response size limit while reading", () => {
  it("stops a 512 MiB streamed body at the limit instead of buffering it", async () => {
    const streaming = await streamingServer(512 * 1024 * 1024);
    try {
      const transport = createUndiciTransport({
        timeoutMs: 20_000,
        maxResponseBytes: 1024 * 1024,
      });
      const error = await failure(
        transport.request({ method: "GET", url: streaming.url, headers: {} }),
      );
      await transport.close();
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).problem).toBe("too-large");
      // The server got far less than the whole body out before the client hung up.
      expect(streaming.written()).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await streaming.close();
    }
  });
});

describe("bodies of the wrong shape", () => {
  const id = { instanceType: "node", space: "sp", externalId: "a" } as const;

  it.each([
    ["null", "null"],
    ["{}", "{}"],
    ["items not a list", '{"items":{}}'],
    ["an empty body", ""],
  ])(
    "an apply answered 200 with %s fails, reporting the items unknown (never skipped)",
    async (_label, body) => {
      server.setHandler(() => ({ status: 200, body }));
      const client = connect(transports.undici!());
      const error = await failure(client.apply(nodes(2)));
      expect(error).toBeInstanceOf(ApplyFailedError);
      const report = error as ApplyFailedError;
      expect(report.cause).toBeInstanceOf(ProtocolError);
      expect(report.unknown.map((i) => i.externalId)).toEqual(["n0", "n1"]);
      expect(report.written).toEqual([]);
      expect(server.requests).toHaveLength(1);
    },
  );

  it("an apply answer listing more items than were sent is a ProtocolError", async () => {
    server.setHandler((request) =>
      applyAnswer({ items: [...request.json.items, ...request.json.items] }),
    );
    const client = connect(transports.undici!());
    const error = (await failure(client.apply(nodes(2)))) as ApplyFailedError;
    expect(error.cause).toBeInstanceOf(ProtocolError);
  });

  it.each([
    ["retrieve", (c: DmsClient) => c.retrieve([id])],
    [
      "list",
      async (c: DmsClient) => {
        for await (const page of c.list()) void page;
      },
    ],
    [
      "queryAll",
      (c: DmsClient) =>
        c.queryAll({ with: { a: { nodes: {} } }, select: { a: {} } }),
    ],
    [
      "sync",
      async (c: DmsClient) => {
        for await (const page of c.sync({
          with: { a: { nodes: {} } },
          select: { a: {} },
        }))
          void page;
      },
    ],
    ["delete", (c: DmsClient) => c.delete([id])],
  ] as const)("%s answered 200 {} is a ProtocolError", async (_name, call) => {
    server.setHandler(() => ({ status: 200, body: {} }));
    const client = connect(transports.undici!());
    const error = await failure(call(client));
    const cause =
      error instanceof ApplyFailedError ? error.cause : (error as unknown);
    expect(cause).toBeInstanceOf(ProtocolError);
    expect((cause as ProtocolError).problem).toBe("unexpected-shape");
    expect((cause as Error).message).toMatch(/\/models\/instances/);
  });
});

describe("cursors that repeat", () => {
  it("list fails instead of paging forever", async () => {
    server.setHandler(() => ({
      status: 200,
      body: {
        items: [{ instanceType: "node", space: "sp", externalId: "a" }],
        nextCursor: "same",
      },
    }));
    const client = connect(transports.undici!());
    let pages = 0;
    const error = await failure(
      (async () => {
        for await (const page of client.list()) pages += page.items.length;
      })(),
    );
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).problem).toBe("repeated-cursor");
    expect(pages).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it("query fails naming the result set", async () => {
    server.setHandler(() => ({
      status: 200,
      body: { items: { a: [] }, nextCursor: { a: "same" } },
    }));
    const client = connect(transports.undici!());
    const error = await failure(
      client.queryAll({ with: { a: { nodes: {} } }, select: { a: {} } }),
    );
    expect((error as ProtocolError).problem).toBe("repeated-cursor");
    expect((error as Error).message).toContain('"a"');
    expect(server.requests).toHaveLength(2);
  });

  it("sync fails on a full page with the cursor it was sent, but not on a caught-up one", async () => {
    const full = Array.from({ length: 2 }, (_, i) => ({
      instanceType: "node",
      space: "sp",
      externalId: `n${i}`,
      version: 1,
      createdTime: 1,
      lastUpdatedTime: 1,
      properties: {},
    }));
    const request = {
      with: { a: { nodes: {}, limit: 2 } },
      select: { a: {} },
    };
    const client = connect(transports.undici!());
    const state = {
      version: 1 as const,
      fingerprint: syncFingerprint(request),
      cursors: { a: "c1" },
    };
    // Caught up: the same cursor back is fine.
    server.enqueue({
      status: 200,
      body: { items: { a: [] }, nextCursor: { a: "c1" } },
    });
    const pages: SyncPage[] = [];
    for await (const page of client.sync(request, { state })) pages.push(page);
    expect(pages.map((p) => p.caughtUp)).toEqual([true]);
    // A full page with the cursor it was sent would be fetched forever.
    server.setHandler(() => ({
      status: 200,
      body: { items: { a: full }, nextCursor: { a: "c1" } },
    }));
    const error = await failure(
      (async () => {
        for await (const page of client.sync(request, { state })) void page;
      })(),
    );
    expect((error as ProtocolError).problem).toBe("repeated-cursor");
    expect(server.requests).toHaveLength(2);
  });
});

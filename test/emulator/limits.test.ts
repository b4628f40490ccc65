// Hostile bodies: size limits before and after decompression (refused without reading on),
// invalid gzip / UTF-8 / JSON, deep nesting, filter depth and `in` size, bad percent-encoding,
// and random JSON at every route: never a 500.
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import {
  DEFAULT_BODY_LIMITS,
  readJsonBody,
} from "../../src/emulator/http/body.js";
import { FILTER_LIMITS } from "../../src/emulator/query/filters.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { checkResponse } from "./contract.js";
import { datasetItems } from "./dataset.js";
import {
  client,
  movieView,
  moviesViews,
  TEST_SPACES,
  type Client,
} from "./support.js";

let emulator: RunningEmulator;
let api: Client;

beforeAll(async () => {
  emulator = await startEmulator({
    views: moviesViews(),
    spaces: TEST_SPACES,
  });
  api = client(emulator);
  await api.ok("/models/instances", { items: datasetItems() });
});
afterAll(async () => {
  await emulator.close();
});

interface RawResponse {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** POSTs raw bytes; `declaredLength` may claim more than is sent (the rest is never written). */
function rawPost(
  route: string,
  bytes: Buffer,
  headers: Record<string, string> = {},
  declaredLength?: number,
): Promise<RawResponse> {
  const url = new URL(
    `${emulator.url}/api/v1/projects/${emulator.project}${route}`,
  );
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(headers["transfer-encoding"] === "chunked"
            ? {}
            : { "content-length": String(declaredLength ?? bytes.length) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            body: text.length > 0 ? JSON.parse(text) : undefined,
            headers: res.headers,
          });
        });
      },
    );
    // The server may close the connection before the whole upload is written: that is the point.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    req.write(bytes);
    if (declaredLength === undefined) req.end();
  });
}

function expectApiError(response: RawResponse, status: number, text: string) {
  expect(response.status).toBe(status);
  checkResponse("/models/instances/list", "post", status, response.body);
  expect(response.body.error.message).toContain(text);
}

describe("request size limits", () => {
  it("refuses a body larger than the wire limit with 413", async () => {
    const big = Buffer.alloc(DEFAULT_BODY_LIMITS.maxWireBytes + 1024, 0x20);
    const response = await rawPost("/models/instances/list", big);
    expectApiError(response, 413, "larger than 10 MiB");
    expect(response.headers.connection).toBe("close");
  });

  it("counts a chunked body as it streams in", async () => {
    const big = Buffer.alloc(DEFAULT_BODY_LIMITS.maxWireBytes + 1024, 0x20);
    const response = await rawPost("/models/instances/list", big, {
      "transfer-encoding": "chunked",
    });
    expectApiError(response, 413, "larger than 10 MiB");
  });

  it("answers 413 from the declared length without waiting for the body", async () => {
    // The upload is never ended (1 byte of a declared 200 MB): an answer at all means the server
    // did not wait for the body.
    const response = await rawPost(
      "/models/instances/list",
      Buffer.from("{"),
      {},
      200 * 1024 * 1024,
    );
    expectApiError(response, 413, "as sent");
  });

  it("stops inflating a gzip bomb at the decompressed limit", async () => {
    // The case: about 3 MB of gzip (3072 concatenated members of 1 MiB of spaces each,
    // which gunzip reads as one stream) that would inflate to 3 GiB.
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 3072 }, () => member));
    expect(bomb.length).toBeLessThan(DEFAULT_BODY_LIMITS.maxWireBytes);
    const before = process.memoryUsage().rss;
    const response = await rawPost("/models/instances/list", bomb, {
      "content-encoding": "gzip",
    });
    expectApiError(response, 413, "after decompression");
    // Nothing near the 128 MiB was held (the test process is the server too).
    expect(process.memoryUsage().rss - before).toBeLessThan(96 * 1024 * 1024);
    // The emulator still serves.
    const list = await api.ok("/models/instances/list", { limit: 1 });
    expect(list.items).toHaveLength(1);
  });

  it("stops reading a gzip bomb's upload soon after the decompressed limit", async () => {
    // Counted, not timed: the bytes the reader pulled from the upload before it refused.
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });
    const members = 3072;
    let pulled = 0;
    function* upload(): Generator<Buffer> {
      for (let i = 0; i < members; i++) {
        pulled += member.length;
        yield member;
      }
    }
    const req = Object.assign(Readable.from(upload(), { objectMode: false }), {
      headers: { "content-encoding": "gzip" },
      complete: false,
    }) as unknown as IncomingMessage;
    await expect(readJsonBody(req)).rejects.toThrow("after decompression");
    // 32 MiB decoded is 32 members; inflating the whole upload would pull all 3072.
    const limitMembers = DEFAULT_BODY_LIMITS.maxDecodedBytes / (1024 * 1024);
    expect(pulled / member.length).toBeGreaterThan(limitMembers);
    expect(pulled / member.length).toBeLessThan(limitMembers * 2);
    req.destroy();
  });

  it("accepts a gzip body under the limits", async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ limit: 2 })));
    const response = await rawPost("/models/instances/list", body, {
      "content-encoding": "gzip",
    });
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(2);
  });
});

describe("malformed bodies are 400 in the API's error format", () => {
  it.each([
    ["not gzip", Buffer.from("{}"), { "content-encoding": "gzip" }, "gzip"],
    [
      "a cut-off gzip stream",
      gzipSync(Buffer.from('{"limit": 5}')).subarray(0, 12),
      { "content-encoding": "gzip" },
      "gzip",
    ],
    [
      "invalid UTF-8",
      Buffer.concat([
        Buffer.from('{"cursor": "'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]),
      {},
      "UTF-8",
    ],
    ["a lone surrogate byte run", Buffer.from([0xed, 0xa0, 0x80]), {}, "UTF-8"],
    ["not JSON", Buffer.from("{items: 1}"), {}, "not valid JSON"],
    ["no body", Buffer.alloc(0), {}, "no JSON body"],
    [
      "an unknown encoding",
      Buffer.from("{}"),
      { "content-encoding": "br" },
      "Content-Encoding",
    ],
    [
      "JSON nested 100,000 deep",
      Buffer.from("[".repeat(100_000) + "]".repeat(100_000)),
      {},
      "nested deeper than 200",
    ],
  ])("%s", async (_name, bytes, headers, message) => {
    expectApiError(
      await rawPost(
        "/models/instances/list",
        bytes,
        headers as Record<string, string>,
      ),
      400,
      message,
    );
  });

  it("bad percent-encoding in the project name", async () => {
    const response = await fetch(
      `${emulator.url}/api/v1/projects/%E0%A4%A/models/instances/list`,
      { method: "POST", body: "{}" },
    );
    const body = (await response.json()) as any;
    expect(response.status).toBe(400);
    checkResponse("/models/instances/list", "post", 400, body);
    expect(body.error.message).toContain("percent-encoding");
  });
});

function nestedNot(depth: number): unknown {
  let filter: unknown = {
    equals: { property: ["node", "space"], value: "movies" },
  };
  for (let i = 0; i < depth; i++) filter = { not: { not: filter } };
  return filter;
}

describe("filter limits", () => {
  const inFilter = (n: number) => ({
    in: {
      property: ["node", "externalId"],
      values: Array.from({ length: n }, (_, i) =>
        i === 0 ? "Avatar" : `x${i}`,
      ),
    },
  });

  it(`allows ${FILTER_LIMITS.maxDepth} levels of nesting and refuses one more`, async () => {
    const ok = await api.ok("/models/instances/list", {
      filter: nestedNot(FILTER_LIMITS.maxDepth / 2),
    });
    expect(ok.items.length).toBeGreaterThan(0);
    const response = await api.post("/models/instances/list", {
      filter: nestedNot(FILTER_LIMITS.maxDepth / 2 + 1),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain("nest at most 32");
  });

  it(`allows ${FILTER_LIMITS.maxValues} values in an in filter and refuses more`, async () => {
    const ok = await api.ok("/models/instances/list", {
      filter: inFilter(FILTER_LIMITS.maxValues),
    });
    expect(ok.items.map((i: any) => i.externalId)).toEqual(["Avatar"]);
    for (const route of [
      "/models/instances/list",
      "/models/instances/search",
      "/models/instances/aggregate",
    ]) {
      const response = await api.post(
        route,
        {
          view: movieView,
          filter: inFilter(FILTER_LIMITS.maxValues + 1),
        },
        { skipRequestValidation: true },
      );
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain("at most 5000");
    }
  });

  it("refuses a large containsAny and a huge or", async () => {
    const property = ["mySpace", "MovieView/v1", "title"];
    const values = Array.from({ length: 6000 }, (_, i) => `t${i}`);
    for (const filter of [
      { containsAny: { property, values } },
      { or: values.map((value) => ({ equals: { property, value } })) },
    ]) {
      const response = await api.post("/models/instances/list", { filter });
      expect(response.status).toBe(400);
    }
  });
});

const ROUTES = [
  "/models/instances",
  "/models/instances/byids",
  "/models/instances/list",
  "/models/instances/delete",
  "/models/instances/query",
  "/models/instances/sync",
  "/models/instances/search",
  "/models/instances/aggregate",
  "/models/views/byids",
  "/models/datamodels/byids",
];

describe("no input answers 500", () => {
  it("random JSON at every route is answered with 200 or 4xx", async () => {
    const shaped = fc.record(
      {
        items: fc.oneof(
          fc.constant(null),
          fc.array(fc.jsonValue(), { maxLength: 3 }),
        ),
        filter: fc.jsonValue(),
        view: fc.oneof(fc.jsonValue(), fc.constant(movieView)),
        with: fc.dictionary(fc.string(), fc.jsonValue()),
        select: fc.jsonValue(),
        aggregates: fc.array(fc.jsonValue(), { maxLength: 3 }),
        groupBy: fc.jsonValue(),
        sort: fc.jsonValue(),
        limit: fc.jsonValue(),
        cursor: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(fc.jsonValue(), shaped),
        async (route, body) => {
          const response = await api.post(route, body, {
            skipRequestValidation: true,
          });
          expect(response.status, JSON.stringify(response.body)).toBeLessThan(
            500,
          );
        },
      ),
      { seed: 12, numRuns: 150 },
    );
  });
});

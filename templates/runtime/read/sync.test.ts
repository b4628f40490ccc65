import { describe, expect, it } from "vitest";
import type { JsonPoster } from "../write/apply.js";
import { createTokenSource } from "../core/auth.js";
import { HttpClient, type RequestOptions } from "../core/http.js";
import { systemClock } from "../core/retry.js";
import { createUndiciTransport } from "../core/transport-undici.js";
import {
  mayBeFullPage,
  parseSyncState,
  peekNextCursors,
  serializeSyncState,
  syncFingerprint,
  syncPages,
  type SyncPage,
} from "./sync.js";
import { stableStringify } from "../core/json.js";
import type { InstanceRead, SyncRequest, SyncResponse } from "../core/wire.js";
import {
  fakeClock,
  startFaultServer,
} from "../../../test/support/fault-server.js";

const request: SyncRequest = {
  with: { things: { nodes: { filter: { matchAll: {} } }, limit: 2 } },
  select: { things: {} },
};

function read(id: string, deletedTime?: number): InstanceRead {
  return {
    instanceType: "node",
    space: "s",
    externalId: id,
    version: 1,
    createdTime: 0,
    lastUpdatedTime: 0,
    ...(deletedTime !== undefined ? { deletedTime } : {}),
  };
}

/** A poster answering sync calls from a script, recording the bodies. */
function scripted(responses: SyncResponse[]) {
  const bodies: SyncRequest[] = [];
  const poster: JsonPoster = {
    postJson: async <T>(path: string, body: unknown) => {
      expect(path).toBe("/models/instances/sync");
      bodies.push(structuredClone(body) as SyncRequest);
      const next = responses.shift();
      if (!next) throw new Error("no more scripted responses");
      return next as T;
    },
  };
  return { poster, bodies };
}

async function collect(iterable: AsyncIterable<SyncPage>): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

describe("syncPages", () => {
  it("pages until every result set returned fewer than its limit, splitting deletes", async () => {
    const api = scripted([
      {
        items: { things: [read("a"), read("b", 5)] },
        nextCursor: { things: "c1" },
      },
      { items: { things: [read("c")] }, nextCursor: { things: "c2" } },
    ]);
    const pages = await collect(
      syncPages(api.poster, request, { includeTyping: false }),
    );
    expect(pages.map((p) => p.caughtUp)).toEqual([false, true]);
    expect(pages[0]!.upserts.things!.map((i) => i.externalId)).toEqual(["a"]);
    expect(pages[0]!.deletes.things!.map((i) => i.externalId)).toEqual(["b"]);
    expect(pages[1]!.state.cursors).toEqual({ things: "c2" });
    expect(api.bodies[0]!.cursors).toBeUndefined();
    expect(api.bodies[0]!.includeTyping).toBe(false);
    expect(api.bodies[1]!.cursors).toEqual({ things: "c1" });
  });

  it("resumes from serialized state and refuses state of another request", async () => {
    const api = scripted([
      { items: { things: [] }, nextCursor: { things: "c9" } },
    ]);
    const saved = serializeSyncState({
      version: 1,
      fingerprint: syncFingerprint(request),
      cursors: { things: "c5" },
    });
    const pages = await collect(
      syncPages(api.poster, request, { state: parseSyncState(saved) }),
    );
    expect(api.bodies[0]!.cursors).toEqual({ things: "c5" });
    expect(pages[0]!.state.cursors).toEqual({ things: "c9" });
    const other: SyncRequest = {
      ...request,
      select: { things: { sources: [] } },
    };
    await expect(
      collect(syncPages(api.poster, other, { state: parseSyncState(saved) })),
    ).rejects.toThrow("belongs to a different sync request");
    expect(() => parseSyncState('{"cursors":{}}')).toThrow(
      "Not a saved sync state",
    );
    // An empty or cut-off file says what it is not, not only where JSON ended.
    expect(() => parseSyncState("")).toThrow(
      "Not a saved sync state: not JSON (Unexpected end of JSON input)",
    );
    expect(() => parseSyncState(saved.slice(0, 20))).toThrow(
      /^Not a saved sync state: not JSON \(/,
    );
  });

  it("sets mode and the expired-cursor flag", async () => {
    const api = scripted([
      { items: { things: [] }, nextCursor: { things: "x" } },
    ]);
    await collect(
      syncPages(api.poster, request, {
        mode: "noBackfill",
        allowExpiredCursorsAndAcceptMissedDeletes: true,
      }),
    );
    expect(api.bodies[0]!.with.things!.mode).toBe("noBackfill");
    expect(api.bodies[0]!.allowExpiredCursorsAndAcceptMissedDeletes).toBe(true);
  });

  it("in twoPhase waits for a second non-full page before calling it caught up", async () => {
    const api = scripted([
      { items: { things: [read("a")] }, nextCursor: { things: "c1" } },
      {
        items: { things: [read("b"), read("c")] },
        nextCursor: { things: "c2" },
      },
      { items: { things: [] }, nextCursor: { things: "c3" } },
      { items: { things: [] }, nextCursor: { things: "c4" } },
    ]);
    const pages = await collect(
      syncPages(api.poster, request, { mode: "twoPhase" }),
    );
    expect(pages.map((p) => p.caughtUp)).toEqual([false, false, false, true]);
  });

  it("follows with growing waits while idle, resetting when changes arrive", async () => {
    const empty = (c: string): SyncResponse => ({
      items: { things: [] },
      nextCursor: { things: c },
    });
    const api = scripted([
      empty("1"),
      empty("2"),
      empty("3"),
      { items: { things: [read("a")] }, nextCursor: { things: "4" } },
      empty("5"),
    ]);
    const clock = fakeClock();
    const controller = new AbortController();
    const pages: SyncPage[] = [];
    for await (const page of syncPages(api.poster, request, {
      follow: { pollIntervalMs: 100, maxPollIntervalMs: 300 },
      clock,
      signal: controller.signal,
    })) {
      pages.push(page);
      if (pages.length === 5) break;
    }
    expect(clock.sleeps).toEqual([100, 200, 300, 100]);
    expect(pages[3]!.upserts.things!.map((i) => i.externalId)).toEqual(["a"]);
  });
});

describe("syncPages asks for the next page ahead", () => {
  const full = (cursor: string): SyncResponse => ({
    items: { things: [read(`a${cursor}`), read(`b${cursor}`)] },
    nextCursor: { things: cursor },
  });

  /** A poster whose answers the test releases, recording each request's cursor and signal. */
  function gated() {
    const calls: {
      cursor: string | undefined;
      signal: AbortSignal | undefined;
      answer: (response: SyncResponse) => void;
      fail: (error: Error) => void;
    }[] = [];
    const poster: JsonPoster = {
      postJson: <T>(
        _path: string,
        body: unknown,
        options?: { signal?: AbortSignal },
      ) =>
        new Promise<T>((resolve, reject) => {
          calls.push({
            cursor: (body as SyncRequest).cursors?.things ?? undefined,
            signal: options?.signal,
            answer: (response) => resolve(response as T),
            fail: reject,
          });
        }),
    };
    return { poster, calls };
  }

  it("sends the request for page 2 when page 1 arrives full, before the caller asks for it", async () => {
    const api = gated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await Promise.resolve();
    api.calls[0]!.answer(full("c1"));
    await first;
    // The caller holds page 1; the request for page 2 is already out, with page 1's cursor.
    expect(api.calls.map((call) => call.cursor)).toEqual([undefined, "c1"]);
    api.calls[1]!.answer({
      items: { things: [] },
      nextCursor: { things: "c2" },
    });
    const second = await pages.next();
    expect(second.value).toMatchObject({
      caughtUp: true,
      state: { cursors: { things: "c2" } },
    });
    expect((await pages.next()).done).toBe(true);
    // A page that is not full asks for nothing more.
    expect(api.calls).toHaveLength(2);
  });

  it("aborts the request asked ahead when the caller stops, without an unhandled rejection", async () => {
    const api = gated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await Promise.resolve();
    api.calls[0]!.answer(full("c1"));
    await first;
    const ahead = api.calls[1]!;
    expect(ahead.signal?.aborted).toBe(false);
    await pages.return(undefined);
    expect(ahead.signal?.aborted).toBe(true);
    ahead.fail(new Error("aborted"));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });

  it("a failure of the request asked ahead surfaces when the caller asks for that page", async () => {
    const api = gated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await Promise.resolve();
    api.calls[0]!.answer(full("c1"));
    expect((await first).value).toMatchObject({ caughtUp: false });
    api.calls[1]!.fail(new Error("page 2 failed"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(pages.next()).rejects.toThrow("page 2 failed");
  });

  it("the caller's signal aborts the request in flight", async () => {
    const api = gated();
    const controller = new AbortController();
    const pages = syncPages(api.poster, request, { signal: controller.signal });
    const first = pages.next();
    await Promise.resolve();
    api.calls[0]!.answer(full("c1"));
    await first;
    controller.abort(new Error("stop"));
    expect(api.calls[1]!.signal?.aborted).toBe(true);
    expect(api.calls[1]!.signal?.reason).toEqual(new Error("stop"));
    await pages.return(undefined);
  });
});

describe("syncPages sends the next request before parsing a page", () => {
  /** A sync response's text, as the API writes it (`nextCursor` after the items). */
  const pageText = (ids: string[], cursor: string, pad = ""): string =>
    JSON.stringify({
      items: {
        things: ids.map((id) => ({
          ...read(id),
          ...(pad ? { properties: { s: { "v/1": { pad } } } } : {}),
        })),
      },
      nextCursor: { things: cursor },
    });

  /**
   * A poster that answers with texts the test releases, handing each text to `beforeParse`
   * before parsing it as `HttpClient` does, and logging when requests leave and pages are parsed.
   */
  function textGated() {
    const log: string[] = [];
    const calls: {
      cursor: string;
      signal: AbortSignal | undefined;
      answer: (text: string) => void;
      fail: (error: Error) => void;
    }[] = [];
    const poster: JsonPoster = {
      postJson: <T>(_path: string, body: unknown, options?: RequestOptions) =>
        new Promise<T>((resolve, reject) => {
          const cursor = (body as SyncRequest).cursors?.things ?? "-";
          log.push(`sent ${cursor}`);
          calls.push({
            cursor,
            signal: options?.signal,
            answer: (text) => {
              void (async () => {
                await options?.beforeParse?.(text);
                log.push(`parsed ${cursor}`);
                resolve(JSON.parse(text) as T);
              })();
            },
            fail: reject,
          });
        }),
    };
    return { poster, calls, log };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

  it("sends the request for page 2 before page 1 is parsed, and reads every item once", async () => {
    const api = textGated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await settle();
    api.calls[0]!.answer(pageText(["a", "b"], "c1"));
    const page1 = await first;
    expect(api.log).toEqual(["sent -", "sent c1", "parsed -"]);
    // The caller waits for page 2 when it arrives: page 3 is asked for before it is parsed.
    const second = pages.next();
    await settle();
    api.calls[1]!.answer(pageText(["c", "d"], "c2"));
    const page2 = await second;
    expect(api.log.slice(3)).toEqual(["sent c2", "parsed c1"]);
    // An answer that arrives before the caller asks for it starts nothing: one page ahead at most.
    api.calls[2]!.answer(pageText(["e", "f"], "c3"));
    await settle();
    expect(api.log.slice(5)).toEqual(["parsed c2"]);
    const page3 = await pages.next();
    expect(api.log.slice(6)).toEqual(["sent c3"]);
    const fourth = pages.next();
    await settle();
    api.calls[3]!.answer(pageText([], "c4"));
    const page4 = await fourth;
    expect((await pages.next()).done).toBe(true);
    // The last page is short: nothing was asked for after it.
    expect(api.calls.map((call) => call.cursor)).toEqual([
      "-",
      "c1",
      "c2",
      "c3",
    ]);
    expect(api.calls.every((call) => !call.signal?.aborted)).toBe(true);
    const ids = [page1, page2, page3, page4].flatMap((page) =>
      page.done ? [] : page.value.upserts.things!.map((i) => i.externalId),
    );
    expect(ids).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(page4.value).toMatchObject({
      caughtUp: true,
      state: { cursors: { things: "c4" } },
    });
  });

  it("a request sent with a cursor the parsed page does not have is aborted and sent again", async () => {
    const api = textGated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await settle();
    // The last "nextCursor" key of the text is inside a json property, not the page's own.
    const misleading = JSON.stringify({
      nextCursor: { things: "c1" },
      items: {
        things: [
          read("a"),
          {
            ...read("b"),
            properties: {
              s: { "v/1": { doc: { nextCursor: { things: "x" } } } },
            },
          },
        ],
      },
    });
    api.calls[0]!.answer(misleading);
    const page1 = await first;
    expect(api.calls.map((call) => call.cursor)).toEqual(["-", "x", "c1"]);
    expect(api.calls[1]!.signal?.aborted).toBe(true);
    expect(api.calls[2]!.signal?.aborted).toBe(false);
    api.calls[1]!.answer(pageText(["never"], "bad"));
    api.calls[2]!.answer(pageText(["c"], "c2"));
    const page2 = await pages.next();
    expect((await pages.next()).done).toBe(true);
    expect(page1.value!.upserts.things!.map((i) => i.externalId)).toEqual([
      "a",
      "b",
    ]);
    expect(page2.value!.upserts.things!.map((i) => i.externalId)).toEqual([
      "c",
    ]);
    expect(page2.value!.state.cursors).toEqual({ things: "c2" });
  });

  it("a request sent for a long page that turns out short is aborted and its outcome dropped", async () => {
    const api = textGated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await settle();
    // One item (the limit is 2), but a text as long as a full page.
    api.calls[0]!.answer(pageText(["a"], "c1", "x".repeat(400)));
    const page1 = await first;
    expect(api.log).toEqual(["sent -", "sent c1", "parsed -"]);
    expect(page1.value).toMatchObject({ caughtUp: true });
    expect(api.calls[1]!.signal?.aborted).toBe(true);
    api.calls[1]!.fail(new Error("aborted"));
    expect((await pages.next()).done).toBe(true);
    await settle();
    expect(api.calls).toHaveLength(2);
  });

  it("once a page showed how long its items are, a short last page of such items sends nothing ahead", async () => {
    const api = textGated();
    const pages = syncPages(api.poster, request);
    const first = pages.next();
    await settle();
    // A full page (the limit is 2) of large items: sent ahead, as before.
    api.calls[0]!.answer(pageText(["a", "b"], "c1", "x".repeat(400)));
    await first;
    expect(api.log).toEqual(["sent -", "sent c1", "parsed -"]);
    const second = pages.next();
    await settle();
    // One such item: longer than two of the shortest items, but half the length of a full page.
    api.calls[1]!.answer(pageText(["c"], "c2", "x".repeat(400)));
    const page2 = await second;
    expect(page2.value).toMatchObject({ caughtUp: true });
    expect(api.log.slice(3)).toEqual(["parsed c1"]);
    expect((await pages.next()).done).toBe(true);
    expect(api.calls.map((call) => call.cursor)).toEqual(["-", "c1"]);
    expect(api.calls.every((call) => !call.signal?.aborted)).toBe(true);
  });

  it("a short text sends nothing before the parse; the next request leaves once the page is full", async () => {
    const api = textGated();
    const pages = syncPages(api.poster, {
      ...request,
      with: { things: { nodes: {}, limit: 50 } },
    });
    const first = pages.next();
    await settle();
    api.calls[0]!.answer(pageText(["a"], "c1"));
    await first;
    expect(api.log).toEqual(["sent -", "parsed -"]);
    await pages.return(undefined);
  });

  it("stopping or aborting leaves no request running", async () => {
    const stopped = textGated();
    const pages = syncPages(stopped.poster, request);
    const first = pages.next();
    await settle();
    stopped.calls[0]!.answer(pageText(["a", "b"], "c1"));
    await first;
    expect(stopped.calls[1]!.signal?.aborted).toBe(false);
    await pages.return(undefined);
    expect(stopped.calls.map((call) => call.signal?.aborted)).toEqual([
      false,
      true,
    ]);
    stopped.calls[1]!.fail(new Error("aborted"));

    const aborted = textGated();
    const controller = new AbortController();
    const more = syncPages(aborted.poster, request, {
      signal: controller.signal,
    });
    const next = more.next();
    await settle();
    aborted.calls[0]!.answer(pageText(["a", "b"], "c1"));
    await next;
    controller.abort(new Error("stop"));
    expect(aborted.calls[1]!.signal?.reason).toEqual(new Error("stop"));
    await more.return(undefined);
    await settle();
    expect(aborted.calls).toHaveLength(2);
  });
});

describe("syncPages through HttpClient against a server", () => {
  const LIMIT = 3;
  const PAGES = 6;
  /** Page `p` (0-based): full pages, the last one short; ids tell page and position. */
  const items = (p: number) =>
    Array.from({ length: p === PAGES - 1 ? 1 : LIMIT }, (_, i) => ({
      ...read(`p${p}-${i}`),
      properties: { s: { "v/1": { name: `item ${p}-${i}` } } },
    }));

  /** `answered(page)` resolves when the server may answer the request for that page. */
  async function setUp(answered: (page: number) => Promise<void>) {
    const server = await startFaultServer({
      handler: async (recorded) => {
        const body = recorded.json as SyncRequest;
        const page = Number(body.cursors?.things ?? "0");
        await answered(page);
        return {
          body: {
            items: { things: items(page) },
            nextCursor: { things: String(page + 1) },
          },
        };
      },
    });
    // Longer than any test may run: a request left waiting is never ended by its timeout.
    const transport = createUndiciTransport({ timeoutMs: 600_000 });
    // When a request reaches the transport and when a response is parsed, by cursor.
    const log: string[] = [];
    const arrivedBeforeParse: number[] = [];
    const http = new HttpClient({
      baseUrl: server.url,
      project: "p",
      transport: {
        request: (request) => {
          const body = JSON.parse(request.body as string) as SyncRequest;
          log.push(`send ${body.cursors?.things ?? "0"}`);
          return transport.request(request);
        },
        close: () => transport.close(),
      },
      tokenSource: createTokenSource(
        { token: "t" },
        { transport, clock: systemClock },
      ),
      parseJson: (text) => {
        const parsed = JSON.parse(text) as SyncResponse;
        const page = Number(parsed.nextCursor.things) - 1;
        log.push(`parse ${page}`);
        // What the server has received by now, the next page's request included when it left.
        arrivedBeforeParse.push(server.requests.length);
        return parsed;
      },
    });
    return { server, transport, http, log, arrivedBeforeParse };
  }
  const threeItems: SyncRequest = {
    with: { things: { nodes: {}, limit: LIMIT } },
    select: { things: {} },
  };

  it("reads every item exactly once, one request per page, each sent before the page before it is parsed", async () => {
    const { server, transport, http, log, arrivedBeforeParse } = await setUp(
      () => Promise.resolve(),
    );
    try {
      const ids: string[] = [];
      for await (const page of syncPages(http, threeItems))
        ids.push(...page.upserts.things!.map((item) => item.externalId));
      const expected = Array.from({ length: PAGES }, (_, p) =>
        items(p).map((item) => item.externalId),
      ).flat();
      expect(ids).toEqual(expected);
      expect(
        server.requests.map((r) => (r.json as SyncRequest).cursors?.things),
      ).toEqual([undefined, "1", "2", "3", "4", "5"]);
      // The last page is short: its text starts nothing.
      expect(log).toEqual([
        "send 0",
        ...[1, 2, 3, 4, 5].flatMap((p) => [`send ${p}`, `parse ${p - 1}`]),
        "parse 5",
      ]);
      // The request for page p + 1 reached the server before page p was parsed (after the first
      // page: that request opens a second connection, the first one is not free yet).
      expect(arrivedBeforeParse.slice(1)).toEqual([3, 4, 5, 6, 6]);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it("a caller that stops leaves no request running", async () => {
    // The request for page 3 (asked for before page 2 is parsed) is answered only after the
    // transport has closed: if close() waited for it, the test would never finish.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { server, transport, http } = await setUp((page) =>
      page === 2 ? held : Promise.resolve(),
    );
    try {
      let seen = 0;
      for await (const page of syncPages(http, threeItems)) {
        seen += page.upserts.things!.length;
        if (seen < 2 * LIMIT) continue;
        // Stop once the request for page 3 is at the server.
        while (server.requests.length < 3)
          await new Promise((resolve) => setTimeout(resolve, 5));
        break;
      }
      // The dispatcher waits for requests still running before it closes: the one for page 3 was
      // aborted when the caller stopped, so nothing is left to wait for.
      await transport.close();
      expect(server.requests).toHaveLength(3);
    } finally {
      release();
      await server.close();
    }
  });
});

describe("peekNextCursors and mayBeFullPage", () => {
  it.each([
    ['{"items":{},"nextCursor":{"a":"x","b":"y"}}', { a: "x", b: "y" }],
    ['{"items":{},"nextCursor" : { "a" : "x\\"}" } }', { a: 'x"}' }],
    ['{"items":{},"nextCursor":{"a":"x"},"typing":{}}', { a: "x" }],
    ['{"items":{},"nextCursor":{"a":null}}', {}],
    ['{"items":{"s":[{"t":"\\"nextCursor\\":{}"}]}}', undefined],
    ['{"items":{},"nextCursor":{"a":{"b":"c"}}}', undefined],
    ['{"items":{},"nextCursor":"x"}', undefined],
    ['{"items":{},"nextCursor":{"a":"x"', undefined],
  ])("%s → %j", (text, expected) => {
    expect(peekNextCursors(text)).toEqual(expected);
  });

  it("a text shorter than the shortest full page is not full", () => {
    const item = JSON.stringify({
      instanceType: "node",
      version: 1,
      space: "s",
      externalId: "x",
      createdTime: 0,
      lastUpdatedTime: 0,
    });
    const items = (n: number) => Array(n).fill(item).join(",");
    expect(mayBeFullPage(`{"items":{"a":[${items(3)}]}}`, 3)).toBe(true);
    expect(mayBeFullPage(`{"items":{"a":[${items(2)}]}}`, 3)).toBe(false);
  });

  it.each([
    // [text length, page size, chars per item learned, may be full]
    [10_000, 100, 100, true],
    [9_999, 100, 100, false],
    [45_000, 100, 500, true], // a tenth off what was learned
    [44_999, 100, 500, false],
    [10_000, 100, 80, true], // never below the shortest item
    [9_999, 100, 80, false],
  ])(
    "a text of %i characters, pages of %i, items of %i characters: %s",
    (length, pageSize, perItem, want) => {
      expect(mayBeFullPage("x".repeat(length), pageSize, perItem)).toBe(want);
    },
  );
});

describe("helpers", () => {
  it("a page is caught up when every set got fewer than its limit (default 100)", async () => {
    const two: SyncRequest = {
      with: { a: { nodes: {}, limit: 1 }, b: { nodes: {} } },
      select: {},
    };
    const hundred = Array.from({ length: 100 }, (_, i) => read(`n${i}`));
    const api = scripted([
      { items: { a: [], b: hundred }, nextCursor: { a: "a1", b: "b1" } },
      { items: { a: [read("x")], b: [] }, nextCursor: { a: "a2", b: "b1" } },
      {
        items: { a: [], b: hundred.slice(1) },
        nextCursor: { a: "a2", b: "b2" },
      },
    ]);
    const pages = await collect(syncPages(api.poster, two));
    expect(pages.map((p) => p.caughtUp)).toEqual([false, false, true]);
  });
  it("stableStringify ignores key order", () => {
    expect(stableStringify({ b: 1, a: [{ d: 1, c: 2 }] })).toBe(
      stableStringify({ a: [{ c: 2, d: 1 }], b: 1 }),
    );
  });
});

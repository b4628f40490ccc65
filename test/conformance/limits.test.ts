// The contract's request limits, as the emulator enforces them and CDF answers them: the largest
// request passes, one more is 400 in the API's error format. And bodies that are not JSON.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSuite, type Suite } from "./suite.js";

let suite: Suite;
beforeAll(async () => {
  suite = await openSuite();
});
afterAll(async () => {
  await suite?.close();
});

const beyond = { skipRequestValidation: true };

function expect400(result: { status: number; body: any }) {
  expect(result.status).toBe(400);
  expect(result.body.error.code).toBe(400);
}

describe("conformance: request limits", () => {
  it("apply and byids take at most 1000 items", async () => {
    const { api, space } = suite;
    const nodes = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        instanceType: "node",
        space,
        externalId: `limit-${i}`,
      }));
    expect400(
      await api.post("/models/instances", { items: nodes(1001) }, beyond),
    );
    const applied = await api.ok("/models/instances", { items: nodes(1000) });
    expect(applied.items).toHaveLength(1000);
    const ids = (n: number) =>
      nodes(n).map(({ instanceType, externalId }) => ({
        instanceType,
        space,
        externalId,
      }));
    expect(
      (await api.ok("/models/instances/byids", { items: ids(1000) })).items,
    ).toHaveLength(1000);
    expect400(
      await api.post("/models/instances/byids", { items: ids(1001) }, beyond),
    );
  });

  it("list pages hold at most 1000 instances", async () => {
    const { api } = suite;
    expect(
      (await api.post("/models/instances/list", { limit: 1000 })).status,
    ).toBe(200);
    expect400(
      await api.post("/models/instances/list", { limit: 1001 }, beyond),
    );
  });

  it("a query result set takes a limit up to 10000, a sync result set up to 2000", async () => {
    const { api, space } = suite;
    const request = (limit: number) => ({
      with: {
        inSpace: {
          nodes: {
            filter: { equals: { property: ["node", "space"], value: space } },
          },
          limit,
        },
      },
      select: { inSpace: {} },
    });
    expect(
      (await api.post("/models/instances/query", request(10_000))).status,
    ).toBe(200);
    expect400(
      await api.post("/models/instances/query", request(10_001), beyond),
    );
    expect(
      (await api.post("/models/instances/sync", request(2000))).status,
    ).toBe(200);
    expect400(await api.post("/models/instances/sync", request(2001), beyond));
  });

  it("a JSON body sent as text/plain is 415 in the error format", async () => {
    const result = await suite.api.post("/models/instances/list", undefined, {
      rawBody: '{"limit": 1}',
      contentType: "text/plain",
    });
    expect(result.status).toBe(415);
    expect(result.body.error.code).toBe(415);
  });

  it("a body that is not JSON is 400 in the error format", async () => {
    expect400(
      await suite.api.post("/models/instances/list", undefined, {
        rawBody: '{"limit": 1,',
      }),
    );
  });
});

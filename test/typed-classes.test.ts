// The generated classes at work (showcase model): serialization, value checks before sending,
// nested writes, edges with properties, reads, and hostile input.
import { describe, expect, it } from "vitest";
import {
  AssetApply,
  DocumentView,
  DocumentViewApply,
  ObjectViewApply,
  PropertyValueError,
  PumpApply,
  Reading,
  ReadingApply,
  TechnicianApply,
  WorkOrder,
  WorkOrderApply,
  collectWrites,
  type NodeRead,
} from "../generated-examples/showcase/index.js";
import { assertValid, validateRequest } from "./support/openapi.js";

const view = (externalId: string, version = "v1") => ({
  type: "view",
  space: "showcase",
  externalId,
  version,
});

describe("apply classes", () => {
  it("serializes every DMS type with API identifiers; timestamps as ms ISO strings", () => {
    const doc = new DocumentViewApply("docs", "d1", {
      title: "Manual",
      isPublished: true,
      pageCount: 12,
      sizeBytes: 123456789012,
      rating: 4.5,
      score: 0.25,
      publishedAt: new Date(Date.UTC(2020, 2, 14, 15, 9, 26, 535)),
      issueDate: "2020-03-14",
      metadata: { tags: ["a"], nested: { ok: true } },
      downloads: "ts-1",
      content: "file-1",
      revisions: "seq-1",
    });
    const write = doc.toInstanceWrite();
    expect(write.sources?.[0]?.properties).toEqual({
      title: "Manual",
      isPublished: true,
      pageCount: 12,
      sizeBytes: 123456789012,
      rating: 4.5,
      score: 0.25,
      publishedAt: "2020-03-14T15:09:26.535Z",
      issueDate: "2020-03-14",
      metadata: { tags: ["a"], nested: { ok: true } },
      downloads: "ts-1",
      content: "file-1",
      revisions: "seq-1",
    });
    assertValid(
      "apply",
      validateRequest("/models/instances", "post", { items: [write] }),
    );
  });

  it("sets the node type a view's filter requires, unless told otherwise", () => {
    const pump = new PumpApply("plant", "p1", { serialNumber: "SN-1" });
    expect(pump.toInstanceWrite().type).toEqual({
      space: "showcase",
      externalId: "Pump",
    });
    const untyped = new PumpApply(
      "plant",
      "p2",
      { serialNumber: "SN-2" },
      { type: null },
    );
    expect(untyped.toInstanceWrite().type).toBeUndefined();
    const versioned = new PumpApply(
      "plant",
      "p3",
      { serialNumber: "SN-3" },
      { existingVersion: 0 },
    );
    expect(versioned.toInstanceWrite().existingVersion).toBe(0);
  });

  it("sends null to clear a property and leaves out what is not set", () => {
    const write = new ReadingApply("r", "r1", {
      labels: null,
      counts: [1, 2],
    }).toInstanceWrite();
    expect(write.sources?.[0]?.properties).toEqual({
      labels: null,
      counts: [1, 2],
    });
  });

  it("checks values before anything is sent, naming view, instance and property", () => {
    const cases: [() => unknown, string][] = [
      [
        () => new DocumentViewApply("s", "d", { pageCount: 2 ** 31 }),
        "pageCount must be an integer within -2147483648..2147483647, got 2147483648",
      ],
      [
        () => new DocumentViewApply("s", "d", { pageCount: 1.5 }),
        "pageCount must be an integer within -2147483648..2147483647, got 1.5",
      ],
      [
        () => new DocumentViewApply("s", "d", { score: Number.NaN }),
        "score must be a finite number, got NaN",
      ],
      [
        () => new DocumentViewApply("s", "d", { rating: Infinity }),
        "rating must be a finite number within ±3.4028234663852886e+38, got Infinity",
      ],
      [
        () => new DocumentViewApply("s", "d", { publishedAt: "yesterday" }),
        'publishedAt must be a Date or an ISO 8601 timestamp like 2024-05-01T12:00:00.000Z within years 0001..9999, got "yesterday"',
      ],
      [
        () => new DocumentViewApply("s", "d", { issueDate: "2020-02-30" }),
        'issueDate must be a date like 2024-04-30, got "2020-02-30"',
      ],
      [
        () => new DocumentViewApply("s", "d", { issueDate: "2024-13-45" }),
        'issueDate must be a date like 2024-04-30, got "2024-13-45"',
      ],
      [
        () => new DocumentViewApply("s", "d", { issueDate: "0000-01-01" }),
        'issueDate must be a date like 2024-04-30, got "0000-01-01"',
      ],
      [
        () => new DocumentViewApply("s", "d", { metadata: { x: Number.NaN } }),
        "metadata.x must be JSON of at most 10240 bytes (finite numbers, no cycles), got NaN",
      ],
      [
        () =>
          new ReadingApply("s", "r", {
            labels: Array.from({ length: 51 }, () => "x"),
          }),
        "labels must be a list of at most 50 items, got a list of 51",
      ],
      [
        () => new ReadingApply("s", "r", { labels: ["x".repeat(65)] }),
        'labels[0] must be a string of at most 64 bytes of UTF-8, no NUL, got "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."',
      ],
      [
        () =>
          new WorkOrderApply("s", "w", {
            title: "t",
            priority: "urgent" as "low",
          }),
        'priority must be one of low, medium, high, got "urgent"',
      ],
      [
        () =>
          new WorkOrderApply("s", "w", { title: null as unknown as string }),
        "title must be set (not nullable), got null",
      ],
    ];
    for (const [make, message] of cases) {
      const apply = make() as {
        toInstanceWrite(): unknown;
        externalId: string;
      };
      let caught: unknown;
      try {
        apply.toInstanceWrite();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PropertyValueError);
      expect((caught as Error).message).toMatch(
        new RegExp(`^\\w+ s:${apply.externalId}: `),
      );
      expect((caught as Error).message.endsWith(message)).toBe(true);
    }
  });

  it("writes nested nodes and edges with properties; nodes before edges, each instance once", () => {
    const pump = new PumpApply("plant", "pump-1", { serialNumber: "SN-1" });
    const alice = new TechnicianApply("people", "alice", { fullName: "Alice" });
    const order = new WorkOrderApply("work", "wo-1", {
      title: "Fix pump",
      assets: [pump, { space: "plant", externalId: "valve-7" }],
      assignees: [
        {
          target: alice,
          properties: {
            role: "lead",
            since: new Date(Date.UTC(2024, 0, 1)),
            share: 0.5,
          },
        },
        { space: "people", externalId: "bob" },
      ],
      lead: { target: alice, externalId: "lead-edge", space: "edges" },
    });
    const writes = collectWrites([order, pump]);
    expect(
      writes.map((w) => `${w.instanceType} ${w.space}:${w.externalId}`),
    ).toEqual([
      "node plant:pump-1",
      "node work:wo-1",
      "node people:alice",
      "edge work:showcase:WorkOrder.assignees:work:wo-1:people:alice",
      "edge work:showcase:WorkOrder.assignees:work:wo-1:people:bob",
      "edge edges:lead-edge",
    ]);
    expect(writes[1]?.sources?.[0]?.properties?.assets).toEqual([
      { space: "plant", externalId: "pump-1" },
      { space: "plant", externalId: "valve-7" },
    ]);
    const edge = writes[3]!;
    expect(edge).toMatchObject({
      startNode: { space: "work", externalId: "wo-1" },
      endNode: { space: "people", externalId: "alice" },
      sources: [
        {
          source: view("Assignment"),
          properties: {
            role: "lead",
            since: "2024-01-01T00:00:00.000Z",
            share: 0.5,
          },
        },
      ],
    });
    assertValid(
      "apply",
      validateRequest("/models/instances", "post", { items: writes }),
    );
  });

  it("checks edge properties too, naming the edge, and sends only the edge view's properties", () => {
    const order = new WorkOrderApply("work", "wo-2", {
      title: "t",
      lead: {
        target: { space: "people", externalId: "bob" },
        properties: { role: "lead", share: Number.NaN },
      },
    });
    expect(() => order.toInstanceWrites()).toThrow(
      "edge work:showcase:WorkOrder.lead:work:wo-2:people:bob: share must be a finite number within ±3.4028234663852886e+38, got NaN",
    );
    const stray = JSON.parse(
      '{"role": "x", "__proto__": {"p": 1}, "unknown": 2}',
    ) as { role: string };
    const edge = new WorkOrderApply("work", "wo-3", {
      title: "t",
      lead: {
        target: { space: "people", externalId: "bob" },
        properties: stray,
      },
    })
      .toInstanceWrites()
      .find((w) => w.instanceType === "edge");
    expect(edge?.sources?.[0]?.properties).toEqual({ role: "x" });
  });

  it("copies only known properties: __proto__ and strangers never reach the object", () => {
    const hostile = JSON.parse(
      '{"name": "x", "__proto__": {"polluted": true}, "stranger": 1}',
    ) as { name: string };
    const apply = new ObjectViewApply("s", "o", hostile);
    expect(Object.getPrototypeOf(apply)).toBe(ObjectViewApply.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(apply.toInstanceWrite().sources?.[0]?.properties).toEqual({
      name: "x",
    });
    const renamed = new ObjectViewApply("s", "o", {
      name: "n",
      typeProperty: "t",
      constructorProperty: { a: 1 },
    });
    expect(renamed.toInstanceWrite().sources?.[0]?.properties).toEqual({
      name: "n",
      type: "t",
      constructor: { a: 1 },
    });
    expect(renamed.constructor).toBe(ObjectViewApply);
  });

  it("keeps apply classes in the implements chain", () => {
    const pump = new PumpApply("plant", "p", { serialNumber: "1" });
    expect(pump).toBeInstanceOf(AssetApply);
  });
});

describe("read classes", () => {
  const node: NodeRead = {
    instanceType: "node",
    space: "docs",
    externalId: "d1",
    version: 3,
    createdTime: 1,
    lastUpdatedTime: 2,
    properties: {
      showcase: {
        "Document/v1": {
          title: "Manual",
          publishedAt: "2024-09-03T09:36:01.17+00:00",
          pageCount: 12,
        },
      },
    },
  };

  it("maps API identifiers back to TypeScript names and parses timestamps", () => {
    const doc = new DocumentView(node);
    expect(doc.title).toBe("Manual");
    expect(doc.publishedAt).toEqual(new Date("2024-09-03T09:36:01.170Z"));
    expect(doc.pageCount).toBe(12);
    expect(doc.score).toBeNull();
    expect(doc.version).toBe(3);
    expect(doc.id).toEqual({ space: "docs", externalId: "d1" });
  });

  it("reads lists and direct relations", () => {
    const reading = new Reading({
      ...node,
      properties: {
        showcase: {
          "Reading/v1": {
            timestamps: ["2020-01-01T00:00:00Z"],
            sensor: { space: "s", externalId: "sensor-1" },
          },
        },
      },
    });
    expect(reading.timestamps).toEqual([new Date("2020-01-01T00:00:00Z")]);
    expect(reading.sensor).toEqual({ space: "s", externalId: "sensor-1" });
  });

  it("reads inherited properties through the child's view", () => {
    const order = new WorkOrder({
      ...node,
      properties: {
        showcase: {
          "WorkOrder/v1": { name: "inherited", title: "own", priority: "low" },
        },
      },
    });
    expect(order.name).toBe("inherited");
    expect(order.title).toBe("own");
    expect(order.priority).toBe("low");
  });
});

// Typed reads of the generated showcase client against the emulator: every operator of every
// property type, each result compared with the set computed here from the data, and the same
// filter written by hand as a raw DMS filter (`$raw`) giving the same set. Plus sort, select,
// limit, paging and a 10,000-value `in`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import {
  AssetApply,
  AssignmentApply,
  DocumentView,
  DocumentViewApply,
  ReadingApply,
  createClient,
  type Client,
} from "../generated-examples/showcase/index.js";
import type { Filter } from "../generated-examples/showcase/runtime/core/wire.js";
import type { DocumentViewWhere } from "../generated-examples/showcase/views/DocumentView.js";
import type { ReadingWhere } from "../generated-examples/showcase/views/Reading.js";
import type { AssetWhere } from "../generated-examples/showcase/views/Asset.js";
import { EXAMPLES_DIR } from "./support/generated.js";

let emulator: RunningEmulator;
let client: Client;

// ---- the data, as plain rows the expected sets are computed from

interface DocRow {
  id: string;
  title?: string;
  isPublished?: boolean;
  pageCount?: number;
  sizeBytes?: number;
  rating?: number;
  score?: number;
  publishedAt?: string;
  issueDate?: string;
  metadata?: Record<string, number>;
  downloads?: string;
  content?: string;
  revisions?: string;
}

const DOCS: DocRow[] = [
  {
    id: "d1",
    title: "Alpha report",
    isPublished: true,
    pageCount: 10,
    sizeBytes: 1000,
    rating: 4.5,
    score: 0.25,
    publishedAt: "2024-01-01T00:00:00.000Z",
    issueDate: "2024-01-01",
    metadata: { a: 1 },
    downloads: "ts-alpha",
    content: "file-1",
    revisions: "seq-1",
  },
  {
    id: "d2",
    title: "Alpha memo",
    isPublished: false,
    pageCount: 20,
    sizeBytes: 2000,
    rating: 3.5,
    score: 0.5,
    publishedAt: "2024-06-01T12:30:00.500Z",
    issueDate: "2024-06-01",
    downloads: "ts-beta",
    content: "file-2",
  },
  {
    id: "d3",
    title: "Beta report",
    isPublished: true,
    pageCount: 30,
    sizeBytes: 3000,
    rating: 2.5,
    score: 0.75,
    publishedAt: "2025-01-01T00:00:00.000Z",
    issueDate: "2025-01-01",
    metadata: { b: 2 },
    revisions: "seq-3",
  },
  { id: "d4", title: "Gamma" },
  {
    id: "d5",
    title: "beta lower",
    isPublished: false,
    pageCount: 5,
    sizeBytes: 500,
    rating: 1.5,
    score: 1,
    publishedAt: "2023-03-03T12:00:00.123Z",
    issueDate: "2023-03-03",
    downloads: "ts-alpha-2",
  },
  { id: "d6", pageCount: 40, sizeBytes: 9_000_000_000, score: -2 },
];

interface ReadingRow {
  id: string;
  labels?: string[];
  flags?: boolean[];
  counts?: number[];
  temperatures?: number[];
  timestamps?: string[];
  dates?: string[];
  series?: string[];
}

const READINGS: ReadingRow[] = [
  {
    id: "r1",
    labels: ["hot", "dry"],
    flags: [true],
    counts: [1, 2, 3],
    temperatures: [20.5, 21],
    timestamps: ["2024-01-01T00:00:00.000Z"],
    dates: ["2024-01-01", "2024-01-02"],
    series: ["ts-1"],
  },
  {
    id: "r2",
    labels: ["cold"],
    flags: [false, true],
    counts: [3, 4],
    temperatures: [-5],
    timestamps: ["2024-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"],
    dates: ["2024-01-02"],
  },
  { id: "r3", labels: ["hot", "wet"], counts: [4] },
  { id: "r4" },
];

interface AssetRow {
  id: string;
  status?: "active" | "maintenance" | "retired" | "unknown";
  parent?: string;
  tags?: string[];
  name?: string;
}

const ASSETS: AssetRow[] = [
  { id: "root", status: "active", name: "Root", tags: ["site"] },
  { id: "a1", status: "active", parent: "root", name: "Pump 1", tags: ["x"] },
  { id: "a2", status: "retired", parent: "root", name: "Pump 2" },
  { id: "a3", status: "maintenance", parent: "a1", name: "Seal" },
  // No status written: the container's default, "active", applies.
  { id: "a4", status: "active", name: "Loose", tags: ["x", "y"] },
];

const DOC_SPACE = "docs";

function ref(externalId: string): { space: string; externalId: string } {
  return { space: DOC_SPACE, externalId };
}

function omitId<T extends { id: string }>(row: T): Omit<T, "id"> {
  const { id: _id, ...rest } = row;
  return rest;
}

function omitStatus<T extends { status?: unknown }>(row: T): Omit<T, "status"> {
  const { status: _status, ...rest } = row;
  return rest;
}

beforeAll(async () => {
  const input = await loadInputs([
    join(EXAMPLES_DIR, "showcase", "views.json"),
  ]);
  emulator = await startEmulator({
    views: input.views,
    project: "showcase",
    spaces: [DOC_SPACE],
  });
  client = createClient({
    baseUrl: emulator.url,
    project: "showcase",
    credentials: { token: "any" },
  });
  await client.documentView.apply(
    DOCS.map((row) => new DocumentViewApply(DOC_SPACE, row.id, omitId(row))),
  );
  await client.reading.apply(
    READINGS.map((row) => new ReadingApply(DOC_SPACE, row.id, omitId(row))),
  );
  await client.asset.apply(
    ASSETS.map(
      ({ id, parent, ...rest }) =>
        new AssetApply(DOC_SPACE, id, {
          serialNumber: `sn-${id}`,
          ...(id === "a4" ? omitStatus(rest) : rest),
          ...(parent ? { parent: ref(parent) } : {}),
        }),
    ),
  );
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

/** `[space, "externalId/version", identifier]` of a view, written by hand for the raw filters. */
function pathOf(view: {
  space: string;
  externalId: string;
  version: string;
}): (identifier: string) => string[] {
  return (identifier) => [
    view.space,
    `${view.externalId}/${view.version}`,
    identifier,
  ];
}

const doc = pathOf({
  space: "showcase",
  externalId: "Document",
  version: "v1",
});
const reading = pathOf({
  space: "showcase",
  externalId: "Reading",
  version: "v1",
});
const asset = pathOf({ space: "showcase", externalId: "Asset", version: "v1" });

interface Case<TWhere, TRow> {
  readonly name: string;
  readonly where: TWhere;
  readonly raw: Filter;
  readonly expect: (row: TRow) => boolean;
}

const set = (row: object, key: string): boolean =>
  (row as Record<string, unknown>)[key] !== undefined &&
  (row as Record<string, unknown>)[key] !== null;
const time = (iso: string | undefined): number =>
  iso === undefined ? NaN : Date.parse(iso);

const DOC_CASES: Case<DocumentViewWhere, DocRow>[] = [
  // text
  {
    name: "text bare value",
    where: { title: "Gamma" },
    raw: { equals: { property: doc("title"), value: "Gamma" } },
    expect: (r) => r.title === "Gamma",
  },
  {
    name: "text eq",
    where: { title: { eq: "Alpha memo" } },
    raw: { equals: { property: doc("title"), value: "Alpha memo" } },
    expect: (r) => r.title === "Alpha memo",
  },
  {
    name: "text in",
    where: { title: { in: ["Gamma", "Beta report", "nothing"] } },
    raw: {
      in: {
        property: doc("title"),
        values: ["Gamma", "Beta report", "nothing"],
      },
    },
    expect: (r) => r.title === "Gamma" || r.title === "Beta report",
  },
  {
    name: "text prefix (case-sensitive)",
    where: { title: { prefix: "Alpha" } },
    raw: { prefix: { property: doc("title"), value: "Alpha" } },
    expect: (r) => r.title?.startsWith("Alpha") === true,
  },
  {
    name: "text gt / lte",
    where: { title: { gt: "Alpha report", lte: "Gamma" } },
    raw: {
      range: { property: doc("title"), gt: "Alpha report", lte: "Gamma" },
    },
    expect: (r) =>
      r.title !== undefined && r.title > "Alpha report" && r.title <= "Gamma",
  },
  {
    name: "text gte / lt",
    where: { title: { gte: "Alpha memo", lt: "Beta report" } },
    raw: {
      range: { property: doc("title"), gte: "Alpha memo", lt: "Beta report" },
    },
    expect: (r) =>
      r.title !== undefined &&
      r.title >= "Alpha memo" &&
      r.title < "Beta report",
  },
  {
    name: "text exists",
    where: { title: { exists: true } },
    raw: { exists: { property: doc("title") } },
    expect: (r) => set(r, "title"),
  },
  {
    name: "text not exists",
    where: { title: { exists: false } },
    raw: { not: { exists: { property: doc("title") } } },
    expect: (r) => !set(r, "title"),
  },
  // numbers
  {
    name: "int32 bare value",
    where: { pageCount: 20 },
    raw: { equals: { property: doc("pageCount"), value: 20 } },
    expect: (r) => r.pageCount === 20,
  },
  {
    name: "int32 in",
    where: { pageCount: { in: [5, 30, 99] } },
    raw: { in: { property: doc("pageCount"), values: [5, 30, 99] } },
    expect: (r) => [5, 30, 99].includes(r.pageCount ?? -1),
  },
  {
    name: "int32 gte / lt",
    where: { pageCount: { gte: 10, lt: 30 } },
    raw: { range: { property: doc("pageCount"), gte: 10, lt: 30 } },
    expect: (r) =>
      r.pageCount !== undefined && r.pageCount >= 10 && r.pageCount < 30,
  },
  {
    name: "int32 gt / lte",
    where: { pageCount: { gt: 10, lte: 40 } },
    raw: { range: { property: doc("pageCount"), gt: 10, lte: 40 } },
    expect: (r) =>
      r.pageCount !== undefined && r.pageCount > 10 && r.pageCount <= 40,
  },
  {
    name: "int32 exists",
    where: { pageCount: { exists: true } },
    raw: { exists: { property: doc("pageCount") } },
    expect: (r) => set(r, "pageCount"),
  },
  {
    name: "int64 eq beyond int32",
    where: { sizeBytes: { eq: 9_000_000_000 } },
    raw: { equals: { property: doc("sizeBytes"), value: 9_000_000_000 } },
    expect: (r) => r.sizeBytes === 9_000_000_000,
  },
  {
    name: "int64 range",
    where: { sizeBytes: { gt: 1000, lte: 3000 } },
    raw: { range: { property: doc("sizeBytes"), gt: 1000, lte: 3000 } },
    expect: (r) =>
      r.sizeBytes !== undefined && r.sizeBytes > 1000 && r.sizeBytes <= 3000,
  },
  {
    name: "int64 in",
    where: { sizeBytes: { in: [500, 3000] } },
    raw: { in: { property: doc("sizeBytes"), values: [500, 3000] } },
    expect: (r) => r.sizeBytes === 500 || r.sizeBytes === 3000,
  },
  {
    name: "float32 range",
    where: { rating: { gte: 2.5, lt: 4.5 } },
    raw: { range: { property: doc("rating"), gte: 2.5, lt: 4.5 } },
    expect: (r) => r.rating !== undefined && r.rating >= 2.5 && r.rating < 4.5,
  },
  {
    name: "float32 eq",
    where: { rating: 1.5 },
    raw: { equals: { property: doc("rating"), value: 1.5 } },
    expect: (r) => r.rating === 1.5,
  },
  {
    name: "float64 negative bound",
    where: { score: { lt: 0.5 } },
    raw: { range: { property: doc("score"), lt: 0.5 } },
    expect: (r) => r.score !== undefined && r.score < 0.5,
  },
  {
    name: "float64 in / not exists",
    where: {
      $or: [{ score: { in: [1, 0.75] } }, { score: { exists: false } }],
    },
    raw: {
      or: [
        { in: { property: doc("score"), values: [1, 0.75] } },
        { not: { exists: { property: doc("score") } } },
      ],
    },
    expect: (r) => r.score === 1 || r.score === 0.75 || r.score === undefined,
  },
  // timestamps: Date or ISO strings
  {
    name: "timestamp eq with a Date",
    where: { publishedAt: new Date("2024-06-01T12:30:00.500Z") },
    raw: {
      equals: {
        property: doc("publishedAt"),
        value: "2024-06-01T12:30:00.500Z",
      },
    },
    expect: (r) => r.publishedAt === "2024-06-01T12:30:00.500Z",
  },
  {
    name: "timestamp range, Date and ISO string",
    where: {
      publishedAt: {
        gte: new Date("2024-01-01T00:00:00Z"),
        lt: "2025-01-01T00:00:00Z",
      },
    },
    raw: {
      range: {
        property: doc("publishedAt"),
        gte: "2024-01-01T00:00:00.000Z",
        lt: "2025-01-01T00:00:00Z",
      },
    },
    expect: (r) =>
      time(r.publishedAt) >= time("2024-01-01T00:00:00Z") &&
      time(r.publishedAt) < time("2025-01-01T00:00:00Z"),
  },
  {
    name: "timestamp in",
    where: {
      publishedAt: {
        in: [new Date("2023-03-03T12:00:00.123Z"), "2025-01-01T00:00:00.000Z"],
      },
    },
    raw: {
      in: {
        property: doc("publishedAt"),
        values: ["2023-03-03T12:00:00.123Z", "2025-01-01T00:00:00.000Z"],
      },
    },
    expect: (r) =>
      r.publishedAt === "2023-03-03T12:00:00.123Z" ||
      r.publishedAt === "2025-01-01T00:00:00.000Z",
  },
  {
    name: "timestamp gt / exists",
    where: { publishedAt: { gt: "2024-01-01T00:00:00.000Z", exists: true } },
    raw: {
      and: [
        { exists: { property: doc("publishedAt") } },
        {
          range: {
            property: doc("publishedAt"),
            gt: "2024-01-01T00:00:00.000Z",
          },
        },
      ],
    },
    expect: (r) => time(r.publishedAt) > time("2024-01-01T00:00:00Z"),
  },
  // dates
  {
    name: "date eq",
    where: { issueDate: "2024-06-01" },
    raw: { equals: { property: doc("issueDate"), value: "2024-06-01" } },
    expect: (r) => r.issueDate === "2024-06-01",
  },
  {
    name: "date range",
    where: { issueDate: { gt: "2023-12-31", lte: "2024-06-01" } },
    raw: {
      range: {
        property: doc("issueDate"),
        gt: "2023-12-31",
        lte: "2024-06-01",
      },
    },
    expect: (r) =>
      r.issueDate !== undefined &&
      r.issueDate > "2023-12-31" &&
      r.issueDate <= "2024-06-01",
  },
  {
    name: "date in",
    where: { issueDate: { in: ["2023-03-03", "2025-01-01"] } },
    raw: {
      in: { property: doc("issueDate"), values: ["2023-03-03", "2025-01-01"] },
    },
    expect: (r) => r.issueDate === "2023-03-03" || r.issueDate === "2025-01-01",
  },
  {
    name: "date not exists",
    where: { issueDate: { exists: false } },
    raw: { not: { exists: { property: doc("issueDate") } } },
    expect: (r) => !set(r, "issueDate"),
  },
  // boolean
  {
    name: "boolean bare value",
    where: { isPublished: true },
    raw: { equals: { property: doc("isPublished"), value: true } },
    expect: (r) => r.isPublished === true,
  },
  {
    name: "boolean eq false",
    where: { isPublished: { eq: false } },
    raw: { equals: { property: doc("isPublished"), value: false } },
    expect: (r) => r.isPublished === false,
  },
  {
    name: "boolean not exists",
    where: { isPublished: { exists: false } },
    raw: { not: { exists: { property: doc("isPublished") } } },
    expect: (r) => !set(r, "isPublished"),
  },
  // json
  {
    name: "json exists",
    where: { metadata: { exists: true } },
    raw: { exists: { property: doc("metadata") } },
    expect: (r) => set(r, "metadata"),
  },
  // timeseries, file, sequence: text-like references
  {
    name: "timeseries prefix",
    where: { downloads: { prefix: "ts-alpha" } },
    raw: { prefix: { property: doc("downloads"), value: "ts-alpha" } },
    expect: (r) => r.downloads?.startsWith("ts-alpha") === true,
  },
  {
    name: "timeseries in",
    where: { downloads: { in: ["ts-beta", "ts-alpha"] } },
    raw: {
      in: { property: doc("downloads"), values: ["ts-beta", "ts-alpha"] },
    },
    expect: (r) => r.downloads === "ts-beta" || r.downloads === "ts-alpha",
  },
  {
    name: "file eq",
    where: { content: "file-2" },
    raw: { equals: { property: doc("content"), value: "file-2" } },
    expect: (r) => r.content === "file-2",
  },
  {
    name: "file range",
    where: { content: { gte: "file-1", lt: "file-2" } },
    raw: { range: { property: doc("content"), gte: "file-1", lt: "file-2" } },
    expect: (r) => r.content === "file-1",
  },
  {
    name: "sequence exists",
    where: { revisions: { exists: true } },
    raw: { exists: { property: doc("revisions") } },
    expect: (r) => set(r, "revisions"),
  },
  {
    name: "sequence prefix",
    where: { revisions: { prefix: "seq-3" } },
    raw: { prefix: { property: doc("revisions"), value: "seq-3" } },
    expect: (r) => r.revisions === "seq-3",
  },
  // instance fields and combinators
  {
    name: "externalId in",
    where: { externalId: { in: ["d1", "d6", "zz"] } },
    raw: {
      in: { property: ["node", "externalId"], values: ["d1", "d6", "zz"] },
    },
    expect: (r) => r.id === "d1" || r.id === "d6",
  },
  {
    name: "externalId prefix and space",
    where: { space: DOC_SPACE, externalId: { prefix: "d" } },
    raw: {
      and: [
        { equals: { property: ["node", "space"], value: DOC_SPACE } },
        { prefix: { property: ["node", "externalId"], value: "d" } },
      ],
    },
    expect: () => true,
  },
  {
    name: "createdTime up to now",
    where: { createdTime: { lte: new Date(Date.now() + 60_000) } },
    raw: {
      range: { property: ["node", "createdTime"], lte: Date.now() + 60_000 },
    },
    expect: () => true,
  },
  {
    name: "$and, $or, $not",
    where: {
      $and: [{ pageCount: { gte: 5 } }, { pageCount: { lte: 30 } }],
      $or: [{ isPublished: true }, { title: { prefix: "beta" } }],
      $not: { title: "Beta report" },
    },
    raw: {
      and: [
        {
          and: [
            { range: { property: doc("pageCount"), gte: 5 } },
            { range: { property: doc("pageCount"), lte: 30 } },
          ],
        },
        {
          or: [
            { equals: { property: doc("isPublished"), value: true } },
            { prefix: { property: doc("title"), value: "beta" } },
          ],
        },
        { not: { equals: { property: doc("title"), value: "Beta report" } } },
      ],
    },
    expect: (r) =>
      r.pageCount !== undefined &&
      r.pageCount >= 5 &&
      r.pageCount <= 30 &&
      (r.isPublished === true || r.title?.startsWith("beta") === true) &&
      r.title !== "Beta report",
  },
  {
    name: "$raw AND-ed with typed conditions",
    where: {
      isPublished: true,
      $raw: { range: { property: doc("pageCount"), gt: 10 } },
    },
    raw: {
      and: [
        { equals: { property: doc("isPublished"), value: true } },
        { range: { property: doc("pageCount"), gt: 10 } },
      ],
    },
    expect: (r) => r.isPublished === true && (r.pageCount ?? 0) > 10,
  },
];

const READING_CASES: Case<ReadingWhere, ReadingRow>[] = [
  {
    name: "text list containsAny",
    where: { labels: { containsAny: ["dry", "wet"] } },
    raw: {
      containsAny: { property: reading("labels"), values: ["dry", "wet"] },
    },
    expect: (r) => r.labels?.some((l) => l === "dry" || l === "wet") === true,
  },
  {
    name: "text list containsAll",
    where: { labels: { containsAll: ["hot", "dry"] } },
    raw: {
      containsAll: { property: reading("labels"), values: ["hot", "dry"] },
    },
    expect: (r) => ["hot", "dry"].every((l) => r.labels?.includes(l)),
  },
  {
    name: "boolean list containsAny",
    where: { flags: { containsAny: [false] } },
    raw: { containsAny: { property: reading("flags"), values: [false] } },
    expect: (r) => r.flags?.includes(false) === true,
  },
  {
    name: "int list containsAll",
    where: { counts: { containsAll: [3, 4] } },
    raw: { containsAll: { property: reading("counts"), values: [3, 4] } },
    expect: (r) => [3, 4].every((c) => r.counts?.includes(c)),
  },
  {
    name: "float list containsAny",
    where: { temperatures: { containsAny: [21, -5] } },
    raw: {
      containsAny: { property: reading("temperatures"), values: [21, -5] },
    },
    expect: (r) => r.temperatures?.some((t) => t === 21 || t === -5) === true,
  },
  {
    name: "timestamp list containsAny with a Date",
    where: { timestamps: { containsAny: [new Date("2025-01-01T00:00:00Z")] } },
    raw: {
      containsAny: {
        property: reading("timestamps"),
        values: ["2025-01-01T00:00:00.000Z"],
      },
    },
    expect: (r) => r.timestamps?.includes("2025-01-01T00:00:00.000Z") === true,
  },
  {
    name: "date list containsAll",
    where: { dates: { containsAll: ["2024-01-02"] } },
    raw: {
      containsAll: { property: reading("dates"), values: ["2024-01-02"] },
    },
    expect: (r) => r.dates?.includes("2024-01-02") === true,
  },
  {
    name: "list exists",
    where: { series: { exists: true } },
    raw: { exists: { property: reading("series") } },
    expect: (r) => set(r, "series"),
  },
  {
    name: "list not exists",
    where: { counts: { exists: false } },
    raw: { not: { exists: { property: reading("counts") } } },
    expect: (r) => !set(r, "counts"),
  },
];

const ASSET_CASES: Case<AssetWhere, AssetRow>[] = [
  {
    name: "enum bare value",
    where: { status: "active" },
    raw: { equals: { property: asset("status"), value: "active" } },
    expect: (r) => r.status === "active",
  },
  {
    name: "enum in",
    where: { status: { in: ["retired", "maintenance"] } },
    raw: {
      in: { property: asset("status"), values: ["retired", "maintenance"] },
    },
    expect: (r) => r.status === "retired" || r.status === "maintenance",
  },
  {
    name: "enum $not",
    where: { $not: { status: "active" } },
    raw: { not: { equals: { property: asset("status"), value: "active" } } },
    expect: (r) => r.status !== "active",
  },
  {
    name: "direct relation shorthand",
    where: { parent: ref("root") },
    raw: { equals: { property: asset("parent"), value: ref("root") } },
    expect: (r) => r.parent === "root",
  },
  {
    name: "direct relation in",
    where: { parent: { in: [ref("a1"), ref("nothing")] } },
    raw: {
      in: { property: asset("parent"), values: [ref("a1"), ref("nothing")] },
    },
    expect: (r) => r.parent === "a1",
  },
  {
    name: "direct relation exists",
    where: { parent: { exists: true } },
    raw: { exists: { property: asset("parent") } },
    expect: (r) => r.parent !== undefined,
  },
  {
    name: "direct relation nested: a condition on the parent",
    where: {
      parent: { nested: { status: "active", name: { prefix: "Pump" } } },
    },
    raw: {
      nested: {
        scope: asset("parent"),
        filter: {
          and: [
            { equals: { property: asset("status"), value: "active" } },
            { prefix: { property: asset("name"), value: "Pump" } },
          ],
        },
      },
    },
    expect: (r) => {
      const parent = ASSETS.find((a) => a.id === r.parent);
      return (
        parent?.status === "active" && parent.name?.startsWith("Pump") === true
      );
    },
  },
  {
    name: "tags containsAny",
    where: { tags: { containsAny: ["y", "site"] } },
    raw: { containsAny: { property: asset("tags"), values: ["y", "site"] } },
    expect: (r) => r.tags?.some((t) => t === "y" || t === "site") === true,
  },
];

async function ids(
  list: AsyncIterable<{ externalId: string }>,
): Promise<string[]> {
  const out: string[] = [];
  for await (const item of list) out.push(item.externalId);
  return out.sort();
}

function expected<T extends { id: string }>(
  rows: readonly T[],
  predicate: (row: T) => boolean,
): string[] {
  return rows
    .filter(predicate)
    .map((r) => r.id)
    .sort();
}

describe("typed where against the emulator", () => {
  it("the data has what the cases need: each case selects a proper, non-empty subset or says so", () => {
    for (const c of DOC_CASES) expect(DOCS.some(c.expect), c.name).toBe(true);
  });

  it.each(DOC_CASES)("document: $name", async (c) => {
    const want = expected(DOCS, c.expect);
    expect(await ids(client.documentView.list({ where: c.where }))).toEqual(
      want,
    );
    expect(
      await ids(client.documentView.list({ where: { $raw: c.raw } })),
    ).toEqual(want);
  });

  it.each(READING_CASES)("reading: $name", async (c) => {
    const want = expected(READINGS, c.expect);
    expect(want.length).toBeGreaterThan(0);
    expect(await ids(client.reading.list({ where: c.where }))).toEqual(want);
    expect(await ids(client.reading.list({ where: { $raw: c.raw } }))).toEqual(
      want,
    );
  });

  it.each(ASSET_CASES)("asset: $name", async (c) => {
    const want = expected(ASSETS, c.expect);
    expect(want.length).toBeGreaterThan(0);
    expect(await ids(client.asset.list({ where: c.where }))).toEqual(want);
    expect(await ids(client.asset.list({ where: { $raw: c.raw } }))).toEqual(
      want,
    );
  });

  it("a 10,000-value `in` works (sent in chunks the API accepts)", async () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `x${i}`);
    values[1234] = "d2";
    values[9999] = "d5";
    expect(
      await ids(
        client.documentView.list({ where: { externalId: { in: values } } }),
      ),
    ).toEqual(["d2", "d5"]);
  });
});

describe("sort, select, limit and paging", () => {
  it("sorts by a property, nulls first, across pages of 2", async () => {
    const sorted = await client.documentView
      .list({
        sort: [{ property: "pageCount", nullsFirst: true }],
        pageSize: 2,
      })
      .toArray();
    const want = [...DOCS]
      .filter((d) => d.pageCount !== undefined)
      .sort((a, b) => a.pageCount! - b.pageCount!)
      .map((d) => d.id);
    expect(sorted.map((d) => d.externalId)).toEqual([
      ...DOCS.filter((d) => d.pageCount === undefined).map((d) => d.id),
      ...want,
    ]);
    expect(sorted[0]).toBeInstanceOf(DocumentView);
  });

  it("sorts by an instance field", async () => {
    const sorted = await client.documentView
      .list({ sort: { property: "externalId", direction: "descending" } })
      .toArray();
    expect(sorted.map((d) => d.externalId)).toEqual(
      DOCS.map((d) => d.id)
        .sort()
        .reverse(),
    );
  });

  it("limit stops early; toArray collects everything", async () => {
    const firstThree = await client.documentView
      .list({ sort: { property: "externalId" }, limit: 3, pageSize: 2 })
      .toArray();
    expect(firstThree.map((d) => d.externalId)).toEqual(["d1", "d2", "d3"]);
    const all = await client.documentView.list({ pageSize: 4 }).toArray();
    expect(all).toHaveLength(DOCS.length);
  });

  it("select narrows what is read to the named properties plus the instance fields", async () => {
    const [d1] = await client.documentView
      .list({ where: { externalId: "d1" }, select: ["title", "pageCount"] })
      .toArray();
    expect(d1).toBeInstanceOf(DocumentView);
    expect(d1).toMatchObject({
      title: "Alpha report",
      pageCount: 10,
      space: DOC_SPACE,
    });
    expect(
      Object.keys(d1!)
        .filter((k) => k in DocumentView.properties)
        .sort(),
    ).toEqual(["pageCount", "title"]);
    const [retrieved] = await client.documentView.retrieve([ref("d3")], {
      select: ["score"],
    });
    expect(retrieved?.score).toBe(0.75);
    expect("title" in retrieved!).toBe(false);
  });

  it("a property whose identifier differs from its TypeScript name filters and sorts by the identifier", async () => {
    await client.objectView.apply([
      new (
        await import("../generated-examples/showcase/index.js")
      ).ObjectViewApply(DOC_SPACE, "o1", {
        name: "one",
        maxPressure: 3.5,
        spaceProperty: "alpha",
      }),
    ]);
    const found = await client.objectView
      .list({ where: { maxPressure: { gt: 3 }, spaceProperty: "alpha" } })
      .toArray();
    expect(found.map((o) => [o.externalId, o.maxPressure])).toEqual([
      ["o1", 3.5],
    ]);
  });

  it("a where naming something the view does not have is a clear error, before any request", async () => {
    // The view's class loads on first use, so the where is checked when the list is read.
    await expect(
      client.documentView.list({ where: { nope: 1 } as never }).toArray(),
    ).rejects.toThrow(/has no property "nope"/);
  });
});

describe("edge views and sync", () => {
  it("lists edges of an edge view by edge properties and ends", async () => {
    const type = { space: "showcase", externalId: "WorkOrder.assignees" };
    const edges = [
      { id: "e1", start: "d1", end: "d2", share: 0.5, role: "lead" },
      { id: "e2", start: "d1", end: "d3", share: 0.25, role: "helper" },
      { id: "e3", start: "d2", end: "d3", share: 0.75, role: "lead" },
    ];
    await client.assignment.apply(
      edges.map(
        (e) =>
          new AssignmentApply(
            DOC_SPACE,
            e.id,
            { startNode: ref(e.start), endNode: ref(e.end), type },
            { share: e.share, role: e.role },
          ),
      ),
    );
    const found = await client.assignment
      .list({ where: { startNode: ref("d1"), share: { gt: 0.3 } } })
      .toArray();
    expect(found.map((e) => [e.externalId, e.share])).toEqual(
      edges
        .filter((e) => e.start === "d1" && e.share > 0.3)
        .map((e) => [e.id, e.share]),
    );
    const leads = await client.assignment
      .list({
        where: { role: "lead" },
        sort: { property: "share", direction: "descending" },
      })
      .toArray();
    expect(leads.map((e) => e.externalId)).toEqual(["e3", "e1"]);
  });

  it("sync takes where and select", async () => {
    const upserts: { externalId: string; title: string | null }[] = [];
    for await (const page of client.documentView.sync({
      where: { isPublished: true },
      select: ["title"],
    })) {
      for (const doc of page.upserts) {
        expect("pageCount" in doc).toBe(false);
        upserts.push({ externalId: doc.externalId, title: doc.title });
      }
      if (page.caughtUp) break;
    }
    expect(
      upserts.sort((a, b) => (a.externalId < b.externalId ? -1 : 1)),
    ).toEqual(
      DOCS.filter((d) => d.isPublished === true).map((d) => ({
        externalId: d.id,
        title: d.title ?? null,
      })),
    );
  });
});

// Streaming apply measurement: 1,000,000 nodes from a generator through `applyInstances` into a
// poster that serializes each request and answers like the API (no network, so only the
// client's memory counts). Prints the time to the first request, the total time and the peak
// RSS. Run with `npm run build && node dist/bench/apply-stream.js [--nodes N] [--counts]`.
// By default the result holds one entry per node (`report: "items"`); with --counts it keeps
// counts only (`report: "counts"`), so that memory follows the requests in flight.

import {
  applyInstances,
  type JsonPoster,
} from "../templates/runtime/write/apply.js";
import type {
  ApplyRequest,
  NodeWrite,
} from "../templates/runtime/core/wire.js";

const VIEW = {
  type: "view",
  space: "bench",
  externalId: "Item",
  version: "v1",
} as const;

function* nodes(count: number): Generator<NodeWrite> {
  for (let i = 0; i < count; i++) {
    yield {
      instanceType: "node",
      space: "bench",
      externalId: `item-${i}`,
      sources: [
        {
          source: VIEW,
          properties: { name: `Item number ${i}`, value: i % 1000 },
        },
      ],
    };
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const count =
    Number(argv[argv.indexOf("--nodes") + 1] ?? 1_000_000) || 1_000_000;
  const started = performance.now();
  let firstRequestMs: number | undefined;
  let requests = 0;
  const poster: JsonPoster = {
    postJson: async <T>(_path: string, body: unknown): Promise<T> => {
      firstRequestMs ??= performance.now() - started;
      requests++;
      // What would go on the wire.
      const text = JSON.stringify(body);
      await new Promise((resolve) => setTimeout(resolve, 2));
      const request = JSON.parse(text) as ApplyRequest;
      return {
        items: request.items.map((item) => ({
          instanceType: item.instanceType,
          space: item.space,
          externalId: item.externalId,
          version: 1,
          wasModified: true,
          createdTime: 0,
          lastUpdatedTime: 0,
        })),
      } as T;
    },
  };
  const report = argv.includes("--counts") ? "counts" : "items";
  const result = await applyInstances(poster, nodes(count), {
    concurrency: 4,
    report,
  });
  const totalMs = performance.now() - started;
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${count} nodes from a generator, concurrency 4: ${requests} requests, first after ${firstRequestMs?.toFixed(1)} ms, ` +
      `all in ${(totalMs / 1000).toFixed(1)} s, report "${report}": ${result.counts.written} written, ${result.items.length} result items, peak RSS ${peakMiB.toFixed(0)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

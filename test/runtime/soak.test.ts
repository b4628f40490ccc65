// A small version of `npm run soak` (bench/soak.ts): a few thousand instances through the
// generated client into the emulator under the same faults, then sync from scratch and a sync
// killed mid-way in one process and resumed in another. Needs `npm run build` (npm test runs it
// first) for the child process.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_SOAK, runSoak, SYNC_CHILD } from "../../bench/soak.js";

describe("soak (small)", () => {
  it("loses, adds and corrupts nothing under faults before and after processing, crash and resume included", async () => {
    expect(existsSync(SYNC_CHILD), `${SYNC_CHILD}: run npm run build`).toBe(
      true,
    );
    const result = await runSoak({
      ...DEFAULT_SOAK,
      actors: 2400,
      movies: 600,
      crashAfterPages: 2,
      afterProcessingEvery: 1,
    });
    expect(result.intended).toMatchObject({ nodes: 3000, edges: 1200 });
    for (const comparison of [result.stored, result.synced, result.resumed]) {
      expect(comparison).toMatchObject({
        count: 4200,
        lost: 0,
        extra: 0,
        corrupted: 0,
        checksum: result.intended.checksum,
      });
    }
    // The faults really happened, and the crash really replayed a page.
    expect(result.faultsInjected).toBeGreaterThan(0);
    expect(result.afterProcessingFaults).toBeGreaterThan(0);
    expect(result.retries.total).toBeGreaterThan(0);
    expect(result.resumed.redelivered).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
  }, 120_000);
});

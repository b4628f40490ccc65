// RELIABILITY.md is generated (bench/reliability-doc.ts), never hand-kept: it must be what the
// script writes, and every test it cites must exist.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  RELIABILITY_CASES,
  RELIABILITY_FILE,
  renderReliability,
  soakSectionOf,
} from "../../bench/reliability-doc.js";
import { REPO_ROOT } from "../support/generated.js";

describe("RELIABILITY.md", () => {
  it("is what npm run reliability:doc writes", () => {
    const text = readFileSync(RELIABILITY_FILE, "utf8");
    expect(text).toBe(renderReliability(soakSectionOf(text)));
  });

  it.each(RELIABILITY_CASES.map((c) => [c.file, c.test] as const))(
    "cites %s › %s, which exists",
    (file, test) => {
      const path = join(REPO_ROOT, file);
      expect(existsSync(path), path).toBe(true);
      expect(readFileSync(path, "utf8")).toContain(test);
    },
  );

  it("holds a soak that found nothing lost, extra or corrupted", () => {
    const soak = soakSectionOf(readFileSync(RELIABILITY_FILE, "utf8"));
    expect(soak).toContain("**OK**");
    expect(soak).not.toMatch(/\| [1-9]\d* \| [1-9]|FAILED/);
  });
});

// `npm run conformance -- --base-url … --project …` driven end to end against an emulator standing
// in for a CDF project (the same path a real project takes: base URL, project, CDF_TOKEN), and
// the guard that keeps the suites inside their own spaces.

import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { guardWrite } from "../conformance/suite.js";
import {
  BASE_URL_ENV,
  PROJECT_ENV,
  SPACE_PREFIX,
  systemModels,
  openTarget,
  uniqueSpaceName,
} from "../conformance/target.js";
import { client } from "./support.js";

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  // The child is a vitest of its own: none of this worker's VITEST_* settings may leak into it.
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (
      value !== undefined &&
      !key.startsWith("VITEST") &&
      !key.startsWith("CDF_")
    )
      childEnv[key] = value;
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["test/conformance/run.js", ...args],
      { env: { ...childEnv, ...env, NO_COLOR: "1" } },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("npm run conformance", () => {
  it("runs a suite against a base URL and project with CDF_TOKEN, leaving no space behind", async () => {
    const token = "conformance-run-token";
    const emulator = await startEmulator({
      project: "stand-in",
      token,
      views: systemModels(),
    });
    running.push(emulator);
    const result = await run(
      ["--base-url", emulator.url, "--project", "stand-in", "assumptions"],
      { CDF_TOKEN: token },
    );
    expect(result.output).toContain(
      `against project stand-in at ${emulator.url}`,
    );
    // Every test of the file passed (none skipped, none failed).
    expect(result.output).toMatch(/Tests\s+(\d+) passed \(\1\)/);
    expect(result.code).toBe(0);
    // The requests reached this emulator, and the suite deleted the space it made.
    const spaces = await client(emulator, token).get(
      "/models/spaces",
      "limit=1000",
    );
    expect(
      spaces.body.items
        .map((s: any) => s.space)
        .filter((s: string) => s.startsWith(SPACE_PREFIX)),
    ).toEqual([]);
    expect(emulator.instanceCount()).toBe(0);
  });

  it("refuses a base URL without credentials, or plain http off loopback, with exit 2", async () => {
    const noToken = await run(
      ["--base-url", "https://example.cognitedata.com", "--project", "p"],
      {},
    );
    expect([noToken.code, noToken.output]).toEqual([
      2,
      expect.stringContaining("no credentials: set CDF_TOKEN"),
    ]);
    const plain = await run(
      ["--base-url", "http://example.com", "--project", "p"],
      { CDF_TOKEN: "t" },
    );
    expect([plain.code, plain.output]).toEqual([
      2,
      expect.stringContaining("--base-url must be https://"),
    ]);
  });
});

describe("the conformance guard", () => {
  const own = new Set(["dmgen_conformance_0123456789ab"]);
  const refuse = (route: string, body: unknown) =>
    expect(() => guardWrite(route, "post", body, own)).toThrow(
      /Conformance guard/,
    );
  it("lets writes into the suite's own space through", () => {
    expect(() =>
      guardWrite(
        "/models/instances",
        "post",
        {
          items: [
            { instanceType: "node", space: [...own][0], externalId: "x" },
          ],
        },
        own,
      ),
    ).not.toThrow();
    expect(() =>
      guardWrite("/models/instances/list", "post", { limit: 1 }, own),
    ).not.toThrow();
  });
  it("refuses any write naming another space, and routes it does not know", () => {
    refuse("/models/spaces/delete", { items: [{ space: "production" }] });
    refuse("/models/containers/delete", {
      items: [
        { space: [...own][0], externalId: "ok" },
        { space: "cdf_cdm", externalId: "CogniteAsset" },
      ],
    });
    refuse("/models/instances", { items: [{ externalId: "no-space" }] });
    refuse("/models/instances/delete", {});
    refuse("/models/something-new", { items: [] });
  });
});

describe("the conformance target", () => {
  it("is the emulator without a base URL, and CDF only with a project and credentials", async () => {
    const emulator = await openTarget({});
    try {
      expect(emulator.kind).toBe("emulator");
      expect(emulator.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await emulator.close();
    }
    const base = "https://example.cognitedata.com";
    await expect(openTarget({ [BASE_URL_ENV]: base })).rejects.toThrow(
      `${PROJECT_ENV} must be too`,
    );
    await expect(
      openTarget({ [BASE_URL_ENV]: base, [PROJECT_ENV]: "p" }),
    ).rejects.toThrow("No credentials");
    const cdf = await openTarget({
      [BASE_URL_ENV]: `${base}/`,
      [PROJECT_ENV]: "p",
      CDF_TOKEN: "t",
    });
    expect([cdf.kind, cdf.baseUrl, cdf.project, await cdf.token()]).toEqual([
      "cdf",
      base,
      "p",
      "t",
    ]);
  });

  it("names spaces uniquely, as valid space ids", () => {
    const names = new Set(Array.from({ length: 50 }, uniqueSpaceName));
    expect(names.size).toBe(50);
    for (const name of names)
      expect(name).toMatch(/^dmgen_conformance_[0-9a-f]{12}$/);
    expect([...names][0]!.length).toBeLessThanOrEqual(43);
  });
});

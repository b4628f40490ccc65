// `dmgen pull` against the emulator (and a fault server for the token endpoint).
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pullCommand } from "../../src/cli/pull-command.js";
import {
  startEmulator,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { UserError } from "../../src/errors.js";
import type { Clock } from "../../templates/runtime/core/retry.js";
import { loadInputs } from "../../src/input/index.js";
import { parseVersionedRef, resolveCredentials } from "../../src/pull/index.js";
import { startFaultServer } from "../support/fault-server.js";
import { views } from "./support.js";

const TOKEN = "the-right-token-0123456789";
let running: RunningEmulator;
let dir: string;

beforeEach(async () => {
  running = await startEmulator({
    views,
    dataModels: [
      {
        space: "sp",
        externalId: "Model",
        version: "1",
        views: [
          { type: "view", space: "sp", externalId: "Thing", version: "v1" },
        ],
      },
    ],
    port: 0,
    token: TOKEN,
  });
  dir = await mkdtemp(join(tmpdir(), "dmgen-pull-"));
});
afterEach(async () => {
  await running.close();
  await rm(dir, { recursive: true, force: true });
});

async function runPull(
  args: string[],
  env: Record<string, string> = {},
  clock?: Clock,
): Promise<string[]> {
  const lines: string[] = [];
  await pullCommand(
    env,
    (line) => lines.push(line),
    undefined,
    clock,
  ).parseAsync(args, { from: "user" });
  return lines;
}

function baseArgs(out: string): string[] {
  return [
    "--base-url",
    running.url,
    "--project",
    running.project,
    "--out",
    out,
  ];
}

describe("dmgen pull", () => {
  it("writes the data model's views and single views into a file generate reads", async () => {
    const out = join(dir, "nested", "views.json");
    const lines = await runPull(
      [
        ...baseArgs(out),
        "--data-model",
        "sp:Model/1",
        "--view",
        "sp:Link/v1",
        "sp:Thing/v1",
      ],
      { CDF_TOKEN: TOKEN },
    );
    expect(lines).toEqual([`Wrote 2 view(s) to ${out}`]);
    const written = JSON.parse(await readFile(out, "utf8")) as {
      items: { externalId: string }[];
    };
    expect(written.items.map((v) => v.externalId)).toEqual(["Thing", "Link"]);
    const loaded = await loadInputs([out]);
    expect(
      loaded.views.map((v) => `${v.space}:${v.externalId}/${v.version}`),
    ).toEqual(["sp:Link/v1", "sp:Thing/v1"]);
    expect(Object.keys(loaded.views[1]!.properties)).toEqual(["name", "size"]);
    expect(
      (await readdir(join(dir, "nested"))).filter((f) => f.endsWith(".tmp")),
    ).toEqual([]);
  });

  it("explains a rejected token without echoing it, and writes nothing", async () => {
    const out = join(dir, "views.json");
    const wrong = "wrong-token-abcdefghijkl";
    const error = (await runPull(
      [...baseArgs(out), "--data-model", "sp:Model/1"],
      { CDF_TOKEN: wrong },
    ).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      `Authentication failed: POST ${running.url}/api/v1/projects/${running.project}/models/datamodels/byids?inlineViews=true answered 401 ` +
        "(Unauthorized: missing or wrong bearer token). The token was rejected: check CDF_TOKEN, or the client credentials and CDF_SCOPES, and that they belong to this cluster",
    );
    expect(error.message).not.toContain(wrong);
    expect(existsSync(out)).toBe(false);
  });

  it("gets a token with client credentials from the environment", async () => {
    const idp = await startFaultServer({
      handler: () => ({
        status: 200,
        body: { access_token: TOKEN, expires_in: 3600 },
      }),
    });
    try {
      const out = join(dir, "views.json");
      await runPull([...baseArgs(out), "--view", "sp:Thing/v1"], {
        CDF_CLIENT_ID: "app",
        CDF_CLIENT_SECRET: "s3cret-value",
        CDF_TOKEN_URL: `${idp.url}/token`,
        CDF_SCOPES: "a/.default,b",
      });
      expect(new URLSearchParams(idp.requests[0]!.text).get("scope")).toBe(
        "a/.default b",
      );
      expect(JSON.parse(await readFile(out, "utf8")).items).toHaveLength(1);
    } finally {
      await idp.close();
    }
  });

  it("names unknown models and views, bad references and missing flags", async () => {
    const out = join(dir, "views.json");
    const env = { CDF_TOKEN: TOKEN };
    await expect(
      runPull([...baseArgs(out), "--data-model", "sp:Nope/1"], env),
    ).rejects.toThrow("The project has no data model sp:Nope/1");
    await expect(
      runPull([...baseArgs(out), "--view", "sp:Nope/v1"], env),
    ).rejects.toThrow("The project has no view sp:Nope/v1");
    await expect(
      runPull([...baseArgs(out), "--view", "sp/Thing"], env),
    ).rejects.toThrow(
      '--view "sp/Thing" is not of the form space:externalId/version',
    );
    await expect(
      runPull(["--project", "p", "--out", out, "--view", "sp:Thing/v1"], env),
    ).rejects.toThrow("--base-url is required");
    await expect(runPull([...baseArgs(out)], env)).rejects.toThrow(
      "Nothing to pull",
    );
    await expect(
      runPull([...baseArgs(out), "--view", "sp:Thing/v1"], {}),
    ).rejects.toThrow("No credentials");
    expect(existsSync(out)).toBe(false);
  });

  it("reports an unreachable server as a user error, after its retries", async () => {
    const gone = await startFaultServer();
    await gone.close();
    const out = join(dir, "views.json");
    // The retries wait on a clock that does not: what they would have waited is recorded.
    let now = 0;
    const waits: number[] = [];
    const clock = {
      now: () => now,
      sleep: (ms: number) => {
        waits.push(ms);
        now += ms;
        return Promise.resolve();
      },
    };
    await expect(
      runPull(
        [
          "--base-url",
          gone.url,
          "--project",
          "p",
          "--out",
          out,
          "--view",
          "sp:Thing/v1",
          "--timeout",
          "2000",
        ],
        { CDF_TOKEN: TOKEN },
        clock,
      ),
    ).rejects.toThrow(
      /Could not reach the server: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/projects\/p\/models\/views\/byids/,
    );
    // pull makes 5 attempts: 4 waits between them.
    expect(waits).toHaveLength(4);
    expect(existsSync(out)).toBe(false);
  });
});

describe("pull helpers", () => {
  it("parses references and picks credentials", () => {
    expect(parseVersionedRef("cdf_cdm:CogniteCore/v1", "--data-model")).toEqual(
      { space: "cdf_cdm", externalId: "CogniteCore", version: "v1" },
    );
    expect(
      resolveCredentials({ token: "t" }, { CDF_TOKEN: "env" }, "https://x"),
    ).toEqual({ token: "t" });
    expect(
      resolveCredentials(
        {},
        {
          CDF_CLIENT_ID: "a",
          CDF_CLIENT_SECRET: "b",
          CDF_TOKEN_URL: "https://idp/t",
        },
        "https://x/",
      ),
    ).toEqual({
      clientCredentials: {
        tokenUrl: "https://idp/t",
        clientId: "a",
        clientSecret: "b",
        scopes: ["https://x/.default"],
      },
    });
    expect(() =>
      resolveCredentials({}, { CDF_CLIENT_ID: "a" }, "https://x"),
    ).toThrow(
      "Client credentials are incomplete: missing CDF_CLIENT_SECRET (--client-secret), CDF_TOKEN_URL (--token-url)",
    );
  });
});

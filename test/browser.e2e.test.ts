// The generated client where browser apps run it: the movies client generated with
// `--transport fetch`, bundled with esbuild into a page (`test/browser/page.ts`) served from one
// 127.0.0.1 origin, run in headless Chromium (Debian's `chromium`, driven by puppeteer-core)
// against the emulator on another origin, so CORS preflights, the browser's own `fetch` (which
// refuses to be called with the wrong `this`) and `CompressionStream` are the real ones.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../src/emulator/index.js";
import { loadInputs } from "../src/input/index.js";
import { dmgen } from "./support/cli.js";
import { EXAMPLES_DIR, REPO_ROOT, scratchDir } from "./support/generated.js";

/** Debian's package; `CHROMIUM_PATH` points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, self-contained headless run (no network beyond 127.0.0.1). */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface Scenario {
  readonly nestedApply: string[];
  readonly gzipApplied: number;
  readonly list: number;
  readonly where: string[];
  readonly include: { name: string; movies: string[] }[];
  readonly sync: { synced: number; syncPages: number };
  readonly missingSpace: {
    applyFailed: boolean;
    dmsError: boolean;
    status: number;
    missing: unknown[];
    notWritten: number;
    message: string;
  };
}

let emulator: RunningEmulator;
let pageServer: { url: string; close(): Promise<void> };
let scratch: { dir: string; cleanup: () => Promise<void> };
let profile: string;
let browser: Browser;

/** Generates the movies client with `--transport fetch` and bundles the page around it. */
async function bundlePage(dir: string): Promise<string> {
  const generated = join(dir, "movies-fetch");
  // In this process (a child costs a Node start; test/cli.test.ts runs the bin).
  const generate = await dmgen(
    [
      "generate",
      "--config",
      join(EXAMPLES_DIR, "movies", "dmgen.config.json"),
      "--out",
      generated,
      "--transport",
      "fetch",
    ],
    dir,
  );
  if (generate.code !== 0)
    throw new Error(`dmgen generate failed: ${generate.stderr}`);
  const undiciVariant = join(EXAMPLES_DIR, "movies", "index.js");
  const result = await build({
    entryPoints: [join(REPO_ROOT, "test", "browser", "page.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
    plugins: [
      {
        name: "fetch-variant",
        setup(plugin) {
          // The page imports the undici variant for its types; the browser gets the fetch one.
          plugin.onResolve(
            { filter: /generated-examples\/movies\// },
            (args) =>
              join(args.resolveDir, args.path) === undiciVariant
                ? { path: join(generated, "index.ts") }
                : undefined,
          );
        },
      },
    ],
  });
  const code = result.outputFiles[0]?.text ?? "";
  if (code.includes("undici"))
    throw new Error("the page bundle pulled in the undici variant");
  return code;
}

/** Serves the page and its bundle on 127.0.0.1 (a different origin from the emulator). */
async function servePage(
  bundle: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url === "/page.js") {
      response.writeHead(200, { "content-type": "text/javascript" });
      response.end(bundle);
    } else if (request.url?.startsWith("/index.html")) {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(
        '<!doctype html><title>dmgen</title><script type="module" src="/page.js"></script>',
      );
    } else if (request.url === "/favicon.ico") {
      response.writeHead(204);
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `promise`, or a clear failure when it takes longer than `seconds`. */
async function withinSeconds<T>(
  seconds: number,
  promise: Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the page's scenario did not finish within ${seconds} s (are its requests failing and being retried?)`,
          ),
        ),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium), ` +
        "or set CHROMIUM_PATH; .ci/run installs it when missing",
    );
  scratch = await scratchDir("browser");
  const bundle = await bundlePage(scratch.dir);
  const input = await loadInputs([join(EXAMPLES_DIR, "movies", "views.json")]);
  emulator = await startEmulator({
    views: input.views,
    project: "movies",
    spaces: ["actors", "movies"],
  });
  pageServer = await servePage(bundle);
  profile = await mkdtemp(join(tmpdir(), "dmgen-chromium-"));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
  await emulator?.close();
  await scratch?.cleanup();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe("the fetch-transport client in headless Chromium", () => {
  it("applies, lists, filters, includes, syncs and reports typed errors, with no page error", async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    const gzipApplies: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    // The browser logs each failed response as a console error: those are checked below, as
    // statuses, and the one expected 400 is not a page error.
    page.on("console", (message) => {
      if (
        message.type() === "error" &&
        !message.text().startsWith("Failed to load resource")
      )
        pageErrors.push(message.text());
    });
    const failedResponses: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 300)
        failedResponses.push(
          `${response.status()} ${new URL(response.url()).pathname}`,
        );
    });
    page.on("request", (request) => {
      if (
        request.method() === "POST" &&
        request.headers()["content-encoding"] === "gzip"
      )
        gzipApplies.push(new URL(request.url()).pathname);
    });
    await page.goto(
      `${pageServer.url}/index.html?emulator=${encodeURIComponent(emulator.url)}`,
    );
    // Before the fix every request failed with "Illegal invocation" and was retried for minutes.
    const results = await withinSeconds(
      60,
      page.evaluate(
        () =>
          (globalThis as unknown as { dmgenScenario: Promise<unknown> })
            .dmgenScenario,
      ) as Promise<Scenario>,
    );
    await page.close();

    expect(results.nestedApply).toEqual([
      "edge:actors:types:acts-in:actors:arnold:movies:predator",
      "edge:actors:types:acts-in:actors:arnold:movies:terminator",
      "node:actors:arnold",
      "node:movies:predator",
      "node:movies:terminator",
    ]);
    expect(results.gzipApplied).toBe(1500);
    expect(gzipApplies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(gzipApplies)).toEqual(
      new Set(["/api/v1/projects/movies/models/instances"]),
    );
    expect(results.list).toBe(1502);
    expect(results.where).toEqual(["Predator", "Terminator"]);
    expect(results.include).toEqual([
      { name: "Arnold Schwarzenegger", movies: ["Predator", "Terminator"] },
    ]);
    expect(results.sync.synced).toBe(1502);
    expect(results.missingSpace).toMatchObject({
      applyFailed: true,
      dmsError: true,
      status: 400,
      missing: [{ space: "no_such_space" }],
      notWritten: 1,
    });
    expect(results.missingSpace.message).toContain(
      "; missing: space no_such_space",
    );
    expect(results.missingSpace.message).not.toContain('{"space"');
    // 1502 movies, the actor and its two edges.
    expect(emulator.instanceCount()).toBe(1502 + 1 + 2);
    expect(pageErrors).toEqual([]);
    expect(failedResponses).toEqual([
      "400 /api/v1/projects/movies/models/instances",
    ]);
  }, 120_000);
});

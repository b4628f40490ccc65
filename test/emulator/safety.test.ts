// The emulator on a developer's machine: a web page of another site cannot write into it (Origin),
// cannot reach it through DNS rebinding (Host), and cannot send a body browsers send without a
// preflight (Content-Type); every refusal comes before anything is read or done.

import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from "../../src/emulator/index.js";
import { exposureWarning } from "../../src/cli/emulator-command.js";
import type { IncomingMessage } from "node:http";
import {
  parseAllowedHosts,
  refuseForeignHost,
} from "../../src/emulator/http/request-guard.js";
import { checkResponse } from "./contract.js";
import { client, moviesViews, movieView, node } from "./support.js";

const running: RunningEmulator[] = [];
async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    views: moviesViews(),
    spaces: ["movies"],
    ...options,
  });
  running.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A request with exactly these headers (fetch would not let a test set `Host`). */
function raw(
  emulator: RunningEmulator,
  route: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<RawAnswer> {
  const url = new URL(
    `${emulator.url}/api/v1/projects/${emulator.project}${route}`,
  );
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "POST", headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text.length > 0 ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const terminator = JSON.stringify({
  items: [node("movies", "Terminator", movieView, { title: "Terminator" })],
});

async function storedMovies(emulator: RunningEmulator): Promise<string[]> {
  const listed = await client(emulator).ok("/models/instances/list", {});
  return (listed.items as { externalId: string }[]).map((i) => i.externalId);
}

describe("Origin", () => {
  it("refuses a simple cross-site POST (text/plain, no preflight) with 403, and writes nothing", async () => {
    const emulator = await start();
    const answer = await raw(emulator, "/models/instances", {
      headers: {
        origin: "http://evil.example",
        "content-type": "text/plain",
      },
      body: terminator,
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.message).toContain('Origin "http://evil.example"');
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    checkResponse("/models/instances", "post", answer.status, answer.body);
    expect(await storedMovies(emulator)).toEqual([]);
  });

  it("refuses a foreign origin even with a JSON body, and reads nothing for it", async () => {
    const emulator = await start();
    for (const origin of ["http://evil.example", "null"]) {
      const answer = await raw(emulator, "/models/instances", {
        headers: { origin, "content-type": "application/json" },
        body: terminator,
      });
      expect([origin, answer.status]).toEqual([origin, 403]);
    }
    // GETs too: with `--cors loopback` a page of another site may not read the emulator.
    const read = await raw(emulator, "/models/spaces", {
      method: "GET",
      headers: { origin: "https://evil.example" },
    });
    expect(read.status).toBe(403);
    expect(await storedMovies(emulator)).toEqual([]);
  });

  it("serves the origins --cors allows, and requests without an Origin (node clients)", async () => {
    const emulator = await start({ cors: ["https://app.example"] });
    const allowed = await raw(emulator, "/models/instances", {
      headers: {
        origin: "https://app.example",
        "content-type": "application/json",
      },
      body: terminator,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe(
      "https://app.example",
    );
    const loopback = await raw(emulator, "/models/spaces", {
      method: "GET",
      headers: { origin: "http://localhost:5173" },
    });
    expect(loopback.status).toBe(403);
    expect(await storedMovies(emulator)).toEqual(["Terminator"]);
  });
});

describe("Host", () => {
  it("refuses a Host that is not the emulator's address (DNS rebinding), before reading anything", async () => {
    const emulator = await start();
    const port = new URL(emulator.url).port;
    const rebound = await raw(emulator, "/models/instances", {
      headers: {
        host: `evil.example:${port}`,
        "content-type": "application/json",
      },
      body: terminator,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error.message).toContain("--allow-host");
    const read = await raw(emulator, "/models/spaces", {
      method: "GET",
      headers: { host: `evil.example:${port}` },
    });
    expect(read.status).toBe(403);
    // The listening address with another port is not this emulator either.
    const otherPort = await raw(emulator, "/models/spaces", {
      method: "GET",
      headers: { host: `127.0.0.2:${Number(port) + 1}` },
    });
    expect(otherPort.status).toBe(403);
    expect(await storedMovies(emulator)).toEqual([]);
  });

  it("serves loopback names and the listening address, and names given with allowedHosts", async () => {
    const emulator = await start({ allowedHosts: ["Emulator.Local"] });
    const port = new URL(emulator.url).port;
    const served: [string, number][] = [];
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      // A dev-server proxy keeps its own Host (a loopback name with its port).
      "localhost:5173",
      `emulator.local:${port}`,
    ]) {
      const answer = await raw(emulator, "/models/spaces", {
        method: "GET",
        headers: { host },
      });
      served.push([host, answer.status]);
    }
    expect(served.every(([, status]) => status === 200)).toBe(true);
    const other = await raw(emulator, "/models/spaces", {
      method: "GET",
      headers: { host: `emulator.remote:${port}` },
    });
    expect(other.status).toBe(403);
  });
});

describe("Host, on an emulator other machines reach (--host 0.0.0.0)", () => {
  /** A request as it arrives on a connection to `localAddress:localPort`. */
  const arriving = (host: string, localAddress: string, localPort = 4000) =>
    ({
      headers: { host },
      socket: { localAddress, localPort },
    }) as unknown as IncomingMessage;

  it("serves the address the connection came in on, with its port only", () => {
    const verdicts = [
      arriving("192.168.1.5:4000", "192.168.1.5"),
      arriving("192.168.1.5:4000", "::ffff:192.168.1.5"),
      arriving("[fe80::1]:4000", "fe80::1"),
      arriving("192.168.1.5:4001", "192.168.1.5"),
      arriving("192.168.1.5", "192.168.1.5"),
      arriving("10.0.0.9:4000", "192.168.1.5"),
      arriving("devbox:4000", "192.168.1.5"),
    ].map((req) => refuseForeignHost([], req)?.status ?? 200);
    expect(verdicts).toEqual([200, 200, 200, 403, 403, 403, 403]);
    expect(
      refuseForeignHost(["devbox"], arriving("DevBox:4000", "192.168.1.5")),
    ).toBeUndefined();
  });
});

describe("Content-Type", () => {
  it("refuses a POST body not declared JSON with 415, as CDF does, and writes nothing", async () => {
    const emulator = await start();
    const answers: [string, number][] = [];
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
    ]) {
      const answer = await raw(emulator, "/models/instances", {
        headers: type === undefined ? {} : { "content-type": type },
        body: terminator,
      });
      checkResponse("/models/instances", "post", answer.status, answer.body);
      answers.push([type ?? "(none)", answer.status]);
    }
    expect(answers).toEqual([
      ["text/plain", 415],
      ["application/x-www-form-urlencoded", 415],
      ["multipart/form-data; boundary=x", 415],
      ["(none)", 415],
    ]);
    expect(await storedMovies(emulator)).toEqual([]);
    const json = await raw(emulator, "/models/instances", {
      headers: { "content-type": "Application/JSON; charset=utf-8" },
      body: terminator,
    });
    expect(json.status).toBe(200);
  });
});

describe("the CLI's safety flags", () => {
  it("warns when other machines can reach the emulator without --token", () => {
    expect(exposureWarning("0.0.0.0", undefined)).toBe(
      "warning: listening on 0.0.0.0 without --token: anyone who can reach this address can read and write the emulator's data; give --token <secret>",
    );
    expect(exposureWarning("::", undefined)).toContain("listening on ::");
    expect(exposureWarning("192.168.1.5", undefined)).toContain("--token");
    expect(exposureWarning("0.0.0.0", "secret")).toBeUndefined();
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
      expect([host, exposureWarning(host, undefined)]).toEqual([
        host,
        undefined,
      ]);
  });

  it("--allow-host takes names, several at once, and refuses a URL", () => {
    expect(parseAllowedHosts(["Emulator", "a.local,b.local"])).toEqual([
      "emulator",
      "a.local",
      "b.local",
    ]);
    expect(() => parseAllowedHosts(["http://evil.example:80"])).toThrow(
      '"http://evil.example:80" is not a host name',
    );
  });
});

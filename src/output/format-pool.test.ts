import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { afterEach, describe, expect, it } from "vitest";
import { FormatPool, formatJob, type FormatJob } from "./format-pool.js";

/** The compiled worker (npm test builds before it runs vitest); these tests need it. */
const BUILT_WORKER = fileURLToPath(
  new URL("../../dist/src/output/format-worker.js", import.meta.url),
);

function job(path: string, text: string, options = {}): FormatJob {
  return { path, text, options: { parser: "babel-ts", ...options } };
}

const SOURCES = [
  job("a.ts", 'export const a = { text: "x", n: 1 };\n'),
  job("b.ts", "export function b(x: number): number {\n  return x * 2;\n}\n"),
  job("c.ts", `export const c = [${'"long string value", '.repeat(20)}];\n`),
  job("d.ts", "export type D = { readonly d?: string };\n"),
];
const OPTIONS = { singleQuote: true, semi: false, printWidth: 60 };

describe("the format pool", () => {
  let pool: FormatPool | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await pool?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    pool = dir = undefined;
  });

  it("formats on this thread only once it helps, largest file first", async () => {
    const order: string[] = [];
    pool = new FormatPool(async (text) => {
      order.push(text);
      return text.toUpperCase();
    }, undefined);
    const results = SOURCES.map((source) => pool!.submit(source));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    pool.help();
    expect(await Promise.all(results)).toEqual(
      SOURCES.map((source) => source.text.toUpperCase()),
    );
    expect(order).toEqual(
      [...SOURCES]
        .sort((a, b) => b.text.length - a.text.length)
        .map((source) => source.text),
    );
  });

  it.runIf(existsSync(BUILT_WORKER))(
    "formats on a worker thread exactly as prettier does on this one",
    async () => {
      let local = 0;
      pool = new FormatPool(async (text, options) => {
        local++;
        return prettier.format(text, options);
      }, BUILT_WORKER);
      pool.startWorkers(1);
      expect(pool.workerThreads).toBe(1);
      const jobs = SOURCES.map((source) =>
        job(source.path, source.text, OPTIONS),
      );
      // Not helping: everything goes to the worker.
      const results = await Promise.all(jobs.map((j) => pool!.submit(j)));
      expect(local).toBe(0);
      for (const [i, j] of jobs.entries())
        expect(results[i]).toBe(await prettier.format(j.text, j.options));
    },
  );

  it.runIf(existsSync(BUILT_WORKER))(
    "a job that fails in the worker fails with prettier's message",
    async () => {
      pool = new FormatPool(prettier.format, BUILT_WORKER);
      pool.startWorkers(1);
      await expect(pool.submit(job("bad.ts", "const = ;\n"))).rejects.toThrow(
        /Unexpected token/,
      );
    },
  );

  it("the jobs of a worker that dies go back to the queue, for this thread", async () => {
    dir = await mkdtemp(join(tmpdir(), "dmgen-pool-"));
    const crashing = join(dir, "crash.mjs");
    await writeFile(
      crashing,
      'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => { throw new Error("crash"); });\n',
    );
    pool = new FormatPool(async (text) => `local:${text}`, crashing);
    pool.startWorkers(1);
    const results = Promise.all(SOURCES.map((source) => pool!.submit(source)));
    pool.help();
    expect(await results).toEqual(SOURCES.map((s) => `local:${s.text}`));
    expect(pool.workerThreads).toBe(0);
  });

  it("retries with the inferred parser when the faster one refuses the text", async () => {
    // babel-ts rejects this (it expects a semicolon after `asserts`); typescript prints it.
    const text = "type T = asserts x is string;\n";
    const retried = await formatJob(prettier.format, {
      ...job("t.ts", text),
      fallbackParser: "typescript",
    });
    expect(retried).toBe(await prettier.format(text, { parser: "typescript" }));
    await expect(formatJob(prettier.format, job("t.ts", text))).rejects.toThrow(
      /Missing semicolon/,
    );
  });
});

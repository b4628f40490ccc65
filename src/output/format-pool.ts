// Formats files with prettier on worker threads and on this thread, all pulling from one queue
// (largest file first). Work submitted early (the runtime's files, while the generator still
// emits the view modules) starts on a worker at once; once this thread has nothing else to do it
// helps, and every thread stays busy until the queue is empty.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { Options } from "prettier";

/** One file to format, with the options prettier gets for it. */
export interface FormatJob {
  readonly path: string;
  readonly text: string;
  readonly options: Options;
  /**
   * The parser prettier would infer from the file name, when `options.parser` is a faster one
   * chosen by dmgen (not by the user): used if the faster parser fails on the text.
   */
  readonly fallbackParser?: string;
}

export type FormatText = (text: string, options: Options) => Promise<string>;

/** Formats one job, retrying with the inferred parser when the chosen one fails. */
export async function formatJob(
  format: FormatText,
  job: FormatJob,
): Promise<string> {
  try {
    return await format(job.text, job.options);
  } catch (error) {
    if (job.fallbackParser === undefined) throw error;
    return format(job.text, { ...job.options, parser: job.fallbackParser });
  }
}

/** Messages between the pool and a worker (format-worker.ts). */
export interface WorkerRequest {
  readonly id: number;
  readonly job: FormatJob;
}
export type WorkerReply =
  | { readonly id: number; readonly text: string }
  | { readonly id: number; readonly error: string };

interface Queued {
  readonly id: number;
  readonly job: FormatJob;
  readonly thisThread: boolean;
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly inFlight: Map<number, Queued>;
  inFlightBytes: number;
}

/**
 * While this thread is busy (emitting), a worker cannot be handed its next job the moment it asks,
 * so it gets a backlog of about this many bytes (a fraction of a second of prettier's work).
 */
const BACKLOG_BYTES = 128_000;
/** Once this thread helps, each worker holds two jobs: the next one is there when one ends. */
const BACKLOG_JOBS = 2;
const MAX_WORKERS = 3;

/** Worker threads worth starting on this machine: one per core besides this thread's. */
export function workerCount(): number {
  return Math.max(0, Math.min(MAX_WORKERS, availableParallelism() - 1));
}

export function defaultWorkerScript(): string | undefined {
  const script = fileURLToPath(new URL("./format-worker.js", import.meta.url));
  // Running from the TypeScript sources (tests), there is no compiled worker: format in-thread.
  return existsSync(script) ? script : undefined;
}

/**
 * For a short command-line run: V8 optimizes a function once it has used up an "interrupt
 * budget" of bytecode. Prettier is a large body of code that is warm for about a second in each
 * thread, and with the default budget (132 KB) the optimizing compiler, on V8's helper threads and
 * once per thread, took as much CPU as the formatting itself (measured on CogniteCore with a
 * .prettierrc: 5.1 s CPU in all, 2.9 s of it on helper threads; 3.5 s with this budget). A larger
 * budget optimizes only what stays hot. The flag is process-wide, so only the CLI sets it, before
 * it loads prettier; a long-running process is hardly affected (its hot code is still optimized).
 */
export function preferShortRunJit(): void {
  setFlagsFromString(`--interrupt-budget=${8 * 132 * 1024}`);
}

export class FormatPool {
  private readonly queue: Queued[] = [];
  private readonly workers: WorkerSlot[] = [];
  private nextId = 0;
  private helping = false;
  private localBusy = false;
  private closed = false;

  constructor(
    private readonly format: FormatText,
    private readonly workerScript: string | undefined = defaultWorkerScript(),
  ) {}

  /**
   * Formats `job` on whichever thread is free first. Options with plugins stay on this thread:
   * a plugin object cannot be sent to a worker.
   */
  submit(job: FormatJob): Promise<string> {
    const thisThread = (job.options.plugins?.length ?? 0) > 0;
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, thisThread, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts `count` worker threads (each loads prettier; no-op without a worker script). */
  startWorkers(count: number): void {
    if (this.workerScript === undefined || this.closed) return;
    for (let i = this.workers.length; i < count; i++) this.spawn();
    this.dispatch();
  }

  get workerThreads(): number {
    return this.workers.length;
  }

  /** From now on this thread takes jobs too: call it when this thread has nothing else to do. */
  help(): void {
    this.helping = true;
    this.dispatch();
  }

  /** Stops the workers; jobs not done yet are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error("the formatter was closed");
    for (const queued of this.queue.splice(0)) queued.reject(stopped);
    await Promise.all(
      this.workers.splice(0).map(async (slot) => {
        for (const queued of slot.inFlight.values()) queued.reject(stopped);
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): void {
    const worker = new Worker(this.workerScript!);
    // A worker never keeps the process alive on its own (close() is the normal way out).
    worker.unref();
    const slot: WorkerSlot = { worker, inFlight: new Map(), inFlightBytes: 0 };
    worker.on("message", (reply: WorkerReply) => {
      const queued = slot.inFlight.get(reply.id);
      if (queued === undefined) return;
      slot.inFlight.delete(reply.id);
      slot.inFlightBytes -= queued.job.text.length;
      if ("error" in reply) queued.reject(new Error(reply.error));
      else queued.resolve(reply.text);
      this.dispatch();
    });
    worker.on("error", () => this.retire(slot));
    worker.on("exit", () => this.retire(slot));
    this.workers.push(slot);
  }

  /** A worker that failed: its jobs go back to the queue, for the other threads (or this one). */
  private retire(slot: WorkerSlot): void {
    const index = this.workers.indexOf(slot);
    if (index < 0) return;
    this.workers.splice(index, 1);
    this.queue.push(...slot.inFlight.values());
    slot.inFlight.clear();
    this.dispatch();
  }

  /** Hands queued jobs, largest first, to workers with room and to this thread when it helps. */
  private dispatch(): void {
    if (this.closed) return;
    this.queue.sort((a, b) => b.job.text.length - a.job.text.length);
    for (const slot of this.workers) {
      while (this.hasRoom(slot)) {
        const index = this.queue.findIndex((queued) => !queued.thisThread);
        if (index < 0) break;
        const [queued] = this.queue.splice(index, 1) as [Queued];
        slot.inFlight.set(queued.id, queued);
        slot.inFlightBytes += queued.job.text.length;
        slot.worker.postMessage({
          id: queued.id,
          job: queued.job,
        } satisfies WorkerRequest);
      }
    }
    if (this.helping && !this.localBusy && this.queue.length > 0)
      void this.runLocally();
  }

  private hasRoom(slot: WorkerSlot): boolean {
    if (slot.inFlight.size === 0) return true;
    if (this.helping || this.workers.length === 0)
      return slot.inFlight.size < BACKLOG_JOBS;
    return slot.inFlightBytes < BACKLOG_BYTES;
  }

  private async runLocally(): Promise<void> {
    this.localBusy = true;
    try {
      for (
        let queued = this.queue.shift();
        queued !== undefined && !this.closed;
        queued = this.queue.shift()
      ) {
        try {
          queued.resolve(await formatJob(this.format, queued.job));
        } catch (error) {
          queued.reject(error as Error);
        }
        // Let replies from the workers in (and hand them their next job) between two files.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.localBusy = false;
    }
  }
}

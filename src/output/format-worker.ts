// A worker thread of the formatter: formats its share of the files with prettier and posts the
// results back (see formatInParallel in format.ts).

import { parentPort, workerData } from "node:worker_threads";
import type { FormatJob } from "./format.js";

const { format } = await import("prettier");
const jobs = workerData as FormatJob[];
const results: [string, string][] = [];
for (const job of jobs)
  results.push([job.path, await format(job.text, job.options)]);
parentPort!.postMessage(results);

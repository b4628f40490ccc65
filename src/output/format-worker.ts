// A worker thread of the formatter: formats the files the pool (format-pool.ts) hands it, one
// at a time in the order they come, and replies with the text or the error.

import { parentPort } from "node:worker_threads";
import { format } from "prettier";
import {
  formatJob,
  type WorkerReply,
  type WorkerRequest,
} from "./format-pool.js";

// Load the parser and printer of TypeScript files now, while the first file is being prepared.
let previous: Promise<unknown> = format(";", { parser: "babel-ts" }).then(
  () => undefined,
  () => undefined,
);
parentPort!.on("message", ({ id, job }: WorkerRequest) => {
  previous = previous.then(async () => {
    let reply: WorkerReply;
    try {
      reply = { id, text: await formatJob(format, job) };
    } catch (error) {
      reply = {
        id,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    parentPort!.postMessage(reply);
  });
});

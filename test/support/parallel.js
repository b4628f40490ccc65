// Runs npm scripts at once and prints each one's output whole when it ends, so that two cores
// do the single-threaded checks of `npm test` (tsc, type-aware ESLint, prettier) side by side.
// `node test/support/parallel.js a b+c`: runs `a` and, beside it, `b` then `c`. Exits with the
// first failure's code, after every script has ended.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";

/** Runs one npm script; resolves with its exit code and its output (stdout and stderr, in order). */
function runScript(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn("npm", ["run", name], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    child.stdout.on("data", (chunk) => chunks.push(chunk));
    child.stderr.on("data", (chunk) => chunks.push(chunk));
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 1 : 0),
        output: Buffer.concat(chunks).toString(),
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
}

/** Runs `names` one after the other, stopping at the first failure. */
async function runSequence(names) {
  for (const name of names) {
    const { code, output, seconds } = await runScript(name);
    const status = code === 0 ? "ok" : `failed (exit ${code})`;
    process.stdout.write(
      `> ${name}: ${status} in ${seconds.toFixed(1)} s\n${output}`,
    );
    if (code !== 0) return code;
  }
  return 0;
}

const sequences = process.argv.slice(2).map((arg) => arg.split("+"));
if (sequences.length === 0) {
  console.error(
    "usage: node test/support/parallel.js <script>[+<script>...] ...",
  );
  process.exit(2);
}
const codes = await Promise.all(sequences.map(runSequence));
process.exitCode = codes.find((code) => code !== 0) ?? 0;

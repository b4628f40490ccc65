// Running `dmgen` in tests: in this process (`main` with the folder and streams of the run), or
// as a user runs it (the built bin/dmgen.js in a child process, `npm test` builds first). Most
// tests run in-process: a child costs a Node start and the imports (~0.5 s of CPU each), and
// what it adds (the bin's two lines, process exit codes) is proven by the few spawned tests.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { main } from "../../src/cli/main.js";
import { REPO_ROOT } from "./generated.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `dmgen ...args` run in this process from the folder `cwd`. */
export async function dmgen(args: string[], cwd: string): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    ownsProcess: false,
  });
  return { code, stdout, stderr };
}

const exec = promisify(execFile);
export const BIN = join(REPO_ROOT, "bin", "dmgen.js");

/** `node bin/dmgen.js ...args` in a child process: the exit code is the process's. */
export async function spawnDmgen(
  args: string[],
  cwd: string,
  timeout = 0,
): Promise<CliRun> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd,
      timeout,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

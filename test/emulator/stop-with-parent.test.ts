// `npx dmgen emulator` runs the server in a child of the npx process, and npx does not always pass
// signals on: the emulator watches its parent and stops (with the final save) when it is gone.
// Here a shell stands in for npx and is killed outright.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/dmgen.js", import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it("stops, saving its state, when the process that started it is killed", async () => {
  const dir = await mkdtemp(join(tmpdir(), "dmgen-emu-parent-"));
  const dataFile = join(dir, "state.ndjson");
  const shell = spawn(
    "sh",
    [
      "-c",
      `"${process.execPath}" "${BIN}" emulator --port 0 --spaces s --data "${dataFile}" & echo "pid:$!"; wait`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  let child = 0;
  try {
    const lines: string[] = [];
    shell.stdout.on("data", (chunk: Buffer) =>
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)),
    );
    while (!lines.some((l) => l.startsWith("http://")))
      await new Promise((resolve) => setTimeout(resolve, 20));
    child = Number(lines.find((l) => l.startsWith("pid:"))!.slice(4));
    const url = lines.find((l) => l.startsWith("http://"))!;
    const write = await fetch(`${url}/api/v1/projects/p/models/instances`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        items: [{ instanceType: "node", space: "s", externalId: "n1" }],
      }),
    });
    expect(write.status).toBe(200);
    shell.kill("SIGKILL");
    // Polled until it is gone (the test's timeout is the only bound: no wall-clock guess).
    while (alive(child))
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readFile(dataFile, "utf8")).toContain('"s","n1"');
  } finally {
    if (child && alive(child)) process.kill(child, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}, 30_000);

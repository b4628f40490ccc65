// The generated client's run-time dependency: with the undici transport it imports `undici`, which
// the app must declare itself (npm may hoist dmgen's copy in development, but `npm ci --omit=dev`
// and pnpm's strict layout do not). A warning, never an error: the app may provide it otherwise.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { GenerateSettings } from "../config/index.js";
import { runtimeSourceDir } from "../generate.js";

const RUNTIME_SECTIONS = [
  "dependencies",
  "peerDependencies",
  "optionalDependencies",
];

/** The nearest `package.json` at or above `dir`, or undefined when there is none. */
export function nearestPackageJson(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * Why `packageJson` does not provide `dependency` at run time, or undefined when it does (or
 * when the file cannot be read: that is not this check's business).
 */
export function missingDependency(
  packageJson: string,
  dependency: string,
): string | undefined {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(packageJson, "utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  const declaredIn = (section: string): boolean => {
    const deps = manifest[section];
    return typeof deps === "object" && deps !== null && dependency in deps;
  };
  if (RUNTIME_SECTIONS.some(declaredIn)) return undefined;
  return declaredIn("devDependencies")
    ? `lists "${dependency}" only in devDependencies`
    : `does not list "${dependency}" in its dependencies`;
}

/** The undici range the runtime is written for: dmgen's own dependency on it. */
export function supportedUndiciRange(): string | undefined {
  try {
    const manifest = JSON.parse(
      readFileSync(
        join(runtimeSourceDir(), "..", "..", "package.json"),
        "utf8",
      ),
    ) as { dependencies?: Record<string, string> };
    return manifest.dependencies?.undici;
  } catch {
    return undefined;
  }
}

/** Warns (once per package.json) when the undici transport is chosen and the app lacks undici. */
export function warnMissingDependency(
  settings: Pick<GenerateSettings, "out" | "transport">,
  warned: Set<string>,
  write: (line: string) => void = (line) => process.stderr.write(line),
): void {
  if (settings.transport !== "undici") return;
  const packageJson = nearestPackageJson(settings.out);
  if (!packageJson || warned.has(packageJson)) return;
  const problem = missingDependency(packageJson, "undici");
  if (!problem) return;
  warned.add(packageJson);
  const range = supportedUndiciRange();
  const install = range ? `npm install undici@${range}` : "npm install undici";
  write(
    `dmgen: warning: ${packageJson} ${problem}, but the generated client imports it at run time ` +
      `(--transport undici). Run \`${install}\`, or generate with --transport fetch.\n`,
  );
}

/**
 * Warns (once per package.json) when the output's nearest `package.json` does not say
 * `"type": "module"`: the generated code is ES modules only, and under it (`npm init` writes
 * `"type": "commonjs"`) Node and TypeScript's `nodenext` take every `.js` file for CommonJS
 * (TS1295 once per import under `verbatimModuleSyntax`). Bundlers do not mind, hence a warning.
 */
export function warnNotModule(
  settings: Pick<GenerateSettings, "out">,
  warned: Set<string>,
  write: (line: string) => void = (line) => process.stderr.write(line),
): void {
  const packageJson = nearestPackageJson(settings.out);
  if (!packageJson || warned.has(packageJson)) return;
  let type: unknown;
  try {
    type = (JSON.parse(readFileSync(packageJson, "utf8")) as { type?: unknown })
      .type;
  } catch {
    return;
  }
  if (type === "module") return;
  warned.add(packageJson);
  const says =
    type === undefined ? "has no" : `has ${JSON.stringify(type)} instead of`;
  write(
    `dmgen: warning: ${packageJson} ${says} "type": "module", but the generated code is ES modules ` +
      `only: Node and TypeScript (module nodenext) would take it for CommonJS. Add "type": "module" ` +
      `to it (bundlers need not).\n`,
  );
}

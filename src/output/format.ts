// Prettier runs only when the user's resolved prettier config differs from prettier's defaults:
// the emitters already print in the default style (a test holds them to it), and formatting a
// large output would cost more than generating it.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { FileMap } from "./file-map.js";

const CONFIG_FILES = [
  ".prettierrc",
  ".prettierrc.json",
  ".prettierrc.json5",
  ".prettierrc.yaml",
  ".prettierrc.yml",
  ".prettierrc.toml",
  ".prettierrc.js",
  ".prettierrc.cjs",
  ".prettierrc.mjs",
  ".prettierrc.ts",
  ".prettierrc.cts",
  ".prettierrc.mts",
  "prettier.config.js",
  "prettier.config.cjs",
  "prettier.config.mjs",
  "prettier.config.ts",
  "prettier.config.cts",
  "prettier.config.mts",
  ".editorconfig",
];

/** Options that change nothing when they hold prettier's default value. */
const DEFAULTS: Record<string, unknown> = {
  printWidth: 80,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: false,
  quoteProps: "as-needed",
  trailingComma: "all",
  bracketSpacing: true,
  bracketSameLine: false,
  arrowParens: "always",
  endOfLine: "lf",
  objectWrap: "preserve",
  experimentalTernaries: false,
  experimentalOperatorPosition: "end",
};

/** Is there any prettier config (or .editorconfig) in the output folder or above it? */
export function hasPrettierConfig(outDir: string): boolean {
  for (let dir = resolve(outDir); ; dir = dirname(dir)) {
    if (CONFIG_FILES.some((name) => existsSync(join(dir, name)))) return true;
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && packageHasPrettierKey(pkg)) return true;
    if (dirname(dir) === dir) return false;
  }
}

function packageHasPrettierKey(file: string): boolean {
  try {
    return "prettier" in (JSON.parse(readFileSync(file, "utf8")) as object);
  } catch {
    return false;
  }
}

/** Formats every file with the user's prettier config, or returns undefined when none applies. */
export async function formatFiles(
  files: FileMap,
  outDir: string,
): Promise<FileMap | undefined> {
  if (!hasPrettierConfig(outDir)) return undefined;
  const prettier = await import("prettier");
  const options = await prettier.resolveConfig(
    join(resolve(outDir), "index.ts"),
    { editorconfig: true },
  );
  const relevant = Object.entries(options ?? {}).filter(
    ([key, value]) => key !== "overrides" && DEFAULTS[key] !== value,
  );
  if (relevant.length === 0) return undefined;
  const formatted = new Map<string, string>();
  for (const [path, text] of files) {
    const filepath = join(resolve(outDir), path);
    const fileOptions =
      (await prettier.resolveConfig(filepath, { editorconfig: true })) ?? {};
    formatted.set(
      path,
      await prettier.format(text, { ...fileOptions, filepath }),
    );
  }
  return formatted;
}

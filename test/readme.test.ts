// The README's code works as shown: its quick start config generates the names its examples use,
// every config example is valid for the views it is written for, and every ```ts block compiles
// (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax, nodenext)
// against the output of the README's own `generate` command.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configModels, parseConfig } from "../src/config/index.js";
import {
  EXAMPLES_DIR,
  REPO_ROOT,
  STRICT_FLAGS,
  generateFiles,
  runTsc,
  runtimeToDeclarations,
  scratchDir,
} from "./support/generated.js";
import { dmgen } from "./support/cli.js";

interface CodeBlock {
  readonly language: string;
  readonly text: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
}

/** The fenced code blocks of a markdown text. */
function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++)
      body.push(lines[i]!);
    blocks.push({
      language: open[1]!,
      text: body.join("\n") + "\n",
      line: start + 1,
    });
  }
  return blocks;
}

const isTypeScript = (block: CodeBlock) =>
  block.language === "ts" || block.language === "typescript";

const README = join(REPO_ROOT, "README.md");
const MOVIES_VIEWS = join(EXAMPLES_DIR, "movies", "views.json");
/** The commands the quick start tells a user to run (README: "Generate code"). */
const QUICK_START_COMMAND = "npx dmgen generate ";

let blocks: CodeBlock[];
let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  blocks = codeBlocks(await readFile(README, "utf8"));
  scratch = await scratchDir("readme");
  await copyFile(MOVIES_VIEWS, join(scratch.dir, "views.json"));
});
afterAll(() => scratch.cleanup());

const jsonConfigs = () =>
  blocks
    .filter((block) => block.language === "json")
    .map((block) => ({
      block,
      json: JSON.parse(block.text) as Record<string, unknown>,
    }))
    .filter(({ json }) => "input" in json || "models" in json);

describe("README", () => {
  it("has the blocks this test reads", () => {
    expect(blocks.filter(isTypeScript).length).toBeGreaterThan(0);
    expect(jsonConfigs().length).toBeGreaterThan(0);
    const commands = blocks
      .filter((b) => b.language === "sh")
      .flatMap((b) => b.text.split("\n"));
    expect(commands.some((c) => c.startsWith(QUICK_START_COMMAND))).toBe(true);
  });

  it("has only config examples that are valid for the views they name", async () => {
    // How many examples were read, and how many of their models generated against the views:
    // a README edit that hides examples from this test (another fence, another input) fails here.
    // Adding an example? Count it in.
    const examples = jsonConfigs();
    let generated = 0;
    for (const { block, json } of examples) {
      const file = join(scratch.dir, `readme-line-${block.line}.json`);
      const config = parseConfig(json, file);
      for (const model of configModels(config)) {
        if (model.input?.join() !== join(scratch.dir, "views.json")) continue;
        generated++;
        // Throws (naming the config entry) for a view or property the views do not have.
        await generateFiles([...model.input], {
          naming: model.naming ?? {
            properties: "camelCase",
            views: {},
            renames: {},
          },
          transport: model.transport ?? "undici",
          timestamps: model.timestamps ?? "date",
          int64: model.int64 ?? "number",
        });
      }
    }
    // The quick start, the options example and the two-model example (its models name other
    // views files, so they are parsed but not generated).
    expect({ examples: examples.length, generated }).toEqual({
      examples: 3,
      generated: 2,
    });
  });

  it("has TypeScript blocks that compile against the quick start's output", async () => {
    const [quickStart] = jsonConfigs();
    await writeFile(
      join(scratch.dir, "dmgen.config.json"),
      quickStart!.block.text,
    );
    // `npx dmgen generate`, as the quick start says (in this process: test/cli.test.ts runs the bin).
    const generated = await dmgen(["generate"], scratch.dir);
    expect(generated.code, generated.stderr).toBe(0);
    const out = String(quickStart!.json.out);
    const srcDir = join(scratch.dir, "src");
    expect(out).toBe("src/generated");
    // The blocks and the model code are what this checks (the runtime is checked where it stands).
    await runtimeToDeclarations(join(scratch.dir, out));
    await mkdir(srcDir, { recursive: true });
    for (const block of blocks.filter(isTypeScript)) {
      await writeFile(join(srcDir, `readme-line-${block.line}.ts`), block.text);
    }
    const { noUnusedLocals: _examplesMayLeaveValuesUnused, ...flags } =
      STRICT_FLAGS;
    await writeFile(
      join(scratch.dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          ...flags,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023"],
          types: ["node"],
        },
        include: ["src/**/*.ts"],
      }),
    );
    // Errors name the README line of the block's fence (readme-line-<n>.ts).
    expect(await runTsc(join(scratch.dir, "tsconfig.json"))).toBe("");
  });
});

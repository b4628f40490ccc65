// Tests of the syntax layer hold its output to prettier: formatting printed code changes nothing.

import * as prettier from "prettier";

/** The text prettier (default options, TypeScript) makes of `code`. */
export async function prettierFormat(code: string): Promise<string> {
  return prettier.format(code, { parser: "typescript" });
}

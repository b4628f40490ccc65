import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { UserError } from "../errors.js";
import { handleError, INTERNAL_ERROR_EXIT_CODE } from "./main.js";

describe("handleError", () => {
  const run = (error: unknown) => {
    const written: string[] = [];
    const code = handleError(error, (text) => written.push(text));
    return { code, text: written.join("") };
  };

  it("reports a user error in one line, with exit code 2", () => {
    expect(run(new UserError("no such view", "views.json"))).toEqual({
      code: 2,
      text: "dmgen: views.json: no such view\n",
    });
  });

  it("reports a bug with its stack and an exit code of its own (not 1, which means stale)", () => {
    const bug = new TypeError("cannot read properties of undefined");
    const { code, text } = run(bug);
    expect(code).toBe(INTERNAL_ERROR_EXIT_CODE);
    expect(code).not.toBe(1);
    expect(text).toMatch(
      /^dmgen: internal error \(a bug in dmgen; please report it\):\nTypeError: cannot read properties of undefined\n {4}at /,
    );
    expect(run("thrown text")).toEqual({
      code: INTERNAL_ERROR_EXIT_CODE,
      text: "dmgen: internal error (a bug in dmgen; please report it):\nthrown text\n",
    });
  });

  it("lets --help and --version end with 0, and other commander errors with 2", () => {
    expect(run(new CommanderError(0, "commander.helpDisplayed", "")).code).toBe(
      0,
    );
    expect(
      run(new CommanderError(1, "commander.unknownOption", "x")).code,
    ).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import { checkValue, parseTimestamp, sameValue } from "./values.js";

describe("checkValue", () => {
  it("normalises timestamps to UTC with +00:00 and accepts the API's zone forms", () => {
    const type = { type: "timestamp", list: false } as const;
    expect(checkValue("2020-03-14T15:09:26.535+00:00", type, "p")).toBe(
      "2020-03-14T15:09:26.535+00:00",
    );
    expect(checkValue("2020-03-14T16:09:26.5+0100", type, "p")).toBe(
      "2020-03-14T15:09:26.500+00:00",
    );
    expect(checkValue("2020-03-14T15:09:26Z", type, "p")).toBe(
      "2020-03-14T15:09:26.000+00:00",
    );
    expect(() => checkValue("2020-03-14 15:09", type, "p")).toThrow(
      /expected a timestamp/,
    );
    expect(() => checkValue("2020-02-30T00:00:00Z", type, "p")).toThrow(
      /expected a timestamp/,
    );
  });

  it("checks dates, int ranges, enums, lists, direct relations and json", () => {
    expect(checkValue("2024-02-29", { type: "date", list: false }, "p")).toBe(
      "2024-02-29",
    );
    expect(() =>
      checkValue("2023-02-29", { type: "date", list: false }, "p"),
    ).toThrow(/expected a date/);
    expect(() =>
      checkValue(2147483648, { type: "int32", list: false }, "p"),
    ).toThrow(/out of range for int32/);
    expect(checkValue(2 ** 40, { type: "int64", list: false }, "p")).toBe(
      2 ** 40,
    );
    const status = {
      type: "enum",
      list: false,
      values: { running: {}, unknown: {} },
      unknownValue: "unknown",
    } as const;
    expect(checkValue("running", status, "p")).toBe("running");
    expect(() => checkValue("flying", status, "p")).toThrow(
      /not one of the enum values/,
    );
    expect(() => checkValue("unknown", status, "p")).toThrow(
      /cannot be ingested/,
    );
    expect(() =>
      checkValue([1, 2, 3], { type: "int32", list: true, maxListSize: 2 }, "p"),
    ).toThrow(/more than the maximum of 2/);
    expect(
      checkValue(
        { space: "s", externalId: "x" },
        { type: "direct", list: false },
        "p",
      ),
    ).toEqual({ space: "s", externalId: "x" });
    expect(() =>
      checkValue(
        { space: "s", externalId: "x", type: "view" },
        { type: "direct", list: false },
        "p",
      ),
    ).toThrow(/only "space" and "externalId"/);
    expect(() => checkValue([1], { type: "json", list: false }, "p")).toThrow(
      /got a list/,
    );
  });

  it("parses timestamps to epoch ms and compares values structurally", () => {
    expect(parseTimestamp("1970-01-01T00:00:01.000Z")).toBe(1000);
    expect(parseTimestamp("nope")).toBeUndefined();
    expect(sameValue({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});

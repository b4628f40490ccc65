import { describe, expect, it } from "vitest";
import {
  ApplyFailedError,
  AuthenticationError,
  createDmsError,
  CursorExpiredError,
  DmsError,
  TransportError,
  redacted,
  VersionConflictError,
} from "./errors.js";
import { fullMessage, redactSecrets } from "./explain.js";

const request = {
  method: "POST",
  url: "https://x/api/v1/projects/p/models/instances",
};

describe("createDmsError", () => {
  it("types version conflicts, expired cursors and 401s", () => {
    expect(
      createDmsError({
        ...request,
        status: 409,
        code: 409,
        apiMessage: "A version conflict caused the ingest to fail.",
      }),
    ).toBeInstanceOf(VersionConflictError);
    const expired = createDmsError({
      ...request,
      status: 400,
      code: 400,
      apiMessage: "Cursor has expired (older than 3 days)",
    });
    expect(expired).toBeInstanceOf(CursorExpiredError);
    expect(expired).toBeInstanceOf(DmsError);
    expect(
      createDmsError({
        ...request,
        status: 401,
        code: 401,
        apiMessage: "Unauthorized",
      }),
    ).toBeInstanceOf(AuthenticationError);
    expect(
      createDmsError({
        ...request,
        status: 409,
        code: 409,
        apiMessage: "Start node missing",
      }).constructor,
    ).toBe(DmsError);
  });
  it("writes a message naming the request, the ids and the request id", () => {
    const error = createDmsError({
      ...request,
      status: 400,
      code: 400,
      apiMessage: "View not found",
      missing: [{ space: "s", externalId: "Pump", version: "v1" }],
      requestId: "req-1",
      attempts: 1,
    });
    expect(error.message).toBe(
      "POST https://x/api/v1/projects/p/models/instances failed with 400: View not found",
    );
    expect(fullMessage(error)).toBe(
      "POST https://x/api/v1/projects/p/models/instances failed with 400: View not found; missing: s:Pump/v1; request id req-1",
    );
    expect(error.missing).toEqual([
      { space: "s", externalId: "Pump", version: "v1" },
    ]);
    expect(error.duplicated).toEqual([]);
    expect(error.requestId).toBe("req-1");
  });
});

describe("DmsError message", () => {
  const failure = (
    missing: Record<string, unknown>[],
    duplicated: Record<string, unknown>[] = [],
  ): string =>
    fullMessage(
      createDmsError({
        ...request,
        status: 400,
        code: 400,
        apiMessage: "Invalid request",
        missing,
        duplicated,
      }),
    );

  it("names a missing space once, not as an id and its JSON", () => {
    expect(failure([{ space: "no_such_space" }])).toBe(
      "POST https://x/api/v1/projects/p/models/instances failed with 400: Invalid request; missing: space no_such_space",
    );
  });

  it("prints each missing or duplicated id once", () => {
    const message = failure(
      [
        { space: "s", externalId: "a", instanceType: "node" },
        { space: "s", externalId: "a", instanceType: "node" },
        { space: "s", externalId: "b" },
      ],
      [
        { space: "s", externalId: "c" },
        { space: "s", externalId: "c" },
      ],
    );
    expect(message).toContain("; missing: s:a, s:b; duplicated: s:c");
  });

  it("counts distinct ids past the first five, and shows odd shapes as JSON", () => {
    const ids = Array.from({ length: 8 }, (_, n) => ({
      space: "s",
      externalId: `x${n % 7}`,
    }));
    expect(failure(ids)).toContain(
      "missing: s:x0, s:x1, s:x2, s:x3, s:x4 and 2 more",
    );
    expect(failure([{ externalId: "only" }])).toContain(
      'missing: {"externalId":"only"}',
    );
  });
});

describe("TransportError", () => {
  it("keeps the cause and says what failed", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    const error = new TransportError({
      ...request,
      kind: "connection",
      cause,
      attempts: 3,
    });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      "Could not reach the server: POST https://x/api/v1/projects/p/models/instances (ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1) (after 3 attempts)",
    );
  });
});

describe("ApplyFailedError", () => {
  it("counts what was written", () => {
    const error = new ApplyFailedError({
      written: [{ space: "s", externalId: "a" }],
      notWritten: [
        { space: "s", externalId: "b" },
        { space: "s", externalId: "c" },
      ],
      unknown: [],
      cause: new Error("boom"),
      aborted: false,
    });
    expect(error.message).toBe(
      "Apply failed: 1 instance(s) written, 2 not written. Cause: boom",
    );
  });
});

describe("redactSecrets and redacted", () => {
  it("removes known secrets and bearer tokens", async () => {
    expect(redactSecrets("token abcdef123 here", ["abcdef123"])).toBe(
      "token *** here",
    );
    expect(await redacted("Authorization: Bearer eyJhbGciOi.xyz", [])).toBe(
      "Authorization: Bearer ***",
    );
  });
});

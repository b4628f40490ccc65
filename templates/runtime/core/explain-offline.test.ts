// When `redact.ts` cannot load (a browser whose chunk is gone), a failed request still fails with
// its own error class, naming the request, and no secret as it is or as a bearer token gets out.
import { describe, expect, it, vi } from "vitest";
import { VersionConflictError } from "./errors.js";
import { HttpClient } from "./http.js";
import type { Transport } from "./transport.js";

vi.mock("./explain.js", () => {
  throw new Error("chunk offline");
});

const SECRET = "secret-token-1234567890";

describe("a failure while redact.ts cannot load", () => {
  it("is still the right error, with raw secrets and bearer tokens taken out", async () => {
    const body = JSON.stringify({
      error: {
        code: 409,
        message: `A version conflict for ${SECRET}; sent Bearer abcdefgh12345678`,
      },
    });
    const transport: Transport = {
      request: () =>
        Promise.resolve({ status: 409, header: () => undefined, body }),
      close: () => Promise.resolve(),
    };
    const http = new HttpClient({
      baseUrl: "https://example.invalid",
      project: "p",
      transport,
      tokenSource: {
        getToken: () => Promise.resolve(SECRET),
        invalidate: () => {},
        canRefresh: false,
        secrets: () => [SECRET],
      },
    });
    const error = await http.postJson("/models/instances", {}).catch((e) => e);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as Error).message).toContain(
      "POST https://example.invalid/api/v1/projects/p/models/instances failed with 409",
    );
    expect((error as VersionConflictError).apiMessage).toBe(
      "A version conflict for ***; sent Bearer ***",
    );
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain("abcdefgh12345678");
  });
});

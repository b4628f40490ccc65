// Shared pieces of the runtime's end-to-end tests: inline views, a recording transport that
// checks every request against the DMS OpenAPI contract, and id helpers.
import type { ViewDefinition } from "../../src/input/types.js";
import type { Transport } from "../../templates/runtime/core/transport.js";
import type { ViewReference } from "../../templates/runtime/core/wire.js";
import { validateRequest } from "../support/openapi.js";

export const SPACE = "sp";
export const thingView: ViewReference = {
  type: "view",
  space: SPACE,
  externalId: "Thing",
  version: "v1",
};
export const linkView: ViewReference = {
  type: "view",
  space: SPACE,
  externalId: "Link",
  version: "v1",
};

const thingContainer = {
  type: "container",
  space: SPACE,
  externalId: "Thing",
} as const;
const linkContainer = {
  type: "container",
  space: SPACE,
  externalId: "Link",
} as const;

function mapped(
  container: typeof thingContainer | typeof linkContainer,
  id: string,
  type: "text" | "int32" | "float64",
) {
  return {
    kind: "mapped" as const,
    container,
    containerPropertyIdentifier: id,
    type: { type, list: false },
    nullable: true,
    immutable: false,
    autoIncrement: false,
  };
}

/** A node view Thing(name: text, size: int32) and an edge view Link(weight: float64). */
export const views: ViewDefinition[] = [
  {
    space: SPACE,
    externalId: "Thing",
    version: "v1",
    implements: [],
    writable: true,
    queryable: true,
    usedFor: "node",
    isGlobal: false,
    mappedContainers: [thingContainer],
    properties: {
      name: mapped(thingContainer, "name", "text"),
      size: mapped(thingContainer, "size", "int32"),
    },
  },
  {
    space: SPACE,
    externalId: "Link",
    version: "v1",
    implements: [],
    writable: true,
    queryable: true,
    usedFor: "edge",
    isGlobal: false,
    mappedContainers: [linkContainer],
    properties: { weight: mapped(linkContainer, "weight", "float64") },
  },
];

/**
 * The contract's externalId pattern is double-escaped (`[^\\x00]` forbids "\", "x" and "0"), so
 * test ids avoid those characters until test/support/openapi.ts patches it.
 */
export function thingId(i: number): string {
  return `t${String(i).replace(/0/g, "o")}`;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly body: any;
  readonly status: number | undefined;
}

/** Wraps a transport: records calls, checks bodies against the contract, counts concurrency. */
export function recordingTransport(inner: Transport) {
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const stats = { inFlight: 0, maxInFlight: 0 };
  const transport: Transport = {
    request: async (request) => {
      const path = new URL(request.url).pathname.replace(
        /^\/api\/v1\/projects\/[^/]+/,
        "",
      );
      const body =
        request.body === undefined ? undefined : JSON.parse(request.body);
      if (body !== undefined && path.startsWith("/models/")) {
        const result = validateRequest(path, request.method, body);
        if (!result.valid)
          violations.push(
            `${request.method} ${path}: ${result.errors.slice(0, 3).join("; ")}`,
          );
      }
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      let status: number | undefined;
      try {
        const response = await inner.request(request);
        status = response.status;
        return response;
      } finally {
        stats.inFlight--;
        calls.push({ method: request.method, path, body, status });
      }
    },
    close: () => inner.close(),
  };
  return { transport, calls, violations, stats };
}

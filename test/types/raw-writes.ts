// Compile-time promises of raw (untyped) writes, checked by `npm run typecheck` (tsc): every line
// marked `@ts-expect-error` must fail to compile, every other line must compile.

import type { NodeWrite } from "../../generated-examples/movies/runtime/core/wire.js";

const source = {
  type: "view",
  space: "movies",
  externalId: "Movie",
  version: "2",
} as const;

// An int64 beyond 2^53 is written as a bigint (the runtime sends its exact digits), alone or in a
// list; JSON values are written as they are.
export const exact: NodeWrite = {
  instanceType: "node",
  space: "movies",
  externalId: "m",
  sources: [
    {
      source,
      properties: {
        views: 2n ** 60n + 1n,
        counts: [2n ** 60n, -(2n ** 63n)],
        title: "M",
        meta: { nested: [1, "x", null] },
      },
    },
  ],
};

// What JSON cannot say is not a property value.
export const notJson: NodeWrite = {
  instanceType: "node",
  space: "movies",
  externalId: "m",
  sources: [
    {
      source,
      properties: {
        // @ts-expect-error undefined is not a value (null clears a property)
        title: undefined,
        // @ts-expect-error a Date is written as an ISO string
        released: new Date(),
        // @ts-expect-error a bigint inside a JSON value is not an int64 property
        meta: { nested: 1n },
      },
    },
  ],
};

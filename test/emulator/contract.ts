// Contract checks for the emulator suites, on top of test/support/openapi.ts (which patches the
// spec's known defects): statuses the spec does not list for a route get the generic error shape.

import { readFileSync } from "node:fs";
import {
  SPEC_PATH,
  assertValid,
  validateRequest,
  validateResponse,
  validateSchema,
} from "../support/openapi.js";

type Json = Record<string, any>;
const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8")) as Json;

export function specHasStatus(
  route: string,
  method: string,
  status: number,
): boolean {
  const responses = spec.paths[route]?.[method]?.responses ?? {};
  return String(status) in responses || "default" in responses;
}

export function checkRequest(
  route: string,
  method: string,
  body: unknown,
): void {
  assertValid(
    `${method.toUpperCase()} ${route} request`,
    validateRequest(route, method, body),
  );
}

export function checkResponse(
  route: string,
  method: string,
  status: number,
  body: any,
): void {
  if (status !== 200 && !specHasStatus(route, method, status)) {
    // A status the spec does not list for this route (401, 404, 405, 409, 429, 503...): the generic error shape.
    if (Object.keys(body).join() !== "error")
      throw new Error(
        `${route} → ${status}: not an error body: ${JSON.stringify(body)}`,
      );
    assertValid(
      `${method} ${route} → ${status}`,
      validateSchema("Error", body.error),
    );
    if (body.error.code !== status)
      throw new Error(`${route} → ${status}: error.code is ${body.error.code}`);
    return;
  }
  assertValid(
    `${method} ${route} → ${status}`,
    validateResponse(route, method, status, body),
  );
}

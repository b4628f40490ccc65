// Response bodies the server writes as they are: JSON text a handler already built, so that hot
// reads (sync pages) can reuse text serialized earlier instead of stringifying every item again.

import { writeJson } from "../json.js";

/** JSON text a handler built itself; the server sends it unchanged. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The text to send for a handler's result. */
export function responseText(body: unknown): string {
  return body instanceof JsonText ? body.text : writeJson(body);
}

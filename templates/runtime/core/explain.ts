// What only a failure needs, loaded when one happens (`redacted` in `errors.ts`): a DmsError's
// full message, and redaction, which takes the secrets a client knows (tokens, the client secret)
// out of a text in every encoding an API or a proxy may echo them in. Types only from the modules
// an app loads up front: a value imported from one would give it a bundle chunk of its own.

import type { DmsError } from "./errors.js";

/** A DmsError's message with the ids the API named, a hint by status and the request id. */
export function fullMessage(error: DmsError): string {
  const { missing, duplicated, status, requestId } = error;
  return [
    `${error.method} ${error.url} failed with ${status}: ${error.apiMessage}`,
    missing.length && `missing: ${readableIds(missing)}`,
    duplicated.length && `duplicated: ${readableIds(duplicated)}`,
    STATUS_HINTS[status],
    requestId && `request id ${requestId}`,
  ]
    .filter(Boolean)
    .join("; ");
}

/** Takes the secrets out of a text raw, URL/form-, JSON- and base64-encoded (`redacted` takes bearer tokens). */
export function redactSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    const json = JSON.stringify(secret).slice(1, -1);
    const base64 = btoa(
      String.fromCharCode(...new TextEncoder().encode(secret)),
    ).replace(/=+$/, "");
    const urls = [
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ];
    const variants = [
      secret,
      base64,
      `${base64}${"=".repeat(-base64.length & 3)}`,
      base64.replace(/\+/g, "-").replace(/\//g, "_"),
      ...urls.flatMap((url) => [
        url,
        url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      ]),
      ...[json, json.replace(/\//g, "\\/")].flatMap((escaped) => [
        escaped,
        escaped.replace(
          /[^\x20-\x7e]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
        ),
      ]),
    ];
    // Longest first, so a variant containing another is replaced whole.
    for (const variant of variants.sort((x, y) => y.length - x.length))
      result = result.split(variant).join("***");
  }
  return result;
}

const STATUS_HINTS: Readonly<Record<number, string>> = {
  401: "check the token, client id/secret and token URL",
  403: "the credentials lack dataModelInstancesAcl / dataModelsAcl for this project or space",
};

/** The first 5 distinct ids as `space:externalId[/version]`, a space as `space s`, else JSON. */
function readableIds(ids: readonly Record<string, unknown>[]): string {
  const distinct = [
    ...new Set(
      ids.map((id) =>
        typeof id.space !== "string"
          ? JSON.stringify(id)
          : typeof id.externalId === "string"
            ? `${id.space}:${id.externalId}${typeof id.version === "string" ? `/${id.version}` : ""}`
            : Object.keys(id).length === 1
              ? `space ${id.space}`
              : JSON.stringify(id),
      ),
    ),
  ];
  return (
    distinct.slice(0, 5).join(", ") +
    (distinct.length > 5 ? ` and ${distinct.length - 5} more` : "")
  );
}

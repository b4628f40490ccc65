// Redaction: the secrets a client knows (tokens, the client secret) taken out of a text that
// leaves the runtime, in every encoding an API or a proxy may echo them in. Loaded when a request
// fails (`redacted` in `errors.ts`): a request that succeeds never needs it.

import { BEARER } from "./errors.js";

/** Takes the secrets out of a text raw, URL/form-, JSON- and base64-encoded, and any bearer token. */
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
  return result.replace(BEARER, "$1***");
}

// What keeps a web page out of a developer's emulator, checked before a request body is read:
// - the `Host` header must name the emulator (loopback names, the address the connection came in
//   on, or a name given with `--allow-host`), so a DNS-rebinding page (`Host: evil.example:<port>`)
//   is refused;
// - a request from a browser page (`Origin`) must come from an origin `--cors` allows, so a
//   "simple" cross-site POST (sent without a preflight) is refused before anything is done;
// - a body must be declared JSON: `text/plain` and form types are what a page may send without a
//   preflight, and CDF refuses them too (415).

import type { IncomingMessage } from "node:http";
import { ApiError } from "./api-error.js";
import { originAllowed, type CorsPolicy } from "./cors.js";

/** Host names that always reach only this machine, whatever the port (dev-server proxies keep theirs). */
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** 403 for a `Host` that does not name this emulator (DNS rebinding), or undefined. */
export function refuseForeignHost(
  allowedHosts: readonly string[],
  req: IncomingMessage,
): ApiError | undefined {
  const host = req.headers.host;
  if (host === undefined || hostAllowed(allowedHosts, host, req))
    return undefined;
  return new ApiError(
    403,
    `Host "${host}" does not name this emulator; requests must name localhost, 127.0.0.1, [::1] or the address it listens on (allow another name with --allow-host <name>)`,
  );
}

/** 403 for a request from a page whose origin `--cors` does not allow, or undefined. */
export function refuseForeignOrigin(
  cors: CorsPolicy,
  req: IncomingMessage,
): ApiError | undefined {
  const origin = req.headers.origin;
  if (origin === undefined || originAllowed(cors, origin)) return undefined;
  return new ApiError(
    403,
    `Origin "${origin}" is not allowed by --cors; start the emulator with --cors ${corsHint(origin)} to let that page call it`,
  );
}

function corsHint(origin: string): string {
  return /^https?:\/\/[^\s,]+$/.test(origin) ? origin : "<origin>";
}

function hostAllowed(
  allowedHosts: readonly string[],
  host: string,
  req: IncomingMessage,
): boolean {
  let parsed: URL;
  try {
    parsed = new URL(`http://${host}`);
  } catch {
    return false;
  }
  if (parsed.username !== "" || parsed.pathname !== "/") return false;
  const name = parsed.hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(name) || allowedHosts.includes(name)) return true;
  const port = parsed.port === "" ? 80 : Number(parsed.port);
  return (
    name === localAddressName(req.socket.localAddress) &&
    port === req.socket.localPort
  );
}

/** The connection's local address as it appears in a `Host` header (IPv6 in brackets). */
function localAddressName(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  return address.includes(":") ? `[${address.toLowerCase()}]` : address;
}

/** 415 unless the request declares a JSON body (`application/json` or `application/<x>+json`). */
export function refuseNonJsonBody(req: IncomingMessage): ApiError | undefined {
  const declared = req.headers["content-type"];
  const type = (declared ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json" || /^application\/[\w.-]+\+json$/.test(type))
    return undefined;
  return new ApiError(
    415,
    declared === undefined
      ? "The request has no Content-Type; send the body as application/json"
      : `Unsupported Content-Type "${declared}"; send the body as application/json`,
  );
}

/** Host names given with `--allow-host` (a name, or several separated by commas), lower case. */
export function parseAllowedHosts(values: readonly string[]): string[] {
  const names: string[] = [];
  for (const value of values)
    for (const part of value.split(",")) {
      const name = part.trim().toLowerCase();
      if (name.length === 0) continue;
      if (!/^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/.test(name))
        throw new Error(
          `"${part.trim()}" is not a host name (give the name alone, without scheme or port)`,
        );
      names.push(name);
    }
  return names;
}

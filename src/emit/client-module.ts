// `client.ts`: the typed client over the runtime's DmsClient.
import type { Doc } from "./doc.js";
import type { EmitContext } from "./context.js";

export function emitClientModule(_context: EmitContext): Doc {
  throw new Error("client.ts emission is not wired yet");
}

// Fault injection for reliability tests: random faults from a spec such as
// "429:0.1,503:0.05:retry-after=2,reset:0.02,latency:5-50ms" drawn from a seeded generator (so a
// run repeats), plus scripted faults ("fail the next 2 sync calls with 503") that come first.
// A random fault with the option `after` ("reset:0.03:after", "503:0.05:after") happens after the
// request was processed: the write is done, the client sees a failure.

import { UserError } from "../../errors.js";

export interface StatusFault {
  status: number;
  probability: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Sends `cdf-is-auto-retryable: true`. */
  autoRetryable?: boolean;
  /** Process the request first, then answer with the fault. */
  afterProcessing?: boolean;
}

export interface FaultSpec {
  statuses: StatusFault[];
  /** Probability of dropping the connection without a response. */
  reset: number;
  /** Probability of processing the request, then dropping the connection without a response. */
  resetAfter?: number;
  /** Extra delay per request, uniformly in [min, max] ms. */
  latency?: { min: number; max: number };
}

export interface ScriptedFaultOptions {
  retryAfter?: number;
  autoRetryable?: boolean;
  message?: string;
  /** Only requests whose route ends with this (e.g. "/instances/sync") or matches this pattern. */
  path?: string | RegExp;
  /** Process the request first, then fail: the client sees an error although the write happened. */
  afterProcessing?: boolean;
}

export type FaultDecision =
  | {
      kind: "status";
      status: number;
      retryAfter?: number;
      autoRetryable?: boolean;
      message?: string;
      afterProcessing: boolean;
    }
  | { kind: "reset"; afterProcessing: boolean };

export interface InjectedFault {
  route: string;
  fault: string;
}

interface Scripted {
  remaining: number;
  decision: FaultDecision | { kind: "delay"; ms: number };
  path: string | RegExp | undefined;
}

export interface FaultController {
  /** Replaces the random fault spec (null = none). */
  set(spec: string | FaultSpec | null): void;
  /** The next `count` matching requests get this HTTP status. */
  failNext(count: number, status: number, options?: ScriptedFaultOptions): void;
  /** The next `count` matching requests have their connection dropped. */
  resetNext(
    count: number,
    options?: Pick<ScriptedFaultOptions, "path" | "afterProcessing">,
  ): void;
  /** The next `count` matching requests are delayed by `ms`. */
  delayNext(
    count: number,
    ms: number,
    options?: Pick<ScriptedFaultOptions, "path">,
  ): void;
  /** Drops scripted faults and the random spec. */
  clear(): void;
  /** Every fault injected so far, in order. */
  readonly injected: InjectedFault[];
}

export interface FaultEngine extends FaultController {
  /** The fault for this request, if any, and the delay to add first. */
  decide(route: string): {
    delayMs: number;
    decision: FaultDecision | undefined;
  };
}

/** mulberry32: small, fast, and good enough to spread faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseFaultSpec(text: string): FaultSpec {
  const spec: FaultSpec = { statuses: [], reset: 0 };
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0))
    parseEntry(spec, entry);
  const total =
    spec.reset +
    (spec.resetAfter ?? 0) +
    spec.statuses.reduce((sum, s) => sum + s.probability, 0);
  if (total > 1)
    throw new UserError(
      `--faults: the probabilities add up to ${total}, more than 1`,
    );
  return spec;
}

function parseEntry(spec: FaultSpec, entry: string): void {
  const [head, value, ...options] = entry.split(":");
  const bad = (why: string) =>
    new UserError(
      `--faults: bad entry "${entry}": ${why}. Expected e.g. 429:0.1, 503:0.05:retry-after=2, reset:0.02, reset:0.03:after, latency:5-50ms`,
    );
  if (head === "latency") {
    const match = /^(\d+)(?:-(\d+))?ms$/.exec(value ?? "");
    if (!match || options.length > 0)
      throw bad("latency takes N ms or MIN-MAX ms");
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : Number(match[2]);
    if (max < min) throw bad("the maximum latency is below the minimum");
    spec.latency = { min, max };
    return;
  }
  const probability = Number(value);
  if (
    value === undefined ||
    value === "" ||
    !Number.isFinite(probability) ||
    probability < 0 ||
    probability > 1
  )
    throw bad("the probability must be a number from 0 to 1");
  if (head === "reset") {
    if (options.length === 1 && options[0] === "after")
      spec.resetAfter = (spec.resetAfter ?? 0) + probability;
    else if (options.length > 0)
      throw bad('reset takes only the option "after"');
    else spec.reset += probability;
    return;
  }
  const status = Number(head);
  if (!Number.isInteger(status) || status < 400 || status > 599)
    throw bad("the fault must be an HTTP status 400-599, reset or latency");
  const fault: StatusFault = { status, probability };
  for (const option of options) {
    const retryAfter = /^retry-after=(\d+)$/.exec(option);
    if (retryAfter) fault.retryAfter = Number(retryAfter[1]);
    else if (option === "auto-retryable") fault.autoRetryable = true;
    else if (option === "after") fault.afterProcessing = true;
    else
      throw bad(
        `unknown option "${option}" (retry-after=SECONDS, auto-retryable or after)`,
      );
  }
  spec.statuses.push(fault);
}

export function createFaultEngine(
  initial: string | FaultSpec | undefined,
  seed: number,
): FaultEngine {
  const random = seededRandom(seed);
  let spec: FaultSpec | undefined = toSpec(initial);
  let scripted: Scripted[] = [];
  const injected: InjectedFault[] = [];
  const script = (
    count: number,
    decision: Scripted["decision"],
    path: string | RegExp | undefined,
  ): void => {
    if (!Number.isInteger(count) || count < 1)
      throw new Error("the fault count must be a positive integer");
    scripted.push({ remaining: count, decision, path });
  };
  return {
    injected,
    set(next) {
      spec = next === null ? undefined : toSpec(next);
    },
    failNext(count, status, options = {}) {
      const decision: FaultDecision = {
        kind: "status",
        status,
        afterProcessing: options.afterProcessing === true,
      };
      if (options.retryAfter !== undefined)
        decision.retryAfter = options.retryAfter;
      if (options.autoRetryable !== undefined)
        decision.autoRetryable = options.autoRetryable;
      if (options.message !== undefined) decision.message = options.message;
      script(count, decision, options.path);
    },
    resetNext(count, options = {}) {
      script(
        count,
        { kind: "reset", afterProcessing: options.afterProcessing === true },
        options.path,
      );
    },
    delayNext(count, ms, options = {}) {
      script(count, { kind: "delay", ms }, options.path);
    },
    clear() {
      spec = undefined;
      scripted = [];
    },
    decide(route) {
      let delayMs = 0;
      let decision: FaultDecision | undefined;
      for (const entry of scripted) {
        if (entry.remaining <= 0 || !pathMatches(entry.path, route)) continue;
        if (entry.decision.kind === "delay") {
          if (delayMs > 0) continue;
          delayMs = entry.decision.ms;
        } else {
          if (decision) continue;
          decision = entry.decision;
        }
        entry.remaining--;
      }
      scripted = scripted.filter((e) => e.remaining > 0);
      if (spec) {
        if (spec.latency)
          delayMs +=
            spec.latency.min +
            Math.floor(random() * (spec.latency.max - spec.latency.min + 1));
        decision ??= randomDecision(spec, random());
      }
      if (decision)
        injected.push({
          route,
          fault: decision.kind === "reset" ? "reset" : String(decision.status),
        });
      return { delayMs, decision };
    },
  };
}

function toSpec(value: string | FaultSpec | undefined): FaultSpec | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? parseFaultSpec(value) : value;
}

function pathMatches(
  path: string | RegExp | undefined,
  route: string,
): boolean {
  if (path === undefined) return true;
  return typeof path === "string" ? route.endsWith(path) : path.test(route);
}

/** One draw decides between the faults: each takes a slice of [0, 1) as wide as its probability. */
function randomDecision(
  spec: FaultSpec,
  draw: number,
): FaultDecision | undefined {
  let edge = spec.reset;
  if (draw < edge) return { kind: "reset", afterProcessing: false };
  edge += spec.resetAfter ?? 0;
  if (draw < edge) return { kind: "reset", afterProcessing: true };
  for (const fault of spec.statuses) {
    edge += fault.probability;
    if (draw < edge) {
      const decision: FaultDecision = {
        kind: "status",
        status: fault.status,
        afterProcessing: fault.afterProcessing === true,
      };
      if (fault.retryAfter !== undefined)
        decision.retryAfter = fault.retryAfter;
      if (fault.autoRetryable !== undefined)
        decision.autoRetryable = fault.autoRetryable;
      return decision;
    }
  }
  return undefined;
}

// How the emulator matches a `query` string in `instances/search` and `instances/aggregate`.
// This is the one place that defines it (the README's "Search and aggregate" says the same):
//
// - The query and every searched value are split into tokens: runs of Unicode letters and digits,
//   compared lower-cased. Anything else (spaces, punctuation, `-`, `_`) separates tokens.
// - A query token matches a value token that equals it or starts with it (prefix match), so
//   "term" finds "Terminator" and "2" finds "2049".
// - The searched values are the given `properties`, or every text property of the view when none
//   are given; list-of-text properties are searched element by element.
// - `operator` "OR" (the default) keeps an instance when any query token matches; "AND" when every
//   query token matches (each in any of the searched properties).
// - A query with no tokens (absent, empty, or only punctuation) matches every instance.
// - The score of an instance is the number of distinct query tokens that match exactly, plus half
//   of those that match only as a prefix; search results without `sort` come best score first,
//   ties by space and external id, so results repeat.
//
// CDF runs a full-text engine with its own analysers and relevance; these rules are the
// emulator's stated approximation of it (memo §7: strict and predictable rather than clever).

import type { JsonValue } from "../../../templates/runtime/core/wire.js";
import { badRequest } from "../http/api-error.js";
import type { ResolvedView } from "../schema/store.js";
import { storedValue, type StoredInstance } from "../instances/store.js";

export type SearchOperator = "AND" | "OR";

/** A compiled query: the score of an instance, or 0 when it does not match. */
export type TextMatcher = (instance: StoredInstance) => number;

const TOKEN = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(TOKEN) ?? []).filter((t) => t.length > 0);
}

export function parseOperator(raw: unknown, path: string): SearchOperator {
  if (raw === undefined || raw === null) return "OR";
  if (raw !== "AND" && raw !== "OR")
    throw badRequest(`${path} must be "AND" or "OR"`);
  return raw;
}

/** The text properties searched: the given ones (each must be a text property of the view) or all. */
export function searchedProperties(
  view: ResolvedView,
  raw: unknown,
  path: string,
): { containerKey: string; containerPropertyId: string }[] {
  if (raw === undefined || raw === null)
    return [...view.mapped.values()].filter(
      (m) => m.definition.type.type === "text",
    );
  if (!Array.isArray(raw)) throw badRequest(`${path} must be an array`);
  if (raw.length === 0 || raw.length > 200)
    throw badRequest(`${path} must have between 1 and 200 entries`);
  return raw.map((id: unknown, i) => {
    const mapped = typeof id === "string" ? view.mapped.get(id) : undefined;
    if (!mapped)
      throw badRequest(
        `${path}[${i}]: view ${view.key} has no property ${JSON.stringify(id)}`,
      );
    if (mapped.definition.type.type !== "text")
      throw badRequest(
        `${path}[${i}]: "${mapped.propertyId}" is a ${mapped.definition.type.type} property; only text properties can be searched`,
      );
    return mapped;
  });
}

/** Undefined when the query has no tokens (everything matches, with score 0 for all). */
export function compileTextMatcher(
  query: string,
  properties: readonly { containerKey: string; containerPropertyId: string }[],
  operator: SearchOperator,
): TextMatcher | undefined {
  const wanted = [...new Set(tokenize(query))];
  if (wanted.length === 0) return undefined;
  return (instance) => {
    const tokens = instanceTokens(instance, properties);
    let score = 0;
    let matched = 0;
    for (const token of wanted) {
      if (tokens.has(token)) {
        score += 1;
        matched++;
        continue;
      }
      let prefix = false;
      for (const candidate of tokens)
        if (candidate.startsWith(token)) {
          prefix = true;
          break;
        }
      if (prefix) {
        score += 0.5;
        matched++;
      } else if (operator === "AND") return 0;
    }
    return matched > 0 ? score : 0;
  };
}

function instanceTokens(
  instance: StoredInstance,
  properties: readonly { containerKey: string; containerPropertyId: string }[],
): Set<string> {
  const tokens = new Set<string>();
  const add = (value: JsonValue | undefined): void => {
    if (typeof value === "string")
      for (const t of tokenize(value)) tokens.add(t);
    else if (Array.isArray(value)) for (const v of value) add(v);
  };
  for (const p of properties)
    add(storedValue(instance.rows[p.containerKey], p.containerPropertyId));
  return tokens;
}

// Parse time of one 1000-item sync page: JSON.parse against the exact int64 parser of a bigint
// client (int64JsonParser) and the emulator's (parseExact with BigInt), with no long integer in
// the text (the fast path) and with int64 values near 2^63 in every item (the exact path).
// `npm run build && node dist/bench/json-parse.js`

import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseExact, int64JsonParser } from "../templates/runtime/core/json.js";
import { int64Properties } from "../templates/runtime/client/int64.js";

const ITEMS = 1000;
const ROUNDS = 200;

/** A sync page of `ITEMS` nodes of Counter/v1; `long` puts int64 values near 2^63 in each. */
export function syncPage(long: boolean): string {
  const items: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const count = long ? `${2n ** 63n - 1n - BigInt(i)}` : `${i * 7}`;
    items.push(
      `{"instanceType":"node","space":"s","externalId":"item-${i}","version":3,"createdTime":1700000000000,"lastUpdatedTime":1700000001234,"properties":{"s":{"Counter/v1":{"name":"Item number ${i} with some text","count":${count},"counts":[${count},1,2],"ratio":${(i / 7).toString()},"at":"2024-01-02T03:04:05.678+00:00","doc":{"k":"v","n":${i}},"tags":["a","b","c"]}}}}`,
    );
  }
  return `{"items":[${items.join(",")}],"nextCursor":{"things":"abcdef"}}`;
}

/** Mean ms per parse of `text`, after a warm-up. */
function timePerParse(parse: (text: string) => unknown, text: string): number {
  for (let i = 0; i < 20; i++) parse(text);
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) parse(text);
  return (performance.now() - started) / ROUNDS;
}

function main(): void {
  const client = int64JsonParser(
    int64Properties({ s: { "Counter/v1": { count: {}, counts: {} } } }),
  );
  const emulator = (text: string): unknown => parseExact(text, BigInt);
  const plain = (text: string): unknown => JSON.parse(text);
  console.log(`| page (${ITEMS} items) | JSON.parse | client | emulator |`);
  console.log("| --- | --- | --- | --- |");
  for (const long of [false, true]) {
    const text = syncPage(long);
    const base = timePerParse(plain, text);
    const cells = [plain, client, emulator].map((parse) => {
      const ms = parse === plain ? base : timePerParse(parse, text);
      return `${ms.toFixed(2)} ms (×${(ms / base).toFixed(2)})`;
    });
    const label = long ? "int64 near 2^63" : "no long integer";
    console.log(`| ${label}, ${text.length} chars | ${cells.join(" | ")} |`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  main();

// The emulator's own JSON reading and writing, independent of the generated runtime it is tested
// against. The emulator stores int64 values exactly, so an integer outside ±2^53 is read as a
// bigint and written back as its digits; everything else is what JSON.parse / JSON.stringify do.

/** Values JSON can hold, plus bigint for integers outside ±2^53. */
type Written = unknown;

/** JSON text of a value; a bigint is written as its exact digits. */
export function writeJson(value: Written): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // JSON.stringify refuses bigint with a TypeError; anything else is a real error.
    if (!(error instanceof TypeError)) throw error;
  }
  return writeTagged(value) ?? writeStructured(value);
}

// Bigints are first written as tagged strings by JSON.stringify itself (native speed), then the
// tags are cut out of the text. A key or string value that holds the tag's first character could be
// mistaken for one, so then the text is written structurally instead.
const TAG = "\u0000bigint:";
const TAGGED = /"\\u0000bigint:(-?\d+)"/g;

function writeTagged(value: Written): string | undefined {
  let ambiguous = false;
  const text = JSON.stringify(value, (key, item: unknown) => {
    if (typeof item === "bigint") return TAG + item.toString();
    if (
      key.includes("\u0000") ||
      (typeof item === "string" && item.includes("\u0000"))
    )
      ambiguous = true;
    return item;
  });
  return ambiguous ? undefined : text.replace(TAGGED, "$1");
}

/** The JSON of a value holding bigints, written piece by piece. */
function writeStructured(value: Written): string {
  const parts: string[] = [];
  writeValue(value, parts, false);
  return parts.join("");
}

/** Appends the JSON of `value`; `inArray` decides whether an unwritable value becomes `null`. */
function writeValue(
  value: Written,
  parts: string[],
  inArray: boolean,
): boolean {
  if (typeof value === "bigint") {
    parts.push(value.toString());
    return true;
  }
  if (Array.isArray(value)) {
    parts.push("[");
    value.forEach((item: Written, i) => {
      if (i > 0) parts.push(",");
      writeValue(item, parts, true);
    });
    parts.push("]");
    return true;
  }
  if (isPlainRecord(value)) {
    parts.push("{");
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      const mark = parts.length;
      parts.push(first ? "" : ",", JSON.stringify(key), ":");
      if (writeValue(item, parts, false)) first = false;
      else parts.length = mark;
    }
    parts.push("}");
    return true;
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) {
    if (inArray) parts.push("null");
    return inArray;
  }
  parts.push(text);
  return true;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON !== "function"
  );
}

// An integer of 16 or more digits may lie outside ±2^53; shorter ones never do. Texts without such
// a run (nearly every request) are read by JSON.parse alone.
const LONG_DIGIT_RUN = /\d{16}/;

/**
 * Reads JSON text; integers outside ±2^53 become bigint. Throws SyntaxError on invalid text. The
 * text is validated by JSON.parse first, so the exact reader below only ever sees valid JSON.
 */
export function readJson(text: string): unknown {
  const plain = JSON.parse(text) as unknown;
  if (!LONG_DIGIT_RUN.test(text)) return plain;
  return readExact(new Scanner(text));
}

/** An open object or array while reading, and the key its next value goes under. */
interface OpenContainer {
  readonly value: Record<string, unknown> | unknown[];
  key: string;
}

/**
 * Reads valid JSON with an explicit stack instead of recursion, so any depth reads (as with
 * JSON.parse: request depth is limited later, with its own error).
 */
function readExact(scanner: Scanner): unknown {
  const open: OpenContainer[] = [];
  for (;;) {
    let value = scanner.startValue();
    if (value === OPENED) {
      const container = scanner.openContainer();
      if (container.empty) value = container.value;
      else {
        open.push({ value: container.value, key: "" });
        if (!Array.isArray(container.value)) open.at(-1)!.key = scanner.key();
        continue;
      }
    }
    // Place the value, closing every container that ends right after it.
    for (;;) {
      const parent = open.at(-1);
      if (parent === undefined) return value;
      place(parent, value);
      if (scanner.next() === "more") {
        if (!Array.isArray(parent.value)) parent.key = scanner.key();
        break;
      }
      open.pop();
      value = parent.value;
    }
  }
}

function place(parent: OpenContainer, value: unknown): void {
  if (Array.isArray(parent.value)) parent.value.push(value);
  // As JSON.parse does it, a "__proto__" key is an own property, not the prototype.
  else if (parent.key === "__proto__")
    Object.defineProperty(parent.value, parent.key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else parent.value[parent.key] = value;
}

const OPENED = Symbol("opened");

/** Token reading over valid JSON text. */
class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  /** A scalar, or OPENED when the value is an object or array (not yet consumed). */
  startValue(): unknown {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === "{" || c === "[") return OPENED;
    if (c === '"') return this.string();
    if (c === "t") return this.literal(4, true);
    if (c === "f") return this.literal(5, false);
    if (c === "n") return this.literal(4, null);
    return this.number();
  }

  openContainer(): {
    value: Record<string, unknown> | unknown[];
    empty: boolean;
  } {
    const value = this.text[this.at] === "{" ? {} : [];
    this.at += 1;
    this.skipSpace();
    const c = this.text[this.at];
    const empty = c === "}" || c === "]";
    if (empty) this.at += 1;
    return { value, empty };
  }

  /** An object key and the colon after it. */
  key(): string {
    this.skipSpace();
    const key = this.string();
    this.skipSpace();
    this.at += 1;
    return key;
  }

  /** After a member: "more" past a comma, "end" past the closing bracket. */
  next(): "more" | "end" {
    this.skipSpace();
    return this.text[this.at++] === "," ? "more" : "end";
  }

  private string(): string {
    const start = this.at;
    let escaped = false;
    for (this.at += 1; ; this.at += 1) {
      const c = this.text[this.at];
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') break;
    }
    this.at += 1;
    const token = this.text.slice(start, this.at);
    return token.includes("\\")
      ? (JSON.parse(token) as string)
      : token.slice(1, -1);
  }

  private number(): number | bigint {
    const start = this.at;
    let integer = true;
    for (; this.at < this.text.length; this.at += 1) {
      const c = this.text[this.at]!;
      if (c === "." || c === "e" || c === "E" || c === "+") integer = false;
      else if (c !== "-" && (c < "0" || c > "9")) break;
    }
    const token = this.text.slice(start, this.at);
    const number = Number(token);
    return integer && !Number.isSafeInteger(number) ? BigInt(token) : number;
  }

  private literal<T>(length: number, value: T): T {
    this.at += length;
    return value;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text[this.at];
      if (c !== " " && c !== "\n" && c !== "\r" && c !== "\t") return;
      this.at += 1;
    }
  }
}

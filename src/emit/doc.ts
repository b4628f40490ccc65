// A tiny document printer with prettier's layout rules (groups that break when they do not fit in
// 80 columns, 2-space indents). Emitters build docs; the printed text is already in prettier's
// default style, so formatting the output costs nothing (a test holds prettier to that).

export type Doc =
  string | readonly Doc[] | Group | Indent | IndentIfBreak | Line | IfBreak;

interface Group {
  readonly kind: "group";
  readonly contents: Doc;
  /** A group that contains a hard line can never print flat. */
  readonly hard: boolean;
  /** Names the group for an `indentIfBreak` that follows it. */
  readonly id?: GroupId;
}
interface Indent {
  readonly kind: "indent";
  readonly contents: Doc;
}
/** Contents indented only when the group `id` (printed before them) broke. */
interface IndentIfBreak {
  readonly kind: "indentIfBreak";
  readonly id: GroupId;
  readonly contents: Doc;
}

/** The identity of a group another doc depends on (see `fluidAssignment`). */
export type GroupId = symbol;
interface Line {
  readonly kind: "line";
  /** soft: nothing when flat; line: a space when flat; hard: always a newline. */
  readonly mode: "soft" | "line" | "hard";
}
interface IfBreak {
  readonly kind: "ifBreak";
  readonly broken: Doc;
  readonly flat: Doc;
}

export const PRINT_WIDTH = 80;
const INDENT = "  ";

export const line: Doc = { kind: "line", mode: "line" };
export const softline: Doc = { kind: "line", mode: "soft" };
export const hardline: Doc = { kind: "line", mode: "hard" };

export function group(...contents: Doc[]): Doc {
  return { kind: "group", contents, hard: containsHardline(contents) };
}

export function indent(...contents: Doc[]): Doc {
  return { kind: "indent", contents };
}

function groupWithId(id: GroupId, ...contents: Doc[]): Doc {
  return { kind: "group", contents, hard: containsHardline(contents), id };
}

function indentIfBreak(id: GroupId, ...contents: Doc[]): Doc {
  return { kind: "indentIfBreak", id, contents };
}

export function ifBreak(broken: Doc, flat: Doc = ""): Doc {
  return { kind: "ifBreak", broken, flat };
}

export function join(separator: Doc, docs: readonly Doc[]): Doc[] {
  // A plain loop: flatMap's small arrays were a tenth of a 1000-view run.
  const joined: Doc[] = [];
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) joined.push(separator);
    joined.push(docs[i]!);
  }
  return joined;
}

function containsHardline(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (isDocArray(doc)) return doc.some(containsHardline);
  switch (doc.kind) {
    case "line":
      return doc.mode === "hard";
    case "group":
      return doc.hard;
    case "indent":
    case "indentIfBreak":
      return containsHardline(doc.contents);
    case "ifBreak":
      return containsHardline(doc.broken);
  }
}

function isDocArray(doc: Doc): doc is readonly Doc[] {
  return Array.isArray(doc);
}

// ---- common shapes, as prettier prints them

/** `{ a, b }` when it fits, else one entry a line with a trailing comma. */
export function bracedList(
  open: string,
  entries: readonly Doc[],
  close: string,
  spaced = true,
): Doc {
  if (entries.length === 0) return `${open}${close}`;
  const edge = spaced ? line : softline;
  return group(
    open,
    indent(edge, join([",", line], entries)),
    ifBreak(","),
    edge,
    close,
  );
}

/** An object literal whose entries are always one a line (prettier keeps such objects expanded). */
export function expandedObject(entries: readonly Doc[], close = "}"): Doc {
  if (entries.length === 0) return `{${close}`;
  return [
    "{",
    indent(...entries.map((entry) => [hardline, entry, ","])),
    hardline,
    close,
  ];
}

// Assignments and object properties (`x = value`, `key: value`), in two of prettier's layouts.
// Which one prettier picks depends on the value: these helpers are named for the value they take.

/**
 * `left op value` for a string literal or a name: when the line is too long, the value moves to
 * the next line, indented (prettier's "break-after-operator"). `op` is `" ="` or `":"`.
 *
 * An object property whose key is shorter than 5 columns never breaks after its colon in
 * prettier (the value would gain almost nothing): give such keys as plain text.
 */
export function breakAfterOperator(left: Doc, op: string, value: Doc): Doc {
  return group(left, op, group(indent(line, value)));
}

/**
 * `left op value` for a value that can break itself (an object, a call): the value stays on the
 * line when its first line fits there, else it starts on the next line, indented as a whole
 * (prettier's "fluid" layout).
 */
export function fluidAssignment(left: Doc, op: string, value: Doc): Doc {
  const id: GroupId = Symbol("assignment");
  return group(
    left,
    op,
    groupWithId(id, indent(line)),
    indentIfBreak(id, value),
  );
}

/** `(a, b)` when it fits, else one argument a line with a trailing comma. */
export function argumentList(args: readonly Doc[]): Doc {
  return bracedList("(", args, ")", false);
}

// ---- printing

interface Command {
  readonly indent: string;
  readonly flat: boolean;
  readonly doc: Doc;
}

export function print(doc: Doc): string {
  const out: string[] = [];
  /** Whether each named group printed broken (see `indentIfBreak`). */
  const broken = new Map<GroupId, boolean>();
  let column = 0;
  const stack: Command[] = [{ indent: "", flat: false, doc }];
  while (stack.length > 0) {
    const { indent: ind, flat, doc: current } = stack.pop()!;
    if (typeof current === "string") {
      out.push(current);
      column += textWidth(current);
      continue;
    }
    if (isDocArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ indent: ind, flat, doc: current[i]! });
      continue;
    }
    switch (current.kind) {
      case "indent":
        stack.push({ indent: ind + INDENT, flat, doc: current.contents });
        break;
      case "indentIfBreak":
        stack.push({
          indent: broken.get(current.id) ? ind + INDENT : ind,
          flat,
          doc: current.contents,
        });
        break;
      case "ifBreak":
        stack.push({
          indent: ind,
          flat,
          doc: flat ? current.flat : current.broken,
        });
        break;
      case "group": {
        const fitsFlat =
          flat ||
          (!current.hard &&
            fits(
              { indent: ind, flat: true, doc: current.contents },
              stack,
              PRINT_WIDTH - column,
            ));
        if (current.id) broken.set(current.id, !fitsFlat);
        stack.push({ indent: ind, flat: fitsFlat, doc: current.contents });
        break;
      }
      case "line":
        if (flat && current.mode !== "hard") {
          if (current.mode === "line") {
            out.push(" ");
            column += 1;
          }
        } else {
          trimTrailingSpaces(out);
          out.push("\n", ind);
          column = ind.length;
        }
        break;
    }
  }
  return out.join("");
}

// Text takes the columns prettier counts: one per character, two for a wide East Asian
// character or an emoji, none for a mark that combines without spacing. Names are ASCII;
// instance ids in the output (edge and node types) may be any text.
const NOT_ASCII = /[^\x20-\x7f]/;
/** An emoji (a sequence too): two columns. One shown as text by default is not matched alone. */
const EMOJI = new RegExp("\\p{RGI_Emoji}", "gv");
const ZERO_WIDTH_MARK = /[\p{Mn}\p{Me}]/u;

/** The columns `text` takes in prettier's count. */
export function textWidth(text: string): number {
  if (!NOT_ASCII.test(text)) return text.length;
  let width = 0;
  const rest = text.replace(EMOJI, () => {
    width += 2;
    return "";
  });
  for (const char of rest) {
    const code = char.codePointAt(0)!;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) continue;
    if (ZERO_WIDTH_MARK.test(char)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

/**
 * East Asian Wide and Fullwidth code points (Unicode's EastAsianWidth W and F) that are not emoji
 * (those are counted above), as prettier's count has them.
 */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x261d, 0x261d],
  [0x2630, 0x2637],
  [0x268a, 0x268f],
  [0x26f9, 0x26f9],
  [0x270c, 0x270d],
  [0x2e80, 0x2e99],
  [0x2e9b, 0x2ef3],
  [0x2f00, 0x2fd5],
  [0x2ff0, 0x3029],
  [0x302e, 0x303e],
  [0x3041, 0x3096],
  [0x309b, 0x30ff],
  [0x3105, 0x312f],
  [0x3131, 0x318e],
  [0x3190, 0x31e5],
  [0x31ef, 0x321e],
  [0x3220, 0x3247],
  [0x3250, 0xa48c],
  [0xa490, 0xa4c6],
  [0xa960, 0xa97c],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe52],
  [0xfe54, 0xfe66],
  [0xfe68, 0xfe6b],
  [0xff01, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe3],
  [0x16ff0, 0x16ff6],
  [0x17000, 0x18cda],
  [0x18cff, 0x18d20],
  [0x18d80, 0x18df2],
  [0x18e00, 0x19191],
  [0x191a0, 0x191d2],
  [0x1aff0, 0x1aff3],
  [0x1aff5, 0x1affb],
  [0x1affd, 0x1affe],
  [0x1b000, 0x1b128],
  [0x1b132, 0x1b132],
  [0x1b150, 0x1b152],
  [0x1b155, 0x1b155],
  [0x1b164, 0x1b168],
  [0x1b170, 0x1b2fb],
  [0x1d300, 0x1d356],
  [0x1d360, 0x1d376],
  [0x1f1ae, 0x1f1ae],
  [0x1f200, 0x1f200],
  [0x1f202, 0x1f202],
  [0x1f210, 0x1f219],
  [0x1f21b, 0x1f22e],
  [0x1f230, 0x1f231],
  [0x1f237, 0x1f237],
  [0x1f23b, 0x1f23b],
  [0x1f240, 0x1f248],
  [0x1f260, 0x1f265],
  [0x1f3cb, 0x1f3cc],
  [0x1f574, 0x1f575],
  [0x1f590, 0x1f590],
  [0x1f6d9, 0x1f6d9],
  [0x1f7da, 0x1f7da],
  [0x1fa8b, 0x1fa8d],
  [0x1facc, 0x1facc],
  [0x1fadd, 0x1fadd],
  [0x1faeb, 0x1faeb],
  [0x1faf9, 0x1fafa],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(code: number): boolean {
  if (code < 0x1100) return false;
  for (const [from, to] of WIDE_RANGES) {
    if (code < from) return false;
    if (code <= to) return true;
  }
  return false;
}

function trimTrailingSpaces(out: string[]): void {
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    const trimmed = last.replace(/[ \t]+$/, "");
    if (trimmed.length > 0 || last.length === 0) {
      out[out.length - 1] = trimmed;
      return;
    }
    out.pop();
  }
}

/**
 * Does `next` fit flat in `width` columns, together with what follows it up to the next line
 * break of the enclosing (broken) content? This is prettier's rule.
 */
function fits(next: Command, rest: readonly Command[], width: number): boolean {
  let remaining = width;
  const todo: { flat: boolean; doc: Doc }[] = [
    { flat: next.flat, doc: next.doc },
  ];
  let restIndex = rest.length - 1;
  while (remaining >= 0) {
    let item = todo.pop();
    if (!item) {
      if (restIndex < 0) return true;
      const command = rest[restIndex--]!;
      item = { flat: command.flat, doc: command.doc };
    }
    const { flat, doc } = item;
    if (typeof doc === "string") {
      remaining -= textWidth(doc);
      continue;
    }
    if (isDocArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--)
        todo.push({ flat, doc: doc[i]! });
      continue;
    }
    switch (doc.kind) {
      case "indent":
      case "indentIfBreak":
        todo.push({ flat, doc: doc.contents });
        break;
      case "group":
        if (doc.hard && flat) return false;
        todo.push({ flat: flat && !doc.hard ? true : flat, doc: doc.contents });
        break;
      case "ifBreak":
        todo.push({ flat, doc: flat ? doc.flat : doc.broken });
        break;
      case "line":
        if (!flat || doc.mode === "hard") return true;
        if (doc.mode === "line") remaining -= 1;
        break;
    }
  }
  return false;
}

// ---- literals and comments

/** A string literal in prettier's style: double quotes unless the text has more of them. */
export function stringLiteral(text: string): string {
  const doubles = (text.match(/"/g) ?? []).length;
  const singles = (text.match(/'/g) ?? []).length;
  const quote = doubles > singles ? "'" : '"';
  let body = "";
  for (const char of text) body += escapeChar(char, quote);
  return quote + body + quote;
}

function escapeChar(char: string, quote: string): string {
  switch (char) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\u2028":
      return "\\u2028";
    case "\u2029":
      return "\\u2029";
    case quote:
      return `\\${quote}`;
  }
  const code = char.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f)
    return `\\u${code.toString(16).padStart(4, "0")}`;
  return char;
}

/** A property key: bare when it is an identifier, else quoted. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : stringLiteral(name);
}

/**
 * A JSDoc block from paragraphs of plain text. `*\/` cannot end the comment early, and lines are
 * trimmed so that prettier has nothing to change.
 */
export function jsDoc(paragraphs: readonly string[]): Doc {
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    const text = paragraph.trim();
    if (text.length === 0) continue;
    if (lines.length > 0) lines.push("");
    for (const raw of text.split(/\r\n|\r|\n/))
      lines.push(escapeComment(raw.trimEnd()));
  }
  if (lines.length === 0) return [];
  if (lines.length === 1 && lines[0]!.length > 0)
    return [`/** ${lines[0]} */`, hardline];
  return [
    join(hardline, [
      "/**",
      ...lines.map((l) => (l.length ? ` * ${l}` : " *")),
      " */",
    ]),
    hardline,
  ];
}

function escapeComment(text: string): string {
  // `*/` would end the comment; `@` at a line start would be read as a tag.
  return text.replace(/\*\//g, "*\\/").replace(/^(\s*)@/, "$1\\@");
}

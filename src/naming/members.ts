// Member names that generated names must keep off, read from the code that declares them rather
// than kept by hand: the instance members of the runtime's base classes (a view property of that
// name would clash with them in the generated class) and the members of the generated client (a
// view accessor of that name would clash). Both are our own code in prettier's style, so a class
// or interface body's members are the lines indented by exactly one level; a test cross-checks the
// scan against the TypeScript compiler's view of the same classes.

/** The runtime module declaring the base classes of generated classes. */
export const BASE_CLASS_MODULE = "model/typed.ts";

/** The runtime classes a generated view class extends (when it has no parent view). */
export const VIEW_BASE_CLASSES = {
  node: { read: "TypedNode", apply: "TypedNodeApply" },
  edge: { read: "TypedEdge", apply: "TypedEdgeApply" },
} as const;

/**
 * Names every JavaScript object has (`Object.prototype`'s, read from it), and `then`: an object
 * with a `then` member is taken for a promise by `await`.
 */
export const OBJECT_MEMBERS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  "prototype",
  "then",
]);

const MODIFIERS = new Set([
  "public",
  "private",
  "protected",
  "readonly",
  "declare",
  "abstract",
  "override",
  "async",
  "get",
  "set",
  "accessor",
]);

/** One member line of a class or interface body (indented one level), up to its name. */
const MEMBER =
  /^ {2}((?:[a-z]+\s+)*)(#?[A-Za-z_$][\w$]*|"[^"]*"|'[^']*')\s*[?!]?\s*[(<:=;]/;

interface Body {
  readonly members: string[];
  readonly extends: string | undefined;
}

/**
 * The non-static members a class or interface named `name` declares in `source`: properties,
 * methods, accessors, `#private` names (as written, with the `#`) and constructor parameter
 * properties; also the class it `extends`, when any.
 */
function declaredBody(source: string, name: string): Body | undefined {
  const lines = source.split("\n");
  const header = new RegExp(
    `^(?:export\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:class|interface)\\s+${name}\\b(.*)$`,
  );
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return undefined;
  const heading = header.exec(lines[start]!)![1]!;
  const base = /\bextends\s+([A-Za-z_$][\w$]*)/.exec(heading)?.[1];
  const members: string[] = [];
  let inConstructor = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("}")) break;
    if (/^ {2}(?:(?:public|private|protected)\s+)?constructor\(/.test(line)) {
      inConstructor = !line.includes(")");
      continue;
    }
    if (inConstructor) {
      if (line.startsWith("  )")) inConstructor = false;
      const parameter =
        /^ {4}((?:public|private|protected|readonly|override)\s+)+([A-Za-z_$][\w$]*)/.exec(
          line,
        );
      if (parameter) members.push(parameter[2]!);
      continue;
    }
    const match = MEMBER.exec(line);
    if (!match) continue;
    const modifiers = match[1]!.trim().split(/\s+/).filter(Boolean);
    if (modifiers.includes("static")) continue;
    if (!modifiers.every((modifier) => MODIFIERS.has(modifier))) continue;
    members.push(match[2]!.replace(/^["']|["']$/g, ""));
  }
  return { members, extends: base };
}

/**
 * The instance members of class `name` in `source` and of the classes it extends there: what a
 * subclass's instance has besides its own fields. Throws when the class is not in the source
 * (the runtime and the generator disagree: a bug, not a user mistake).
 */
export function instanceMembers(source: string, name: string): string[] {
  const members: string[] = [];
  for (let current: string | undefined = name; current !== undefined;) {
    const body = declaredBody(source, current);
    if (body === undefined) {
      if (current === name)
        throw new Error(`the runtime declares no class ${name}`);
      break; // a base from another module (none today) adds no names we can read
    }
    members.push(...body.members);
    current = body.extends;
  }
  return [...new Set(members)];
}

/** The members a class or interface declares itself (not inherited), as written. */
export function ownMembers(source: string, name: string): string[] {
  const body = declaredBody(source, name);
  if (body === undefined) throw new Error(`no class or interface ${name}`);
  return body.members;
}

/**
 * Property names a view of each kind cannot have: the instance members of its generated read and
 * apply classes' runtime bases (read from the runtime's source) and every object's members.
 */
export function viewInstanceMembers(runtime: ReadonlyMap<string, string>): {
  node: ReadonlySet<string>;
  edge: ReadonlySet<string>;
} {
  const source = runtime.get(BASE_CLASS_MODULE);
  if (source === undefined)
    throw new Error(`the runtime has no ${BASE_CLASS_MODULE}`);
  const of = (kind: keyof typeof VIEW_BASE_CLASSES): ReadonlySet<string> =>
    new Set([
      ...OBJECT_MEMBERS,
      ...instanceMembers(source, VIEW_BASE_CLASSES[kind].read),
      ...instanceMembers(source, VIEW_BASE_CLASSES[kind].apply),
    ]);
  return { node: of("node"), edge: of("edge") };
}

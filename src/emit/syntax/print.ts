// Lowers syntax nodes to `doc.ts` documents in prettier's layout. Parentheses come from
// precedence (a union inside an array type, a function type inside a union, an object literal
// as an arrow's body); layouts that depend on what a node is (a nullable reference that prettier
// "hugs", a lone simple type argument that never breaks) are decided from the node's kind.

import {
  argumentList,
  bracedList,
  breakAfterOperator,
  expandedObject,
  fluidAssignment,
  group,
  hardline,
  ifBreak,
  indent,
  join,
  jsDoc,
  line,
  print,
  propertyKey,
  softline,
  stringLiteral,
  type Doc,
} from "../doc.js";
import type {
  Binding,
  ClassDeclaration,
  ClassMember,
  Declaration,
  Expression,
  InterfaceDeclaration,
  ObjectEntry,
  Parameter,
  Statement,
  TypeMember,
  TypeNode,
  TypeParameter,
} from "./nodes.js";

// ---- types

/** How tightly a type binds: an operand binding looser than its place needs gets parentheses. */
function typePrecedence(type: TypeNode): number {
  switch (type.kind) {
    case "functionType":
      return 0;
    case "union":
      return 1;
    case "intersection":
      return 2;
    case "typeOperator":
      return 3;
    case "array":
      return type.readonly ? 3 : 4;
    case "indexedAccess":
      return 4;
    default:
      return 5;
  }
}

/**
 * What a union or intersection member and `keyof`'s operand need: a type operator or tighter
 * (prettier writes `(A & B) | C` though TypeScript would not need them there).
 */
const OPERAND = 3;

/** Binds at least as tight as a postfix (`T[]`, `T[K]`) needs; `typeof x` gets parentheses too. */
const POSTFIX = 4;

function operand(type: TypeNode, least: number): Doc {
  const needsParens =
    typePrecedence(type) < least ||
    (least === POSTFIX && type.kind === "typeof");
  if (!needsParens) return typeDoc(type);
  if (type.kind === "union")
    return group("(", indent(softline, unionBody(type.members)), softline, ")");
  return ["(", typeDoc(type), ")"];
}

export function typeDoc(type: TypeNode): Doc {
  switch (type.kind) {
    case "keyword":
      return type.name;
    case "typeReference":
      return [type.name, typeArguments(type.args)];
    case "literalType":
      return literalText(type.value);
    case "union":
      return unionBody(type.members);
    case "intersection":
      return intersectionDoc(type.members);
    case "array":
      return [
        type.readonly ? "readonly " : "",
        operand(type.element, POSTFIX),
        "[]",
      ];
    case "tuple":
      return [
        type.readonly ? "readonly " : "",
        bracedList("[", type.elements.map(typeDoc), "]", false),
      ];
    case "objectType":
      return objectTypeDoc(type.members);
    case "typeof":
      return `typeof ${type.path.join(".")}`;
    case "typeOperator":
      return [`${type.operator} `, operand(type.type, OPERAND)];
    case "indexedAccess":
      return [operand(type.object, POSTFIX), "[", typeDoc(type.index), "]"];
    case "functionType":
      return group(parameterList(type.params), " => ", typeDoc(type.returns));
  }
}

/**
 * `A & B` as prettier prints it: a name after a name breaks to the next line (indented) when the
 * whole does not fit; an object type beside a name stays on the `&`'s line (indented past the
 * second member), so `A & B & {` opens the object's lines.
 */
function intersectionDoc(members: readonly TypeNode[]): Doc {
  const isObject = (type: TypeNode): boolean => type.kind === "objectType";
  const docs: Doc[] = [];
  let wasIndented = false;
  members.forEach((member, i) => {
    const printed = operand(member, OPERAND);
    if (i === 0) docs.push(printed);
    else if (!isObject(members[i - 1]!) && !isObject(member))
      docs.push(indent(" &", line, printed));
    else if (isObject(members[i - 1]!) && isObject(member))
      docs.push(" & ", wasIndented ? indent(printed) : printed);
    else {
      if (i > 1) wasIndented = true;
      docs.push(" & ", i > 1 ? indent(printed) : printed);
    }
  });
  return group(docs);
}

/**
 * `A | B` when it fits, else one member a line, each after `| ` (prettier aligns what a member
 * breaks into under the member, past its `| `).
 */
function unionBody(members: readonly TypeNode[]): Doc {
  return group(
    ifBreak("| "),
    join(
      [line, "| "],
      members.map((member) => indent(operand(member, OPERAND))),
    ),
  );
}

/**
 * `<A, B>`: prettier keeps a single simple argument (a keyword, a name without arguments, an
 * object type) on the line however long; others break one a line, without a trailing comma.
 */
export function typeArguments(args: readonly TypeNode[]): Doc {
  if (args.length === 0) return "";
  if (args.length === 1 && isSimpleOrObjectType(args[0]!))
    return ["<", typeDoc(args[0]!), ">"];
  return group(
    "<",
    indent(softline, join([",", line], args.map(typeDoc))),
    softline,
    ">",
  );
}

function isSimpleOrObjectType(type: TypeNode): boolean {
  return (
    type.kind === "keyword" ||
    type.kind === "objectType" ||
    (type.kind === "typeReference" && type.args.length === 0)
  );
}

/**
 * Prettier "hugs" a union of one type reference or object type with `null` / `void` /
 * `undefined` members: `x: Target<A, B> | null` stays on the name's line, however long.
 */
function isHuggedUnion(type: TypeNode): boolean {
  if (type.kind !== "union") return false;
  const others = type.members.filter(
    (member) =>
      !(
        member.kind === "keyword" &&
        (member.name === "null" || member.name === "void")
      ),
  );
  return (
    others.length === 1 &&
    (others[0]!.kind === "typeReference" || others[0]!.kind === "objectType")
  );
}

/**
 * `head type` in the layout of an annotation or alias (`name: T`, `type X = T`): a union that
 * does not fit moves to the next line, and breaks one member a line only when it does not fit
 * there either. `head` ends with its `:` or ` =`.
 */
export function annotated(head: Doc, type: TypeNode): Doc {
  if (type.kind !== "union") return group(head, " ", typeDoc(type));
  if (isHuggedUnion(type))
    return group(
      head,
      " ",
      join(
        " | ",
        type.members.map((member) => operand(member, OPERAND)),
      ),
    );
  return group(head, indent(line, typeDoc(type)));
}

/**
 * `type X = T`: like an annotation, except that a type which cannot break itself (`keyof typeof
 * x`, a name) moves to the next line when too long. Prettier's other alias layouts: with several
 * type parameters, some constrained or defaulted, the parameters break before the `=` does
 * (`type X<\n  A extends B,\n  C,\n> = T`); an intersection stays on the `=` line when its first
 * member fits there (the others then one a line, indented), else starts on the next line.
 */
function aliased(
  head: Doc,
  type: TypeNode,
  typeParams: readonly TypeParameter[],
): Doc {
  const complexParams =
    typeParams.length > 1 &&
    typeParams.some(
      (p) => p.constraint !== undefined || p.default !== undefined,
    );
  if (complexParams && type.kind !== "union")
    return group(head, " ", typeDoc(type));
  if (type.kind === "intersection")
    return fluidAssignment(head, "", typeDoc(type));
  const breaksItself =
    type.kind === "union" ||
    type.kind === "objectType" ||
    type.kind === "tuple" ||
    (type.kind === "typeReference" && type.args.length > 0);
  if (breaksItself) return annotated(head, type);
  return breakAfterOperator(head, "", typeDoc(type));
}

function objectTypeDoc(members: readonly TypeMember[]): Doc {
  if (members.length === 0) return "{}";
  return group(
    "{",
    indent(line, join([";", line], members.map(typeMemberDoc))),
    ifBreak(";"),
    line,
    "}",
  );
}

/** A member of an interface or object type, without its `;`. */
export function typeMemberDoc(member: TypeMember): Doc {
  switch (member.kind) {
    case "propertySignature": {
      const head = [
        member.readonly ? "readonly " : "",
        propertyKey(member.name),
        member.optional ? "?" : "",
        ":",
      ];
      return [jsDoc(member.doc), annotated(head, member.type)];
    }
    case "methodSignature":
      return [
        jsDoc(member.doc),
        propertyKey(member.name),
        parameterList(member.params),
        ": ",
        typeDoc(member.returns),
      ];
  }
}

export function parameterDoc(parameter: Parameter): Doc {
  return [
    parameter.modifiers.map((modifier) => `${modifier} `),
    parameter.rest ? "..." : "",
    parameter.name,
    parameter.optional ? "?" : "",
    parameter.type ? [": ", typeDoc(parameter.type)] : "",
    parameter.initializer ? [" = ", expressionDoc(parameter.initializer)] : "",
  ];
}

function parameterList(params: readonly Parameter[]): Doc {
  return argumentList(params.map(parameterDoc));
}

// ---- expressions

/** How tightly an expression binds (JavaScript's precedence, higher binds tighter). */
function expressionPrecedence(expression: Expression): number {
  switch (expression.kind) {
    case "identifier":
    case "literal":
    case "object":
    case "arrayLiteral":
      return 20;
    case "propertyAccess":
    case "elementAccess":
    case "call":
    case "new":
      return 18;
    case "binary":
      return BINARY_PRECEDENCE[expression.operator];
    case "as":
      return 9;
    case "arrow":
      return 2;
    case "assignment":
      return 1;
    case "spread":
      return 0;
  }
}

const BINARY_PRECEDENCE = {
  "??": 3,
  "||": 3,
  "&&": 4,
  "===": 8,
  "!==": 8,
  "<": 9,
  ">": 9,
  "<=": 9,
  ">=": 9,
  in: 9,
  instanceof: 9,
  "+": 11,
  "-": 11,
  "*": 12,
  "/": 12,
  "%": 12,
} as const;

/** Where an operand of a member access, call or `new` stands. */
const MEMBER = 18;

function expressionOperand(expression: Expression, least: number): Doc {
  const printed = expressionDoc(expression);
  return expressionPrecedence(expression) < least
    ? ["(", printed, ")"]
    : printed;
}

export function expressionDoc(expression: Expression): Doc {
  switch (expression.kind) {
    case "identifier":
      return expression.name;
    case "literal":
      return literalText(expression.value);
    case "propertyAccess": {
      const object = expressionOperand(expression.object, MEMBER);
      const { name } = expression;
      const key = name.startsWith("#") ? name : propertyKey(name);
      return key === name ? [object, ".", name] : [object, "[", key, "]"];
    }
    case "elementAccess":
      return [
        expressionOperand(expression.object, MEMBER),
        "[",
        expressionDoc(expression.index),
        "]",
      ];
    case "call":
      return [
        expressionOperand(expression.callee, MEMBER),
        typeArguments(expression.typeArgs),
        isModuleLoad(expression)
          ? ["(", expressionDoc(expression.args[0]!), ")"]
          : callArguments(expression.args),
      ];
    case "new": {
      // `new (f())()`: a call as the callee would take the `new`'s arguments.
      const callee =
        expression.callee.kind === "call"
          ? ["(", expressionDoc(expression.callee), ")"]
          : expressionOperand(expression.callee, MEMBER);
      return [
        "new ",
        callee,
        typeArguments(expression.typeArgs),
        callArguments(expression.args),
      ];
    }
    case "object": {
      const entries = expression.entries.map(objectEntryDoc);
      return expression.expanded
        ? expandedObject(entries)
        : bracedList("{", entries, "}");
    }
    case "arrayLiteral":
      return bracedList(
        "[",
        expression.elements.map(expressionDoc),
        "]",
        false,
      );
    case "as":
      return [
        expressionOperand(expression.expression, 10),
        " as ",
        expression.type === "const" ? "const" : typeDoc(expression.type),
      ];
    case "arrow": {
      const body =
        expression.body.kind === "object"
          ? ["(", expressionDoc(expression.body), ")"]
          : expressionOperand(expression.body, 2);
      return group(
        parameterList(expression.params),
        " =>",
        group(indent(line, body)),
      );
    }
    case "binary": {
      const precedence = BINARY_PRECEDENCE[expression.operator];
      return group(
        binaryOperand(expression.left, expression.operator, precedence),
        " ",
        expression.operator,
        line,
        binaryOperand(expression.right, expression.operator, precedence + 1),
      );
    }
    case "assignment":
      return assignmentLike(
        expressionDoc(expression.target),
        " =",
        expression.value,
      );
    case "spread":
      return ["...", expressionOperand(expression.expression, 2)];
  }
}

/** `??` cannot stand beside `||` / `&&` without parentheses. */
function binaryOperand(
  operand: Expression,
  operator: keyof typeof BINARY_PRECEDENCE,
  least: number,
): Doc {
  const mixesNullish =
    operand.kind === "binary" &&
    (operand.operator === "??") !== (operator === "??") &&
    ["??", "||", "&&"].includes(operand.operator) &&
    ["??", "||", "&&"].includes(operator);
  return mixesNullish
    ? ["(", expressionDoc(operand), ")"]
    : expressionOperand(operand, least);
}

/**
 * `(a, b)`, broken one argument a line when too long; a last argument that is an object or array
 * literal after simple ones hugs the parentheses (`f(a, [` ... `])`), as prettier prints a last
 * argument that can break itself.
 */
/** `import("./x.js")` / `require("x")`: prettier never breaks inside them, however long. */
function isModuleLoad(call: Extract<Expression, { kind: "call" }>): boolean {
  const [only, ...rest] = call.args;
  return (
    call.callee.kind === "identifier" &&
    (call.callee.name === "import" || call.callee.name === "require") &&
    only?.kind === "literal" &&
    typeof only.value === "string" &&
    rest.length === 0
  );
}

function callArguments(args: readonly Expression[]): Doc {
  const last = args[args.length - 1];
  const others = args.slice(0, -1);
  if (
    last !== undefined &&
    (last.kind === "object" || last.kind === "arrayLiteral") &&
    others.every(isSimpleArgument)
  )
    return [
      "(",
      others.map((arg) => [expressionDoc(arg), ", "]),
      expressionDoc(last),
      ")",
    ];
  return argumentList(args.map(expressionDoc));
}

/** A name, a literal or a member chain: short, cannot break. */
function isSimpleArgument(arg: Expression): boolean {
  return (
    arg.kind === "identifier" ||
    (arg.kind === "literal" && typeof arg.value !== "string") ||
    isMemberChain(arg)
  );
}

function objectEntryDoc(entry: ObjectEntry): Doc {
  switch (entry.kind) {
    case "property":
      return assignmentLike(propertyKey(entry.key), ":", entry.value);
    case "shorthand":
      return entry.name;
    case "spread":
      return expressionDoc(entry);
  }
}

/** Keys narrower than this (prettier: tab width + 3) keep their value on their line. */
const SHORT_KEY = 5;

/**
 * `left op value` (`x = v`, `key: v`) in the layout prettier picks for the value: a value that
 * cannot break itself moves to the next line when too long; one that can (an object, a call)
 * stays on the line while its first line fits there.
 */
function assignmentLike(left: Doc, op: string, value: Expression): Doc {
  const printed = expressionDoc(value);
  if (op === ":" && typeof left === "string" && left.length < SHORT_KEY)
    return [left, ": ", printed];
  if (breaksAfterOperator(value)) return breakAfterOperator(left, op, printed);
  return fluidAssignment(left, op, printed);
}

function breaksAfterOperator(value: Expression): boolean {
  if (value.kind === "binary") return true;
  if (value.kind === "literal") return typeof value.value === "string";
  return isMemberChain(value);
}

function isMemberChain(value: Expression): boolean {
  if (value.kind !== "propertyAccess") return false;
  return value.object.kind === "identifier" || isMemberChain(value.object);
}

function literalText(value: string | number | boolean | bigint | null): string {
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

// ---- statements

export function statementDoc(statement: Statement): Doc {
  switch (statement.kind) {
    case "expressionStatement":
      return [expressionDoc(statement.expression), ";"];
    case "return":
      return statement.expression
        ? ["return ", expressionDoc(statement.expression), ";"]
        : "return;";
    case "if":
      return group(
        group(
          "if (",
          indent(softline, expressionDoc(statement.condition)),
          softline,
          ")",
        ),
        indent(line, statementDoc(statement.then)),
      );
    case "variable":
      return declarationDoc(statement.declaration);
    case "lineComment":
      return `// ${statement.text}`;
    default:
      return declarationDoc(statement);
  }
}

/** `{ statements }`; `{}` when empty. */
function blockDoc(statements: readonly Statement[]): Doc {
  if (statements.length === 0) return "{}";
  return [
    "{",
    indent(hardline, join(hardline, statements.map(statementDoc))),
    hardline,
    "}",
  ];
}

// ---- declarations

export function declarationDoc(declaration: Declaration): Doc {
  switch (declaration.kind) {
    case "import":
      return importDoc(declaration.module, declaration.specifiers);
    case "exportFrom":
      return exportFromDoc(declaration.module, declaration.specifiers);
    case "const":
      return [
        jsDoc(declaration.doc),
        assignmentLike(
          [
            exported(declaration.exported),
            "const ",
            bindingDoc(declaration.binding),
            declaration.type ? [": ", typeDoc(declaration.type)] : "",
          ],
          " =",
          declaration.initializer,
        ),
        ";",
      ];
    case "typeAlias":
      return [
        jsDoc(declaration.doc),
        aliased(
          [
            exported(declaration.exported),
            "type ",
            declaration.name,
            typeParameters(declaration.typeParams),
            " =",
          ],
          declaration.type,
          declaration.typeParams,
        ),
        ";",
      ];
    case "interface":
      return interfaceDoc(declaration);
    case "class":
      return classDoc(declaration);
    case "function":
      return [
        jsDoc(declaration.doc),
        exported(declaration.exported),
        "function ",
        declaration.name,
        parameterList(declaration.params),
        declaration.returns ? [": ", typeDoc(declaration.returns)] : "",
        " ",
        blockDoc(declaration.body),
      ];
  }
}

function exported(flag: boolean): string {
  return flag ? "export " : "";
}

/** `<C extends Base, A = {}>`, one a line (with a trailing comma) when they do not fit. */
function typeParameters(params: readonly TypeParameter[]): Doc {
  if (params.length === 0) return "";
  return bracedList("<", params.map(typeParameterDoc), ">", false);
}

function typeParameterDoc(param: TypeParameter): Doc {
  return [
    param.name,
    param.constraint ? [" extends ", typeDoc(param.constraint)] : "",
    param.default ? [" = ", typeDoc(param.default)] : "",
  ];
}

function bindingDoc(binding: Binding): Doc {
  if (typeof binding === "string") return binding;
  const names: Doc[] = [...binding.names];
  if (binding.rest !== undefined) names.push(`...${binding.rest}`);
  // No trailing comma after a rest element.
  return group(
    "{",
    indent(line, join([",", line], names)),
    binding.rest === undefined ? ifBreak(",") : "",
    line,
    "}",
  );
}

type Specifiers = readonly {
  name: string;
  alias?: string | undefined;
  typeOnly?: boolean | undefined;
}[];

function specifierTexts(specifiers: Specifiers, allTypes: boolean): string[] {
  return specifiers.map((specifier) => {
    const binding =
      specifier.alias === undefined || specifier.alias === specifier.name
        ? specifier.name
        : `${specifier.name} as ${specifier.alias}`;
    return specifier.typeOnly && !allTypes ? `type ${binding}` : binding;
  });
}

function importDoc(module: string, specifiers: Specifiers): Doc {
  const allTypes =
    specifiers.length > 0 && specifiers.every((s) => s.typeOnly === true);
  const texts = specifierTexts(specifiers, allTypes);
  const keyword = `import ${allTypes ? "type " : ""}`;
  const from = ` from ${stringLiteral(module)};`;
  // Prettier never breaks an import of a single name, however long the line.
  if (texts.length === 1) return `${keyword}{ ${texts[0]} }${from}`;
  return group(keyword, bracedList("{", texts, "}"), from);
}

function exportFromDoc(
  module: string,
  specifiers: Specifiers | "star" | "typeStar",
): Doc {
  const from = ` from ${stringLiteral(module)};`;
  if (specifiers === "star") return `export *${from}`;
  if (specifiers === "typeStar") return `export type *${from}`;
  // Types only: `export type { ... }`. An `export { type A }` compiles to `export {} from`, which
  // still loads the module (a lazily loaded feature's, eagerly).
  const allTypes =
    specifiers.length > 0 && specifiers.every((s) => s.typeOnly === true);
  return group(
    allTypes ? "export type " : "export ",
    bracedList("{", specifierTexts(specifiers, allTypes), "}"),
    from,
  );
}

function interfaceDoc(declaration: InterfaceDeclaration): Doc {
  const heritage = interfaceHeritage(declaration.extends.map(typeDoc));
  const body =
    declaration.members.length === 0
      ? "{}"
      : [
          "{",
          indent(
            hardline,
            join(
              hardline,
              declaration.members.map((m) => [typeMemberDoc(m), ";"]),
            ),
          ),
          hardline,
          "}",
        ];
  return [
    jsDoc(declaration.doc),
    group(
      exported(declaration.exported),
      "interface ",
      declaration.name,
      typeParameters(declaration.typeParams),
      heritage,
    ),
    " ",
    body,
  ];
}

/**
 * ` extends A, B` as prettier prints an interface's heritage: one base never breaks; several move
 * to the next line together, or one a line after a lone `extends`.
 */
function interfaceHeritage(bases: readonly Doc[]): Doc {
  if (bases.length === 0) return "";
  if (bases.length === 1) return [" extends ", bases[0]!];
  return indent(line, "extends", group(indent(line, join([",", line], bases))));
}

function classDoc(declaration: ClassDeclaration): Doc {
  const heritage: Doc[] = [];
  if (declaration.extends)
    heritage.push(" extends ", typeDoc(declaration.extends));
  if (declaration.implements.length > 0)
    heritage.push(
      " implements ",
      join(", ", declaration.implements.map(typeDoc)),
    );
  const body =
    declaration.sections.length === 0
      ? "{}"
      : [
          "{",
          indent(
            hardline,
            join(
              [hardline, hardline],
              declaration.sections.map((section) =>
                join(hardline, section.map(classMemberDoc)),
              ),
            ),
          ),
          hardline,
          "}",
        ];
  return [
    jsDoc(declaration.doc),
    exported(declaration.exported),
    "class ",
    declaration.name,
    heritage,
    " ",
    body,
  ];
}

function classMemberDoc(member: ClassMember): Doc {
  switch (member.kind) {
    case "field": {
      const head: Doc = [
        member.modifiers.map((modifier) => `${modifier} `),
        member.name.startsWith("#") ? member.name : propertyKey(member.name),
        member.optional ? "?" : "",
      ];
      const typed: Doc = member.type
        ? member.initializer
          ? [head, ": ", typeDoc(member.type)]
          : annotated([head, ":"], member.type)
        : head;
      return [
        jsDoc(member.doc),
        member.initializer
          ? assignmentLike(typed, " =", member.initializer)
          : typed,
        ";",
      ];
    }
    case "method":
      return [
        jsDoc(member.doc),
        member.modifiers.map((modifier) => `${modifier} `),
        propertyKey(member.name),
        parameterList(member.params),
        member.returns ? [": ", typeDoc(member.returns)] : "",
        " ",
        blockDoc(member.body),
      ];
    case "constructor":
      return [
        jsDoc(member.doc),
        "constructor",
        parameterList(member.params),
        " ",
        blockDoc(member.body),
      ];
    case "lineComment":
      return `// ${member.text}`;
  }
}

// ---- modules

/** Statements one a line, or with a blank line between them. */
export function statementsDoc(
  statements: readonly Statement[],
  blankLines = false,
): Doc {
  return join(
    blankLines ? [hardline, hardline] : hardline,
    statements.map(statementDoc),
  );
}

/** The text of any node, printed alone (for tests and small pieces). */
export function printNode(
  node: TypeNode | Expression | Statement | ClassMember | TypeMember,
): string {
  return print(nodeDoc(node));
}

export function nodeDoc(
  node: TypeNode | Expression | Statement | ClassMember | TypeMember,
): Doc {
  switch (node.kind) {
    case "keyword":
    case "typeReference":
    case "literalType":
    case "union":
    case "intersection":
    case "tuple":
    case "objectType":
    case "typeof":
    case "typeOperator":
    case "indexedAccess":
    case "functionType":
      return typeDoc(node);
    case "array":
      return typeDoc(node);
    case "identifier":
    case "literal":
    case "propertyAccess":
    case "elementAccess":
    case "call":
    case "new":
    case "object":
    case "arrayLiteral":
    case "as":
    case "arrow":
    case "binary":
    case "assignment":
    case "spread":
      return expressionDoc(node);
    case "propertySignature":
    case "methodSignature":
      return typeMemberDoc(node);
    case "field":
    case "method":
    case "constructor":
      return classMemberDoc(node);
    default:
      return statementDoc(node);
  }
}

/** The text of statements (see `statementsDoc`). */
export function printStatements(
  statements: readonly Statement[],
  blankLines = false,
): string {
  return print(statementsDoc(statements, blankLines));
}

// The syntax nodes emitters build: plain data, one kind per construct, made by the functions
// below. `print.ts` lowers them to `doc.ts` documents in prettier's layout; precedence is the
// printer's business (a union inside an array type gets its parentheses there), so an emitter
// never writes punctuation or parentheses by hand. Identifiers and literal values are the only
// text an emitter passes in.

// ---- types

export type KeywordTypeName =
  | "any"
  | "bigint"
  | "boolean"
  | "never"
  | "null"
  | "number"
  | "object"
  | "string"
  | "symbol"
  | "undefined"
  | "unknown"
  | "void";

export type TypeNode =
  | KeywordType
  | TypeReference
  | LiteralType
  | UnionType
  | IntersectionType
  | ArrayType
  | TupleType
  | ObjectType
  | TypeQuery
  | TypeOperator
  | IndexedAccessType
  | FunctionType;

export interface KeywordType {
  readonly kind: "keyword";
  readonly name: KeywordTypeName;
}
/** `Name` or `ns.Name`, with type arguments `Name<A, B>`. */
export interface TypeReference {
  readonly kind: "typeReference";
  readonly name: string;
  readonly args: readonly TypeNode[];
}
export interface LiteralType {
  readonly kind: "literalType";
  readonly value: string | number | boolean | bigint;
}
export interface UnionType {
  readonly kind: "union";
  readonly members: readonly TypeNode[];
}
export interface IntersectionType {
  readonly kind: "intersection";
  readonly members: readonly TypeNode[];
}
export interface ArrayType {
  readonly kind: "array";
  readonly element: TypeNode;
  /** `readonly T[]`. */
  readonly readonly: boolean;
}
export interface TupleType {
  readonly kind: "tuple";
  readonly elements: readonly TypeNode[];
  readonly readonly: boolean;
}
/** `{ a: A; b?: B }`. */
export interface ObjectType {
  readonly kind: "objectType";
  readonly members: readonly TypeMember[];
}
/** `typeof x` or `typeof x.y`. */
export interface TypeQuery {
  readonly kind: "typeof";
  readonly path: readonly string[];
}
/** `keyof T` (and `unique symbol`'s kin, when ever needed). */
export interface TypeOperator {
  readonly kind: "typeOperator";
  readonly operator: "keyof";
  readonly type: TypeNode;
}
/** `T["key"]`, `T[K]`. */
export interface IndexedAccessType {
  readonly kind: "indexedAccess";
  readonly object: TypeNode;
  readonly index: TypeNode;
}
/** `(a: A) => R`. */
export interface FunctionType {
  readonly kind: "functionType";
  readonly params: readonly Parameter[];
  readonly returns: TypeNode;
}

export type TypeMember = PropertySignature | MethodSignature;

export interface PropertySignature {
  readonly kind: "propertySignature";
  /** The name as the object has it; quoted in the output when it is not an identifier. */
  readonly name: string;
  readonly type: TypeNode;
  readonly optional: boolean;
  readonly readonly: boolean;
  /** JSDoc paragraphs; none when empty. */
  readonly doc: readonly string[];
}
export interface MethodSignature {
  readonly kind: "methodSignature";
  readonly name: string;
  readonly params: readonly Parameter[];
  readonly returns: TypeNode;
  readonly doc: readonly string[];
}

export interface Parameter {
  readonly kind: "parameter";
  readonly name: string;
  readonly type: TypeNode | undefined;
  readonly optional: boolean;
  readonly rest: boolean;
  readonly initializer: Expression | undefined;
  /** A constructor's parameter property: `private readonly x: X`. */
  readonly modifiers: readonly (
    "private" | "protected" | "public" | "readonly"
  )[];
}

/** The keyword types, by name: `t.string`, `t.null`. */
export const t: { readonly [K in KeywordTypeName]: KeywordType } = {
  any: keyword("any"),
  bigint: keyword("bigint"),
  boolean: keyword("boolean"),
  never: keyword("never"),
  null: keyword("null"),
  number: keyword("number"),
  object: keyword("object"),
  string: keyword("string"),
  symbol: keyword("symbol"),
  undefined: keyword("undefined"),
  unknown: keyword("unknown"),
  void: keyword("void"),
};

function keyword(name: KeywordTypeName): KeywordType {
  return { kind: "keyword", name };
}

export function typeRef(name: string, ...args: TypeNode[]): TypeReference {
  return { kind: "typeReference", name, args };
}

export function literalType(value: LiteralType["value"]): LiteralType {
  return { kind: "literalType", value };
}

/** `A | B`; nested unions are flattened, a single member is itself. */
export function union(...members: TypeNode[]): TypeNode {
  const flat = members.flatMap((m) => (m.kind === "union" ? m.members : [m]));
  return flat.length === 1 ? flat[0]! : { kind: "union", members: flat };
}

export function intersection(...members: TypeNode[]): TypeNode {
  const flat = members.flatMap((m) =>
    m.kind === "intersection" ? m.members : [m],
  );
  return flat.length === 1 ? flat[0]! : { kind: "intersection", members: flat };
}

export function arrayOf(element: TypeNode, readonly = false): ArrayType {
  return { kind: "array", element, readonly };
}

export function tupleType(
  elements: readonly TypeNode[],
  readonly = false,
): TupleType {
  return { kind: "tuple", elements, readonly };
}

export function objectType(members: readonly TypeMember[]): ObjectType {
  return { kind: "objectType", members };
}

/** `typeof a.b`, from the path's names. */
export function typeOf(...path: string[]): TypeQuery {
  return { kind: "typeof", path };
}

export function keyOf(type: TypeNode): TypeOperator {
  return { kind: "typeOperator", operator: "keyof", type };
}

/** `T[index]`; a string index is a string literal type (`T["name"]`). */
export function indexed(
  object: TypeNode,
  index: TypeNode | string,
): IndexedAccessType {
  return {
    kind: "indexedAccess",
    object,
    index: typeof index === "string" ? literalType(index) : index,
  };
}

export function functionType(
  params: readonly Parameter[],
  returns: TypeNode,
): FunctionType {
  return { kind: "functionType", params, returns };
}

export interface PropertySignatureOptions {
  readonly optional?: boolean;
  readonly readonly?: boolean;
  readonly doc?: readonly string[];
}

export function propertySignature(
  name: string,
  type: TypeNode,
  options: PropertySignatureOptions = {},
): PropertySignature {
  return {
    kind: "propertySignature",
    name,
    type,
    optional: options.optional ?? false,
    readonly: options.readonly ?? false,
    doc: options.doc ?? [],
  };
}

export function methodSignature(
  name: string,
  params: readonly Parameter[],
  returns: TypeNode,
  doc: readonly string[] = [],
): MethodSignature {
  return { kind: "methodSignature", name, params, returns, doc };
}

export interface ParameterOptions {
  readonly optional?: boolean;
  readonly rest?: boolean;
  readonly initializer?: Expression;
  readonly modifiers?: Parameter["modifiers"];
}

export function param(
  name: string,
  type?: TypeNode,
  options: ParameterOptions = {},
): Parameter {
  return {
    kind: "parameter",
    name,
    type,
    optional: options.optional ?? false,
    rest: options.rest ?? false,
    initializer: options.initializer,
    modifiers: options.modifiers ?? [],
  };
}

// ---- expressions

export type Expression =
  | Identifier
  | Literal
  | PropertyAccess
  | ElementAccess
  | Call
  | New
  | ObjectLiteral
  | ArrayLiteral
  | AsExpression
  | Arrow
  | Binary
  | Assignment
  | Spread;

/** A name in scope: a local, an import, `this`, `undefined`. */
export interface Identifier {
  readonly kind: "identifier";
  readonly name: string;
}
export interface Literal {
  readonly kind: "literal";
  readonly value: string | number | boolean | bigint | null;
}
/** `object.name`; `object["name"]` when the name is not an identifier. `#x` is a private name. */
export interface PropertyAccess {
  readonly kind: "propertyAccess";
  readonly object: Expression;
  readonly name: string;
}
/** `object[index]`. */
export interface ElementAccess {
  readonly kind: "elementAccess";
  readonly object: Expression;
  readonly index: Expression;
}
export interface Call {
  readonly kind: "call";
  readonly callee: Expression;
  readonly typeArgs: readonly TypeNode[];
  readonly args: readonly Expression[];
}
export interface New {
  readonly kind: "new";
  readonly callee: Expression;
  readonly typeArgs: readonly TypeNode[];
  readonly args: readonly Expression[];
}
export type ObjectEntry =
  | {
      readonly kind: "property";
      readonly key: string;
      readonly value: Expression;
    }
  | { readonly kind: "shorthand"; readonly name: string }
  | Spread;
export interface ObjectLiteral {
  readonly kind: "object";
  readonly entries: readonly ObjectEntry[];
  /** One entry a line, always (prettier keeps an object expanded once its first line breaks). */
  readonly expanded: boolean;
}
export interface ArrayLiteral {
  readonly kind: "arrayLiteral";
  readonly elements: readonly Expression[];
}
/** `x as const`, `x as T`. */
export interface AsExpression {
  readonly kind: "as";
  readonly expression: Expression;
  readonly type: TypeNode | "const";
}
export interface Arrow {
  readonly kind: "arrow";
  readonly params: readonly Parameter[];
  readonly body: Expression;
}
export type BinaryOperator =
  | "??"
  | "||"
  | "&&"
  | "==="
  | "!=="
  | "<"
  | ">"
  | "<="
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "in"
  | "instanceof";
export interface Binary {
  readonly kind: "binary";
  readonly left: Expression;
  readonly operator: BinaryOperator;
  readonly right: Expression;
}
export interface Spread {
  readonly kind: "spread";
  readonly expression: Expression;
}

export function id(name: string): Identifier {
  return { kind: "identifier", name };
}

export const thisExpr: Identifier = id("this");
export const undefinedExpr: Identifier = id("undefined");

export function literal(value: Literal["value"]): Literal {
  return { kind: "literal", value };
}

/** `a.b.c` from names: `access(id("a"), "b", "c")`. */
export function access(object: Expression, ...names: string[]): Expression {
  return names.reduce<Expression>(
    (target, name) => ({ kind: "propertyAccess", object: target, name }),
    object,
  );
}

export function element(object: Expression, index: Expression): ElementAccess {
  return { kind: "elementAccess", object, index };
}

export function call(
  callee: Expression,
  args: readonly Expression[] = [],
  typeArgs: readonly TypeNode[] = [],
): Call {
  return { kind: "call", callee, typeArgs, args };
}

export function newExpr(
  callee: Expression,
  args: readonly Expression[] = [],
  typeArgs: readonly TypeNode[] = [],
): New {
  return { kind: "new", callee, typeArgs, args };
}

export function prop(key: string, value: Expression): ObjectEntry {
  return { kind: "property", key, value };
}

export function shorthand(name: string): ObjectEntry {
  return { kind: "shorthand", name };
}

export function spread(expression: Expression): Spread {
  return { kind: "spread", expression };
}

export function object(
  entries: readonly ObjectEntry[],
  options: { expanded?: boolean } = {},
): ObjectLiteral {
  return { kind: "object", entries, expanded: options.expanded ?? false };
}

export function array(elements: readonly Expression[]): ArrayLiteral {
  return { kind: "arrayLiteral", elements };
}

export function asConst(expression: Expression): AsExpression {
  return { kind: "as", expression, type: "const" };
}

export function asType(expression: Expression, type: TypeNode): AsExpression {
  return { kind: "as", expression, type };
}

export function arrow(params: readonly Parameter[], body: Expression): Arrow {
  return { kind: "arrow", params, body };
}

export function binary(
  left: Expression,
  operator: BinaryOperator,
  right: Expression,
): Binary {
  return { kind: "binary", left, operator, right };
}

// ---- statements

export type Statement =
  | ExpressionStatement
  | Return
  | If
  | VariableStatement
  | LineComment
  | Declaration;

export interface ExpressionStatement {
  readonly kind: "expressionStatement";
  readonly expression: Expression;
}
/** `target = value` (a statement: `exprStmt(assignment)`, or `assign(target, value)`). */
export interface Assignment {
  readonly kind: "assignment";
  readonly target: Expression;
  readonly value: Expression;
}
export interface Return {
  readonly kind: "return";
  readonly expression: Expression | undefined;
}
/** `if (condition) statement` (one statement, no braces, as the generated copies need). */
export interface If {
  readonly kind: "if";
  readonly condition: Expression;
  readonly then: Statement;
}
/** A `const` inside a body (module-level constants are `ConstDeclaration`s). */
export interface VariableStatement {
  readonly kind: "variable";
  readonly declaration: ConstDeclaration;
}
export interface LineComment {
  readonly kind: "lineComment";
  readonly text: string;
}

export function exprStmt(expression: Expression): ExpressionStatement {
  return { kind: "expressionStatement", expression };
}

/** `target = value;`. */
export function assign(target: Expression, value: Expression): Statement {
  return exprStmt({ kind: "assignment", target, value });
}

export function returnStmt(expression?: Expression): Return {
  return { kind: "return", expression };
}

export function ifStmt(condition: Expression, then: Statement): If {
  return { kind: "if", condition, then };
}

export function lineComment(text: string): LineComment {
  return { kind: "lineComment", text };
}

// ---- declarations

export type Declaration =
  | ImportDeclaration
  | ExportFrom
  | ConstDeclaration
  | TypeAlias
  | InterfaceDeclaration
  | ClassDeclaration
  | FunctionDeclaration;

export interface ImportSpecifier {
  readonly name: string;
  /** The local name when it differs: `import { a as b }`. */
  readonly alias?: string | undefined;
  readonly typeOnly?: boolean | undefined;
}

export interface ImportDeclaration {
  readonly kind: "import";
  readonly module: string;
  readonly specifiers: readonly ImportSpecifier[];
}

/** `export { a, type B } from "m";`, or with `star`, `export * from "m";` / `export type * ...`. */
export interface ExportFrom {
  readonly kind: "exportFrom";
  readonly module: string;
  readonly specifiers: readonly ImportSpecifier[] | "star" | "typeStar";
}

/** The name a `const` binds: an identifier, or `{ a, b, ...rest }`. */
export type Binding =
  | string
  | {
      readonly kind: "objectPattern";
      readonly names: readonly string[];
      readonly rest?: string | undefined;
    };

export interface ConstDeclaration {
  readonly kind: "const";
  readonly exported: boolean;
  readonly binding: Binding;
  readonly type: TypeNode | undefined;
  readonly initializer: Expression;
  readonly doc: readonly string[];
}

/** `C`, `C extends Base`, `C extends Base = Default`: a type alias's or interface's parameter. */
export interface TypeParameter {
  readonly kind: "typeParameter";
  readonly name: string;
  readonly constraint: TypeNode | undefined;
  readonly default: TypeNode | undefined;
}

export interface TypeAlias {
  readonly kind: "typeAlias";
  readonly exported: boolean;
  readonly name: string;
  readonly typeParams: readonly TypeParameter[];
  readonly type: TypeNode;
  readonly doc: readonly string[];
}

export interface InterfaceDeclaration {
  readonly kind: "interface";
  readonly exported: boolean;
  readonly name: string;
  readonly typeParams: readonly TypeParameter[];
  readonly extends: readonly TypeNode[];
  readonly members: readonly TypeMember[];
  readonly doc: readonly string[];
}

export type Modifier =
  | "private"
  | "protected"
  | "public"
  | "static"
  | "declare"
  | "override"
  | "readonly"
  | "async";

/** A class field: `static override readonly x: T = value;`, `declare readonly "k": true;`. */
export interface Field {
  readonly kind: "field";
  readonly name: string;
  readonly modifiers: readonly Modifier[];
  readonly optional: boolean;
  readonly type: TypeNode | undefined;
  readonly initializer: Expression | undefined;
  readonly doc: readonly string[];
}

export interface Method {
  readonly kind: "method";
  readonly name: string;
  readonly modifiers: readonly Modifier[];
  readonly params: readonly Parameter[];
  readonly returns: TypeNode | undefined;
  readonly body: readonly Statement[];
  readonly doc: readonly string[];
}

export interface Constructor {
  readonly kind: "constructor";
  readonly params: readonly Parameter[];
  readonly body: readonly Statement[];
  readonly doc: readonly string[];
}

export type ClassMember = Field | Method | Constructor | LineComment;

export interface ClassDeclaration {
  readonly kind: "class";
  readonly exported: boolean;
  readonly name: string;
  readonly extends: TypeNode | undefined;
  readonly implements: readonly TypeNode[];
  /** Groups of members: one member a line within a group, a blank line between groups. */
  readonly sections: readonly (readonly ClassMember[])[];
  readonly doc: readonly string[];
}

export interface FunctionDeclaration {
  readonly kind: "function";
  readonly exported: boolean;
  readonly name: string;
  readonly params: readonly Parameter[];
  readonly returns: TypeNode | undefined;
  readonly body: readonly Statement[];
  readonly doc: readonly string[];
}

/** `import { a, type B } from "m";` (all type-only: `import type { A, B }`). */
export function importDecl(
  module: string,
  specifiers: readonly ImportSpecifier[],
): ImportDeclaration {
  return { kind: "import", module, specifiers };
}

export function exportFrom(
  module: string,
  specifiers: ExportFrom["specifiers"],
): ExportFrom {
  return { kind: "exportFrom", module, specifiers };
}

export interface ConstOptions {
  readonly exported?: boolean;
  readonly type?: TypeNode;
  readonly doc?: readonly string[];
}

export function constDecl(
  binding: Binding,
  initializer: Expression,
  options: ConstOptions = {},
): ConstDeclaration {
  return {
    kind: "const",
    exported: options.exported ?? false,
    binding,
    type: options.type,
    initializer,
    doc: options.doc ?? [],
  };
}

export function objectPattern(
  names: readonly string[],
  rest?: string,
): Binding {
  return { kind: "objectPattern", names, rest };
}

/** A `const` inside a function body. */
export function constStmt(
  binding: Binding,
  initializer: Expression,
  options: Omit<ConstOptions, "exported"> = {},
): VariableStatement {
  return {
    kind: "variable",
    declaration: constDecl(binding, initializer, options),
  };
}

export interface DeclarationOptions {
  readonly exported?: boolean;
  readonly doc?: readonly string[];
  readonly typeParams?: readonly TypeParameter[];
}

export function typeParam(
  name: string,
  options: { constraint?: TypeNode; default?: TypeNode } = {},
): TypeParameter {
  return {
    kind: "typeParameter",
    name,
    constraint: options.constraint,
    default: options.default,
  };
}

export function typeAlias(
  name: string,
  type: TypeNode,
  options: DeclarationOptions = {},
): TypeAlias {
  return {
    kind: "typeAlias",
    exported: options.exported ?? false,
    name,
    typeParams: options.typeParams ?? [],
    type,
    doc: options.doc ?? [],
  };
}

export function interfaceDecl(
  name: string,
  members: readonly TypeMember[],
  options: DeclarationOptions & { extends?: readonly TypeNode[] } = {},
): InterfaceDeclaration {
  return {
    kind: "interface",
    exported: options.exported ?? false,
    name,
    typeParams: options.typeParams ?? [],
    extends: options.extends ?? [],
    members,
    doc: options.doc ?? [],
  };
}

export interface ClassOptions {
  readonly exported?: boolean;
  readonly doc?: readonly string[];
  readonly extends?: TypeNode;
  readonly implements?: readonly TypeNode[];
}

export function classDecl(
  name: string,
  sections: readonly (readonly ClassMember[])[],
  options: ClassOptions = {},
): ClassDeclaration {
  return {
    kind: "class",
    exported: options.exported ?? false,
    name,
    extends: options.extends,
    implements: options.implements ?? [],
    sections: sections.filter((section) => section.length > 0),
    doc: options.doc ?? [],
  };
}

export interface FieldOptions {
  readonly modifiers?: readonly Modifier[];
  readonly optional?: boolean;
  readonly type?: TypeNode;
  readonly initializer?: Expression;
  readonly doc?: readonly string[];
}

export function field(name: string, options: FieldOptions = {}): Field {
  return {
    kind: "field",
    name,
    modifiers: options.modifiers ?? [],
    optional: options.optional ?? false,
    type: options.type,
    initializer: options.initializer,
    doc: options.doc ?? [],
  };
}

export interface MethodOptions {
  readonly modifiers?: readonly Modifier[];
  readonly returns?: TypeNode;
  readonly doc?: readonly string[];
}

export function method(
  name: string,
  params: readonly Parameter[],
  body: readonly Statement[],
  options: MethodOptions = {},
): Method {
  return {
    kind: "method",
    name,
    modifiers: options.modifiers ?? [],
    params,
    returns: options.returns,
    body,
    doc: options.doc ?? [],
  };
}

export function constructorDecl(
  params: readonly Parameter[],
  body: readonly Statement[],
  doc: readonly string[] = [],
): Constructor {
  return { kind: "constructor", params, body, doc };
}

export function functionDecl(
  name: string,
  params: readonly Parameter[],
  body: readonly Statement[],
  options: {
    exported?: boolean;
    returns?: TypeNode;
    doc?: readonly string[];
  } = {},
): FunctionDeclaration {
  return {
    kind: "function",
    exported: options.exported ?? false,
    name,
    params,
    returns: options.returns,
    body,
    doc: options.doc ?? [],
  };
}

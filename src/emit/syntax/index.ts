// The syntax layer: emitters build nodes (`nodes.ts`) and print them (`print.ts`). Import it as
// a namespace: `import * as ts from "./syntax/index.js"`, then `ts.interfaceDecl(...)`,
// `ts.declarationDoc(node)` (a `Doc` to place in a module) or `ts.printNode(node)` (text).

export * from "./nodes.js";
export {
  annotated,
  declarationDoc,
  expressionDoc,
  nodeDoc,
  parameterDoc,
  printNode,
  printStatements,
  statementDoc,
  statementsDoc,
  typeArguments,
  typeDoc,
  typeMemberDoc,
} from "./print.js";

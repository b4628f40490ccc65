// The eager runtime that the lazily loaded reads (include, search / aggregate, graph runs) use,
// handed to them by the client instead of imported. A static import from a lazily loaded module
// puts every module it reaches in a chunk of its own: bundlers key a module's chunk by the entry
// points (the app and each lazily loaded module) that reach it, and the many small chunks of a
// browser app's eager code compress a quarter worse than one (test/bundle.test.ts).

import { ProtocolError } from "../core/errors.js";
import { expectResultSets, repeatedCursor } from "../core/http.js";
import {
  ADAPTIVE_REQUEST,
  askedLimits,
  PageSizes,
  PagingGuard,
  sendAdaptive,
} from "../core/paging.js";
import { TypedEdge } from "../model/typed.js";
import {
  compileSelect,
  compileSort,
  compileWhere,
  dropUnselected,
  loadWhereClasses,
  WhereError,
} from "../model/where.js";
import {
  ancestorsByResultSet,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
  resizable,
} from "../read/query.js";
import { checkCount } from "./view-accessor.js";

export const readRuntime = {
  ADAPTIVE_REQUEST,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
  PageSizes,
  PagingGuard,
  ProtocolError,
  TypedEdge,
  WhereError,
  ancestorsByResultSet,
  askedLimits,
  checkCount,
  compileSelect,
  compileSort,
  compileWhere,
  dropUnselected,
  expectResultSets,
  loadWhereClasses,
  repeatedCursor,
  resizable,
  sendAdaptive,
} as const;

export type ReadRuntime = typeof readRuntime;

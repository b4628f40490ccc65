// Stage 1: read view definitions from files and folders into one validated, deduplicated set.
// Accepted shapes (see DESIGN.md): a `views/byids` response `{"items": [view...]}`, data models with
// inline views `{"items": [{"views": [...]}]}`, a bare array of views, a single view or data model,
// or a folder of such files.

import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { UserError } from "../errors.js";
import {
  at,
  expectArray,
  fail,
  isObject,
  decodeJsonFile,
  parseJsonText,
  requiredString,
  type JsonLocation,
} from "./json-reader.js";
import { isViewLike, normalizeView, viewReference } from "./normalize.js";
import {
  viewKey,
  type DataModelDefinition,
  type LoadedInput,
  type ViewDefinition,
  type ViewOrigin,
} from "./types.js";

export * from "./types.js";

export interface ParsedDocument {
  views: { view: ViewDefinition; origin: ViewOrigin }[];
  dataModels: DataModelDefinition[];
}

/** Parses one input document (already JSON-parsed). `file` is only used in messages. */
export function parseInputDocument(
  json: unknown,
  file: string,
): ParsedDocument {
  const root: JsonLocation = { file, path: "$" };
  const result: ParsedDocument = { views: [], dataModels: [] };
  if (Array.isArray(json)) {
    readEntries(json, root, result);
  } else if (isObject(json) && Array.isArray(json.items)) {
    readEntries(json.items, at(root, "items"), result);
  } else if (
    isObject(json) &&
    (isViewLike(json) || Array.isArray(json.views))
  ) {
    readEntries([json], root, result, true);
  } else {
    fail(
      root,
      'expected {"items": [...]} (views or data models), an array of views, or a single view or data model',
    );
  }
  return result;
}

function readEntries(
  items: unknown[],
  location: JsonLocation,
  into: ParsedDocument,
  single = false,
): void {
  items.forEach((item, i) => {
    const itemLocation = single ? location : at(location, i);
    // A data model lists views; a view has properties.
    if (isObject(item) && "views" in item && !("properties" in item)) {
      readDataModel(item, itemLocation, into);
    } else {
      into.views.push({
        view: normalizeView(item, itemLocation),
        origin: originOf(itemLocation),
      });
    }
  });
}

function readDataModel(
  model: Record<string, unknown>,
  location: JsonLocation,
  into: ParsedDocument,
): void {
  const viewsLocation = at(location, "views");
  const references = expectArray(model.views, viewsLocation).map((entry, i) => {
    const entryLocation = at(viewsLocation, i);
    if (isViewLike(entry)) {
      const view = normalizeView(entry, entryLocation);
      into.views.push({ view, origin: originOf(entryLocation) });
      return {
        type: "view" as const,
        space: view.space,
        externalId: view.externalId,
        version: view.version,
      };
    }
    return viewReference(entry, entryLocation);
  });
  const dataModel: DataModelDefinition = {
    space: requiredString(model, "space", location),
    externalId: requiredString(model, "externalId", location),
    version: requiredString(model, "version", location),
    views: references,
  };
  if (typeof model.name === "string") dataModel.name = model.name;
  if (typeof model.description === "string")
    dataModel.description = model.description;
  if (typeof model.isGlobal === "boolean") dataModel.isGlobal = model.isGlobal;
  into.dataModels.push(dataModel);
}

function originOf(location: JsonLocation): ViewOrigin {
  return { file: location.file, jsonPath: location.path };
}

/**
 * Merges parsed documents: a view given twice with the same content is kept once; given twice with
 * different content it is an error naming both places. Views come out sorted by id (code points).
 */
export function mergeDocuments(documents: ParsedDocument[]): LoadedInput {
  const views = new Map<string, ViewDefinition>();
  const origins = new Map<string, ViewOrigin>();
  const dataModels = new Map<string, DataModelDefinition>();
  for (const document of documents) {
    for (const { view, origin } of document.views) {
      const key = viewKey(view);
      const earlier = origins.get(key);
      // Fingerprints only for a view given twice: computing one per view costs ~15% of a large run.
      if (earlier) {
        if (contentFingerprint(views.get(key)!) !== contentFingerprint(view)) {
          throw new UserError(
            `view ${key} is defined twice with different content (also at ${earlier.file} ${earlier.jsonPath})`,
            origin.file,
            origin.jsonPath,
          );
        }
        continue;
      }
      views.set(key, view);
      origins.set(key, origin);
    }
    for (const model of document.dataModels)
      dataModels.set(viewKey(model), model);
  }
  return {
    views: [...views.keys()]
      .sort(compareCodePoints)
      .map((key) => views.get(key)!),
    origins,
    dataModels: [...dataModels.keys()]
      .sort(compareCodePoints)
      .map((key) => dataModels.get(key)!),
  };
}

/** The content that makes two copies of a view "the same": everything but the timestamps. */
function contentFingerprint(view: ViewDefinition): string {
  const { createdTime: _created, lastUpdatedTime: _updated, ...content } = view;
  return stableStringify(content);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort(compareCodePoints);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads every input path (files, or folders of `.json` files) and merges them. */
export async function loadInputs(
  paths: readonly string[],
  cwd = process.cwd(),
): Promise<LoadedInput> {
  if (paths.length === 0)
    throw new UserError(
      'no input given: pass --input <file|dir> or set "input" in the config',
    );
  const files: string[] = [];
  for (const path of paths)
    files.push(...(await expandInput(resolveFrom(cwd, path))));
  const documents = await Promise.all(
    files.map((file) => readDocument(file, cwd)),
  );
  return mergeDocuments(documents);
}

function resolveFrom(cwd: string, path: string): string {
  return isAbsolute(path) ? path : join(cwd, path);
}

async function expandInput(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UserError(`input not found: ${path}`);
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path))
    .filter((name) => name.endsWith(".json"))
    .sort(compareCodePoints);
  if (names.length === 0)
    throw new UserError(`input folder has no .json files: ${path}`);
  return names.map((name) => join(path, name));
}

async function readDocument(
  file: string,
  cwd: string,
): Promise<ParsedDocument> {
  const shown = displayPath(file, cwd);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UserError(
      `cannot read input file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      shown,
    );
  }
  const text = decodeJsonFile(bytes, shown);
  return parseInputDocument(parseJsonText(text, shown), shown);
}

/** Paths in messages are relative to the working folder when they are inside it. */
function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith("..") || rel === "" ? file : rel;
}

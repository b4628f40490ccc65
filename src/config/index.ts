// `dmgen.config.json`: the options of `generate`, plus naming overrides. Flags win over the file.
// Paths in the file are relative to the file's folder.

import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { UserError } from "../errors.js";
import {
  at,
  emptyRecord,
  expectArray,
  expectObject,
  fail,
  oneOf,
  optionalBoolean,
  decodeJsonFile,
  parseJsonText,
  type JsonLocation,
  type JsonObject,
} from "../input/json-reader.js";

export const CONFIG_FILE_NAME = "dmgen.config.json";

export type PropertyNaming = "camelCase" | "preserve";
export type Transport = "undici" | "fetch";
export type TimestampReadType = "date" | "string";
export type Int64Type = "number" | "bigint";

/**
 * The optional parts of the client an output can leave out (`--features`): `include` on reads,
 * result-set graphs (`client.graph` / `query` / `sync`), `search` and `aggregate`, `drift`
 * (`verifyViews`) and `spaces` (`client.spaces`). Apply, retrieve, list with where / sort /
 * select, sync and delete are always there.
 */
export const ALL_FEATURES = [
  "include",
  "graph",
  "search",
  "drift",
  "spaces",
] as const;
export type Feature = (typeof ALL_FEATURES)[number];

export interface NamingOptions {
  /** How view property identifiers become TypeScript names. */
  readonly properties: PropertyNaming;
  /** View selector (`space:externalId/version`, `space:externalId` or `externalId`) → class name. */
  readonly views: Readonly<Record<string, string>>;
  /** View selector → property identifier → TypeScript name. */
  readonly renames: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Options that shape the generated code (everything but where files come from and go to). */
export interface CodeOptions {
  readonly naming: NamingOptions;
  readonly transport: Transport;
  readonly timestamps: TimestampReadType;
  /** The TypeScript type of int64 properties on apply and read. */
  readonly int64: Int64Type;
  /** The features the output has, in the order of `ALL_FEATURES`. Default: all. */
  readonly features?: readonly Feature[];
}

/** The features of an output generated with `options`. */
export function featuresOf(options: CodeOptions): readonly Feature[] {
  return options.features ?? ALL_FEATURES;
}

export interface GenerateSettings extends CodeOptions {
  readonly input: readonly string[];
  readonly out: string;
  readonly format: boolean;
  /** Where the config came from, for messages; undefined when there was none. */
  readonly configFile?: string;
}

export const DEFAULT_NAMING: NamingOptions = {
  properties: "camelCase",
  views: Object.create(null) as Record<string, string>,
  renames: Object.create(null) as Record<string, Record<string, string>>,
};

export const DEFAULT_CODE_OPTIONS: CodeOptions = {
  naming: DEFAULT_NAMING,
  transport: "undici",
  timestamps: "date",
  int64: "number",
  features: ALL_FEATURES,
};

/** What a config file may set; all optional. Paths already resolved against its folder. */
export interface ConfigFile extends Partial<CodeOptions> {
  readonly input?: readonly string[];
  readonly out?: string;
  readonly format?: boolean;
  readonly file: string;
  /**
   * Several models in one config: each entry has its own `input` and `out` and may set any other
   * option; options at the top level are the defaults of every entry.
   */
  readonly models?: readonly ConfigFile[];
  /** How messages name this config: the file, and for a `models` entry its index. */
  readonly label?: string;
}

const KNOWN_KEYS = [
  "$schema",
  "input",
  "out",
  "format",
  "transport",
  "timestamps",
  "int64",
  "features",
  "naming",
  "models",
];
const NAMING_KEYS = ["properties", "views", "renames"];

/** Reads the config at `path` (when given) or `dmgen.config.json` in `cwd` (when there is one). */
export async function readConfig(
  path: string | undefined,
  cwd: string,
): Promise<ConfigFile | undefined> {
  const file = path ? resolve(cwd, path) : join(cwd, CONFIG_FILE_NAME);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if (!path && (error as NodeJS.ErrnoException).code === "ENOENT")
      return undefined;
    throw new UserError(
      `cannot read config file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      file,
    );
  }
  const text = decodeJsonFile(bytes, file);
  return parseConfig(parseJsonText(text, file), file);
}

/** Parses a config document; `root` is where it sits (a `models` entry is parsed with this too). */
export function parseConfig(
  json: unknown,
  file: string,
  root: JsonLocation = { file, path: "$" },
): ConfigFile {
  const obj = expectObject(json, root);
  rejectUnknownKeys(
    obj,
    root.path === "$" ? KNOWN_KEYS : KNOWN_KEYS.filter((k) => k !== "models"),
    root,
  );
  const base = dirname(file);
  const fromBase = (p: string): string => (isAbsolute(p) ? p : join(base, p));
  const config: { -readonly [K in keyof ConfigFile]: ConfigFile[K] } = { file };
  if (obj.input !== undefined)
    config.input = stringList(obj.input, at(root, "input")).map(fromBase);
  if (obj.out !== undefined)
    config.out = fromBase(nonEmptyString(obj.out, at(root, "out")));
  const format = optionalBoolean(obj, "format", root);
  if (format !== undefined) config.format = format;
  if (obj.transport !== undefined) {
    config.transport = oneOf(
      obj.transport,
      ["undici", "fetch"] as const,
      at(root, "transport"),
      "transport",
    );
  }
  if (obj.timestamps !== undefined) {
    config.timestamps = oneOf(
      obj.timestamps,
      ["date", "string"] as const,
      at(root, "timestamps"),
      "timestamps",
    );
  }
  if (obj.int64 !== undefined) {
    config.int64 = oneOf(
      obj.int64,
      ["number", "bigint"] as const,
      at(root, "int64"),
      "int64",
    );
  }
  if (obj.features !== undefined)
    config.features = parseFeaturesValue(obj.features, at(root, "features"));
  if (obj.naming !== undefined)
    config.naming = parseNaming(obj.naming, at(root, "naming"));
  if (obj.models !== undefined)
    config.models = parseModels(obj.models, at(root, "models"), config);
  return config;
}

/** The `models` entries: each needs `input` and `out`; the top level must then have neither. */
function parseModels(
  raw: unknown,
  location: JsonLocation,
  top: ConfigFile,
): ConfigFile[] {
  if (top.input !== undefined || top.out !== undefined)
    fail(
      location,
      '"models" and a top-level "input" or "out" exclude each other: move them into the entries',
    );
  const entries = expectArray(raw, location);
  if (entries.length === 0) fail(location, "expected at least one model");
  const models: ConfigFile[] = [];
  entries.forEach((entry, i) => {
    const model = parseConfig(entry, top.file, at(location, i));
    if (model.input === undefined)
      fail(at(location, i), 'missing "input" (the view definitions)');
    if (model.out === undefined)
      fail(at(location, i), 'missing "out" (the output folder)');
    // Each output folder is cleaned of leftover generated files: two models must not share one.
    const overlapping = models.findIndex((other) =>
      foldersOverlap(other.out!, model.out!),
    );
    if (overlapping >= 0)
      fail(
        at(at(location, i), "out"),
        `"${model.out}" overlaps the output folder of models[${overlapping}] ("${models[overlapping]!.out}"); give each model its own folder, e.g. src/generated/<model>`,
      );
    models.push(model);
  });
  return models;
}

function foldersOverlap(a: string, b: string): boolean {
  const inside = (child: string, parent: string) => {
    const rel = relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  return inside(a, b) || inside(b, a);
}

/**
 * The configs to generate from: the entries of `models` with the top level's options as their
 * defaults, or the config itself when it has no `models`.
 */
export function configModels(config: ConfigFile): ConfigFile[] {
  const { models, ...defaults } = config;
  if (!models) return [config];
  return models.map((model, i) => ({
    ...defaults,
    ...model,
    label: `${config.file} models[${i}]`,
  }));
}

function parseNaming(raw: unknown, location: JsonLocation): NamingOptions {
  const obj = expectObject(raw, location);
  rejectUnknownKeys(obj, NAMING_KEYS, location);
  const properties =
    obj.properties === undefined
      ? "camelCase"
      : oneOf(
          obj.properties,
          ["camelCase", "preserve"] as const,
          at(location, "properties"),
          "property naming",
        );
  const views = stringMap(obj.views ?? {}, at(location, "views"));
  const renamesLocation = at(location, "renames");
  const renames = emptyRecord<Record<string, string>>();
  for (const [selector, map] of Object.entries(
    expectObject(obj.renames ?? {}, renamesLocation),
  )) {
    renames[selector] = stringMap(map, at(renamesLocation, selector));
  }
  return { properties, views, renames };
}

function rejectUnknownKeys(
  obj: JsonObject,
  known: readonly string[],
  location: JsonLocation,
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key))
      fail(
        at(location, key),
        `unknown option "${key}"; known options: ${known.join(", ")}`,
      );
  }
}

function nonEmptyString(value: unknown, location: JsonLocation): string {
  if (typeof value !== "string" || value.length === 0)
    fail(location, "expected a non-empty string");
  return value;
}

function stringList(value: unknown, location: JsonLocation): string[] {
  if (typeof value === "string") return [nonEmptyString(value, location)];
  return expectArray(value, location).map((item, i) =>
    nonEmptyString(item, at(location, i)),
  );
}

function stringMap(
  value: unknown,
  location: JsonLocation,
): Record<string, string> {
  const obj = expectObject(value, location);
  const result = emptyRecord<string>();
  for (const [key, item] of Object.entries(obj))
    result[key] = nonEmptyString(item, at(location, key));
  return result;
}

/**
 * `--features` / `"features"`: `all`, `none`, or feature names (comma-separated, or in the config
 * a list of them); the features in their canonical order. `fail` gets the message on a name that is
 * not a feature.
 */
export function parseFeatures(
  names: readonly string[],
  fail: (message: string) => never,
): Feature[] {
  const wanted = new Set<string>();
  for (const name of names.flatMap((n) => n.split(",")).map((n) => n.trim())) {
    if (name === "all") ALL_FEATURES.forEach((f) => wanted.add(f));
    else if ((ALL_FEATURES as readonly string[]).includes(name))
      wanted.add(name);
    else if (name !== "none")
      fail(
        `unknown feature ${JSON.stringify(name)}; the features are ${ALL_FEATURES.join(", ")} (or all, none), comma-separated`,
      );
  }
  return ALL_FEATURES.filter((f) => wanted.has(f));
}

function parseFeaturesValue(value: unknown, location: JsonLocation): Feature[] {
  return parseFeatures(stringList(value, location), (message) =>
    fail(location, message),
  );
}

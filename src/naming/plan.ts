// Stage 3: decide every generated identifier, in one pass, before anything is emitted.
// Class names are unique ignoring case (they are also file names); property names are unique per
// view, never shadow instance members, and keep the parent class's names for inherited properties.

import { UserError } from "../errors.js";
import { emptyRecord } from "../input/json-reader.js";
import type { NamingOptions } from "../config/index.js";
import type { ModelIR, PropertyIR, ViewIR } from "../ir/types.js";
import {
  EDGE_INSTANCE_MEMBERS,
  GLOBAL_NAMES,
  INSTANCE_MEMBERS,
  RESERVED_WORDS,
  RUNTIME_NAMES,
  isIdentifier,
} from "./reserved.js";

export interface PropertyName {
  readonly name: string;
  /** Why the name is not the plain conversion of the identifier; shown in JSDoc. */
  readonly renamed?: string;
}

export interface ViewNames {
  /** The read class; every other name derives from it. */
  readonly readClass: string;
  readonly applyClass: string;
  readonly readProperties: string;
  readonly applyProperties: string;
  readonly propertyMap: string;
  readonly connectionMap: string;
  readonly propertyNameType: string;
  /** The view's typed filter, `<Class>Where`. */
  readonly where: string;
  /** Path of the view's module in the output, e.g. `views/Person.ts`. */
  readonly module: string;
  /** The view's accessor on the generated client (`client.person`). */
  readonly accessor: string;
  /** Why the class name is not the view's externalId; shown in JSDoc. */
  readonly renamed?: string;
  /** Property identifier → TypeScript name. */
  readonly properties: ReadonlyMap<string, PropertyName>;
}

export interface NamePlan {
  readonly views: ReadonlyMap<string, ViewNames>;
}

export function planNames(
  model: ModelIR,
  naming: NamingOptions,
  configFile = "config",
): NamePlan {
  const viewRenames = resolveSelectors(
    model,
    naming.views,
    `${configFile} naming.views`,
  );
  const propertyRenames = resolveSelectors(
    model,
    naming.renames,
    `${configFile} naming.renames`,
  );
  const classNames = planClassNames(model, viewRenames, configFile);
  const views = new Map<string, ViewNames>();
  for (const view of parentsFirst(model)) {
    const parent = view.parentKey ? views.get(view.parentKey) : undefined;
    const properties = planPropertyNames(
      view,
      parent,
      naming,
      propertyRenames.get(view.key) ?? emptyRecord<string>(),
      configFile,
    );
    const base = classNames.get(view.key)!;
    views.set(view.key, {
      ...derivedNames(base.name),
      ...renamedField(base.renamed),
      properties,
    });
  }
  return { views };
}

function renamedField(renamed: string | undefined): { renamed?: string } {
  return renamed === undefined ? {} : { renamed };
}

function derivedNames(base: string): Omit<ViewNames, "properties" | "renamed"> {
  const lower = lowerLeadingCapitals(base);
  return {
    readClass: base,
    applyClass: `${base}Apply`,
    readProperties: `${base}Properties`,
    applyProperties: `${base}ApplyProperties`,
    propertyMap: `${lower}Properties`,
    connectionMap: `${lower}Connections`,
    propertyNameType: `${base}PropertyName`,
    where: `${base}Where`,
    module: `views/${base}.ts`,
    accessor:
      CLIENT_MEMBERS.has(lower) || RESERVED_WORDS.has(lower)
        ? `${lower}View`
        : lower,
  };
}

/** Members of the generated client besides the view accessors. */
const CLIENT_MEMBERS: ReadonlySet<string> = new Set([
  "dms",
  "close",
  "apply",
  "delete",
  "query",
  "sync",
  "then",
]);

/** Config keys select views by `space:externalId/version`, `space:externalId` or `externalId`. */
function resolveSelectors<T>(
  model: ModelIR,
  entries: Readonly<Record<string, T>>,
  where: string,
): Map<string, T> {
  const resolved = new Map<string, T>();
  for (const [selector, value] of Object.entries(entries)) {
    const matches = model.views.filter((view) => selects(selector, view));
    if (matches.length === 0) {
      throw new UserError(
        `${where}: "${selector}" matches no view in the input`,
      );
    }
    for (const view of matches) resolved.set(view.key, value);
  }
  return resolved;
}

function selects(selector: string, view: ViewIR): boolean {
  const { space, externalId } = view.ref;
  return (
    selector === view.key ||
    selector === `${space}:${externalId}` ||
    selector === externalId
  );
}

interface ClassName {
  name: string;
  renamed?: string;
}

function planClassNames(
  model: ModelIR,
  overrides: Map<string, string>,
  configFile: string,
): Map<string, ClassName> {
  const taken = new Set<string>([...RUNTIME_NAMES].map((n) => n.toLowerCase()));
  const spacesOf = groupBy(
    model.views,
    (v) => v.ref.externalId,
    (v) => v.ref.space,
  );
  const versionsOf = groupBy(
    model.views,
    (v) => `${v.ref.space}:${v.ref.externalId}`,
    (v) => v.ref.version,
  );
  const result = new Map<string, ClassName>();
  // Overrides claim their names first, so that a generated name never takes one.
  for (const view of model.views) {
    const override = overrides.get(view.key);
    if (override === undefined) continue;
    if (
      !isIdentifier(override) ||
      GLOBAL_NAMES.has(override) ||
      !claimAll(taken, derivedNames(override))
    ) {
      throw new UserError(
        `${configFile} naming.views: "${override}" (for ${view.key}) is not a usable class name: it is reserved or taken`,
      );
    }
    result.set(view.key, {
      name: override,
      renamed: "the config's `naming.views` sets it",
    });
  }
  for (const view of model.views) {
    if (result.has(view.key)) continue;
    const qualifiedBySpace = (spacesOf.get(view.ref.externalId)?.size ?? 0) > 1;
    const qualifiedByVersion =
      (versionsOf.get(`${view.ref.space}:${view.ref.externalId}`)?.size ?? 0) >
      1;
    for (const candidate of classNameCandidates(
      view,
      qualifiedBySpace,
      qualifiedByVersion,
    )) {
      if (claimAll(taken, derivedNames(candidate.name))) {
        result.set(view.key, candidate);
        break;
      }
    }
  }
  return result;
}

/** Claims every derived name (ignoring case: they include file names) or none. */
function claimAll(
  taken: Set<string>,
  names: Omit<ViewNames, "properties" | "renamed">,
): boolean {
  const wanted = [
    names.readClass,
    names.applyClass,
    names.readProperties,
    names.applyProperties,
    names.propertyMap,
    names.connectionMap,
    names.propertyNameType,
  ].map((n) => n.toLowerCase());
  if (wanted.some((n) => taken.has(n))) return false;
  for (const n of wanted) taken.add(n);
  return true;
}

function* classNameCandidates(
  view: ViewIR,
  bySpace: boolean,
  byVersion: boolean,
): Generator<ClassName> {
  const plain = pascalCase(view.ref.externalId);
  const spacePart = pascalCase(view.ref.space);
  const versionPart = versionSuffix(view.ref.version);
  let preferred = plain;
  const reasons: string[] = [];
  if (bySpace) {
    preferred = spacePart + preferred;
    reasons.push(`"${view.ref.externalId}" is in several spaces`);
  }
  if (byVersion) {
    preferred += versionPart;
    reasons.push(`"${view.ref.externalId}" has several versions`);
  }
  if (
    RESERVED_WORDS.has(preferred) ||
    GLOBAL_NAMES.has(preferred) ||
    !isIdentifier(preferred)
  ) {
    reasons.push(`"${preferred}" is a reserved or global name`);
    preferred += "View";
  }
  const reason = reasons.length ? reasons.join("; ") : undefined;
  yield reason ? { name: preferred, renamed: reason } : { name: preferred };
  const clash = `"${preferred}" is taken by another generated name`;
  if (!bySpace) yield { name: spacePart + preferred, renamed: clash };
  if (!byVersion) yield { name: preferred + versionPart, renamed: clash };
  for (let n = 2; ; n++) yield { name: `${preferred}${n}`, renamed: clash };
}

/** `v1` → `V1`, `1` → `V1`, `2.0-beta` → `V2_0Beta`. */
function versionSuffix(version: string): string {
  const pascal = pascalCase(version);
  return /^V[0-9]/.test(pascal) ? pascal : `V${pascal}`;
}

function groupBy<T>(
  items: readonly T[],
  key: (t: T) => string,
  value: (t: T) => string,
): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const item of items) {
    const k = key(item);
    if (!groups.has(k)) groups.set(k, new Set());
    groups.get(k)!.add(value(item));
  }
  return groups;
}

/** Parents before children, so that children can reuse the names of inherited properties. */
function parentsFirst(model: ModelIR): ViewIR[] {
  const ordered: ViewIR[] = [];
  const done = new Set<string>();
  const visit = (view: ViewIR): void => {
    if (done.has(view.key)) return;
    done.add(view.key);
    const parent = view.parentKey ? model.byKey.get(view.parentKey) : undefined;
    if (parent) visit(parent);
    ordered.push(view);
  };
  for (const view of model.views) visit(view);
  return ordered;
}

function planPropertyNames(
  view: ViewIR,
  parent: ViewNames | undefined,
  naming: NamingOptions,
  renames: Readonly<Record<string, string>>,
  configFile: string,
): Map<string, PropertyName> {
  const reserved =
    view.kind === "edge"
      ? new Set([...INSTANCE_MEMBERS, ...EDGE_INSTANCE_MEMBERS])
      : INSTANCE_MEMBERS;
  const names = new Map<string, PropertyName>();
  const taken = new Set<string>();
  const claim = (property: PropertyIR, name: PropertyName): void => {
    names.set(property.identifier, name);
    taken.add(name.name);
  };
  for (const identifier of Object.keys(renames)) {
    if (!view.properties.some((p) => p.identifier === identifier)) {
      throw new UserError(
        `${configFile} naming.renames: view ${view.key} has no property "${identifier}"`,
      );
    }
  }
  // 1. Inherited properties keep the parent's names.
  for (const property of view.properties) {
    const inherited = property.inherited
      ? parent?.properties.get(property.identifier)
      : undefined;
    if (inherited) claim(property, inherited);
  }
  // 2. Renames from the config.
  for (const property of view.properties) {
    const rename = Object.hasOwn(renames, property.identifier)
      ? renames[property.identifier]
      : undefined;
    if (rename === undefined || names.has(property.identifier)) continue;
    if (!isPropertyName(rename) || reserved.has(rename) || taken.has(rename)) {
      throw new UserError(
        `${configFile} naming.renames: "${rename}" (for ${view.key} property "${property.identifier}") is not a valid, free property name`,
      );
    }
    claim(property, {
      name: rename,
      renamed: "set by the config's `naming.renames`",
    });
  }
  // 3. Identifiers that convert to themselves go before the ones whose conversion may collide.
  const rest = view.properties.filter((p) => !names.has(p.identifier));
  const convert = (id: string): string =>
    naming.properties === "camelCase" ? camelCase(id) : sanitize(id);
  const unchanged = rest.filter((p) => convert(p.identifier) === p.identifier);
  const changed = rest.filter((p) => convert(p.identifier) !== p.identifier);
  for (const property of [...unchanged, ...changed]) {
    claim(
      property,
      chooseName(
        property.identifier,
        convert(property.identifier),
        reserved,
        taken,
      ),
    );
  }
  return names;
}

function chooseName(
  identifier: string,
  converted: string,
  reserved: ReadonlySet<string>,
  taken: ReadonlySet<string>,
): PropertyName {
  const free = (name: string): boolean =>
    isPropertyName(name) && !reserved.has(name) && !taken.has(name);
  if (free(converted)) return { name: converted };
  const reason = reserved.has(converted)
    ? `\`${converted}\` is a member every instance has`
    : `\`${converted}\` is taken by another property`;
  const raw = sanitize(identifier);
  if (raw !== converted && free(raw)) return { name: raw, renamed: reason };
  const suffixed = `${converted}Property`;
  if (free(suffixed)) return { name: suffixed, renamed: reason };
  for (let n = 2; ; n++) {
    if (free(`${suffixed}${n}`))
      return { name: `${suffixed}${n}`, renamed: reason };
  }
}

/** Property names may be reserved words (`obj.class` is fine) but must be plain identifiers. */
function isPropertyName(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}

/** `birth_year` → `birthYear`, `max-pressure` → `maxPressure`, `URLPath` → `urlPath`, `2nd` → `_2nd`. */
export function camelCase(identifier: string): string {
  const words = identifier.split(/[_-]+/).filter((w) => w.length > 0);
  if (words.length === 0) return sanitize(identifier);
  const [first, ...others] = words;
  const head = lowerLeadingCapitals(first!);
  const tail = others
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
  return sanitize(head + tail);
}

function lowerLeadingCapitals(word: string): string {
  const run = /^[A-Z]+/.exec(word)?.[0] ?? "";
  if (run.length <= 1 || run.length === word.length)
    return word.slice(0, run.length).toLowerCase() + word.slice(run.length);
  // "URLPath": the last capital starts the next word.
  return (
    word.slice(0, run.length - 1).toLowerCase() + word.slice(run.length - 1)
  );
}

/** Makes any DMS identifier a valid TypeScript identifier. */
export function sanitize(identifier: string): string {
  const replaced = identifier.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/** `my_space` → `MySpace`, `v1` → `V1`, `1.0` → `1_0` (callers prefix as needed). */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("_")
    .replace(/([A-Za-z0-9])_(?=[A-Za-z])/g, "$1");
}

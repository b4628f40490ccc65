// Stage 3: decide every generated identifier, in one pass, before anything is emitted.
// Class names are unique (their modules also ignoring case: they are file names) and keep off every
// name the output exports besides the views and every name a view module declares; property names
// are unique per view, never shadow instance members, and keep the parent class's names for
// inherited properties. Names are stable: the previous run's names (the name lock) are claimed
// before any new name is chosen, so adding views never renames what already exists.

import { createHash } from "node:crypto";
import { UserError } from "../errors.js";
import { emptyRecord } from "../input/json-reader.js";
import type { NamingOptions, PropertyNaming } from "../config/index.js";
import type { ModelIR, PropertyIR, ViewIR } from "../ir/types.js";
import { GLOBAL_NAMES, RESERVED_WORDS, isIdentifier } from "./reserved.js";
import { OBJECT_MEMBERS } from "./members.js";
import {
  NAME_LOCK_FILE,
  type LockedName,
  type LockedView,
  type NameLock,
} from "./lock.js";

export interface PropertyName {
  readonly name: string;
  /** Why the name is not the identifier itself; shown in JSDoc. */
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
  /** Every name chosen, to be kept with the output for the next run. */
  readonly lock: NameLock;
}

/** Names the emitters declare, which generated names must keep off. */
export interface ReservedNames {
  /** What the output's index exports besides the views (the client's and the runtime's names). */
  readonly exported: ReadonlySet<string>;
  /** What every view module declares besides its view's names. */
  readonly viewModuleLocals: ReadonlySet<string>;
  /** Members of the generated client besides the view accessors. */
  readonly clientMembers: ReadonlySet<string>;
  /**
   * Members every instance of a generated class of each kind has (its runtime bases', see
   * members.ts): a property of that name would clash with them.
   */
  readonly instanceMembers: {
    readonly node: ReadonlySet<string>;
    readonly edge: ReadonlySet<string>;
  };
}

export const NO_RESERVED_NAMES: ReservedNames = {
  exported: new Set(),
  viewModuleLocals: new Set(),
  clientMembers: new Set(),
  instanceMembers: { node: OBJECT_MEMBERS, edge: OBJECT_MEMBERS },
};

export interface PlanContext {
  readonly reserved: ReservedNames;
  /** The names of the previous run, read from the output folder. */
  readonly lock?: NameLock | undefined;
}

export function planNames(
  model: ModelIR,
  naming: NamingOptions,
  configFile = "config",
  plan: PlanContext = { reserved: NO_RESERVED_NAMES },
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
  const locked = lockedViews(model, naming.properties, plan.lock);
  const classNames = planClassNames(
    model,
    viewRenames,
    locked,
    plan.reserved,
    configFile,
  );
  const accessors = planAccessors(model, classNames, locked, plan.reserved);
  const views = new Map<string, ViewNames>();
  for (const view of parentsFirst(model)) {
    const parent = view.parentKey ? views.get(view.parentKey) : undefined;
    const properties = planPropertyNames(view, parent, {
      naming,
      renames: propertyRenames.get(view.key) ?? emptyRecord<string>(),
      locked: locked.get(view.key)?.properties,
      configFile,
      reserved: plan.reserved.instanceMembers[view.kind],
    });
    const base = classNames.get(view.key)!;
    views.set(view.key, {
      ...derivedNames(base.name),
      accessor: accessors.get(view.key)!,
      ...renamedField(base.renamed),
      properties,
    });
  }
  return { views, lock: lockOf(model, views, naming.properties) };
}

/** The lock entries of views still in the input (a removed view's names are released). */
function lockedViews(
  model: ModelIR,
  style: PropertyNaming,
  lock: NameLock | undefined,
): Map<string, LockedView> {
  const result = new Map<string, LockedView>();
  if (!lock) return result;
  for (const view of model.views) {
    const entry = Object.hasOwn(lock.views, view.key)
      ? lock.views[view.key]
      : undefined;
    if (!entry) continue;
    // A changed property naming style is a rename on purpose: property names are chosen afresh.
    result.set(
      view.key,
      lock.properties === style ? entry : { ...entry, properties: {} },
    );
  }
  return result;
}

const CONFIG_CLASS_REASON = "the config's `naming.views` sets it";
const CONFIG_PROPERTY_REASON = "set by the config's `naming.renames`";

/** The lock of the names chosen; names the config sets stay out (the config keeps them). */
function lockOf(
  model: ModelIR,
  views: ReadonlyMap<string, ViewNames>,
  style: PropertyNaming,
): NameLock {
  const entries: Record<string, LockedView> = {};
  const sorted = [...model.views].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  for (const view of sorted) {
    const names = views.get(view.key)!;
    const properties: Record<string, LockedName> = {};
    for (const property of view.properties) {
      const name = names.properties.get(property.identifier)!;
      if (name.renamed === CONFIG_PROPERTY_REASON) continue;
      properties[property.identifier] = lockedName(name.name, name.renamed);
    }
    // The accessor follows the class name, so it stays out with a class name the config sets.
    entries[view.key] = {
      ...(names.renamed === CONFIG_CLASS_REASON
        ? {}
        : {
            class: lockedName(names.readClass, names.renamed),
            accessor: names.accessor,
          }),
      properties,
    };
  }
  return { properties: style, views: entries };
}

function lockedName(name: string, renamed: string | undefined): LockedName {
  return renamed === undefined ? name : { name, why: renamed };
}

function renamedField(renamed: string | undefined): { renamed?: string } {
  return renamed === undefined ? {} : { renamed };
}

type DerivedNames = Omit<ViewNames, "properties" | "renamed" | "accessor">;

/** The names a view's module declares (and the output's index exports). */
export function declaredNames(names: DerivedNames): string[] {
  return [
    names.readClass,
    names.applyClass,
    names.readProperties,
    names.applyProperties,
    names.propertyMap,
    names.connectionMap,
    names.propertyNameType,
    names.where,
  ];
}

function derivedNames(base: string): DerivedNames {
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
    module: `views/${moduleFileBase(base)}.ts`,
  };
}

/**
 * File names longer than this (with `.ts`) are shortened: file systems allow 255 bytes, and the
 * view externalIds a class name comes from may be 255 characters long.
 */
const MAX_MODULE_FILE = 240;

/**
 * The file name of a class's module (without `.ts`): the class name, or for a name too long to
 * be a file name, its start and a hash of the whole, so that it stays unique and stable.
 */
export function moduleFileBase(base: string): string {
  if (base.length + ".ts".length <= MAX_MODULE_FILE) return base;
  const hash = createHash("sha256").update(base).digest("hex").slice(0, 12);
  const keep = MAX_MODULE_FILE - ".ts".length - hash.length - 1;
  return `${base.slice(0, keep)}_${hash}`;
}

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
  fromConfig?: boolean;
}

/** The names every view's names compete for: identifiers exactly, module files ignoring case. */
class ClassNameSpace {
  private readonly identifiers = new Set<string>();
  private readonly files = new Set<string>();

  constructor(private readonly reserved: ReservedNames) {}

  /** Why `base` can never be a class name here (whatever the other views), or undefined. */
  reservedProblem(base: string): string | undefined {
    if (!isIdentifier(base)) return `"${base}" is not an identifier`;
    for (const name of declaredNames(derivedNames(base))) {
      if (GLOBAL_NAMES.has(name) || RESERVED_WORDS.has(name))
        return `\`${name}\` is a reserved word or a JavaScript global`;
      if (this.reserved.exported.has(name))
        return `the generated index exports another \`${name}\``;
      if (this.reserved.viewModuleLocals.has(name))
        return `\`${name}\` is declared in every view module`;
    }
    return undefined;
  }

  /** Why `base` cannot be a class name, or undefined when it can (and is now claimed). */
  claim(base: string): string | undefined {
    const reserved = this.reservedProblem(base);
    if (reserved !== undefined) return reserved;
    const names = derivedNames(base);
    const wanted = declaredNames(names);
    const clash = wanted.find((name) => this.identifiers.has(name));
    if (clash !== undefined) return `\`${clash}\` is taken by another view`;
    const file = names.module.toLowerCase();
    if (this.files.has(file))
      return `${names.module} differs only in case from another view's module`;
    for (const name of wanted) this.identifiers.add(name);
    this.files.add(file);
    return undefined;
  }
}

function planClassNames(
  model: ModelIR,
  overrides: Map<string, string>,
  locked: Map<string, LockedView>,
  reserved: ReservedNames,
  configFile: string,
): Map<string, ClassName> {
  const space = new ClassNameSpace(reserved);
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
  // Overrides claim their names first (a rename on purpose), then the names of the previous run,
  // so that a newly chosen name never takes one.
  for (const view of model.views) {
    const override = overrides.get(view.key);
    if (override === undefined) continue;
    const problem = space.claim(override);
    if (problem !== undefined) {
      throw new UserError(
        `${configFile} naming.views: "${override}" (for ${view.key}) is not a usable class name: ${problem}`,
      );
    }
    result.set(view.key, {
      name: override,
      renamed: CONFIG_CLASS_REASON,
      fromConfig: true,
    });
  }
  for (const view of model.views) {
    const entry = locked.get(view.key)?.class;
    if (result.has(view.key) || entry === undefined) continue;
    const { name, why } = unpackLocked(entry);
    const problem = space.claim(name);
    if (problem !== undefined) {
      throw new UserError(
        `${NAME_LOCK_FILE}: class name "${name}" (for ${view.key}) is no longer usable: ${problem}. Edit or delete its entry (or rename in the config's naming.views), then generate again.`,
      );
    }
    result.set(view.key, why === undefined ? { name } : { name, renamed: why });
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
      (name) => space.reservedProblem(name),
    )) {
      if (space.claim(candidate.name) === undefined) {
        result.set(view.key, candidate);
        break;
      }
    }
  }
  return result;
}

function unpackLocked(entry: LockedName): { name: string; why?: string } {
  return typeof entry === "string" ? { name: entry } : entry;
}

/** `client.person`: the locked accessor, else the lowered class name, kept off client members. */
function planAccessors(
  model: ModelIR,
  classNames: Map<string, ClassName>,
  locked: Map<string, LockedView>,
  reserved: ReservedNames,
): Map<string, string> {
  const taken = new Set<string>(reserved.clientMembers);
  const result = new Map<string, string>();
  for (const view of model.views) {
    const accessor = classNames.get(view.key)!.fromConfig
      ? undefined
      : locked.get(view.key)?.accessor;
    if (accessor === undefined || taken.has(accessor)) continue;
    if (!isPropertyName(accessor)) {
      throw new UserError(
        `${NAME_LOCK_FILE}: accessor "${accessor}" (for ${view.key}) is not an identifier`,
      );
    }
    taken.add(accessor);
    result.set(view.key, accessor);
  }
  for (const view of model.views) {
    if (result.has(view.key)) continue;
    const lower = lowerLeadingCapitals(classNames.get(view.key)!.name);
    let accessor = RESERVED_WORDS.has(lower) ? `${lower}View` : lower;
    if (taken.has(accessor)) accessor = `${lower}View`;
    for (let n = 2; taken.has(accessor); n++) accessor = `${lower}View${n}`;
    taken.add(accessor);
    result.set(view.key, accessor);
  }
  return result;
}

function* classNameCandidates(
  view: ViewIR,
  bySpace: boolean,
  byVersion: boolean,
  reservedProblem: (name: string) => string | undefined,
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
  if (!/^[A-Za-z_$]/.test(preferred)) preferred = `_${preferred}`;
  const problem = reservedProblem(preferred);
  if (problem !== undefined) {
    reasons.push(problem);
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

interface PropertyPlanInput {
  readonly naming: NamingOptions;
  /** The config's renames for this view: identifier → name. */
  readonly renames: Readonly<Record<string, string>>;
  /** The previous run's names for this view. */
  readonly locked: Readonly<Record<string, LockedName>> | undefined;
  readonly configFile: string;
  /** The instance members of the view's classes. */
  readonly reserved: ReadonlySet<string>;
}

function planPropertyNames(
  view: ViewIR,
  parent: ViewNames | undefined,
  input: PropertyPlanInput,
): Map<string, PropertyName> {
  const { naming, renames, locked, configFile, reserved } = input;
  const names = new Map<string, PropertyName>();
  const taken = new Set<string>();
  const claim = (property: PropertyIR, name: PropertyName): void => {
    names.set(property.identifier, name);
    taken.add(name.name);
  };
  const usable = (name: string): boolean =>
    isPropertyName(name) && !reserved.has(name) && !taken.has(name);
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
  // 2. Renames from the config (renames on purpose).
  for (const property of view.properties) {
    const rename = Object.hasOwn(renames, property.identifier)
      ? renames[property.identifier]
      : undefined;
    if (rename === undefined || names.has(property.identifier)) continue;
    if (!usable(rename)) {
      throw new UserError(
        `${configFile} naming.renames: "${rename}" (for ${view.key} property "${property.identifier}") is not a valid, free property name`,
      );
    }
    claim(property, {
      name: rename,
      renamed: CONFIG_PROPERTY_REASON,
    });
  }
  // 3. The previous run's names: a property keeps its name whatever was added beside it.
  for (const property of view.properties) {
    const entry =
      locked && Object.hasOwn(locked, property.identifier)
        ? locked[property.identifier]
        : undefined;
    if (entry === undefined || names.has(property.identifier)) continue;
    const { name, why } = unpackLocked(entry);
    if (!usable(name)) {
      throw new UserError(
        `${NAME_LOCK_FILE}: property name "${name}" (for ${view.key} property "${property.identifier}") is not a valid, free property name. Edit or delete its entry, then generate again.`,
      );
    }
    claim(property, why === undefined ? { name } : { name, renamed: why });
  }
  // 4. Identifiers that convert to themselves go before the ones whose conversion may collide.
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
        naming.properties,
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
  style: PropertyNaming,
  reserved: ReadonlySet<string>,
  taken: ReadonlySet<string>,
): PropertyName {
  const free = (name: string): boolean =>
    isPropertyName(name) && !reserved.has(name) && !taken.has(name);
  if (free(converted)) {
    if (converted === identifier) return { name: converted };
    const why =
      style === "camelCase" && converted !== sanitize(identifier)
        ? "camelCased"
        : "the identifier is not a valid TypeScript name as it is";
    return { name: converted, renamed: why };
  }
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

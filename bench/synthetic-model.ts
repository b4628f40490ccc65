// A deterministic synthetic data model of any size, for scale measurements and tests: view
// definitions in the API's JSON shape with mixed property types (every primitive, lists, enums,
// defaults), direct relations, reverse direct relations, edge connections (some with edge
// properties from edge views) and `implements` chains. The same options always give the same JSON.

export interface SyntheticModelOptions {
  /** Number of views (edge views included). */
  readonly views: number;
  /** Properties per view, inherited ones included. */
  readonly properties?: number;
  readonly space?: string;
  /** External ids of the views, in order (default `V0000`, `V0001`, ...). */
  readonly externalIds?: readonly string[];
}

type Json = Record<string, unknown>;

const PRIMITIVES = [
  "text",
  "int32",
  "int64",
  "float32",
  "float64",
  "boolean",
  "timestamp",
  "date",
  "json",
  "timeseries",
  "file",
  "sequence",
] as const;

/** One view in `EDGE_EVERY` carries edge properties; one in `BASE_EVERY` is a base others implement. */
const EDGE_EVERY = 25;
const BASE_EVERY = 10;
/** Properties a base view has (its implementers repeat them). */
const BASE_PROPERTIES = 4;

/** `{ items: [view, ...] }`, as `views/byids` returns it. */
export function syntheticModel(options: SyntheticModelOptions): {
  items: Json[];
} {
  const space = options.space ?? "synth";
  const count = options.views;
  const perView = options.properties ?? 20;
  const ids = Array.from(
    { length: count },
    (_, i) => options.externalIds?.[i] ?? `V${String(i).padStart(4, "0")}`,
  );
  const isEdge = (i: number): boolean => count > 2 && i % EDGE_EVERY === 1;
  const ref = (i: number): Json => ({
    type: "view",
    space,
    externalId: ids[i],
    version: "v1",
  });
  const nodeAfter = (i: number, step: number): number => {
    for (let k = 1; k <= count; k++) {
      const j = (i + step * k) % count;
      if (!isEdge(j)) return j;
    }
    return i;
  };
  const edgeViews = ids.map((_, i) => i).filter(isEdge);
  const items: Json[] = [];
  for (let i = 0; i < count; i++) {
    const base = isEdge(i) ? undefined : baseOf(i, isEdge);
    const properties: Json = {};
    if (base !== undefined) {
      Object.assign(properties, baseProperties(space, ids[base]!));
    } else if (!isEdge(i) && i % BASE_EVERY === 0) {
      Object.assign(properties, baseProperties(space, ids[i]!));
    }
    for (let k = Object.keys(properties).length; k < perView; k++) {
      const name = `p${String(k).padStart(2, "0")}`;
      properties[name] = isEdge(i)
        ? mapped(space, ids[i]!, name, primitive(k))
        : propertyOf(k, {
            space,
            container: ids[i]!,
            name,
            target: ref(nodeAfter(i, 1)),
            source: ref(nodeAfter(i, count - 1)),
            edgeView:
              edgeViews.length > 0
                ? ref(edgeViews[(i + k) % edgeViews.length]!)
                : undefined,
            typeId: `${ids[i]}.${name}`,
          });
    }
    items.push({
      space,
      externalId: ids[i],
      version: "v1",
      name: `View ${ids[i]}`,
      description: `Synthetic view ${i} of ${count}.`,
      implements: base !== undefined ? [ref(base)] : [],
      writable: true,
      queryable: true,
      usedFor: isEdge(i) ? "edge" : "node",
      isGlobal: false,
      createdTime: 1730204346000,
      lastUpdatedTime: 1730204346000,
      properties,
    });
  }
  return { items };
}

/** The base view a node view implements: the closest base view before it, if any. */
function baseOf(i: number, isEdge: (i: number) => boolean): number | undefined {
  const base = i - (i % BASE_EVERY);
  return base !== i && !isEdge(base) ? base : undefined;
}

function baseProperties(space: string, container: string): Json {
  const result: Json = {};
  for (let k = 0; k < BASE_PROPERTIES; k++) {
    const name = `b${k}`;
    result[name] = mapped(space, container, name, primitive(k));
  }
  return result;
}

function primitive(k: number): Json {
  return { type: PRIMITIVES[k % PRIMITIVES.length], list: false };
}

interface PropertyContext {
  space: string;
  container: string;
  name: string;
  target: Json;
  source: Json;
  edgeView: Json | undefined;
  typeId: string;
}

/** The k-th property of a node view: a rotation over every kind of property. */
function propertyOf(k: number, c: PropertyContext): Json {
  switch (k % 10) {
    case 0:
      return mapped(
        c.space,
        c.container,
        c.name,
        {
          type: "text",
          list: false,
        },
        { nullable: false },
      );
    case 1:
      return mapped(
        c.space,
        c.container,
        c.name,
        {
          type: "enum",
          values: { open: {}, closed: {}, unknown: {} },
        },
        { defaultValue: "open" },
      );
    case 2:
      return mapped(c.space, c.container, c.name, {
        type: "direct",
        list: false,
        source: c.target,
      });
    case 3:
      return mapped(c.space, c.container, c.name, {
        type: "float64",
        list: true,
        maxListSize: 100,
      });
    case 4:
      return {
        connectionType: "multi_edge_connection",
        type: { space: c.space, externalId: c.typeId },
        source: c.target,
        direction: "outwards",
        ...(c.edgeView ? { edgeSource: c.edgeView } : {}),
      };
    case 5:
      return {
        connectionType: "multi_reverse_direct_relation",
        source: c.source,
        through: {
          source: c.source,
          identifier: "p02",
        },
      };
    case 6:
      return {
        connectionType: "single_edge_connection",
        type: { space: c.space, externalId: c.typeId },
        source: c.target,
        direction: "inwards",
      };
    case 7:
      return mapped(c.space, c.container, c.name, {
        type: "timestamp",
        list: false,
      });
    case 8:
      return mapped(c.space, c.container, c.name, {
        type: "json",
        list: false,
      });
    default:
      return mapped(c.space, c.container, c.name, primitive(k));
  }
}

function mapped(
  space: string,
  container: string,
  name: string,
  type: Json,
  extra: Json = {},
): Json {
  return {
    container: { type: "container", space, externalId: container },
    containerPropertyIdentifier: name,
    type,
    nullable: true,
    immutable: false,
    autoIncrement: false,
    ...extra,
  };
}

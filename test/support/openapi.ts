// Validates request and response bodies against the official DMS OpenAPI contract
// (../shared/reference/dms-openapi.json), with the spec's known defects patched (memo §0.1).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

export const SPEC_PATH = fileURLToPath(
  new URL("../../../shared/reference/dms-openapi.json", import.meta.url),
);
const SPEC_ID = "dms";

type Json = Record<string, any>;

function loadPatchedSpec(): Json {
  const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8")) as Json;
  const schemas = spec.components.schemas as Json;
  // 1. Overlapping `oneOf`s: RawPropertyValueV3 lists `object` twice (json and direct relation), a
  //    numeric range bound, a `{"parameter"}` value and a views/byids item with a version each match
  //    two branches. Every `oneOf` is read as `anyOf` (a value must still match one branch).
  //    The same walk fixes NodeOrEdgeExternalId's double-escaped pattern "^[^\\x00]{1,256}$",
  //    which forbids `\`, `x` and `0` instead of NUL.
  relaxSpecDefects(spec);
  // The value schema has no `null`, yet `null` is how apply clears a property (memo §2.4).
  const rawValue = schemas.RawPropertyValueV3 as Json | undefined;
  if (rawValue && Array.isArray(rawValue.anyOf))
    rawValue.anyOf.push({ type: "null" });
  // 2. EnumProperty.values puts min/maxProperties on each value instead of on the map.
  const enumValues = findEnumValuesSchema(schemas);
  if (enumValues) {
    const value = enumValues.additionalProperties as Json | undefined;
    if (value) {
      delete value.minProperties;
      delete value.maxProperties;
    }
    enumValues.minProperties = 1;
    enumValues.maxProperties = 32;
  }
  // 3. `deleted` is required in the apply response but DeletedInstances has minItems 1.
  //    Clients built from older specs know only `items`; the field is optional in practice.
  if (schemas.DeletedInstances) delete schemas.DeletedInstances.minItems;
  const applyResponse = resolveLocal(
    spec,
    spec.components.responses?.SlimNodeAndEdgeCollectionResponse,
  )?.content?.["application/json"]?.schema;
  const applyResponseSchema = resolveLocal(spec, applyResponse);
  if (Array.isArray(applyResponseSchema?.required)) {
    applyResponseSchema.required = applyResponseSchema.required.filter(
      (k: string) => k !== "deleted",
    );
  }
  // 4. The aggregate response requires a `properties` key it never defines (and no SDK reads one).
  const aggregateItems = schemas.AggregatedResultItemCollection as
    Json | undefined;
  if (Array.isArray(aggregateItems?.required))
    aggregateItems.required = aggregateItems.required.filter(
      (k: string) => k !== "properties",
    );
  spec.$id = SPEC_ID;
  return spec;
}

function resolveLocal(spec: Json, node: Json | undefined): Json | undefined {
  let current = node;
  while (current && typeof current.$ref === "string") {
    const path = current.$ref.replace(/^#\//, "").split("/");
    current = path.reduce(
      (acc: Json, key: string) =>
        acc?.[key.replace(/~1/g, "/").replace(/~0/g, "~")],
      spec,
    );
  }
  return current;
}

const DOUBLE_ESCAPED_NUL = "^[^\\\\x00]{1,256}$";

function relaxSpecDefects(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) relaxSpecDefects(item);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Json;
  if (Array.isArray(obj.oneOf)) {
    obj.anyOf = obj.oneOf;
    delete obj.oneOf;
  }
  if (obj.pattern === DOUBLE_ESCAPED_NUL) obj.pattern = "^[^\\u0000]{1,256}$";
  for (const value of Object.values(obj)) relaxSpecDefects(value);
}

function findEnumValuesSchema(schemas: Json): Json | undefined {
  const enumProperty = schemas.EnumProperty as Json | undefined;
  return enumProperty?.properties?.values as Json | undefined;
}

let ajvInstance: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function ajv(): Ajv2020 {
  if (!ajvInstance) {
    ajvInstance = new Ajv2020({
      strict: false,
      allErrors: true,
      validateFormats: true,
    });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajvInstance);
    ajvInstance.addSchema(loadPatchedSpec());
  }
  return ajvInstance;
}

function pointer(...segments: string[]): string {
  return segments
    .map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1"))
    .join("/");
}

function validatorAt(ref: string): ValidateFunction {
  let fn = compiled.get(ref);
  if (!fn) {
    fn = ajv().getSchema(ref);
    if (!fn) throw new Error(`no schema at ${ref}`);
    compiled.set(ref, fn);
  }
  return fn;
}

function specDoc(): Json {
  return ajv().getSchema(SPEC_ID)!.schema as Json;
}

function resolveRef(node: Json): Json {
  return resolveLocal(specDoc(), node) ?? {};
}

export interface ValidationResult {
  valid: boolean;
  errors: string[];
}

function result(fn: ValidateFunction, value: unknown): ValidationResult {
  const valid = fn(value) as boolean;
  return { valid, errors: valid ? [] : formatErrors(fn.errors ?? []) };
}

function formatErrors(errors: ErrorObject[]): string[] {
  return errors
    .slice(0, 20)
    .map(
      (e) =>
        `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
    );
}

/** Validates a value against `#/components/schemas/<name>`. */
export function validateSchema(name: string, value: unknown): ValidationResult {
  return result(validatorAt(`${SPEC_ID}#/components/schemas/${name}`), value);
}

/** Validates a JSON request body of `method path` (path as in the spec, e.g. `/models/instances`). */
export function validateRequest(
  path: string,
  method: string,
  body: unknown,
): ValidationResult {
  const op = specDoc().paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the spec`);
  if (!op.requestBody) throw new Error(`${method} ${path} takes no body`);
  const ref = `${SPEC_ID}#/${pointer("paths", path, method.toLowerCase(), "requestBody")}`;
  const requestBody = resolveRef(op.requestBody);
  const schemaRef = op.requestBody.$ref
    ? `${SPEC_ID}${op.requestBody.$ref}/content/application~1json/schema`
    : `${ref}/content/application~1json/schema`;
  if (!requestBody.content?.["application/json"]?.schema)
    throw new Error(`${method} ${path}: no JSON body`);
  return result(validatorAt(schemaRef), body);
}

/** Validates a JSON response body of `method path` with the given status. */
export function validateResponse(
  path: string,
  method: string,
  status: number,
  body: unknown,
): ValidationResult {
  const op = specDoc().paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the spec`);
  const responses = op.responses as Json;
  const key = responses[String(status)] ? String(status) : "default";
  const response = responses[key];
  if (!response)
    throw new Error(`${method} ${path}: the spec has no response ${status}`);
  const base = response.$ref
    ? `${SPEC_ID}${response.$ref}`
    : `${SPEC_ID}#/${pointer("paths", path, method.toLowerCase(), "responses", key)}`;
  const resolved = resolveRef(response);
  if (!resolved.content?.["application/json"]?.schema)
    throw new Error(`${method} ${path} ${status}: no JSON body`);
  return result(validatorAt(`${base}/content/application~1json/schema`), body);
}

/** Throws with readable errors unless the value is valid; for use inside tests. */
export function assertValid(what: string, r: ValidationResult): void {
  if (!r.valid)
    throw new Error(
      `${what} does not match the DMS OpenAPI contract:\n${r.errors.join("\n")}`,
    );
}

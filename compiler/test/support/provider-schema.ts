/**
 * Generated Terraform resources against a provider's resource schema, one checker for every
 * provider whose schema is on this machine (/work/shared/data): the output of
 * `terraform providers schema -json` (AWS) or a schema derived in the same shape (azurerm,
 * google; their README says what those hold). A resource passes when its type exists, every
 * argument and nested block it writes is one the schema declares (not a computed-only
 * attribute, nor one the schema marks deprecated — the AWS schema does, the derived ones
 * cannot), every required argument and block is present, a block is written as blocks
 * (an object or a list of objects, at most one where the schema allows one) and an argument
 * as a value of its type's shape (a list, a map, a scalar — or an interpolation, which
 * Terraform types at plan time); nested blocks are checked the same way, all the way down.
 * Meta-arguments (`for_each`, `depends_on`, `lifecycle`, …) are Terraform's, not the
 * provider's, and are left to the tests of the stack's own shape. Data sources and the
 * provider block are checked the same way where the schema holds them (AWS).
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export interface SchemaAttribute {
  readonly type?: unknown;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly deprecated?: boolean;
}

export interface SchemaBlockType {
  readonly nesting_mode: "single" | "list" | "set" | "map" | "group";
  readonly min_items?: number;
  readonly max_items?: number;
  readonly block: SchemaBlock & { readonly deprecated?: boolean };
}

export interface SchemaBlock {
  readonly attributes?: Readonly<Record<string, SchemaAttribute>>;
  readonly block_types?: Readonly<Record<string, SchemaBlockType>>;
}

export interface ProviderSchema {
  /** `hashicorp/aws`, as in `required_providers`. */
  readonly source: string;
  readonly version: string;
  readonly resources: Readonly<Record<string, { readonly block: SchemaBlock }>>;
  /** Data sources and the provider's own block: in `terraform providers schema -json` only, not the derived schemas. */
  readonly dataSources?: Readonly<Record<string, { readonly block: SchemaBlock }>>;
  readonly provider?: { readonly block: SchemaBlock };
}

export const SCHEMA_DIR = "/work/shared/data";

/** The schema of `hashicorp/<name>` at `version` from `file` in SCHEMA_DIR. */
export function loadProviderSchema(name: string, version: string, file: string): ProviderSchema {
  const json = JSON.parse(gunzipSync(readFileSync(`${SCHEMA_DIR}/${file}`)).toString("utf8")) as {
    provider_version?: string;
    provider_schemas: Record<string, { resource_schemas: Record<string, { block: SchemaBlock }>; data_source_schemas?: Record<string, { block: SchemaBlock }>; provider?: { block: SchemaBlock } }>;
  };
  if (json.provider_version !== undefined && json.provider_version !== version) throw new Error(`${file} is hashicorp/${name} ${json.provider_version}, not ${version}`);
  const schemas = json.provider_schemas[`registry.terraform.io/hashicorp/${name}`];
  if (schemas === undefined) throw new Error(`${file} holds no schema of hashicorp/${name}`);
  return { source: `hashicorp/${name}`, version, resources: schemas.resource_schemas, dataSources: schemas.data_source_schemas, provider: schemas.provider };
}

/** Terraform's own arguments of a resource, whatever its provider. */
const META = new Set(["for_each", "count", "depends_on", "lifecycle", "provider", "provisioner", "connection", "//"]);

/** What is wrong with one resource `body` of `type`, each problem prefixed by `where`. */
export function resourceProblems(schema: ProviderSchema, type: string, body: Record<string, unknown>, where: string): string[] {
  const entry = schema.resources[type];
  if (entry === undefined) return [`${where}: ${schema.source} ${schema.version} has no resource type ${type}`];
  return blockProblems(entry.block, body, where, true);
}

/** The same for a data source, where the schema holds data sources (else nothing to say). */
export function dataSourceProblems(schema: ProviderSchema, type: string, body: Record<string, unknown>, where: string): string[] {
  if (schema.dataSources === undefined) return [];
  const entry = schema.dataSources[type];
  if (entry === undefined) return [`${where}: ${schema.source} ${schema.version} has no data source ${type}`];
  return blockProblems(entry.block, body, where, true);
}

/** The same for the provider's own configuration block, where the schema holds it. */
export function providerProblems(schema: ProviderSchema, body: Record<string, unknown>, where: string): string[] {
  return schema.provider === undefined ? [] : blockProblems(schema.provider.block, body, where, true);
}

function blockProblems(block: SchemaBlock, body: Record<string, unknown>, path: string, top: boolean): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (top && META.has(key)) continue;
    const attr = block.attributes?.[key];
    const nested = block.block_types?.[key];
    if (attr !== undefined) {
      if (attr.computed === true && attr.optional !== true && attr.required !== true) out.push(`${path}.${key}: read-only attribute`);
      if (attr.deprecated === true) out.push(`${path}.${key}: deprecated`);
      const shape = shapeProblem(attr.type, value);
      if (shape !== undefined) out.push(`${path}.${key}: ${shape}`);
    } else if (nested !== undefined) {
      if (nested.block.deprecated === true) out.push(`${path}.${key}: deprecated`);
      out.push(...nestedProblems(nested, value, `${path}.${key}`));
    } else {
      out.push(`${path}.${key}: no such argument or block`);
    }
  }
  for (const [key, attr] of Object.entries(block.attributes ?? {})) if (attr.required === true && !(key in body)) out.push(`${path}: required argument ${key} missing`);
  for (const [key, nested] of Object.entries(block.block_types ?? {})) if ((nested.min_items ?? 0) > 0 && !(key in body)) out.push(`${path}: required block ${key} missing`);
  return out;
}

function nestedProblems(nested: SchemaBlockType, value: unknown, path: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  const max = nested.nesting_mode === "single" ? 1 : nested.max_items;
  if (max !== undefined && max > 0 && items.length > max) out.push(`${path}: ${items.length} blocks where at most ${max} is allowed`);
  if ((nested.min_items ?? 0) > items.length) out.push(`${path}: ${items.length} blocks where at least ${nested.min_items} are required`);
  items.forEach((item, i) => {
    const where = items.length > 1 ? `${path}[${i}]` : path;
    if (typeof item !== "object" || item === null || Array.isArray(item)) out.push(`${where}: a block must be an object, not ${JSON.stringify(item)}`);
    else out.push(...blockProblems(nested.block, item as Record<string, unknown>, where, false));
  });
  return out;
}

/** Whether `value` has the shape of Terraform `type` (`"string"`, `["list", "string"]`, …); an interpolation fits any type. */
function shapeProblem(type: unknown, value: unknown): string | undefined {
  if (type === undefined || type === "dynamic") return undefined;
  if (typeof value === "string" && value.startsWith("${") && value.endsWith("}")) return undefined;
  const kind = Array.isArray(type) ? String(type[0]) : String(type);
  const fits =
    kind === "list" || kind === "set" || kind === "tuple"
      ? Array.isArray(value)
      : kind === "map" || kind === "object"
        ? typeof value === "object" && value !== null && !Array.isArray(value)
        : kind === "number"
          ? typeof value === "number" || (typeof value === "string" && value.includes("${"))
          : kind === "bool"
            ? typeof value === "boolean"
            : typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  return fits ? undefined : `${JSON.stringify(value)} is not a ${kind}`;
}

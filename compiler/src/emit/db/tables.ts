/**
 * The database's tables as plain data, one per entity of the bundle: the single description
 * both `schema.ts` (ts-morph) and the drizzle-kit snapshot (drizzle-orm tables in process)
 * are made from, so the two cannot disagree.
 *
 * The conventions are the runtime's (runtime/src/store/entity-tables.ts, columns.ts): the
 * table is `EntitySchema.table`, every table has `tenant_id text not null` first, the primary
 * key is `(tenant_id, <@id>)`, `@unique` is unique per tenant, a reference to another
 * entity's key is a foreign key within the tenant, an enum is `text` with a check. Besides,
 * every table has an index on `tenant_id` and `@index` fields an index on
 * `(tenant_id, field)`. `@renamed(from: "old")` on a field is kept for the differ.
 */
import { type Diagnostic, diagnostic, type Model } from "@paybill/lang";
import type { Bundle, EntitySchema, FieldSchema, FieldType } from "@paybill/runtime";

export interface DbColumn {
  readonly name: string;
  readonly type: FieldType;
  readonly notNull: boolean;
  readonly default?: DbDefault;
}

export type DbDefault =
  | { readonly kind: "random" }
  | { readonly kind: "now" }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: string }
  | { readonly kind: "bool"; readonly value: boolean };

export interface DbForeignKey {
  readonly name: string;
  readonly column: string;
  readonly table: string;
  readonly key: string;
}

export interface DbTable {
  /** The entity's name; the table's variable in schema.ts is derived from it. */
  readonly entity: string;
  readonly name: string;
  readonly key: string;
  /** `tenant_id` first, then the fields in declaration order. */
  readonly columns: readonly DbColumn[];
  readonly unique: readonly string[];
  readonly indexed: readonly string[];
  readonly foreignKeys: readonly DbForeignKey[];
  /** `@renamed(from: "old")`: new column name → old column name. */
  readonly renamed: ReadonlyMap<string, string>;
}

export const TENANT_COLUMN = "tenant_id";
const NAME = /^[a-z_][a-z0-9_]*$/;

/** Tables sorted by name (deterministic output whatever the order of files). */
export function dbTables(bundle: Pick<Bundle, "entities">, model: Model | undefined, diagnostics: Diagnostic[]): DbTable[] {
  const entities = Object.values(bundle.entities);
  const tables = entities.map((entity) => table(entity, bundle, model, diagnostics));
  return tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function table(entity: EntitySchema, bundle: Pick<Bundle, "entities">, model: Model | undefined, diagnostics: Diagnostic[]): DbTable {
  const columns: DbColumn[] = [{ name: TENANT_COLUMN, type: { kind: "string" }, notNull: true }];
  const foreignKeys: DbForeignKey[] = [];
  for (const field of entity.fields) {
    const fallback = defaultOf(field);
    columns.push({ name: field.name, type: field.type, notNull: !field.optional || field.id === true, ...(fallback === undefined ? {} : { default: fallback }) });
    const target = field.references === undefined ? undefined : bundle.entities[field.references.entity];
    if (field.references !== undefined && target !== undefined && target.key === field.references.field) {
      foreignKeys.push({ name: `${entity.table}_${field.name}_fkey`, column: field.name, table: target.table, key: target.key });
    }
  }
  const annotations = fieldAnnotations(model, entity.name);
  const renamed = new Map<string, string>();
  for (const field of entity.fields) {
    const annotation = annotations.get(field.name)?.find((a) => a.name === "renamed");
    if (annotation === undefined) continue;
    const from = annotation.from;
    if (from === undefined || !NAME.test(from) || from === field.name || entity.fields.some((f) => f.name === from)) {
      diagnostics.push(
        diagnostic(
          "attributeType",
          annotation.file,
          annotation.span,
          `\`@renamed\` on \`${entity.name}.${field.name}\` takes the column's previous name, a lowercase name no other field has`,
          'write `@renamed(from: "old_name")`; remove it once every database is migrated',
        ),
      );
      continue;
    }
    renamed.set(field.name, from);
  }
  return {
    entity: entity.name,
    name: entity.table,
    key: entity.key,
    columns,
    unique: entity.fields.filter((f) => f.unique === true && f.id !== true).map((f) => f.name),
    indexed: entity.fields.filter((f) => annotations.get(f.name)?.some((a) => a.name === "index") === true).map((f) => f.name),
    foreignKeys,
    renamed,
  };
}

interface FoundAnnotation {
  readonly name: string;
  readonly from: string | undefined;
  readonly file: Parameters<typeof diagnostic>[1];
  readonly span: Parameters<typeof diagnostic>[2];
}

type EntityDecls = ReadonlyMap<string, readonly { readonly unit: Model["units"][number]; readonly decl: Extract<Model["units"][number]["ast"]["declarations"][number], { kind: "Entity" }> }[]>;

/** Each model's entity declarations by name, found in one pass (not one pass per entity). */
const entityIndex = new WeakMap<Model, EntityDecls>();

function entityDecls(model: Model): EntityDecls {
  let index = entityIndex.get(model);
  if (index === undefined) {
    const found = new Map<string, { unit: Model["units"][number]; decl: Extract<Model["units"][number]["ast"]["declarations"][number], { kind: "Entity" }> }[]>();
    for (const unit of model.units) {
      for (const decl of unit.ast.declarations) {
        if (decl.kind !== "Entity") continue;
        const list = found.get(decl.name.name);
        if (list === undefined) found.set(decl.name.name, [{ unit, decl }]);
        else list.push({ unit, decl });
      }
    }
    index = found;
    entityIndex.set(model, index);
  }
  return index;
}

/** The annotations of each field of the entity called `name`, read from the checked model. */
function fieldAnnotations(model: Model | undefined, name: string): Map<string, FoundAnnotation[]> {
  const out = new Map<string, FoundAnnotation[]>();
  if (model === undefined) return out;
  for (const { unit, decl } of entityDecls(model).get(name) ?? []) {
    for (const field of decl.fields) {
      out.set(
        field.name.name,
        field.annotations.map((a) => {
          const arg = a.args?.find((x) => x.name?.name === "from") ?? (a.args?.length === 1 ? a.args[0] : undefined);
          const from = arg?.value.kind === "String" ? arg.value.value : undefined;
          return { name: a.name.name, from, file: unit.source, span: a.span };
        }),
      );
    }
  }
  return out;
}

/** As the runtime's development DDL: a random uuid key, `now`, and number, bool or string literals. */
function defaultOf(field: FieldSchema): DbDefault | undefined {
  if (field.id === true && field.type.kind === "uuid") return { kind: "random" };
  const value = field.default;
  if (value === undefined) return undefined;
  if (value === "now") return { kind: "now" };
  if (value === "true" || value === "false") return { kind: "bool", value: value === "true" };
  if (/^-?\d+(\.\d+)?$/.test(value)) return { kind: "number", value };
  if (/^"([^"\\]|\\.)*"$/.test(value)) {
    try {
      return { kind: "string", value: JSON.parse(value) as string };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

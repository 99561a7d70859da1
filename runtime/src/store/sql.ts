/**
 * Small SQL helpers: quoting identifiers that come from the bundle (table and column names
 * are checked by the compiler, but they are quoted anyway) and the schema a runtime lives in.
 */

/** `"name"`, with embedded quotes doubled. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A SQL string literal, where parameters are not allowed (DDL, a transaction's opening
 * statements). Text with a backslash is written as an escape string (`E'…'`, backslashes
 * doubled), which reads the same whatever `standard_conforming_strings` says. The text must
 * hold no NUL (request-text.ts refuses it before any SQL is written).
 */
export function literal(text: string): string {
  const quoted = text.replaceAll("'", "''");
  return text.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether `name` is a plain lowercase schema name (the only kind the `schema` option takes). */
export function isSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is text a `uuid` column accepts in its canonical form (anything else would make the query fail). */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * The parameters of one statement built from pieces (act.ts sends the quota, the effect,
 * the run's step and the audit append as one statement): each piece adds its values and
 * writes the placeholder it gets back, so no piece needs to know the others' numbering.
 */
export class Params {
  readonly values: unknown[] = [];

  /** `$n` for `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

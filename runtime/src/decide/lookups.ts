/**
 * Lookups (`exists(Payee, p, p.iban == input.recipient)`, spec/runtime.md §Lookups): the
 * compiler turns each into `lookups["<rule>/<n>"]` and hands the rule its entity and
 * equalities. Here, pure: their values compiled once at load, computed per request from the
 * request alone (the checker guarantees they read no row, `resource` or `context`), and, for
 * `paybillc test`, answered from rows in memory. The database answers them for act and
 * decide (runs/lookups.ts), in the tenant, on an index.
 *
 * A value that fails to evaluate (an absent optional input) leaves its lookup unanswered:
 * the condition reading it errs, and fails closed as every erring condition does.
 *
 * A lookup whose values read no tenant fact but the id (`foldable`) is computed before the
 * transaction begins, from the request alone, so act and decide ask it in the statement
 * sent with BEGIN (runs/lookups.ts `openingLookups`); the others wait for the tenant's facts.
 */
import type { Environment } from "@marcbachmann/cel-js";
import type { RuleSpec } from "../bundle/format.js";
import { type Activation, type CelProgram, compileCel } from "../cel/program.js";
import { fromCel } from "../cel/values.js";

/** One lookup of one request: a row of `entity` with every `field` equal to its `value`? */
export interface LookupQuery {
  /** `<rule>/<n>`: the name the condition reads it by. */
  readonly key: string;
  readonly entity: string;
  readonly where: readonly { readonly field: string; readonly value: unknown }[];
}

export interface CompiledLookup {
  readonly key: string;
  readonly entity: string;
  /** A value cel-js refused at load is undefined: the lookup stays unanswered (fail closed). */
  readonly where: readonly { readonly field: string; readonly program: CelProgram | undefined }[];
  /** Its values read no `tenant` member but `tenant.id` (`readsTenantFacts`): computable before the tenant's facts are read. */
  readonly foldable: boolean;
}

/**
 * Whether a value's CEL text may read a tenant fact other than its id (plan, state, region,
 * features, limits), which only the database knows. Conservative: any `tenant` left once
 * every `tenant.id` is set aside (in a string literal, a member of another value) counts.
 */
export function readsTenantFacts(value: string): boolean {
  return value.replace(/\btenant\s*\.\s*id\b/g, "").includes("tenant");
}

export function compileLookups(env: Environment, rule: RuleSpec): CompiledLookup[] {
  return (rule.lookups ?? []).map((lookup, n) => ({
    key: `${rule.id}/${n}`,
    entity: lookup.entity,
    where: lookup.where.map((w) => {
      const compiled = compileCel(env, w.value);
      return { field: w.field, program: compiled.ok ? compiled.program : undefined };
    }),
    foldable: lookup.where.every((w) => !readsTenantFacts(w.value)),
  }));
}

/** The queries of `lookups` for one request; those whose values do not evaluate are left out. */
export function lookupQueries(lookups: readonly CompiledLookup[], activation: Activation): LookupQuery[] {
  const queries: LookupQuery[] = [];
  next: for (const lookup of lookups) {
    const where: { field: string; value: unknown }[] = [];
    for (const w of lookup.where) {
      if (w.program === undefined) continue next;
      try {
        where.push({ field: w.field, value: fromCel(w.program.run(activation)) });
      } catch {
        continue next;
      }
    }
    queries.push({ key: lookup.key, entity: lookup.entity, where });
  }
  return queries;
}

/** A query answered from rows in memory (`paybillc test`'s `given` rows): equal as JSON values. */
export function answerInMemory(query: LookupQuery, rows: readonly Readonly<Record<string, unknown>>[]): boolean {
  return rows.some((row) => query.where.every((w) => sameValue(row[w.field], w.value)));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b);
  if (typeof a === "number" && typeof b === "string") return String(a) === b;
  if (typeof b === "number" && typeof a === "string") return a === String(b);
  return a === b;
}

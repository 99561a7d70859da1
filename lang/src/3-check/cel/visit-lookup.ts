/**
 * Lookups over the tenant's own rows: `exists(Payee, p, p.iban == input.recipient)`, a
 * `bool`. The runtime answers one with an indexed equality query inside the act's
 * transaction (spec/language.md §8.9), so the checker accepts only what becomes one:
 *
 * - the predicate is a conjunction (`&&`) of equalities `p.field == value` (either side);
 * - at least one of those fields has an index (`@id`, `@unique` or `@index`), so the query
 *   reads at most the rows of one index entry;
 * - every `value` is known before the decision: it mentions neither the row, nor
 *   `resource` or `context`, nor a variable bound around the lookup, nor another lookup
 *   (the runtime computes it from the request, then queries).
 *
 * Lookups are allowed in policy conditions only (PB4136).
 */
import type { CelCall, CelExpr, CelSelect } from "../../ast/cel.js";
import { nodes } from "../../ast/cel-walk.js";
import { printCel } from "../../format/cel-print.js";
import { type CelType, T } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import type { LookupKey } from "./names.js";
import { isPrimitive, unwrap } from "./type-utils.js";

/** `exists(…)` without a receiver: a lookup (the macro is always `list.exists(x, …)`). */
export function isLookup(expr: CelCall): boolean {
  return expr.target === undefined && expr.fn === "exists";
}

const SHAPE_HELP = "write `exists(Entity, row, row.field == value)`, e.g. `exists(Payee, p, p.iban == input.recipient)`";

export function checkLookup(c: Checker, expr: CelCall, scope: Scope): CelType {
  if (c.names === undefined || !c.names.lookups) {
    return c.report("lookupPlace", expr.fnSpan, "a lookup `exists(Entity, …)` is allowed only in a policy condition", "move the test into a `permit … when` or `forbid … when` rule");
  }
  const [entityArg, rowArg, predicate, ...extra] = expr.args;
  if (entityArg?.kind !== "CelIdent" || entityArg.absolute || rowArg?.kind !== "CelIdent" || rowArg.absolute || predicate === undefined || extra.length > 0) {
    return c.report("lookupShape", expr.span, "a lookup takes an entity, a name for its row and a predicate", SHAPE_HELP);
  }
  const entity = c.names.entity(entityArg);
  if (entity === undefined) return c.report("lookupShape", entityArg.span, `\`${entityArg.name}\` is not an entity`, "a lookup reads the rows of an entity declared with `entity Name { … }`");
  const inner = new Map(scope).set(rowArg.name, entity.row);
  const type = c.check(predicate, inner);
  if (type.kind === "error") return T.error;
  if (!isPrimitive(unwrap(type), "bool") && type.kind !== "dyn") return c.mismatch(predicate, T.bool, type);
  const keys: LookupKey[] = [];
  for (const term of conjuncts(predicate)) {
    const key = equality(term, rowArg.name);
    if (key === undefined) {
      return c.report("lookupUnindexed", term.span, `\`${printCel(term)}\` is not \`${rowArg.name}.field == value\``, `a lookup's predicate is one or more \`${rowArg.name}.field == value\` joined by \`&&\`; test anything else outside the lookup`);
    }
    const bad = unknownBefore(key.value, rowArg.name, scope);
    if (bad !== undefined) {
      return c.report("lookupValue", bad.span, `\`${printCel(bad)}\` is not known before the decision`, "compare with `input`, `principal`, `action`, `tenant`, a constant or a literal: the runtime computes the value from the request, then reads the row");
    }
    keys.push(key);
  }
  if (!keys.some((k) => entity.indexed.has(k.field))) {
    const indexed = [...entity.indexed].sort().map((f) => `\`${f}\``).join(", ");
    return c.report(
      "lookupUnindexed",
      predicate.span,
      `no field this lookup compares has an index in \`${entity.name}\``,
      `compare an indexed field (${indexed === "" ? "none yet" : indexed}), or mark the field \`@index\` (or \`@unique\`) in \`entity ${entity.name}\``,
    );
  }
  c.names.lookup(expr, entity, keys);
  return T.bool;
}

function conjuncts(expr: CelExpr): CelExpr[] {
  return expr.kind === "CelBinary" && expr.op === "&&" ? [...conjuncts(expr.left), ...conjuncts(expr.right)] : [expr];
}

function rowField(expr: CelExpr, row: string): string | undefined {
  return expr.kind === "CelSelect" && expr.operand.kind === "CelIdent" && !expr.operand.absolute && expr.operand.name === row ? (expr as CelSelect).field : undefined;
}

function equality(term: CelExpr, row: string): LookupKey | undefined {
  if (term.kind !== "CelBinary" || term.op !== "==") return undefined;
  const left = rowField(term.left, row);
  if (left !== undefined) return { field: left, value: term.right };
  const right = rowField(term.right, row);
  return right === undefined ? undefined : { field: right, value: term.left };
}

/** The first part of `value` the runtime cannot compute before deciding, if any. */
function unknownBefore(value: CelExpr, row: string, scope: Scope): CelExpr | undefined {
  for (const node of nodes(value)) {
    if (node.kind === "CelIdent" && !node.absolute && (node.name === row || node.name === "resource" || node.name === "context" || scope.has(node.name))) return node;
    if (node.kind === "CelCall" && isLookup(node)) return node;
    if (node.kind === "CelCall" && node.target !== undefined && ["exists", "all", "exists_one", "map", "filter"].includes(node.fn)) return node;
  }
  return undefined;
}

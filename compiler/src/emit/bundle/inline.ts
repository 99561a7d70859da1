/**
 * What a condition names through the project, made plain for the runtime: a constant
 * (`payees`, `alias.payees`) becomes its literal value (the runtime builds a literal list
 * once, at load), and a lookup `exists(Payee, p, p.iban == input.recipient)` becomes
 * `lookups["<rule>/<n>"]`, a boolean the runtime computes with one indexed query per lookup
 * before deciding (the rule's `lookups` carry the entity and the equalities, their values
 * with constants inlined too).
 */
import type { CelExpr, Model } from "@paybill/lang";
import type { LookupSpec } from "@paybill/runtime";
import { cel, mapChildren } from "./cel.js";

/**
 * `expr` with every constant inlined; lookups are handed to `lookup`, which names their
 * boolean. `replace` is asked first about each node of the checked tree (the checker's facts
 * are keyed by node, so every rewrite happens in this one walk: windows.ts's totals).
 */
export function inlineNames(model: Model, expr: CelExpr, lookup?: (spec: LookupSpec) => string, replace?: (e: CelExpr) => CelExpr | undefined): CelExpr {
  const replaced = replace?.(expr);
  if (replaced !== undefined) return replaced;
  const r = (e: CelExpr): CelExpr => inlineNames(model, e, lookup, replace);
  const constant = model.constants.get(expr);
  if (constant !== undefined) return constant.value;
  if (expr.kind === "CelCall" && lookup !== undefined) {
    const facts = model.lookups.get(expr);
    if (facts !== undefined) {
      const spec: LookupSpec = { entity: facts.entity.name, where: facts.keys.map((k) => ({ field: k.field, value: cel(r(k.value)).cel })) };
      const key = lookup(spec);
      const span = expr.span;
      return { kind: "CelIndex", span, operand: { kind: "CelIdent", span, name: "lookups", absolute: false }, index: { kind: "CelLiteral", span, type: "string", raw: JSON.stringify(key) } };
    }
  }
  return mapChildren(expr, r);
}

/**
 * Hover text for the shared data of issue 15 part 4a: a constant (`const payees = [...]`,
 * at its declaration or where a condition names it, `payees` or `alias.payees`) shows its
 * type and value; a lookup (`exists(Payee, p, p.iban == input.recipient)`) says what it
 * tests and how the runtime answers it. Must not find symbols itself.
 */
import type { CelCall, CelExpr } from "../ast/cel.js";
import type { ConstDecl } from "../ast/nodes.js";
import { typeName } from "../3-check/cel/cel-types.js";
import { isLookup } from "../3-check/cel/visit-lookup.js";
import type { Model } from "../3-check/model.js";
import { printCel } from "../format/cel-print.js";

/** A constant's type and value, as hover shows them. */
export function describeConst(decl: ConstDecl, model: Model | undefined): string {
  const type = model?.celTypes.get(decl.value)?.get(decl.value);
  const typed = type === undefined || type.kind === "error" ? "" : `: ${typeName(type)}`;
  return ["```paybill", `const ${decl.name.name}${typed} = ${printCel(decl.value)}`, "```"].join("\n");
}

/** The constant a CEL name under the cursor (innermost first along `path`) stands for, with the node naming it. */
export function constantAt(model: Model | undefined, path: readonly CelExpr[]): { node: CelExpr; decl: ConstDecl } | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i] as CelExpr;
    const decl = model?.constants.get(node);
    if (decl !== undefined) return { node, decl };
  }
  return undefined;
}

/** What a lookup `exists(Entity, row, …)` does, or undefined when `call` is not one. */
export function describeLookup(call: CelCall, model: Model | undefined): string | undefined {
  if (!isLookup(call)) return undefined;
  const facts = model?.lookups.get(call);
  const entity = facts?.entity.name ?? (call.args[0]?.kind === "CelIdent" ? call.args[0].name : "Entity");
  const keys = facts?.keys.map((k) => `\`${k.field}\` = \`${printCel(k.value)}\``).join(" and ");
  return [
    "`exists(Entity, row, predicate)`: `bool` — a lookup",
    `true when a row of \`${entity}\` in the request's tenant${keys === undefined || keys === "" ? " matches the predicate" : ` has ${keys}`}.`,
    "The runtime computes the values from the request and asks the database on an index, inside the act's transaction, under the tenant's row-level security (with the statement sent with BEGIN unless a value reads the tenant's facts); `paybillc test` answers it from the test's `given` rows. Allowed in policy conditions only.",
  ].join("\n\n");
}

/**
 * Resource names in the stacks (spec/infrastructure.md §3). The derivation is the runtime's
 * (`cloudNames` in @paybill/runtime, control/cloud-names.ts), so onboarding and the stacks
 * agree: here it is applied to the owners the compiler knows (cells, static tenants in
 * their own stacks) and written as Terraform expressions for per-tenant resources, whose
 * tenants are only known when Terraform runs (`local.tenants`). compiler/test checks that
 * Terraform's value of these expressions is the runtime's for many ids.
 */
// The naming derivation alone (no database drivers): `check` loads it.
import * as cloudNames from "@paybill/runtime/cloud-names";
import type { Level } from "./constructs.js";
import type { ProviderName } from "./infra.js";

const { HASHED_KEEP, OWNER_MAX, cloudName, ruleOf } = cloudNames;

/** `s` as a quoted Terraform string (a template: `${…}` in it still interpolates). */
function quoted(s: string): string {
  return JSON.stringify(s);
}

/** The cleaned name of `name` (an expression), as `cloudNames.cleanName`. */
function cleanExpr(name: string): string {
  return `trim(replace(replace(lower(${name}), "/[^a-z0-9]+/", "-"), "/${cloudNames.GOOGLE_LIKE.source}/", "g-gle"), "-")`;
}

/** The owner of a tenant named by the expression `name`, as `cloudNames.tenantOwner`. */
export function tenantOwnerExpr(name: string): string {
  const clean = cleanExpr(name);
  const kept = `${name} == ${clean} && can(regex("^[a-z]", ${name})) && length(${name}) <= ${OWNER_MAX} && !can(regex("-[0-9a-f]{8}$", ${name})) && !startswith(${name}, "cell-")`;
  const hashed = `join("-", compact([trimsuffix(substr(${clean}, 0, ${HASHED_KEEP}), "-"), substr(sha256(${name}), 0, 8)]))`;
  return `${kept} ? ${name} : ${hashed}`;
}

/** The key of a name in `each.value.names` (`eks-nodes` → `eks_nodes`: no quotes needed to read it). */
export function nameKey(what: string): string {
  return what.replace(/-/g, "_");
}

/** The expression of one name, the owner given as the expression `owner`, cut to the provider's length by Terraform when it can be too long. */
function nameExpr(provider: ProviderName, prefix: string, owner: string, what: string): string {
  const full = quoted(`${prefix}-\${${owner}}-${what}`);
  const rule = ruleOf(provider, what);
  if (rule.seedOnly === true || prefix.length + OWNER_MAX + what.length + 2 <= rule.max) return full;
  const head = quoted(`${prefix}-\${${owner}}`);
  return `length(${full}) <= ${rule.max} ? ${full} : join("-", [trimsuffix(substr(${head}, 0, ${rule.max - what.length - 10}), "-"), substr(sha256(${full}), 0, 8), ${quoted(what)}])`;
}

/** Every name of a run-time tenant on `provider`, as a Terraform object `{ key = …, db = …, … }`; `owner` is the expression of its owner. */
export function tenantNamesExpr(provider: ProviderName, prefix: string, owner: string): string {
  return `{ ${Object.keys(cloudNames.RULES[provider])
    .map((what) => `${nameKey(what)} = (${nameExpr(provider, prefix, owner, what)})`)
    .join(", ")} }`;
}

/**
 * The name of `what` for an owner: a literal for a stack-level owner; for a per-tenant one
 * (`owner` is then `${each.value.slug}`) a reference to the tenant's name in `local.tenants`
 * (tenantNamesExpr), free of quotes so it may stand inside JSON text such as an IAM policy.
 */
export function resourceName(provider: ProviderName, prefix: string, owner: string, level: Level, what: string): string {
  if (level === "stack") return cloudName(provider, prefix, owner, what);
  if (Object.hasOwn(cloudNames.RULES[provider], what)) return `\${each.value.names.${nameKey(what)}}`;
  return `\${${nameExpr(provider, prefix, "each.value.slug", what)}}`;
}

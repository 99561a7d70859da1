/**
 * The control plane's errors (PBR140–PBR148, PBR200), built in one place so every message names
 * its subject in backticks and every help line says what to do. spec/control-plane.md
 * lists them with examples.
 */
import { PaybillRuntimeError } from "../store/errors.js";
import { allowedEvents, type LifecycleEvent, type TenantState } from "./lifecycle.js";

export function illegalTransition(tenant: string, state: TenantState, event: LifecycleEvent | string): PaybillRuntimeError {
  const allowed = allowedEvents(state);
  return new PaybillRuntimeError(
    "PBR140",
    `tenant \`${tenant}\` is ${state}: \`${event}\` is not allowed from \`${state}\``,
    allowed.length === 0 ? `\`${state}\` is final: nothing more can happen to this tenant` : `from \`${state}\` the lifecycle allows: ${allowed.map((e) => `\`${e}\``).join(", ")}`,
  );
}

export function unknownPlan(plan: string, known: readonly string[]): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR141",
    `there is no plan \`${plan}\` in this bundle`,
    known.length === 0 ? "declare a plan in a `.paybill` file and build again" : `plans: ${known.map((p) => `\`${p}\``).join(", ")}`,
  );
}

export function tenantExists(tenant: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR142", `tenant \`${tenant}\` is already registered`, `choose another id, or see it with \`paybillc tenants show ${tenant}\``);
}

export const TENANT_ID = /^[a-z][a-z0-9_-]{0,62}$/;

export function badTenantId(tenant: string): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR143",
    `\`${tenant}\` is not a tenant id`,
    "a tenant id starts with a lowercase letter and has up to 63 lowercase letters, digits, `_` or `-` (`acme`, `acme-eu`)",
  );
}

export function cloudNamesTaken(tenant: string, other: string, owner: string): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR148",
    `tenant \`${tenant}\` would get the cloud resource names of tenant \`${other}\` (\`…-${owner}-…\`)`,
    "choose another id: cloud resource names are derived from the id (spec/infrastructure.md §3), and these two derive the same ones",
  );
}

export function billingProblem(message: string, help: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR144", message, help);
}

export function staticPlan(tenant: string): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR145",
    `tenant \`${tenant}\` is declared in the bundle, so its plan is the bundle's`,
    "change its `plan` in the `.paybill` file and build again, or onboard tenants that change plans at run time",
  );
}

export function usageProblem(message: string, help: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR146", message, help);
}

export function overLimit(tenant: string, plan: string, metric: string, limit: number, quantity: number): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR200",
    `tenant \`${tenant}\` may have at most ${limit} \`${metric}\` on plan \`${plan}\`: ${quantity} cannot be recorded`,
    `the plan's \`limits { ${metric} = ${limit} }\` caps it: refuse the ${metric === "seats" ? "seat" : "use"} beyond it, or move the tenant to a plan with more (\`paybillc tenants change-plan\`)`,
  );
}

export function inactiveApproval(approval: string, tenant: string, state: string): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR147",
    `approval \`${approval}\` cannot be resumed while tenant \`${tenant}\` is ${state}`,
    "the approval stays granted: resume it once the tenant is active again",
  );
}

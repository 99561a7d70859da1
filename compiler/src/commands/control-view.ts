/**
 * How `paybillc tenants …` shows the control plane: a tenant, its provisioning plan with
 * each step's stack resolved from the build's Terraform manifest, and its transitions —
 * as text for people and as JSON values for tools. Pure: the manifest is read by the caller.
 */
import type { Bundle, Placement, ProvisioningPlan, ProvisionStep, Tenant, Transition } from "@paybill/runtime";
import { type Manifest, stackFor } from "@paybill/server/provision";

/** A step as shown: the step, and the stack it acts on (or why none could be found). */
export type StepView = ProvisionStep & { readonly stack?: string; readonly fromStack?: string; readonly stackProblem?: string };

export function stepView(step: ProvisionStep, manifest: Manifest | undefined): StepView {
  if (manifest === undefined) return step;
  const placement = step.kind === "move_data" ? step.to : step.placement;
  const found = stackFor(manifest, step.tenant, placement);
  if (!found.ok) return { ...step, stackProblem: found.problem };
  if (step.kind !== "move_data") return { ...step, stack: found.name };
  const from = stackFor(manifest, step.tenant, step.from);
  return { ...step, stack: found.name, ...(from.ok ? { fromStack: from.name } : {}) };
}

export function planView(plan: ProvisioningPlan | undefined, manifest: Manifest | undefined): { reason: string; steps: StepView[] } | undefined {
  return plan === undefined ? undefined : { reason: plan.reason, steps: plan.steps.map((s) => stepView(s, manifest)) };
}

export function tenantLines(tenant: Tenant, bundle: Bundle): string[] {
  const lines = [`tenant \`${tenant.id}\`: ${tenant.state}${tenant.static ? " (declared in the project's .paybill files)" : ""}`];
  const field = (name: string, value: string) => lines.push(`  ${name.padEnd(13)}${value}`);
  field("plan", planText(tenant.plan, bundle));
  if (tenant.pendingPlan !== undefined) field("pending plan", `${planText(tenant.pendingPlan, bundle)} (applies when provisioned)`);
  if (tenant.cloud !== undefined) field("cloud", tenant.cloud);
  if (tenant.region !== undefined) field("region", tenant.region);
  if (tenant.pastDueSince !== undefined) field("past due", `since ${tenant.pastDueSince}${tenant.suspendAt === undefined ? "" : `, suspension due ${tenant.suspendAt}`}`);
  if (tenant.suspendedFor !== undefined) field("suspended", `for ${tenant.suspendedFor}`);
  if (tenant.trialEndsAt !== undefined) field("trial", tenant.trialEndedAt === undefined ? `until ${tenant.trialEndsAt}` : `ended ${tenant.trialEndedAt}`);
  field("updated", tenant.updatedAt);
  const outputs = Object.entries(tenant.outputs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (outputs.length > 0) {
    lines.push("  outputs (its latest provisioning):");
    for (const [name, value] of outputs) lines.push(`    ${name} = ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return lines;
}

function planText(plan: string, bundle: Bundle): string {
  const spec = bundle.plans[plan];
  if (spec === undefined) return `${plan} (not in this bundle)`;
  return `${plan} (${spec.isolation.model}${spec.isolation.cloud === undefined ? "" : ` on ${spec.isolation.cloud}`})`;
}

export function planLines(plan: { reason: string; steps: readonly StepView[] } | undefined, manifest: Manifest | undefined): string[] {
  if (plan === undefined || plan.steps.length === 0) return ["provisioning plan: nothing to do"];
  const lines = [`provisioning plan (${plan.reason.replace("_", " ")}), ${plan.steps.length} ${plan.steps.length === 1 ? "step" : "steps"}:`];
  plan.steps.forEach((step, i) => {
    lines.push(`  ${i + 1}. ${stepText(step, manifest)}`);
  });
  return lines;
}

export function stepText(step: StepView, manifest: Manifest | undefined): string {
  const where = (placement: Placement) => [placement.isolation, placement.cloud, placement.region].filter((p) => p !== undefined).join(", ");
  const stack =
    manifest === undefined ? "" : step.stack === undefined ? ` — no stack: ${step.stackProblem ?? "unknown"}` : ` on stack \`${step.stack}\`${stackHow(step, manifest)}`;
  switch (step.kind) {
    case "provision":
      return `provision \`${step.tenant}\` (${where(step.placement)})${stack}`;
    case "move_data": {
      const on = (stack: string | undefined) => (stack === undefined ? "" : ` on \`${stack}\``);
      return `move \`${step.tenant}\`'s data from ${where(step.from)}${on(step.fromStack)} to ${where(step.to)}${on(step.stack)}`;
    }
    case "retire":
      return `retire \`${step.tenant}\` from its old placement (${where(step.placement)})${stack}`;
    case "deprovision":
      return `deprovision \`${step.tenant}\` (${where(step.placement)})${stack}`;
  }
}

/** What Terraform does on the stack for the step. */
function stackHow(step: StepView, manifest: Manifest): string {
  const entry = step.stack === undefined ? undefined : manifest.stacks[step.stack];
  if (entry === undefined || step.kind === "move_data") return "";
  const adding = step.kind === "provision";
  if (entry.mode === "tenant") return adding ? ": apply the tenant's own stack" : ": destroy the tenant's own stack";
  if (entry.tenantsVariable) return adding ? ": add it to the stack's `tenants` and apply" : ": remove it from the stack's `tenants` and apply";
  return adding ? ": apply the shared stack (its rows are kept apart by row-level security)" : ": nothing of its own in the stack";
}

export function transitionLine(t: Transition): string {
  const by = `by ${t.actor}${t.reason === undefined ? "" : `: ${t.reason}`}`;
  return `  #${t.seq}  ${t.at}  ${t.event.padEnd(20)} ${(t.from ?? "—").padEnd(19)} → ${t.to.padEnd(19)} ${by}`;
}

/**
 * The provisioner interface a host (or `paybillc`'s Terraform provisioner) implements, and
 * how the runner calls it: a provisioner that throws is a failed step, its message the
 * outcome's detail, so a run never ends half-recorded because a provisioner misbehaved.
 */
import type { Provisioner, ProvisionStep, StepOutcome, Tenant } from "./types.js";

export type { Provisioner, ProvisionStep, StepOutcome };

export async function runStep(provisioner: Provisioner, step: ProvisionStep, context: { tenant: Tenant; attempt: number }): Promise<StepOutcome> {
  try {
    const outcome = await provisioner.run(step, context);
    if (typeof outcome !== "object" || outcome === null || typeof outcome.ok !== "boolean") {
      return { ok: false, detail: `provisioner \`${provisioner.name}\` returned no outcome for the \`${step.kind}\` step` };
    }
    return { ok: outcome.ok, detail: String(outcome.detail ?? ""), ...(outcome.outputs === undefined ? {} : { outputs: outcome.outputs }) };
  } catch (error) {
    return { ok: false, detail: `provisioner \`${provisioner.name}\` failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A step as one line (`provision pooled/aws/eu-west-1 for acme`), for outcomes and reasons. */
export function describeStep(step: ProvisionStep): string {
  const where = (p: { isolation: string; cloud?: string; region?: string }) => [p.isolation, p.cloud, p.region].filter((x) => x !== undefined).join("/");
  switch (step.kind) {
    case "move_data":
      return `move_data ${where(step.from)} → ${where(step.to)} for ${step.tenant}`;
    default:
      return `${step.kind} ${where(step.placement)} for ${step.tenant}`;
  }
}

/**
 * The provisioners `paybillc tenants provision` can run a plan with: `dry-run`, the
 * runtime's RecordingProvisioner (it records each step as done and says what it would
 * run — for development, when no cloud is at hand), and `terraform`, the compiled stacks
 * applied in a work directory (compiler/src/provision). The Terraform provisioner's tenant
 * sets come from the registry: every run-time tenant that has, or is getting, resources on
 * the stack.
 */
import { type Bundle, type Provisioner, type ProvisionStep, RecordingProvisioner, type Runtime, type Tenant, type TenantState } from "@paybill/runtime";
import type { Io } from "../io.js";
import { type Manifest, stackFor } from "../provision/stacks.js";
import { TerraformProvisioner } from "../provision/terraform.js";
import type { Placement, StackTenant } from "../provision/types.js";
import { stepText, stepView } from "./control-view.js";

/** States in which a tenant has (or may have, part-way) resources on its stack. */
const PLACED: readonly TenantState[] = ["provisioning", "provisioning_failed", "active", "suspended", "offboarding"];

export function dryRunProvisioner(manifest: Manifest | undefined, io: Io): Provisioner {
  const recording = new RecordingProvisioner();
  return {
    name: "dry-run",
    run: async (step, context) => {
      io.err(`dry-run: would ${stepText(stepView(step, manifest), manifest)}\n`);
      return recording.run(step, context);
    },
  };
}

export interface TerraformChoice {
  readonly outDir: string;
  readonly workDir: string;
  readonly apply: boolean;
  /** The operator moved the tenant's data between placements (a `move_data` step succeeds). */
  readonly dataMoved: boolean;
  /** `--project …` and `--database …`, for the command a failed data move suggests. */
  readonly args: string;
}

export function terraformProvisioner(runtime: Runtime, manifest: Manifest, choice: TerraformChoice, io: Io): TerraformProvisioner {
  return new TerraformProvisioner({
    outDir: choice.outDir,
    workDir: choice.workDir,
    apply: choice.apply,
    ...(process.env.PAYBILL_TERRAFORM === undefined || process.env.PAYBILL_TERRAFORM === "" ? {} : { terraform: process.env.PAYBILL_TERRAFORM }),
    onProgress: (line) => io.err(`${line}\n`),
    placed: async (stack) => {
      const tenants = await runtime.tenants.list();
      return placedOn(stack, tenants, runtime.bundle, manifest, await unfinishedOf(runtime, tenants));
    },
    moveData: async (step) =>
      choice.dataMoved
        ? { ok: true, detail: `the operator moved \`${step.tenant}\`'s data from ${step.from.isolation} to ${step.to.isolation} (--data-moved)` }
        : {
            ok: false,
            detail: `terraform does not move data: copy tenant \`${step.tenant}\`'s rows from its ${step.from.isolation} database to its new ${step.to.isolation} one (spec/database.md), then run \`paybillc tenants provision ${step.tenant} --provisioner terraform --apply --data-moved${choice.args}\``,
          },
  });
}

/** The steps still to do of every tenant whose provisioning failed. */
async function unfinishedOf(runtime: Runtime, tenants: readonly Tenant[]): Promise<Map<string, readonly ProvisionStep[]>> {
  const out = new Map<string, readonly ProvisionStep[]>();
  for (const tenant of tenants) if (tenant.state === "provisioning_failed") out.set(tenant.id, (await runtime.tenants.plan(tenant.id))?.steps ?? []);
  return out;
}

/**
 * The run-time tenants the registry places on `stack` (a tenant moving between plans counts
 * on both stacks). A tenant whose provisioning failed is not placed where its `provision`
 * step is still to do (`unfinished`: its remaining steps): its failed onboarding, or the new
 * placement of a failed plan change, would otherwise fail every other tenant's apply on the
 * shared stack until it is fixed. Its own retry puts it back (the step's tenant is always in
 * its step's set); whatever its failed apply left there is removed by the next apply.
 */
export function placedOn(
  stack: string,
  tenants: readonly Tenant[],
  bundle: Bundle,
  manifest: Manifest,
  unfinished: ReadonlyMap<string, readonly ProvisionStep[]> = new Map(),
): Record<string, StackTenant> {
  const placed: Record<string, StackTenant> = {};
  for (const tenant of tenants) {
    if (tenant.static || !PLACED.includes(tenant.state)) continue;
    const notYet = new Set((unfinished.get(tenant.id) ?? []).flatMap((step) => (step.kind === "provision" ? [step.placement.plan] : [])));
    for (const plan of [tenant.plan, tenant.pendingPlan]) {
      if (plan === undefined || (tenant.state === "provisioning_failed" && notYet.has(plan))) continue;
      const placement = placementOf(bundle, plan, tenant);
      const found = placement === undefined ? undefined : stackFor(manifest, tenant.id, placement);
      if (found?.ok === true && found.name === stack) placed[tenant.id] = { plan };
    }
  }
  return placed;
}

function placementOf(bundle: Bundle, plan: string, tenant: Tenant): Placement | undefined {
  const spec = bundle.plans[plan];
  if (spec === undefined) return undefined;
  const cloud = tenant.cloud ?? spec.isolation.cloud;
  return { plan, isolation: spec.isolation.model, ...(cloud === undefined ? {} : { cloud }), ...(tenant.region === undefined ? {} : { region: tenant.region }) };
}

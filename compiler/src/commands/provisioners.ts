/**
 * The provisioners `paybillc tenants provision` can run a plan with: `dry-run`, the
 * runtime's RecordingProvisioner (it records each step as done and says what it would
 * run — for development, when no cloud is at hand), and `terraform`, the compiled stacks
 * applied in a work directory (@paybill/server: server/src/provision). The Terraform provisioner's tenant
 * sets come from the registry: every run-time tenant that has, or is getting, resources on
 * the stack.
 */
import { type Provisioner, RecordingProvisioner, type Runtime } from "@paybill/runtime";
import { type Manifest, placedOn, TerraformProvisioner, unfinishedOf } from "@paybill/server/provision";
import type { Io } from "../io.js";
import { stepText, stepView } from "./control-view.js";

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

/**
 * A provisioner that does nothing but remember what it was asked to do: for tests (fail a
 * chosen step on a chosen attempt) and dry runs (`paybillc tenants provision
 * --provisioner dry-run` shows the plan's steps without touching a cloud).
 */
import { describeStep } from "./provisioner.js";
import type { Provisioner, ProvisionStep, StepOutcome, Tenant } from "./types.js";

export interface RecordingProvisionerOptions {
  /** When it returns true the step fails (ok: false) on that attempt. */
  readonly failAt?: (step: ProvisionStep, attempt: number) => boolean;
  readonly name?: string;
}

export class RecordingProvisioner implements Provisioner {
  readonly name: string;
  /** Every call, in order. */
  readonly calls: { step: ProvisionStep; attempt: number }[] = [];
  readonly #failAt: ((step: ProvisionStep, attempt: number) => boolean) | undefined;

  constructor(options: RecordingProvisionerOptions = {}) {
    this.name = options.name ?? "recording";
    this.#failAt = options.failAt;
  }

  async run(step: ProvisionStep, context: { readonly tenant: Tenant; readonly attempt: number }): Promise<StepOutcome> {
    this.calls.push({ step, attempt: context.attempt });
    if (this.#failAt?.(step, context.attempt) === true) return { ok: false, detail: `recorded (failing as asked): ${describeStep(step)}` };
    return { ok: true, detail: `recorded: ${describeStep(step)}` };
  }
}

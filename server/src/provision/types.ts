/**
 * The provisioning vocabulary the Terraform provisioner speaks — a step of a tenant's
 * provisioning plan and its outcome — is the runtime's (spec/control-plane.md); this file
 * adds only what a stack's `tenants` variable holds.
 */
export type { Placement, Provisioner, ProvisionStep, StepOutcome } from "@paybill/runtime";

/** What a stack's `tenants` variable holds for one tenant (spec/infrastructure.md §3). */
export interface StackTenant {
  readonly plan: string;
  /** True for the apply that lifts its resources' deletion protection before they are destroyed (spec/infrastructure.md §Offboarding). */
  readonly offboarding?: boolean;
}

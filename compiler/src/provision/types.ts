/**
 * The provisioning vocabulary the Terraform provisioner speaks: a step of a tenant's
 * provisioning plan and its outcome. These mirror the runtime's control-plane types
 * (spec/control-plane.md) structurally, so a `TerraformProvisioner` is a runtime
 * `Provisioner` without this folder depending on how the runtime names its exports.
 */

export interface Placement {
  readonly plan: string;
  readonly isolation: string;
  readonly cloud?: string;
  readonly region?: string;
}

export type ProvisionStep =
  | { readonly kind: "provision"; readonly tenant: string; readonly placement: Placement }
  | { readonly kind: "move_data"; readonly tenant: string; readonly from: Placement; readonly to: Placement }
  | { readonly kind: "retire"; readonly tenant: string; readonly placement: Placement }
  | { readonly kind: "deprovision"; readonly tenant: string; readonly placement: Placement };

export interface StepOutcome {
  readonly ok: boolean;
  readonly detail: string;
  readonly outputs?: Record<string, unknown>;
}

/** What a stack's `tenants` variable holds for one tenant (spec/infrastructure.md §3). */
export interface StackTenant {
  readonly plan: string;
}

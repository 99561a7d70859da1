/**
 * The control plane's vocabulary, as the host (and `paybillc tenants …`) sees it: a tenant
 * with its lifecycle state and billing standing, the transitions it went through, the
 * provisioning plan that places it on a stack, and usage rows for a billing system.
 * spec/control-plane.md is the authority on what each field means.
 */
import type { TenantState } from "./lifecycle.js";

export type { LifecycleEvent, TenantState } from "./lifecycle.js";

/** Where a tenant's data and resources live: its plan's isolation model and cloud, and its region. */
export interface Placement {
  readonly plan: string;
  readonly isolation: "silo" | "pooled" | "bridge" | string;
  readonly cloud?: string;
  readonly region?: string;
}

export interface Tenant {
  readonly id: string;
  readonly plan: string;
  readonly state: TenantState;
  readonly region?: string;
  readonly cloud?: string;
  /** Set while a placement-moving plan change is being provisioned; `provisioned` makes it the plan. */
  readonly pendingPlan?: string;
  /** ISO 8601; set by `payment_failed` (or an unpaid `trial_ended`), cleared by `payment_succeeded`. */
  readonly pastDueSince?: string;
  /** ISO 8601: `pastDueSince` + the plan's grace days; `billing.sweep` suspends the tenant from then. */
  readonly suspendAt?: string;
  readonly suspendedFor?: "billing" | "operator";
  /** ISO 8601: onboarding + the plan's `trial`; the tenant is trialing until then, unless `trialEndedAt` is set. */
  readonly trialEndsAt?: string;
  /** ISO 8601: when its trial ended (the sweep at `trialEndsAt`, or a billing event before). */
  readonly trialEndedAt?: string;
  /** Declared in the bundle (its plan and region follow the bundle). */
  readonly static: boolean;
  /**
   * What its infrastructure reported at its latest provisioning (the outputs of its latest
   * `provision` step recorded ok with outputs: database endpoint, credentials reference,
   * cluster endpoint, bucket, key…); absent before, without a provisioner that reports
   * outputs, and once offboarded.
   */
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Transition {
  readonly tenant: string;
  /** 1, 2, 3… per tenant. */
  readonly seq: number;
  readonly event: string;
  /** Absent for `onboard`. */
  readonly from?: TenantState;
  readonly to: TenantState;
  readonly reason?: string;
  readonly actor: string;
  readonly at: string;
  /** The tenant's plan after the transition. */
  readonly plan: string;
  readonly pendingPlan?: string;
}

export type ProvisionStep =
  /** Create or extend the stack for the tenant. */
  | { readonly kind: "provision"; readonly tenant: string; readonly placement: Placement }
  | { readonly kind: "move_data"; readonly tenant: string; readonly from: Placement; readonly to: Placement }
  /** Remove the tenant from its old stack. */
  | { readonly kind: "retire"; readonly tenant: string; readonly placement: Placement }
  /** Offboarding: remove the tenant from its stack. */
  | { readonly kind: "deprovision"; readonly tenant: string; readonly placement: Placement };

export interface ProvisioningPlan {
  readonly tenant: string;
  readonly reason: "onboard" | "plan_change" | "offboard";
  readonly steps: readonly ProvisionStep[];
}

export interface StepOutcome {
  readonly ok: boolean;
  readonly detail: string;
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/** Runs one step of a provisioning plan. Called outside any database transaction; may be called again for a step whose outcome was not recorded (so it should be idempotent). */
export interface Provisioner {
  readonly name: string;
  run(step: ProvisionStep, context: { readonly tenant: Tenant; readonly attempt: number }): Promise<StepOutcome>;
}

export interface ProvisionResult {
  readonly tenant: Tenant;
  /** Every step of the plan in order: `skipped` when an earlier attempt finished it. Steps after a failure are not listed. */
  readonly steps: readonly { readonly step: ProvisionStep; readonly outcome: StepOutcome; readonly skipped: boolean }[];
  /** Set when a later `provision` call for the tenant took over: this one stopped before its next step. */
  readonly superseded?: boolean;
}

export type BillingEventType = "payment_succeeded" | "payment_failed" | "subscription_canceled" | "trial_ended";
export const BILLING_EVENT_TYPES: readonly BillingEventType[] = ["payment_succeeded", "payment_failed", "subscription_canceled", "trial_ended"];

export interface BillingEvent {
  /** The billing system's event id: an event is applied once per id. */
  readonly id: string;
  readonly type: BillingEventType;
  readonly tenant: string;
  /** ISO 8601; the runtime's clock when absent. */
  readonly at?: string;
  /** For `trial_ended`: whether the trial converted to a paid subscription (default true). */
  readonly paid?: boolean;
}

export interface BillingResult {
  /** Whether the event changed the tenant (false for a duplicate, or for an event with nothing to do). */
  readonly applied: boolean;
  readonly duplicate: boolean;
  readonly tenant: Tenant;
  readonly transitions: readonly Transition[];
}

export interface UsageRow {
  readonly tenant: string;
  /** `2026-11`: a UTC month. */
  readonly period: string;
  /** `plan_price` for the billable line of the plan's price; otherwise what was used. */
  readonly metric: string;
  readonly quantity: number;
  /** The tenant's plan when exported. */
  readonly plan: string;
  /** `plan_price` lines: the plan's price for the month (`custom`: priced by contract, outside the product). */
  readonly unitPrice?: number | "custom";
  /** `plan_price` lines with an amount: the price's currency (`usd`). */
  readonly currency?: string;
  /** `plan_price` lines with an amount: quantity × unitPrice, rounded to 2 decimal places. */
  readonly amount?: number;
}

export interface Actor {
  /** Who asks (recorded in the transition and the audit record); `operator` when absent. */
  readonly actor?: string;
}

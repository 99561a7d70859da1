/**
 * The tenant lifecycle as a pure table (no I/O): which event moves a tenant from which
 * state to which. Everything that changes a tenant's state asks this table first
 * (transition.ts), so an illegal move is refused in one place, and the tests compare the
 * stored states against this table as their model.
 *
 *   pending → provisioning → active ⇄ suspended → offboarding → offboarded
 *   provisioning → provisioning_failed → (provision again) provisioning
 *
 * Events that keep the state (`plan_changed`, `past_due`, `paid`, `trial_ended`) are
 * transitions too: they change what the tenant is (its plan, its billing standing, its
 * trial) and are recorded and audited.
 */

export const TENANT_STATES = ["pending", "provisioning", "provisioning_failed", "active", "suspended", "offboarding", "offboarded"] as const;
export type TenantState = (typeof TENANT_STATES)[number];

export const LIFECYCLE_EVENTS = [
  "onboard",
  "provision",
  "provisioned",
  "provisioning_failed",
  "suspend",
  "resume",
  "offboard",
  "offboarded",
  "migrate",
  "plan_changed",
  "past_due",
  "paid",
  "trial_ended",
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** `from` is the states the event may start in (`null`: the tenant does not exist yet); `to` is where it goes (`same`: the state is kept). */
interface Row {
  readonly from: readonly (TenantState | null)[];
  readonly to: TenantState | "same";
}

const LIVE: readonly TenantState[] = ["pending", "provisioning", "provisioning_failed", "active", "suspended"];

export const LIFECYCLE: Readonly<Record<LifecycleEvent, Row>> = {
  onboard: { from: [null], to: "pending" },
  provision: { from: ["pending", "provisioning_failed"], to: "provisioning" },
  provisioned: { from: ["provisioning"], to: "active" },
  provisioning_failed: { from: ["provisioning"], to: "provisioning_failed" },
  suspend: { from: ["active"], to: "suspended" },
  resume: { from: ["suspended"], to: "active" },
  offboard: { from: ["pending", "provisioning_failed", "active", "suspended"], to: "offboarding" },
  offboarded: { from: ["offboarding"], to: "offboarded" },
  // A plan change that moves the tenant's placement: its new stack is provisioned first.
  migrate: { from: ["active"], to: "provisioning" },
  // A plan change within the same placement.
  plan_changed: { from: ["pending", "active", "suspended"], to: "same" },
  // Billing standing: a failed payment starts the grace period; a payment ends it.
  past_due: { from: LIVE, to: "same" },
  paid: { from: LIVE, to: "same" },
  // The end of the trial the tenant was onboarded with (converted or not: billing.ts).
  trial_ended: { from: LIVE, to: "same" },
};

export function isTenantState(value: unknown): value is TenantState {
  return typeof value === "string" && (TENANT_STATES as readonly string[]).includes(value);
}

export function isLifecycleEvent(value: unknown): value is LifecycleEvent {
  return typeof value === "string" && (LIFECYCLE_EVENTS as readonly string[]).includes(value);
}

/** Where `event` takes a tenant in state `from` (undefined `from`: not registered yet), or undefined when the table forbids it. */
export function nextState(from: TenantState | undefined, event: LifecycleEvent): TenantState | undefined {
  const row = LIFECYCLE[event];
  if (!row.from.includes(from ?? null)) return undefined;
  if (row.to === "same") return from;
  return row.to;
}

/** The events the table allows from `from`, in the table's order (for an error's help line). */
export function allowedEvents(from: TenantState | undefined): LifecycleEvent[] {
  return LIFECYCLE_EVENTS.filter((event) => nextState(from, event) !== undefined);
}

/** What every control-plane operation works with: the database, the bundle (plans) and the runtime's clock. */
import type { Bundle, PlanSpec } from "../bundle/format.js";
import type { Database } from "../store/adapter.js";
import { unknownPlan } from "./problems.js";

export interface ControlContext {
  readonly database: Database;
  readonly bundle: Bundle;
  readonly clock: () => Date;
}

/** The actor recorded when the caller names none. */
export const DEFAULT_ACTOR = "operator";

export function planOf(bundle: Pick<Bundle, "plans">, plan: string): PlanSpec {
  const spec = bundle.plans[plan];
  if (spec === undefined) throw unknownPlan(plan, Object.keys(bundle.plans).sort());
  return spec;
}

/**
 * The lifecycle table (control/lifecycle.ts), pair by pair: every (state, event) pair —
 * the unregistered tenant included — against the table written out here by hand from
 * spec/control-plane.md, so a changed row in the code fails here. And the PBR140 error
 * names the tenant, the state and the event, with the events allowed as help.
 */
import { describe, expect, it } from "vitest";
import { allowedEvents, LIFECYCLE_EVENTS, type LifecycleEvent, nextState, TENANT_STATES, type TenantState } from "../src/control/lifecycle.js";
import { illegalTransition } from "../src/control/problems.js";

type From = TenantState | "none";
const S = "same";
// Rows: from-state; columns: events in LIFECYCLE_EVENTS order. "-" is illegal.
const EVENTS: LifecycleEvent[] = ["onboard", "provision", "provisioned", "provisioning_failed", "suspend", "resume", "offboard", "offboarded", "migrate", "plan_changed", "past_due", "paid", "trial_ended"];
const EXPECTED: Record<From, (TenantState | "-" | typeof S)[]> = {
  //                   onboard    provision       provisioned provisioning_failed    suspend      resume    offboard       offboarded   migrate         plan_changed past_due paid trial_ended
  none: /*          */ ["pending", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
  pending: /*       */ ["-", "provisioning", "-", "-", "-", "-", "offboarding", "-", "-", S, S, S, S],
  provisioning: /*  */ ["-", "-", "active", "provisioning_failed", "-", "-", "-", "-", "-", "-", S, S, S],
  provisioning_failed: ["-", "provisioning", "-", "-", "-", "-", "offboarding", "-", "-", "-", S, S, S],
  active: /*        */ ["-", "-", "-", "-", "suspended", "-", "offboarding", "-", "provisioning", S, S, S, S],
  suspended: /*     */ ["-", "-", "-", "-", "-", "active", "offboarding", "-", "-", S, S, S, S],
  offboarding: /*   */ ["-", "-", "-", "-", "-", "-", "-", "offboarded", "-", "-", "-", "-", "-"],
  offboarded: /*    */ ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
};

describe("the lifecycle table", () => {
  it("lists the events and states of the spec", () => {
    expect([...LIFECYCLE_EVENTS]).toEqual(EVENTS);
    expect([...TENANT_STATES].sort()).toEqual(Object.keys(EXPECTED).filter((s) => s !== "none").sort());
  });

  const pairs = (Object.keys(EXPECTED) as From[]).flatMap((from) => EVENTS.map((event, i) => ({ from, event, expected: EXPECTED[from][i] })));
  it.each(pairs)("$event from $from → $expected", ({ from, event, expected }) => {
    const state = from === "none" ? undefined : from;
    const want = expected === "-" ? undefined : expected === S ? state : expected;
    expect(nextState(state, event)).toBe(want);
  });

  it("allowedEvents lists exactly the legal events of each state", () => {
    for (const from of Object.keys(EXPECTED) as From[]) {
      const legal = EVENTS.filter((_e, i) => EXPECTED[from][i] !== "-");
      expect(allowedEvents(from === "none" ? undefined : from)).toEqual(legal);
    }
  });

  it("a state `put` wrote outside the table allows nothing", () => {
    expect(allowedEvents("paused" as TenantState)).toEqual([]);
    expect(nextState("paused" as TenantState, "resume")).toBeUndefined();
  });

  it("an illegal transition is PBR140 naming tenant, state and event, with the allowed events as help", () => {
    const error = illegalTransition("acme", "suspended", "suspend");
    expect(error.code).toBe("PBR140");
    expect(error.message).toBe("tenant `acme` is suspended: `suspend` is not allowed from `suspended`");
    expect(error.help).toBe("from `suspended` the lifecycle allows: `resume`, `offboard`, `plan_changed`, `past_due`, `paid`, `trial_ended`");
    expect(illegalTransition("gone", "offboarded", "resume").help).toBe("`offboarded` is final: nothing more can happen to this tenant");
  });
});

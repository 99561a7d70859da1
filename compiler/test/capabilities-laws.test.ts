/**
 * Laws tying `explain --agent` (capabilities.ts, read off the bundle) and `replay` to the
 * runtime's decider, on the helpdesk example and random requests:
 *
 * - whatever the decider allows (or leaves pending) an agent, its capabilities list: the
 *   action's `may` is not `no`, the place (outside runs, or the run's state) is among the
 *   action's places, and every permit reason is among its permits;
 * - an action whose `may` is `yes` is allowed wherever it may be asked for, given a plan;
 * - replaying decisions under the bundle that made them changes none and replays them all.
 */
import { Decider, type DecisionRequest } from "@paybill/runtime";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { capabilities } from "../src/commands/capabilities.js";
import { STARTER } from "../src/commands/init.js";
import { replay } from "../src/replay/replay.js";
import { emitOk, HELPDESK, sourcesIn } from "./support/bundle.js";

const { bundle } = emitOk(sourcesIn(HELPDESK));
const decider = new Decider(bundle);
const agents = Object.keys(bundle.agents).sort();
const actions = Object.keys(bundle.actions).sort();
const tenants = Object.keys(bundle.tenants).sort();
const places = Object.values(bundle.workflows).flatMap((w) => Object.keys(w.states).map((s) => ({ name: w.name, state: s, agent: w.agent })));

const request = fc.record({
  agent: fc.constantFrom(...agents),
  action: fc.constantFrom(...actions),
  tenant: fc.constantFrom(...tenants),
  place: fc.option(fc.constantFrom(...places), { nil: undefined }),
  amount: fc.double({ min: 0, max: 1000, noNaN: true }),
  body: fc.constantFrom("Thanks, done.", "Please send your password", ""),
  internal: fc.boolean(),
  priority: fc.integer({ min: 0, max: 6 }),
  status: fc.constantFrom("open", "pending", "closed"),
  approved: fc.boolean(),
});

/** The candidate values the action's input declares (an input takes no other key). */
function inputFor(action: string, values: Record<string, unknown>): Record<string, unknown> {
  const fields = bundle.actions[action]?.input ?? [];
  return Object.fromEntries(fields.filter((f) => f.name in values).map((f) => [f.name, values[f.name]]));
}

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function decisionRequest(r: Req): DecisionRequest {
  const ticket = "00000000-0000-4000-8000-000000000001";
  return {
    tenant: { id: r.tenant, plan: bundle.tenants[r.tenant]?.plan ?? "", state: "active" },
    agent: r.agent,
    action: r.action,
    input: inputFor(r.action, { ticket, customer: ticket, amount: r.amount, reason: "r", body: r.body, internal: r.internal, priority: r.priority, tag: "billing", title: "t", subject: "s" }),
    resource: { id: ticket, status: r.status, priority: 3, updated_at: "2029-12-01T00:00:00Z", tenant_id: r.tenant },
    ...(r.place === undefined ? {} : { workflow: { name: r.place.name, state: r.place.state } }),
    approvals: r.approved ? [{ group: "finance", by: "f", at: "2030-01-01T00:00:00Z" }] : [],
    time: "2030-01-01T00:00:00Z",
  };
}

describe("capabilities and replay agree with the decider", () => {
  it("what the decider allows an agent, its capabilities list with the place and the permits", () => {
    let allowed = 0;
    fc.assert(
      fc.property(request, (r) => {
        const req = decisionRequest(r);
        const decision = decider.decide(req);
        if (decision.decision === "deny") return;
        allowed++;
        const caps = capabilities(bundle, r.agent);
        const action = caps.actions.find((a) => a.action === r.action);
        expect(action?.may).not.toBe("no");
        if (req.workflow === undefined) expect(action?.outsideRuns).toBe(true);
        else expect(action?.states).toContain(`${req.workflow.name}.${req.workflow.state}`);
        for (const reason of decision.reasons) {
          if (reason.kind === "permit") expect(action?.permits.map((p) => p.rule)).toContain(reason.rule);
        }
      }),
      { numRuns: 500 },
    );
    // Not vacuous: random requests are allowed often enough to test the law.
    expect(allowed).toBeGreaterThan(20);
  });

  it("an action an agent may always take is allowed wherever it may be asked for", () => {
    // The starter project: the helpdesk forbids every action while a tenant is suspended, so nothing there is `yes`.
    const starter = emitOk({ "project.paybill": STARTER["project.paybill"] as string }).bundle;
    const starterDecider = new Decider(starter);
    let checked = 0;
    for (const agent of Object.keys(starter.agents)) {
      for (const action of capabilities(starter, agent).actions.filter((a) => a.may === "yes")) {
        for (const tenant of Object.keys(starter.tenants)) {
          const plan = starter.tenants[tenant]?.plan ?? "";
          const req = (workflow?: { name: string; state: string }): DecisionRequest => ({ tenant: { id: tenant, plan, state: "active" }, agent, action: action.action, input: {}, ...(workflow === undefined ? {} : { workflow }) });
          checked++;
          const input = Object.fromEntries((starter.actions[action.action]?.input ?? []).map((f) => [f.name, f.type.kind === "uuid" ? "00000000-0000-4000-8000-000000000001" : "x"]));
          if (action.outsideRuns) expect(starterDecider.decide({ ...req(), input }).decision).toBe("allow");
          for (const s of action.states) {
            const [name, state] = s.split(".") as [string, string];
            expect(starterDecider.decide({ ...req({ name, state }), input }).decision).toBe("allow");
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("replaying decisions under the bundle that made them changes none", () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 40 }), (rs) => {
        const records = rs
          .filter((r) => r.place === undefined)
          .map((r, i) => {
            const req = decisionRequest(r);
            // What an export holds: no row, no approvals (none was granted in it).
            const { resource: _, ...withoutRow } = req;
            const decision = decider.decide({ ...withoutRow, approvals: [] });
            return { tenant: r.tenant, seq: i + 1, time: "2030-01-01T00:00:00.000000Z", agent: r.agent, action: r.action, input: req.input, decision: decision.decision, reasons: JSON.parse(JSON.stringify(decision.reasons)) as unknown[] };
          });
        const report = replay(records, { baseline: bundle, candidate: bundle });
        expect(report.changed).toEqual([]);
        expect(report.unreplayable).toEqual([]);
        expect(report.replayed).toBe(records.length);
      }),
      { numRuns: 100 },
    );
  });
});

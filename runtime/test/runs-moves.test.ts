/**
 * Who moves a run (spec/runtime.md, Moves): `by agent` edges the run's agent takes, every
 * edge the host; edge guards (`when`); every move — taken or refused — a `workflow.move`
 * record in the tenant's chain, which still verifies; a move is a step of the run's budget;
 * and an agent with `runs = required` is denied (and audited) outside a run.
 */
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import type { Bundle, WorkflowSpec } from "../src/bundle/format.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { storeBundle } from "./support/store-bundle.js";
import { BACKENDS, newTenant, seedTicket, sharedTestRuntime } from "./support/store-db.js";

/** The store bundle plus `payout` (host and agent edges, guards, 4 steps) and `watch` for the run-only supervisor. */
function movesBundle(): Bundle {
  const { hash: _hash, ...base } = storeBundle();
  const read = { kind: "data" as const, op: "read" as const, entity: "Ticket" };
  const payout: WorkflowSpec = {
    name: "payout",
    agent: "support_bot",
    budget: { steps: 4 },
    start: "review",
    states: {
      review: {
        name: "review",
        allow: [read],
        next: ["approve", "close", "pay"],
        final: false,
        edges: { close: { by: "agent" }, pay: { by: "agent", when: { cel: 'tenant.plan == "business" && context.workflow.state == "review"' } } },
      },
      approve: { name: "approve", allow: [read], next: ["close"], final: false, edges: { close: { by: "agent", when: { cel: "context.budget.steps > 2" } } } },
      pay: { name: "pay", allow: [read], next: ["close"], final: false, edges: { close: { by: "agent" } } },
      close: { name: "close", allow: [], next: [], final: true },
    },
  };
  const watch: WorkflowSpec = {
    name: "watch",
    agent: "supervisor_bot",
    budget: {},
    start: "watching",
    states: {
      watching: { name: "watching", allow: [read], next: ["done"], final: false, edges: { done: { by: "agent" } } },
      done: { name: "done", allow: [], next: [], final: true },
    },
  };
  const agents = { ...base.agents, supervisor_bot: { ...base.agents["supervisor_bot"], name: "supervisor_bot", roles: ["supervisor"], runs: "required" as const } };
  const body = { ...base, agents, workflows: { ...base.workflows, payout, watch } };
  return { ...body, hash: bundleHash(body) };
}

async function refusal(promise: Promise<unknown>): Promise<PaybillRuntimeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PaybillRuntimeError)) throw new Error(`expected a PaybillRuntimeError, got ${String(error)}`);
  return error;
}

describe.each(BACKENDS)("moves on %s", (backend) => {
  const t = sharedTestRuntime(backend, "runs_moves", movesBundle());
  const moves = async (tenant: string) =>
    (await t.runtime.audit.query({ tenant, action: "workflow.move" })).map((r) => [r.agent, r.decision, r.input["from"], r.input["to"], r.input["by"], (r.reasons[0] as { code?: string } | undefined)?.code]);

  it("the agent takes `by agent` edges only; the host takes any; both audited, refusals too", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "payout", tenant });
    const hostOnly = await refusal(t.runtime.runs.next(run.id, "approve", { by: "support_bot" }));
    expect(hostOnly.code).toBe("PBR235");
    expect(hostOnly.message).toBe("the edge from `review` to `approve` of workflow `payout` is taken by the host, not by agent `support_bot`");
    expect(hostOnly.help).toContain("the agent can move it to: `close`, `pay`");
    const stranger = await refusal(t.runtime.runs.next(run.id, "close", { by: "supervisor_bot" }));
    expect(stranger.code).toBe("PBR235");
    expect((await t.runtime.runs.get(run.id))?.state).toBe("review");
    expect((await t.runtime.runs.next(run.id, "approve")).state).toBe("approve");
    expect(await moves(tenant)).toEqual([
      ["support_bot", "deny", "review", "approve", "agent", "PBR235"],
      ["supervisor_bot", "deny", "review", "close", "agent", "PBR235"],
      ["paybill:host", "allow", "review", "approve", "host", undefined],
    ]);
    const records = await t.runtime.audit.query({ tenant });
    expect(records.every((r) => r.run === run.id)).toBe(true);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 3 });
  });

  it("an edge's guard decides: true moves, false refuses (PBR236), both audited", async () => {
    const business = await newTenant(t.runtime, "business");
    const paid = await t.runtime.runs.start({ workflow: "payout", tenant: business });
    expect((await t.runtime.runs.next(paid.id, "pay", { by: "support_bot" })).state).toBe("pay");

    const free = await newTenant(t.runtime, "free");
    const blocked = await t.runtime.runs.start({ workflow: "payout", tenant: free });
    const error = await refusal(t.runtime.runs.next(blocked.id, "pay", { by: "support_bot" }));
    expect(error.code).toBe("PBR236");
    expect(error.message).toBe('the guard of the edge from `review` to `pay` (when tenant.plan == "business" && context.workflow.state == "review") does not hold');
    // The host is held to the guard too.
    expect((await refusal(t.runtime.runs.next(blocked.id, "pay"))).code).toBe("PBR236");
    expect(await t.runtime.runs.get(blocked.id)).toMatchObject({ state: "review", steps: 0 });
    expect(await moves(free)).toEqual([
      ["support_bot", "deny", "review", "pay", "agent", "PBR236"],
      ["paybill:host", "deny", "review", "pay", "host", "PBR236"],
    ]);
    expect((await t.runtime.audit.verify(free)).ok).toBe(true);
  });

  it("a move is a step: the budget refuses moves past it (PBR237), audited, and guards see what is left", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant);
    const run = await t.runtime.runs.start({ workflow: "payout", tenant });
    await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket }, run: run.id });
    await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket }, run: run.id });
    expect((await t.runtime.runs.next(run.id, "approve")).steps).toBe(3);
    // One step left: `context.budget.steps > 2` does not hold.
    expect((await refusal(t.runtime.runs.next(run.id, "close", { by: "support_bot" }))).code).toBe("PBR236");
    await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket }, run: run.id });
    const spent = await refusal(t.runtime.runs.next(run.id, "close"));
    expect(spent.code).toBe("PBR237");
    expect(spent.message).toBe(`run \`${run.id}\` used all 4 of its steps`);
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ state: "approve", steps: 4 });
    expect((await moves(tenant)).map((m) => m[5] ?? m[1])).toEqual(["allow", "PBR236", "PBR237"]);
    expect((await t.runtime.audit.verify(tenant)).ok).toBe(true);
  });

  it("no edge, or from a final state: PBR113, audited", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "payout", tenant });
    const none = await refusal(t.runtime.runs.next(run.id, "nowhere", { by: "support_bot" }));
    expect(none.code).toBe("PBR113");
    expect(none.help).toBe("from `review` the run can move to: `close`, `pay` (by agent `support_bot`)");
    await t.runtime.runs.next(run.id, "close", { by: "support_bot" });
    expect((await refusal(t.runtime.runs.next(run.id, "pay"))).code).toBe("PBR113");
    expect((await moves(tenant)).map((m) => m.slice(0, 2))).toEqual([
      ["support_bot", "deny"],
      ["support_bot", "allow"],
      ["paybill:host", "deny"],
    ]);
  });

  it("an agent with `runs = required` is denied outside a run, with its reason, audited; inside one it acts", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant);
    const request = { tenant, agent: "supervisor_bot", action: "read_ticket", input: { ticket } };
    const reason = { kind: "workflow", message: "agent `supervisor_bot` acts only inside a workflow run (`runs = required`)" };
    expect(await t.runtime.decide(request)).toEqual({ decision: "deny", reasons: [reason] });
    const outside = await t.runtime.act(request);
    expect(outside).toMatchObject({ decision: "deny", reasons: [reason] });
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record).toMatchObject({ id: outside.auditId, agent: "supervisor_bot", decision: "deny", reasons: [reason] });
    const run = await t.runtime.runs.start({ workflow: "watch", tenant });
    expect((await t.runtime.act({ ...request, run: run.id })).decision).toBe("allow");
    // An agent without the attribute still acts outside runs.
    expect((await t.runtime.act({ ...request, agent: "support_bot" })).decision).toBe("allow");
  });
});

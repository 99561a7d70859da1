/**
 * Totals over windows (spec/runtime.md §Totals), on both backends: `total(send_money.amount,
 * per day)` and `count(send_money, per hour)` as the bundle carries them
 * (`context.totals["…"]`). Only performed acts add (not denied, not pending until resumed),
 * windows roll over with the runtime's clock, tenants are apart, decide reads without
 * adding, and concurrent acts never overspend a total.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import type { Bundle, TotalSpec } from "../src/bundle/format.js";
import { action, agent, bundle, effect, entity, field, forbid, permit, plan, policy, state, t as types, workflow } from "./support/bundle-builder.js";
import { BACKENDS, newTenant, sharedTestRuntime } from "./support/store-db.js";

const SPENT = "total send_money.amount per day";
const SENDS = "count send_money per hour";
const PAID = "total pay.amount per day";

const totals: Record<string, TotalSpec> = {
  [SENDS]: { kind: "count", action: "send_money", per: "hour", type: "int" },
  [PAID]: { kind: "total", action: "pay", field: "amount", per: "day", type: "double" },
  [SPENT]: { kind: "total", action: "send_money", field: "amount", per: "day", type: "double" },
};

function totalsBundle(): Bundle {
  const payment = entity("Payment", [field("id", types.uuid, { id: true }), field("recipient", types.string(100)), field("amount", types.decimal())], "payments");
  const insertPayment = effect("insert", "Payment", undefined, { recipient: "input.recipient", amount: "input.amount" });
  const body = bundle({
    entities: [payment],
    actions: [
      action("send_money", [field("recipient", types.string(100)), field("amount", types.decimal())], { effect: insertPayment }),
      action("pay", [field("recipient", types.string(100)), field("amount", types.decimal()), field("cap", types.decimal())], { effect: insertPayment }),
      action("check_spend", [field("amount", types.decimal())]),
    ],
    agents: [agent("bot"), agent("banker")],
    policies: [
      policy(
        "limits",
        permit(["bot", "banker"], ["send_money"], `context.totals["${SPENT}"] + input.amount <= 2000.0 && context.totals["${SENDS}"] < 5`),
        forbid("*", ["send_money"], 'input.recipient == "mallory"'),
        permit(["bot"], ["pay"], `context.totals["${PAID}"] + input.amount <= input.cap`),
        // Another action reads send_money's total without adding to it.
        permit(["bot"], ["check_spend"], `context.totals["${SPENT}"] + input.amount <= 2000.0`),
      ),
    ],
    workflows: [workflow("reviewed", "banker", [state("review", { allow: ["send_money"], approval: "finance", next: ["done"] }), state("done", { final: true })])],
    plans: [plan("business", [])],
  });
  const { hash: _placeholder, ...content } = { ...body, totals };
  return { ...content, hash: bundleHash(content) };
}

const send = (tenant: string, amount: number, recipient = "bob", agentName = "bot") => ({ tenant, agent: agentName, action: "send_money", input: { recipient, amount } });

describe.each(BACKENDS)("totals over windows on %s", (backend) => {
  const t = sharedTestRuntime(backend, "totals", totalsBundle());

  const counters = async (tenant: string): Promise<Record<string, number>> => {
    const rows = await t.admin.query<{ counter: string; value: string }>("select counter, value::text as value from paybill_total_counters where tenant_id = $1", [tenant]);
    return Object.fromEntries(rows.map((r) => [r.counter, Number(r.value)]));
  };

  it("counts and adds up only performed acts; the limit denies with the rule's reason", async () => {
    const tenant = await newTenant(t.runtime);
    expect((await t.runtime.act(send(tenant, 1500))).decision).toBe("allow");
    // Denied by a forbid: not added.
    expect((await t.runtime.act(send(tenant, 10, "mallory"))).decision).toBe("deny");
    // Over the day's total: denied, not added.
    const over = await t.runtime.act(send(tenant, 600));
    expect(over).toMatchObject({ decision: "deny", reasons: [{ kind: "no-permit" }] });
    expect(await counters(tenant)).toEqual({ [SENDS]: 1, [SPENT]: 1500 });
    expect((await t.runtime.act(send(tenant, 500))).decision).toBe("allow");
    expect((await t.runtime.act(send(tenant, 0.01))).decision).toBe("deny");
    expect(await counters(tenant)).toEqual({ [SENDS]: 2, [SPENT]: 2000 });
    const [payments] = await t.admin.query<{ n: number }>("select count(*)::int as n from payments where tenant_id = $1", [tenant]);
    expect(Number(payments?.n)).toBe(2);
  });

  it("count(send_money, per hour) < 5 allows five an hour, and the next hour starts afresh", async () => {
    const tenant = await newTenant(t.runtime);
    const base = t.clock.offsetMs;
    try {
      const decisions = [];
      for (let i = 0; i < 6; i++) decisions.push((await t.runtime.act(send(tenant, 1))).decision);
      expect(decisions).toEqual(["allow", "allow", "allow", "allow", "allow", "deny"]);
      t.clock.offsetMs = base + 3_600_000;
      expect((await t.runtime.act(send(tenant, 1))).decision).toBe("allow");
      // Two hours in one day: the day's total holds all six performed acts.
      const rows = await t.admin.query<{ counter: string; period: string; value: string }>(
        "select counter, period, value::text as value from paybill_total_counters where tenant_id = $1 order by counter, period",
        [tenant],
      );
      expect(rows.filter((r) => r.counter === SENDS).map((r) => Number(r.value))).toEqual([5, 1]);
      expect(rows.filter((r) => r.counter === SPENT).reduce((sum, r) => sum + Number(r.value), 0)).toBe(6);
    } finally {
      t.clock.offsetMs = base;
    }
  });

  it("a new UTC day starts a new total", async () => {
    const tenant = await newTenant(t.runtime);
    const base = t.clock.offsetMs;
    try {
      expect((await t.runtime.act(send(tenant, 2000))).decision).toBe("allow");
      expect((await t.runtime.act(send(tenant, 1))).decision).toBe("deny");
      t.clock.offsetMs = base + 86_400_000;
      expect((await t.runtime.act(send(tenant, 2000))).decision).toBe("allow");
    } finally {
      t.clock.offsetMs = base;
    }
  });

  it("keeps each tenant's totals apart", async () => {
    const a = await newTenant(t.runtime);
    const b = await newTenant(t.runtime);
    expect((await t.runtime.act(send(a, 2000))).decision).toBe("allow");
    expect((await t.runtime.act(send(a, 1))).decision).toBe("deny");
    expect((await t.runtime.act(send(b, 2000))).decision).toBe("allow");
    expect(await counters(a)).toEqual({ [SENDS]: 1, [SPENT]: 2000 });
    expect(await counters(b)).toEqual({ [SENDS]: 1, [SPENT]: 2000 });
  });

  it("decide reads the totals without adding to them; another action's policy reads them too", async () => {
    const tenant = await newTenant(t.runtime);
    await t.runtime.act(send(tenant, 1900));
    for (let i = 0; i < 3; i++) expect((await t.runtime.decide(send(tenant, 100))).decision).toBe("allow");
    expect((await t.runtime.decide(send(tenant, 101))).decision).toBe("deny");
    expect(await counters(tenant)).toEqual({ [SENDS]: 1, [SPENT]: 1900 });
    const check = (amount: number) => t.runtime.act({ tenant, agent: "bot", action: "check_spend", input: { amount } });
    expect((await check(100)).decision).toBe("allow");
    expect((await check(101)).decision).toBe("deny");
    expect(await counters(tenant)).toEqual({ [SENDS]: 1, [SPENT]: 1900 });
  });

  it("a pending act adds nothing until it is resumed and performed", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "reviewed", tenant });
    const pending = await t.runtime.act({ ...send(tenant, 1500, "bob", "banker"), run: run.id });
    expect(pending.decision).toBe("pending");
    expect(await counters(tenant)).toEqual({});
    // Meanwhile the bot spends: the resumed act is decided on the total as it is then.
    expect((await t.runtime.act(send(tenant, 400))).decision).toBe("allow");
    await t.runtime.approvals.grant(pending.approvalId ?? "", { by: "fran" });
    const resumed = await t.runtime.resume(pending.approvalId ?? "");
    expect(resumed.decision).toBe("allow");
    expect(await counters(tenant)).toEqual({ [SENDS]: 2, [SPENT]: 1900 });
  });

  it("totals never overspend under 50 concurrent acts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 50, maxLength: 50 }), fc.integer({ min: 0, max: 5000 }), async (amounts, cap) => {
        const tenant = await newTenant(t.runtime);
        const results = await Promise.all(amounts.map((amount) => t.runtime.act({ tenant, agent: "bot", action: "pay", input: { recipient: randomUUID(), amount, cap } })));
        const performed = amounts.filter((_, i) => results[i]?.decision === "allow");
        const spent = performed.reduce((sum, a) => sum + a, 0);
        expect(spent).toBeLessThanOrEqual(cap);
        // No denial was wrong: a denied amount did not fit on the total it was decided on, which is at most the final one.
        for (const [i, r] of results.entries()) if (r.decision === "deny") expect(spent + (amounts[i] ?? 0)).toBeGreaterThan(cap);
        expect((await counters(tenant))[PAID] ?? 0).toBe(spent);
        const [rows] = await t.admin.query<{ n: number; sum: string | null }>("select count(*)::int as n, sum(amount)::text as sum from payments where tenant_id = $1", [tenant]);
        expect(Number(rows?.n)).toBe(performed.length);
        expect(Number(rows?.sum ?? 0)).toBe(spent);
      }),
      { numRuns: backend === "postgres" ? 8 : 4 },
    );
  });
});

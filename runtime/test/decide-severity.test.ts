/**
 * A policy's `severity` has its effect: the reasons of the decisions its rules make carry
 * it (`{kind: "forbid", policy, rule, severity}`), in `decide`, in `act`'s result and in the
 * audit record, so a host or an auditor sees how grave a denial is. A policy without one
 * gives the reason without it.
 */
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import type { Bundle } from "../src/bundle/format.js";
import { storeBundle } from "./support/store-bundle.js";
import { BACKENDS, newTenant, seedTicket, sharedTestRuntime } from "./support/store-db.js";

function severityBundle(): Bundle {
  const { hash: _hash, ...base } = storeBundle();
  const policies = base.policies.map((p) => (p.name === "refunds_need_finance_over_100" ? { ...p, attributes: { severity: "critical" } } : p));
  const body = { ...base, policies };
  return { ...body, hash: bundleHash(body) };
}

describe.each(BACKENDS)("policy severity on %s", (backend) => {
  const t = sharedTestRuntime(backend, "decide_severity", severityBundle());

  it("a denial by a policy with a severity carries it, in the result and the audit record", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { amount: 250 });
    const request = { tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 } };
    const reason = { kind: "forbid", policy: "refunds_need_finance_over_100", rule: "refunds_need_finance_over_100#0", severity: "critical" };
    expect(await t.runtime.decide(request)).toEqual({ decision: "deny", reasons: [reason] });
    const acted = await t.runtime.act(request);
    expect(acted.reasons).toEqual([reason]);
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record?.reasons).toEqual([reason]);
    // A permit of a policy without a severity: no `severity` member.
    const allowed = await t.runtime.act({ ...request, input: { ticket, amount: 20 } });
    expect(allowed.decision).toBe("allow");
    for (const r of allowed.reasons) expect(r).not.toHaveProperty("severity");
  });
});

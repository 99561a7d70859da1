/**
 * A policy scoped to a tenant or a plan (`tenant = acme`, `plan = business`,
 * spec/language.md §5.7): the name is checked like any other (PB2002 with did-you-mean),
 * its rules apply to that tenant or that plan's tenants only, and a scoped forbid without a
 * condition is not "unconditional" (no PB4021 for the permits it only sometimes overrides).
 * In the bundle the scope is the condition's first conjunct (`tenant.id == "acme" && (…)`),
 * which the runtime's rule index selects rules by.
 */
import { Decider } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { emitOk } from "./support/bundle.js";
import { checkProject, SourceFile } from "@paybill/lang";

const BASE = `import std.isolation.{pooled}
plan basic { price = 0, isolation = pooled }
plan business { price = 99 usd per month, isolation = pooled }
tenant acme { plan = basic }
tenant globex { plan = business }
tenant initech { plan = business }
agent bot {}
action refund {
  input { amount: decimal }
}
`;

const SCOPED = `${BASE}
policy everyone {
  permit bot to refund when input.amount <= 500.0
}
policy acme_small_refunds {
  tenant = acme
  forbid bot to refund when input.amount > 20.0
}
policy business_no_refunds_on_sundays {
  plan = business
  forbid bot to refund
}
`;

const request = (tenant: string, plan: string, amount: number) => ({ tenant: { id: tenant, plan, state: "active" }, agent: "bot", action: "refund", input: { amount } }) as const;

describe("a policy scoped to a tenant or a plan", () => {
  const { bundle } = emitOk({ "scope.paybill": SCOPED });
  const decider = new Decider(bundle);

  it("applies to its tenant only", () => {
    expect(decider.decide(request("acme", "basic", 50)).decision).toBe("deny");
    expect(decider.decide(request("acme", "basic", 10)).decision).toBe("allow");
    // Another tenant on the same plan as acme: the tenant scope does not reach it.
    expect(decider.decide(request("other", "basic", 50)).decision).toBe("allow");
  });

  it("applies to its plan's tenants only, even without a condition", () => {
    const denied = decider.decide(request("globex", "business", 10));
    expect(denied.decision).toBe("deny");
    expect(denied.reasons[0]).toMatchObject({ kind: "forbid", policy: "business_no_refunds_on_sundays" });
    expect(decider.decide(request("acme", "basic", 10)).decision).toBe("allow");
  });

  it("is the first conjunct of each rule's condition in the bundle, and not an attribute", () => {
    const acme = bundle.policies.find((p) => p.name === "acme_small_refunds");
    expect(acme?.rules[0]?.when?.cel).toBe('tenant.id == "acme" && (input.amount > 20.0)');
    expect(acme?.attributes).toBeUndefined();
    const business = bundle.policies.find((p) => p.name === "business_no_refunds_on_sundays");
    expect(business?.rules[0]?.when?.cel).toBe('tenant.plan == "business"');
  });

  it("decides as a plain scan of every rule does", () => {
    const scan = new Decider(bundle, { index: "scan" });
    for (const [tenant, plan] of [["acme", "basic"], ["globex", "business"], ["other", "basic"], ["x", "business"]] as const)
      for (const amount of [5, 25, 600]) expect(decider.decide(request(tenant, plan, amount))).toEqual(scan.decide(request(tenant, plan, amount)));
  });
});

describe("checking a scope", () => {
  const errors = (policy: string) =>
    checkProject([new SourceFile("scope.paybill", `${BASE}\n${policy}`)]).diagnostics.map((d) => `${d.code} ${d.message}${d.help === undefined ? "" : ` (${d.help})`}`);

  it("names a declared tenant or plan, with did-you-mean", () => {
    expect(errors("policy p {\n  tenant = acme_corp\n  forbid bot to refund\n}").join("\n")).toMatch(/PB2002 no tenant is called `acme_corp`.*acme/);
    expect(errors("policy p {\n  plan = busines\n  forbid bot to refund\n}").join("\n")).toMatch(/PB2002 no plan is called `busines`.*business/);
    expect(errors('policy p {\n  tenant = "acme"\n  forbid bot to refund\n}').join("\n")).toMatch(/a tenant's name/);
    expect(errors("policy p {\n  tenant = acme\n  plan = basic\n  forbid bot to refund\n}")).toEqual([]);
  });

  it("keeps a scoped forbid without a condition from shadowing permits (PB4021 only unscoped)", () => {
    const permit = "policy allow { permit bot to refund }";
    expect(errors(`${permit}\npolicy p {\n  forbid bot to refund\n}`).join("\n")).toContain("PB4021");
    expect(errors(`${permit}\npolicy p {\n  plan = business\n  forbid bot to refund\n}`).filter((e) => e.startsWith("PB4021"))).toEqual([]);
  });
});

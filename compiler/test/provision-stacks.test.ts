/**
 * Which stack a provisioning step acts on (server/src/provision/stacks.ts), against real
 * builds: over generated projects (fast-check), a static tenant resolves to the stack the
 * build put it in, and a run-time tenant of any plan to exactly one cell that serves the
 * plan and takes tenants as data (bridge, silo) or shares everything (pooled); on the
 * helpdesk example, the silo cell for tenants onboarded at run time — never a static
 * tenant's own stack — and a clear refusal where no cell exists.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stackFor } from "../../server/src/provision/stacks.js";
import { HELPDESK, sourcesIn } from "./support/bundle.js";
import { cloudProject, emitTf, type Provider } from "./support/terraform.js";

const MODEL = { free: "pooled", business: "bridge", enterprise: "silo" } as const;
const PLANS = Object.keys(MODEL) as (keyof typeof MODEL)[];
const tenantName = fc.stringMatching(/^[a-z0-9_]{0,10}$/).map((n) => `t_${n}`);
const tenants = fc.uniqueArray(fc.record({ name: tenantName, plan: fc.constantFrom(...PLANS) }), { selector: (t) => t.name, maxLength: 6 });
const provider = fc.constantFrom<Provider>("aws", "azure", "gcp", "oci", "ibm");

describe("stackFor", () => {
  it("finds a static tenant's stack, and one cell per plan for tenants onboarded at run time", () => {
    fc.assert(
      fc.property(provider, tenants, (p, ts) => {
        const { manifest } = emitTf(cloudProject(p, ts));
        for (const t of ts) {
          const found = stackFor(manifest, t.name, { plan: t.plan, isolation: MODEL[t.plan] });
          expect(found).toMatchObject({ ok: true, name: manifest.tenants[t.name]?.stack, static: true });
        }
        for (const plan of PLANS) {
          const found = stackFor(manifest, "runtime_tenant", { plan, isolation: MODEL[plan], cloud: "main" });
          if (!found.ok) throw new Error(found.problem);
          expect(found.static).toBe(false);
          expect(found.stack.plans).toContain(plan);
          expect(found.stack.mode).toBe(plan === "enterprise" ? "dynamic" : "shared");
          expect(found.stack.tenantsVariable).toBe(plan !== "free");
          expect(found.name).toBe(`main-${MODEL[plan]}-${found.stack.region}`);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("on the helpdesk example: the run-time silo cell, a static tenant's stack, and no cell in a region without one", () => {
    const { manifest } = emitTf(sourcesIn(HELPDESK));
    expect(stackFor(manifest, "newco", { plan: "enterprise", isolation: "silo", cloud: "primary" })).toMatchObject({ ok: true, name: "primary-silo-eu-west-1" });
    expect(stackFor(manifest, "globex", { plan: "enterprise", isolation: "silo", cloud: "primary", region: "eu-central-1" })).toMatchObject({
      ok: true,
      name: "primary-silo-tenant-globex",
      static: true,
    });
    expect(stackFor(manifest, "newco", { plan: "business", isolation: "bridge", cloud: "primary" })).toMatchObject({ ok: true, name: "primary-bridge-eu-west-1", static: false });
    // globex's region has only globex's own stack: a tenant onboarded there has no cell.
    expect(stackFor(manifest, "newco", { plan: "enterprise", isolation: "silo", cloud: "primary", region: "eu-central-1" })).toEqual({
      ok: false,
      problem: "no compiled stack serves plan `enterprise` (silo) in cloud `primary` in region `eu-central-1`",
      help: "run `paybillc build` after declaring the plan's cloud and region (a tenant's region needs a cell there: a static tenant in it, or the cloud's own region)",
    });
    // A static tenant asked for on another plan is placed like any tenant of that plan.
    expect(stackFor(manifest, "initech", { plan: "free", isolation: "pooled", cloud: "primary" })).toMatchObject({ ok: true, name: "primary-pooled-eu-west-1", static: false });
  });
});

/**
 * Laws of the Terraform emitter, over generated tenant sets (fast-check):
 * - determinism: the same project in any file order gives byte-identical stacks and manifest;
 * - one-tenant churn: adding a tenant adds its own stack (silo), or changes only its entry
 *   in its cell's `static_tenants` (bridge) or only the manifest (pooled); every other stack
 *   is byte-identical.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloudProject, emitTf, type Provider, type TenantSpec } from "./support/terraform.js";

const PLANS = ["free", "business", "enterprise"] as const;
// Prefixed, so a generated name is never a keyword of the language.
const tenantName = fc.stringMatching(/^[a-z0-9_]{0,10}$/).map((n) => `t_${n}`);
const tenants = fc.uniqueArray(fc.record({ name: tenantName, plan: fc.constantFrom(...PLANS) }), { selector: (t) => t.name, maxLength: 6 });
const provider = fc.constantFrom<Provider>("aws", "azure", "gcp", "oci", "ibm");

function texts(files: Record<string, string> | [string, string][]): Map<string, string> {
  const out = emitTf(files);
  return new Map([...out.stacks.map((s): [string, string] => [s.spec.name, s.text]), ["manifest", JSON.stringify(out.manifest)]]);
}

describe("terraform emitter laws", () => {
  it("is deterministic: same project, any file order, same bytes", () => {
    fc.assert(
      fc.property(provider, tenants, (p, ts) => {
        const files = cloudProject(p, ts);
        // Tenants split over files named so the checker meets them in the other order.
        const split: [string, string][] = [
          ["z.paybill", `package acme\n${ts.map((t) => `tenant ${t.name} { plan = ${t.plan} }`).join("\n")}\n`],
          ["a.paybill", files["infra.paybill"] ?? ""],
        ];
        const a = texts(files);
        const b = texts(split);
        const c = texts(Object.entries(files).reverse());
        expect([...b]).toEqual([...a]);
        expect([...c]).toEqual([...a]);
      }),
      { numRuns: 25 },
    );
  });

  it("adding one tenant changes only that tenant's stack or resources", () => {
    fc.assert(
      fc.property(provider, tenants, tenantName, fc.constantFrom(...PLANS), (p, ts, name, plan) => {
        fc.pre(!ts.some((t) => t.name === name));
        const before = emitTf(cloudProject(p, ts));
        const added: TenantSpec = { name, plan };
        const after = emitTf(cloudProject(p, [...ts, added]));
        const old = new Map(before.stacks.map((s) => [s.spec.name, s.text]));
        const now = new Map(after.stacks.map((s) => [s.spec.name, s.text]));
        const newStacks = [...now.keys()].filter((k) => !old.has(k));
        expect([...old.keys()].filter((k) => !now.has(k))).toEqual([]);
        const changed = [...now.keys()].filter((k) => old.has(k) && old.get(k) !== now.get(k));
        if (plan === "enterprise") {
          expect(newStacks).toEqual([`main-silo-tenant-${name}`]);
          expect(changed).toEqual([]);
        } else if (plan === "business") {
          expect(newStacks).toEqual([]);
          expect(changed).toEqual([changed[0]]);
          const cell = changed[0] ?? "";
          expect(cell).toMatch(/^main-bridge-/);
          // Take the new tenant out of `static_tenants` and the stack is the old one again.
          const json = JSON.parse(now.get(cell) ?? "{}") as { locals: { static_tenants: Record<string, unknown> } };
          expect(json.locals.static_tenants[name]).toEqual({ plan: "business" });
          delete json.locals.static_tenants[name];
          expect(json).toEqual(JSON.parse(old.get(cell) ?? "{}"));
        } else {
          expect(newStacks).toEqual([]);
          expect(changed).toEqual([]);
          expect(after.manifest.tenants[name]?.stack).toMatch(/^main-pooled-/);
        }
      }),
      { numRuns: 30 },
    );
  });
});

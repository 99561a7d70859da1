/**
 * Adding one static tenant changes only what is that tenant's in the synthesized stacks
 * (what `terraform plan` would then want to create): a silo tenant adds its own stack and
 * leaves every other stack's JSON byte for byte as it was; a pooled or bridge tenant changes
 * nothing but, at most, the entry it adds to its cell's `static_tenants`, so every other
 * tenant's resources (keyed by tenant in `for_each`) plan no change. bench/build.bench.mjs checks the same at
 * 1,000 silo tenants.
 */
import { describe, expect, it } from "vitest";
import { cloudProject, emitTf, type Provider, type TenantSpec } from "./support/terraform.js";

function stacksOf(provider: Provider, tenants: readonly TenantSpec[]): Map<string, string> {
  return new Map(emitTf(cloudProject(provider, tenants)).stacks.map((s) => [s.spec.name, s.text]));
}

/** The paths (`a.b.c`) at which two JSON values differ. */
function differences(a: unknown, b: unknown, path = ""): string[] {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`));
}

const TENANTS: TenantSpec[] = [
  ...Array.from({ length: 12 }, (_, i) => ({ name: `silo${String(i).padStart(2, "0")}`, plan: "enterprise" as const })),
  ...Array.from({ length: 4 }, (_, i) => ({ name: `pool${i}`, plan: "free" as const })),
  ...Array.from({ length: 4 }, (_, i) => ({ name: `cell${i}`, plan: "business" as const })),
];

describe("adding one tenant", () => {
  for (const provider of ["aws", "gcp"] as const) {
    it(`on ${provider}: a silo tenant adds its own stack and changes no other`, () => {
      const before = stacksOf(provider, TENANTS);
      const after = stacksOf(provider, [...TENANTS, { name: "newcomer", plan: "enterprise" }]);
      const added = [...after.keys()].filter((name) => !before.has(name));
      expect(added).toHaveLength(1);
      expect(added[0]).toContain("newcomer");
      expect([...before.keys()].filter((name) => !after.has(name))).toEqual([]);
      for (const [name, text] of before) expect(after.get(name), name).toBe(text);
    });

    it(`on ${provider}: a pooled or bridge tenant changes at most its own entry in its cell`, () => {
      const before = stacksOf(provider, TENANTS);
      for (const plan of ["free", "business"] as const) {
        const after = stacksOf(provider, [...TENANTS, { name: "newcomer", plan }]);
        expect([...after.keys()]).toEqual([...before.keys()]);
        const changes = [...before].flatMap(([name, text]) => differences(JSON.parse(text), JSON.parse(after.get(name) as string)).map((path) => `${name}: ${path}`));
        for (const change of changes) expect(change).toMatch(/: locals\.static_tenants\.newcomer$/);
      }
    });
  }
});

/**
 * Onboarding refuses an id whose cloud resource names (control/cloud-names.ts) a registered
 * tenant already has (PBR148), before anything is written; ids a plain slug would merge
 * (`a_b`, `a__b`, `a-b`) get names of their own and onboard.
 */
import { describe, expect, it } from "vitest";
import { keepsTenantId, ownerNames, tenantOwner } from "../src/control/cloud-names.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { count, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS } from "./support/store-db.js";

/** Two ids whose hashed owners meet: the same first 20 characters and the same 8 hex digits of SHA-256 (found by search). */
const COLLIDING = ["aaaaaaaaaaaaaaaaaaaa_mla", "aaaaaaaaaaaaaaaaaaaa_1m4r"] as const;
/** Another such pair, onboarded at once. */
const RACING = ["bbbbbbbbbbbbbbbbbbbb_nu9", "bbbbbbbbbbbbbbbbbbbb_s7d"] as const;

describe("the colliding pair", () => {
  it("does collide, so the refusal below is about names and not ids", () => {
    expect(COLLIDING.map(keepsTenantId)).toEqual([false, false]);
    expect(tenantOwner(COLLIDING[0])).toBe(tenantOwner(COLLIDING[1]));
    expect(tenantOwner(RACING[0])).toBe(tenantOwner(RACING[1]));
    expect(ownerNames("aws", "paybill", tenantOwner(COLLIDING[0]))).toEqual(ownerNames("aws", "paybill", tenantOwner(COLLIDING[1])));
  });
});

describe.each(BACKENDS)("onboarding and cloud names on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_cloud_names");

  it("onboards ids a plain slug would merge", async () => {
    for (const id of ["a_b", "a__b", "a-b", "a--b"]) await t.runtime.tenants.onboard({ id, plan: "business" });
    expect(new Set(["a_b", "a__b", "a-b", "a--b"].map(tenantOwner)).size).toBe(4);
  });

  it("refuses an id whose names a registered tenant has, and writes nothing", async () => {
    await t.runtime.tenants.onboard({ id: COLLIDING[0], plan: "business" });
    let error: unknown;
    try {
      await t.runtime.tenants.onboard({ id: COLLIDING[1], plan: "enterprise" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PaybillRuntimeError);
    expect(error).toMatchObject({
      code: "PBR148",
      message: `tenant \`${COLLIDING[1]}\` would get the cloud resource names of tenant \`${COLLIDING[0]}\` (\`…-${tenantOwner(COLLIDING[0])}-…\`)`,
    });
    expect((error as PaybillRuntimeError).help).toContain("choose another id");
    expect(await count(t.runtime, "paybill_tenants where id = $1", [COLLIDING[1]])).toBe(0);
    expect(await count(t.runtime, "paybill_tenant_transitions where tenant_id = $1", [COLLIDING[1]])).toBe(0);
    expect(await count(t.runtime, "paybill_audit where tenant_id = $1", [COLLIDING[1]])).toBe(0);
  });

  // The outcome only: whether the two transactions interleave between the check and the insert is up to the scheduler (the advisory lock in tenants.ts makes it not matter).
  it("lets one of two colliding ids onboarded at once in, and refuses the other", async () => {
    const results = await Promise.allSettled(RACING.map((id) => t.runtime.tenants.onboard({ id, plan: "business" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect(refused?.status === "rejected" ? refused.reason : undefined).toMatchObject({ code: "PBR148" });
    expect(await count(t.runtime, "paybill_tenants where id = any($1)", [[...RACING]])).toBe(1);
  });
});

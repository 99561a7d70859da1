/**
 * Provisioning converges: a plan whose step fails part-way leaves the tenant
 * `provisioning_failed` with the finished steps recorded; a retry runs only the steps not
 * yet done and ends `active` (with the pending plan switched in). A provisioner that
 * throws is a failed step, not a crash; a run interrupted after its transition (the
 * tenant left `provisioning`) is picked up by the next call.
 */
import { describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import type { Provisioner } from "../src/control/types.js";
import { count, freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS } from "./support/store-db.js";

describe.each(BACKENDS)("provisioning on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_provision");

  const movingTenant = async () => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan: "business", region: "eu-west-1" });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    await t.runtime.tenants.changePlan(id, "enterprise");
    return id;
  };

  it("a failure part-way, then a retry, converges without running finished steps again", async () => {
    const id = await movingTenant();
    const failing = new RecordingProvisioner({ failAt: (step) => step.kind === "move_data" });
    const first = await t.runtime.tenants.provision(id, failing);
    expect(first.tenant).toMatchObject({ state: "provisioning_failed", plan: "business", pendingPlan: "enterprise" });
    expect(first.steps.map((s) => [s.step.kind, s.outcome.ok, s.skipped])).toEqual([
      ["provision", true, false],
      ["move_data", false, false],
    ]);
    expect(failing.calls.map((c) => c.step.kind)).toEqual(["provision", "move_data"]);
    expect((await t.runtime.tenants.history(id)).at(-1)).toMatchObject({ event: "provisioning_failed", from: "provisioning", to: "provisioning_failed" });
    expect((await t.runtime.tenants.history(id)).at(-1)?.reason).toMatch(/^step 2 \(move_data pooled\/eu-west-1 → silo\/aws\/eu-west-1 for .*\) failed: recorded \(failing as asked\)/);
    expect((await t.runtime.tenants.plan(id))?.steps.map((s) => s.kind)).toEqual(["move_data", "retire"]);

    const retry = new RecordingProvisioner();
    const second = await t.runtime.tenants.provision(id, retry);
    expect(retry.calls.map((c) => [c.step.kind, c.attempt])).toEqual([
      ["move_data", 2],
      ["retire", 2],
    ]);
    expect(second.steps.map((s) => [s.step.kind, s.skipped])).toEqual([
      ["provision", true],
      ["move_data", false],
      ["retire", false],
    ]);
    expect(second.tenant).toMatchObject({ state: "active", plan: "enterprise" });
    expect(second.tenant.pendingPlan).toBeUndefined();
    expect((await t.runtime.tenants.history(id)).slice(-4).map((h) => h.event)).toEqual(["migrate", "provisioning_failed", "provision", "provisioned"]);
    expect(await count(t.runtime, "paybill_provisioning_steps where tenant_id = $1 and ok", [id])).toBe(4);
    expect(await t.runtime.audit.verify(id)).toMatchObject({ ok: true });
    // Nothing left to do: provisioning again is not a legal move.
    await expect(t.runtime.tenants.provision(id, retry)).rejects.toMatchObject({ code: "PBR140" });
  });

  it("a provisioner that throws fails its step with the message as detail", async () => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan: "business" });
    const throwing: Provisioner = {
      name: "broken",
      run: async () => {
        throw new Error("terraform not found");
      },
    };
    const result = await t.runtime.tenants.provision(id, throwing);
    expect(result.tenant.state).toBe("provisioning_failed");
    expect(result.steps[0]?.outcome).toEqual({ ok: false, detail: "provisioner `broken` failed: terraform not found" });
    expect((await t.runtime.tenants.provision(id, new RecordingProvisioner())).tenant.state).toBe("active");
  });

  it("a run interrupted after it moved the tenant to provisioning is picked up by the next call", async () => {
    const id = await movingTenant();
    // As if a first run had recorded the first step and then crashed: still `provisioning`.
    const crashed: Provisioner = {
      name: "crashed",
      run: async (step) => {
        if (step.kind === "provision") return { ok: true, detail: "created", outputs: { stack: "aws-silo-eu-west-1" } };
        throw new Error("process killed");
      },
    };
    await t.runtime.tenants.provision(id, crashed);
    await t.admin.query("update paybill_tenants set state = 'provisioning' where id = $1", [id]);
    const next = new RecordingProvisioner();
    const result = await t.runtime.tenants.provision(id, next);
    expect(next.calls.map((c) => c.step.kind)).toEqual(["move_data", "retire"]);
    expect(result.steps[0]).toMatchObject({ skipped: true, outcome: { ok: true, detail: "created", outputs: { stack: "aws-silo-eu-west-1" } } });
    expect(result.tenant.state).toBe("active");
  });
  it("the outputs of the tenant's latest provision step reach its record, a later provisioning replaces them, offboarding drops them", async () => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan: "business", region: "eu-west-1" });
    expect((await t.runtime.tenants.get(id))?.outputs).toBeUndefined();
    const reporting = (outputs: Record<string, unknown>): Provisioner => ({
      name: "reporting",
      run: async (step) => ({ ok: true, detail: "applied", ...(step.kind === "provision" ? { outputs } : { outputs: { ignored: step.kind } }) }),
    });
    const first = await t.runtime.tenants.provision(id, reporting({ database_endpoint: "db-1.internal:5432", bucket: "pb-acme-data" }));
    expect(first.tenant.outputs).toEqual({ database_endpoint: "db-1.internal:5432", bucket: "pb-acme-data" });
    expect((await t.runtime.tenants.get(id))?.outputs).toEqual({ database_endpoint: "db-1.internal:5432", bucket: "pb-acme-data" });
    expect((await t.runtime.tenants.list()).find((x) => x.id === id)?.outputs).toEqual({ database_endpoint: "db-1.internal:5432", bucket: "pb-acme-data" });
    await t.runtime.tenants.changePlan(id, "enterprise");
    const moved = await t.runtime.tenants.provision(id, reporting({ database_endpoint: "db-2.internal:5432" }));
    expect(moved.steps.map((s) => s.step.kind)).toEqual(["provision", "move_data", "retire"]);
    // The retire step's outputs are not the tenant's: only a provision step's are.
    expect(moved.tenant.outputs).toEqual({ database_endpoint: "db-2.internal:5432" });
    await t.runtime.tenants.offboard(id);
    const gone = await t.runtime.tenants.provision(id, reporting({}));
    expect(gone.tenant.state).toBe("offboarded");
    expect(gone.tenant.outputs).toBeUndefined();
  });
});

describe.each(BACKENDS)("provisioning at once on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_provision_race");

  it("a later provision call takes over: the earlier one stops before its next step, the flow settles once", async () => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan: "business", region: "eu-west-1" });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    await t.runtime.tenants.changePlan(id, "enterprise");
    let release = () => {};
    let started = () => {};
    const inStep = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = new RecordingProvisioner({ name: "slow" });
    const blocking: Provisioner = {
      name: "slow",
      run: async (step, context) => {
        started();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return slow.run(step, context);
      },
    };
    const first = t.runtime.tenants.provision(id, blocking);
    await inStep;
    const fast = new RecordingProvisioner();
    const second = await t.runtime.tenants.provision(id, fast);
    expect(second.tenant).toMatchObject({ state: "active", plan: "enterprise" });
    expect(fast.calls.map((c) => [c.step.kind, c.attempt])).toEqual([
      ["provision", 2],
      ["move_data", 2],
      ["retire", 2],
    ]);
    release();
    const late = await first;
    expect(late.superseded).toBe(true);
    expect(slow.calls.map((c) => c.step.kind)).toEqual(["provision"]);
    expect(late.tenant).toMatchObject({ state: "active", plan: "enterprise" });
    const events = (await t.runtime.tenants.history(id)).map((h) => h.event);
    expect(events.slice(events.indexOf("migrate"))).toEqual(["migrate", "provisioned"]);
    expect(await t.runtime.audit.verify(id)).toMatchObject({ ok: true });
  });
});

/**
 * Usage export for a billing system: `agent_actions` counts the allowed acts of the month
 * from the tenant's audit chain (not denials, approvals or the control plane's records);
 * `seats` is the peak recorded in the month; other gauges follow; bad input is PBR146.
 */
import { describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS } from "./support/store-db.js";

describe.each(BACKENDS)("usage on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_usage");

  it("exports agent actions counted from the audit and the peak of seats, per month", async () => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan: "grace7" });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    const open = { tenant: id, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "ada@example.com", amount: 1 } };
    // grace7 allows 2 actions a day: the third is denied (quota), the refund too (feature); none of them count.
    for (let i = 0; i < 3; i++) await t.runtime.act(open);
    await t.runtime.act({ ...open, action: "refund", input: { ticket: "00000000-0000-4000-8000-000000000000", amount: 1 } });
    const month = new Date().toISOString().slice(0, 7);
    await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 3, at: `${month}-02T00:00:00Z` });
    await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 9, at: `${month}-03T00:00:00Z` });
    await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 4, at: `${month}-04T00:00:00Z` });
    await t.runtime.usage.record({ tenant: id, metric: "storage_gb", quantity: 1.5, at: `${month}-04T00:00:00Z` });
    await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 40, at: "2020-01-01T00:00:00Z" });

    expect(await t.runtime.usage.export({ period: month, tenant: id })).toEqual([
      { tenant: id, period: month, metric: "agent_actions", quantity: 2, plan: "grace7" },
      { tenant: id, period: month, metric: "seats", quantity: 9, plan: "grace7" },
      { tenant: id, period: month, metric: "storage_gb", quantity: 1.5, plan: "grace7" },
    ]);
    expect(await t.runtime.usage.export({ period: "2020-01", tenant: id })).toEqual([
      { tenant: id, period: "2020-01", metric: "agent_actions", quantity: 0, plan: "grace7" },
      { tenant: id, period: "2020-01", metric: "seats", quantity: 40, plan: "grace7" },
    ]);
    // The audit chain holds the control plane's records too; they are not agent actions.
    expect((await t.runtime.audit.query({ tenant: id })).filter((r) => r.decision === "allow").length).toBeGreaterThan(2);
    const all = await t.runtime.usage.export({ period: month });
    expect(all.filter((r) => r.tenant === id)).toHaveLength(3);
    expect(all.filter((r) => r.tenant === "acme").map((r) => r.metric)).toEqual(["agent_actions", "seats"]);
  });

  it("refuses bad metrics, quantities and periods (PBR146) and unknown tenants (PBR110)", async () => {
    await expect(t.runtime.usage.record({ tenant: "acme", metric: "agent_actions", quantity: 1 })).rejects.toMatchObject({ code: "PBR146" });
    await expect(t.runtime.usage.record({ tenant: "acme", metric: "Seats!", quantity: 1 })).rejects.toMatchObject({ code: "PBR146" });
    await expect(t.runtime.usage.record({ tenant: "acme", metric: "seats", quantity: -1 })).rejects.toMatchObject({ code: "PBR146" });
    await expect(t.runtime.usage.record({ tenant: "nobody-here", metric: "seats", quantity: 1 })).rejects.toMatchObject({ code: "PBR110" });
    await expect(t.runtime.usage.export({ period: "2026-13" })).rejects.toMatchObject({ code: "PBR146", help: "a period is a UTC month: `2026-11`" });
    await expect(t.runtime.usage.export({ period: "2026-11", tenant: "nobody-here" })).rejects.toMatchObject({ code: "PBR110" });
  });
});

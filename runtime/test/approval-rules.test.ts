/**
 * `require approval from G … timeout d` rules (spec/runtime.md, Decisions step 6b, Approvals,
 * Timeouts): an allowed action whose rule holds waits (`pending`, an approval row) without a
 * workflow state, in or outside a run; a member of G (the host says so with `groups`)
 * grants it, never an agent (PBR221) nor a non-member (PBR220); resume performs it once;
 * the rule's timeout expires it, audited; a forbid still denies and the rule never permits.
 * On PGlite, and on PostgreSQL when PAYBILL_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import type { Bundle, PolicySpec } from "../src/bundle/format.js";
import { Decider } from "../src/decide/decider.js";
import { storeBundle } from "./support/store-bundle.js";
import { adminOf, BACKENDS, later, newTenant, seedTicket, sharedTestRuntime } from "./support/store-db.js";

const HOUR = 3_600_000;
const HOLDER = "account_holder";

/** The store bundle plus the group `account_holder`, whose approval closing a ticket and adding a label need. */
export function approvalBundle(): Bundle {
  const { hash: _hash, ...base } = storeBundle();
  const policies = [
    ...base.policies,
    {
      name: "holders_approve",
      rules: [
        {
          id: "holders_approve#0",
          effect: "require",
          agents: ["*"],
          actions: [{ kind: "action", action: "close_ticket" }],
          when: { cel: 'resource.status == "open"', types: { input: "action:close_ticket", resource: "entity:Ticket" } },
          approval: { group: HOLDER, timeoutMs: HOUR },
        },
        { id: "holders_approve#1", effect: "require", agents: ["*"], actions: [{ kind: "action", action: "add_label" }], approval: { group: HOLDER } },
        {
          id: "holders_approve#2",
          effect: "require",
          agents: ["support_bot"],
          actions: [{ kind: "action", action: "open_ticket" }],
          when: { cel: "input.amount > 1000.0", types: { input: "action:open_ticket", resource: "none" } },
          approval: { group: HOLDER },
        },
        {
          id: "holders_approve#3",
          effect: "forbid",
          agents: ["*"],
          actions: [{ kind: "action", action: "add_label" }],
          when: { cel: 'input.name == "blocked"', types: { input: "action:add_label", resource: "none" } },
        },
      ],
    },
  ].sort((a, b) => (a.name < b.name ? -1 : 1)) as PolicySpec[];
  const body = { ...base, groups: [HOLDER], policies };
  return { ...body, hash: bundleHash(body) };
}

describe.each(BACKENDS)("approval rules on %s", (backend) => {
  const t = sharedTestRuntime(backend, "approval_rules", approvalBundle());
  const pendingClose = async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant);
    const pending = await t.runtime.act({ tenant, agent: "support_bot", action: "close_ticket", input: { ticket, reason: "done" } });
    return { tenant, ticket, pending, approval: pending.approvalId ?? "" };
  };
  const status = async (tenant: string, ticket: string) =>
    (await adminOf(t.runtime).query<{ status: string }>("select status from tickets where tenant_id = $1 and id = $2", [tenant, ticket]))[0]?.status;

  it("waits outside any run, then a member's grant and one resume perform it once", async () => {
    const { tenant, ticket, pending, approval } = await pendingClose();
    expect(pending.decision).toBe("pending");
    expect(pending.reasons[0]).toMatchObject({ kind: "approval", group: HOLDER, policy: "holders_approve", rule: "holders_approve#0" });
    expect(pending.reasons).toContainEqual({ kind: "permit", policy: "support_closes_open_tickets", rule: "support_closes_open_tickets#0" });
    expect(await status(tenant, ticket)).toBe("open");
    const row = await t.runtime.approvals.get(approval);
    expect(row).toMatchObject({ status: "pending", group: HOLDER });
    expect(Date.parse(row?.expiresAt ?? "") - Date.parse(row?.requestedAt ?? "")).toBe(HOUR);

    const granted = await t.runtime.approvals.grant(approval, { by: "ada@example.com", groups: [HOLDER, "other"] });
    expect(granted.status).toBe("granted");
    const resumed = await t.runtime.resume(approval);
    expect(resumed.decision).toBe("allow");
    expect(await status(tenant, ticket)).toBe("closed");
    await expect(t.runtime.resume(approval)).rejects.toMatchObject({ code: "PBR114" });
    const allowed = await t.runtime.audit.query({ tenant, action: "close_ticket", decision: "allow" });
    expect(allowed).toHaveLength(1);
    const grants = await t.runtime.audit.query({ tenant, action: "approval.grant" });
    expect(grants[0]?.input).toMatchObject({ approval, group: HOLDER, groups: [HOLDER, "other"] });
  });

  it("waits inside a run too, without a state that awaits an approval", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "bulk", tenant });
    const input = { customer: "Ada", email: "ada@example.com", amount: 5000 };
    expect((await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { ...input, amount: 5 }, run: run.id })).decision).toBe("allow");
    const pending = await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input, run: run.id });
    expect(pending.decision).toBe("pending");
    expect((await t.runtime.approvals.get(pending.approvalId ?? ""))?.run).toBe(run.id);
  });

  it("refuses a grant by someone the host does not put in the group (PBR220), and by an agent (PBR221)", async () => {
    const { approval } = await pendingClose();
    await expect(t.runtime.approvals.grant(approval, { by: "mallory" })).rejects.toMatchObject({ code: "PBR220" });
    await expect(t.runtime.approvals.grant(approval, { by: "mallory", groups: ["finance"] })).rejects.toMatchObject({ code: "PBR220" });
    await expect(t.runtime.approvals.grant(approval, { by: "mallory", groups: "account_holder" as unknown as string[] })).rejects.toMatchObject({ code: "PBR220" });
    await expect(t.runtime.approvals.grant(approval, { by: "support_bot", groups: [HOLDER] })).rejects.toMatchObject({ code: "PBR221" });
    await expect(t.runtime.approvals.reject(approval, { by: "supervisor_bot", groups: [HOLDER] })).rejects.toMatchObject({ code: "PBR221" });
    expect((await t.runtime.approvals.get(approval))?.status).toBe("pending");
  });

  it("expires past the rule's timeout, audited, lazily and by the sweep", async () => {
    const lazy = await pendingClose();
    await later(t.clock, HOUR, async () => {
      await expect(t.runtime.approvals.grant(lazy.approval, { by: "ada", groups: [HOLDER] })).rejects.toMatchObject({ code: "PBR114" });
    });
    expect((await t.runtime.approvals.get(lazy.approval))?.status).toBe("expired");
    const records = await t.runtime.audit.query({ tenant: lazy.tenant, action: "approval.expire" });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ agent: "paybill:runtime", decision: "deny", approval: lazy.approval });

    const swept = await pendingClose();
    await t.runtime.approvals.grant(swept.approval, { by: "ada", groups: [HOLDER] });
    const requested = Date.parse((await t.runtime.approvals.get(swept.approval))?.requestedAt ?? "");
    expect((await t.runtime.approvals.sweep(new Date(requested + HOUR - 1))).map((a) => a.id)).not.toContain(swept.approval);
    const expired = await t.runtime.approvals.sweep(new Date(requested + HOUR));
    expect(expired.map((a) => a.id)).toContain(swept.approval);
    await expect(t.runtime.resume(swept.approval)).rejects.toMatchObject({ code: "PBR114" });
    expect(await status(swept.tenant, swept.ticket)).toBe("open");
    expect(await t.runtime.audit.query({ tenant: swept.tenant, action: "approval.expire" })).toHaveLength(1);
  });

  it("a forbid beats the rule, and without a permit an approval allows nothing", async () => {
    const tenant = await newTenant(t.runtime);
    const forbidden = await t.runtime.act({ tenant, agent: "support_bot", action: "add_label", input: { name: "blocked", color: "red" } });
    expect(forbidden).toMatchObject({ decision: "deny", reasons: [{ kind: "forbid", rule: "holders_approve#3" }] });
    expect(forbidden.approvalId).toBeUndefined();
    const ticket = await seedTicket(t.runtime, tenant);
    const given = [{ group: HOLDER, by: "ada", at: new Date().toISOString() }];
    // supervisor_bot has no permit to close a ticket: the approval given does not make one.
    const unpermitted = await t.runtime.decide({ tenant, agent: "supervisor_bot", action: "close_ticket", input: { ticket, reason: "done" }, approvals: given });
    expect(unpermitted).toMatchObject({ decision: "deny", reasons: [{ kind: "no-permit" }] });
    const acted = await t.runtime.act({ tenant, agent: "supervisor_bot", action: "close_ticket", input: { ticket, reason: "done" } });
    expect(acted.decision).toBe("deny");
  });

  it("decide (what-if) allows with an approval of the group, and waits without one or with another group's", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant);
    const request = { tenant, agent: "support_bot", action: "close_ticket", input: { ticket, reason: "done" } };
    expect((await t.runtime.decide(request)).decision).toBe("pending");
    expect((await t.runtime.decide({ ...request, approvals: [{ group: "finance", by: "ada", at: new Date().toISOString() }] })).decision).toBe("pending");
    expect((await t.runtime.decide({ ...request, approvals: [{ group: HOLDER, by: "ada", at: new Date().toISOString() }] })).decision).toBe("allow");
    // The rule's condition is false for a closed ticket: no approval needed.
    const closed = await seedTicket(t.runtime, tenant, { status: "closed" });
    expect((await t.runtime.decide({ ...request, input: { ticket: closed, reason: "done" } })).decision).not.toBe("pending");
  });
});

describe("the decider on approval rules", () => {
  it("denies when a rule's condition errs (fail closed), and lists every group that waits", () => {
    const bundle = approvalBundle();
    const { hash: _hash, ...base } = bundle;
    const extra: PolicySpec = {
      name: "two_groups",
      rules: [
        { id: "two_groups#0", effect: "require", agents: ["*"], actions: [{ kind: "action", action: "add_label" }], approval: { group: "auditors" } },
        {
          id: "two_groups#1",
          effect: "require",
          agents: ["*"],
          actions: [{ kind: "action", action: "open_ticket" }],
          when: { cel: "input.nothing_here", types: { input: "action:open_ticket", resource: "none" } },
          approval: { group: HOLDER },
        },
      ],
    };
    const body = { ...base, groups: ["auditors", HOLDER], policies: [...base.policies, extra] };
    const decider = new Decider({ ...body, hash: bundleHash(body) });
    const tenant = { id: "acme", plan: "business", state: "active" };
    const label = decider.decide({ tenant, agent: "support_bot", action: "add_label", input: { name: "vip", color: "red" } });
    expect(label.decision).toBe("pending");
    expect(label.reasons.filter((r) => r.kind === "approval").map((r) => (r as { group: string }).group)).toEqual([HOLDER, "auditors"]);
    const one = decider.decide({ tenant, agent: "support_bot", action: "add_label", input: { name: "vip", color: "red" }, approvals: [{ group: "auditors", by: "x", at: "2026-01-01T00:00:00Z" }] });
    expect(one.reasons.filter((r) => r.kind === "approval").map((r) => (r as { group: string }).group)).toEqual([HOLDER]);
    const erring = decider.decide({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "a@example.com", amount: 1 } });
    expect(erring).toMatchObject({ decision: "deny", reasons: [{ kind: "error", effect: "require", rule: "two_groups#1" }] });
  });
});

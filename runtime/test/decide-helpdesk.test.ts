/**
 * The decisions examples/helpdesk/tests.paybill promises, asked of the Decider on the
 * hand-built helpdesk bundle (support/helpdesk.ts). Ticket ids are uuids here: the
 * example's `"t-1"` is not one, and the input schema (`ticket: Ticket.id`) requires one.
 */
import { describe, expect, it } from "vitest";
import { Decider } from "../src/decide/decider.js";
import type { Decision, DecisionRequest } from "../src/decide/request.js";
import { helpdesk, tenantOf } from "./support/helpdesk.js";

const decider = new Decider(helpdesk);
const T = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const NOW = "2025-01-06T12:00:00Z";

function ask(request: Omit<DecisionRequest, "tenant" | "time"> & { tenant: string; time?: string }): Decision {
  return decider.decide({ ...request, tenant: tenantOf(request.tenant), time: request.time ?? NOW });
}

/** The policies named by the reasons (what `expect … by p` compares). */
const by = (d: Decision) => [...new Set(d.reasons.flatMap((r) => ("policy" in r ? [r.policy] : [])))];
const kinds = (d: Decision) => d.reasons.map((r) => r.kind);

const ticketRow = (n: number, extra: Record<string, unknown>) => ({ id: T(n), status: "open", priority: 3, ...extra });

describe("helpdesk tests", () => {
  it("loads without problems", () => {
    expect(decider.problems).toEqual([]);
  });

  it("support closes an open ticket", () => {
    const d = ask({
      agent: "support_bot",
      workflow: { name: "resolve_ticket", state: "resolve" },
      tenant: "globex",
      resource: ticketRow(1, { updated_at: "2025-01-06T09:00:00Z" }),
      action: "close_ticket",
      input: { ticket: T(1), reason: "answered" },
    });
    expect(d.decision).toBe("allow");
    expect(by(d)).toEqual(["support_works_open_tickets"]);
  });

  it("nothing permits closing a closed ticket", () => {
    const d = ask({
      agent: "support_bot",
      workflow: { name: "resolve_ticket", state: "resolve" },
      tenant: "globex",
      resource: ticketRow(2, { status: "closed", updated_at: "2025-01-06T09:00:00Z" }),
      action: "close_ticket",
      input: { ticket: T(2), reason: "again" },
    });
    expect(d.decision).toBe("deny");
    expect(kinds(d)).toEqual(["no-permit"]);
  });

  it("no closing within an hour of an update (forbid over permit)", () => {
    const d = ask({
      agent: "support_bot",
      tenant: "globex",
      resource: ticketRow(2, { updated_at: "2025-01-06T11:30:00Z" }),
      action: "close_ticket",
      input: { ticket: T(2), reason: "answered" },
    });
    expect(d.decision).toBe("deny");
    expect(d.reasons).toEqual([{ kind: "forbid", policy: "no_closing_right_after_an_update", rule: "no_closing_right_after_an_update#0" }]);
  });

  it("billing has no permit to close tickets", () => {
    const d = ask({
      agent: "billing_bot",
      tenant: "globex",
      resource: ticketRow(3, { updated_at: "2025-01-06T09:00:00Z" }),
      action: "close_ticket",
      input: { ticket: T(3), reason: "not mine" },
    });
    expect(d.decision).toBe("deny");
    expect(kinds(d)).toEqual(["no-permit"]);
  });

  it("priority jumps by at most two levels", () => {
    const d = ask({
      agent: "triage_bot",
      workflow: { name: "sort_inbox", state: "sorting" },
      tenant: "initech",
      resource: ticketRow(4, { priority: 5 }),
      action: "set_priority",
      input: { ticket: T(4), priority: 1 },
    });
    expect(d.decision).toBe("deny");
    expect(by(d)).toEqual(["priority_changes_are_small"]);
  });

  it("support answers a customer", () => {
    const d = ask({
      agent: "support_bot",
      workflow: { name: "resolve_ticket", state: "resolve" },
      tenant: "initech",
      action: "reply",
      input: { ticket: T(5), body: "Your parcel left the warehouse today.", internal: false },
    });
    expect(d.decision).toBe("allow");
    expect(by(d)).toEqual(["support_replies"]);
  });

  it("support bot does not write internal notes", () => {
    const d = ask({
      agent: "support_bot",
      workflow: { name: "resolve_ticket", state: "resolve" },
      tenant: "initech",
      action: "reply",
      input: { ticket: T(5), body: "Customer sounds upset.", internal: true },
    });
    expect(d.decision).toBe("deny");
    expect(kinds(d)).toEqual(["no-permit"]);
  });

  it("no agent asks for a password", () => {
    const d = ask({
      agent: "support_bot",
      workflow: { name: "resolve_ticket", state: "resolve" },
      tenant: "initech",
      action: "reply",
      input: { ticket: T(5), body: "Please send me your password.", internal: false },
    });
    expect(d.decision).toBe("deny");
    expect(by(d)).toEqual(["never_ask_for_credentials"]);
  });

  it("labels outside the vocabulary are refused", () => {
    const d = ask({
      agent: "triage_bot",
      workflow: { name: "sort_inbox", state: "sorting" },
      tenant: "initech",
      resource: ticketRow(6, {}),
      action: "tag_ticket",
      input: { ticket: T(6), tags: ["bug", "angry"] },
    });
    expect(d.decision).toBe("deny");
    expect(by(d)).toEqual(["tags_from_vocabulary"]);
  });

  it("triage deletes a ticket labelled spam", () => {
    const d = ask({
      agent: "triage_bot",
      workflow: { name: "sort_inbox", state: "cleanup" },
      tenant: "initech",
      resource: ticketRow(7, { priority: 4, channel: "email", tags: ["spam"] }),
      action: "delete_spam",
      input: { ticket: T(7) },
    });
    expect(d.decision).toBe("allow");
    expect(by(d)).toEqual(["triage_deletes_spam"]);
  });

  it("a phone ticket is never spam", () => {
    const d = ask({
      agent: "triage_bot",
      workflow: { name: "sort_inbox", state: "cleanup" },
      tenant: "initech",
      resource: ticketRow(8, { priority: 4, channel: "phone", tags: ["spam"] }),
      action: "delete_spam",
      input: { ticket: T(8) },
    });
    expect(d.decision).toBe("deny");
    expect(by(d)).toEqual(["never_delete_human_tickets"]);
  });

  it("a ticket without tags is not spam: has() is false for an absent optional field", () => {
    const d = ask({
      agent: "triage_bot",
      workflow: { name: "sort_inbox", state: "cleanup" },
      tenant: "initech",
      resource: ticketRow(8, { priority: 4, channel: "email", tags: null }),
      action: "delete_spam",
      input: { ticket: T(8) },
    });
    expect(d).toEqual({ decision: "deny", reasons: [{ kind: "no-permit", message: "no policy permits this action" }] });
  });

  describe("refunds", () => {
    const refund = (amount: number) => ({ ticket: T(9), amount, reason: "arrived broken" });

    it("bot cannot refund 250 without finance", () => {
      const d = ask({ agent: "support_bot", workflow: { name: "resolve_ticket", state: "resolve" }, tenant: "globex", action: "refund", input: refund(250) });
      expect(d.decision).toBe("deny");
      expect(by(d)).toEqual(["refunds_need_finance_over_100"]);
    });

    it("finance approval lets the bot refund 250 on enterprise", () => {
      const d = ask({
        agent: "support_bot",
        workflow: { name: "resolve_ticket", state: "resolve" },
        tenant: "globex",
        approvals: [{ group: "finance", by: "ana", at: "2025-01-06T11:00:00Z" }],
        action: "refund",
        input: refund(250),
      });
      expect(d.decision).toBe("allow");
      expect(by(d)).toEqual(["bots_refund_small_amounts"]);
    });

    it("business bots stop at 100, approval or not", () => {
      const d = ask({
        agent: "billing_bot",
        tenant: "initech",
        approvals: [{ group: "finance", by: "ana", at: "2025-01-06T11:00:00Z" }],
        action: "refund",
        input: { ticket: T(10), amount: 250, reason: "arrived broken" },
      });
      expect(d.decision).toBe("deny");
      expect(kinds(d)).toEqual(["no-permit"]);
    });

    it("free tenants have no refunds", () => {
      const d = ask({ agent: "support_bot", workflow: { name: "resolve_ticket", state: "resolve" }, tenant: "demo", action: "refund", input: { ticket: T(11), amount: 5, reason: "goodwill" } });
      expect(d).toEqual({ decision: "deny", reasons: [{ kind: "feature", feature: "refunds", message: "plan `free` does not include feature `refunds`" }] });
    });

    it("an escalated refund waits for finance", () => {
      const d = ask({ agent: "support_bot", workflow: { name: "resolve_ticket", state: "escalate" }, tenant: "initech", action: "refund", input: { ticket: T(12), amount: 80, reason: "late delivery" } });
      expect(d.decision).toBe("pending");
      expect(d.reasons[0]).toEqual({ kind: "approval", group: "finance", message: "waits for an approval from `finance`" });
    });

    it("finance releases the escalated refund", () => {
      const d = ask({
        agent: "support_bot",
        workflow: { name: "resolve_ticket", state: "escalate" },
        tenant: "initech",
        approvals: [{ group: "finance", by: "ana", at: "2025-01-06T11:00:00Z" }],
        action: "refund",
        input: { ticket: T(12), amount: 80, reason: "late delivery" },
      });
      expect(d.decision).toBe("allow");
      expect(by(d)).toEqual(["bots_refund_small_amounts"]);
    });

    it("an escalated refund no approval could allow is denied, not pending", () => {
      const d = ask({ agent: "support_bot", workflow: { name: "resolve_ticket", state: "escalate" }, tenant: "initech", action: "refund", input: { ticket: T(12), amount: 180, reason: "late delivery" } });
      expect(d.decision).toBe("deny");
      expect(kinds(d)).toEqual(["no-permit"]);
    });

    it("an approval from another group does not release it", () => {
      const d = ask({
        agent: "support_bot",
        workflow: { name: "resolve_ticket", state: "escalate" },
        tenant: "globex",
        approvals: [{ group: "legal", by: "bo", at: "2025-01-06T11:00:00Z" }],
        action: "refund",
        input: refund(250),
      });
      expect(d.decision).toBe("pending");
    });
  });

  describe("workflow state", () => {
    it("an action the current state does not allow is denied", () => {
      const d = ask({ agent: "support_bot", workflow: { name: "resolve_ticket", state: "triage" }, tenant: "globex", action: "refund", input: { ticket: T(1), amount: 5, reason: "x" } });
      expect(d).toEqual({ decision: "deny", reasons: [{ kind: "workflow", message: "state `triage` of workflow `resolve_ticket` does not allow `refund`" }] });
    });

    it("a workflow run by another agent is denied", () => {
      const d = ask({ agent: "triage_bot", workflow: { name: "resolve_ticket", state: "resolve" }, tenant: "globex", action: "reply", input: { ticket: T(1), body: "hi", internal: false } });
      expect(kinds(d)).toEqual(["workflow"]);
    });

    it("a final state allows nothing; an unknown state or workflow is denied", () => {
      for (const wf of [
        { name: "resolve_ticket", state: "done" },
        { name: "resolve_ticket", state: "nowhere" },
        { name: "nowhere", state: "triage" },
      ]) {
        expect(kinds(ask({ agent: "support_bot", workflow: wf, tenant: "globex", action: "read_ticket", input: { ticket: T(1) } }))).toEqual(["workflow"]);
      }
    });

    it("a data selector allows the actions with that effect", () => {
      // triage allows `read Ticket`; read_ticket reads a Ticket (and is named too), lookup_customer is named.
      const d = ask({ agent: "support_bot", workflow: { name: "resolve_ticket", state: "triage" }, tenant: "globex", action: "read_ticket", input: { ticket: T(1) } });
      expect(d.decision).toBe("allow");
    });
  });

  describe("redaction and the tenant", () => {
    it("contact details of a customer are redacted on a read", () => {
      const d = ask({ agent: "support_bot", tenant: "globex", action: "lookup_customer", input: { customer: T(20) } });
      expect(d).toEqual({
        decision: "allow",
        reasons: [{ kind: "permit", policy: "support_reads_tickets", rule: "support_reads_tickets#0" }],
        redact: ["email", "phone"],
      });
    });

    it("nothing happens while the tenant is suspended", () => {
      const d = decider.decide({ agent: "triage_bot", tenant: { ...tenantOf("initech"), state: "suspended" }, action: "open_ticket", input: { customer: T(1), subject: "s", body: "b", channel: "chat" } });
      expect(d.decision).toBe("deny");
      expect(by(d)).toEqual(["nothing_while_suspended"]);
    });
  });
});

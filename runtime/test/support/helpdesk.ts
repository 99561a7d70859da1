/**
 * examples/helpdesk as the bundle `paybillc build` would emit for it, written by hand (the
 * runtime's tests may not use the compiler). Kept in step with the example's
 * data/agents/policies/workflows/plans files; conditions are their CEL source.
 */
import type { Bundle } from "../../src/bundle/format.js";
import { action, agent, bundle, effect, entity, field, forbid, permit, plan, policy, sel, state, t, workflow } from "./bundle-builder.js";

const ref = (entityName: string, fieldName: string) => ({ references: { entity: entityName, field: fieldName } });

export const customer = entity("Customer", [
  field("id", t.uuid, { id: true }),
  field("name", t.string(200)),
  field("email", t.string(320), { pii: true }),
  field("phone", t.string(32), { optional: true, pii: true }),
  field("vip", t.bool),
  field("lifetime_value", t.decimal(12, 2)),
  field("created_at", t.timestamp),
]);

export const ticket = entity(
  "Ticket",
  [
    field("id", t.uuid, { id: true }),
    field("customer", t.uuid, ref("Customer", "id")),
    field("subject", t.string(200)),
    field("body", t.string(20000)),
    field("channel", t.enum("email", "chat", "phone")),
    field("status", t.enum("open", "pending", "resolved", "closed")),
    field("priority", t.int),
    field("tags", t.list(t.string(), 10), { optional: true }),
    field("assignee", t.string(100), { optional: true }),
    field("order_total", t.decimal(12, 2), { optional: true }),
    field("created_at", t.timestamp),
    field("updated_at", t.timestamp),
  ],
  "tickets",
);

export const reply = entity("Reply", [
  field("id", t.uuid, { id: true }),
  field("ticket", t.uuid, ref("Ticket", "id")),
  field("body", t.string(5000)),
  field("internal", t.bool),
  field("created_at", t.timestamp),
]);

export const refund = entity("Refund", [
  field("id", t.uuid, { id: true }),
  field("ticket", t.uuid, ref("Ticket", "id")),
  field("amount", t.decimal(12, 2)),
  field("currency", t.enum("usd", "eur", "gbp")),
  field("reason", t.string(500)),
  field("created_at", t.timestamp),
]);

const ticketId = (name = "ticket") => field(name, t.uuid, ref("Ticket", "id"));

export const actions = [
  action("read_ticket", [ticketId()], { effect: effect("read", "Ticket", "input.ticket") }),
  action("lookup_customer", [field("customer", t.uuid, ref("Customer", "id"))], { effect: effect("read", "Customer", "input.customer") }),
  action(
    "open_ticket",
    [field("customer", t.uuid, ref("Customer", "id")), field("subject", t.string(200)), field("body", t.string(20000)), field("channel", t.enum("email", "chat", "phone"))],
    { effect: effect("insert", "Ticket", undefined, { customer: "input.customer", subject: "input.subject", body: "input.body", channel: "input.channel", status: '"open"' }) },
  ),
  action("reply", [ticketId(), field("body", t.string(5000)), field("internal", t.bool)], {
    effect: effect("insert", "Reply", undefined, { ticket: "input.ticket", body: "input.body", internal: "input.internal" }),
    requires: ["tickets"],
  }),
  action("tag_ticket", [ticketId(), field("tags", t.list(t.string(), 10))], {
    effect: effect("update", "Ticket", "input.ticket", { tags: "input.tags", updated_at: "context.time" }),
  }),
  action("set_priority", [ticketId(), field("priority", t.int)], {
    effect: effect("update", "Ticket", "input.ticket", { priority: "input.priority", updated_at: "context.time" }),
  }),
  action("close_ticket", [ticketId(), field("reason", t.string(500))], {
    effect: effect("update", "Ticket", "input.ticket", { status: '"closed"', updated_at: "context.time" }),
  }),
  action("refund", [ticketId(), field("amount", t.decimal()), field("reason", t.string(500))], {
    effect: effect("insert", "Refund", undefined, { ticket: "input.ticket", amount: "input.amount", reason: "input.reason" }),
    requires: ["refunds"],
  }),
  action("delete_spam", [ticketId()], { effect: effect("delete", "Ticket", "input.ticket") }),
];

export const agents = [agent("support_bot", ["support"]), agent("triage_bot", ["support", "triage"]), agent("billing_bot", ["billing"])];

// `role support` is support_bot and triage_bot; `role billing` is billing_bot.
export const policies = [
  policy("support_reads_tickets", permit(["support_bot", "triage_bot"], ["read_ticket", "lookup_customer", sel.data("read", "Ticket"), sel.data("read", "Customer")])),
  policy("billing_reads_refunds", permit(["billing_bot"], ["read_ticket", sel.data("read", "Ticket"), sel.data("read", "Refund")])),
  policy("no_pii_to_agents", forbid("*", [sel.data("read", "Customer", "email"), sel.data("read", "Customer", "phone")])),
  policy("triage_opens_tickets", permit(["triage_bot"], ["open_ticket"])),
  policy("support_works_open_tickets", permit(["support_bot", "triage_bot"], ["close_ticket", "set_priority"], 'resource.status in ["open", "pending"]')),
  policy("triage_labels_tickets", permit(["triage_bot"], ["tag_ticket"], 'resource.status != "closed"')),
  policy(
    "tags_from_vocabulary",
    forbid("*", ["tag_ticket"], '!input.tags.all(t, t in ["billing", "bug", "feature_request", "question", "spam"]) || input.tags.size() > 5'),
  ),
  policy("priority_changes_are_small", forbid("*", ["set_priority"], "input.priority < 1 || input.priority > 5 || resource.priority - input.priority > 2")),
  policy("no_closing_right_after_an_update", forbid("*", ["close_ticket"], 'context.time - resource.updated_at < duration("1h")')),
  policy("support_replies", permit(["support_bot", "triage_bot"], ["reply"], '!input.internal || "triage" in principal.roles')),
  policy("never_ask_for_credentials", forbid("*", ["reply"], '["password", "passcode", "card number", "security code"].exists(w, input.body.contains(w))')),
  policy("triage_deletes_spam", permit(["triage_bot"], ["delete_spam"], 'resource.status == "open" && has(resource.tags) && resource.tags.exists(t, t == "spam")')),
  policy("never_delete_human_tickets", forbid("*", ["delete_spam"], 'resource.channel == "phone" || resource.priority <= 2')),
  policy("bots_refund_small_amounts", permit(["billing_bot", "support_bot"], ["refund"], 'input.amount <= (tenant.plan == "enterprise" ? 500.0 : 100.0)')),
  policy("refunds_need_finance_over_100", forbid("*", ["refund"], 'input.amount > 100.0 && !context.approvals.exists(a, a.group == "finance")')),
  policy("nothing_while_suspended", forbid("*", [sel.any], 'tenant.state in ["suspended", "offboarding"]')),
].sort((a, b) => (a.name < b.name ? -1 : 1));

export const workflows = [
  workflow(
    "resolve_ticket",
    "support_bot",
    [
      state("triage", { allow: ["read_ticket", "lookup_customer", sel.data("read", "Ticket")], next: ["resolve", "escalate"] }),
      state("resolve", { allow: ["reply", "close_ticket", "refund"], next: ["done", "escalate"] }),
      state("escalate", { allow: ["refund"], approval: "finance", next: ["resolve", "done"] }),
      state("done", { final: true }),
    ],
    { steps: 20, writes: 5, deadlineMs: 600_000 },
  ),
  workflow(
    "sort_inbox",
    "triage_bot",
    [
      state("sorting", { allow: ["read_ticket", "open_ticket", "tag_ticket", "set_priority"], next: ["cleanup", "finished"] }),
      state("cleanup", { allow: ["delete_spam"], next: ["finished"] }),
      state("finished", { final: true }),
    ],
    { steps: 100, writes: 50, deadlineMs: 1_800_000 },
  ),
];

export const plans = [
  plan("free", ["tickets"], { seats: 3, agent_actions: 1000 }),
  plan("business", ["tickets", "refunds", "macros"], { seats: 50, agent_actions: 100000 }),
  plan("enterprise", ["tickets", "refunds", "macros", "audit_export"], { seats: 10000, agent_actions: 5000000 }),
];

export const helpdesk: Bundle = bundle({
  entities: [customer, ticket, reply, refund],
  actions,
  agents,
  policies,
  workflows,
  plans,
  tenants: [
    { name: "globex", plan: "enterprise", region: "eu-central-1" },
    { name: "umbrella", plan: "enterprise", cloud: "secondary", region: "europe-west3" },
    { name: "initech", plan: "business" },
    { name: "demo", plan: "free" },
  ],
});

/** The tenant facts of a static tenant, active. */
export function tenantOf(name: string) {
  const spec = helpdesk.tenants[name];
  if (spec === undefined) throw new Error(`no tenant ${name}`);
  return { id: name, plan: spec.plan, state: "active", ...(spec.region === undefined ? {} : { region: spec.region }) };
}

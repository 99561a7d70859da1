/**
 * The hand-written bundle the database-backed runtime is tested on (the runtime may not
 * import @paybill/lang): a help desk with tickets and customers, three plans, a workflow
 * with a budget and an approval state, and a bulk workflow for the budget race.
 */
import { bundleHash } from "../../src/bundle/canonical.js";
import type { ActionSchema, Bundle, EntitySchema, FieldSchema, FieldType, PolicySpec, WorkflowSpec } from "../../src/bundle/format.js";

function f(name: string, type: FieldType, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, pii: false, ...extra };
}

const ticket: EntitySchema = {
  name: "Ticket",
  table: "tickets",
  key: "id",
  fields: [
    f("id", { kind: "uuid" }, { id: true }),
    f("customer", { kind: "string", max: 200 }),
    f("email", { kind: "string", max: 200 }, { pii: true }),
    f("status", { kind: "enum", values: ["open", "pending", "closed"] }),
    f("amount", { kind: "decimal" }),
  ],
};

const customer: EntitySchema = {
  name: "Customer",
  table: "customers",
  key: "id",
  fields: [f("id", { kind: "uuid" }, { id: true }), f("email", { kind: "string", max: 200 }, { pii: true, unique: true }), f("name", { kind: "string", max: 200 })],
};

/** Keyed by a text the effect sets (the act's one statement knows the key beforehand). */
const label: EntitySchema = {
  name: "Label",
  table: "labels",
  key: "name",
  fields: [f("name", { kind: "string", max: 50 }, { id: true }), f("color", { kind: "string", max: 20 })],
};

const ticketRef = (name: string): FieldSchema => f(name, { kind: "uuid" }, { references: { entity: "Ticket", field: "id" } });

const actions: ActionSchema[] = [
  { name: "read_ticket", input: [ticketRef("ticket")], effect: { op: "read", entity: "Ticket", key: { cel: "input.ticket" } }, requires: [] },
  {
    name: "open_ticket",
    input: [f("customer", { kind: "string", max: 200 }), f("email", { kind: "string", max: 200 }), f("amount", { kind: "decimal" })],
    effect: {
      op: "insert",
      entity: "Ticket",
      set: [
        { field: "customer", value: { cel: "input.customer" } },
        { field: "email", value: { cel: "input.email" } },
        { field: "status", value: { cel: '"open"' } },
        { field: "amount", value: { cel: "input.amount" } },
      ],
    },
    requires: ["tickets"],
  },
  {
    name: "close_ticket",
    input: [ticketRef("ticket"), f("reason", { kind: "string", max: 500 })],
    effect: { op: "update", entity: "Ticket", key: { cel: "input.ticket" }, set: [{ field: "status", value: { cel: '"closed"' } }] },
    requires: ["tickets"],
  },
  { name: "delete_ticket", input: [ticketRef("ticket")], effect: { op: "delete", entity: "Ticket", key: { cel: "input.ticket" } }, requires: [] },
  {
    name: "add_customer",
    input: [f("email", { kind: "string", max: 200 }), f("name", { kind: "string", max: 200 })],
    effect: {
      op: "insert",
      entity: "Customer",
      set: [
        { field: "email", value: { cel: "input.email" } },
        { field: "name", value: { cel: "input.name" } },
      ],
    },
    requires: [],
  },
  {
    name: "add_label",
    input: [f("name", { kind: "string", max: 50 }), f("color", { kind: "string", max: 20 })],
    effect: {
      op: "insert",
      entity: "Label",
      set: [
        { field: "name", value: { cel: "input.name" } },
        { field: "color", value: { cel: "input.color" } },
      ],
    },
    requires: [],
  },
  {
    // A uuid key the effect sets: the database may write it otherwise (case), so act inserts it on its own and reads the key back.
    name: "import_customer",
    input: [f("id", { kind: "uuid" }), f("email", { kind: "string", max: 200 }), f("name", { kind: "string", max: 200 })],
    effect: {
      op: "insert",
      entity: "Customer",
      set: [
        { field: "id", value: { cel: "input.id" } },
        { field: "email", value: { cel: "input.email" } },
        { field: "name", value: { cel: "input.name" } },
      ],
    },
    requires: [],
  },
  {
    name: "refund",
    input: [ticketRef("ticket"), f("amount", { kind: "decimal" })],
    effect: { op: "update", entity: "Ticket", key: { cel: "input.ticket" }, set: [{ field: "amount", value: { cel: "0.0" } }] },
    requires: ["refunds"],
  },
];

const policies: PolicySpec[] = [
  {
    name: "refunds_need_finance_over_100",
    rules: [
      {
        id: "refunds_need_finance_over_100#0",
        effect: "forbid",
        agents: ["*"],
        actions: [{ kind: "action", action: "refund" }],
        when: { cel: 'input.amount > 100.0 && !context.approvals.exists(a, a.group == "finance")', types: { input: "action:refund", resource: "entity:Ticket" } },
      },
    ],
  },
  {
    name: "support_closes_open_tickets",
    rules: [
      {
        id: "support_closes_open_tickets#0",
        effect: "permit",
        agents: ["support_bot"],
        actions: [{ kind: "action", action: "close_ticket" }],
        when: { cel: 'resource.status != "closed"', types: { input: "action:close_ticket", resource: "entity:Ticket" } },
      },
    ],
  },
  {
    name: "support_works",
    rules: [
      {
        id: "support_works#0",
        effect: "permit",
        agents: ["support_bot"],
        actions: [
          { kind: "data", op: "read", entity: "Ticket" },
          { kind: "action", action: "open_ticket" },
          { kind: "action", action: "delete_ticket" },
          { kind: "action", action: "add_customer" },
          { kind: "action", action: "add_label" },
          { kind: "action", action: "import_customer" },
          { kind: "action", action: "refund" },
        ],
      },
    ],
  },
  {
    name: "supervisor_sees_email",
    rules: [
      { id: "supervisor_sees_email#0", effect: "permit", agents: ["supervisor_bot"], actions: [{ kind: "data", op: "read", entity: "Ticket" }] },
      { id: "supervisor_sees_email#1", effect: "permit", agents: ["supervisor_bot"], actions: [{ kind: "data", op: "read", entity: "Ticket", field: "email" }] },
    ],
  },
];

const workflows: Record<string, WorkflowSpec> = {
  bulk: {
    name: "bulk",
    agent: "support_bot",
    budget: { steps: 1000, writes: 10 },
    start: "work",
    states: { work: { name: "work", allow: [{ kind: "action", action: "open_ticket" }], next: [], final: false } },
  },
  resolve_ticket: {
    name: "resolve_ticket",
    agent: "support_bot",
    budget: { steps: 20, writes: 5, deadlineMs: 600_000 },
    start: "triage",
    states: {
      done: { name: "done", allow: [], next: [], final: true },
      escalate: { name: "escalate", allow: [{ kind: "action", action: "refund" }], next: ["resolve"], approval: "finance", final: false },
      resolve: {
        name: "resolve",
        allow: [
          { kind: "action", action: "add_customer" },
          { kind: "action", action: "close_ticket" },
          { kind: "action", action: "open_ticket" },
          { kind: "action", action: "refund" },
        ],
        next: ["done"],
        final: false,
      },
      triage: {
        name: "triage",
        allow: [
          { kind: "data", op: "read", entity: "Ticket" },
          { kind: "action", action: "open_ticket" },
        ],
        next: ["escalate", "resolve"],
        final: false,
      },
    },
  },
};

/** The bundle, hashed as `paybillc build` would hash it. */
export function storeBundle(): Bundle {
  const body = {
    format: "paybill-bundle" as const,
    version: 1 as const,
    entities: { Customer: customer, Label: label, Ticket: ticket },
    actions: Object.fromEntries([...actions].sort((a, b) => (a.name < b.name ? -1 : 1)).map((a) => [a.name, a])),
    agents: {
      supervisor_bot: { name: "supervisor_bot", roles: ["supervisor"] },
      support_bot: { name: "support_bot", roles: ["support"] },
    },
    policies,
    workflows,
    plans: {
      business: {
        name: "business",
        isolation: { model: "pooled" },
        limits: { agent_actions: { amount: 100_000, per: "day" }, seats: { amount: 50 } },
        features: ["refunds", "tickets"],
      },
      free: { name: "free", isolation: { model: "pooled" }, limits: { agent_actions: { amount: 5, per: "day" } }, features: ["tickets"] },
      unlimited: { name: "unlimited", isolation: { model: "pooled" }, limits: {}, features: ["refunds", "tickets"] },
    },
    tenants: {
      acme: { name: "acme", plan: "business", region: "eu-west-1" },
      globex: { name: "globex", plan: "business" },
      tiny: { name: "tiny", plan: "free" },
    },
  };
  return { ...body, hash: bundleHash(body) };
}

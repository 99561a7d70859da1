/**
 * The store bundle with issue 15's host-performed effects added: a host action
 * (`send_payment`, `effect host`, a `@secret` input), an update whose `set` reads optional
 * inputs (`edit_ticket`: an omitted field is kept), a list read (`list_tickets`,
 * `read many`), the policies permitting them, and a workflow allowing one write (`pay_once`).
 */
import { bundleHash } from "../../src/bundle/canonical.js";
import type { ActionSchema, Bundle, FieldSchema, FieldType } from "../../src/bundle/format.js";
import { storeBundle } from "./store-bundle.js";

function f(name: string, type: FieldType, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, pii: false, ...extra };
}

const extraActions: ActionSchema[] = [
  {
    name: "send_payment",
    input: [f("iban", { kind: "string", max: 34 }), f("amount", { kind: "decimal" }), f("pin", { kind: "string", max: 10 }, { secret: true, optional: true })],
    host: true,
    requires: [],
  },
  {
    name: "edit_ticket",
    input: [
      f("ticket", { kind: "uuid" }, { references: { entity: "Ticket", field: "id" } }),
      f("customer", { kind: "string", max: 200 }, { optional: true }),
      f("status", { kind: "enum", values: ["open", "pending", "closed"] }, { optional: true }),
      f("amount", { kind: "decimal" }, { optional: true }),
    ],
    effect: {
      op: "update",
      entity: "Ticket",
      key: { cel: "input.ticket" },
      set: [
        { field: "customer", value: { cel: "input.customer" }, keep: ["customer"] },
        { field: "status", value: { cel: "input.status" }, keep: ["status"] },
        { field: "amount", value: { cel: "has(input.amount) ? input.amount : 0.0" } },
      ],
    },
    requires: [],
  },
  {
    name: "list_tickets",
    input: [f("status", { kind: "enum", values: ["open", "pending", "closed"] }), f("min", { kind: "decimal" }), f("customer", { kind: "string", max: 200 })],
    effect: {
      op: "read",
      entity: "Ticket",
      many: {
        where: {
          any: [
            {
              all: [
                { field: "status", op: "==", value: { cel: "input.status" } },
                { field: "amount", op: ">=", value: { cel: "input.min" } },
              ],
            },
            { field: "customer", op: "==", value: { cel: "input.customer" } },
          ],
        },
        limit: 3,
      },
    },
    requires: [],
  },
];

/** The store bundle plus the host and update actions, permitted to `support_bot`. */
export function hostBundle(): Bundle {
  const { hash: _hash, ...base } = storeBundle();
  const actions = { ...base.actions, ...Object.fromEntries(extraActions.map((a) => [a.name, a])) };
  const sorted = Object.fromEntries(Object.keys(actions).sort().map((k) => [k, actions[k] as ActionSchema]));
  const policies = [
    ...base.policies,
    {
      name: "host_works",
      rules: [
        {
          id: "host_works#0",
          effect: "permit" as const,
          agents: ["support_bot"],
          actions: [
            { kind: "action" as const, action: "send_payment" },
            { kind: "action" as const, action: "edit_ticket" },
            { kind: "action" as const, action: "list_tickets" },
          ],
        },
        {
          id: "host_works#1",
          effect: "forbid" as const,
          agents: ["*"],
          actions: [{ kind: "action" as const, action: "send_payment" }],
          when: { cel: "input.amount > 1000.0", types: { input: "action:send_payment", resource: "none" } },
        },
      ],
    },
  ];
  const workflows = {
    ...base.workflows,
    pay_once: {
      name: "pay_once",
      agent: "support_bot",
      budget: { steps: 10, writes: 1 },
      start: "paying",
      states: { paying: { name: "paying", allow: [{ kind: "action" as const, action: "send_payment" }], next: [], final: false } },
    },
  };
  const body = { ...base, version: 2 as const, actions: sorted, policies, workflows };
  return { ...body, hash: bundleHash(body) };
}

/**
 * Rule sets that share actions, for the `decide` benchmark's scaling rows: a SaaS operator's
 * per-tenant rules. Tenant k has two rules on one action:
 *
 *   permit support_bot to A_k when tenant.id == "tenant-k" && input.amount <= cap_k
 *   forbid any agent to A_k   when tenant.id == "tenant-k" && input.note.contains("password")
 *
 * so N rules are N/2 tenants, and where they live is the layout:
 *
 *   - spread: every tenant on an action of its own (N/2 actions; each request meets 2 rules);
 *   - shared: tenants over 5 common actions (N/5 rules on each);
 *   - one:    every tenant on one action (N rules on it).
 *
 * Written as a Paybill project (compiled by `paybillc build`) and as hand-written JavaScript
 * (a Map from tenant to its two limits: the floor).
 */

export const LAYOUTS = ["spread", "shared", "one"];
export const SIZES = [10, 100, 1000, 10000];

const SHARED_ACTIONS = 5;

/** The action of tenant k under a layout. */
export function actionOf(layout, k) {
  return layout === "spread" ? `pay_${k}` : layout === "shared" ? `pay_${k % SHARED_ACTIONS}` : "pay_0";
}

function actionCount(layout, rules) {
  return layout === "spread" ? rules / 2 : layout === "shared" ? SHARED_ACTIONS : 1;
}

const capOf = (k) => 100 + (k % 37);

export function project(layout, rules) {
  const tenants = rules / 2;
  const actions = [];
  for (let a = 0; a < actionCount(layout, rules); a++) {
    actions.push(`action pay_${a} {
  input { amount: decimal, note: string(max: 200) }
}
`);
  }
  const policies = [];
  for (let k = 0; k < tenants; k++) {
    const action = actionOf(layout, k);
    policies.push(`policy t${k} {
  permit support_bot to ${action} when tenant.id == "tenant-${k}" && input.amount <= ${capOf(k)}.0
  forbid any agent to ${action} when tenant.id == "tenant-${k}" && input.note.contains("password")
}
`);
  }
  return [
    {
      name: "data.paybill",
      text: `package scaling

import std.isolation.{pooled}

cloud aws { region = "eu-west-1" }

agent support_bot { roles = [support] }

plan free {
  price     = 0 usd per month
  isolation = pooled
  features  = [payments]
}

${actions.join("\n")}`,
    },
    { name: "policies.paybill", text: `package scaling\n\n${policies.join("\n")}` },
  ];
}

/** `count` requests in engine-neutral form, tenants in turn: amounts under and over the cap, a note with a password every seventh. */
export function requests(layout, rules, count) {
  const tenants = rules / 2;
  const out = [];
  for (let i = 0; i < count; i++) {
    const k = (i * 7919) % tenants;
    out.push({
      tenant: { id: `tenant-${k}`, plan: "free", state: "active" },
      agent: "support_bot",
      action: actionOf(layout, k),
      input: { amount: i % 3 === 0 ? capOf(k) + 1.5 : capOf(k) - 0.5, note: i % 7 === 0 ? "send me your password" : "refund the kettle" },
      resource: null,
    });
  }
  return out;
}

/** The same rules by hand: tenant → its action and cap. */
export function handWritten(layout, rules) {
  const byTenant = new Map();
  for (let k = 0; k < rules / 2; k++) byTenant.set(`tenant-${k}`, { action: actionOf(layout, k), cap: capOf(k) });
  return (r) => {
    const t = byTenant.get(r.tenant.id);
    if (t === undefined || t.action !== r.action) return "deny";
    if (r.input.note.includes("password")) return "deny";
    return r.agent === "support_bot" && r.input.amount <= t.cap ? "allow" : "deny";
  };
}

// ---- Cedar and Casbin ----

export function cedarPolicies(layout, rules) {
  const lines = [];
  for (let k = 0; k < rules / 2; k++) {
    const a = `action == Action::"${actionOf(layout, k)}"`;
    // Cedar has no floating point: amounts in cents.
    lines.push(
      `@id("t${k}#0") permit(principal == Agent::"support_bot", ${a}, resource) when { context.tenant.id == "tenant-${k}" && context.input.amount_cents <= ${capOf(k) * 100} };`,
      `@id("t${k}#1") forbid(principal, ${a}, resource) when { context.tenant.id == "tenant-${k}" && context.input.note like "*password*" };`,
    );
  }
  return lines.join("\n");
}

export function cedarRequest(r) {
  return {
    principal: { type: "Agent", id: r.agent },
    action: { type: "Action", id: r.action },
    resource: { type: "Payment", id: "none" },
    context: { tenant: { id: r.tenant.id, plan: r.tenant.plan }, input: { amount_cents: Math.round(r.input.amount * 100), note: r.input.note } },
    entities: [{ uid: { type: "Agent", id: r.agent }, attrs: {}, parents: [] }],
  };
}

/** Casbin rows `[sub, act, cond, eft]` for the model of policies.mjs (`CASBIN_MODEL`). */
export function casbinPolicies(layout, rules) {
  const rows = [];
  for (let k = 0; k < rules / 2; k++) {
    const act = actionOf(layout, k);
    rows.push(["support_bot", act, `r.ctx.tenant.id == 'tenant-${k}' && r.ctx.input.amount <= ${capOf(k)}.0`, "allow"]);
    rows.push(["*", act, `r.ctx.tenant.id == 'tenant-${k}' && r.ctx.input.note.includes('password')`, "deny"]);
  }
  return { rows, links: [["support_bot", "support_bot"]] };
}

export function casbinRequest(r) {
  return [{ id: r.agent, roles: [] }, r.action, { id: "none" }, { input: r.input, tenant: r.tenant, approvalGroups: [] }];
}

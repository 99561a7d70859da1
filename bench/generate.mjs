/**
 * A deterministic generator of realistic Paybill projects, for benchmarks.
 *
 *   import { generateProject, writeProject } from "./generate.mjs";
 *   const files = generateProject({ lines: 100_000 });   // [{ name, text }]
 *
 *   node bench/generate.mjs <dir> [lines]                // writes a project to <dir>
 *
 * Same options, same output, on any machine: all randomness comes from a seeded PRNG
 * (mulberry32), never Math.random, and each domain module draws from its own stream, so a
 * larger project has the same modules as a smaller one plus more (the platform package's
 * static tenants scale with the requested size).
 *
 * The project looks like what a SaaS company would check in: a `platform` package (clouds
 * on five providers, plans, agents, many static tenants) and one package per business
 * domain, each with entities (fields, types, annotations), actions (typed input, effects,
 * plan entitlements), policies (permit/forbid rules with CEL conditions built from the
 * action's input and the entity's fields), workflows (state machines with budgets and
 * approvals) and tests. The project is valid, not just well-formed: `paybillc check` is
 * meant to accept it with no errors and no warnings. So names referenced are declared (and
 * imported), plans say which cloud they run on, tenant regions are regions of their
 * cloud's provider, only the language's attributes and annotations are used (other notes
 * are comments), lists that conditions go through declare a `max:`, CEL conditions use
 * fields with the types they were declared with and only the variables in scope (`input`
 * only when a rule names actions alone), forbids that could shadow a permit have a
 * condition, and every action a workflow allows is permitted to its agent by some policy.
 *
 * `generateModel` exposes the same data as plain objects; `buildJsonDocument` turns it into
 * a JSON document of a given byte size (the JSON.parse baseline of the parse benchmark).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------------------
// Seeded randomness

function hashString(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(typeof seed === "string" ? hashString(seed) : seed);
  }
  /** Integer in [min, max]. */
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
  /** `count` distinct items, in list order. */
  sample(list, count) {
    const n = Math.min(count, list.length);
    const chosen = new Set();
    while (chosen.size < n) chosen.add(Math.floor(this.next() * list.length));
    return [...chosen].sort((a, b) => a - b).map((i) => list[i]);
  }
}

// ---------------------------------------------------------------------------------------
// Vocabulary

const DOMAINS = [
  "billing", "support", "crm", "inventory", "shipping", "hr", "payroll", "procurement", "finance", "marketing",
  "analytics", "identity", "compliance", "legal", "facilities", "fleet", "logistics", "catalog", "orders", "returns",
  "subscriptions", "payments", "ledger", "tax", "risk", "fraud", "onboarding", "success", "partners", "reseller",
  "warehouse", "manufacturing", "quality", "maintenance", "projects", "timesheets", "expenses", "travel", "assets",
  "security", "incidents", "releases", "devops", "observability", "knowledge", "documents", "contracts", "messaging",
  "notifications", "scheduling", "bookings", "events", "learning", "recruiting", "benefits", "treasury", "audit",
];
const AREAS = ["core", "ops", "eu", "us", "apac", "retail", "enterprise", "internal", "partner", "self_service"];

const NOUNS = [
  "Ticket", "Invoice", "Order", "Shipment", "Customer", "Refund", "Subscription", "Payment", "Account", "Contract",
  "Lead", "Opportunity", "Asset", "Incident", "Deployment", "Workspace", "Document", "Message", "Task", "Project",
  "Report", "Budget", "Expense", "Vendor", "Product", "Warehouse", "Claim", "Quote", "Credit", "Dispute", "Employee",
  "Timesheet", "Booking", "Reservation", "Vehicle", "Route", "Parcel", "Supplier", "PurchaseOrder", "Receipt",
  "LedgerEntry", "TaxFiling", "Campaign", "Segment", "Coupon", "Review", "Survey", "Course", "Enrollment",
  "Candidate", "Interview", "Offer", "Release", "Change", "Alert", "Runbook", "Article", "Approval", "Device",
  "License", "Certificate", "Inspection", "WorkOrder", "Part", "Batch", "Lot", "ReturnRequest", "Exchange", "Payout",
];

const ENUMS = {
  status: [["open", "pending", "closed"], ["draft", "submitted", "approved", "rejected"], ["active", "suspended", "cancelled"], ["new", "in_progress", "blocked", "done"]],
  priority: [["low", "normal", "high", "urgent"]],
  channel: [["email", "chat", "phone", "web"], ["api", "portal", "batch"]],
  tier: [["bronze", "silver", "gold", "platinum"]],
  kind: [["standard", "express", "internal"], ["one_off", "recurring"]],
  risk: [["low", "medium", "high"]],
};

const FIELD_POOL = {
  string: ["name", "title", "subject", "reference", "external_id", "sku", "code", "country", "currency", "region", "category", "label", "owner", "assignee", "source", "vendor_name"],
  pii: ["email", "phone", "contact_name", "billing_address", "tax_id", "iban"],
  text: ["description", "notes", "summary", "resolution", "comment"],
  decimal: ["amount", "total", "price", "balance", "discount", "tax", "cost", "credit_limit", "fee", "weight_kg"],
  int: ["quantity", "seats", "attempts", "score", "retries", "version", "line_count", "days_open"],
  bool: ["archived", "verified", "flagged", "paid", "locked", "escalated", "billable", "confidential"],
  timestamp: ["created_at", "updated_at", "closed_at", "due_at", "paid_at", "expires_at", "approved_at", "shipped_at"],
  list: ["tags", "labels", "watchers"],
};

const VERBS_UPDATE = ["update", "assign", "reprioritize", "relabel", "adjust", "amend"];
const VERBS_TRANSITION = ["close", "approve", "reject", "archive", "escalate", "suspend", "cancel", "reopen", "submit", "verify"];

const PROVIDERS = [
  ["aws", ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"]],
  ["azure", ["westeurope", "northeurope", "eastus2", "southeastasia"]],
  ["gcp", ["europe-west4", "europe-west1", "us-central1", "asia-northeast1"]],
  ["oci", ["eu-frankfurt-1", "us-ashburn-1", "ap-tokyo-1"]],
  ["ibm", ["eu-de", "us-south", "jp-tok"]],
];

const FEATURES = [
  "tickets", "refunds", "audit_export", "sso", "scim", "custom_roles", "api_access", "webhooks", "bulk_import",
  "advanced_reports", "data_residency", "priority_support", "sandbox", "ai_agents", "approvals", "multi_currency",
];
const LIMITS = ["seats", "agent_actions", "storage_gb", "api_calls", "workflows", "projects", "refund_max", "exports"];
const ROLES = ["support", "triage", "finance", "billing", "ops", "sales", "hr", "legal", "security", "admin", "supervisor", "auditor", "analyst", "procurement"];
const GROUPS = ["finance", "legal", "security", "ops", "management", "compliance", "hr", "procurement"];
const COMPANY_A = ["acme", "globex", "initech", "umbrella", "stark", "wayne", "wonka", "tyrell", "cyberdyne", "hooli", "vandelay", "soylent", "massive", "aperture", "oscorp", "gringotts", "monarch", "nakatomi", "pied_piper", "dunder"];
const COMPANY_B = ["labs", "corp", "group", "systems", "retail", "health", "bank", "logistics", "media", "energy", "foods", "motors", "cloud", "games", "travel", "insurance"];

const WORDS = "the a request for customer invoice order review escalation when over limit must be approved by finance before refund agent may only act within its workflow state and budget data stays in region tenant isolated pooled bridge silo".split(" ");

const snake = (pascal) => pascal.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const plural = (word) => (/[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : word.endsWith("s") || word.endsWith("x") || word.endsWith("ch") ? `${word}es` : `${word}s`);
const sentence = (rng, min, max) => {
  const words = [];
  const n = rng.int(min, max);
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  const text = words.join(" ");
  return text[0].toUpperCase() + text.slice(1);
};
const money = (rng, max) => (rng.int(1, max) * (rng.chance(0.5) ? 1 : 10)).toFixed(1);

// ---------------------------------------------------------------------------------------
// The model: plain data, rendered to .paybill files and to JSON.

function platformModel(rng, tenantCount) {
  const clouds = [];
  for (const [provider, regions] of PROVIDERS) {
    const count = provider === "aws" ? 4 : 2;
    for (let i = 0; i < count; i++) {
      const region = regions[i % regions.length];
      clouds.push({
        provider,
        name: i === 0 ? `${provider}_primary` : `${provider}_${region.replace(/-/g, "_")}`,
        region,
        account: provider === "aws" ? String(100000000000 + rng.int(0, 899999999999)) : `${provider}-${rng.int(1000, 9999)}-acct`,
        tags: { cost_center: `cc-${rng.int(100, 999)}`, environment: rng.pick(["production", "staging"]) },
      });
    }
  }
  const plans = [];
  const tiers = [
    ["free", 0, "pooled", 3],
    ["starter", 29, "pooled", 5],
    ["team", 59, "pooled", 8],
    ["business", 99, "bridge", 10],
    ["business_plus", 199, "bridge", 12],
    ["scale", 499, "bridge", 14],
    ["enterprise", null, "silo", 16],
    ["enterprise_eu", null, "silo", 16],
    ["government", null, "silo", 16],
  ];
  tiers.forEach(([name, price, isolation, featureCount], index) => {
    plans.push({
      name,
      price,
      trialDays: price !== null && price > 0 ? rng.pick([7, 14, 30]) : null,
      isolation,
      // With several clouds declared, a plan says which one it runs on (`pooled on aws_primary`);
      // pooled plans share the primary cloud of a provider.
      cloud: isolation === "pooled" ? rng.pick(clouds.filter((c) => c.name.endsWith("_primary"))).name : rng.pick(clouds).name,
      limits: LIMITS.slice(0, 3 + (index % 5)).map((limit) => ({
        name: limit,
        amount: (index + 1) * rng.pick([3, 5, 10, 50, 100, 1000]),
        per: limit === "agent_actions" || limit === "api_calls" ? rng.pick(["day", "month", "hour"]) : null,
      })),
      features: FEATURES.slice(0, featureCount),
    });
  });
  const agents = [];
  for (const role of ROLES) {
    for (let i = 0; i < 3; i++) {
      agents.push({
        name: `${role}_bot${i === 0 ? "" : `_${i + 1}`}`,
        roles: rng.sample(ROLES, rng.int(1, 3)).concat(role).filter((r, k, all) => all.indexOf(r) === k),
        model: rng.pick(["gpt-4.1", "claude-sonnet", "llama-70b", "mistral-large"]),
        maxSteps: rng.int(10, 200),
        description: sentence(rng, 4, 9),
      });
    }
  }
  const tenants = [];
  const seen = new Set();
  for (let i = 0; tenants.length < tenantCount; i++) {
    let name = `${rng.pick(COMPANY_A)}_${rng.pick(COMPANY_B)}`;
    if (seen.has(name)) name = `${name}_${i}`;
    seen.add(name);
    const plan = rng.pick(plans);
    // Pooled tenants run on their plan's cloud; bridge and silo tenants sometimes get a cloud
    // of their own. Either way the region is one the cloud's provider offers.
    const cloud = plan.isolation === "pooled" || rng.chance(0.5) ? null : rng.pick(clouds).name;
    const provider = clouds.find((c) => c.name === (cloud ?? plan.cloud)).provider;
    tenants.push({
      name,
      plan: plan.name,
      region: rng.pick(PROVIDERS.find(([p]) => p === provider)[1]),
      cloud,
      contact: `ops@${name.replace(/_/g, "-")}.example.com`,
      seats: rng.int(1, 5000),
      billingDay: rng.int(1, 28),
      suspended: rng.chance(0.03),
    });
  }
  return { clouds, plans, agents, tenants };
}

function entityModel(rng, name, siblings) {
  const fields = [{ name: "id", type: "uuid", kind: "id", annotations: ["@id"] }];
  const used = new Set(["id"]);
  const add = (field) => {
    if (used.has(field.name)) return;
    used.add(field.name);
    fields.push(field);
  };
  add({ name: "status", kind: "enum", values: rng.pick(ENUMS.status), annotations: [] });
  const others = siblings.filter((s) => s !== name);
  if (others.length > 0 && rng.chance(0.7)) {
    const target = rng.pick(others);
    add({ name: `${snake(target)}_id`, kind: "ref", target, type: `${target}.id`, annotations: ["@index"] });
  }
  const count = rng.int(4, 12);
  for (let i = 0; i < count; i++) {
    const kind = rng.pick(["string", "string", "pii", "text", "decimal", "decimal", "int", "bool", "timestamp", "timestamp", "list", "enum"]);
    if (kind === "enum") {
      const enumName = rng.pick(["priority", "channel", "tier", "kind", "risk"]);
      add({ name: enumName, kind: "enum", values: rng.pick(ENUMS[enumName]), annotations: [] });
    } else {
      add({ name: rng.pick(FIELD_POOL[kind]), kind, annotations: [], optional: kind === "timestamp" && rng.chance(0.5) });
    }
  }
  add({ name: "created_at", kind: "timestamp", annotations: [], optional: false });
  // Field annotations are the language's: @id, @pii, @unique, @index, @default (and
  // @renamed). What else a team would note about a field goes in a trailing comment.
  for (const field of fields) {
    switch (field.kind) {
      case "string":
        field.type = rng.chance(0.5) ? `string(max: ${rng.pick([64, 128, 200, 255])})` : "string";
        if (rng.chance(0.2)) field.annotations.push(rng.pick(["@unique", "@index"]));
        break;
      case "pii":
        field.type = rng.chance(0.5) ? "string" : `string(max: ${rng.pick([200, 320])})`;
        field.annotations.push("@pii");
        if (rng.chance(0.3)) field.comment = "encrypted at rest";
        break;
      case "text":
        field.type = rng.chance(0.5) ? "string" : `string(max: ${rng.pick([2000, 5000, 10000])})`;
        break;
      case "decimal":
        field.type = rng.chance(0.5) ? "decimal" : rng.pick(["decimal(precision: 12, scale: 2)", "decimal(12, 2)", "money"]);
        if (rng.chance(0.4)) field.comment = `between 0 and ${rng.pick([1000, 100000, 1000000])}`;
        break;
      case "int":
        field.type = "int";
        if (rng.chance(0.5)) field.annotations.push(`@default(${rng.int(0, 3)})`);
        break;
      case "bool":
        field.type = "bool";
        field.annotations.push("@default(false)");
        break;
      case "timestamp":
        field.type = field.optional ? "timestamp?" : "timestamp";
        if (field.name === "created_at") {
          field.annotations.push("@default(now)");
          field.comment = "never changes";
        }
        break;
      case "list":
        // A list that conditions go through declares its size cap: evaluation stays bounded.
        field.type = `list(string, max: ${rng.pick([10, 20, 50])})`;
        break;
      case "enum":
        field.type = `enum(${field.values.join(", ")})`;
        field.annotations.push(`@default(${field.values[0]})`);
        break;
    }
  }
  return {
    name,
    table: plural(snake(name)),
    annotations: [`@table("${plural(snake(name))}")`],
    doc: rng.chance(0.5) ? sentence(rng, 6, 14) : null,
    notes: [...(rng.chance(0.4) ? ["every change is audited"] : []), ...(rng.chance(0.3) ? [`rows are kept ${rng.pick([90, 365, 2555])} days`] : [])],
    fields,
  };
}

/** An action input field from an entity field: same name, an input type of the same kind. */
function inputFieldFrom(rng, field) {
  const base = { name: field.name, kind: field.kind, values: field.values };
  switch (field.kind) {
    case "string": case "pii":
      return { ...base, kind: "string", type: `string(max: ${rng.pick([64, 200, 255])})` };
    case "text":
      return { ...base, kind: "string", type: "string(max: 5000)" };
    case "decimal":
      return { ...base, type: "decimal" };
    case "int":
      return { ...base, type: "int" };
    case "bool":
      return { ...base, type: "bool" };
    case "timestamp":
      return { ...base, type: "timestamp" };
    case "list":
      return { ...base, type: `list(string, max: ${rng.pick([10, 20])})` };
    case "enum":
      return { ...base, type: field.type };
    default:
      return { ...base, kind: "string", type: "string" };
  }
}

function actionModels(rng, entity, features) {
  const actions = [];
  // `updated_at` is written by the actions themselves (`updated_at = context.time`), never from input.
  const editable = entity.fields.filter((f) => !["id", "created_at", "updated_at", "status"].includes(f.name) && f.kind !== "ref");
  const key = `${snake(entity.name)}`;
  const requires = () => (rng.chance(0.3) ? rng.pick(features) : null);
  const attrs = () => {
    const list = [];
    if (rng.chance(0.6)) list.push(["description", `"${sentence(rng, 5, 12)}"`]);
    return list;
  };
  // An insert sets every field the row cannot do without (not optional, no @default; the id is generated), as check requires (PB3012), and some others.
  const required = (f) => f.name !== "id" && !f.optional && !f.annotations.some((a) => a.startsWith("@default"));
  const refs = entity.fields.filter((f) => f.kind === "ref" && required(f)).map((f) => ({ name: f.name, kind: "ref", type: f.type }));
  const needed = editable.filter(required);
  const others = rng.sample(editable.filter((f) => !required(f)), rng.int(0, Math.max(0, 6 - needed.length)));
  const create = [...refs, ...[...needed, ...others].map((f) => inputFieldFrom(rng, f))];
  const stamped = entity.fields.filter((f) => f.name === "updated_at" && required(f)).map(() => ["updated_at", "context.time"]);
  actions.push({
    name: `create_${key}`, entity: entity.name, op: "insert", keyed: false, input: create,
    set: create.map((f) => [f.name, `input.${f.name}`]).concat(stamped, [["status", entity.fields.find((f) => f.name === "status").values[0]]]),
    requires: requires(), attributes: attrs(),
  });
  for (const verb of rng.sample(VERBS_UPDATE, rng.int(1, 2))) {
    const changed = rng.sample(editable, rng.int(1, 3)).map((f) => inputFieldFrom(rng, f));
    actions.push({
      name: `${verb}_${key}`, entity: entity.name, op: "update", keyed: true,
      input: [{ name: key, kind: "ref", type: `${entity.name}.id` }, ...changed],
      set: changed.map((f) => [f.name, `input.${f.name}`]).concat(entity.fields.some((f) => f.name === "updated_at") ? [["updated_at", "context.time"]] : []),
      requires: requires(), attributes: attrs(),
    });
  }
  const statuses = entity.fields.find((f) => f.name === "status").values;
  for (const verb of rng.sample(VERBS_TRANSITION, rng.int(1, 3))) {
    const extra = rng.chance(0.6) ? [{ name: "reason", kind: "string", type: `string(max: ${rng.pick([200, 500, 1000])})` }] : [];
    const amount = entity.fields.find((f) => f.kind === "decimal");
    if (amount && rng.chance(0.4)) extra.push({ name: amount.name, kind: "decimal", type: "decimal" });
    actions.push({
      name: `${verb}_${key}`, entity: entity.name, op: "update", keyed: true,
      input: [{ name: key, kind: "ref", type: `${entity.name}.id` }, ...extra],
      set: [["status", ["close", "archive", "cancel", "reject", "suspend"].includes(verb) ? statuses.at(-1) : verb === "reopen" ? statuses[0] : statuses[1]]],
      requires: requires(), attributes: attrs(),
    });
  }
  if (rng.chance(0.5)) {
    actions.push({
      name: `delete_${key}`, entity: entity.name, op: "delete", keyed: true,
      input: [{ name: key, kind: "ref", type: `${entity.name}.id` }, { name: "reason", kind: "string", type: "string(max: 500)" }],
      set: null, requires: requires(), attributes: attrs(),
    });
  }
  if (rng.chance(0.4)) {
    actions.push({
      name: `export_${plural(key)}`, entity: entity.name, op: null, keyed: false,
      input: [{ name: "since", kind: "timestamp", type: "timestamp" }, { name: "format", kind: "enum", values: ["csv", "json"], type: "enum(csv, json)" }],
      set: null, requires: rng.pick(features), attributes: attrs(),
    });
  }
  return actions;
}

// ---- CEL conditions ----

function termFor(rng, path, field) {
  switch (field.kind) {
    case "decimal":
      return rng.pick([
        () => `${path} > ${money(rng, 500)}`,
        () => `${path} <= ${money(rng, 5000)}`,
        () => `${path} * ${rng.pick(["1.2", "0.8", "1.05"])} > double(tenant.limits.refund_max)`,
        () => `${path} >= 0.0 && ${path} < ${money(rng, 100000)}`,
      ])();
    case "int":
      return rng.pick([() => `${path} >= ${rng.int(1, 10)}`, () => `${path} < ${rng.int(10, 1000)}`, () => `${path} % 2 == 0`, () => `${path} + 1 <= tenant.limits.seats`])();
    case "string": case "pii": case "text":
      return rng.pick([
        () => `${path}.startsWith("${rng.pick(["EU-", "US-", "VIP", "INT-"])}")`,
        () => `size(${path}) <= ${rng.pick([64, 200, 500])}`,
        // `matches` only on a string capped at 500 characters: on a longer one the cost bound can pass the limit (PB4033).
        () => (Number(/max: (\d+)/.exec(field.type ?? "")?.[1] ?? Number.POSITIVE_INFINITY) <= 500 ? `${path}.matches("^[A-Z]{2}-[0-9]{4,8}$")` : `${path} != "n/a"`),
        () => `${path} != ""`,
        () => `${path}.contains("${rng.pick(["urgent", "legal", "gdpr", "chargeback"])}")`,
        () => `!${path}.endsWith("@example.com")`,
      ])();
    case "enum": {
      const values = field.values;
      return rng.pick([
        () => `${path} == "${rng.pick(values)}"`,
        () => `${path} != "${rng.pick(values)}"`,
        () => `${path} in [${rng.sample(values, 2).map((v) => `"${v}"`).join(", ")}]`,
      ])();
    }
    case "bool":
      return rng.pick([() => path, () => `!${path}`, () => `${path} == false`])();
    case "timestamp":
      return rng.pick([
        () => `${path} < context.time - duration("${rng.pick([1, 24, 72, 720])}h")`,
        () => `context.time - ${path} > duration("${rng.pick([30, 90])}m")`,
        () => `${path}.getDayOfWeek() != 0`,
        () => `has(${path})`,
      ])();
    case "list":
      return rng.pick([
        () => `${path}.exists(t, t == "${rng.pick(["vip", "priority", "blocked"])}")`,
        () => `${path}.all(t, size(t) <= 32)`,
        () => `size(${path}) < ${rng.int(5, 20)}`,
        () => `"${rng.pick(["gdpr", "hold"])}" in ${path}`,
        () => `${path}.filter(t, t.startsWith("team:")).size() > 0`,
        () => `${path}.exists_one(t, t == "primary")`,
      ])();
    case "ref":
      return `${path} != ""`;
    default:
      return `has(${path})`;
  }
}

const GENERAL_TERMS = [
  (rng) => `context.approvals.exists(a, a.group == "${rng.pick(GROUPS)}")`,
  (rng) => `!context.approvals.exists(a, a.group == "${rng.pick(GROUPS)}" && a.by != principal.id)`,
  (rng) => `context.approvals.size() >= ${rng.int(1, 3)}`,
  (rng) => `context.budget.writes > ${rng.int(0, 3)}`,
  (rng) => `context.budget.steps >= ${rng.int(1, 5)}`,
  (rng) => `context.approvals.all(a, context.time - a.at < duration("${rng.pick([24, 72, 168])}h"))`,
  (rng) => `"${rng.pick(ROLES)}" in principal.roles`,
  (rng) => `principal.roles.exists(r, r in ["${rng.pick(ROLES)}", "${rng.pick(ROLES)}"])`,
  (rng) => `tenant.plan in ["${rng.pick(["business", "scale"])}", "enterprise"]`,
  (rng) => `"${rng.pick(FEATURES)}" in tenant.features`,
  () => `tenant.state == "active"`,
  (rng) => `tenant.limits.seats > ${rng.int(5, 500)}`,
  () => `context.time.getHours() >= 9 && context.time.getHours() < 18`,
  () => `tenant.region in {"eu-west-1": true, "eu-central-1": true}`,
  (rng) => `context.workflow.state == "${rng.pick(["review", "triage", "approve"])}"`,
];

/**
 * A `when` condition for a rule about `action`. `withInput` is false when the rule also
 * names a data access (`read Ticket`): `input` is then the input of no action in
 * particular and has no fields. `resource` is the row of a keyed action (update, delete).
 */
function condition(rng, action, entity, withInput = true) {
  const fields = [];
  if (withInput) for (const f of action.input) fields.push([`input.${f.name}`, f]);
  if (action.keyed) for (const f of entity.fields) if (f.kind !== "id") fields.push([`resource.${f.name}`, f]);
  const term = () => (fields.length > 0 && rng.chance(0.65) ? termFor(rng, ...rng.pick(fields)) : rng.pick(GENERAL_TERMS)(rng));
  const shape = rng.next();
  if (shape < 0.1) return term();
  if (shape < 0.18) {
    const amount = fields.find(([, f]) => f.kind === "decimal");
    const test = amount ? `${amount[0]} > ${money(rng, 1000)}` : term();
    return `${test} ? context.approvals.size() >= 2 : ${term()}`;
  }
  const parts = [];
  const n = rng.int(2, 5);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.2) parts.push(`(${term()} || ${term()})`);
    else if (r < 0.27) parts.push(`!(${term()} && ${term()})`);
    else parts.push(term());
  }
  return parts.join(" && ");
}

function moduleModel(seed, index, platform) {
  const rng = new Rng(`${seed}:module:${index}`);
  const domain = DOMAINS[index % DOMAINS.length];
  const round = Math.floor(index / DOMAINS.length);
  const name = round === 0 ? domain : `${domain}_${AREAS[(round - 1) % AREAS.length]}${round > AREAS.length ? `_${round}` : ""}`;
  // Entities are named for their module (`analytics_ops` → `AnalyticsOpsSurvey`): the bundle
  // names every declaration by its own name, so two modules may not both declare `Survey`.
  const prefix = name.split("_").map((word) => `${word[0].toUpperCase()}${word.slice(1)}`).join("");
  const nouns = rng.sample(NOUNS, rng.int(3, 7)).map((noun) => `${prefix}${noun}`);
  const entities = nouns.map((noun) => entityModel(rng, noun, nouns));
  const features = platform.plans.at(-1).features;
  const actions = entities.flatMap((entity) => actionModels(rng, entity, features));
  const agents = rng.sample(platform.agents, rng.int(2, 5));
  const byEntity = new Map(entities.map((e) => [e.name, e]));

  const policies = [];
  // Some deletions stay with people: one unconditional forbid, and nothing permits them.
  const blocked = new Set();
  for (const action of actions) {
    const entity = byEntity.get(action.entity);
    if (action.op === "delete" && rng.chance(0.3)) {
      blocked.add(action.name);
      policies.push({
        name: `no_agent_${action.name}`, description: "Deleting records stays with people", severity: "high",
        rules: [{ effect: "forbid", principals: ["any agent"], targets: [action.name], when: null }], action: action.name,
      });
      continue;
    }
    const count = rng.int(1, 2);
    for (let i = 0; i < count; i++) {
      const rules = [];
      const ruleCount = rng.chance(0.25) ? 2 : 1;
      for (let r = 0; r < ruleCount; r++) {
        const effect = rng.chance(0.55) ? "permit" : "forbid";
        const principals = effect === "forbid" && rng.chance(0.5)
          ? ["any agent"]
          : rng.sample(agents, rng.int(1, 2)).map((a) => a.name).concat(rng.chance(0.2) ? [`role ${rng.pick(ROLES)}`] : []);
        const targets = [action.name];
        if (rng.chance(0.15)) targets.push(`read ${entity.name}`);
        const pii = entity.fields.find((f) => f.kind === "pii");
        if (effect === "forbid" && pii && rng.chance(0.2)) targets.push(`read ${entity.name}.${pii.name}`);
        // A forbid here always has a condition: an unconditional one would make every permit
        // of the same action pointless (PB4021). Permits are unconditional one time in ten.
        const when = effect === "forbid" || rng.chance(0.9) ? condition(rng, action, entity, targets.length === 1) : null;
        rules.push({ effect, principals, targets, when });
      }
      policies.push({
        name: `${rules[0].effect === "permit" ? "allow" : "deny"}_${action.name}_${i + 1}`,
        description: rng.chance(0.4) ? sentence(rng, 6, 12) : null,
        severity: rng.chance(0.2) ? rng.pick(["low", "high", "critical"]) : null,
        rules,
        action: action.name,
      });
    }
  }
  if (rng.chance(0.5)) {
    const pii = entities.flatMap((e) => e.fields.filter((f) => f.kind === "pii").map((f) => `${e.name}.${f.name}`));
    if (pii.length > 0) {
      policies.push({ name: "no_pii_to_agents", description: "Agents never see personal data", severity: "critical", rules: [{ effect: "forbid", principals: ["any agent"], targets: pii.map((p) => `read ${p}`), when: null }], action: null });
    }
  }

  const workflows = [];
  const workflowCount = rng.int(1, 4);
  for (let w = 0; w < workflowCount; w++) {
    const entity = rng.pick(entities);
    const own = actions.filter((a) => a.entity === entity.name && !blocked.has(a.name));
    const names = ["triage", "review", "approve", "fulfil", "verify", "notify", "escalate", "reconcile"];
    const states = rng.sample(names, rng.int(2, 5));
    const wf = {
      name: `${rng.pick(["handle", "process", "resolve", "review", "reconcile"])}_${snake(entity.name)}${w > 0 ? `_${w + 1}` : ""}`,
      agent: rng.pick(agents).name,
      budget: { steps: rng.int(5, 50), writes: rng.int(1, 20), deadline: rng.pick(["10m", "1h", "24h", "7d"]) },
      start: states[0],
      states: [],
      entity: entity.name,
    };
    states.forEach((state, i) => {
      const isApproval = i > 0 && rng.chance(0.3);
      const next = [states[i + 1] ?? "done"];
      if (i + 2 < states.length && rng.chance(0.4)) next.push(states[i + 2]);
      if (isApproval) {
        wf.states.push({ name: state, await: rng.pick(GROUPS), next, allow: null, timeout: rng.chance(0.5) ? rng.pick(["4h", "2d"]) : null });
      } else {
        const allow = rng.sample(own, rng.int(1, 3)).map((a) => a.name);
        if (rng.chance(0.5)) allow.unshift(`read ${entity.name}`);
        wf.states.push({ name: state, allow, next, await: null, timeout: null });
      }
    });
    wf.states.push({ name: "done", final: true });
    workflows.push(wf);

    // What the workflow allows, some policy must permit its agent to do (else PB4020: the
    // state is dead). What the domain's policies do not already permit, a policy of the
    // workflow's own does.
    const agent = platform.agents.find((a) => a.name === wf.agent);
    const permitted = new Set(
      policies.flatMap((p) => p.rules)
        .filter((r) => r.effect === "permit" && r.principals.some((who) => who === "any agent" || who === agent.name || (who.startsWith("role ") && agent.roles.includes(who.slice(5)))))
        .flatMap((r) => r.targets),
    );
    const missing = [...new Set(wf.states.flatMap((st) => st.allow ?? []))].filter((target) => !permitted.has(target));
    if (missing.length > 0) {
      policies.push({
        name: `${wf.name}_steps`, description: `What ${wf.agent} does in ${wf.name}`, severity: null,
        rules: [{ effect: "permit", principals: [wf.agent], targets: missing, when: null }], action: null,
      });
    }
  }

  const tests = [];
  const testCount = rng.int(3, 12);
  for (let t = 0; t < testCount; t++) {
    const wf = rng.pick(workflows);
    const state = rng.pick(wf.states.filter((s) => s.allow));
    if (!state) continue;
    const actionName = rng.pick(state.allow.filter((a) => !a.startsWith("read ")).concat([]));
    if (!actionName) continue;
    const action = actions.find((a) => a.name === actionName);
    const entity = byEntity.get(action.entity);
    const id = `${snake(entity.name).slice(0, 3)}-${rng.int(1, 9999)}`;
    const input = action.input.map((f) => [f.name, valueFor(rng, f, id)]);
    const given = action.keyed
      ? entity.fields.filter((f) => !f.optional && f.kind !== "ref").slice(0, rng.int(2, 6)).map((f) => [f.name, f.kind === "id" ? `"${id}"` : valueFor(rng, f, id)])
      : null;
    const policy = policies.find((p) => p.action === actionName && p.rules.some((r) => r.effect === "forbid"));
    const decision = rng.pick(["allow", "deny", "deny", "pending"]);
    tests.push({
      name: `${wf.agent} ${decision === "allow" ? "may" : "may not"} ${actionName.replace(/_/g, " ")} in ${state.name} (${t + 1})`,
      agent: wf.agent,
      workflow: wf.name,
      state: state.name,
      tenant: rng.pick(platform.tenants).name,
      given,
      entity: entity.name,
      approval: rng.chance(0.2) ? rng.pick(GROUPS) : null,
      action: actionName,
      input,
      decision,
      by: decision === "deny" && policy ? [policy.name] : [],
    });
  }
  return {
    name, package: `acme.${name}`, entities, actions, policies, workflows, tests,
    agentsUsed: [...new Set([...policies.flatMap((p) => p.rules.flatMap((r) => r.principals)), ...workflows.map((w) => w.agent), ...tests.map((t) => t.agent)].filter((n) => !n.startsWith("any ") && !n.startsWith("role ")))].sort(),
    tenantsUsed: [...new Set(tests.map((t) => t.tenant))].sort(),
  };
}

function valueFor(rng, field, id) {
  switch (field.kind) {
    case "ref": case "id": return `"${id}"`;
    case "decimal": return money(rng, 2000);
    case "int": return String(rng.int(0, 500));
    case "bool": return rng.chance(0.5) ? "true" : "false";
    case "timestamp": return `timestamp("2025-0${rng.int(1, 9)}-1${rng.int(0, 9)}T0${rng.int(0, 9)}:00:00Z")`;
    case "list": return `["${rng.pick(["vip", "priority", "gdpr"])}", "${rng.pick(["primary", "eu", "team:ops"])}"]`;
    case "enum": return `"${rng.pick(field.values)}"`;
    case "pii": return `"${rng.pick(["jane", "li", "omar"])}@customer.example.org"`;
    default: return `"${rng.pick(["EU-1234", "Quarterly adjustment", "per contract §4.2", "INT-77"])}"`;
  }
}

/**
 * The project as data. `lines` is approximate: modules are added until the rendered
 * project reaches it (the renderer decides, see generateProject).
 */
export function generateModel({ lines = 100_000, seed = "paybill-bench-1" } = {}) {
  const rng = new Rng(`${seed}:platform`);
  const platform = platformModel(rng, Math.max(20, Math.round(lines / 150)));
  return { seed, platform, module: (index) => moduleModel(seed, index, platform) };
}

// ---------------------------------------------------------------------------------------
// Rendering

const pad = (text, width) => (text.length >= width ? `${text} ` : text + " ".repeat(width - text.length));

/** Wraps a long condition at its top-level `&&`, the way people format long rules. */
function wrapCondition(cel, indent) {
  if (cel.length <= 90) return cel;
  const parts = [];
  let depth = 0;
  let quote = false;
  let last = 0;
  for (let i = 0; i < cel.length; i++) {
    const c = cel[i];
    if (c === '"') quote = !quote;
    if (quote) continue;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && cel.startsWith(" && ", i)) {
      parts.push(cel.slice(last, i));
      last = i + 4;
    }
  }
  parts.push(cel.slice(last));
  if (parts.length === 1) return cel;
  return parts.join(`\n${indent}&& `);
}

function header(pkg, imports) {
  const lines = [`package ${pkg}`, ""];
  for (const line of imports) lines.push(line);
  if (imports.length > 0) lines.push("");
  return lines;
}

function importMembers(pkg, members, perLine = 6) {
  if (members.length === 0) return [];
  if (members.length <= perLine) return [`import ${pkg}.{${members.join(", ")}}`];
  const out = [`import ${pkg}.{`];
  for (let i = 0; i < members.length; i += perLine) out.push(`  ${members.slice(i, i + perLine).join(", ")},`);
  out.push("}");
  return out;
}

function renderPlatform(platform) {
  const files = [];
  {
    const out = header("acme.platform", []);
    out.push("// Infrastructure accounts per provider. Regions decide where pooled and bridge cells run.", "");
    for (const c of platform.clouds) {
      out.push(`cloud ${c.provider} ${c.name} {`);
      out.push(`  region  = "${c.region}"`);
      out.push(`  account = "${c.account}"`);
      out.push(`  tags { cost_center = "${c.tags.cost_center}", environment = "${c.tags.environment}" }`);
      out.push("}");
    }
    files.push({ name: "platform/clouds.paybill", text: `${out.join("\n")}\n` });
  }
  {
    const out = header("acme.platform", ["import std.isolation.{silo, pooled, bridge}"]);
    out.push("/*", " * Plans and their entitlements. Prices are list prices; contracts may override them", " * per tenant through the billing integration.", " */");
    for (const p of platform.plans) {
      out.push(`plan ${p.name} {`);
      out.push(`  price     = ${p.price === null ? "custom" : `${p.price} usd per month`}`);
      if (p.trialDays !== null) out.push(`  trial     = ${p.trialDays} days`);
      out.push(`  isolation = ${p.isolation}${p.cloud ? ` on ${p.cloud}` : ""}`);
      const limits = p.limits.map((l) => `${l.name} = ${l.amount}${l.per ? ` per ${l.per}` : ""}`);
      if (limits.length <= 3) out.push(`  limits { ${limits.join(", ")} }`);
      else {
        out.push("  limits {");
        for (const l of limits) out.push(`    ${l}`);
        out.push("  }");
      }
      out.push(`  features  = [${p.features.join(", ")}]`);
      out.push("}", "");
    }
    files.push({ name: "platform/plans.paybill", text: `${out.join("\n")}\n` });
  }
  {
    const out = header("acme.platform", []);
    out.push("// Agents act only inside workflows; roles select them in policies.", "");
    for (const a of platform.agents) {
      if (a.roles.length === 1) out.push(`agent ${a.name} { roles = [${a.roles[0]}] }   // ${a.model}`);
      else {
        out.push(`// ${a.model}, at most ${a.maxSteps} steps a run`);
        out.push(`agent ${a.name} {`);
        out.push(`  roles       = [${a.roles.join(", ")}]`);
        out.push(`  description = "${a.description}"`);
        out.push("}");
      }
    }
    files.push({ name: "platform/agents.paybill", text: `${out.join("\n")}\n` });
  }
  {
    const out = header("acme.platform", ["import std.policies.{tenant_boundary, active_tenants_only}"]);
    out.push("// Guard rails for every domain: the standard library's tenant policies apply project-wide.", "");
    files.push({ name: "platform/policies.paybill", text: `${out.join("\n")}\n` });
  }
  const perFile = 250;
  for (let i = 0; i * perFile < platform.tenants.length; i++) {
    const chunk = platform.tenants.slice(i * perFile, (i + 1) * perFile);
    const out = header("acme.platform", []);
    out.push(`// Static tenants, batch ${i + 1}. Self-service tenants onboard at run time.`, "");
    for (const t of chunk) {
      if (t.cloud === null && !t.suspended) {
        out.push(`tenant ${t.name} { plan = ${t.plan}, region = "${t.region}" }   // ${t.seats} seats`);
      } else {
        if (t.suspended) out.push("// Suspended for non-payment: the runtime refuses its agents' actions.");
        out.push(`tenant ${t.name} {`);
        out.push(`  plan        = ${t.plan}`);
        out.push(`  region      = "${t.region}"`);
        if (t.cloud) out.push(`  cloud       = ${t.cloud}`);
        out.push(`  description = "${t.contact}, billed on day ${t.billingDay}"`);
        out.push("}");
      }
    }
    files.push({ name: `platform/tenants_${String(i + 1).padStart(3, "0")}.paybill`, text: `${out.join("\n")}\n` });
  }
  return files;
}

function renderModule(m) {
  const dir = `domains/${m.name}`;
  const files = [];
  {
    const out = header(m.package, []);
    for (const e of m.entities) {
      if (e.doc) out.push(`/** ${e.doc}. */`);
      for (const note of e.notes) out.push(`// ${note[0].toUpperCase()}${note.slice(1)}.`);
      out.push(`entity ${e.name} ${e.annotations.join(" ")} {`);
      const width = Math.max(...e.fields.map((f) => f.name.length)) + 1;
      const typeWidth = Math.max(...e.fields.map((f) => f.type.length)) + 1;
      for (const f of e.fields) {
        const line = `  ${pad(f.name, width)}${f.annotations.length > 0 ? pad(f.type, typeWidth) + f.annotations.join(" ") : f.type}`;
        const comment = f.comment ?? (f.kind === "pii" ? "masked in exports" : null);
        out.push(comment ? `${line}   // ${comment}` : line);
      }
      out.push("}", "");
    }
    files.push({ name: `${dir}/entities.paybill`, text: `${out.join("\n")}\n` });
  }
  {
    const out = header(m.package, []);
    let current = null;
    for (const a of m.actions) {
      if (a.entity !== current) {
        current = a.entity;
        out.push(`// ---- ${current} ----`, "");
      }
      out.push(`action ${a.name} {`);
      for (const [key, value] of a.attributes) out.push(`  ${key} = ${value}`);
      const fields = a.input.map((f) => `${f.name}: ${f.type}`);
      if (fields.join(", ").length <= 70) out.push(`  input  { ${fields.join(", ")} }`);
      else {
        out.push("  input {");
        for (const f of fields) out.push(`    ${f}`);
        out.push("  }");
      }
      if (a.op !== null) {
        const key = a.keyed ? `(input.${a.input[0].name})` : "";
        if (a.set === null) out.push(`  effect ${a.op} ${a.entity}${key}`);
        else {
          const sets = a.set.map(([k, v]) => `${k} = ${v}`);
          if (sets.join(", ").length <= 60) out.push(`  effect ${a.op} ${a.entity}${key} set { ${sets.join(", ")} }`);
          else {
            out.push(`  effect ${a.op} ${a.entity}${key} set {`);
            for (const s of sets) out.push(`    ${s}`);
            out.push("  }");
          }
        }
      }
      if (a.requires) out.push(`  requires feature ${a.requires}                     // plan entitlement`);
      out.push("}");
    }
    files.push({ name: `${dir}/actions.paybill`, text: `${out.join("\n")}\n` });
  }
  {
    const agents = m.agentsUsed;
    const out = header(m.package, importMembers("acme.platform", agents));
    for (const p of m.policies) {
      const rules = p.rules.map((r) => {
        const head = `${r.effect} ${r.principals.join(", ")} to ${r.targets.join(", ")}`;
        return r.when === null ? head : `${head} when ${wrapCondition(r.when, "      ")}`;
      });
      if (rules.length === 1 && !p.description && !p.severity && rules[0].length + p.name.length < 90 && !rules[0].includes("\n")) {
        out.push(`policy ${p.name} { ${rules[0]} }`);
        continue;
      }
      out.push(`policy ${p.name} {`);
      if (p.description) out.push(`  description = "${p.description}"`);
      if (p.severity) out.push(`  severity    = ${p.severity}`);
      for (const r of rules) out.push(`  ${r}`);
      out.push("}");
    }
    files.push({ name: `${dir}/policies.paybill`, text: `${out.join("\n")}\n` });
  }
  {
    const out = header(m.package, importMembers("acme.platform", [...new Set(m.workflows.map((w) => w.agent))].sort()));
    for (const w of m.workflows) {
      out.push(`workflow ${w.name} {`);
      out.push(`  agent  = ${w.agent}`);
      out.push(`  budget { steps = ${w.budget.steps}, writes = ${w.budget.writes}, deadline = ${w.budget.deadline} }`);
      out.push(`  start ${w.start}`);
      const width = Math.max(...w.states.map((s) => s.name.length)) + 1;
      for (const s of w.states) {
        if (s.final) out.push(`  state ${pad(s.name, width)}{ final }`);
        else if (s.await) {
          out.push(`  state ${pad(s.name, width)}{ await approval from "${s.await}"${s.timeout ? `, timeout = ${s.timeout}` : ""}   next ${s.next.join(", ")} }`);
        } else {
          const line = `  state ${pad(s.name, width)}{ allow ${s.allow.join(", ")}   next ${s.next.join(", ")} }`;
          if (line.length <= 110) out.push(line);
          else {
            out.push(`  state ${s.name} {`);
            out.push(`    allow ${s.allow.join(",\n          ")}`);
            out.push(`    next  ${s.next.join(", ")}`);
            out.push("  }");
          }
        }
      }
      out.push("}", "");
    }
    files.push({ name: `${dir}/workflows.paybill`, text: `${out.join("\n")}\n` });
  }
  {
    const out = header(m.package, [
      ...importMembers("acme.platform", [...new Set(m.tests.map((t) => t.agent))].sort()),
      ...importMembers("acme.platform", m.tenantsUsed, 4),
    ]);
    for (const t of m.tests) {
      out.push(`test "${t.name}" {`);
      out.push(`  as ${t.agent} in ${t.workflow} at ${t.state}, tenant ${t.tenant}`);
      if (t.given) out.push(`  given ${t.entity} { ${t.given.map(([k, v]) => `${k}: ${v}`).join(", ")} }`);
      if (t.approval) out.push(`  given approval from "${t.approval}"`);
      const input = t.input.map(([k, v]) => `${k}: ${v}`);
      if (input.join(", ").length <= 80) out.push(`  do ${t.action} { ${input.join(", ")} }`);
      else {
        out.push(`  do ${t.action} {`);
        for (const field of input) out.push(`    ${field},`);
        out.push("  }");
      }
      out.push(`  expect ${t.decision}${t.by.length > 0 ? ` by ${t.by.join(", ")}` : ""}`);
      out.push("}", "");
    }
    files.push({ name: `${dir}/tests.paybill`, text: `${out.join("\n")}\n` });
  }
  return files;
}

export const countLines = (text) => {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
};

/**
 * A project of about `lines` lines (it stops at the first module that reaches the target,
 * so it overshoots by less than one module, ~0.5%): `[{ name, text }]`, names relative
 * with `/` separators, in a stable order.
 */
export function generateProject({ lines = 100_000, seed = "paybill-bench-1" } = {}) {
  return generateProjectWithModel({ lines, seed }).files;
}

/** Like generateProject, and also returns the model the files were rendered from. */
export function generateProjectWithModel({ lines = 100_000, seed = "paybill-bench-1" } = {}) {
  const model = generateModel({ lines, seed });
  const files = renderPlatform(model.platform);
  let total = files.reduce((sum, f) => sum + countLines(f.text), 0);
  const modules = [];
  for (let i = 0; total < lines; i++) {
    const m = model.module(i);
    modules.push(m);
    for (const f of renderModule(m)) {
      files.push(f);
      total += countLines(f.text);
    }
  }
  return { files, model: { seed, platform: model.platform, modules }, lines: total };
}

/** Writes files under `dir` (created as needed); returns the absolute paths written. */
export function writeProject(dir, files) {
  const root = resolve(dir);
  const written = [];
  for (const file of files) {
    const path = join(root, ...file.name.split("/"));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
    written.push(path);
  }
  return written;
}

// ---------------------------------------------------------------------------------------
// The JSON baseline: the same project as a JSON document, sized to a target byte count.

function jsonDeclarations(model) {
  const decls = [];
  const p = model.platform;
  for (const c of p.clouds) decls.push({ kind: "cloud", package: "acme.platform", ...c });
  for (const plan of p.plans) decls.push({ kind: "plan", package: "acme.platform", ...plan });
  for (const a of p.agents) decls.push({ kind: "agent", package: "acme.platform", ...a });
  for (const t of p.tenants) decls.push({ kind: "tenant", package: "acme.platform", ...t });
  for (const m of model.modules) {
    for (const e of m.entities) {
      decls.push({
        kind: "entity", package: m.package, name: e.name, table: e.table, annotations: e.annotations, doc: e.doc,
        fields: e.fields.map((f) => ({ name: f.name, type: f.type, annotations: f.annotations, optional: Boolean(f.optional) })),
      });
    }
    for (const a of m.actions) {
      decls.push({
        kind: "action", package: m.package, name: a.name, entity: a.entity,
        input: a.input.map((f) => ({ name: f.name, type: f.type })),
        effect: a.op === null ? null : { op: a.op, entity: a.entity, key: a.keyed ? `input.${a.input[0].name}` : null, set: a.set && Object.fromEntries(a.set) },
        requires: a.requires, attributes: Object.fromEntries(a.attributes),
      });
    }
    for (const pol of m.policies) {
      decls.push({
        kind: "policy", package: m.package, name: pol.name, description: pol.description, severity: pol.severity,
        rules: pol.rules.map((r) => ({ effect: r.effect, principals: r.principals, actions: r.targets, when: r.when })),
      });
    }
    for (const w of m.workflows) decls.push({ kind: "workflow", package: m.package, ...w });
    for (const t of m.tests) {
      decls.push({ kind: "test", package: m.package, ...t, given: t.given && Object.fromEntries(t.given), input: Object.fromEntries(t.input) });
    }
  }
  return decls;
}

/**
 * A JSON document describing the model (pretty-printed with two-space indents, as config
 * files are), whose UTF-8 size is within `tolerance` of `targetBytes`: declarations are
 * cycled (renamed) or dropped until it fits. Returns `{ text, bytes, declarations }`.
 */
export function buildJsonDocument(model, targetBytes, tolerance = 0.01) {
  const base = jsonDeclarations(model);
  const declAt = (i) => {
    const d = base[i % base.length];
    const round = Math.floor(i / base.length);
    return round === 0 ? d : { ...d, name: `${d.name}_copy${round}` };
  };
  const render = (count) => {
    const declarations = [];
    for (let i = 0; i < count; i++) declarations.push(declAt(i));
    return JSON.stringify({ project: "acme", seed: model.seed, format: 1, declarations }, null, 2);
  };
  const sizes = base.map((d) => Buffer.byteLength(JSON.stringify(d, null, 2)));
  const average = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  let count = Math.max(1, Math.round(targetBytes / (average * 1.1)));
  for (let attempt = 0; attempt < 30; attempt++) {
    const text = render(count);
    const bytes = Buffer.byteLength(text);
    const error = (bytes - targetBytes) / targetBytes;
    if (Math.abs(error) <= tolerance) return { text, bytes, declarations: count };
    const perDecl = bytes / count;
    const step = Math.round((targetBytes - bytes) / perDecl);
    count = Math.max(1, count + (step === 0 ? Math.sign(targetBytes - bytes) : step));
  }
  throw new Error(`could not size a JSON document to ${targetBytes} bytes ±${tolerance * 100}%`);
}

// ---------------------------------------------------------------------------------------
// CLI: node bench/generate.mjs <dir> [lines]

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, linesArg] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node bench/generate.mjs <dir> [lines]   (lines defaults to 100000)");
    process.exit(2);
  }
  const lines = linesArg === undefined ? 100_000 : Number(linesArg.replace(/[_,]/g, ""));
  if (!Number.isInteger(lines) || lines <= 0) {
    console.error(`lines must be a positive integer, got ${linesArg}`);
    process.exit(2);
  }
  const { files, lines: total } = generateProjectWithModel({ lines });
  writeProject(dir, files);
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0);
  console.log(`wrote ${files.length} files, ${total.toLocaleString("en-US")} lines, ${(bytes / 1e6).toFixed(2)} MB to ${resolve(dir)}`);
}

/**
 * Lookups in the database (runs/lookups.ts, spec/runtime.md §Lookups), on PGlite and on
 * PostgreSQL as the tests' non-superuser login under row-level security: a lookup whose
 * values the request alone gives rides with BEGIN (an act with one costs exactly the
 * statements of an act without), one reading the tenant's facts costs one statement more;
 * typed literals (a uuid, an int) find their rows and a value the column cannot hold is
 * false; another tenant's row is never found, and row-level security alone keeps it out
 * when the lookup's `tenant_id` test is taken away.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import type { ActionSchema, Bundle, FieldSchema, FieldType, PolicySpec, RuleSpec } from "../src/bundle/format.js";
import { Decider } from "../src/decide/decider.js";
import { readsTenantFacts } from "../src/decide/lookups.js";
import { openingLookups } from "../src/runs/lookups.js";
import type { Database, Row, Sql } from "../src/store/adapter.js";
import { asRole, bindTo } from "../src/store/role-database.js";
import { RUNTIME_ROLE } from "../src/store/roles.js";
import { storeBundle } from "./support/store-bundle.js";
import { BACKENDS, newTenant, sharedTestRuntime } from "./support/store-db.js";

function f(name: string, type: FieldType): FieldSchema {
  return { name, type, optional: false, pii: false };
}

function action(name: string, input: FieldSchema[]): ActionSchema {
  return { name, input, requires: [] };
}

function permit(id: string, on: string, cel: string, lookups?: RuleSpec["lookups"]): PolicySpec {
  const rule: RuleSpec = {
    id: `${id}#0`,
    effect: "permit",
    agents: ["support_bot"],
    actions: [{ kind: "action", action: on }],
    when: { cel, types: { input: `action:${on}`, resource: "none" } },
    ...(lookups === undefined ? {} : { lookups }),
  };
  return { name: id, rules: [rule] };
}

/** The store bundle with actions whose permits look up customers, tickets and labels. */
function lookupBundle(): Bundle {
  const { hash: _, ...base } = storeBundle();
  const actions: ActionSchema[] = [
    action("pay", [f("email", { kind: "string", max: 200 }), f("amount", { kind: "decimal" })]),
    action("pay_plain", [f("email", { kind: "string", max: 200 }), f("amount", { kind: "decimal" })]),
    action("pay_ticket", [f("ticket", { kind: "string", max: 100 })]),
    action("pay_plan_label", [f("color", { kind: "string", max: 20 })]),
  ];
  const policies: PolicySpec[] = [
    permit("pay_known", "pay", 'lookups["pay_known#0/0"] && input.amount <= 100.0', [{ entity: "Customer", where: [{ field: "email", value: "input.email" }] }]),
    permit("pay_any", "pay_plain", "input.amount <= 100.0"),
    permit("pay_ticket_known", "pay_ticket", 'lookups["pay_ticket_known#0/0"]', [{ entity: "Ticket", where: [{ field: "id", value: "input.ticket" }] }]),
    // Reads the tenant's plan, which only the database knows: asked after the opening.
    permit("pay_plan", "pay_plan_label", 'lookups["pay_plan#0/0"]', [
      {
        entity: "Label",
        where: [
          { field: "name", value: "tenant.plan" },
          { field: "color", value: "input.color" },
        ],
      },
    ]),
  ];
  const body = {
    ...base,
    actions: Object.fromEntries([...Object.values(base.actions), ...actions].sort((a, b) => (a.name < b.name ? -1 : 1)).map((a) => [a.name, a])),
    policies: [...base.policies, ...policies],
  };
  return { ...body, hash: bundleHash(body) };
}

/** What the runtime's transactions send: per transaction, the opening and each statement of the body. */
interface Sent {
  opening?: string;
  statements: string[];
}

/** Counts what goes through `database.transaction` (every runtime transaction does) until `stop`. */
function recording(database: Database): { sent: Sent[]; stop(): void } {
  const sent: Sent[] = [];
  const original = database.transaction.bind(database);
  const mutable = database as { transaction: Database["transaction"] };
  mutable.transaction = (body, options) => {
    // What rides with BEGIN: the opening statement, or the prepared one executed with its arguments.
    const prepared = options?.prepared === undefined ? undefined : `${options.prepared.sql} -- (${options.prepared.args.join(", ")})`;
    const opening = [options?.opening, prepared].filter((s) => s !== undefined).join("; ");
    const one: Sent = { ...(opening === "" ? {} : { opening }), statements: [] };
    sent.push(one);
    return original((tx, opened) => {
      const counted: Sql = {
        query: <T extends Row = Row>(text: string, params?: readonly unknown[], queryOptions?: Parameters<Sql["query"]>[2]) => {
          one.statements.push(text);
          return tx.query<T>(text, params, queryOptions);
        },
        exec: (script: string) => {
          one.statements.push(script);
          return tx.exec(script);
        },
      };
      return body(counted, opened);
    }, options);
  };
  return { sent, stop: () => delete (mutable as { transaction?: unknown }).transaction };
}

async function addCustomer(admin: Database, tenant: string, email: string): Promise<void> {
  await admin.query("insert into customers (tenant_id, id, email, name) values ($1, $2, $3, $4)", [tenant, randomUUID(), email, "C"]);
}

describe("which lookups ride with BEGIN", () => {
  it("a value reading a tenant fact but the id waits for the facts; one reading only the request does not", () => {
    for (const value of ["input.recipient", "tenant.id", 'tenant . id + ":" + input.x', "input.tenant.id", "principal.name", '"x"']) expect(readsTenantFacts(value), value).toBe(false);
    // Conservative: any other `tenant`, even in a string or as another value's member, counts.
    for (const value of ["tenant.plan", "tenant.features[0]", "tenant.identity", 'tenant["id"]', "tenant", '"tenant"', "input.tenant"]) expect(readsTenantFacts(value), value).toBe(true);
  });
});

describe.each(BACKENDS)("lookups on %s", (backend) => {
  const t = sharedTestRuntime(backend, "lookups", lookupBundle());
  /** A first act, which starts the tenant's audit chain (a statement of its own, once per tenant). */
  const warm = (tenant: string) => t.runtime.act({ tenant, agent: "support_bot", action: "pay_plain", input: { email: "w@example.com", amount: 1 } });
  const pay = (tenant: string, email: string, amount = 10) => t.runtime.act({ tenant, agent: "support_bot", action: "pay", input: { email, amount } });

  it("allows a customer of the tenant, denies an unknown one and another tenant's, in act and decide", async () => {
    const a = await newTenant(t.runtime);
    const b = await newTenant(t.runtime);
    await addCustomer(t.admin, a, "ada@example.com");
    await addCustomer(t.admin, b, "bob@example.com");
    expect((await pay(a, "ada@example.com")).decision).toBe("allow");
    expect((await pay(a, "ada@example.com", 500)).decision).toBe("deny");
    expect((await pay(a, "eve@example.com")).decision).toBe("deny");
    expect((await pay(a, "bob@example.com")).decision).toBe("deny");
    expect((await pay(b, "bob@example.com")).decision).toBe("allow");
    // A quote in the value is a literal's content, not SQL.
    expect((await pay(a, "o'brien@example.com")).decision).toBe("deny");
    await addCustomer(t.admin, a, "o'brien@example.com");
    expect((await pay(a, "o'brien@example.com")).decision).toBe("allow");
    const decide = (email: string) => t.runtime.decide({ tenant: a, agent: "support_bot", action: "pay", input: { email, amount: 1 } });
    expect((await decide("ada@example.com")).decision).toBe("allow");
    expect((await decide("bob@example.com")).decision).toBe("deny");
  });

  it("a foldable lookup rides with BEGIN: an act with it sends exactly the statements of an act without", async () => {
    const a = await newTenant(t.runtime);
    await addCustomer(t.admin, a, "ada@example.com");
    await warm(a);
    const record = recording(t.runtime.database);
    try {
      expect((await pay(a, "ada@example.com")).decision).toBe("allow");
      expect((await t.runtime.act({ tenant: a, agent: "support_bot", action: "pay_plain", input: { email: "ada@example.com", amount: 10 } })).decision).toBe("allow");
    } finally {
      record.stop();
    }
    const [withLookup, without] = record.sent;
    expect(record.sent).toHaveLength(2);
    // The lookup is a column of the opening statement, and no statement of the body asks it.
    expect(withLookup?.opening).toMatch(/exists\(select 1 from "customers" l where l\.tenant_id = t\.id and l\."email" = 'ada@example\.com'::text\)/);
    expect(without?.opening).not.toMatch(/exists\(/);
    expect(withLookup?.statements.some((s) => s.includes("exists(select 1"))).toBe(false);
    expect(withLookup?.statements).toHaveLength(without?.statements.length ?? -1);
  });

  it("a lookup reading the tenant's facts costs one statement more, and is answered", async () => {
    const a = await newTenant(t.runtime, "business");
    await t.admin.query("insert into labels (tenant_id, name, color) values ($1, 'business', 'red')", [a]);
    const label = (color: string) => t.runtime.act({ tenant: a, agent: "support_bot", action: "pay_plan_label", input: { color } });
    await warm(a);
    const record = recording(t.runtime.database);
    try {
      expect((await label("red")).decision).toBe("allow");
      expect((await t.runtime.act({ tenant: a, agent: "support_bot", action: "pay_plain", input: { email: "x@example.com", amount: 1 } })).decision).toBe("allow");
    } finally {
      record.stop();
    }
    const [withLookup, without] = record.sent;
    expect(withLookup?.opening).not.toMatch(/exists\(/);
    expect(withLookup?.statements.filter((s) => s.includes("exists(select 1"))).toHaveLength(1);
    expect(withLookup?.statements).toHaveLength((without?.statements.length ?? -2) + 1);
    expect((await label("blue")).decision).toBe("deny");
  });

  it("a uuid value is a typed literal; a value the column cannot hold is false, unasked", async () => {
    const a = await newTenant(t.runtime);
    const ticket = randomUUID();
    await t.admin.query("insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, $2, 'c', 'c@example.com', 'open', 1)", [a, ticket]);
    const payTicket = (id: string) => t.runtime.act({ tenant: a, agent: "support_bot", action: "pay_ticket", input: { ticket: id } });
    expect((await payTicket(ticket)).decision).toBe("allow");
    expect((await payTicket(ticket.toUpperCase())).decision).toBe("allow");
    expect((await payTicket(randomUUID())).decision).toBe("deny");
    const record = recording(t.runtime.database);
    try {
      expect((await payTicket("not-a-uuid")).decision).toBe("deny");
    } finally {
      record.stop();
    }
    expect(record.sent[0]?.opening).not.toMatch(/exists\(/);
    expect(record.sent[0]?.statements.some((s) => s.includes("exists(select 1"))).toBe(false);
  });

  it("row-level security alone keeps another tenant's row out of the lookup's own SQL, its tenant filter taken away", async () => {
    const a = await newTenant(t.runtime);
    const b = await newTenant(t.runtime);
    await addCustomer(t.admin, b, "bob@example.com");
    const bundle = t.runtime.bundle;
    const queries = new Decider(bundle).foldedLookups({ agent: "support_bot", action: "pay", input: { email: "bob@example.com", amount: 1 }, tenant: a });
    const column = openingLookups(bundle, queries)?.columns[0] ?? "";
    expect(column).toContain("l.tenant_id = t.id and ");
    const unfiltered = `select ${column.replace("l.tenant_id = t.id and ", "")}`;
    // Outside row-level security the unfiltered statement finds B's row: the test can fail.
    const [seen] = await t.admin.query<Row>(unfiltered);
    expect(seen?.["lookup_0"]).toBe(true);
    // As the runtime role bound to A, it does not.
    const [hidden] = await asRole(t.runtime.database, RUNTIME_ROLE, bindTo(a)).query<Row>(unfiltered);
    expect(hidden?.["lookup_0"]).toBe(false);
    const [own] = await asRole(t.runtime.database, RUNTIME_ROLE, bindTo(b)).query<Row>(unfiltered);
    expect(own?.["lookup_0"]).toBe(true);
  });
});

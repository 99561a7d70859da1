/**
 * Least privilege and row-level security in force (spec/database.md, "Roles"): the runtime
 * runs every call as `paybill_runtime` or `paybill_control`; with the runtime's own tenant
 * filter taken away, row-level security alone keeps every other tenant's rows out of reach,
 * on the entity tables and on every `paybill_*` table; the empty tenant binds nothing; the
 * audit cannot be changed by the runtime's roles; a revoked grant is a PBR error naming it.
 * On PostgreSQL, an unsafe connecting role is refused at open unless declared privileged.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryAudit } from "../src/audit/query.js";
import { verifyAudit } from "../src/audit/verify.js";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { listApprovals } from "../src/runs/approvals.js";
import { getRun } from "../src/runs/runs.js";
import type { Database } from "../src/store/adapter.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { migrate } from "../src/store/migrate.js";
import { LATEST_VERSION, MIGRATIONS } from "../src/store/migrations.js";
import { openDatabase } from "../src/store/open-database.js";
import { asRole, bindTo } from "../src/store/role-database.js";
import { CONTROL_ROLE, RUNTIME_ROLE, type RuntimeRole } from "../src/store/roles.js";
import { getTenant } from "../src/store/tenants.js";
import { controlBundle, freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS, loginUrl, openAdmin, PG_URL, seedTicket, testSchema } from "./support/store-db.js";

/** The control plane's own tables: the runtime role has no grant on them at all. */
const CONTROL_TABLES = ["paybill_tenant_transitions", "paybill_billing_events", "paybill_provisioning_steps", "paybill_usage"];
const RUNTIME_TABLES = (): string[] => TENANT_TABLES.filter((table) => !CONTROL_TABLES.includes(table));

/** The tables holding a `tenant_id`: every entity table and every `paybill_*` table but the registry, the run history and the migrations. */
const TENANT_TABLES = [
  "tickets",
  "customers",
  "labels",
  "paybill_runs",
  "paybill_approvals",
  "paybill_quota_counters",
  "paybill_audit_heads",
  "paybill_audit",
  ...CONTROL_TABLES,
];

interface Populated {
  readonly tenant: string;
  readonly ticket: string;
  readonly run: string;
  readonly approval: string;
}

/** A tenant with rows in every table: onboarded, provisioned, acting in a run, waiting for an approval, with usage and a billing event. */
async function populate(runtime: Runtime): Promise<Populated> {
  const tenant = freshId("rls");
  await runtime.tenants.onboard({ id: tenant, plan: "business" });
  await runtime.tenants.provision(tenant, new RecordingProvisioner());
  const opened = await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "ada@example.com", amount: 250 } });
  const ticket = String(opened.result?.["id"]);
  await runtime.act({ tenant, agent: "support_bot", action: "add_customer", input: { name: "Ada", email: "ada@example.com" } });
  await runtime.act({ tenant, agent: "support_bot", action: "add_label", input: { name: "urgent", color: "red" } });
  const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant });
  await runtime.runs.next(run.id, "escalate");
  const pending = await runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
  await runtime.usage.record({ tenant, metric: "seats", quantity: 3, at: new Date().toISOString() });
  await runtime.billing.event({ id: freshId("evt"), type: "payment_succeeded", tenant, at: new Date().toISOString() });
  return { tenant, ticket, run: run.id, approval: pending.approvalId ?? "" };
}

describe.each(BACKENDS)("row-level security on %s", (backend) => {
  const t = sharedControlRuntime(backend, "roles");
  let a: Populated;
  let b: string;
  /** The runtime role bound to tenant `b` (or to the tenant given). */
  const runtimeAs = (tenant: string): Database => asRole(t.runtime.database, RUNTIME_ROLE, bindTo(tenant));

  beforeAll(async () => {
    a = await populate(t.runtime);
    b = freshId("rls");
    await t.runtime.tenants.onboard({ id: b, plan: "business" });
    await t.runtime.tenants.provision(b, new RecordingProvisioner());
    await seedTicket(t.runtime, b);
  });

  it("the first tenant has rows in every table (what the tests below must not reach)", async () => {
    for (const table of TENANT_TABLES) {
      const [row] = await t.admin.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [a.tenant]);
      expect({ table, some: Number(row?.n) > 0 }).toEqual({ table, some: true });
    }
    const [moves] = await t.admin.query<{ n: number }>("select count(*)::int as n from paybill_run_history where run_id = $1", [a.run]);
    expect(Number(moves?.n)).toBeGreaterThan(0);
  });

  it("every runtime table but the migrations' has row-level security enabled and forced", async () => {
    const rows = await t.admin.query<{ relname: string; on: boolean; forced: boolean }>(
      "select relname, relrowsecurity as on, relforcerowsecurity as forced from pg_class where relnamespace = current_schema()::regnamespace and relkind = 'r' and relname like 'paybill\\_%' order by relname",
    );
    expect(rows.filter((r) => !(r.on && r.forced)).map((r) => r.relname)).toEqual(["paybill_migrations"]);
  });

  it("with no tenant filter at all, the runtime role bound to another tenant reads none of its rows", async () => {
    const db = runtimeAs(b);
    for (const table of CONTROL_TABLES) {
      expect({ table, code: ((await db.query(`select tenant_id from ${table}`).catch((e: unknown) => e)) as { code?: unknown }).code }).toEqual({ table, code: "PBR153" });
    }
    for (const table of RUNTIME_TABLES()) {
      const rows = await db.query<{ tenant_id: string }>(`select tenant_id from ${table}`);
      expect({ table, tenants: [...new Set(rows.map((r) => r.tenant_id))].filter((x) => x !== b) }).toEqual({ table, tenants: [] });
    }
    expect((await db.query<{ id: string }>("select id from paybill_tenants")).map((r) => r.id)).toEqual([b]);
    expect(await db.query("select run_id from paybill_run_history where run_id = $1", [a.run])).toEqual([]);
  });

  it("the runtime's own queries, asked for the first tenant while bound to another, find nothing", async () => {
    const db = runtimeAs(b);
    expect(await queryAudit(db, { tenant: a.tenant })).toEqual([]);
    expect(await getRun(db, a.run)).toBeUndefined();
    expect(await listApprovals(db, { tenant: a.tenant })).toEqual([]);
    expect(await getTenant(db, a.tenant)).toBeUndefined();
    expect(await db.transaction((tx) => verifyAudit(tx, a.tenant))).toMatchObject({ ok: true, records: 0 });
    // Bound to the first tenant, the same calls do find its rows.
    expect((await queryAudit(runtimeAs(a.tenant), { tenant: a.tenant })).length).toBeGreaterThan(0);
  });

  it("with no tenant filter, the runtime role bound to another tenant changes none of its rows", async () => {
    const db = runtimeAs(b);
    for (const table of ["tickets", "paybill_runs", "paybill_approvals", "paybill_quota_counters", "paybill_audit_heads"]) {
      const rows = await db.query<{ tenant_id: string }>(`update ${table} set tenant_id = tenant_id returning tenant_id`);
      expect({ table, tenants: rows.map((r) => r.tenant_id).filter((x) => x !== b) }).toEqual({ table, tenants: [] });
    }
    expect((await db.query<{ tenant_id: string }>("delete from labels returning tenant_id")).filter((r) => r.tenant_id !== b)).toEqual([]);
    const [left] = await t.admin.query<{ status: string }>("select status from tickets where id = $1", [a.ticket]);
    expect(left?.status).toBe("open");
  });

  it("a write for another tenant than the bound one is refused (PBR154), on entity and runtime tables", async () => {
    const db = runtimeAs(b);
    const writes: [string, string, unknown[]][] = [
      ["tickets", "insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, gen_random_uuid(), 'x', 'x', 'open', 1)", [a.tenant]],
      ["paybill_runs", "insert into paybill_runs (id, tenant_id, workflow, agent, state, started_at, updated_at) values (gen_random_uuid(), $1, 'w', 'a', 's', now(), now())", [a.tenant]],
      [
        "paybill_approvals",
        "insert into paybill_approvals (id, tenant_id, agent, action, input, approval_group, status, requested_at, request_audit_id) values (gen_random_uuid(), $1, 'a', 'x', '{}', 'g', 'pending', now(), gen_random_uuid())",
        [a.tenant],
      ],
      ["paybill_quota_counters", "insert into paybill_quota_counters (tenant_id, quota, period, used) values ($1, 'q', 'p', 1)", [a.tenant]],
      ["paybill_audit_heads", "insert into paybill_audit_heads (tenant_id, seq, hash) values ($1, 1, 'h')", [`${a.tenant}-x`]],
      [
        "paybill_audit",
        "insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, prev_hash, hash) values ($1, 999999, gen_random_uuid(), now(), 'a', 'x', '{}', 'allow', '[]', 'p', 'h')",
        [a.tenant],
      ],
      ["paybill_run_history", "insert into paybill_run_history (run_id, seq, to_state, at) values ($1, 999, 's', now())", [a.run]],
    ];
    for (const [table, sql, params] of writes) {
      const error = await db.query(sql, params).catch((e: unknown) => e);
      expect({ table, code: (error as { code?: unknown }).code }).toEqual({ table, code: "PBR154" });
    }
  });

  it("the empty tenant can neither read nor write", async () => {
    const db = runtimeAs("");
    for (const table of RUNTIME_TABLES()) expect({ table, rows: await db.query(`select tenant_id from ${table}`) }).toEqual({ table, rows: [] });
    expect(await db.query("select id from paybill_tenants")).toEqual([]);
    expect(await db.query("select run_id from paybill_run_history")).toEqual([]);
    const ticket = await db
      .query("insert into tickets (tenant_id, id, customer, email, status, amount) values ('', gen_random_uuid(), 'x', 'x', 'open', 1)")
      .catch((e: unknown) => e);
    expect(ticket).toMatchObject({ code: "PBR154" });
    const record = await db
      .query("insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, prev_hash, hash) values ('', 1, gen_random_uuid(), now(), 'a', 'x', '{}', 'allow', '[]', 'p', 'h')")
      .catch((e: unknown) => e);
    expect(record).toMatchObject({ code: "PBR154" });
  });

  it("neither runtime role may update, delete or truncate the audit, nor disable its trigger", async () => {
    for (const role of [RUNTIME_ROLE, CONTROL_ROLE] satisfies RuntimeRole[]) {
      const db = asRole(t.runtime.database, role, bindTo(a.tenant));
      for (const sql of [
        "update paybill_audit set decision = 'allow'",
        "delete from paybill_audit",
        "truncate paybill_audit",
        "alter table paybill_audit disable trigger paybill_audit_no_change",
        "alter table paybill_audit disable row level security",
      ]) {
        const error = await db.query(sql).catch((e: unknown) => e);
        expect({ role, sql, code: (error as { code?: unknown }).code }).toEqual({ role, sql, code: "PBR153" });
      }
    }
    const [row] = await t.admin.query<{ n: number }>("select count(*)::int as n from paybill_audit where tenant_id = $1", [a.tenant]);
    expect(Number(row?.n)).toBeGreaterThan(0);
  });

  it("the control role reads every tenant's runtime rows and no entity table", async () => {
    const db = asRole(t.runtime.database, CONTROL_ROLE);
    const tenants = (await db.query<{ tenant_id: string }>("select tenant_id from paybill_audit where tenant_id in ($1, $2)", [a.tenant, b])).map((r) => r.tenant_id);
    expect(new Set(tenants)).toEqual(new Set([a.tenant, b]));
    await expect(db.query("select * from tickets")).rejects.toMatchObject({ code: "PBR153", message: "the role `paybill_control` lacks a privilege on the table `tickets`" });
  });

  it("every call of the runtime runs as one of its roles, never as the connecting role", async () => {
    await t.admin.exec(`
      create table if not exists role_seen (tbl text, who text);
      grant insert on role_seen to ${RUNTIME_ROLE}, ${CONTROL_ROLE};
      create or replace function role_seen() returns trigger language plpgsql as $$
      begin insert into role_seen values (tg_table_name, current_user); return new; end $$;
      create trigger role_seen after insert on tickets for each row execute function role_seen();
      create trigger role_seen after insert on paybill_runs for each row execute function role_seen();
      create trigger role_seen after insert on paybill_tenant_transitions for each row execute function role_seen();
    `);
    try {
      const tenant = freshId("who");
      await t.runtime.tenants.onboard({ id: tenant, plan: "business" });
      await t.runtime.tenants.provision(tenant, new RecordingProvisioner());
      await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "a@b.c", amount: 1 } });
      await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
      const seen = await t.admin.query<{ tbl: string; who: string }>("select distinct tbl, who from role_seen order by tbl");
      expect(seen).toEqual([
        { tbl: "paybill_runs", who: RUNTIME_ROLE },
        { tbl: "paybill_tenant_transitions", who: CONTROL_ROLE },
        { tbl: "tickets", who: RUNTIME_ROLE },
      ]);
    } finally {
      await t.admin.exec(`
        drop trigger if exists role_seen on tickets;
        drop trigger if exists role_seen on paybill_runs;
        drop trigger if exists role_seen on paybill_tenant_transitions;
        drop table if exists role_seen;
      `);
    }
  });

  it("a revoked grant is a PBR error naming the grant, not PostgreSQL's message", async () => {
    const tenant = freshId("grant");
    await t.runtime.tenants.onboard({ id: tenant, plan: "business" });
    await t.runtime.tenants.provision(tenant, new RecordingProvisioner());
    await t.admin.exec(`revoke insert on paybill_audit from ${RUNTIME_ROLE}`);
    try {
      const error = await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "a@b.c", amount: 1 } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "PBR153", message: "the role `paybill_runtime` lacks a privilege on the table `paybill_audit`" });
      expect((error as { help: string }).help).toContain("`GRANT SELECT, INSERT ON paybill_audit TO paybill_runtime`");
    } finally {
      await t.admin.exec(`grant insert on paybill_audit to ${RUNTIME_ROLE}`);
    }
    await t.admin.exec(`revoke select on tickets from ${RUNTIME_ROLE}`);
    try {
      const error = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket: randomUUID() } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "PBR153", message: "the role `paybill_runtime` lacks a privilege on the table `tickets`" });
      expect((error as { help: string }).help).toContain("`GRANT SELECT, INSERT, UPDATE, DELETE ON tickets TO paybill_runtime`");
    } finally {
      await t.admin.exec(`grant select on tickets to ${RUNTIME_ROLE}`);
    }
  });
});

/** Login roles for the refusal tests, created once for the cluster (test files may race: a lost race is no error). */
async function loginRole(admin: Database, name: string, attributes: string, member: boolean): Promise<string> {
  await admin.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`paybill.test.${name}`]);
    await tx.exec(`DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} LOGIN ${attributes}; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$`);
    await tx.exec(member ? `GRANT ${RUNTIME_ROLE}, ${CONTROL_ROLE} TO ${name}` : `REVOKE ${RUNTIME_ROLE}, ${CONTROL_ROLE} FROM ${name}`);
  });
  return name;
}

describe.runIf(PG_URL !== undefined && PG_URL !== "")("opening on PostgreSQL checks the connecting role", () => {
  const url = PG_URL as string;
  const schema = testSchema("roles_open");
  const bundle = controlBundle();
  let admin: Database;
  const open = (role: string | undefined, extra: { privileged?: boolean } = {}) =>
    openRuntime({ bundle, database: { url: role === undefined ? url : loginUrl(url, role), schema, max: 2, ...extra } });
  const refusal = async (role: string | undefined): Promise<unknown> => {
    const opened = await open(role).catch((e: unknown) => e);
    if (opened instanceof Error) return opened;
    await (opened as Runtime).close();
    return undefined;
  };

  beforeAll(async () => {
    admin = await openAdmin(url, schema);
    await admin.exec(entityTablesSql(bundle));
  });
  afterAll(async () => {
    await admin.exec(`drop schema if exists "${schema}" cascade`);
    await admin.close();
  });

  it("refuses a superuser with PBR150 and a help line; `privileged: true` opens it", async () => {
    const error = await refusal(undefined);
    expect(error).toMatchObject({ code: "PBR150", message: "the runtime refuses to run as `postgres`: it is a superuser, which bypasses row-level security" });
    expect((error as { help: string }).help).toContain("privileged: true");
    const runtime = await open(undefined, { privileged: true });
    try {
      expect(await runtime.tenants.get("acme")).toMatchObject({ id: "acme" });
    } finally {
      await runtime.close();
    }
  });

  it("refuses a BYPASSRLS role, a table's owner and a role that may create in the schema", async () => {
    // Not a member: a BYPASSRLS member of the runtime role would fail `paybillc migrate`'s audit for every database of the cluster.
    const bypass = await loginRole(admin, "paybill_test_bypass", "NOSUPERUSER BYPASSRLS", false);
    expect(await refusal(bypass)).toMatchObject({ code: "PBR150", message: "the runtime refuses to run as `paybill_test_bypass`: it has BYPASSRLS, which bypasses row-level security" });
    const owner = await loginRole(admin, "paybill_test_owner", "NOSUPERUSER NOBYPASSRLS", true);
    await admin.exec(`alter table tickets owner to ${owner}`);
    try {
      expect(await refusal(owner)).toMatchObject({ code: "PBR150", message: "the runtime refuses to run as `paybill_test_owner`: it owns `tickets`, and an owner can turn row-level security off" });
    } finally {
      await admin.exec("alter table tickets owner to postgres");
    }
    await admin.exec(`grant create on schema "${schema}" to ${owner}`);
    try {
      expect(await refusal(owner)).toMatchObject({ code: "PBR150", message: `the runtime refuses to run as \`paybill_test_owner\`: it may create objects in the schema \`${schema}\`` });
    } finally {
      await admin.exec(`revoke create on schema "${schema}" from ${owner}`);
    }
  });

  it("refuses a role that is not a member of the runtime's roles (PBR151)", async () => {
    const outsider = await loginRole(admin, "paybill_test_outsider", "NOSUPERUSER NOBYPASSRLS", false);
    const error = await refusal(outsider);
    expect(error).toMatchObject({ code: "PBR151", message: "the connecting role `paybill_test_outsider` is not a member of `paybill_runtime` and `paybill_control`" });
    expect((error as { help: string }).help).toContain("GRANT paybill_runtime, paybill_control TO paybill_test_outsider");
  });

  it("opens with a member login role, which then acts under row-level security", async () => {
    const runtime = await open("paybill_test_login");
    try {
      const tenant = freshId("login");
      await runtime.tenants.onboard({ id: tenant, plan: "business" });
      await runtime.tenants.provision(tenant, new RecordingProvisioner());
      const out = await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "a@b.c", amount: 1 } });
      expect(out.decision).toBe("allow");
      expect(await runtime.audit.verify(tenant)).toMatchObject({ ok: true });
      // Its own connection, unbound, sees no tenant's tickets.
      expect(await runtime.database.query("select * from tickets")).toEqual([]);
    } finally {
      await runtime.close();
    }
  });

  it("refuses a database whose runtime tables are missing or behind, naming `paybillc migrate` (PBR152)", async () => {
    const empty = testSchema("roles_empty");
    const setup = await openDatabase({ url, schema: empty, privileged: true, max: 1 });
    try {
      await setup.exec(`grant usage on schema "${empty}" to ${RUNTIME_ROLE}, ${CONTROL_ROLE}`);
      const missing = await openRuntime({ bundle, database: { url: loginUrl(url), schema: empty, max: 1 } }).catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: "PBR152", message: `the runtime's tables are not in the schema \`${empty}\`` });
      expect((missing as { help: string }).help).toContain("paybillc migrate");
      await migrate(setup);
      const previous = Math.max(...MIGRATIONS.map((m) => m.version).filter((v) => v < LATEST_VERSION));
      await setup.query("delete from paybill_migrations where version = $1", [LATEST_VERSION]);
      const behind = await openRuntime({ bundle, database: { url: loginUrl(url), schema: empty, max: 1 } }).catch((e: unknown) => e);
      expect(behind).toMatchObject({ code: "PBR152", message: `the runtime's tables in the schema \`${empty}\` are at version ${previous}, behind this runtime's ${LATEST_VERSION}` });
    } finally {
      await setup.exec(`drop schema if exists "${empty}" cascade`);
      await setup.close();
    }
  });
});

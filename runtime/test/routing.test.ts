/**
 * Tenant routing (runtime/src/routing/, spec/runtime.md §Tenant routing): one router sends a
 * pooled, two bridge and a silo tenant each to its placement — the pooled database, its
 * schema in the cell's server, its own database — on PGlite (a data directory per server)
 * and on PostgreSQL when PAYBILL_TEST_DATABASE_URL is set (databases made by the test with
 * unique names, dropped at the end). Rows written through each tenant's connection land
 * there and nowhere else, and a transaction bound to one bridge tenant cannot write into
 * another's schema, even by a qualified name: the schema's guard refuses it, as dropping
 * the guard shows.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { PlanSpec } from "../src/bundle/format.js";
import type { Tenant } from "../src/control/types.js";
import { bridgeSchema, databasesFollow, type DatabaseTarget, migratePlacement, resolvePlacement, SCHEMA_TENANT_POLICY, TenantRouter } from "../src/routing/index.js";
import type { Database } from "../src/store/adapter.js";
import { migrate } from "../src/store/migrate.js";
import { openDatabase } from "../src/store/open-database.js";
import { CONTROL_ROLE, RUNTIME_ROLE } from "../src/store/roles.js";
import { isSchemaName, literal } from "../src/store/sql.js";
import { BACKENDS, PG_URL } from "./support/store-db.js";

const plan = (name: string, model: string): PlanSpec => ({ name, isolation: { model }, limits: {}, features: [] });
const bundle = { plans: { free: plan("free", "pooled"), business: plan("business", "bridge"), enterprise: plan("enterprise", "silo"), odd: plan("odd", "hybrid") } };
const tenant = (id: string, planName: string, outputs?: Record<string, unknown>): Tenant => ({
  id,
  plan: planName,
  state: "active",
  static: false,
  createdAt: "2026-12-01T00:00:00Z",
  updatedAt: "2026-12-01T00:00:00Z",
  ...(outputs === undefined ? {} : { outputs }),
});

interface Servers {
  pooled: DatabaseTarget;
  cell: DatabaseTarget;
  silo: DatabaseTarget;
  /** Outputs the provisioner would have recorded for the cell's and the silo's databases. */
  cellOutputs: Record<string, unknown>;
  siloOutputs: Record<string, unknown>;
  cleanup(): Promise<void>;
}

async function pgliteServers(): Promise<Servers> {
  const root = mkdtempSync(join(tmpdir(), "paybill-routing-"));
  const dir = (name: string) => join(root, name);
  return {
    pooled: { dataDir: dir("pooled") },
    cell: { dataDir: dir("cell") },
    silo: { dataDir: dir("silo") },
    cellOutputs: { database_dir: dir("cell") },
    siloOutputs: { database_dir: dir("silo") },
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
}

async function postgresServers(url: string): Promise<Servers> {
  const admin = await openDatabase({ url, privileged: true, max: 1 });
  const tag = `${process.pid}_${randomUUID().slice(0, 8)}`;
  const names = { pooled: `paybill_rt_pooled_${tag}`, cell: `paybill_rt_cell_${tag}`, silo: `paybill_rt_silo_${tag}` };
  for (const name of Object.values(names)) await admin.exec(`create database ${name}`);
  const at = (name: string) => {
    const parsed = new URL(url);
    parsed.pathname = `/${name}`;
    return parsed.toString();
  };
  const parsed = new URL(url);
  return {
    pooled: { url: at(names.pooled) },
    cell: { url: at(names.cell) },
    silo: { url: at(names.silo) },
    cellOutputs: { database_url: at(names.cell) },
    // As the stacks output it: host:port, with the database and user beside it.
    siloOutputs: { database_endpoint: parsed.host, database_name: names.silo, database_user: decodeURIComponent(parsed.username) },
    cleanup: async () => {
      for (const name of Object.values(names)) await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

const insertRun = (table: string, tenantId: string) =>
  `insert into ${table} (id, tenant_id, workflow, agent, state, started_at, updated_at) values ('${randomUUID()}', ${literal(tenantId)}, 'w', 'a', 's', now(), now())`;
const bound = (id: string) => `set local paybill.tenant = ${literal(id)}`;

describe.each(BACKENDS)("tenant routing on %s", (backend) => {
  let servers: Servers;
  let router: TenantRouter;
  const registry = new Map<string, Tenant>();
  const opened: Database[] = [];

  afterAll(async () => {
    await router?.close();
    for (const db of opened) await db.close();
    await servers?.cleanup();
  });

  it("sends each tenant to its placement, one server per cell, and its rows land there only", async () => {
    servers = backend === "postgres" ? await postgresServers(PG_URL as string) : await pgliteServers();
    for (const t of [tenant("p1", "free"), tenant("b1", "business", servers.cellOutputs), tenant("b2", "business", servers.cellOutputs), tenant("s1", "enterprise", servers.siloOutputs)]) registry.set(t.id, t);
    router = new TenantRouter({ bundle, tenants: async (id) => registry.get(id), pooled: servers.pooled, env: {} });
    const connections = await Promise.all(["p1", "b1", "b2", "s1"].map((id) => router.placementConnection(id)));
    const [p1, b1, b2, s1] = connections as [NonNullable<(typeof connections)[0]>, (typeof connections)[0], (typeof connections)[0], (typeof connections)[0]];
    expect(connections.map((c) => [c.model, c.schema])).toEqual([["pooled", undefined], ["bridge", "tenant_b1"], ["bridge", "tenant_b2"], ["silo", undefined]]);
    // The two bridge tenants share their cell's server; the others each have their own.
    expect(b1.server).toBe(b2.server);
    expect(new Set(connections.map((c) => c.server)).size).toBe(3);
    for (const c of connections) await migratePlacement(c, (sql) => migrate(sql));
    for (const c of connections) await c.sql.transaction((tx) => tx.exec(insertRun("paybill_runs", c.tenant)), { role: RUNTIME_ROLE, opening: bound(c.tenant) });

    const tenantsIn = async (server: Database, table: string) =>
      (await server.transaction((tx) => tx.query<{ t: string }>(`select tenant_id as t from ${table} order by 1`))).map((r) => r.t);
    expect(await tenantsIn(p1.server, "public.paybill_runs")).toEqual(["p1"]);
    expect(await tenantsIn(b1.server, "tenant_b1.paybill_runs")).toEqual(["b1"]);
    expect(await tenantsIn(b1.server, "tenant_b2.paybill_runs")).toEqual(["b2"]);
    expect(await tenantsIn(s1.server, "public.paybill_runs")).toEqual(["s1"]);
    // Nothing of a bridge tenant's in the cell's default schema (PGlite's template migrates one; PostgreSQL's has no table).
    const cellPublic = await b1.server.query<{ r: string | null }>("select to_regclass('public.paybill_runs')::text as r");
    if (cellPublic[0]?.r !== null) expect(await tenantsIn(b1.server, "public.paybill_runs")).toEqual([]);
    // A tenant's connection reads its own placement: b1's sees b1's row, b2's b2's.
    const read = async (c: typeof b1) => (await c.sql.transaction((tx) => tx.query<{ t: string }>("select tenant_id as t from paybill_runs"), { role: RUNTIME_ROLE, opening: bound(c.tenant) })).map((r) => r.t);
    expect(await read(b1)).toEqual(["b1"]);
    expect(await read(b2)).toEqual(["b2"]);
  });

  it("refuses a transaction bound to one bridge tenant writing into another's schema; the schema guard is what refuses it", async () => {
    const b1 = await router.placementConnection("b1");
    const asRuntime = (sql: string) => b1.sql.transaction((tx) => tx.exec(sql), { role: RUNTIME_ROLE, opening: bound("b1") });
    // Its own schema, qualified or not: allowed.
    await asRuntime(insertRun("tenant_b1.paybill_runs", "b1"));
    // b2's schema with b1's own tenant id (what row-level security alone admits): refused.
    await expect(asRuntime(insertRun("tenant_b2.paybill_runs", "b1"))).rejects.toThrow(/row-level security/);
    // Nor can the control role, whose own policy admits every tenant, put b1 in b2's registry.
    await expect(
      b1.sql.transaction((tx) => tx.exec("insert into tenant_b2.paybill_tenants (id, plan) values ('b1', 'business')"), { role: CONTROL_ROLE }),
    ).rejects.toThrow(/row-level security/);
    // Reading b2's schema bound to b1 finds nothing.
    expect(await b1.sql.transaction((tx) => tx.query("select * from tenant_b2.paybill_runs"), { role: RUNTIME_ROLE, opening: bound("b1") })).toEqual([]);
    // Without the guard the same write goes through: the grants and the tenant policy alone do not stop it.
    await b1.server.exec(`drop policy ${SCHEMA_TENANT_POLICY} on tenant_b2.paybill_runs`);
    await asRuntime(insertRun("tenant_b2.paybill_runs", "b1"));
    // Migrating the placement again puts the guard back (idempotent), and the write is refused again.
    await migratePlacement(await router.placementConnection("b2"), (sql) => migrate(sql));
    await expect(asRuntime(insertRun("tenant_b2.paybill_runs", "b1"))).rejects.toThrow(/row-level security/);
  });
});

describe("resolving a placement", () => {
  const pooled = { url: "postgres://app@pooled.internal:5432/paybill" };

  it("builds a silo's URL from the recorded endpoint, the password from an env: reference or the secret resolver", async () => {
    const outputs = { database_endpoint: "db.internal:5432", database_user: "app", database_credentials: "env:ACME_DB_PASSWORD" };
    const target = await resolvePlacement(bundle, tenant("acme", "enterprise", outputs), { pooled, env: { ACME_DB_PASSWORD: "s3cr:t" } });
    expect(target).toEqual({ tenant: "acme", model: "silo", database: { url: "postgres://app:s3cr%3At@db.internal:5432/paybill" } });
    const asked: string[] = [];
    const arn = "arn:aws:secretsmanager:eu-west-1:1:secret:x";
    const viaSecret = await resolvePlacement(bundle, tenant("acme", "enterprise", { ...outputs, database_credentials: arn, database_name: "acme" }), {
      pooled,
      env: {},
      secret: async (ref) => {
        asked.push(ref);
        return "pw";
      },
    });
    expect(viaSecret.database).toEqual({ url: "postgres://app:pw@db.internal:5432/acme" });
    expect(asked).toEqual([arn]);
  });

  it("puts a bridge tenant without a recorded database in the pooled server, in its own schema; a recorded schema wins", async () => {
    expect(await resolvePlacement(bundle, tenant("beta-co", "business"), { pooled })).toEqual({ tenant: "beta-co", model: "bridge", database: pooled, schema: "tenant_beta_co" });
    expect((await resolvePlacement(bundle, tenant("beta-co", "business", { database_schema: "custom_1" }), { pooled })).schema).toBe("custom_1");
  });

  it("refuses what it cannot route, with a code and a help line", async () => {
    await expect(resolvePlacement(bundle, tenant("x", "odd"), { pooled })).rejects.toMatchObject({ code: "PBR217" });
    await expect(resolvePlacement(bundle, tenant("x", "enterprise"), { pooled })).rejects.toMatchObject({ code: "PBR218" });
    await expect(resolvePlacement(bundle, tenant("x", "enterprise", { database_endpoint: "h:5432" }), { pooled, env: {} })).rejects.toMatchObject({ code: "PBR219" });
    await expect(resolvePlacement(bundle, tenant("x", "enterprise", { database_endpoint: "h:5432", database_user: "u", database_credentials: "env:NOPE" }), { pooled, env: {} })).rejects.toMatchObject({ code: "PBR219" });
    await expect(resolvePlacement(bundle, tenant("x", "enterprise", { database_endpoint: "h:5432", database_user: "u", database_credentials: "arn:x" }), { pooled, env: {} })).rejects.toMatchObject({ code: "PBR219" });
    const router = new TenantRouter({ bundle, tenants: async () => undefined, pooled });
    await expect(router.placementConnection("ghost")).rejects.toMatchObject({ code: "PBR110" });
  });

  it("law: distinct tenant ids the runtime accepts get distinct schema names PostgreSQL takes", () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9_-]{0,62}$/);
    fc.assert(
      fc.property(id, id, (a, b) => {
        const [sa, sb] = [bridgeSchema(a), bridgeSchema(b)];
        expect(isSchemaName(sa) && isSchemaName(sb)).toBe(true);
        if (a !== b) expect(sa).not.toBe(sb);
      }),
      { numRuns: 2000 },
    );
    // Near misses the owner names keep apart.
    const near = ["a-b", "a_b", "a__b", "a--b", "a".repeat(63), `${"a".repeat(62)}b`];
    expect(new Set(near.map(bridgeSchema)).size).toBe(near.length);
  });
});

describe("databases follow provisioning (databasesFollow)", () => {
  const pooled = { dataDir: "/pooled" };
  const placement = (planName: string, isolation: string) => ({ plan: planName, isolation });
  const step = (planName: string, isolation: string) => ({ kind: "provision" as const, tenant: "t1", placement: placement(planName, isolation) });
  const follow = (inner: { ok: boolean; outputs?: Record<string, unknown> }, migrate: (t: unknown) => Promise<string>) =>
    databasesFollow({ name: "fake", run: async () => ({ ok: inner.ok, detail: "made", ...(inner.outputs === undefined ? {} : { outputs: inner.outputs }) }) }, { bundle, pooled, env: {}, migrate: migrate as never });

  it("migrates a bridge tenant's schema and a silo's reported database after the step, not a pooled tenant's", async () => {
    const asked: unknown[] = [];
    const migrate = async (target: unknown) => {
      asked.push(target);
      return "migrated";
    };
    const context = { tenant: tenant("t1", "free"), attempt: 1 };
    expect(await follow({ ok: true }, migrate).run(step("business", "bridge"), context)).toEqual({ ok: true, detail: "made\nmigrated" });
    expect(await follow({ ok: true, outputs: { database_dir: "/silo-t1" } }, migrate).run(step("enterprise", "silo"), context)).toMatchObject({ ok: true, outputs: { database_dir: "/silo-t1" } });
    expect((await follow({ ok: true }, migrate).run(step("free", "pooled"), context)).detail).toBe("made");
    expect(asked).toEqual([
      { tenant: "t1", model: "bridge", database: pooled, schema: "tenant_t1" },
      { tenant: "t1", model: "silo", database: { dataDir: "/silo-t1" } },
    ]);
    // A silo step that reported no database (a dry run) migrates nothing and says so; a failed step is left as it is.
    expect((await follow({ ok: true }, migrate).run(step("enterprise", "silo"), context)).detail).toMatch(/no database recorded for its silo/);
    expect(await follow({ ok: false }, migrate).run(step("business", "bridge"), context)).toEqual({ ok: false, detail: "made" });
    expect(asked).toHaveLength(2);
  });

  it("fails the step when the migration fails, so the tenant's retry runs both again", async () => {
    const failing = follow({ ok: true }, async () => {
      throw new Error("permission denied for database");
    });
    const outcome = await failing.run(step("business", "bridge"), { tenant: tenant("t1", "business"), attempt: 1 });
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/^made\nthe tenant's database was not migrated: permission denied/);
  });
});

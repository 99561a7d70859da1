/**
 * A tenant's rows move between schemas (pooled → bridge and back, one database or two
 * connections) so that a run killed at any step boundary and run again ends with exactly
 * one copy, where the move put it: the target's counts and checksums are the source's
 * before the move, the source holds none of the tenant's rows, other tenants' rows are
 * untouched, and each phase is audited exactly once.
 */
import { afterAll, describe, expect, it } from "vitest";
import { readMove } from "../src/control/data-move.js";
import { type DataEndpoint, tablesInOrder, tableSum } from "../src/control/tenant-rows.js";
import { openDatabase } from "../src/store/open-database.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { freshId } from "./support/control-db.js";
import { bridgeSchema, currentSchema, moveBundle, rowCounts, seed } from "./support/data-move-db.js";
import { BACKENDS, PG_URL, sharedTestRuntime } from "./support/store-db.js";

class Killed extends Error {}

const bundle = moveBundle();
const tables = tablesInOrder(bundle.entities);

async function sums(endpoint: DataEndpoint, tenant: string) {
  return Promise.all(tables.map((t) => tableSum(endpoint, tenant, t)));
}

describe("foreign-key order", () => {
  it("puts every table after the tables it references, whatever the declaration order", () => {
    expect(tables.map((t) => t.table)).toEqual(["customers", "tickets", "comments"]);
  });

  it("refuses a cycle (a table referencing itself) with PBR231", () => {
    const entities = { A: { name: "A", table: "a", key: "id", fields: [{ name: "id", type: { kind: "int" as const }, optional: false, pii: false, id: true }, { name: "parent", type: { kind: "int" as const }, optional: true, pii: false, references: { entity: "A", field: "id" } }] } };
    expect(() => tablesInOrder(entities)).toThrow(expect.objectContaining({ code: "PBR231" }));
  });
});

describe.each(BACKENDS)("tenant data moves on %s", (backend) => {
  const t = sharedTestRuntime(backend, "data_move", bundle);
  const made: string[] = [];
  // The bridge schemas the tests made (PostgreSQL keeps them; the runtime's own schema is dropped by its support).
  afterAll(async () => {
    if (backend === "postgres") for (const schema of made) await t.admin.exec(`drop schema if exists ${schema} cascade`);
  });

  const setUp = async (customers = 3, tickets = 3) => {
    const pooled: DataEndpoint = { sql: t.admin, schema: await currentSchema(t.admin) };
    const bridge: DataEndpoint = { sql: t.admin, schema: await bridgeSchema(t.admin, bundle) };
    made.push(bridge.schema, `empty_${bridge.schema}`);
    const tenant = freshId("mv");
    const other = freshId("keep");
    await seed(pooled, tenant, customers, tickets);
    await seed(pooled, other, 2, 2);
    return { pooled, bridge, tenant, other, before: await sums(pooled, tenant), otherBefore: await sums(pooled, other) };
  };

  const auditedPhases = async (tenant: string) => (await t.runtime.audit.query({ tenant })).map((r) => r.action).filter((a) => a.startsWith("tenant.data_move."));

  it("moves pooled → bridge: verified copy, switch, old rows deleted, audited once per phase", async () => {
    const { pooled, bridge, tenant, other, before, otherBefore } = await setUp();
    let switched = 0;
    const report = await t.runtime.tenants.moveData({ tenant, moveId: "m1", source: pooled, target: bridge, batch: 4, switchRouting: async () => void switched++ });
    expect(report).toMatchObject({ phase: "done", resumed: false, copied: 3 + 9 + 9, deleted: 21 });
    expect(report.tables.map((x) => [x.table, x.rows])).toEqual([
      ["customers", 3],
      ["tickets", 9],
      ["comments", 9],
    ]);
    expect(await sums(bridge, tenant)).toEqual(before);
    expect(await rowCounts(pooled, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
    expect(await sums(pooled, other)).toEqual(otherBefore);
    expect(switched).toBe(1);
    expect(await auditedPhases(tenant)).toEqual(["tenant.data_move.started", "tenant.data_move.verified", "tenant.data_move.switched", "tenant.data_move.done"]);
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: true });
    // Run again: done, nothing copied or deleted, nothing audited.
    const again = await t.runtime.tenants.moveData({ tenant, moveId: "m1", source: pooled, target: bridge });
    expect(again).toMatchObject({ phase: "done", resumed: true, copied: 0, deleted: 0 });
    expect(await auditedPhases(tenant)).toHaveLength(4);
    // And back, bridge → pooled.
    await t.runtime.tenants.moveData({ tenant, moveId: "m2", source: bridge, target: pooled, batch: 5 });
    expect(await sums(pooled, tenant)).toEqual(before);
    expect(await rowCounts(bridge, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
  });

  it("a kill at every step boundary, then a rerun, ends with exactly one copy (one database)", async () => {
    let boundary = 0;
    for (;;) {
      const { pooled, bridge, tenant, other, before, otherBefore } = await setUp(2, 2);
      let calls = 0;
      let switched = 0;
      const request = { tenant, moveId: "kill", source: pooled, target: bridge, batch: 2, switchRouting: async () => void switched++ };
      let killed = false;
      try {
        await t.runtime.tenants.moveData({
          ...request,
          onBoundary: (name) => {
            if (calls++ === boundary) {
              killed = true;
              throw new Killed(name);
            }
          },
        });
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
      if (!killed) break;
      const resumed = await t.runtime.tenants.moveData(request);
      expect(resumed.phase).toBe("done");
      expect(await sums(bridge, tenant)).toEqual(before);
      expect(await rowCounts(pooled, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
      expect(await sums(pooled, other)).toEqual(otherBefore);
      expect(switched).toBeGreaterThanOrEqual(1);
      expect(await auditedPhases(tenant)).toEqual(["tenant.data_move.started", "tenant.data_move.verified", "tenant.data_move.switched", "tenant.data_move.done"]);
      expect(await readMove(t.admin, tenant, "kill")).toEqual({ phase: "done", kind: "move" });
      boundary++;
    }
    // 2 customers, 4 tickets, 4 comments in batches of 2: many boundaries were tried.
    expect(boundary).toBeGreaterThan(15);
  });

  it("between two connections (rows as JSON), with a kill part-way", async () => {
    const other = backend === "postgres" && PG_URL !== undefined ? await openDatabase({ url: PG_URL, schema: await currentSchema(t.admin), privileged: true, max: 1 }) : await openDatabase({});
    try {
      const { pooled, tenant, before } = await setUp(3, 2);
      const schema = backend === "postgres" ? await bridgeSchema(other, bundle) : await currentSchema(other);
      if (backend === "postgres") made.push(schema);
      if (backend === "pglite") await other.exec(entityTablesSql(bundle));
      const target: DataEndpoint = { sql: other, schema };
      let calls = 0;
      await expect(
        t.runtime.tenants.moveData({
          tenant,
          moveId: "two",
          source: pooled,
          target,
          batch: 2,
          onBoundary: () => {
            if (++calls === 5) throw new Killed("kill");
          },
        }),
      ).rejects.toBeInstanceOf(Killed);
      const report = await t.runtime.tenants.moveData({ tenant, moveId: "two", source: pooled, target, batch: 2 });
      expect(report).toMatchObject({ phase: "done", resumed: true });
      expect(await sums(target, tenant)).toEqual(before);
      expect(await rowCounts(pooled, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
    } finally {
      await other.close();
    }
  });

  it("two runs of one move at once, then one more: one copy, each phase audited once", async () => {
    const { pooled, bridge, tenant, before } = await setUp(3, 2);
    const request = { tenant, moveId: "twice", source: pooled, target: bridge, batch: 2 };
    const settled = await Promise.allSettled([t.runtime.tenants.moveData(request), t.runtime.tenants.moveData(request)]);
    // One may find the rows already deleted under it and stop (PBR230); nothing else.
    for (const result of settled) if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "PBR230" });
    expect((await t.runtime.tenants.moveData(request)).phase).toBe("done");
    expect(await sums(bridge, tenant)).toEqual(before);
    expect(await rowCounts(pooled, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
    expect(await auditedPhases(tenant)).toEqual(["tenant.data_move.started", "tenant.data_move.verified", "tenant.data_move.switched", "tenant.data_move.done"]);
  });

  it("a copy that does not match its source stops before the switch (PBR230), and nothing is deleted", async () => {
    const { pooled, bridge, tenant, before } = await setUp(2, 1);
    // A row already in the target with the same key and other values: the copy keeps it, the checksum sees it.
    const [customer] = await pooled.sql.query<{ id: string }>(`select id from ${pooled.schema}.customers where tenant_id = $1 order by id limit 1`, [tenant]);
    await bridge.sql.query(`insert into ${bridge.schema}.customers (tenant_id, id, email, name) values ($1, $2, 'x@y', 'someone else')`, [tenant, customer?.id]);
    let switched = 0;
    await expect(t.runtime.tenants.moveData({ tenant, moveId: "bad", source: pooled, target: bridge, switchRouting: async () => void switched++ })).rejects.toMatchObject({
      code: "PBR230",
      message: expect.stringContaining("`customers`"),
    });
    expect(switched).toBe(0);
    expect(await sums(pooled, tenant)).toEqual(before);
    expect(await readMove(t.admin, tenant, "bad")).toMatchObject({ phase: "copying" });
  });

  it("refuses a target without the tables, a resume between other schemas, and one schema twice (PBR232)", async () => {
    const { pooled, bridge, tenant } = await setUp(1, 1);
    await t.admin.exec(`create schema empty_${bridge.schema}`);
    await expect(t.runtime.tenants.moveData({ tenant, moveId: "e", source: pooled, target: { sql: t.admin, schema: `empty_${bridge.schema}` } })).rejects.toMatchObject({ code: "PBR232" });
    await expect(t.runtime.tenants.moveData({ tenant, moveId: "e", source: pooled, target: bridge })).rejects.toMatchObject({ code: "PBR232", message: expect.stringContaining("other schemas") });
    await expect(t.runtime.tenants.moveData({ tenant, moveId: "f", source: pooled, target: pooled })).rejects.toMatchObject({ code: "PBR232" });
    await expect(t.runtime.tenants.moveData({ tenant, moveId: "g", source: pooled, target: { sql: t.admin, schema: "Bad-Name" } })).rejects.toMatchObject({ code: "PBR232" });
  });
});

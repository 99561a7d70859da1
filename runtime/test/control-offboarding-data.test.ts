/**
 * An offboarded tenant's data: exported as NDJSON per entity (and read back into another
 * schema with the same counts and checksums), then erased — rows, or a bridge schema —
 * only once the tenant is offboarded and its plan's retention has passed; audited once.
 */
import { afterAll, describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { importTenantData } from "../src/control/offboarding.js";
import { type DataEndpoint, tablesInOrder, tableSum } from "../src/control/tenant-rows.js";
import { freshId } from "./support/control-db.js";
import { bridgeSchema, currentSchema, moveBundle, rowCounts, seed } from "./support/data-move-db.js";
import { BACKENDS, sharedTestRuntime } from "./support/store-db.js";

const bundle = moveBundle();
const tables = tablesInOrder(bundle.entities);
const DAY_MS = 86_400_000;

describe.each(BACKENDS)("offboarding data on %s", (backend) => {
  const t = sharedTestRuntime(backend, "offboard_data", bundle);
  const made: string[] = [];
  afterAll(async () => {
    if (backend === "postgres") for (const schema of made) await t.admin.exec(`drop schema if exists ${schema} cascade`);
  });
  const sums = (endpoint: DataEndpoint, tenant: string) => Promise.all(tables.map((x) => tableSum(endpoint, tenant, x)));
  const pooled = async (): Promise<DataEndpoint> => ({ sql: t.admin, schema: await currentSchema(t.admin) });
  const bridge = async (): Promise<DataEndpoint> => {
    const schema = await bridgeSchema(t.admin, bundle);
    made.push(schema);
    return { sql: t.admin, schema };
  };

  /** A tenant on `kept30` (30 days of retention), provisioned, then offboarded. */
  const offboarded = async () => {
    const id = freshId("off");
    await t.runtime.tenants.onboard({ id, plan: "kept30" });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    await t.runtime.tenants.offboard(id);
    const result = await t.runtime.tenants.provision(id, new RecordingProvisioner());
    expect(result.tenant.state).toBe("offboarded");
    return id;
  };

  it("exports NDJSON per entity that reads back into another schema with the same rows", async () => {
    const source = await pooled();
    const tenant = freshId("exp");
    await seed(source, tenant, 3, 4);
    const files = new Map<string, string>();
    const exported = await t.runtime.tenants.exportData({ tenant, endpoint: source }, (entity, text) => void files.set(entity, (files.get(entity) ?? "") + text));
    expect(exported.map((e) => [e.entity, e.rows])).toEqual([
      ["Customer", 3],
      ["Ticket", 12],
      ["Comment", 12],
    ]);
    const customers = (files.get("Customer") ?? "").trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(customers[0] ?? {})).toEqual(["id", "email", "name"]);
    const target = await bridge();
    const inserted = await importTenantData({ tenant, endpoint: target, entities: bundle.entities }, async (entity) => files.get(entity));
    expect(inserted).toEqual({ Customer: 3, Ticket: 12, Comment: 12 });
    expect(await sums(target, tenant)).toEqual(await sums(source, tenant));
    const audited = (await t.runtime.audit.query({ tenant })).filter((r) => r.action === "tenant.data_exported");
    expect(audited).toHaveLength(1);
    expect(audited[0]?.input).toMatchObject({ source: source.schema, entities: [{ entity: "Customer", rows: 3 }, { entity: "Ticket", rows: 12 }, { entity: "Comment", rows: 12 }] });
  });

  it("erases an offboarded tenant's rows only after its plan's retention, once, audited", async () => {
    const endpoint = await pooled();
    const tenant = await offboarded();
    const other = freshId("keep");
    await seed(endpoint, tenant, 2, 3);
    await seed(endpoint, other, 1, 1);
    const otherBefore = await sums(endpoint, other);
    await expect(t.runtime.tenants.eraseData({ tenant, endpoint })).rejects.toMatchObject({ code: "PBR233", message: expect.stringContaining("30 days") });
    t.clock.offsetMs = 29 * DAY_MS;
    await expect(t.runtime.tenants.eraseData({ tenant, endpoint })).rejects.toMatchObject({ code: "PBR233" });
    t.clock.offsetMs = 31 * DAY_MS;
    try {
      let calls = 0;
      // Killed after the first batch: the rerun finishes it.
      await expect(
        t.runtime.tenants.eraseData({
          tenant,
          endpoint,
          onBoundary: () => {
            if (++calls === 2) throw new Error("killed");
          },
        }),
      ).rejects.toThrow("killed");
      const erased = await t.runtime.tenants.eraseData({ tenant, endpoint });
      expect(erased).toMatchObject({ erased: true, droppedSchema: false });
      expect(await rowCounts(endpoint, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
      expect(await sums(endpoint, other)).toEqual(otherBefore);
      expect(await t.runtime.tenants.eraseData({ tenant, endpoint })).toMatchObject({ erased: false, rows: 0 });
      const audited = (await t.runtime.audit.query({ tenant })).filter((r) => r.action === "tenant.data_erased");
      expect(audited).toHaveLength(1);
      expect(audited[0]?.input).toMatchObject({ schema: endpoint.schema, retentionDays: 30 });
      expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: true });
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it("drops a bridge tenant's schema", async () => {
    const endpoint = await bridge();
    const tenant = await offboarded();
    await seed(endpoint, tenant, 1, 2);
    t.clock.offsetMs = 31 * DAY_MS;
    try {
      expect(await t.runtime.tenants.eraseData({ tenant, endpoint, dropSchema: true })).toMatchObject({ erased: true, rows: 5, droppedSchema: true });
    } finally {
      t.clock.offsetMs = 0;
    }
    const [row] = await t.admin.query<{ n: unknown }>("select count(*)::int as n from information_schema.schemata where schema_name = $1", [endpoint.schema]);
    expect(Number(row?.n)).toBe(0);
  });

  it.skipIf(backend === "pglite")("a role that may delete the rows but not drop the schema: rows erased, PBR232, and the erasure is not recorded done", async () => {
    const endpoint = await bridge();
    await t.admin.exec(`grant usage on schema ${endpoint.schema} to paybill_runtime`);
    const tenant = await offboarded();
    await seed(endpoint, tenant, 1, 1);
    // The runtime's own connection on PostgreSQL is the tests' login role: not the schema's owner.
    const asLogin: DataEndpoint = { sql: t.runtime.database, schema: endpoint.schema };
    t.clock.offsetMs = 31 * DAY_MS;
    try {
      await expect(t.runtime.tenants.eraseData({ tenant, endpoint: asLogin, dropSchema: true })).rejects.toMatchObject({ code: "PBR232", message: expect.stringContaining("could not be dropped") });
      expect(await rowCounts(endpoint, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
      expect((await t.runtime.audit.query({ tenant })).filter((r) => r.action === "tenant.data_erased")).toHaveLength(0);
      // Its owner drops it: the erasure is recorded then.
      expect(await t.runtime.tenants.eraseData({ tenant, endpoint, dropSchema: true })).toMatchObject({ erased: true, droppedSchema: true });
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it("refuses to erase a tenant that is not offboarded (PBR234), and a plan without retention erases at once", async () => {
    const endpoint = await pooled();
    const active = freshId("act");
    await t.runtime.tenants.onboard({ id: active, plan: "business" });
    await t.runtime.tenants.provision(active, new RecordingProvisioner());
    await seed(endpoint, active, 1, 1);
    await expect(t.runtime.tenants.eraseData({ tenant: active, endpoint })).rejects.toMatchObject({ code: "PBR234" });
    expect(await rowCounts(endpoint, active)).toEqual({ customers: 1, tickets: 1, comments: 1 });
    await expect(t.runtime.tenants.eraseData({ tenant: freshId("none"), endpoint })).rejects.toMatchObject({ code: "PBR234" });
    await t.runtime.tenants.offboard(active);
    await t.runtime.tenants.provision(active, new RecordingProvisioner());
    expect(await t.runtime.tenants.eraseData({ tenant: active, endpoint })).toMatchObject({ erased: true, rows: 3 });
  });
});

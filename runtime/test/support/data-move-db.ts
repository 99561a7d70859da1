/**
 * What the data-move and offboarding tests share: a bundle with entities that reference
 * each other (a ticket belongs to a customer, a comment to a ticket) and a plan that keeps
 * an offboarded tenant's data for 30 days; schemas made and migrated like a bridge
 * tenant's; rows seeded for a tenant.
 */
import { randomUUID } from "node:crypto";
import { bundleHash } from "../../src/bundle/canonical.js";
import type { Bundle, EntitySchema, FieldSchema, FieldType } from "../../src/bundle/format.js";
import type { DataEndpoint } from "../../src/control/tenant-rows.js";
import type { Database } from "../../src/store/adapter.js";
import { entityTablesSql } from "../../src/store/entity-tables.js";
import { controlBundle } from "./control-db.js";

function f(name: string, type: FieldType, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, pii: false, ...extra };
}

const ENTITIES: Record<string, EntitySchema> = {
  // Declared children first: the mover must order them itself.
  Comment: {
    name: "Comment",
    table: "comments",
    key: "id",
    fields: [
      f("id", { kind: "int" }, { id: true }),
      f("ticket", { kind: "uuid" }, { references: { entity: "Ticket", field: "id" } }),
      f("body", { kind: "string", max: 500 }, { optional: true }),
    ],
  },
  Ticket: {
    name: "Ticket",
    table: "tickets",
    key: "id",
    fields: [
      f("id", { kind: "uuid" }, { id: true }),
      f("customer", { kind: "uuid" }, { references: { entity: "Customer", field: "id" } }),
      f("amount", { kind: "decimal" }),
      f("opened", { kind: "timestamp" }),
    ],
  },
  Customer: {
    name: "Customer",
    table: "customers",
    key: "id",
    fields: [f("id", { kind: "uuid" }, { id: true }), f("email", { kind: "string", max: 200 }, { pii: true, unique: true }), f("name", { kind: "string", max: 200 })],
  },
};

export function moveBundle(): Bundle {
  const { hash: _hash, ...base } = controlBundle();
  const plans = { ...base.plans, kept30: { name: "kept30", isolation: { model: "pooled" }, retentionDays: 30, limits: {}, features: ["tickets"] } };
  const body = { ...base, entities: ENTITIES, actions: {}, policies: [], workflows: {}, plans };
  return { ...body, hash: bundleHash(body) };
}

/** A new schema with the entity tables, as `paybillc migrate --schema` leaves a bridge tenant's. */
export async function bridgeSchema(admin: Database, bundle: Bundle): Promise<string> {
  const schema = `bridge_${randomUUID().slice(0, 8)}`;
  await admin.transaction(async (tx) => {
    await tx.exec(`create schema ${schema}; set local search_path to ${schema}`);
    await tx.exec(entityTablesSql(bundle));
  });
  return schema;
}

export async function currentSchema(db: Database): Promise<string> {
  const [row] = await db.query<{ s: unknown }>("select current_schema() as s");
  return String(row?.s);
}

/** `customers` customers, each with `tickets` tickets, each with one comment. */
export async function seed(endpoint: DataEndpoint, tenant: string, customers: number, tickets: number): Promise<void> {
  await endpoint.sql.transaction(async (tx) => {
    await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
    const s = endpoint.schema;
    await tx.query(
      `insert into ${s}.customers (tenant_id, id, email, name) select $1, gen_random_uuid(), 'c' || i || '@' || $1, 'Customer ' || i from generate_series(1, $2::int) i`,
      [tenant, customers],
    );
    await tx.query(
      `insert into ${s}.tickets (tenant_id, id, customer, amount, opened)
       select $1, gen_random_uuid(), c.id, (i * 1.25)::numeric, timestamptz '2026-01-01T00:00:00Z' + i * interval '1 hour'
       from ${s}.customers c, generate_series(1, $2::int) i where c.tenant_id = $1`,
      [tenant, tickets],
    );
    await tx.query(
      `insert into ${s}.comments (tenant_id, id, ticket, body) select $1, row_number() over (order by t.id), t.id, case when random() < 0.3 then null else 'it''s "quoted" \\ ' || t.amount end
       from ${s}.tickets t where t.tenant_id = $1`,
      [tenant],
    );
  });
}

/** The tenant's rows per table (superuser connection). */
export async function rowCounts(endpoint: DataEndpoint, tenant: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ["customers", "tickets", "comments"]) {
    const [row] = await endpoint.sql.query<{ n: unknown }>(`select count(*)::int as n from ${endpoint.schema}.${table} where tenant_id = $1`, [tenant]);
    out[table] = Number(row?.n);
  }
  return out;
}

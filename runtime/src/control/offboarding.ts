/**
 * What happens to an offboarded tenant's rows (spec/control-plane.md, "Offboarding data"):
 *
 * - **export**: every entity's rows as NDJSON (one JSON object a line, the entity's fields
 *   by name, in key order), entity by entity in foreign-key order, each with its row count
 *   and SHA-256; audited (`tenant.data_exported`). Any time: a tenant may ask for its data.
 * - **import**: the NDJSON back into an endpoint (a restore, and how the export's round
 *   trip is tested); rows already there are kept.
 * - **erase**: the tenant's rows deleted in reverse foreign-key order (pooled), or its
 *   schema dropped (bridge, `dropSchema`), once the tenant is `offboarded` and its plan's
 *   `retention` has passed since (PBR233 before; PBR234 a tenant not offboarded). Recorded
 *   as an `erase` row of `paybill_data_moves` and audited (`tenant.data_erased`) once; a
 *   rerun of a finished erasure does nothing. A silo tenant's database goes with its stack
 *   (the offboarding plan's `deprovision`); erase its rows first the same way.
 */
import { createHash } from "node:crypto";
import { appendAudit } from "../audit/append.js";
import type { Bundle } from "../bundle/format.js";
import type { Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { ident } from "../store/sql.js";
import { planOf } from "./context.js";
import type { MoveControl } from "./data-move.js";
import { readTenant } from "./rows.js";
import { bound, type DataEndpoint, deleteTenantRows, qualified, tablesInOrder } from "./tenant-rows.js";
import { CONTROL_AGENT } from "./transition.js";

const DAY_MS = 86_400_000;
const PAGE = 1000;

export interface ExportedEntity {
  readonly entity: string;
  readonly table: string;
  readonly rows: number;
  /** SHA-256 (hex) of the entity's NDJSON text. */
  readonly sha256: string;
}

/**
 * Writes the tenant's rows, entity by entity: `write(entity, text)` gets NDJSON text
 * (whole lines) as it is read, a page at a time, so an entity of any size streams.
 */
export async function exportTenantData(
  control: MoveControl,
  request: { tenant: string; endpoint: DataEndpoint; entities: Bundle["entities"]; actor?: string },
  write: (entity: string, text: string) => void | Promise<void>,
): Promise<ExportedEntity[]> {
  const { tenant, endpoint } = request;
  const out: ExportedEntity[] = [];
  for (const table of tablesInOrder(request.entities)) {
    const name = qualified(endpoint, table.table);
    const key = ident(table.key);
    const fields = table.columns.slice(1).join(", ");
    const hash = createHash("sha256");
    let last: string | null = null;
    let rows = 0;
    for (;;) {
      const page: { k: unknown; r: unknown }[] = await bound(endpoint, tenant, (tx) =>
        tx.query<{ k: unknown; r: unknown }>(
          `select ${key}::text as k, row_to_json(t)::text as r from (select ${fields} from ${name} where tenant_id = $1${last === null ? "" : ` and ${key} > $3`} order by ${key} limit $2) t`,
          last === null ? [tenant, PAGE] : [tenant, PAGE, last],
        ),
      );
      if (page.length === 0) break;
      const text = page.map((r) => `${String(r.r)}\n`).join("");
      hash.update(text);
      await write(table.entity, text);
      rows += page.length;
      last = String(page[page.length - 1]?.k);
      if (page.length < PAGE) break;
    }
    out.push({ entity: table.entity, table: table.table, rows, sha256: hash.digest("hex") });
  }
  await control.database.transaction((tx) => audit(tx, control, tenant, "tenant.data_exported", { actor: request.actor ?? "operator", source: endpoint.schema, entities: out }));
  return out;
}

/** Writes NDJSON rows (`read(entity)`: its text, or undefined for none) into the endpoint's tables, parents first; returns rows inserted per entity. */
export async function importTenantData(
  request: { tenant: string; endpoint: DataEndpoint; entities: Bundle["entities"] },
  read: (entity: string) => Promise<string | undefined>,
): Promise<Record<string, number>> {
  const { tenant, endpoint } = request;
  const inserted: Record<string, number> = {};
  for (const table of tablesInOrder(request.entities)) {
    const text = await read(table.entity);
    const lines = (text ?? "").split("\n").filter((line) => line.trim() !== "");
    inserted[table.entity] = 0;
    const name = qualified(endpoint, table.table);
    for (let i = 0; i < lines.length; i += PAGE) {
      // The lines go to the database as text, never parsed here: a `numeric` keeps its scale, a `bigint` its digits.
      const page = `[${lines.slice(i, i + PAGE).join(",")}]`;
      const [row] = await bound(endpoint, tenant, (tx) =>
        tx.query<{ n: unknown }>(
          `with rows as (select coalesce(jsonb_agg(e || jsonb_build_object('tenant_id', $2::text)), '[]') as r from jsonb_array_elements($1::jsonb) e),
           ins as (insert into ${name} (${table.columns.join(", ")}) select ${table.columns.join(", ")} from jsonb_populate_recordset(null::${name}, (select r from rows)) on conflict do nothing returning 1)
           select count(*)::int as n from ins`,
          [page, tenant],
        ),
      );
      inserted[table.entity] = (inserted[table.entity] ?? 0) + Number(row?.n ?? 0);
    }
  }
  return inserted;
}

export interface EraseRequest {
  readonly tenant: string;
  readonly endpoint: DataEndpoint;
  readonly entities: Bundle["entities"];
  readonly bundle: Pick<Bundle, "plans">;
  /** Drop the endpoint's schema (a bridge tenant's own) instead of deleting rows from it. */
  readonly dropSchema?: boolean;
  readonly actor?: string;
  readonly onBoundary?: (boundary: string) => void | Promise<void>;
}

export interface EraseReport {
  readonly tenant: string;
  /** False: an earlier run had finished it, nothing was done. */
  readonly erased: boolean;
  readonly rows: number;
  readonly droppedSchema: boolean;
}

export async function eraseTenantData(control: MoveControl, request: EraseRequest): Promise<EraseReport> {
  const { tenant, endpoint } = request;
  const now = control.clock();
  const moveId = `erase:${endpoint.schema}`;
  const record = await readTenant(control.database, tenant);
  if (record === undefined || record.tenant.state !== "offboarded") {
    throw new PaybillRuntimeError(
      "PBR234",
      record === undefined ? `there is no tenant \`${tenant}\` to erase` : `tenant \`${tenant}\` is ${record.tenant.state}: only an offboarded tenant's data is erased`,
      `offboard it first: \`paybillc tenants offboard ${tenant}\`, then \`paybillc tenants provision ${tenant}\``,
    );
  }
  const retention = planOf(request.bundle, record.tenant.plan).retentionDays ?? 0;
  const [offboarded] = await control.database.query<{ at: unknown }>(
    "select at from paybill_tenant_transitions where tenant_id = $1 and event = 'offboarded' order by seq desc limit 1",
    [tenant],
  );
  const since = offboarded === undefined ? now : new Date(String(offboarded.at instanceof Date ? offboarded.at.toISOString() : offboarded.at));
  const until = new Date(since.getTime() + retention * DAY_MS);
  if (now.getTime() < until.getTime()) {
    throw new PaybillRuntimeError(
      "PBR233",
      `tenant \`${tenant}\`'s data is kept until ${until.toISOString()}: its plan \`${record.tenant.plan}\` retains it for ${retention} days after offboarding (${since.toISOString()})`,
      "export it now if it is wanted (`paybillc tenants export`), and erase it after that time",
    );
  }
  const claimed = await control.database.transaction(async (tx) => {
    const [row] = await tx.query<{ phase: unknown }>("select phase from paybill_data_moves where tenant_id = $1 and move_id = $2 for update", [tenant, moveId]);
    if (row !== undefined) return String(row.phase) !== "done";
    await tx.query(
      "insert into paybill_data_moves (tenant_id, move_id, kind, phase, source, target, progress, started_at, updated_at) values ($1, $2, 'erase', 'erasing', $3, null, '{}', $4, $4)",
      [tenant, moveId, JSON.stringify({ schema: endpoint.schema }), now.toISOString()],
    );
    return true;
  });
  if (!claimed) return { tenant, erased: false, rows: 0, droppedSchema: false };
  await request.onBoundary?.("claimed");
  const rows = await deleteTenantRows(endpoint, tenant, tablesInOrder(request.entities), PAGE, async (table) => request.onBoundary?.(`deleted:${table.table}`));
  if (request.dropSchema === true) {
    try {
      await endpoint.sql.exec(`drop schema if exists ${ident(endpoint.schema)} cascade`);
    } catch (error) {
      // Rows are gone; the schema is its owner's to drop (a role that only writes rows may not).
      throw new PaybillRuntimeError(
        "PBR232",
        `tenant \`${tenant}\`'s rows are erased, but its schema \`${endpoint.schema}\` could not be dropped: ${error instanceof Error ? error.message : String(error)}`,
        `drop it as its owner (\`drop schema ${endpoint.schema} cascade\`) and run the erasure again to record it, or keep the schema (\`--keep-schema\`)`,
      );
    }
    await request.onBoundary?.("dropped");
  }
  await control.database.transaction(async (tx) => {
    await tx.query("update paybill_data_moves set phase = 'done', progress = $3, updated_at = $4 where tenant_id = $1 and move_id = $2", [
      tenant,
      moveId,
      JSON.stringify({ deleted: rows, droppedSchema: request.dropSchema === true }),
      control.clock().toISOString(),
    ]);
    await audit(tx, control, tenant, "tenant.data_erased", {
      actor: request.actor ?? "operator",
      schema: endpoint.schema,
      rows,
      droppedSchema: request.dropSchema === true,
      retentionDays: retention,
    });
  });
  return { tenant, erased: true, rows, droppedSchema: request.dropSchema === true };
}

async function audit(tx: Sql, control: MoveControl, tenant: string, action: string, input: Record<string, unknown>): Promise<void> {
  await appendAudit(tx, { tenant, agent: CONTROL_AGENT, action, input, decision: "allow", reasons: [] }, { time: control.clock() });
}

/**
 * Moves a tenant's rows from one endpoint to another (tenant-rows.ts: a database and a
 * schema; pooled, bridge and silo alike), so that a run killed at any point and run again
 * ends with exactly one copy of every row, where the move put it:
 *
 * 1. `copying`: table by table in foreign-key order, `batch` rows at a time in key order;
 *    each batch is inserted `on conflict do nothing`, then the last key copied is recorded
 *    in `paybill_data_moves` (the control database). A batch copied but not recorded is
 *    read again and inserts nothing the second time.
 * 2. `verified`: each table's row count and checksum (tenant-rows.ts `tableSum`) read on
 *    both sides must agree; they do not: PBR230, and the move stops before anything switches.
 * 3. `switched`: `switchRouting` runs (it must be idempotent: a kill after it and before its
 *    record runs it again), then the phase is recorded.
 * 4. `done`: the source's rows are deleted in reverse foreign-key order, in batches
 *    (tenant-rows.ts `deleteTenantRows`), then the phase is recorded.
 *
 * Each phase is recorded with an audit record on the tenant's chain (agent
 * `paybill:control-plane`, action `tenant.data_move.<phase>`), in the transaction that
 * records the phase, on the locked row and only from the phase before, so each is audited
 * exactly once, even when two runs overlap. `onBoundary` (tests) is called at
 * every point a kill could fall between two writes; a throw there is such a kill.
 */
import { appendAudit } from "../audit/append.js";
import type { Bundle } from "../bundle/format.js";
import type { Database, Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { ident } from "../store/sql.js";
import { DEFAULT_ACTOR } from "./context.js";
import { badEndpoint, bound, type DataEndpoint, deleteTenantRows, qualified, requireTables, tableSum, tablesInOrder, type TenantTable } from "./tenant-rows.js";
import { CONTROL_AGENT } from "./transition.js";

export type MovePhase = "copying" | "verified" | "switched" | "done";

export interface MoveRequest {
  readonly tenant: string;
  /** Names the move (a rerun with the same id resumes it): e.g. `flow-7`. */
  readonly moveId: string;
  readonly source: DataEndpoint;
  readonly target: DataEndpoint;
  readonly entities: Bundle["entities"];
  /** Rows per batch (default 1000). */
  readonly batch?: number;
  /** Points the tenant's routing at the target; idempotent. Absent: the caller switches (e.g. the registry's plan when the flow settles). */
  readonly switchRouting?: () => Promise<void>;
  readonly actor?: string;
  /** Called at each step boundary (tests: throwing there is a kill). */
  readonly onBoundary?: (boundary: string) => void | Promise<void>;
}

/** The control plane's database as the control role (progress and audit), and its clock. */
export interface MoveControl {
  readonly database: Database;
  readonly clock: () => Date;
}

export interface TableMoved {
  readonly table: string;
  readonly rows: number;
  readonly checksum: string;
}

export interface MoveReport {
  readonly tenant: string;
  readonly moveId: string;
  readonly phase: MovePhase;
  /** Whether an earlier run had started this move. */
  readonly resumed: boolean;
  readonly tables: readonly TableMoved[];
  /** Rows this call copied (a resumed move: only the rest). */
  readonly copied: number;
  readonly deleted: number;
}

interface Progress {
  /** Per table: the last key copied (text) and how many rows were copied. */
  readonly tables: Record<string, { last: string | null; copied: number }>;
  readonly verified?: readonly TableMoved[];
  readonly deleted?: number;
}

const DEFAULT_BATCH = 1000;

export async function moveTenantData(control: MoveControl, request: MoveRequest): Promise<MoveReport> {
  const { tenant, moveId, source, target } = request;
  const batch = request.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw badEndpoint(`a batch of ${batch} rows`, "give a whole number of rows per batch, at least 1");
  if (source.sql === target.sql && source.schema === target.schema) throw badEndpoint(`the source and the target are the same schema \`${source.schema}\``, "a move needs two places");
  const tables = tablesInOrder(request.entities);
  const boundary = async (name: string) => request.onBoundary?.(name);
  const where = { source: { schema: source.schema }, target: { schema: target.schema } };
  const started = await control.database.transaction(async (tx) => {
    const [existing] = await tx.query<{ phase: unknown; progress: unknown; source: unknown; target: unknown }>(
      "select phase, progress, source, target from paybill_data_moves where tenant_id = $1 and move_id = $2 for update",
      [tenant, moveId],
    );
    if (existing !== undefined) {
      if (JSON.stringify(existing.source) !== JSON.stringify(where.source) || JSON.stringify(existing.target) !== JSON.stringify(where.target)) {
        throw badEndpoint(`move \`${moveId}\` of tenant \`${tenant}\` was started between other schemas`, "resume it with the schemas it started with, or give the new move another id");
      }
      return { phase: String(existing.phase) as MovePhase, progress: existing.progress as Progress, resumed: true };
    }
    const progress: Progress = { tables: {} };
    await tx.query(
      "insert into paybill_data_moves (tenant_id, move_id, kind, phase, source, target, progress, started_at, updated_at) values ($1, $2, 'move', 'copying', $3, $4, $5, $6, $6)",
      [tenant, moveId, JSON.stringify(where.source), JSON.stringify(where.target), JSON.stringify(progress), control.clock().toISOString()],
    );
    await audit(tx, control, request, "started", { tables: tables.map((t) => t.table), batch });
    return { phase: "copying" as MovePhase, progress, resumed: false };
  });
  await boundary("started");
  let { phase, progress } = started;
  let copied = 0;
  let deleted = 0;

  if (phase === "copying") {
    await requireTables(source, tables, "source");
    await requireTables(target, tables, "target");
    for (const table of tables) {
      let state = progress.tables[table.table] ?? { last: null, copied: 0 };
      for (;;) {
        const moved = await copyBatch(request, table, state.last, batch);
        await boundary(`copied:${table.table}`);
        if (moved.rows === 0) break;
        state = { last: moved.last, copied: state.copied + moved.rows };
        copied += moved.rows;
        progress = { ...progress, tables: { ...progress.tables, [table.table]: state } };
        await saveProgress(control.database, request, "copying", progress, control.clock, "copying");
        await boundary(`recorded:${table.table}`);
      }
    }
    const verified: TableMoved[] = [];
    for (const table of tables) {
      const [from, to] = await Promise.all([tableSum(source, tenant, table), tableSum(target, tenant, table)]);
      if (from.rows !== to.rows || from.checksum !== to.checksum) throw verificationFailed(request, table, from, to);
      verified.push({ table: table.table, ...from });
    }
    progress = { ...progress, verified };
    await advance(control, request, "copying", "verified", progress, { tables: verified });
    phase = "verified";
    await boundary("verified");
  }

  if (phase === "verified") {
    await request.switchRouting?.();
    await boundary("switching");
    await advance(control, request, "verified", "switched", progress, { routing: request.switchRouting === undefined ? "by the caller" : "switched" });
    phase = "switched";
    await boundary("switched");
  }

  if (phase === "switched") {
    deleted = await deleteTenantRows(source, tenant, tables, batch, (table) => boundary(`deleted:${table.table}`));
    progress = { ...progress, deleted: (progress.deleted ?? 0) + deleted };
    await advance(control, request, "switched", "done", progress, { deleted: progress.deleted });
    phase = "done";
  }
  return { tenant, moveId, phase, resumed: started.resumed, tables: progress.verified ?? [], copied, deleted };
}

/** The move's phase and progress as recorded (undefined: never started). */
export async function readMove(sql: Sql, tenant: string, moveId: string): Promise<{ phase: MovePhase; kind: string } | undefined> {
  const [row] = await sql.query<{ phase: unknown; kind: unknown }>("select phase, kind from paybill_data_moves where tenant_id = $1 and move_id = $2", [tenant, moveId]);
  return row === undefined ? undefined : { phase: String(row.phase) as MovePhase, kind: String(row.kind) };
}

/**
 * Copies the next `batch` rows after `last` (key order). One database: one `INSERT … SELECT`
 * between the schemas. Two: the rows are read as JSON and written with
 * `jsonb_populate_recordset`, as JSON text the driver never parses (a `numeric` keeps its scale,
 * a `bigint` its digits). Returns how many rows the batch had and its last key.
 */
async function copyBatch(request: MoveRequest, table: TenantTable, last: string | null, batch: number): Promise<{ rows: number; last: string | null }> {
  const { source, target, tenant } = request;
  const from = qualified(source, table.table);
  const to = qualified(target, table.table);
  const key = ident(table.key);
  const columns = table.columns.join(", ");
  const after = last === null ? "" : ` and ${key} > $3`;
  const params = last === null ? [tenant, batch] : [tenant, batch, last];
  if (source.sql === target.sql) {
    const [row] = await bound(source, tenant, (tx) =>
      tx.query<{ rows: unknown; last: unknown }>(
        `with batch as (select ${columns} from ${from} where tenant_id = $1${after} order by ${key} limit $2),
         copied as (insert into ${to} (${columns}) select ${columns} from batch on conflict do nothing returning 1)
         select (select count(*)::int from batch) as rows, (select ${key}::text from batch order by ${key} desc limit 1) as last, (select count(*) from copied) as inserted`,
        params,
      ),
    );
    return { rows: Number(row?.rows ?? 0), last: row?.last === null || row?.last === undefined ? last : String(row.last) };
  }
  const rows = await bound(source, tenant, (tx) =>
    tx.query<{ k: unknown; r: unknown }>(`select ${key}::text as k, to_jsonb(t)::text as r from (select ${columns} from ${from} where tenant_id = $1${after} order by ${key} limit $2) t`, params),
  );
  if (rows.length === 0) return { rows: 0, last };
  await bound(target, tenant, (tx) =>
    tx.query(`insert into ${to} (${columns}) select ${columns} from jsonb_populate_recordset(null::${to}, $1::jsonb) on conflict do nothing`, [`[${rows.map((r) => String(r.r)).join(",")}]`]),
  );
  return { rows: rows.length, last: String(rows[rows.length - 1]?.k) };
}

/**
 * Records the next phase and audits it, in one transaction on the locked row, only if the
 * move is still in `from`: a run that overlapped another (two at once) does not audit a
 * phase twice.
 */
async function advance(control: MoveControl, request: MoveRequest, from: MovePhase, to: MovePhase, progress: Progress, detail: Record<string, unknown>): Promise<void> {
  await control.database.transaction(async (tx) => {
    const [row] = await tx.query<{ phase: unknown }>("select phase from paybill_data_moves where tenant_id = $1 and move_id = $2 for update", [request.tenant, request.moveId]);
    if (row?.phase !== from) return;
    await saveProgress(tx, request, to, progress, control.clock);
    await audit(tx, control, request, to, detail);
  });
}

/** `only`: written only while the move is in that phase (a copy's progress never overwrites a later phase). */
async function saveProgress(sql: Sql, request: MoveRequest, phase: MovePhase, progress: Progress, clock: () => Date, only?: MovePhase): Promise<void> {
  const params = [request.tenant, request.moveId, phase, JSON.stringify(progress), clock().toISOString()];
  await sql.query(
    `update paybill_data_moves set phase = $3, progress = $4, updated_at = $5 where tenant_id = $1 and move_id = $2${only === undefined ? "" : " and phase = $6"}`,
    only === undefined ? params : [...params, only],
  );
}

async function audit(tx: Sql, control: MoveControl, request: MoveRequest, phase: string, detail: Record<string, unknown>): Promise<void> {
  await appendAudit(
    tx,
    {
      tenant: request.tenant,
      agent: CONTROL_AGENT,
      action: `tenant.data_move.${phase}`,
      input: { move: request.moveId, actor: request.actor ?? DEFAULT_ACTOR, source: request.source.schema, target: request.target.schema, ...detail },
      decision: "allow",
      reasons: [],
    },
    { time: control.clock() },
  );
}

function verificationFailed(request: MoveRequest, table: TenantTable, from: { rows: number; checksum: string }, to: { rows: number; checksum: string }): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR230",
    `the copy of tenant \`${request.tenant}\`'s table \`${table.table}\` does not match its source: ${from.rows} rows (checksum ${from.checksum}) in \`${request.source.schema}\`, ${to.rows} (${to.checksum}) in \`${request.target.schema}\``,
    `nothing was switched or deleted; remove the tenant's rows from \`${request.target.schema}\` that are not the source's (a row written there by something else), then run the move again`,
  );
}

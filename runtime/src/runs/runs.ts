/**
 * Starting workflow runs, reading them and their history (moves are move.ts's). Entering
 * a state with a `timeout` sets the run's `expires_at` (expiry.ts applies it).
 */
import { randomUUID } from "node:crypto";
import type { Bundle, WorkflowSpec } from "../bundle/format.js";
import type { Database, Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { isUuid } from "../store/sql.js";
import { getTenant } from "../store/tenants.js";
import { appendAudit } from "../audit/append.js";
import { stateExpiry } from "./expiry.js";
import { checkRunContext } from "./run-context.js";
import { iso, type Run, type RunMove, runFromRow } from "./run.js";

export interface StartRun {
  readonly workflow: string;
  readonly tenant: string;
  /** Defaults to the workflow's agent; any other agent is refused. */
  readonly agent?: string;
  /**
   * The run's trusted context, when the workflow declares `context { … }`: checked against
   * its fields (PBR210–PBR213), stored with the run and recorded once in the audit chain
   * (`run.start`); nothing can change it afterwards (run-context.ts).
   */
  readonly context?: Readonly<Record<string, unknown>>;
}

export async function startRun(db: Database, bundle: Bundle, request: StartRun, now: Date): Promise<Run> {
  const workflow = bundle.workflows[request.workflow];
  if (workflow === undefined) {
    throw new PaybillRuntimeError("PBR111", `there is no workflow \`${request.workflow}\``, `declared workflows: ${names(bundle.workflows)}`);
  }
  if (request.agent !== undefined && request.agent !== workflow.agent) {
    throw new PaybillRuntimeError(
      "PBR111",
      `workflow \`${workflow.name}\` is run by agent \`${workflow.agent}\`, not \`${request.agent}\``,
      `start it for \`${workflow.agent}\`, or leave \`agent\` out`,
    );
  }
  const context = checkRunContext(workflow, request.context);
  const start = workflow.states[workflow.start];
  const id = randomUUID();
  return db.transaction(async (tx) => {
    await tx.query("select set_config('paybill.tenant', $1, true)", [request.tenant]);
    if ((await getTenant(tx, request.tenant)) === undefined) throw unknownTenant(request.tenant);
    const deadline = workflow.budget.deadlineMs === undefined ? null : new Date(now.getTime() + workflow.budget.deadlineMs).toISOString();
    const [row] = await tx.query(
      `insert into paybill_runs (id, tenant_id, workflow, agent, state, final, max_steps, max_writes, deadline, started_at, updated_at, expires_at, context, context_hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12::jsonb, $13) returning *`,
      [
        id,
        request.tenant,
        workflow.name,
        workflow.agent,
        workflow.start,
        start?.final === true,
        workflow.budget.steps ?? null,
        workflow.budget.writes ?? null,
        deadline,
        now.toISOString(),
        stateExpiry(workflow, workflow.start, now),
        context === undefined ? null : JSON.stringify(context.stored),
        context?.hash ?? null,
      ],
    );
    // The context, once, in the tenant's chain: its hash covers the values as the host gave them.
    if (context !== undefined) {
      await appendAudit(
        tx,
        {
          tenant: request.tenant,
          agent: HOST_AGENT,
          action: "run.start",
          input: { workflow: workflow.name, context: context.stored, contextHash: context.hash },
          decision: "allow",
          reasons: [],
          run: id,
        },
        { time: now },
      );
    }
    await tx.query("insert into paybill_run_history (run_id, seq, from_state, to_state, at) values ($1, 1, null, $2, $3)", [id, workflow.start, now.toISOString()]);
    if (row === undefined) throw new Error("the run insert returned no row");
    return runFromRow(row);
  });
}

/** Who a `run.start` record names: the host that started the run (never an agent). */
export const HOST_AGENT = "paybill:host";

export async function getRun(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<Run | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await sql.query(`select * from paybill_runs where id = $1${options.lock === true ? " for update" : ""}`, [id]);
  return row === undefined ? undefined : runFromRow(row);
}

export async function runHistory(sql: Sql, runId: string): Promise<RunMove[]> {
  if (!isUuid(runId)) throw unknownRun(runId);
  const rows = await sql.query("select seq, from_state, to_state, at from paybill_run_history where run_id = $1 order by seq", [runId]);
  if (rows.length === 0) throw unknownRun(runId);
  return rows.map((row) => ({
    seq: Number(row["seq"]),
    ...(row["from_state"] === null ? {} : { from: String(row["from_state"]) }),
    to: String(row["to_state"]),
    at: iso(row["at"]),
  }));
}

export function unknownRun(id: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR112", `there is no workflow run \`${id}\``, "start one with `runtime.runs.start({ workflow, tenant })` and use the id it returns");
}

export function unknownTenant(id: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR110", `there is no tenant \`${id}\``, "declare it in a `.paybill` file or register it with `runtime.tenants.put(…)`");
}

export function unknownWorkflow(name: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR111", `the run's workflow \`${name}\` is not in this bundle`, "open the runtime on the bundle the run was started with");
}

function names(record: Readonly<Record<string, WorkflowSpec>>): string {
  const keys = Object.keys(record);
  return keys.length === 0 ? "none" : keys.map((k) => `\`${k}\``).join(", ");
}

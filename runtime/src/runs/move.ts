/**
 * Moving a workflow run along an edge (spec/runtime.md, Moves): who may take the edge
 * (`by agent` edges the run's agent, every edge the host), its guard (`when <cel>`, seeing
 * `tenant` and `context` as a policy condition does: time, workflow and state, budget
 * left), the run's step budget (a move is a step), and the move's record in the tenant's
 * audit chain: `workflow.move` by the agent or `paybill:host`, allowed or denied with the
 * reason — a refused move is audited too, then thrown (PBR113 no edge, final, expired or
 * past the deadline; PBR235 a mover the edge does not admit; PBR236 a guard that does not
 * hold; PBR237 no step left).
 *
 * One transaction: the run row is locked, so a move cannot interleave with an act on the
 * same run; the refusal's record is committed before the error is thrown.
 */
import { appendAudit } from "../audit/append.js";
import type { Bundle, Cel, WorkflowSpec } from "../bundle/format.js";
import { celEnvironment } from "../cel/environment.js";
import { celErrorMessage, compileCel, type CompileResult } from "../cel/program.js";
import { Facts } from "../decide/facts.js";
import type { Database } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { getTenant } from "../store/tenants.js";
import { stateExpiry, timedOut } from "./expiry.js";
import { budgetLeft, type Run, runFromRow } from "./run.js";
import { getRun, unknownRun, unknownWorkflow } from "./runs.js";
import { storableText } from "./request-text.js";

/** The audit chain's agent for a move the host makes. */
export const HOST_AGENT = "paybill:host";

/** Who moves: the host (its service, an operator) or an agent by name. */
export interface MoveOptions {
  readonly by?: "host" | (string & {});
}

const GUARD_VARIABLES = { tenant: "dyn", context: "dyn" } as const;

/** Compiled guards and facts per bundle (a bundle is immutable). */
const compiledGuards = new WeakMap<Bundle, { env: ReturnType<typeof celEnvironment>; facts: Facts; guards: Map<string, CompileResult> }>();

function guardsOf(bundle: Bundle) {
  let entry = compiledGuards.get(bundle);
  if (entry === undefined) {
    entry = { env: celEnvironment(GUARD_VARIABLES), facts: new Facts(bundle), guards: new Map() };
    compiledGuards.set(bundle, entry);
  }
  return entry;
}

/** The guard's verdict: true, false, or why it could not be evaluated. */
function guardHolds(bundle: Bundle, guard: Cel, run: Run, tenant: Parameters<Facts["tenant"]>[0], now: Date): true | false | string {
  const { env, facts, guards } = guardsOf(bundle);
  let compiled = guards.get(guard.cel);
  if (compiled === undefined) {
    compiled = compileCel(env, guard.cel);
    guards.set(guard.cel, compiled);
  }
  if (!compiled.ok) return `the guard does not compile: ${compiled.message}`;
  const tenantValue = facts.tenant(tenant);
  if (tenantValue === undefined) return `tenant \`${tenant.id}\` has plan \`${tenant.plan}\`, which is not in the bundle`;
  const context = facts.context({ workflow: { name: run.workflow, state: run.state }, budget: budgetLeft(run), approvals: [] }, now);
  try {
    const value = compiled.program.runCelJs({ tenant: tenantValue, context });
    return value === true || value === false ? value : `the guard gave ${value === null ? "null" : typeof value}, not a bool`;
  } catch (error) {
    return celErrorMessage(error);
  }
}

interface Refusal {
  readonly code: "PBR113" | "PBR235" | "PBR236" | "PBR237";
  readonly message: string;
  readonly help: string;
}

/** Why `mover` may not move `run` to `state` now, or undefined. */
function refusalOf(bundle: Bundle, workflow: WorkflowSpec, run: Run, state: string, mover: string, tenant: Parameters<Facts["tenant"]>[0], now: Date): Refusal | undefined {
  const from = workflow.states[run.state];
  const expired = timedOut(run, now);
  if (expired !== undefined) return { code: "PBR113", message: expired, help: "the run expired in that state: start a new run" };
  if (run.final || from?.final === true) {
    return { code: "PBR113", message: `run \`${run.id}\` is in the final state \`${run.state}\` of workflow \`${run.workflow}\``, help: "start a new run" };
  }
  if (mover !== "host" && mover !== run.agent) {
    return { code: "PBR235", message: `run \`${run.id}\` belongs to agent \`${run.agent}\`, not \`${mover}\``, help: "only the run's agent (along `by agent` edges) or the host moves it" };
  }
  const agentEdges = from === undefined ? [] : from.next.filter((s) => from.edges?.[s]?.by === "agent");
  const reachable = mover === "host" ? (from?.next ?? []) : agentEdges;
  if (from === undefined || !from.next.includes(state)) {
    return { code: "PBR113", message: `workflow \`${run.workflow}\` has no edge from \`${run.state}\` to \`${state}\``, help: `from \`${run.state}\` the run can move to: ${list(reachable)}${mover === "host" ? "" : ` (by agent \`${mover}\`)`}` };
  }
  const edge = from.edges?.[state];
  if (mover !== "host" && edge?.by !== "agent") {
    return {
      code: "PBR235",
      message: `the edge from \`${run.state}\` to \`${state}\` of workflow \`${run.workflow}\` is taken by the host, not by agent \`${mover}\``,
      help: `the host moves the run there (\`runtime.runs.next(run, "${state}")\`); the agent can move it to: ${list(agentEdges)}`,
    };
  }
  if (run.budget.deadline !== undefined && now.getTime() >= Date.parse(run.budget.deadline)) {
    return { code: "PBR113", message: `run \`${run.id}\` passed its deadline at ${run.budget.deadline}`, help: "start a new run" };
  }
  if (run.budget.steps !== undefined && run.steps >= run.budget.steps) {
    return { code: "PBR237", message: `run \`${run.id}\` used all ${run.budget.steps} of its steps`, help: "a move is a step; start a new run, or give the workflow a larger `budget { steps = … }`" };
  }
  if (edge?.when !== undefined) {
    const verdict = guardHolds(bundle, edge.when, run, tenant, now);
    if (verdict !== true) {
      const why = verdict === false ? "does not hold" : `could not be evaluated: ${verdict}`;
      return { code: "PBR236", message: `the guard of the edge from \`${run.state}\` to \`${state}\` (when ${edge.when.cel}) ${why}`, help: "the run stays where it is; move it when the guard holds, or along another edge" };
    }
  }
  return undefined;
}

/**
 * Moves the run to `state` for `options.by` (the host by default). Audited either way;
 * refused with PaybillRuntimeError (the refusal's record committed first).
 */
export async function moveRun(db: Database, bundle: Bundle, runId: string, state: string, now: Date, options: MoveOptions = {}): Promise<Run> {
  const mover = options.by ?? "host";
  const outcome = await db.transaction(async (tx): Promise<{ run: Run } | { refusal: Refusal }> => {
    const run = await getRun(tx, runId, { lock: true });
    if (run === undefined) throw unknownRun(runId);
    await tx.query("select set_config('paybill.tenant', $1, true)", [run.tenant]);
    const workflow = bundle.workflows[run.workflow];
    if (workflow === undefined) throw unknownWorkflow(run.workflow);
    const tenant = (await getTenant(tx, run.tenant)) ?? { id: run.tenant, plan: "", state: "active" };
    const refusal = refusalOf(bundle, workflow, run, state, mover, tenant, now);
    const entry = moveEntry(run, state, mover, refusal);
    if (refusal !== undefined) {
      await appendAudit(tx, entry, { time: now });
      return { refusal };
    }
    const target = workflow.states[state];
    const [row] = await tx.query(
      "update paybill_runs set state = $2, final = $3, steps = steps + 1, updated_at = $4, expires_at = $5 where id = $1 returning *",
      [run.id, state, target?.final === true, now.toISOString(), stateExpiry(workflow, state, now)],
    );
    await tx.query(
      `insert into paybill_run_history (run_id, seq, from_state, to_state, at)
       select $1, coalesce(max(seq), 0) + 1, $2, $3, $4 from paybill_run_history where run_id = $1`,
      [run.id, run.state, state, now.toISOString()],
    );
    await appendAudit(tx, entry, { time: now });
    if (row === undefined) throw new Error("the run update returned no row");
    return { run: runFromRow(row) };
  });
  if ("refusal" in outcome) throw new PaybillRuntimeError(outcome.refusal.code, outcome.refusal.message, outcome.refusal.help);
  return outcome.run;
}

function moveEntry(run: Run, state: string, mover: string, refusal: Refusal | undefined) {
  const by = mover === "host" ? "host" : "agent";
  return {
    tenant: run.tenant,
    agent: mover === "host" ? HOST_AGENT : storableText(mover),
    action: "workflow.move",
    input: { workflow: run.workflow, from: run.state, to: storableText(state), by },
    decision: refusal === undefined ? ("allow" as const) : ("deny" as const),
    reasons: refusal === undefined ? [] : [{ kind: "workflow", code: refusal.code, message: storableText(refusal.message) }],
    run: run.id,
  };
}

function list(states: readonly string[]): string {
  return states.length === 0 ? "none" : states.map((s) => `\`${s}\``).join(", ");
}

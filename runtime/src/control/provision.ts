/**
 * Runs a tenant's provisioning plan so that retries converge. The tenant's current flow
 * (its plan, numbered by the transition that started it) is in its row; every attempt at
 * every step is a `paybill_provisioning_steps` row with the outcome. A run:
 *
 * 1. one transaction: `pending | provisioning_failed → provisioning` (`provision`); a tenant
 *    already `provisioning` (a plan change, or a run that crashed) or `offboarding`
 *    continues where it is; the steps recorded ok in this flow and the attempt number;
 * 2. outside any transaction, each step not yet recorded ok, in order, through the
 *    provisioner; each outcome recorded as it comes (a crash after a step loses nothing
 *    but that step's record, and the step runs again: provisioners are idempotent);
 * 3. one transaction: a failed step makes it `provisioning_failed` (an offboarding stays
 *    `offboarding`, to be run again); all done makes it `active` with the pending plan as
 *    its plan (`provisioned`), or `offboarded`.
 *
 * A failing step does not throw: the call resolves with the tenant in its new state and
 * the outcomes. Each call claims the next attempt number in the tenant's row; a call that
 * finds, before a step, that a later call took over (or the flow was settled) stops there
 * (`superseded`), so two calls at once overlap by one step at most. A tenant that moved on
 * meanwhile is left as it is.
 */
import { type ControlContext, DEFAULT_ACTOR } from "./context.js";
import { describeStep, runStep } from "./provisioner.js";
import { illegalTransition } from "./problems.js";
import { type Flow, lockTenant, readTenant } from "./rows.js";
import { finishedSteps } from "./tenants.js";
import { applyTransition } from "./transition.js";
import type { Provisioner, ProvisionResult, ProvisionStep, StepOutcome, Tenant } from "./types.js";

export async function provision(ctx: ControlContext, id: string, provisioner: Provisioner, options: { actor?: string } = {}): Promise<ProvisionResult> {
  const actor = options.actor ?? DEFAULT_ACTOR;
  const start = await ctx.database.transaction(async (tx) => {
    let current = await lockTenant(tx, id);
    const flow = current.flow;
    const state = current.tenant.state;
    if (flow === undefined || !(state === "pending" || state === "provisioning_failed" || state === "provisioning" || state === "offboarding")) {
      throw illegalTransition(id, state, "provision");
    }
    if (state === "pending" || state === "provisioning_failed") {
      current = (await applyTransition(tx, current, "provision", {}, { actor, now: ctx.clock(), detail: { provisioner: provisioner.name } })).record;
    }
    const done = await finishedSteps(tx, id, flow.flow);
    const [row] = await tx.query<{ attempt: unknown }>("select coalesce(max(attempt), 0) as attempt from paybill_provisioning_steps where tenant_id = $1 and flow = $2", [
      id,
      flow.flow,
    ]);
    // This call's attempt, claimed in the row: a call still running with an older one stops at its next step.
    const attempt = Math.max(Number(row?.attempt ?? 0), flow.attempt ?? 0) + 1;
    await tx.query("update paybill_tenants set provisioning = jsonb_set(provisioning, '{attempt}', to_jsonb($2::int)) where id = $1", [id, attempt]);
    return { tenant: current.tenant, flow, done, attempt };
  });

  const steps: { step: ProvisionStep; outcome: StepOutcome; skipped: boolean }[] = [];
  for (const [index, step] of start.flow.plan.steps.entries()) {
    const finished = start.done.get(index);
    if (finished !== undefined) {
      steps.push({ step, outcome: { ok: true, ...finished }, skipped: true });
      continue;
    }
    if (await superseded(ctx, id, start.flow.flow, start.attempt)) {
      return { tenant: (await readTenant(ctx.database, id))?.tenant ?? start.tenant, steps, superseded: true };
    }
    const outcome = await runStep(provisioner, step, { tenant: start.tenant, attempt: start.attempt });
    await ctx.database.query(
      `insert into paybill_provisioning_steps (tenant_id, flow, step_index, attempt, kind, step, provisioner, ok, detail, outputs, at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing`,
      [
        id,
        start.flow.flow,
        index,
        start.attempt,
        step.kind,
        JSON.stringify(step),
        provisioner.name,
        outcome.ok,
        outcome.detail,
        outcome.outputs === undefined ? null : JSON.stringify(outcome.outputs),
        ctx.clock().toISOString(),
      ],
    );
    steps.push({ step, outcome, skipped: false });
    if (!outcome.ok) {
      const tenant = await settle(ctx, id, start.flow, start.attempt, actor, `step ${index + 1} (${describeStep(step)}) failed: ${outcome.detail}`);
      return { tenant, steps };
    }
  }
  return { tenant: await settle(ctx, id, start.flow, start.attempt, actor), steps };
}

/** Whether the tenant's flow was settled or taken over by a later call since this one started. */
async function superseded(ctx: ControlContext, id: string, flow: number, attempt: number): Promise<boolean> {
  const [row] = await ctx.database.query<{ flow: unknown; attempt: unknown }>(
    "select provisioning->>'flow' as flow, provisioning->>'attempt' as attempt from paybill_tenants where id = $1",
    [id],
  );
  return row === undefined || Number(row.flow) !== flow || Number(row.attempt) !== attempt;
}

/** Ends a run: `failure` given, the flow failed; else it is done. Only if the tenant is still in this flow and attempt. */
async function settle(ctx: ControlContext, id: string, flow: Flow, attempt: number, actor: string, failure?: string): Promise<Tenant> {
  return ctx.database.transaction(async (tx) => {
    const current = await lockTenant(tx, id);
    if (current.flow?.flow !== flow.flow || current.flow.attempt !== attempt) return current.tenant;
    const meta = { actor, now: ctx.clock(), ...(failure === undefined ? {} : { reason: failure }) };
    const state = current.tenant.state;
    if (failure !== undefined) {
      if (state !== "provisioning") return current.tenant;
      return (await applyTransition(tx, current, "provisioning_failed", {}, meta)).record.tenant;
    }
    if (state === "offboarding") return (await applyTransition(tx, current, "offboarded", { flow: null }, meta)).record.tenant;
    if (state !== "provisioning") return current.tenant;
    const plan = current.tenant.pendingPlan ?? current.tenant.plan;
    return (await applyTransition(tx, current, "provisioned", { plan, pendingPlan: null, flow: null }, meta)).record.tenant;
  });
}

/**
 * `openRuntime`: a bundle and a database make a Runtime, the object an agent service
 * embeds. It only wires the parts: the pure decider (decide/), the store (store/:
 * adapters, migrations, effects, tenants), workflow runs, approvals and the act door
 * (runs/), quotas (quota/), the audit chain (audit/) and the control plane (control/:
 * the tenant lifecycle, plan changes, provisioning, billing events and usage).
 *
 * The runtime keeps no state between calls: everything lives in the database, so several
 * service instances can share one.
 */
import { queryAudit, type AuditQuery } from "./audit/query.js";
import type { AuditRecord } from "./audit/record.js";
import { verifyAudit, type VerifyResult } from "./audit/verify.js";
import { billingEvent, sweep } from "./control/billing.js";
import type { ControlContext } from "./control/context.js";
import { inactiveApproval } from "./control/problems.js";
import type { TenantState } from "./control/lifecycle.js";
import { provision } from "./control/provision.js";
import { listTenants, readTenant, tenantHistory } from "./control/rows.js";
import { changePlan } from "./control/subscriptions.js";
import { type Onboard, offboard, onboard, remainingPlan, resume, suspend } from "./control/tenants.js";
import type { BillingEvent, BillingResult, Provisioner, ProvisioningPlan, ProvisionResult, Tenant, Transition, UsageRow } from "./control/types.js";
import { exportUsage, recordUsage, type UsageRecord } from "./control/usage.js";
import type { Bundle } from "./bundle/format.js";
import { loadBundle } from "./bundle/load.js";
import { recordBundleRun } from "./bundle/release.js";
import type { TrustedKey } from "./bundle/signature.js";
import { Decider } from "./decide/decider.js";
import { allowedActions } from "./decide/workflow.js";
import type { Approval, Decision, TenantFacts } from "./decide/request.js";
import { ACTION_QUOTA, planLimit, quotaUsed } from "./quota/quota.js";
import { type ActResult, actIn } from "./runs/act.js";
import { type ApprovalRequest, type ApprovalStatus, getApproval, listApprovals, settleApproval, unknownApproval, wrongStatus } from "./runs/approvals.js";
import { type ActRequest, type Engine, evaluate } from "./runs/evaluate.js";
import type { Run, RunMove } from "./runs/run.js";
import { getRun, moveRun, runHistory, type StartRun, startRun, unknownTenant } from "./runs/runs.js";
import type { Database } from "./store/adapter.js";
import { PaybillRuntimeError } from "./store/errors.js";
import { migrate } from "./store/migrate.js";
import { type DatabaseConfig, openDatabase } from "./store/open-database.js";
import { getTenant, putTenant, syncStaticTenants } from "./store/tenants.js";

export interface RuntimeOptions {
  /** The bundle `paybillc build` wrote (parsed, or its text); checked like `loadBundle` does. */
  readonly bundle: Bundle | string;
  /** Embedded PGlite in memory when absent. */
  readonly database?: DatabaseConfig;
  /** The time decisions are made at (tests move it to pass a deadline or a day). */
  readonly clock?: () => Date;
  /** ed25519 public keys (PEM or KeyObject): when given, only a bundle signed by one of them opens (PBR008, PBR009). */
  readonly trustedKeys?: readonly TrustedKey[];
  /** Open a bundle whose release is older than the last one the database ran (PBR010, PBR012): a planned rollback. */
  readonly allowRollback?: boolean;
}

/** `decide`'s request: `act`'s, plus what-if approvals and time (nothing is written). */
export interface DecideRequest extends ActRequest {
  readonly approvals?: readonly Approval[];
  readonly time?: Date | string;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const bundle = loadBundle(options.bundle, options.trustedKeys === undefined ? {} : { trustedKeys: options.trustedKeys });
  const decider = new Decider(bundle);
  const database = await openDatabase(options.database ?? {});
  try {
    await migrate(database);
    await database.transaction((tx) => recordBundleRun(tx, bundle, { allowRollback: options.allowRollback === true }));
    await database.transaction((tx) => syncStaticTenants(tx, bundle));
  } catch (error) {
    await database.close();
    throw error;
  }
  return new Runtime({ bundle, decider, clock: options.clock ?? (() => new Date()) }, database);
}

export class Runtime {
  readonly bundle: Bundle;
  readonly decider: Decider;
  /** The database adapter (queries and transactions), for the host's own reads and for tests. */
  readonly database: Database;
  readonly #engine: Engine;
  readonly #control: ControlContext;
  #closed = false;

  constructor(engine: Engine & { decider: Decider }, database: Database) {
    this.bundle = engine.bundle;
    this.decider = engine.decider;
    this.database = database;
    this.#engine = engine;
    this.#control = { database, bundle: engine.bundle, clock: engine.clock };
  }

  /** What `act` would decide now, without writing anything (the quota is checked, not taken). */
  async decide(request: DecideRequest): Promise<Decision> {
    this.#open();
    const now = request.time === undefined ? this.#engine.clock() : new Date(request.time);
    return this.database.transaction(async (tx) => {
      await tx.query("set transaction read only");
      return (await evaluate(tx, this.#engine, request, "decide", now, request.approvals)).decision;
    });
  }

  /** Decides the action and, when allowed, performs it; audited either way; one transaction. */
  async act(request: ActRequest): Promise<ActResult> {
    this.#open();
    return this.database.transaction((tx) => actIn(tx, this.#engine, request));
  }

  /** Re-decides a granted approval's request with the approval in context, and performs it if allowed. Once; not while the tenant is not active (PBR147). */
  async resume(approvalId: string): Promise<ActResult> {
    this.#open();
    return this.database.transaction(async (tx) => {
      const approval = await getApproval(tx, approvalId, { lock: true });
      if (approval === undefined) throw unknownApproval(approvalId);
      if (approval.status !== "granted" || approval.decidedBy === undefined || approval.decidedAt === undefined) throw wrongStatus(approval, "granted");
      // A tenant that is not active would have the approval spent on a denial: it waits, granted.
      const tenant = await getTenant(tx, approval.tenant);
      if (tenant !== undefined && tenant.state !== "active") throw inactiveApproval(approval.id, approval.tenant, tenant.state);
      const request: ActRequest = {
        tenant: approval.tenant,
        agent: approval.agent,
        action: approval.action,
        input: approval.input,
        ...(approval.run === undefined ? {} : { run: approval.run }),
      };
      const given: Approval = { group: approval.group, by: approval.decidedBy, at: approval.decidedAt };
      const result = await actIn(tx, this.#engine, request, { approvals: [given], resumes: approval.id });
      await tx.query("update paybill_approvals set status = 'resumed', resumed_audit_id = $2 where id = $1", [approval.id, result.auditId]);
      return result;
    });
  }

  readonly runs = {
    /** Starts a run of `workflow` for `tenant` in its start state, with the workflow's budget. */
    start: (request: StartRun): Promise<Run> => {
      this.#open();
      return startRun(this.database, this.bundle, request, this.#engine.clock());
    },
    get: (runId: string): Promise<Run | undefined> => {
      this.#open();
      return getRun(this.database, runId);
    },
    /** Moves the run along a declared edge (PBR113 otherwise, and from a final state or past the deadline). */
    next: (runId: string, state: string): Promise<Run> => {
      this.#open();
      return moveRun(this.database, this.bundle, runId, state, this.#engine.clock());
    },
    /**
     * The run and the actions its current state allows (none in a final state): the tools
     * an agent in this run may be offered. Undefined for an unknown run.
     */
    allowed: async (runId: string): Promise<{ run: Run; actions: string[] } | undefined> => {
      this.#open();
      const run = await getRun(this.database, runId);
      if (run === undefined) return undefined;
      const state = this.bundle.workflows[run.workflow]?.states[run.state];
      return { run, actions: state === undefined ? [] : allowedActions(this.bundle, state) };
    },
    /** The states the run went through, the start first. */
    history: (runId: string): Promise<RunMove[]> => {
      this.#open();
      return runHistory(this.database, runId);
    },
  };

  readonly approvals = {
    get: (id: string): Promise<ApprovalRequest | undefined> => {
      this.#open();
      return getApproval(this.database, id);
    },
    list: (query: { tenant: string; status?: ApprovalStatus; run?: string }): Promise<ApprovalRequest[]> => {
      this.#open();
      return listApprovals(this.database, query);
    },
    grant: (id: string, by: { by: string; note?: string }): Promise<ApprovalRequest> => {
      this.#open();
      return settleApproval(this.database, id, "granted", by, this.#engine.clock());
    },
    reject: (id: string, by: { by: string; note?: string }): Promise<ApprovalRequest> => {
      this.#open();
      return settleApproval(this.database, id, "rejected", by, this.#engine.clock());
    },
  };

  readonly audit = {
    query: (query: AuditQuery): Promise<AuditRecord[]> => {
      this.#open();
      return queryAudit(this.database, query);
    },
    /** Checks the tenant's whole chain on one snapshot: ok, or the first bad record and what is wrong. */
    verify: (tenant: string): Promise<VerifyResult> => {
      this.#open();
      return this.database.transaction(async (tx) => {
        await tx.query("set transaction isolation level repeatable read, read only");
        return verifyAudit(tx, tenant);
      });
    },
  };

  /** The tenant registry and lifecycle (spec/control-plane.md): every change is one audited transition. */
  readonly tenants = {
    get: async (id: string): Promise<Tenant | undefined> => {
      this.#open();
      return (await readTenant(this.database, id))?.tenant;
    },
    list: (filter: { state?: TenantState; plan?: string } = {}): Promise<Tenant[]> => {
      this.#open();
      return listTenants(this.database, filter);
    },
    /** Registers a tenant (`pending`) and gives the plan that provisions it. */
    onboard: (request: Onboard): Promise<{ tenant: Tenant; plan: ProvisioningPlan }> => {
      this.#open();
      return onboard(this.#control, request);
    },
    /** The steps of the tenant's provisioning plan still to do; undefined when none is under way. */
    plan: (id: string): Promise<ProvisioningPlan | undefined> => {
      this.#open();
      return remainingPlan(this.database, id);
    },
    /** Runs the steps not yet done, through `provisioner`; a failed step leaves the tenant `provisioning_failed` (resolved, not thrown). */
    provision: (id: string, provisioner: Provisioner, options: { actor?: string } = {}): Promise<ProvisionResult> => {
      this.#open();
      return provision(this.#control, id, provisioner, options);
    },
    /** Applies at once within the same placement; otherwise starts a move (`plan` is its provisioning plan). */
    changePlan: (id: string, plan: string, options: { actor?: string } = {}): Promise<{ tenant: Tenant; plan?: ProvisioningPlan }> => {
      this.#open();
      return changePlan(this.#control, id, plan, options);
    },
    suspend: (id: string, options: { reason?: string; actor?: string } = {}): Promise<Tenant> => {
      this.#open();
      return suspend(this.#control, id, options);
    },
    resume: (id: string, options: { actor?: string } = {}): Promise<Tenant> => {
      this.#open();
      return resume(this.#control, id, options);
    },
    offboard: (id: string, options: { reason?: string; actor?: string } = {}): Promise<Tenant> => {
      this.#open();
      return offboard(this.#control, id, options);
    },
    /** The tenant's transitions, the first first. */
    history: (id: string): Promise<Transition[]> => {
      this.#open();
      return tenantHistory(this.database, id);
    },
    /** Registers a tenant, or sets its plan, state or region, with no lifecycle check and no audit (tests and tools). */
    put: (tenant: TenantFacts): Promise<TenantFacts> => {
      this.#open();
      return putTenant(this.database, tenant);
    },
  };

  /** Billing events (idempotent by id) and the sweep that suspends tenants whose grace ended. */
  readonly billing = {
    event: (event: BillingEvent): Promise<BillingResult> => {
      this.#open();
      return billingEvent(this.#control, event);
    },
    sweep: (now?: Date | string): Promise<Transition[]> => {
      this.#open();
      return sweep(this.#control, now === undefined ? undefined : new Date(now));
    },
  };

  /** Usage per tenant and month, for a billing system: gauges recorded by the host, agent actions counted from the audit. */
  readonly usage = {
    record: (usage: UsageRecord): Promise<void> => {
      this.#open();
      return recordUsage(this.#control, usage);
    },
    export: (query: { period: string; tenant?: string }): Promise<UsageRow[]> => {
      this.#open();
      return exportUsage(this.#control, query);
    },
  };

  readonly quotas = {
    /** How many actions the tenant's agents performed in the current period of its plan's `agent_actions` limit. */
    used: async (tenant: string): Promise<{ used: number; limit?: number; per?: string }> => {
      this.#open();
      const facts = await getTenant(this.database, tenant);
      if (facts === undefined) throw unknownTenant(tenant);
      const limit = planLimit(this.bundle, facts.plan, ACTION_QUOTA);
      if (limit === undefined) return { used: 0 };
      const used = await quotaUsed(this.database, tenant, ACTION_QUOTA, limit, this.#engine.clock());
      return { used, limit: limit.amount, ...(limit.per === undefined ? {} : { per: limit.per }) };
    },
  };

  /** Closes the database the runtime opened (a PGlite instance or URL pool it created; not an instance you passed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.database.close();
  }

  #open(): void {
    if (this.#closed) throw new PaybillRuntimeError("PBR130", "this runtime is closed", "open another with `openRuntime(…)`");
  }
}

export type { ActRequest, ActResult, ApprovalRequest, ApprovalStatus, AuditQuery, AuditRecord, DatabaseConfig, Run, RunMove, StartRun, VerifyResult };

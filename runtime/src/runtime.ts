/**
 * `openRuntime`: a bundle and a database make a Runtime, the object an agent service
 * embeds. It only wires the parts: the pure decider (decide/), the store (store/:
 * adapters, migrations, effects, tenants), workflow runs, approvals and the act door
 * (runs/), quotas (quota/), the audit chain (audit/) and the control plane (control/:
 * the tenant lifecycle, plan changes, provisioning, billing events and usage).
 *
 * The runtime keeps no state between calls: everything lives in the database, so several
 * service instances can share one.
 *
 * No statement runs as the connecting role (store/roles.ts, spec/database.md): the agent
 * path (act, decide, runs, approvals, a tenant's audit and quota) runs as `paybill_runtime`
 * bound to one tenant, the control plane as `paybill_control`. On PostgreSQL the connecting
 * role is checked at open and the runtime's tables must have been migrated by `paybillc
 * migrate`, unless the connection is declared `privileged`; PGlite migrates itself.
 */
import { type AuditConfig, type AuditOptions, auditConfig, auditTenants, startSchedule } from "./audit/config.js";
import type { SignedCheckpoint } from "./audit/checkpoint.js";
import { type CheckpointSchedule, checkpointHeads, readHeads } from "./audit/checkpoints.js";
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
import { type MoveReport, type MoveRequest, moveTenantData } from "./control/data-move.js";
import { type EraseReport, type EraseRequest, eraseTenantData, type ExportedEntity, exportTenantData } from "./control/offboarding.js";
import type { DataEndpoint } from "./control/tenant-rows.js";
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
import { expireApprovalIfDue, sweepApprovals } from "./runs/approval-expiry.js";
import type { Approver } from "./runs/approver.js";
import { type ApprovalNotifications, ApprovalNotifier } from "./runs/approval-notify.js";
import { type ApprovalRequest, type ApprovalStatus, getApproval, listApprovals, settleApproval, unknownApproval, wrongStatus } from "./runs/approvals.js";
import type { Attributes, Span } from "@opentelemetry/api";
import { type ActRequest, type Engine, type Evaluation, evaluate, evaluationOpening, openedBy, openingOptions } from "./runs/evaluate.js";
import { EffectFailure, recordFailedAttempt } from "./runs/failed-attempt.js";
import { type HostOutcome, type PendingPerformance, pendingIn, type Report, reportIn } from "./runs/performances.js";
import { auditKeyOf, resumedInput } from "./runs/masked-resume.js";
import { requireStorableTenant } from "./runs/request-text.js";
import { expireIfDue, sweepRuns } from "./runs/expiry.js";
import type { Run, RunMove } from "./runs/run.js";
import { type MoveOptions, moveRun } from "./runs/move.js";
import { runHistory, type StartRun, startRun, unknownTenant } from "./runs/runs.js";
import { type Observation, type ObserveResult, observe } from "./runs/provenance.js";
import type { Database } from "./store/adapter.js";
import { checkConnectingRole, checkMigrated } from "./store/connecting-role.js";
import { PaybillRuntimeError } from "./store/errors.js";
import { migrate } from "./store/migrate.js";
import { asRole, bindOwner, bindTo } from "./store/role-database.js";
import { CONTROL_ROLE, RUNTIME_ROLE } from "./store/roles.js";
import { type DatabaseConfig, openDatabase } from "./store/open-database.js";
import { getTenant, putTenant, syncStaticTenants } from "./store/tenants.js";
import { type DecisionFacts, Telemetry, type TelemetryOptions, decisionAttributes } from "./telemetry/telemetry.js";
import { type AgentToken, authenticate, createToken, listTokens, revokeToken, type TokenIdentity } from "./store/agent-tokens.js";

export interface RuntimeOptions {
  /** The bundle `paybillc build` wrote (parsed, or its text); checked like `loadBundle` does. */
  readonly bundle: Bundle | string;
  /** Embedded PGlite in memory when absent. */
  readonly database?: DatabaseConfig;
  /** The time decisions are made at (tests move it to pass a deadline or a day). */
  readonly clock?: () => Date;
  /**
   * The key (at least 32 bytes) the audit and the approvals table hash `@secret` and `@pii`
   * input values with (HMAC-SHA-256): equal values can be correlated and a value re-given
   * on resume is checked. Without it such values are kept as `"***"` (spec/runtime.md).
   */
  readonly auditKey?: string | Uint8Array;
  /** Signed checkpoints of the audit chains, kept outside the database (audit/config.ts, spec/runtime.md). */
  readonly audit?: AuditOptions;
  /** ed25519 public keys (PEM or KeyObject): when given, only a bundle signed by one of them opens (PBR008, PBR009). */
  readonly trustedKeys?: readonly TrustedKey[];
  /** Open a bundle whose release is older than the last one the database ran (PBR010, PBR012): a planned rollback. */
  readonly allowRollback?: boolean;
  /** OpenTelemetry providers (spec/telemetry.md); the global ones by default, the API's no-op unless the host configured an SDK. */
  readonly telemetry?: TelemetryOptions;
  /** Who hears of a pending approval: a webhook with a Slack-compatible body (runs/approval-notify.ts; PBR265 for bad settings). */
  readonly approvals?: ApprovalNotifications;
}

/** `resume`'s options: the values of the approval's masked inputs, which were never stored. */
export interface ResumeOptions {
  readonly input?: Readonly<Record<string, unknown>>;
}

/** `decide`'s request: `act`'s, plus what-if approvals and time (nothing is written). */
export interface DecideRequest extends ActRequest {
  readonly approvals?: readonly Approval[];
  readonly time?: Date | string;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const bundle = loadBundle(options.bundle, options.trustedKeys === undefined ? {} : { trustedKeys: options.trustedKeys });
  const auditKey = auditKeyOf(options.auditKey);
  const telemetry = new Telemetry(options.telemetry);
  // Settings are checked before the database opens: bad ones refuse the runtime (PBR265) with nothing to close.
  const notifier = new ApprovalNotifier(options.approvals ?? {}, telemetry.notifications);
  const decider = new Decider(bundle);
  // Keys are read before the database opens: a bad key refuses the runtime (PBR160) with nothing to close.
  const audit = await auditConfig(options.audit ?? {});
  const config = options.database ?? {};
  const database = await openDatabase(config);
  try {
    if (database.kind === "pglite" || ("url" in config && config.privileged === true)) await migrate(database);
    else {
      await checkConnectingRole(database, Object.values(bundle.entities).map((e) => e.table));
      await checkMigrated(database);
    }
    const control = asRole(database, CONTROL_ROLE);
    await control.transaction((tx) => recordBundleRun(tx, bundle, { allowRollback: options.allowRollback === true }));
    await control.transaction((tx) => syncStaticTenants(tx, bundle));
  } catch (error) {
    await database.close();
    throw error;
  }
  return new Runtime({ bundle, decider, clock: options.clock ?? (() => new Date()), ...(auditKey === undefined ? {} : { auditKey }) }, database, audit, telemetry, notifier);
}

export class Runtime {
  readonly bundle: Bundle;
  readonly decider: Decider;
  /**
   * The database adapter (queries and transactions) as the connecting role, for the host's
   * own reads and for tests; the runtime itself never uses it directly (it switches roles).
   */
  readonly database: Database;
  readonly #engine: Engine;
  readonly #control: ControlContext;
  /** The agent path's view: `paybill_runtime`, each call binding its tenant itself. */
  readonly #agent: Database;
  readonly #audit: AuditConfig;
  readonly #schedule: CheckpointSchedule | undefined;
  /** Traces and metrics (telemetry/telemetry.ts); `request` is the hook for an HTTP server in front of the runtime. */
  readonly telemetry: Telemetry;
  readonly #notifier: ApprovalNotifier;
  #closed = false;

  constructor(
    engine: Engine & { decider: Decider },
    database: Database,
    audit: AuditConfig = { trusted: [] },
    telemetry: Telemetry = new Telemetry(),
    notifier: ApprovalNotifier = new ApprovalNotifier({}),
  ) {
    this.bundle = engine.bundle;
    this.decider = engine.decider;
    this.database = database;
    this.#engine = engine;
    this.#agent = asRole(database, RUNTIME_ROLE);
    this.#control = { database: asRole(database, CONTROL_ROLE), bundle: engine.bundle, clock: engine.clock };
    this.#audit = audit;
    this.telemetry = telemetry;
    this.#notifier = notifier;
    // The schedule reads every chain's head: the control role's, across tenants.
    this.#schedule = startSchedule(audit, this.#control.database, engine.clock);
  }

  /** `paybill_runtime` bound to `tenant`. */
  #tenant(tenant: string): Database {
    return asRole(this.database, RUNTIME_ROLE, bindTo(tenant));
  }

  /** `paybill_runtime` bound to the tenant the run or approval belongs to (to none when it is unknown). */
  #owner(kind: "run" | "approval", id: string): Database {
    return asRole(this.database, CONTROL_ROLE, bindOwner(kind, id));
  }

  /** What `act` would decide now, without writing anything (the quota is checked, not taken). */
  async decide(request: DecideRequest): Promise<Decision> {
    this.#open();
    return this.telemetry.span("paybill.decide", requestAttributes(request), async (span) => {
      const started = performance.now();
      const now = request.time === undefined ? this.#engine.clock() : new Date(request.time);
      const opening = evaluationOpening(this.#engine, request, "decide", now);
      const decision = await this.#agent.transaction(
        async (tx, opened) => (await evaluate(tx, this.#engine, request, "decide", now, request.approvals, openedBy(opening, opened))).decision,
        openingOptions(opening, "set transaction read only"),
      );
      decisionAttributes(span, decision.decision);
      this.telemetry.decided(decisionFacts("decide", request, decision, started));
      return decision;
    });
  }

  /** Decides the action and, when allowed, performs it; audited either way; one transaction. */
  async act(request: ActRequest): Promise<ActResult> {
    this.#open();
    return this.telemetry.span("paybill.act", requestAttributes(request), async (span) => {
      const started = performance.now();
      let evaluation: Evaluation | undefined;
      const observe = (e: Evaluation): void => {
        evaluation = e;
      };
      try {
        // The tenant's binding, facts and run (and the totals' locks and values, the foldable lookups) ride with BEGIN (evaluate.ts), at one time.
        const now = this.#engine.clock();
        const opening = evaluationOpening(this.#engine, request, "act", now);
        const result = await this.#agent.transaction((tx, opened) => {
          const prefetched = openedBy(opening, opened);
          return actIn(tx, this.#engine, request, prefetched === undefined ? { now, observe } : { opened: prefetched, now, observe });
        }, openingOptions(opening));
        this.#acted(span, "act", request, result, evaluation, started);
        this.#notify(result);
        return result;
      } catch (error) {
        if (error instanceof EffectFailure) throw await recordFailedAttempt(this.#agent, error, this.#engine.clock());
        throw error;
      }
    });
  }

  /** A committed pending act: its approval's notification starts, beside the caller (runs/approval-notify.ts). */
  #notify(result: ActResult): void {
    const id = result.approvalId;
    if (result.decision !== "pending" || id === undefined) return;
    this.#notifier.pending(id, result.reasons, () => getApproval(this.#owner("approval", id), id));
  }

  /** An act's or resume's span attributes and metrics, once committed. */
  #acted(span: Span, operation: "act" | "resume", request: ActRequest, result: ActResult, evaluation: Evaluation | undefined, started: number): void {
    decisionAttributes(span, result.decision, {
      // A resume learns who asked what from the approval.
      ...(operation === "resume" ? requestAttributes(request) : {}),
      "paybill.audit.id": result.auditId,
      ...(result.approvalId === undefined ? {} : { "paybill.approval.id": result.approvalId }),
    });
    const run = evaluation?.run;
    const facts = decisionFacts(operation, request, result, started);
    this.telemetry.decided({
      ...facts,
      quotaTaken: result.decision === "allow" && evaluation?.quota !== undefined,
      ...(run?.budget.steps === undefined || evaluation === undefined ? {} : { runSteps: { used: run.steps + (evaluation.countsStep ? 1 : 0), budget: run.budget.steps } }),
    });
  }

  /**
   * Re-decides a granted approval's request with the approval in context, and performs it if
   * allowed. Once; not while the tenant is not active (PBR147). The values of `@secret` and
   * `@pii` inputs were never stored: `options.input` gives them again (PBR171 without,
   * PBR172 when one differs from the approved value's keyed hash).
   */
  async resume(approvalId: string, options: ResumeOptions = {}): Promise<ActResult> {
    this.#open();
    return this.telemetry.span("paybill.resume", { "paybill.approval.id": approvalId }, async (span) => {
      const started = performance.now();
      try {
        const { request, result, evaluation } = await this.#resume(approvalId, options);
        this.#acted(span, "resume", request, result, evaluation, started);
        this.#notify(result);
        return result;
      } catch (error) {
        if (error instanceof EffectFailure) throw await recordFailedAttempt(this.#agent, error, this.#engine.clock());
        throw error;
      }
    });
  }

  async #resume(approvalId: string, options: ResumeOptions): Promise<{ request: ActRequest; result: ActResult; evaluation: Evaluation | undefined }> {
    await this.#expireApprovalRun(approvalId);
    return this.#owner("approval", approvalId).transaction(async (tx) => {
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
        input: resumedInput(approval, this.bundle.actions[approval.action], options.input, this.#engine.auditKey),
        ...(approval.run === undefined ? {} : { run: approval.run }),
      };
      const given: Approval = { group: approval.group, by: approval.decidedBy, at: approval.decidedAt };
      let evaluation: Evaluation | undefined;
      const result = await actIn(tx, this.#engine, request, { approvals: [given], resumes: approval.id, observe: (e) => { evaluation = e; } });
      await tx.query("update paybill_approvals set status = 'resumed', resumed_audit_id = $2 where id = $1", [approval.id, result.auditId]);
      return { request, result, evaluation };
    });
  }

  /**
   * Records what the host made of an allowed host act (`effect host`): `id` is the act's
   * `perform.id` (its `auditId`). Once per performance (PBR241), only for one of `tenant`'s
   * (PBR240); appended to the tenant's chain as `host.report`, linked to the act's record.
   */
  async report(tenant: string, id: string, outcome: HostOutcome): Promise<Report> {
    this.#open();
    requireStorableTenant(tenant);
    return this.#tenant(tenant).transaction((tx) => reportIn(tx, tenant, id, outcome, this.#engine.clock()));
  }

  readonly performances = {
    /** The tenant's host performances allowed and not yet reported, oldest first. */
    pending: (tenant: string): Promise<PendingPerformance[]> => {
      this.#open();
      requireStorableTenant(tenant);
      return pendingIn(this.#tenant(tenant), tenant);
    },
  };

  readonly runs = {
    /** Starts a run of `workflow` for `tenant` in its start state, with the workflow's budget. */
    start: async (request: StartRun): Promise<Run> => {
      this.#open();
      requireStorableTenant(request.tenant);
      return this.#op("runs.start", { "paybill.tenant": request.tenant, "paybill.workflow": String(request.workflow) }, () => startRun(this.#agent, this.bundle, request, this.#engine.clock()));
    },
    /** The run, expired first when its state's timeout has run out. */
    get: (runId: string): Promise<Run | undefined> => {
      this.#open();
      return expireIfDue(this.#owner("run", runId), this.bundle, runId, this.#engine.clock());
    },
    /**
     * Moves the run along a declared edge, as the host (default) or `{ by: agent }` (only
     * `by agent` edges: PBR235 otherwise), when the edge's guard holds (PBR236) and a step is
     * left (PBR237; a move is a step); PBR113 along no edge, from a final state, past the
     * deadline or its state's timeout. Audited (`workflow.move`) whether it moves or not.
     */
    next: async (runId: string, state: string, options: MoveOptions = {}): Promise<Run> => {
      this.#open();
      return this.#op("runs.next", { "paybill.run": runId, "paybill.state": state }, async () => {
        const now = this.#engine.clock();
        await expireIfDue(this.#owner("run", runId), this.bundle, runId, now);
        return moveRun(this.#owner("run", runId), this.bundle, runId, state, now, options);
      });
    },
    /**
     * Expires every run whose current state's `timeout` has run out at `now` (the runtime's
     * clock by default), with its pending and granted approvals; each run in its own
     * transaction, audited. Run it periodically (`paybillc billing sweep` does).
     */
    sweep: (now?: Date | string): Promise<Run[]> => {
      this.#open();
      return sweepRuns(this.#control.database, (id) => this.#owner("run", id), this.bundle, now === undefined ? this.#engine.clock() : new Date(now));
    },
    /**
     * The run and the actions its current state allows (none in a final state, nor once the
     * run expired): the tools
     * an agent in this run may be offered. Undefined for an unknown run.
     */
    allowed: async (runId: string): Promise<{ run: Run; actions: string[] } | undefined> => {
      this.#open();
      const run = await expireIfDue(this.#owner("run", runId), this.bundle, runId, this.#engine.clock());
      if (run === undefined) return undefined;
      const state = this.bundle.workflows[run.workflow]?.states[run.state];
      return { run, actions: state === undefined || run.expiredAt !== undefined ? [] : allowedActions(this.bundle, state) };
    },
    /**
     * Records values the host got from a tool as untrusted output in the run (spec/runtime.md
     * §Provenance): `untrusted()` matches them from the next decision on. Only ever adds:
     * nothing removes what a run recorded. PBR112 for an unknown run, PBR215 for bad values, PBR216 when the run would hold more than its cap.
     */
    observe: (runId: string, observation: Observation): Promise<ObserveResult> => {
      this.#open();
      return observe(this.#owner("run", runId), runId, observation, this.#engine.clock());
    },
    /** The states the run went through, the start first. */
    history: (runId: string): Promise<RunMove[]> => {
      this.#open();
      return runHistory(this.#owner("run", runId), runId);
    },
  };

  readonly approvals = {
    /** The approval, after its run's timeout is applied (it may have expired). */
    get: async (id: string): Promise<ApprovalRequest | undefined> => {
      this.#open();
      await this.#expireApprovalRun(id);
      return getApproval(this.#owner("approval", id), id);
    },
    /** The tenant's approvals, after the timeouts of its runs are applied. */
    list: async (query: { tenant: string; status?: ApprovalStatus; run?: string }): Promise<ApprovalRequest[]> => {
      this.#open();
      requireStorableTenant(query.tenant);
      await sweepRuns(this.#tenant(query.tenant), (id) => this.#owner("run", id), this.bundle, this.#engine.clock(), query.tenant);
      await sweepApprovals(this.#tenant(query.tenant), (id) => this.#owner("approval", id), this.#engine.clock(), query.tenant);
      return listApprovals(this.#tenant(query.tenant), query);
    },
    /**
     * Grants a pending approval. `by` is the person or service deciding, never an agent
     * (PBR221); `groups` the approval groups the host says it belongs to, which must include
     * the approval's group, and must be given for a group declared in the bundle (PBR220).
     */
    grant: async (id: string, by: Approver): Promise<ApprovalRequest> => {
      this.#open();
      return this.#op("approvals.grant", { "paybill.approval.id": id }, async () => {
        await this.#expireApprovalRun(id);
        return settleApproval(this.#owner("approval", id), id, "granted", by, this.#engine.clock(), this.bundle);
      });
    },
    /** Rejects a pending approval; `by` and `groups` as for `grant`. */
    reject: async (id: string, by: Approver): Promise<ApprovalRequest> => {
      this.#open();
      return this.#op("approvals.reject", { "paybill.approval.id": id }, async () => {
        await this.#expireApprovalRun(id);
        return settleApproval(this.#owner("approval", id), id, "rejected", by, this.#engine.clock(), this.bundle);
      });
    },
    /** Resolves once the notifications of pending approvals under way have been delivered or given up. */
    notified: (): Promise<void> => this.#notifier.drain(),
    /**
     * Expires every approval whose `require approval … timeout` ran out at `now` (the
     * runtime's clock by default), each in its own transaction, audited. Run it periodically
     * (`paybillc billing sweep` does); a run's state timeout is `runs.sweep`'s.
     */
    sweep: (now?: Date | string): Promise<ApprovalRequest[]> => {
      this.#open();
      return sweepApprovals(this.#control.database, (id) => this.#owner("approval", id), now === undefined ? this.#engine.clock() : new Date(now));
    },
  };

  readonly audit = {
    query: async (query: AuditQuery): Promise<AuditRecord[]> => {
      this.#open();
      requireStorableTenant(query.tenant);
      return queryAudit(this.#tenant(query.tenant), query);
    },
    /**
     * Checks the tenant's whole chain on one snapshot: ok, or the first bad record and what is
     * wrong. With a checkpoint sink, also against the tenant's latest signed checkpoint
     * (truncated, rewound, chain_deleted, forged_checkpoint).
     */
    verify: async (tenant: string): Promise<VerifyResult> => {
      this.#open();
      requireStorableTenant(tenant);
      const { sink, trusted } = this.#audit;
      const checkpoint = await sink?.latest(tenant);
      if (checkpoint !== undefined && trusted.length === 0) {
        throw new PaybillRuntimeError("PBR162", `tenant \`${tenant}\` has a checkpoint but no public key was given to check its signature`, "pass `audit: { publicKeys: [...] }` (or the `signingKey`) to `openRuntime`");
      }
      return this.#op("audit.verify", { "paybill.tenant": tenant }, async (span) => {
        const verified = await this.#agent.transaction(async (tx) => {
          return verifyAudit(tx, tenant, sink === undefined ? undefined : { checkpoint, trusted });
        }, { opening: `set transaction isolation level repeatable read, read only; ${bindTo(tenant)}` });
        span.setAttribute("paybill.audit.ok", verified.ok);
        return verified;
      });
    },
    /**
     * Signs the head of the tenant's chain (every tenant's when omitted; chains without a
     * record are skipped) and appends the checkpoints to the sink; durable when it resolves.
     */
    checkpoint: async (tenant?: string): Promise<SignedCheckpoint[]> => {
      this.#open();
      const { signer, sink } = this.#audit;
      if (signer === undefined || sink === undefined) {
        throw new PaybillRuntimeError("PBR161", "this runtime has no audit signing key and checkpoint sink", "pass `audit: { signingKey, sink }` to `openRuntime` (`paybillc audit keygen` makes a key pair)");
      }
      const taken = await this.#op("audit.checkpoint", tenant === undefined ? {} : { "paybill.tenant": tenant }, async () => checkpointHeads(await readHeads(this.#control.database, tenant), signer, sink, this.#engine.clock()));
      this.#schedule?.taken(taken);
      return taken;
    },
    /** Every tenant with an audit chain in the database or a checkpoint in the sink, sorted. */
    tenants: (): Promise<string[]> => {
      this.#open();
      return auditTenants(this.#control.database, this.#audit.sink);
    },
  };

  /** Bearer tokens bound to a tenant and an agent (store/agent-tokens.ts): the token is returned once, only its hash is kept. */
  readonly tokens = {
    create: (request: { tenant: string; agent: string; label?: string }): Promise<{ token: string; record: AgentToken }> => {
      this.#open();
      return createToken(this.#agent, this.bundle, request, this.#engine.clock());
    },
    list: (tenant: string): Promise<AgentToken[]> => {
      this.#open();
      return listTokens(this.#agent, tenant);
    },
    revoke: (tenant: string, id: string): Promise<AgentToken> => {
      this.#open();
      return revokeToken(this.#agent, tenant, id, this.#engine.clock());
    },
    /** Whom the token acts as; undefined when it is not a live token of this database. */
    authenticate: (token: string): Promise<TokenIdentity | undefined> => {
      this.#open();
      return authenticate(this.#agent, token);
    },
  };

  /** The tenant registry and lifecycle (spec/control-plane.md): every change is one audited transition. */
  readonly tenants = {
    get: async (id: string): Promise<Tenant | undefined> => {
      this.#open();
      requireStorableTenant(id);
      return (await readTenant(this.#control.database, id))?.tenant;
    },
    list: (filter: { state?: TenantState; plan?: string } = {}): Promise<Tenant[]> => {
      this.#open();
      return listTenants(this.#control.database, filter);
    },
    /** Registers a tenant (`pending`) and gives the plan that provisions it. */
    onboard: (request: Onboard): Promise<{ tenant: Tenant; plan: ProvisioningPlan }> => {
      this.#open();
      return this.#op("tenants.onboard", { "paybill.tenant": String(request.id), "paybill.plan": String(request.plan) }, () => onboard(this.#control, request));
    },
    /** The steps of the tenant's provisioning plan still to do; undefined when none is under way. */
    plan: (id: string): Promise<ProvisioningPlan | undefined> => {
      this.#open();
      return remainingPlan(this.#control.database, id);
    },
    /** Runs the steps not yet done, through `provisioner`; a failed step leaves the tenant `provisioning_failed` (resolved, not thrown). */
    provision: (id: string, provisioner: Provisioner, options: { actor?: string } = {}): Promise<ProvisionResult> => {
      this.#open();
      return this.#op("tenants.provision", { "paybill.tenant": id }, () => provision(this.#control, id, provisioner, options));
    },
    /** Applies at once within the same placement; otherwise starts a move (`plan` is its provisioning plan). */
    changePlan: (id: string, plan: string, options: { actor?: string } = {}): Promise<{ tenant: Tenant; plan?: ProvisioningPlan }> => {
      this.#open();
      return this.#op("tenants.change_plan", { "paybill.tenant": id, "paybill.plan": plan }, () => changePlan(this.#control, id, plan, options));
    },
    suspend: (id: string, options: { reason?: string; actor?: string } = {}): Promise<Tenant> => {
      this.#open();
      return this.#op("tenants.suspend", { "paybill.tenant": id }, () => suspend(this.#control, id, options));
    },
    resume: (id: string, options: { actor?: string } = {}): Promise<Tenant> => {
      this.#open();
      return this.#op("tenants.resume", { "paybill.tenant": id }, () => resume(this.#control, id, options));
    },
    offboard: (id: string, options: { reason?: string; actor?: string } = {}): Promise<Tenant> => {
      this.#open();
      return this.#op("tenants.offboard", { "paybill.tenant": id }, () => offboard(this.#control, id, options));
    },
    /** The tenant's transitions, the first first. */
    history: (id: string): Promise<Transition[]> => {
      this.#open();
      return tenantHistory(this.#control.database, id);
    },
    /**
     * Moves the tenant's rows between two endpoints (a database as a role that may write the
     * entity tables, and a schema), resumably, verified and audited (control/data-move.ts).
     */
    moveData: (request: Omit<MoveRequest, "entities">): Promise<MoveReport> => {
      this.#open();
      return moveTenantData(this.#control, { ...request, entities: this.bundle.entities });
    },
    /** The tenant's rows as NDJSON, entity by entity (`write` gets whole lines), audited. */
    exportData: (request: { tenant: string; endpoint: DataEndpoint; actor?: string }, write: (entity: string, text: string) => void | Promise<void>): Promise<ExportedEntity[]> => {
      this.#open();
      return exportTenantData(this.#control, { ...request, entities: this.bundle.entities }, write);
    },
    /** Erases an offboarded tenant's rows (or drops its schema) once its plan's retention has passed (PBR233, PBR234), audited. */
    eraseData: (request: Omit<EraseRequest, "entities" | "bundle">): Promise<EraseReport> => {
      this.#open();
      return eraseTenantData(this.#control, { ...request, entities: this.bundle.entities, bundle: this.bundle });
    },
    /** Registers a tenant, or sets its plan, state or region, with no lifecycle check and no audit (tests and tools). */
    put: (tenant: TenantFacts): Promise<TenantFacts> => {
      this.#open();
      return putTenant(this.#control.database, tenant);
    },
  };

  /** Billing events (idempotent by id) and the sweep that suspends tenants whose grace ended. */
  readonly billing = {
    event: (event: BillingEvent): Promise<BillingResult> => {
      this.#open();
      return this.#op("billing.event", { "paybill.tenant": String(event.tenant), "paybill.billing.event": String(event.type) }, () => billingEvent(this.#control, event));
    },
    sweep: (now?: Date | string): Promise<Transition[]> => {
      this.#open();
      return this.#op("billing.sweep", {}, () => sweep(this.#control, now === undefined ? undefined : new Date(now)));
    },
  };

  /** Usage per tenant and month, for a billing system: gauges recorded by the host, agent actions counted from the audit. */
  readonly usage = {
    record: (usage: UsageRecord): Promise<void> => {
      this.#open();
      return this.#op("usage.record", { "paybill.tenant": String(usage.tenant) }, () => recordUsage(this.#control, usage));
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
      requireStorableTenant(tenant);
      const bound = this.#tenant(tenant);
      const facts = await getTenant(bound, tenant);
      if (facts === undefined) throw unknownTenant(tenant);
      const limit = planLimit(this.bundle, facts.plan, ACTION_QUOTA);
      if (limit === undefined) return { used: 0 };
      const used = await quotaUsed(bound, tenant, ACTION_QUOTA, limit, this.#engine.clock());
      return { used, limit: limit.amount, ...(limit.per === undefined ? {} : { per: limit.per }) };
    },
  };

  /** Closes the database the runtime opened (a PGlite instance or URL pool it created; not an instance you passed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#notifier.close();
      await this.#schedule?.stop();
    } finally {
      await this.database.close();
    }
  }

  /** A control-plane or approval operation: traced and timed (telemetry/telemetry.ts). */
  #op<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
    return this.telemetry.operation(name, attributes, fn);
  }

  /** Applies the timeout of the approval's run, if any, before the approval is read or used. */
  async #expireApprovalRun(approvalId: string): Promise<void> {
    const approval = await getApproval(this.#owner("approval", approvalId), approvalId);
    if (approval?.run !== undefined) await expireIfDue(this.#owner("run", approval.run), this.bundle, approval.run, this.#engine.clock());
    if (approval?.expiresAt !== undefined) await expireApprovalIfDue(this.#owner("approval", approvalId), approvalId, this.#engine.clock());
  }

  #open(): void {
    if (this.#closed) throw new PaybillRuntimeError("PBR130", "this runtime is closed", "open another with `openRuntime(…)`");
  }
}

/** The attributes every act, decide and resume span carries: who asks what, for whom; never the input. */
function requestAttributes(request: ActRequest): Attributes {
  return {
    "paybill.tenant": String(request.tenant),
    "paybill.agent": String(request.agent),
    "paybill.action": String(request.action),
    ...(request.run === undefined ? {} : { "paybill.run": String(request.run) }),
  };
}

function decisionFacts(operation: DecisionFacts["operation"], request: ActRequest, decision: { decision: string; reasons: readonly { kind: string }[] }, started: number): DecisionFacts {
  return {
    operation,
    tenant: String(request.tenant),
    action: String(request.action),
    decision: decision.decision,
    reasonKinds: decision.reasons.map((r) => r.kind),
    seconds: (performance.now() - started) / 1000,
  };
}

export type { ActRequest, ActResult, ApprovalRequest, ApprovalStatus, AuditOptions, AuditQuery, AuditRecord, DatabaseConfig, Run, RunMove, SignedCheckpoint, StartRun, VerifyResult };

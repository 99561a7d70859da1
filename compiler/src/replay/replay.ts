/**
 * Re-deciding recorded decisions under a candidate bundle (`paybillc replay`): the impact of
 * a policy change before it ships. Pure: records in, a report out, no I/O.
 *
 * A record of `paybillc audit export` keeps the request's agent, action, input (masked
 * fields as `***` or their HMAC), time, run and approval, and the decision with its
 * reasons — not the row the action worked on, the answers of lookups, the counters, or the
 * tenant's plan. The rest is rebuilt from the export itself, in its order:
 *
 * - the workflow state of a run: its `run.start` and allowed `workflow.move` records (a run
 *   with neither is at its workflow's start, when the agent runs one workflow only and the
 *   export starts at the tenant's first record — a range may have left the moves out);
 * - the approvals of a resumed action: the `approval.grant` records of its approval before it;
 * - the tenant: its plan from `plan` (the `--plan` option), else the static tenant of that
 *   name in the candidate or baseline bundle; `active`, unless the record was denied for
 *   the tenant's state (a `tenant` reason), then that state.
 *
 * So a record is replayed only when the baseline bundle — the one that made the decisions —
 * gives the recorded outcome with the same rules from what was rebuilt: otherwise the
 * decision read something the export does not hold (a row, a lookup, a counter, a masked
 * value), and the record is listed as not replayable, with the baseline's outcome, rather
 * than reported as a change that is not one. A replayed record changes when the candidate's
 * outcome differs from the recorded one.
 */
import { type Bundle, Decider, type DecisionRequest, type Reason } from "@paybill/runtime";

/** One line of `paybillc audit export`, as far as replay reads it. */
export interface ExportedRecord {
  readonly tenant: string;
  readonly seq: number;
  readonly time: string;
  readonly agent: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly decision: "allow" | "deny" | "pending";
  readonly reasons: readonly unknown[];
  readonly run?: string;
  readonly approval?: string;
}

export interface RuleOutcome {
  readonly rule: string;
  readonly policy: string;
  readonly kind: string;
  /** The condition in the bundle that decided; absent: unconditional (or not in that bundle). */
  readonly when?: string;
}

export interface ChangedDecision {
  readonly tenant: string;
  readonly seq: number;
  readonly time: string;
  readonly agent: string;
  readonly action: string;
  readonly workflow?: { readonly name: string; readonly state: string };
  readonly before: { readonly decision: string; readonly rules: readonly RuleOutcome[]; readonly reasons: readonly string[] };
  readonly after: { readonly decision: string; readonly rules: readonly RuleOutcome[]; readonly reasons: readonly string[] };
}

export interface Unreplayable {
  readonly tenant: string;
  readonly seq: number;
  readonly action: string;
  readonly why: string;
}

export interface ReplayReport {
  /** Records that are decisions of an action (the others: runs, moves, approvals, host outcomes). */
  readonly decisions: number;
  readonly replayed: number;
  readonly changed: readonly ChangedDecision[];
  readonly unreplayable: readonly Unreplayable[];
}

export interface ReplayOptions {
  readonly baseline: Bundle;
  readonly candidate: Bundle;
  /** The plan of tenants neither bundle declares. */
  readonly plan?: string;
}

/** A tenant whose plan cannot be known: the caller's to report (PB9017). */
export class UnknownTenantPlan extends Error {
  constructor(readonly tenant: string) {
    super(`tenant \`${tenant}\` is not declared in either bundle, so its plan is not known`);
  }
}

interface RunState {
  workflow: string;
  state: string;
}

export class Replayer {
  readonly #baseline: Decider;
  readonly #candidate: Decider;
  readonly #options: ReplayOptions;
  readonly #runs = new Map<string, RunState>();
  readonly #grants = new Map<string, { group: string; by: string; at: string }[]>();
  /** Per tenant, the first record number the export holds (a range export starts later than 1). */
  readonly #firstSeq = new Map<string, number>();
  readonly #changed: ChangedDecision[] = [];
  readonly #unreplayable: Unreplayable[] = [];
  #decisions = 0;
  #replayed = 0;

  constructor(options: ReplayOptions) {
    this.#options = options;
    this.#baseline = new Decider(options.baseline);
    this.#candidate = new Decider(options.candidate);
  }

  /** Takes the records in the export's order (per tenant, by seq). */
  add(record: ExportedRecord): void {
    const { baseline, candidate } = this.#options;
    if (!this.#firstSeq.has(record.tenant)) this.#firstSeq.set(record.tenant, record.seq);
    if (record.action === "run.start" && record.run !== undefined) {
      const workflow = String(record.input["workflow"] ?? "");
      const spec = baseline.workflows[workflow];
      if (spec !== undefined) this.#runs.set(record.run, { workflow, state: spec.start });
      return;
    }
    if (record.action === "workflow.move" && record.run !== undefined) {
      if (record.decision === "allow") this.#runs.set(record.run, { workflow: String(record.input["workflow"]), state: String(record.input["to"]) });
      return;
    }
    if (record.action === "approval.grant" && record.approval !== undefined) {
      const grants = this.#grants.get(record.approval) ?? [];
      grants.push({ group: String(record.input["group"]), by: record.agent, at: record.time });
      this.#grants.set(record.approval, grants);
      return;
    }
    if (baseline.actions[record.action] === undefined && candidate.actions[record.action] === undefined) return;
    this.#decisions++;
    const unreplayable = (why: string): void => {
      this.#unreplayable.push({ tenant: record.tenant, seq: record.seq, action: record.action, why });
    };
    if (baseline.actions[record.action] === undefined) {
      unreplayable("the baseline bundle has no such action: it did not make this decision");
      return;
    }
    let workflow: RunState | undefined;
    if (record.run !== undefined) {
      workflow = this.#runs.get(record.run);
      if (workflow === undefined) {
        const runs = Object.values(baseline.workflows).filter((w) => w.agent === record.agent);
        const first = this.#firstSeq.get(record.tenant) ?? 1;
        if (first > 1) {
          unreplayable(`the export starts at record ${first} of tenant ${record.tenant}: the run's start and moves may be before it, so its workflow state is not known`);
          return;
        }
        if (runs.length !== 1) {
          unreplayable("the export holds neither the start nor a move of its run, so its workflow state is not known");
          return;
        }
        workflow = { workflow: (runs[0] as { name: string }).name, state: (runs[0] as { start: string }).start };
      }
    }
    const request = this.#request(record, workflow);
    const before = this.#baseline.decide(request);
    if (before.decision !== record.decision || !sameRules(before.reasons, record.reasons)) {
      unreplayable(
        `the baseline gives ${before.decision}${rulesText(before.reasons)} where the record says ${record.decision}${rulesText(record.reasons)}: the decision read what the export does not hold (the row, a lookup, a counter or a masked input)`,
      );
      return;
    }
    this.#replayed++;
    const after = this.#candidate.decide(request);
    if (after.decision === record.decision) return;
    this.#changed.push({
      tenant: record.tenant,
      seq: record.seq,
      time: record.time,
      agent: record.agent,
      action: record.action,
      ...(workflow === undefined ? {} : { workflow: { name: workflow.workflow, state: workflow.state } }),
      before: { decision: record.decision, rules: rulesOf(record.reasons, baseline), reasons: messages(record.reasons) },
      after: { decision: after.decision, rules: rulesOf(after.reasons, candidate), reasons: messages(after.reasons) },
    });
  }

  report(): ReplayReport {
    return { decisions: this.#decisions, replayed: this.#replayed, changed: this.#changed, unreplayable: this.#unreplayable };
  }

  #request(record: ExportedRecord, workflow: RunState | undefined): DecisionRequest {
    const { baseline, candidate } = this.#options;
    const plan = this.#options.plan ?? candidate.tenants[record.tenant]?.plan ?? baseline.tenants[record.tenant]?.plan;
    if (plan === undefined) throw new UnknownTenantPlan(record.tenant);
    const tenantReason = record.reasons.find((r): r is { kind: "tenant"; state: string } => isObject(r) && r["kind"] === "tenant" && typeof r["state"] === "string");
    const approvals = record.approval === undefined ? [] : (this.#grants.get(record.approval) ?? []);
    return {
      tenant: { id: record.tenant, plan, state: tenantReason?.state ?? "active" },
      agent: record.agent,
      action: record.action,
      input: record.input,
      ...(workflow === undefined ? {} : { workflow: { name: workflow.workflow, state: workflow.state } }),
      approvals,
      time: record.time,
    };
  }
}

/** Re-decides every record; `records` in the export's order. */
export function replay(records: Iterable<ExportedRecord>, options: ReplayOptions): ReplayReport {
  const replayer = new Replayer(options);
  for (const record of records) replayer.add(record);
  return replayer.report();
}

function ruleIds(reasons: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const r of reasons) if (isObject(r) && typeof r["rule"] === "string") out.push(`${String(r["kind"])}:${r["rule"]}`);
  return out.sort();
}

function sameRules(a: readonly Reason[], b: readonly unknown[]): boolean {
  const x = ruleIds(a);
  const y = ruleIds(b);
  return x.length === y.length && x.every((id, i) => id === y[i]);
}

function rulesText(reasons: readonly unknown[]): string {
  const ids = ruleIds(reasons);
  return ids.length === 0 ? "" : ` (${ids.join(", ")})`;
}

function rulesOf(reasons: readonly unknown[], bundle: Bundle): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const r of reasons) {
    if (!isObject(r) || typeof r["rule"] !== "string" || typeof r["policy"] !== "string") continue;
    const spec = bundle.policies.find((p) => p.name === r["policy"])?.rules.find((x) => x.id === r["rule"]);
    out.push({ rule: r["rule"], policy: r["policy"], kind: String(r["kind"]), ...(spec?.when === undefined ? {} : { when: spec.when.cel }) });
  }
  return out;
}

/** The reasons that are not rules (`no-permit`, `workflow`, `feature`…), as their messages. */
function messages(reasons: readonly unknown[]): string[] {
  return reasons.filter((r): r is Record<string, unknown> => isObject(r) && r["rule"] === undefined).map((r) => `${String(r["kind"])}: ${String(r["message"] ?? "")}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What a decision is asked about and what it answers: the contract between the pure decider
 * (decide/), the database-backed runtime (act, approvals, runs) and `paybillc test`/`explain`.
 */

/** The tenant as policies see it (`tenant.*`); features and limits come from its plan. */
export interface TenantFacts {
  readonly id: string;
  readonly plan: string;
  /** `pending`, `provisioning`, `active`, `suspended`, `offboarding`, `offboarded`. */
  readonly state: string;
  readonly region?: string;
}

export interface Approval {
  readonly group: string;
  readonly by: string;
  /** ISO 8601. */
  readonly at: string;
}

export interface DecisionRequest {
  readonly tenant: TenantFacts;
  /** The agent's name. */
  readonly agent: string;
  readonly action: string;
  /** JSON as received: validated and converted against the action's input schema. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The row the action works on (its effect's key), as stored; absent for insert or none. */
  readonly resource?: Readonly<Record<string, unknown>> | null;
  /** The workflow run's workflow and current state; absent outside a workflow. */
  readonly workflow?: { readonly name: string; readonly state: string };
  readonly approvals?: readonly Approval[];
  /** ISO 8601 or a Date; defaults to now. */
  readonly time?: string | Date;
  /** The answers of the lookups the conditions read (`Decider.lookups` says which), by key; a missing one errs where read (fail closed). */
  readonly lookups?: Readonly<Record<string, boolean>>;
  /** What the run has left, when in a run (`context.budget`). */
  readonly budget?: { readonly steps: number; readonly writes: number; readonly deadline?: string };
  /**
   * The bundle's counters as of the request (`context.totals`, what `total(…)` and
   * `count(…)` read), by key: `int` counters as bigint, others as numbers. A counter not
   * given is 0. The runtime reads them for the tenant and the current windows.
   */
  readonly totals?: Readonly<Record<string, number | bigint>>;
  /**
   * The run's trusted context as stored at `runs.start` (JSON), read by the workflow's
   * declared `context` fields: `run.context` in conditions. Absent outside a run or when the
   * run's workflow declares no context (then `run` is unset: spec/runtime.md §Run context).
   */
  readonly runContext?: Readonly<Record<string, unknown>>;
  /**
   * The untrusted values recorded in the run so far, normalised (cel/untrusted.ts), for
   * `untrusted()`; absent outside a run, where `untrusted()` errs (fail closed).
   */
  readonly untrusted?: readonly string[];
}

export type Outcome = "allow" | "deny" | "pending";

/**
 * Why: every policy rule that decided, and every check that failed before policies ran.
 * Rule reasons carry the rule id (`policy#n`) and its policy's name, and the policy's
 * `severity` when it declares one (so the audit record and the host see how grave it is).
 */
export type Reason =
  | { readonly kind: "permit" | "forbid"; readonly policy: string; readonly rule: string; readonly severity?: string }
  /**
   * A condition that failed to evaluate. Fail closed: an erring permit does not apply, an
   * erring forbid does (it denies).
   */
  | { readonly kind: "error"; readonly policy: string; readonly rule: string; readonly effect: "permit" | "forbid" | "require"; readonly message: string }
  /**
   * A condition not evaluated because its cost on this request exceeds the budget
   * (spec/runtime.md §Budget). Fail closed, as an error: a forbid denies, a permit does not apply.
   */
  | { readonly kind: "cost"; readonly policy: string; readonly rule: string; readonly effect: "permit" | "forbid" | "require"; readonly message: string }
  | { readonly kind: "no-permit"; readonly message: string }
  | { readonly kind: "input"; readonly message: string; readonly path: string }
  | { readonly kind: "unknown"; readonly message: string }
  | { readonly kind: "workflow"; readonly message: string }
  | { readonly kind: "feature"; readonly feature: string; readonly message: string }
  /**
   * The action waits for an approval from `group`: a workflow state's `await approval`, or
   * (with `policy` and `rule`) a `require approval from` rule whose condition held.
   */
  | { readonly kind: "approval"; readonly group: string; readonly message: string; readonly policy?: string; readonly rule?: string }
  | { readonly kind: "budget" | "quota" | "deadline"; readonly message: string }
  /** The tenant is not `active` (the runtime's check before policies: spec/control-plane.md). */
  | { readonly kind: "tenant"; readonly state: string; readonly message: string };

export interface Decision {
  readonly decision: Outcome;
  /** Sorted: what denied first, then by rule id. Never empty. */
  readonly reasons: readonly Reason[];
  /** For a read: fields of the row the agent may not see (`@pii` without a permit, or forbidden). */
  readonly redact?: readonly string[];
}

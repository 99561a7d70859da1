/**
 * The pure decider's surface (implemented in decider.ts): built once from a bundle (every
 * CEL expression compiled at load), then called per request without I/O. The
 * database-backed runtime (act) and `paybillc test`/`explain` use only this.
 */
import type { Bundle, DataOp } from "../bundle/format.js";
import type { LookupQuery } from "./lookups.js";
import type { Decision, DecisionRequest } from "./request.js";

/** An effect ready to run: key and values evaluated, converted to what a SQL parameter takes. */
export interface PreparedEffect {
  readonly op: DataOp;
  readonly entity: string;
  readonly table: string;
  /** The key column and its value (read, update, delete). */
  readonly keyColumn: string;
  readonly key?: unknown;
  /** Column → value (insert, update); an insert's generated `@id` is not here. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** A list read: its filter with the values evaluated, and its limit. */
  readonly many?: { readonly where?: PreparedFilter; readonly limit: number };
}

/** A list read's `where` (bundle `RowFilter`) with each value evaluated. */
export type PreparedFilter =
  | { readonly all: readonly PreparedFilter[] }
  | { readonly any: readonly PreparedFilter[] }
  | { readonly field: string; readonly op: "==" | "!=" | "<" | "<=" | ">" | ">="; readonly value: unknown };

/** What a condition gave: true, false, or `error` (it erred). */
export type ConditionOutcome = boolean | "error";

/** A rule whose condition a decision evaluated (or that has none), and what it gave. */
export interface EvaluatedRule {
  /** The rule's bundle id, `<policy>#<n>`. */
  readonly rule: string;
  readonly outcome: ConditionOutcome;
  /**
   * With `TraceOptions.operands` for this rule: what each operand of its condition's chain
   * gave, left to right, up to the first that decides the chain (`false` for `&&`, `true`
   * for `||`); the operands after it were not reached.
   */
  readonly operands?: readonly ConditionOutcome[];
}

/** A condition's top-level chain `a && b && c` (or with `||`): the operator and each operand's CEL. */
export interface OperandChain {
  readonly op: "&&" | "||";
  readonly cel: readonly string[];
}

export interface TraceOptions {
  /** Per rule id: the chain its condition is, whose operands are evaluated one by one too. */
  readonly operands?: ReadonlyMap<string, OperandChain>;
}

/** A decision with the rules it evaluated, in the order it evaluated them (a rule may appear twice: a read's field rules). */
export interface TracedDecision {
  readonly decision: Decision;
  readonly evaluated: readonly EvaluatedRule[];
}

export interface DeciderApi {
  readonly bundle: Bundle;
  /**
   * Default deny; forbid beats permit; schema, workflow state, feature and approval checks
   * first. Never throws for a bad request: that is a `deny` with its reason.
   */
  decide(request: DecisionRequest): Decision;
  /**
   * Opt-in trace for tools (`paybillc test --coverage`): `decide`, and which rules it
   * evaluated — those that applied to the request (agent and action matched) and were
   * reached, their conditions evaluated (a rule over its cost budget is not). `decide`
   * itself pays nothing for it. Absent: the decider cannot trace.
   */
  decideTraced?(request: DecisionRequest, options?: TraceOptions): TracedDecision;
  /**
   * Which row `resource` is, so the caller can load it before deciding: the effect's entity
   * and the evaluated key. Undefined for an insert, no effect, or an input that is invalid
   * (decide reports that).
   */
  resourceKey(request: Pick<DecisionRequest, "action" | "input" | "tenant" | "agent" | "time">): { readonly entity: string; readonly key: unknown } | undefined;
  /**
   * The lookups the conditions for this agent and action read, their values computed from
   * the request, for the caller to answer (in the tenant, on an index) and pass back as
   * `lookups`. Empty when there are none or the input is invalid.
   */
  lookups(request: Pick<DecisionRequest, "action" | "input" | "tenant" | "agent" | "time">): readonly LookupQuery[];
  /**
   * The lookups of `lookups` whose values read no tenant fact but its id (decide/lookups.ts
   * `foldable`), computed from the request before the tenant's facts are read, for the
   * statement sent with BEGIN. The others `lookups` gives once the facts are known.
   */
  foldedLookups(request: Pick<DecisionRequest, "action" | "input" | "agent"> & { readonly tenant: string }): readonly LookupQuery[];
  /**
   * Whether a condition that may decide `agent`'s `action` calls `untrusted()` (then the
   * caller passes the run's recorded values as `untrusted`). Absent: never.
   */
  usesUntrusted?(agent: string, action: string): boolean;
  /** The effect to perform once allowed. Undefined when the action declares none. */
  effect(request: DecisionRequest): PreparedEffect | undefined;
}

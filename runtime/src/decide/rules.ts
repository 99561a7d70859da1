/**
 * Policy rules compiled for evaluation: each `when` compiled once (cel/program.ts), the
 * reasons a rule can give built once, and `test`, the one place a condition is run.
 *
 * Fail closed (spec/runtime.md): a condition that throws, or gives something other than a
 * bool, is an error — an erring forbid denies, an erring permit does not apply. A
 * condition cel-js refused at load errs at every evaluation with that message. A metered
 * condition over the budget (`charge`) is not evaluated and fails closed the same way,
 * reported with reason `cost` instead of `error`.
 */
import type { Environment } from "@marcbachmann/cel-js";
import type { RuleSpec } from "../bundle/format.js";
import { Absent, type Compiled } from "../cel/closures.js";
import { CONDITION_BUDGET, type CostBound, DECISION_BUDGET } from "../cel/cost.js";
import { type Activation, type CelProgram, celErrorMessage, compileCel } from "../cel/program.js";
import type { Decision, Reason } from "./request.js";

export interface CompiledRule {
  readonly id: string;
  readonly policy: string;
  readonly effect: "permit" | "forbid" | "require";
  readonly spec: RuleSpec;
  /** Absent: unconditional. */
  readonly program?: CelProgram;
  /** The program's closures and literals, kept on the rule: a test reads one object before running them. */
  readonly closure?: Compiled;
  readonly constants?: readonly unknown[];
  /** The condition's cost bound per request, when it is metered (cel/cost.ts). */
  readonly cost?: CostBound;
  /** Why the condition could not be compiled (then it errs at every evaluation). */
  readonly compileError?: string;
  /** `{kind: effect, policy, rule}`, built once; for a `require` rule, its `approval` reason. */
  readonly reason: Reason;
  /** The decision when this permit alone allows and nothing else needs saying: without and with `redact: []`. */
  readonly allows: Decision;
  readonly allowsRead: Decision;
  /** The decision when this forbid alone denies and nothing else needs saying. */
  readonly denies: Decision;
}

const NOTHING: readonly string[] = Object.freeze([]);

/** A condition left unevaluated: its bound on this request, and the budget it exceeds. */
export interface OverBudget {
  readonly steps: number;
  readonly budget: number;
  /** The condition's own budget, or what is left of the decision's. */
  readonly of: "condition" | "decision";
}

/** What a condition gave: true, false, the error message, or over the budget. */
export type Verdict = true | false | string | OverBudget;

export function compileRule(env: Environment, policy: string, spec: RuleSpec, severity?: string): CompiledRule {
  const reason: Reason = Object.freeze(spec.effect === "require" ? approvalReason(policy, spec) : { kind: spec.effect, policy, rule: spec.id, ...(severity === undefined ? {} : { severity }) });
  const reasons = Object.freeze([reason]);
  const allows: Decision = Object.freeze({ decision: "allow", reasons });
  const allowsRead: Decision = Object.freeze({ decision: "allow", reasons, redact: NOTHING });
  const denies: Decision = Object.freeze({ decision: "deny", reasons });
  const base = { id: spec.id, policy, effect: spec.effect, spec, reason, allows, allowsRead, denies };
  if (spec.when === undefined) return base;
  const compiled = compileCel(env, spec.when.cel);
  if (compiled.ok) {
    const program = compiled.program;
    const metered = program.cost === undefined ? base : { ...base, cost: program.cost };
    return program.closure === undefined ? { ...metered, program } : { ...metered, program, closure: program.closure, constants: program.constants };
  }
  return { ...base, compileError: `condition does not compile: ${compiled.message}` };
}

/** What a `require approval from G` rule gives when its condition holds and no approval from G is given. */
function approvalReason(policy: string, spec: RuleSpec): Reason {
  const group = spec.approval?.group ?? "";
  return { kind: "approval", group, policy, rule: spec.id, message: `rule \`${spec.id}\` requires an approval from \`${group}\`` };
}

export function test(rule: CompiledRule, activation: Activation): Verdict {
  const closure = rule.closure;
  if (closure !== undefined) {
    try {
      const value = closure(activation, rule.constants as readonly unknown[]);
      if (value === true || value === false) return value;
      // An absent field or variable is cel-js's very error, known without building it (closures.ts).
      if (value instanceof Absent) return value.message;
    } catch {
      // The closures leave this one to cel-js (program.ts), which gives the value or the error.
    }
  }
  return testOnCelJs(rule, activation);
}

/** `test` without the closures: what a rule gives when they throw or give something else than a bool. */
export function testOnCelJs(rule: CompiledRule, activation: Activation): Verdict {
  const program = rule.program;
  if (program === undefined) return rule.compileError ?? true;
  let value: unknown;
  // An erring condition is an answer here, not a bug: only its message is kept, so cel-js's
  // error is built without a stack trace (capturing one cost ~5× a whole decision).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    value = program.runCelJs(activation);
  } catch (e) {
    return celErrorMessage(e);
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (value === true || value === false) return value;
  return `condition gave ${value === null ? "null" : `a ${typeof value === "object" ? "value" : typeof value}`}, not a bool`;
}

/**
 * A metered rule's charge against the decision: the steps spent with it, or the verdict
 * when its bound exceeds the condition's budget or what is left of the decision's.
 */
export function charge(cost: CostBound, activation: Activation, spent: number): number | OverBudget {
  const steps = cost(activation);
  if (steps > CONDITION_BUDGET) return { steps, budget: CONDITION_BUDGET, of: "condition" };
  if (spent + steps > DECISION_BUDGET) return { steps, budget: DECISION_BUDGET - spent, of: "decision" };
  return spent + steps;
}

/** The reason of a rule that did not give a bool: its error or its cost. */
export function errorReason(rule: CompiledRule, verdict: string | OverBudget): Reason {
  if (typeof verdict === "string") return { kind: "error", policy: rule.policy, rule: rule.id, effect: rule.effect, message: verdict };
  const steps = Number.isFinite(verdict.steps) ? `${verdict.steps.toLocaleString("en-US")} steps` : "more steps than can be counted";
  const message =
    verdict.of === "condition"
      ? `the condition may take ${steps} on this request, more than its budget of ${verdict.budget.toLocaleString("en-US")}`
      : `the condition may take ${steps} on this request, more than the ${verdict.budget.toLocaleString("en-US")} left of the decision's budget`;
  return { kind: "cost", policy: rule.policy, rule: rule.id, effect: rule.effect, message };
}

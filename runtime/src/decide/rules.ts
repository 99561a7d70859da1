/**
 * Policy rules compiled for evaluation: each `when` compiled once (cel/program.ts), the
 * reasons a rule can give built once, and `test`, the one place a condition is run.
 *
 * Fail closed (spec/runtime.md): a condition that throws, or gives something other than a
 * bool, is an error — an erring forbid denies, an erring permit does not apply. A
 * condition cel-js refused at load errs at every evaluation with that message.
 */
import type { Environment } from "@marcbachmann/cel-js";
import type { RuleSpec } from "../bundle/format.js";
import type { Compiled } from "../cel/closures.js";
import { type Activation, type CelProgram, celErrorMessage, compileCel } from "../cel/program.js";
import type { Decision, Reason } from "./request.js";

export interface CompiledRule {
  readonly id: string;
  readonly policy: string;
  readonly effect: "permit" | "forbid";
  readonly spec: RuleSpec;
  /** Absent: unconditional. */
  readonly program?: CelProgram;
  /** The program's closures and literals, kept on the rule: a test reads one object before running them. */
  readonly closure?: Compiled;
  readonly constants?: readonly unknown[];
  /** Why the condition could not be compiled (then it errs at every evaluation). */
  readonly compileError?: string;
  /** `{kind: effect, policy, rule}`, built once. */
  readonly reason: Reason;
  /** The decision when this permit alone allows and nothing else needs saying: without and with `redact: []`. */
  readonly allows: Decision;
  readonly allowsRead: Decision;
  /** The decision when this forbid alone denies and nothing else needs saying. */
  readonly denies: Decision;
}

const NOTHING: readonly string[] = Object.freeze([]);

/** What a condition gave: true, false, or the error message. */
export type Verdict = true | false | string;

export function compileRule(env: Environment, policy: string, spec: RuleSpec, severity?: string): CompiledRule {
  const reason: Reason = Object.freeze({ kind: spec.effect, policy, rule: spec.id, ...(severity === undefined ? {} : { severity }) });
  const reasons = Object.freeze([reason]);
  const allows: Decision = Object.freeze({ decision: "allow", reasons });
  const allowsRead: Decision = Object.freeze({ decision: "allow", reasons, redact: NOTHING });
  const denies: Decision = Object.freeze({ decision: "deny", reasons });
  const base = { id: spec.id, policy, effect: spec.effect, spec, reason, allows, allowsRead, denies };
  if (spec.when === undefined) return base;
  const compiled = compileCel(env, spec.when.cel);
  if (compiled.ok) {
    const program = compiled.program;
    return program.closure === undefined ? { ...base, program } : { ...base, program, closure: program.closure, constants: program.constants };
  }
  return { ...base, compileError: `condition does not compile: ${compiled.message}` };
}

export function test(rule: CompiledRule, activation: Activation): Verdict {
  const closure = rule.closure;
  if (closure !== undefined) {
    try {
      const value = closure(activation, rule.constants as readonly unknown[]);
      if (value === true || value === false) return value;
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
  try {
    value = program.runCelJs(activation);
  } catch (e) {
    return celErrorMessage(e);
  }
  if (value === true || value === false) return value;
  return `condition gave ${value === null ? "null" : `a ${typeof value === "object" ? "value" : typeof value}`}, not a bool`;
}

export function errorReason(rule: CompiledRule, message: string): Reason {
  return { kind: "error", policy: rule.policy, rule: rule.id, effect: rule.effect, message };
}

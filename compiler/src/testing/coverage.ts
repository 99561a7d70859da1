/**
 * Policy coverage of a test run: which permit, forbid and require rules of the bundle no
 * test exercised. A rule is exercised when it applied to some test's request (its agent and
 * action matched, the decision got as far as the policies) and its condition was evaluated
 * (a rule without one counts once it applied) — as the runtime's decider reports it
 * (`decideTraced`). Each rule also keeps which outcomes its condition gave (true, false, an
 * error): a rule only ever seen true has never been tested denying, and the report says so,
 * without claiming to know which part of an `&&` or `||` was reached.
 */
import type { Model, SourceFile } from "@paybill/lang";
import type { Bundle, EvaluatedRule } from "@paybill/runtime";
import { select } from "../emit/bundle/select.js";

export type Outcome = boolean | "error";

export interface RuleSite {
  /** The bundle's id, `<policy>#<n>`. */
  readonly id: string;
  readonly policy: string;
  readonly effect: "permit" | "forbid" | "require";
  /** Where the rule is written; absent for a rule the model cannot place (none today). */
  readonly file?: SourceFile;
  readonly offset?: number;
  /** Whether the rule has a `when` condition. */
  readonly conditional: boolean;
}

export interface RuleCoverage {
  readonly rule: RuleSite;
  readonly exercised: boolean;
  /** What its condition gave over the tests, sorted `false`, `true`, `error`. */
  readonly outcomes: readonly Outcome[];
}

export interface CoverageReport {
  readonly rules: readonly RuleCoverage[];
  readonly exercised: number;
  readonly total: number;
  /** exercised / total × 100; 100 when there are no rules. */
  readonly percent: number;
}

/** Every rule of the bundle with where the model says it is written, sorted by place. */
export function ruleSites(model: Model, bundle: Bundle): RuleSite[] {
  const places = new Map<string, { file: SourceFile; offset: number }>();
  for (const included of select(model).policies) {
    const name = included.bundleName ?? included.decl.name.name;
    let i = 0;
    for (const entry of included.decl.body) {
      if (entry.kind !== "Rule") continue;
      places.set(`${name}#${i}`, { file: included.unit.source, offset: entry.span.start });
      i++;
    }
  }
  const sites: RuleSite[] = [];
  const seen = new Set<string>();
  for (const policy of bundle.policies) {
    for (const rule of policy.rules) {
      if (seen.has(rule.id)) continue;
      seen.add(rule.id);
      const place = places.get(rule.id);
      sites.push({ id: rule.id, policy: policy.name, effect: rule.effect, conditional: rule.when !== undefined, ...(place === undefined ? {} : place) });
    }
  }
  return sites.sort(bySite);
}

/** By file, then position; a rule the model cannot place last, by id. */
function bySite(a: RuleSite, b: RuleSite): number {
  const fa = a.file?.name ?? "\uffff";
  const fb = b.file?.name ?? "\uffff";
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.offset ?? 0) - (b.offset ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const ORDER: readonly Outcome[] = [false, true, "error"];

export function coverage(sites: readonly RuleSite[], evaluated: Iterable<EvaluatedRule>): CoverageReport {
  const outcomes = new Map<string, Set<Outcome>>();
  for (const e of evaluated) {
    const seen = outcomes.get(e.rule) ?? new Set<Outcome>();
    seen.add(e.outcome);
    outcomes.set(e.rule, seen);
  }
  const rules = sites.map((rule): RuleCoverage => {
    const seen = outcomes.get(rule.id);
    return { rule, exercised: seen !== undefined, outcomes: ORDER.filter((o) => seen?.has(o) === true) };
  });
  const exercised = rules.filter((r) => r.exercised).length;
  const total = rules.length;
  return { rules, exercised, total, percent: total === 0 ? 100 : (exercised / total) * 100 };
}

/** A percentage as printed: at most one decimal, never rounded up to a threshold it misses. */
export function formatPercent(percent: number): string {
  const floored = Math.floor(percent * 10) / 10;
  return Number.isInteger(floored) ? `${floored}%` : `${floored.toFixed(1)}%`;
}

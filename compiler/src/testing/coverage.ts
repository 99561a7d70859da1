/**
 * Policy coverage of a test run: which permit, forbid and require rules of the bundle no
 * test exercised. A rule is exercised when it applied to some test's request (its agent and
 * action matched, the decision got as far as the policies) and its condition was evaluated
 * (a rule without one counts once it applied) — as the runtime's decider reports it
 * (`decideTraced`). Each rule also keeps which outcomes its condition gave (true, false, an
 * error). A condition that is a chain `a && b && c` (or `||`) is also followed operand by
 * operand: the decider evaluates them left to right up to the first that decides the chain,
 * so an operand no test reached is one whose part of the rule no test has looked at.
 */
import { type CelExpr, type Model, parse, printCel, SourceFile } from "@paybill/lang";
import type { Bundle, EvaluatedRule, OperandChain } from "@paybill/runtime";
import { select } from "../emit/bundle/select.js";

export type Outcome = boolean | "error";

export interface OperandSite {
  /** The operand as the bundle has it (constants inlined). */
  readonly cel: string;
  /** Where it is written, when the source condition has the same chain. */
  readonly offset?: number;
}

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
  /** When the condition is a chain of `&&` or of `||`: its operator and operands. */
  readonly chain?: { readonly op: "&&" | "||"; readonly operands: readonly OperandSite[] };
}

export interface RuleCoverage {
  readonly rule: RuleSite;
  readonly exercised: boolean;
  /** What its condition gave over the tests, sorted `false`, `true`, `error`. */
  readonly outcomes: readonly Outcome[];
  /** For a chain: per operand, what it gave over the tests (empty: never reached). */
  readonly operands?: readonly (readonly Outcome[])[];
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
  const places = new Map<string, { file: SourceFile; offset: number; condition: CelExpr | undefined }>();
  for (const included of select(model).policies) {
    const name = included.bundleName ?? included.decl.name.name;
    let i = 0;
    for (const entry of included.decl.body) {
      if (entry.kind !== "Rule") continue;
      places.set(`${name}#${i}`, { file: included.unit.source, offset: entry.span.start, condition: entry.condition });
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
      const chain = rule.when === undefined ? undefined : chainSite(rule.when.cel, place?.condition);
      sites.push({
        id: rule.id,
        policy: policy.name,
        effect: rule.effect,
        conditional: rule.when !== undefined,
        ...(place === undefined ? {} : { file: place.file, offset: place.offset }),
        ...(chain === undefined ? {} : { chain }),
      });
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

/**
 * The chain a bundle condition is (`a && b && c`, `a || b`), read back with the language's
 * parser; undefined for any other condition, or one whose text does not read back to
 * itself (then no claim is made about its parts). Operands are placed in the source when
 * the source condition is the same chain.
 */
function chainSite(cel: string, source: CelExpr | undefined): RuleSite["chain"] {
  const wrapped = `policy coverage { permit a to b when ${cel} }`;
  const parsed = parse(new SourceFile("<coverage>", wrapped));
  const decl = parsed.ast.declarations[0];
  const rule = decl?.kind === "Policy" ? decl.body[0] : undefined;
  if (parsed.diagnostics.length > 0 || rule?.kind !== "Rule" || rule.condition === undefined || printCel(rule.condition) !== cel) return undefined;
  const chain = chainOf(rule.condition);
  if (chain === undefined) return undefined;
  const written = source === undefined ? undefined : chainOf(source);
  const placed = written?.op === chain.op && written.operands.length === chain.operands.length ? written.operands : undefined;
  return { op: chain.op, operands: chain.operands.map((e, i) => ({ cel: printCel(e), ...(placed?.[i] === undefined ? {} : { offset: placed[i].span.start }) })) };
}

/** `a && b && c` as its operator and operands, left to right (parentheses are not nodes). */
function chainOf(expr: CelExpr): { op: "&&" | "||"; operands: CelExpr[] } | undefined {
  if (expr.kind !== "CelBinary" || (expr.op !== "&&" && expr.op !== "||")) return undefined;
  const op = expr.op;
  const operands: CelExpr[] = [];
  const walk = (e: CelExpr): void => {
    if (e.kind === "CelBinary" && e.op === op) {
      walk(e.left);
      walk(e.right);
    } else operands.push(e);
  };
  walk(expr);
  return { op, operands };
}

/** What the decider needs to follow each chain: rule id → operator and operands' CEL. */
export function operandChains(sites: readonly RuleSite[]): ReadonlyMap<string, OperandChain> {
  const chains = new Map<string, OperandChain>();
  for (const site of sites) if (site.chain !== undefined) chains.set(site.id, { op: site.chain.op, cel: site.chain.operands.map((o) => o.cel) });
  return chains;
}

const ORDER: readonly Outcome[] = [false, true, "error"];

export function coverage(sites: readonly RuleSite[], evaluated: Iterable<EvaluatedRule>): CoverageReport {
  const outcomes = new Map<string, Set<Outcome>>();
  const operands = new Map<string, Set<Outcome>[]>();
  for (const e of evaluated) {
    const seen = outcomes.get(e.rule) ?? new Set<Outcome>();
    seen.add(e.outcome);
    outcomes.set(e.rule, seen);
    if (e.operands === undefined) continue;
    const each = operands.get(e.rule) ?? [];
    e.operands.forEach((o, i) => {
      each[i] ??= new Set();
      each[i].add(o);
    });
    operands.set(e.rule, each);
  }
  const sorted = (seen: ReadonlySet<Outcome> | undefined): Outcome[] => ORDER.filter((o) => seen?.has(o) === true);
  const rules = sites.map((rule): RuleCoverage => {
    const seen = outcomes.get(rule.id);
    const each = operands.get(rule.id) ?? [];
    const chain = rule.chain === undefined ? {} : { operands: rule.chain.operands.map((_, i) => sorted(each[i])) };
    return { rule, exercised: seen !== undefined, outcomes: sorted(seen), ...chain };
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

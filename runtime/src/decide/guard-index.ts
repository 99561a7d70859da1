/**
 * The second level of the policy index: within one (action, agent) pair, the rules by the
 * string a field of the request must equal for their condition to hold — a top-level
 * conjunct `tenant.id == "acme"`, `tenant.plan == "enterprise"` or `input.kind == "refund"`
 * (cel/program.ts `guardsOf`). A SaaS operator's per-tenant rules on the common actions
 * then cost what the tenant's own rules cost, not what all tenants' rules cost.
 *
 * Exact, not a heuristic: cel-js absorbs errors in `&&`, so a condition with a conjunct
 * `v.f == "x"` is false on a request whose `v.f` is a string other than "x", whatever the
 * rest of it gives. Such a rule is left out of the request's checks; only that rule: an
 * unconditional, metered (its cost is charged before evaluation, spec/runtime.md §Budget)
 * or unguarded rule is in every variant. When the field does not hold a string (absent,
 * another type), every rule is checked. One field per pair is indexed: the one that guards
 * the most rules. Each variant keeps the rules in id order, so reasons are unchanged.
 */
import type { CompiledRule } from "./rules.js";

/** The checks of a pair for requests whose field holds one value: forbids, then permits (decider.ts `Plan.checks`). */
export interface Variant {
  readonly checks: readonly unknown[];
  /** Where the permits start in `checks`. */
  readonly forbidsEnd: number;
}

export interface GuardIndex {
  /** `tenant` or `input`. */
  readonly variable: string;
  readonly field: string;
  /** The value → the checks of requests whose field holds it. */
  readonly byValue: ReadonlyMap<string, Variant>;
  /** The checks of requests whose field holds a string no rule names: the unguarded rules. */
  readonly other: Variant;
}

/** Variables whose fields a guard may read (the activation holds them as plain records). */
const INDEXED = new Set(["tenant", "input"]);
/** Fewer guarded rules than this: a scan is as fast as the lookup. */
const MIN_GUARDED = 8;
/** At most this many check entries in all variants (unguarded rules are repeated in each). */
const MAX_ENTRIES = 400_000;

/** A rule's guard on `key` (`tenant\0id`), if it may be skipped on requests where that field holds another string. */
function guardOf(rule: CompiledRule, key: string): string | undefined {
  if (rule.cost !== undefined) return undefined;
  for (const guard of rule.program?.guards ?? []) if (`${guard.variable}\0${guard.field}` === key) return guard.value;
  return undefined;
}

/**
 * The index of a pair's forbids and permits, or undefined when no field guards enough of
 * them. `entry` gives a rule's slots in `checks` (decider.ts `checksOf`).
 */
export function guardIndex(forbids: readonly CompiledRule[], permits: readonly CompiledRule[], entry: (rule: CompiledRule) => readonly unknown[]): GuardIndex | undefined {
  const counts = new Map<string, number>();
  for (const rule of [...forbids, ...permits]) {
    if (rule.cost !== undefined) continue;
    const keys = new Set((rule.program?.guards ?? []).filter((g) => INDEXED.has(g.variable)).map((g) => `${g.variable}\0${g.field}`));
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [key, n] of counts) if (n >= MIN_GUARDED && (best === undefined || n > (counts.get(best) ?? 0))) best = key;
  if (best === undefined) return undefined;
  const key = best;
  // Each rule's value for the key, found once: rules by value, and the rest (in every variant).
  const forbidsOf = new Map<string, CompiledRule[]>();
  const permitsOf = new Map<string, CompiledRule[]>();
  const unguardedForbids: CompiledRule[] = [];
  const unguardedPermits: CompiledRule[] = [];
  for (const [rules, byValue, rest] of [
    [forbids, forbidsOf, unguardedForbids],
    [permits, permitsOf, unguardedPermits],
  ] as const) {
    for (const rule of rules) {
      const value = guardOf(rule, key);
      if (value === undefined) rest.push(rule);
      else {
        const list = byValue.get(value);
        if (list === undefined) byValue.set(value, [rule]);
        else list.push(rule);
      }
    }
  }
  const values = new Set([...forbidsOf.keys(), ...permitsOf.keys()]);
  const unguarded = unguardedForbids.length + unguardedPermits.length;
  if ((values.size + 1) * unguarded + (forbids.length + permits.length) > MAX_ENTRIES) return undefined;
  const variant = (value: string | undefined): Variant => {
    const f = merged(unguardedForbids, value === undefined ? [] : (forbidsOf.get(value) ?? []));
    const p = merged(unguardedPermits, value === undefined ? [] : (permitsOf.get(value) ?? []));
    const fChecks = f.flatMap(entry);
    return Object.freeze({ checks: Object.freeze([...fChecks, ...p.flatMap(entry)]), forbidsEnd: fChecks.length });
  };
  const byValue = new Map<string, Variant>();
  for (const value of values) byValue.set(value, variant(value));
  const [variable, field] = key.split("\0") as [string, string];
  return Object.freeze({ variable, field, byValue, other: variant(undefined) });
}

/** Two lists of rules in id order, merged in id order. */
function merged(a: readonly CompiledRule[], b: readonly CompiledRule[]): CompiledRule[] {
  const out: CompiledRule[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.id < y.id)) {
      out.push(x as CompiledRule);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** The variant for an activation's value of the indexed field; undefined when it holds no string (then every rule is checked). */
export function variantOf(index: GuardIndex, activation: { readonly [variable: string]: unknown }): Variant | undefined {
  const record = activation[index.variable];
  if (typeof record !== "object" || record === null || !Object.hasOwn(record, index.field)) return undefined;
  const value = (record as Record<string, unknown>)[index.field];
  if (typeof value !== "string") return undefined;
  return index.byValue.get(value) ?? index.other;
}

/**
 * The evaluation budget (spec/runtime.md §Budget): before a condition that goes through
 * lists or runs `matches` is evaluated, its cost is bounded from the sizes of the values
 * the request actually holds, in the units of the checker's static bound (spec/language.md
 * §8.7, lang/src/3-check/cel/cost.ts). A condition whose bound exceeds the budget is not
 * evaluated at all; the caller reports it (reason `cost`) and fails closed.
 *
 * Why a bound before evaluating rather than a counter during it: the condition may run on
 * the closures or on cel-js (which has no budget and cannot be interrupted), and the bound
 * covers both. It walks the expression once with, for each sub-expression, the values it
 * may take (`Abstract`: the actual values where the expression is a path into the
 * request, else only their size): a comprehension costs its range's actual size times its
 * body, with the comprehension variable standing for every element at once (its size is
 * the largest element's). Computing it reads each value the condition reads at most once
 * per occurrence in the expression: linear in the request, never in the product of sizes.
 *
 * Only expressions with a comprehension or `matches` are metered (`compileCost` gives
 * undefined otherwise): everything else evaluates each node once, in time linear in the
 * size of its operands.
 */

/** The most steps one condition may take: twice the checker's limit, as lengths here are UTF-16 units and caps count characters. */
export const CONDITION_BUDGET = 200_000;
/** The most steps the metered conditions of one decision may take together. */
export const DECISION_BUDGET = 1_000_000;

const CHARS_PER_STEP = 16;
const MATCH_UNITS_PER_STEP = 4;
const SCALAR_TEXT = 32;
const UNKNOWN_PATTERN = 64;

/** What a sub-expression may evaluate to: some actual values (when known) and the largest size among them. */
interface Abstract {
  /** The values it may take, when it is a path into the request or a literal. */
  readonly values: readonly unknown[] | undefined;
  /** The largest size: a string's length, a list's or a map's number of entries. */
  readonly size: number;
  /** For a computed list (a literal, `+`, `map`, `filter`): what its elements may be. */
  readonly element?: Abstract;
}

/** A value whose size is unknown: counts as too large (fail closed). */
const UNBOUNDED: Abstract = { values: undefined, size: Number.POSITIVE_INFINITY };
const SCALAR: Abstract = { values: undefined, size: 0 };

/** The activation a condition reads: variable name → value. */
export type Scope = Readonly<Record<string, unknown>>;

/** The bound of one condition on one request. */
export type CostBound = (scope: Scope) => number;

interface Node {
  readonly op: string;
  readonly args: unknown;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { op?: unknown }).op === "string" && "args" in value;
}

function sizeOf(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === "object" && value !== null && !(value instanceof Date)) return Object.keys(value).length;
  return 0;
}

function known(values: readonly unknown[]): Abstract {
  let size = 0;
  for (const v of values) size = Math.max(size, sizeOf(v));
  return { values, size };
}

/** What a list's elements (or a map's keys) may be. */
function elements(of: Abstract): Abstract {
  if (of.element !== undefined) return of.element;
  if (of.values === undefined) return of.size === 0 ? SCALAR : UNBOUNDED;
  const items: unknown[] = [];
  for (const v of of.values) {
    if (Array.isArray(v)) for (const item of v) items.push(item);
    else if (v instanceof Map || v instanceof Set) for (const key of v.keys()) items.push(key);
    else if (typeof v === "object" && v !== null && !(v instanceof Date)) for (const key of Object.keys(v)) items.push(key);
  }
  return known(items);
}

/** What `x.name` or `x[key]` may be: every value's field or entry (all entries when the key is not known). */
function member(of: Abstract, key: Abstract, name: string | undefined): Abstract {
  if (of.values === undefined) return of.element ?? (of.size === 0 ? SCALAR : UNBOUNDED);
  const out: unknown[] = [];
  const names = name !== undefined ? [name] : key.values?.every((k) => typeof k === "string") ? (key.values as string[]) : undefined;
  for (const v of of.values) {
    if (typeof v !== "object" || v === null || v instanceof Date) continue;
    if (Array.isArray(v)) {
      for (const item of v) out.push(item);
    } else if (v instanceof Map) {
      for (const item of v.values()) out.push(item);
    } else if (names === undefined) {
      for (const item of Object.values(v)) out.push(item);
    } else {
      for (const n of names) if (Object.hasOwn(v, n)) out.push((v as Record<string, unknown>)[n]);
    }
  }
  return known(out);
}

function join(a: Abstract, b: Abstract): Abstract {
  if (a.values !== undefined && b.values !== undefined) return known([...a.values, ...b.values]);
  const element = a.element !== undefined || b.element !== undefined ? join(a.element ?? elements(a), b.element ?? elements(b)) : undefined;
  return element === undefined ? { values: undefined, size: Math.max(a.size, b.size) } : { values: undefined, size: Math.max(a.size, b.size), element };
}

/**
 * The weight of an RE2 pattern: about the number of states of its automaton, which RE2's
 * time per character of text is proportional to. Each character, class (`[a-z]`) or escape
 * counts its length; a counted repetition (`x{n}`, `x{n,}`, `x{n,m}`) repeats what it
 * applies to up to n (or m) times, so it adds that many copies of it (nested ones multiply).
 */
export function patternWeight(pattern: string): number {
  let total = 0;
  /** The total when each open group started. */
  const groups: number[] = [];
  /** The weight of the last atom (a character, a class, an escape or a group). */
  let last = 0;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      last = 2;
      total += 2;
      i += 2;
    } else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      last = Math.min(j, pattern.length - 1) - i + 1;
      total += last;
      i = j + 1;
    } else if (c === "(") {
      groups.push(total);
      total += 1;
      i++;
    } else if (c === ")") {
      total += 1;
      last = total - (groups.pop() ?? 0);
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i, i + 24));
      if (m === null) {
        last = 1;
        total += 1;
        i++;
      } else {
        const count = Math.min(1000, Math.max(Number(m[1]), Number(m[2] || 0)));
        total += Math.max(0, count - 1) * last + m[0].length;
        i += m[0].length;
      }
    } else {
      last = 1;
      total += 1;
      i++;
    }
  }
  return Math.max(1, total);
}

function patternOf(of: Abstract): number {
  if (of.values === undefined) return UNKNOWN_PATTERN;
  let weight = 1;
  for (const v of of.values) weight = Math.max(weight, typeof v === "string" ? patternWeight(v) : UNKNOWN_PATTERN);
  return weight;
}

const stringSteps = (length: number): number => Math.ceil(length / CHARS_PER_STEP);

type Locals = ReadonlyMap<string, Abstract>;

interface Measured {
  readonly cost: number;
  readonly value: Abstract;
}

const COMPREHENSIONS = new Set(["exists", "all", "exists_one", "map", "filter"]);

/** Walks one expression against one request. */
class Meter {
  constructor(private readonly scope: Scope) {}

  measure(node: unknown, locals: Locals): Measured {
    if (!isNode(node)) return { cost: 1, value: SCALAR };
    const args = node.args;
    switch (node.op) {
      case "value":
        return { cost: 1, value: known([args]) };
      case "id": {
        const name = String(args);
        const local = locals.get(name);
        if (local !== undefined) return { cost: 1, value: local };
        const v = this.scope[name];
        return { cost: 1, value: v === undefined ? SCALAR : known([v]) };
      }
      case ".": {
        const [object, name] = args as [unknown, unknown];
        const o = this.measure(object, locals);
        return { cost: o.cost + 1, value: member(o.value, SCALAR, String(name)) };
      }
      case "[]": {
        const [object, index] = args as [unknown, unknown];
        const o = this.measure(object, locals);
        const i = this.measure(index, locals);
        return { cost: o.cost + i.cost + 1, value: member(o.value, i.value, undefined) };
      }
      case "list": {
        const items = (args as unknown[]).map((a) => this.measure(a, locals));
        const cost = items.reduce((sum, m) => sum + m.cost, 1);
        const element = items.length === 0 ? SCALAR : items.map((m) => m.value).reduce(join);
        return { cost, value: { values: undefined, size: items.length, element } };
      }
      case "map": {
        let cost = 1;
        for (const entry of args as unknown[]) for (const part of entry as unknown[]) cost += this.measure(part, locals).cost;
        return { cost, value: { values: undefined, size: (args as unknown[]).length, element: SCALAR } };
      }
      case "?:": {
        const [c, a, b] = (args as unknown[]).map((x) => this.measure(x, locals)) as [Measured, Measured, Measured];
        return { cost: 1 + c.cost + a.cost + b.cost, value: join(a.value, b.value) };
      }
      case "call":
        return this.call(args as [string, unknown[]], locals);
      case "rcall":
        return this.method(args as [string, unknown, unknown[]], locals);
      default: {
        // Operators: one or two operands.
        const operands = Array.isArray(args) ? args : [args];
        const parts = operands.map((a) => this.measure(a, locals));
        const cost = parts.reduce((sum, m) => sum + m.cost, 1);
        return this.operator(node.op, parts, cost);
      }
    }
  }

  operator(op: string, parts: readonly Measured[], cost: number): Measured {
    const [l, r] = parts;
    if (l === undefined || r === undefined) return { cost, value: l?.value ?? SCALAR };
    const text = typeof l.value.values?.[0] === "string" || typeof r.value.values?.[0] === "string";
    switch (op) {
      case "in":
        return { cost: cost + r.value.size, value: SCALAR };
      case "+": {
        const size = l.value.size + r.value.size;
        if (l.value.element !== undefined || r.value.element !== undefined || (isList(l.value) && isList(r.value))) {
          return { cost: cost + size, value: { values: undefined, size, element: join(elements(l.value), elements(r.value)) } };
        }
        return { cost: cost + (text ? stringSteps(size) : 0), value: { values: undefined, size } };
      }
      case "==":
      case "!=":
        return { cost: cost + (isList(l.value) && isList(r.value) ? Math.min(l.value.size, r.value.size) : 0), value: SCALAR };
      default:
        return { cost, value: SCALAR };
    }
  }

  call([name, params]: [string, unknown[]], locals: Locals): Measured {
    const parts = params.map((p) => this.measure(p, locals));
    const cost = parts.reduce((sum, m) => sum + m.cost, 1);
    const first = parts[0]?.value ?? SCALAR;
    if (name === "matches") return { cost: cost + matchSteps(first, parts[1]?.value), value: SCALAR };
    if (name === "size" || name === "int" || name === "uint" || name === "double" || name === "bool" || name === "timestamp" || name === "duration") {
      return { cost: cost + textSteps(first), value: SCALAR };
    }
    if (name === "string" || name === "bytes" || name === "dyn") {
      return { cost: cost + textSteps(first), value: name === "dyn" ? first : { values: undefined, size: Math.max(first.size, SCALAR_TEXT) } };
    }
    return { cost, value: SCALAR };
  }

  method([name, receiver, params]: [string, unknown, unknown[]], locals: Locals): Measured {
    if (COMPREHENSIONS.has(name) && params.length >= 2) {
      const variable = params[0];
      const range = this.measure(receiver, locals);
      const element = elements(range.value);
      const inner = isNode(variable) ? new Map(locals).set(String(variable.args), element) : locals;
      let body = 1;
      let last = SCALAR;
      for (const part of params.slice(1)) {
        const m = this.measure(part, inner);
        body += m.cost;
        last = m.value;
      }
      const cost = 1 + range.cost + range.value.size * body;
      if (name === "filter") return { cost, value: { values: undefined, size: range.value.size, element } };
      if (name === "map") return { cost, value: { values: undefined, size: range.value.size, element: last } };
      return { cost, value: SCALAR };
    }
    const target = this.measure(receiver, locals);
    const parts = params.map((p) => this.measure(p, locals));
    const cost = parts.reduce((sum, m) => sum + m.cost, 1 + target.cost);
    switch (name) {
      case "matches":
        return { cost: cost + matchSteps(target.value, parts[0]?.value), value: SCALAR };
      case "contains":
      case "startsWith":
      case "endsWith":
        return { cost: cost + stringSteps(target.value.size + (parts[0]?.value.size ?? 0)), value: SCALAR };
      case "lowerAscii":
      case "upperAscii":
        return { cost: cost + textSteps(target.value), value: { values: undefined, size: target.value.size } };
      case "size":
        return { cost: cost + textSteps(target.value), value: SCALAR };
      default:
        return { cost, value: SCALAR };
    }
  }
}

function isList(value: Abstract): boolean {
  return value.element !== undefined || (value.values !== undefined && value.values.length > 0 && value.values.every(Array.isArray));
}

/** What a string function costs on a value that may be a string (a computed list is not). */
function textSteps(value: Abstract): number {
  if (value.element !== undefined) return 0;
  return value.values === undefined || value.values.some((v) => typeof v === "string") ? stringSteps(value.size) : 0;
}

function matchSteps(text: Abstract, pattern: Abstract | undefined): number {
  const weight = pattern === undefined ? UNKNOWN_PATTERN : patternOf(pattern);
  return Math.ceil((text.size * weight) / MATCH_UNITS_PER_STEP);
}

/** Whether an expression goes through lists or runs `matches` (else it is not metered). */
function metered(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
    } else if (isNode(item)) {
      if (item.op === "rcall" && Array.isArray(item.args) && (COMPREHENSIONS.has(item.args[0] as string) || item.args[0] === "matches")) return true;
      if (item.op === "call" && Array.isArray(item.args) && item.args[0] === "matches") return true;
      stack.push(item.args);
    }
  }
  return false;
}

/** The bound of a parsed cel-js expression per request, or undefined when it is not metered. */
export function compileCost(ast: unknown): CostBound | undefined {
  if (!metered(ast)) return undefined;
  return (scope) => {
    const { cost } = new Meter(scope).measure(ast, new Map());
    return Number.isFinite(cost) ? cost : Number.POSITIVE_INFINITY;
  };
}

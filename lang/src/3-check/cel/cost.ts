/**
 * A static upper bound on the steps a condition takes to evaluate, from the size caps
 * (`max`) of the lists, maps and strings it reads (spec/language.md §8.7, the cost model).
 *
 * Every node costs 1. A comprehension costs its range, plus the range's `max` times its
 * body plus one, so nested comprehensions multiply. On top of that, what goes through a
 * list or a string pays per element or character:
 *
 * - `x in list` costs the list's size (`x in map`: 1);
 * - `s.matches(p)` costs `⌈length(s) × weight(p) / 4⌉`, RE2 being linear in the text
 *   times the pattern's automaton (`weight`: its length, a counted repetition `x{n}`
 *   adding n − 1 copies of `x`);
 * - `contains`, `startsWith`, `endsWith`, `size`, `lowerAscii`, `upperAscii`, and
 *   `string`, `int`… of a string, and string `+` cost `⌈length / 16⌉` of the strings
 *   they read (comparing strings is native: one step);
 * - list `+` costs the sum of the sizes, list `==`/`!=` the smaller size.
 *
 * A string's length is its cap (`string(max: n)`, 36 for a uuid, the longest value of an
 * enum, a literal's length; `+` adds, `lowerAscii` keeps it) or, without one, the nominal
 * `NOMINAL_STRING` (the runtime's budget bounds longer ones). A range with no `max` (or
 * `dyn`) has no bound, and the first such range is returned instead of a number.
 *
 * The runtime's budget (runtime/src/cel/cost.ts) counts the same units with the sizes of
 * the values a request holds; keep the two in step.
 */
import type { CelCall, CelExpr } from "../../ast/cel.js";
import { decodeString } from "../../1-parse/strings.js";
import type { CelType } from "./cel-types.js";
import { comprehensionOf } from "./macros.js";
import { unwrap } from "./type-utils.js";
import { children } from "../../ast/cel-walk.js";

/** The most steps a condition may take; calibrated in bench/cost.bench.mjs (≤ 10 ms at the caps). */
export const MAX_CONDITION_COST = 100_000;
/** The most scalar values a run's context holds (list elements counted); the runtime refuses more at start. */
export const MAX_CONTEXT_VALUES = 256;
/** The length assumed for a string with no `max`. */
export const NOMINAL_STRING = 256;
/** Characters per step of a native string operation (`contains`, `+`, `==`…). */
const CHARS_PER_STEP = 16;
/** Characters × pattern weight per step of `matches` (RE2; `^(.*a){30}$`, every state live, is the calibration). */
const MATCH_UNITS_PER_STEP = 4;
/** The length of `string(x)` of a number, bool, timestamp or duration. */
const SCALAR_TEXT = 32;
/** The weight of a pattern that is not a literal (it is refused elsewhere; counted anyway). */
const UNKNOWN_PATTERN = 64;

export type CostEstimate =
  | {
      readonly cost: number;
      /** The smallest part of the condition that accounts for at least half of the cost. */
      readonly dominant: CelExpr;
      readonly dominantCost: number;
    }
  | { readonly unbounded: CelExpr };

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

const stringSteps = (length: number): number => Math.ceil(length / CHARS_PER_STEP);

const methodName = (call: CelCall): string => (call.fn.startsWith(".") ? call.fn.slice(1) : call.fn);

class Estimator {
  /** Every node's cost, for finding the part that dominates. */
  readonly costs = new Map<CelExpr, number>();

  constructor(private readonly types: ReadonlyMap<CelExpr, CelType>) {}

  type(expr: CelExpr): CelType | undefined {
    const type = this.types.get(expr);
    return type === undefined ? undefined : unwrap(type);
  }

  /** The most elements a list or map value has; undefined when nothing caps it. */
  size(expr: CelExpr): number | undefined {
    if (expr.kind === "CelList") return expr.elements.length;
    if (expr.kind === "CelMap") return expr.entries.length;
    if (expr.kind === "CelBinary" && expr.op === "+") {
      const l = this.size(expr.left);
      const r = this.size(expr.right);
      return l === undefined || r === undefined ? undefined : l + r;
    }
    if (expr.kind === "CelConditional") {
      const a = this.size(expr.then);
      const b = this.size(expr.otherwise);
      return a === undefined || b === undefined ? undefined : Math.max(a, b);
    }
    const comprehension = expr.kind === "CelCall" ? comprehensionOf(expr) : undefined;
    if (comprehension !== undefined && (comprehension.macro === "map" || comprehension.macro === "filter")) return this.size(comprehension.range);
    const type = this.type(expr);
    if (type === undefined || type.kind === "dyn") return undefined;
    if (type.kind === "list" || type.kind === "map") return type.max;
    // An `error` or a non-collection was reported by the checker; count it once.
    return 1;
  }

  /** The most characters a string value has. */
  length(expr: CelExpr): number {
    switch (expr.kind) {
      case "CelLiteral":
        return expr.type === "string" || expr.type === "bytes" ? expr.raw.length : SCALAR_TEXT;
      case "CelBinary":
        if (expr.op === "+") return this.length(expr.left) + this.length(expr.right);
        break;
      case "CelConditional":
        return Math.max(this.length(expr.then), this.length(expr.otherwise));
      case "CelCall": {
        const name = methodName(expr);
        if ((name === "lowerAscii" || name === "upperAscii") && expr.target !== undefined) return this.length(expr.target);
        if (name === "string" && expr.target === undefined && expr.args.length === 1) {
          const arg = expr.args[0] as CelExpr;
          return this.isText(arg) ? this.length(arg) : SCALAR_TEXT;
        }
        break;
      }
    }
    const type = this.type(expr);
    if (type?.kind === "primitive") {
      if (type.max !== undefined) return type.max;
      if (type.name !== "string" && type.name !== "bytes") return SCALAR_TEXT;
    }
    return NOMINAL_STRING;
  }

  isText(expr: CelExpr): boolean {
    const type = this.type(expr);
    return type?.kind === "primitive" && (type.name === "string" || type.name === "bytes");
  }

  isList(expr: CelExpr): boolean {
    return this.type(expr)?.kind === "list";
  }

  /** The weight of a `matches` pattern argument. */
  pattern(expr: CelExpr): number {
    if (expr.kind !== "CelLiteral" || expr.type !== "string") return UNKNOWN_PATTERN;
    return patternWeight(decodeString(expr.raw).value);
  }

  /** What a node costs beyond one step per node: the per-element and per-character work. */
  own(expr: CelExpr): number | CelExpr {
    if (expr.kind === "CelBinary") {
      const { op, left, right } = expr;
      if (op === "in") {
        const type = this.type(right);
        if (type?.kind === "map") return 1;
        const n = this.size(right);
        return n === undefined ? right : n;
      }
      if (op === "+" || op === "==" || op === "!=") {
        if (op === "+" && (this.isText(left) || this.isText(right))) return stringSteps(this.length(left) + this.length(right));
        if (this.isList(left) || this.isList(right)) {
          const l = this.size(left);
          const r = this.size(right);
          if (op === "+") return l === undefined ? left : r === undefined ? right : l + r;
          if (l !== undefined && r !== undefined) return Math.min(l, r);
          return l ?? r ?? left;
        }
      }
      return 0;
    }
    if (expr.kind !== "CelCall") return 0;
    const name = methodName(expr);
    const receiver = expr.target ?? expr.args[0];
    if (receiver === undefined) return 0;
    switch (name) {
      case "matches": {
        const pattern = expr.target === undefined ? expr.args[1] : expr.args[0];
        const weight = pattern === undefined ? UNKNOWN_PATTERN : this.pattern(pattern);
        return Math.ceil((this.length(receiver) * weight) / MATCH_UNITS_PER_STEP);
      }
      case "contains":
      case "startsWith":
      case "endsWith": {
        const arg = expr.args[0];
        return stringSteps(this.length(receiver) + (arg === undefined ? 0 : this.length(arg)));
      }
      case "size":
      case "lowerAscii":
      case "upperAscii":
      case "string":
      case "int":
      case "uint":
      case "double":
      case "bool":
      case "bytes":
      case "timestamp":
      case "duration":
        return this.isText(receiver) ? stringSteps(this.length(receiver)) : 0;
      case "from_context":
        // One comparison per context value (at most MAX_CONTEXT_VALUES: spec/runtime.md §Run context).
        return MAX_CONTEXT_VALUES + (this.isText(receiver) ? stringSteps(this.length(receiver)) : 0);
      default:
        return 0;
    }
  }

  cost(expr: CelExpr): number | CelExpr {
    const comprehension = expr.kind === "CelCall" ? comprehensionOf(expr) : undefined;
    let total: number;
    if (comprehension !== undefined) {
      const range = this.cost(comprehension.range);
      if (typeof range !== "number") return range;
      const bound = this.size(comprehension.range);
      if (bound === undefined) return comprehension.range;
      let body = 1;
      for (const part of comprehension.body) {
        const cost = this.cost(part);
        if (typeof cost !== "number") return cost;
        body += cost;
      }
      total = 1 + range + bound * body;
    } else {
      total = 1;
      for (const child of children(expr)) {
        const cost = this.cost(child);
        if (typeof cost !== "number") return cost;
        total += cost;
      }
      const own = this.own(expr);
      if (typeof own !== "number") return own;
      total += own;
    }
    this.costs.set(expr, total);
    return total;
  }

  /** Down from the root while one part holds at least half of the whole. */
  dominant(root: CelExpr, total: number): CelExpr {
    let node = root;
    for (;;) {
      let next: CelExpr | undefined;
      for (const kid of children(node)) if ((this.costs.get(kid) ?? 0) * 2 >= total) next = kid;
      if (next === undefined) return node;
      node = next;
    }
  }
}

export function estimateCost(expr: CelExpr, types: ReadonlyMap<CelExpr, CelType>): CostEstimate {
  const estimator = new Estimator(types);
  const result = estimator.cost(expr);
  if (typeof result !== "number") return { unbounded: result };
  const dominant = estimator.dominant(expr, result);
  return { cost: result, dominant, dominantCost: estimator.costs.get(dominant) ?? result };
}

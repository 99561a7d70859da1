/**
 * A fast path for checked cel-js expressions: the AST of the common subset (literals,
 * variables, field selection, indexing, comparisons, arithmetic, `in`, `&&`/`||`/`!`,
 * `?:`, `size`, `contains`/`startsWith`/`endsWith`, `matches` on RE2, `has`, `string`,
 * `exists`/`all`/`exists_one`/`filter`/`map` over lists, and timestamps and durations:
 * `duration("1h")` and `timestamp("…")` of a literal are evaluated once, at load, by
 * cel-js) compiled to plain JS closures.
 *
 * The closures are only ever an accelerator for cel-js, never a second semantics: each one
 * returns a value only where it knows, case by case, that cel-js 8 returns that same value
 * (operands of the types it handles, no error). Anything else — an operand of another
 * type, a missing key, an overflow, an erring `&&` operand that cel-js might absorb — throws
 * (`BAIL` or any error), and program.ts then runs the expression on cel-js, whose answer
 * (value or error) is the one given. So a request that needs CEL's full rules costs two
 * evaluations; the common one costs a few closure calls.
 *
 * Why closures and not cel-js's own walk: cel-js dispatches every node through the AST
 * object and looks operator overloads up at run time for `dyn` operands, and with 1,000
 * conditions its call sites see 1,000 different node objects. Every closure here comes from
 * one function literal per node kind, so conditions that differ only in constants
 * (`input.amount > 101.0` and `> 102.0`) share the same code and type feedback.
 *
 * Some errors are known without cel-js: a field a record does not hold (an optional input the
 * client omitted), a variable that is not set (`resource` without a row), and an int
 * division or modulo by zero (`division by zero`, `modulo by zero`). cel-js fails
 * there with `no such key: f` / `unknown variable: v` / `division by zero`, and building (and throwing) its
 * error costs ~40× a decision. There the closures give an `Absent` *value* carrying that
 * very message (no throw), which the common operators hand on as cel-js hands on the error:
 * the first absent operand in cel-js's order of evaluation (left to right; a list literal
 * and a call's arguments last to first); `&&`/`||` as cel-js absorbs errors (`false`/`true`
 * on the other side wins, else the right side's error, else the left's); `!`, `?:`'s
 * condition. Anything else meeting an `Absent` treats it as an unknown object and bails,
 * as before (a comprehension's body, `has`, `map`'s values, `matches`…), so cel-js decides.
 * Callers may report an `Absent` result as the condition's error (rules.ts).
 *
 * This file must not decide policies nor catch errors: program.ts owns the fallback.
 */
import { evaluate as celEvaluate } from "@marcbachmann/cel-js";
import { Duration } from "@marcbachmann/cel-js/evaluator";
import { fromContext } from "./from-context.js";
import { re2Matches } from "./re2.js";
import { untrusted } from "./untrusted.js";

/** What an expression reads its variables from (a plain object). */
export type Scope = Readonly<Record<string, unknown>>;
/** `k`: the expression's literals, so expressions that differ only in them share closures. */
export type Compiled = (scope: Scope, k: readonly unknown[]) => unknown;

/** Thrown where the fast path does not know cel-js's answer: cel-js decides instead. */
export const BAIL: unique symbol = Symbol("cel fast path: ask cel-js");

function bail(): never {
  throw BAIL;
}

/**
 * The value of an expression where cel-js fails with exactly `message` (its error's
 * summary, as `celErrorMessage` words it): a field or variable that is not there.
 */
export class Absent {
  constructor(readonly message: string) {}
}

/** cel-js's errors of an int division or modulo by zero (overloads.js), handed on like an absent field's. */
const DIVISION_BY_ZERO = new Absent("division by zero");
const MODULO_BY_ZERO = new Absent("modulo by zero");

/** The first of the operands (in cel-js's order of evaluation) that is absent: cel-js's error there; else BAIL. */
function refuse(first: unknown, second?: unknown): Absent {
  if (first instanceof Absent) return first;
  if (second instanceof Absent) return second;
  return bail();
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A node of cel-js's parsed AST, as far as this compiler reads it. */
interface Node {
  readonly op: string;
  readonly args: unknown;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { op?: unknown }).op === "string" && "args" in value;
}

/** A plain CEL map as cel-js reads it: a JS object with `Object` or no prototype. */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const c = value.constructor;
  return c === Object || c === undefined;
}

/** Comprehension variables in scope: name → the cell its closure reads. */
type Locals = ReadonlyMap<string, { value: unknown }>;

/**
 * Per declared variable type, what a value must be for the fast path to use it as is
 * (cel-js would otherwise report a type mismatch, or convert): undefined for a type the
 * fast path does not take (the expression then always runs on cel-js).
 */
function variableGuard(type: string): ((value: unknown) => boolean) | undefined {
  if (type === "dyn") return () => true;
  if (type === "int") return (v) => typeof v === "bigint";
  if (type === "double") return (v) => typeof v === "number";
  if (type === "string") return (v) => typeof v === "string";
  if (type === "bool") return (v) => typeof v === "boolean";
  return undefined;
}

class Unsupported extends Error {}

function unsupported(): never {
  throw new Unsupported();
}

// ---- values ----

/** `==` where cel-js answers with `===`: two primitives of the same CEL type. */
function equal(l: unknown, r: unknown): boolean | Absent {
  const t = typeof l;
  if (t !== typeof r || (t !== "string" && t !== "bigint" && t !== "number" && t !== "boolean")) return refuse(l, r);
  return l === r;
}

/** `!=`: `equal` negated, an absent operand handed on. */
function notEqual(l: unknown, r: unknown): boolean | Absent {
  const e = equal(l, r);
  return typeof e === "boolean" ? !e : e;
}

/** A timestamp or a duration as cel-js takes one (its own classes, not subclasses). */
function isTime(value: unknown): value is Date | Duration {
  if (typeof value !== "object" || value === null) return false;
  const c = value.constructor;
  return c === Date || c === Duration;
}

/**
 * Ordering as cel-js's overloads: int/double mixed, string with string, bool with bool,
 * timestamp with timestamp and duration with duration (JS `<` on their `valueOf`, as cel-js).
 */
function ordered(l: unknown, r: unknown): Absent | undefined {
  const tl = typeof l;
  const tr = typeof r;
  if (tl === "bigint" || tl === "number") {
    if (tr === "bigint" || tr === "number") return undefined;
  } else if ((tl === "string" || tl === "boolean") && tl === tr) return undefined;
  else if (isTime(l) && isTime(r) && l.constructor === r.constructor) return undefined;
  return refuse(l, r);
}

/** cel-js's list membership (`isEqual`) for a primitive left side. */
function member(value: unknown, list: unknown): boolean | Absent {
  if (!Array.isArray(list)) return refuse(value, list);
  const t = typeof value;
  if (t === "string" || t === "boolean") {
    for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
    return false;
  }
  if (t === "bigint" || t === "number") {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      // biome-ignore lint/suspicious/noDoubleEquals: cel-js compares int and double with `==`
      if (e === value || ((typeof e === "bigint" || typeof e === "number") && e == value)) return true;
    }
    return false;
  }
  return refuse(value);
}

function int64(n: bigint): bigint {
  if (n > INT64_MAX || n < INT64_MIN) bail();
  return n;
}

function add(l: unknown, r: unknown): unknown {
  if (typeof l === "bigint" && typeof r === "bigint") return int64(l + r);
  if (typeof l === "number" && typeof r === "number") return l + r;
  if (typeof l === "string" && typeof r === "string") return l + r;
  // cel-js's overloads for timestamps and durations, called the same way.
  if (isTime(l) && isTime(r)) {
    if (l instanceof Duration) return r instanceof Duration ? l.addDuration(r) : l.extendTimestamp(r);
    if (r instanceof Duration) return r.extendTimestamp(l);
  }
  return refuse(l, r);
}

function subtractTimes(l: Date | Duration, r: Date | Duration): unknown {
  if (l instanceof Duration) return r instanceof Duration ? l.subtractDuration(r) : bail();
  return r instanceof Duration ? r.subtractTimestamp(l) : Duration.fromMilliseconds(l.getTime() - r.getTime());
}

function arithmetic(op: string, l: unknown, r: unknown): unknown {
  if (typeof l === "bigint" && typeof r === "bigint") {
    switch (op) {
      case "-":
        return int64(l - r);
      case "*":
        return int64(l * r);
      // cel-js's very errors, as values (see Absent): no throw, no second evaluation on cel-js.
      case "/":
        return r === 0n ? DIVISION_BY_ZERO : l / r;
      case "%":
        return r === 0n ? MODULO_BY_ZERO : l % r;
    }
  }
  if (op === "-" && isTime(l) && isTime(r)) return subtractTimes(l, r);
  if (typeof l === "number" && typeof r === "number") {
    switch (op) {
      case "-":
        return l - r;
      case "*":
        return l * r;
      case "/":
        return l / r;
    }
  }
  return refuse(l, r);
}

/** Code points, as cel-js's `size` of a string. */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function size(value: unknown): bigint | Absent {
  if (typeof value === "string") return BigInt(codePoints(value));
  if (Array.isArray(value)) return BigInt(value.length);
  return refuse(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : bail();
}

function bool(value: unknown): boolean {
  return value === true || value === false ? value : bail();
}

/** A record's field; cel-js's `no such key` when the record does not hold it (own and defined, as cel-js reads it). */
function field(object: unknown, name: string): unknown {
  if (!isRecord(object)) return refuse(object);
  const v = Object.hasOwn(object, name) ? object[name] : undefined;
  return v === undefined ? new Absent(`no such key: ${name}`) : v;
}

// ---- the compiler ----

/** A literal cel-js evaluates to itself, which the fast path knows how to use. */
function literal(value: unknown): boolean {
  const t = typeof value;
  return t === "string" || t === "bigint" || t === "number" || t === "boolean";
}

class Compiler {
  /** The literals met so far, in the order compile meets them (the order `k` holds them in). */
  readonly constants: unknown[] = [];

  constructor(readonly guards: ReadonlyMap<string, (value: unknown) => boolean>) {}

  constant(value: unknown): number {
    return this.constants.push(value) - 1;
  }

  compile(node: unknown, locals: Locals): Compiled {
    if (!isNode(node)) return unsupported();
    const args = node.args;
    switch (node.op) {
      case "value": {
        if (!literal(args)) return unsupported();
        const at = this.constant(args);
        return (_scope, k) => k[at];
      }
      case "id":
        return this.variable(String(args), locals);
      case ".": {
        const [object, name] = pair(args);
        if (typeof name !== "string") return unsupported();
        if (isNode(object) && object.op === "id" && !locals.has(String(object.args))) {
          const variable = String(object.args);
          const guard = this.guard(variable);
          const unset = new Absent(`unknown variable: ${variable}`);
          return (scope) => {
            const v = scope[variable];
            if (v === undefined) return unset;
            if (!guard(v)) bail();
            return field(v, name);
          };
        }
        const o = this.compile(object, locals);
        return (scope, k) => field(o(scope, k), name);
      }
      case "[]": {
        const [object, index] = pair(args);
        const o = this.compile(object, locals);
        const i = this.compile(index, locals);
        return (scope, k) => {
          const container = o(scope, k);
          const key = i(scope, k);
          if (Array.isArray(container) && typeof key === "bigint") {
            if (key < 0n || key >= BigInt(container.length)) bail();
            const v = container[Number(key)];
            return v === undefined ? bail() : v;
          }
          if (typeof key === "string") return field(container, key);
          return refuse(container, key);
        };
      }
      case "list": {
        if (!Array.isArray(args)) return unsupported();
        if (args.every((e) => isNode(e) && e.op === "value" && literal(e.args))) {
          // A literal list is built once: nothing reads it but `in`, `size`, indexing and comprehensions.
          const at = this.constant(Object.freeze(args.map((e) => (e as Node).args)));
          return (_scope, k) => k[at];
        }
        const items = args.map((e) => this.compile(e, locals));
        // Last to first, as cel-js evaluates a list (so the same error is the one met first).
        return (scope, k) => {
          const out = new Array<unknown>(items.length);
          for (let n = items.length - 1; n >= 0; n--) {
            const v = (items[n] as Compiled)(scope, k);
            if (v instanceof Absent) return v;
            out[n] = v;
          }
          return out;
        };
      }
      case "!_": {
        const a = this.compile(args, locals);
        return (scope, k) => {
          const v = a(scope, k);
          return v === true ? false : v === false ? true : refuse(v);
        };
      }
      case "-_": {
        const a = this.compile(args, locals);
        return (scope, k) => {
          const v = a(scope, k);
          if (typeof v === "bigint") return -v; // as cel-js: no overflow check on negation
          if (typeof v === "number") return -v;
          return refuse(v);
        };
      }
      case "&&":
      case "||": {
        const [left, right] = pair(args);
        const l = this.compile(left, locals);
        const r = this.compile(right, locals);
        // The short-circuit value decides alone. After an absent left side the right one is
        // evaluated, as cel-js does: its absorbing value wins, else its own error, else the
        // left side's. Any other non-bool side goes to cel-js.
        if (node.op === "&&") {
          return (scope, k) => {
            const left = l(scope, k);
            if (left === false) return false;
            const right = r(scope, k);
            if (left === true) return right === true || right === false ? right : refuse(right);
            if (!(left instanceof Absent)) return bail();
            return right === false ? false : right === true ? left : refuse(right);
          };
        }
        return (scope, k) => {
          const left = l(scope, k);
          if (left === true) return true;
          const right = r(scope, k);
          if (left === false) return right === true || right === false ? right : refuse(right);
          if (!(left instanceof Absent)) return bail();
          return right === true ? true : right === false ? left : refuse(right);
        };
      }
      case "?:": {
        if (!Array.isArray(args) || args.length !== 3) return unsupported();
        const c = this.compile(args[0], locals);
        const t = this.compile(args[1], locals);
        const f = this.compile(args[2], locals);
        return (scope, k) => {
          const v = c(scope, k);
          return v === true ? t(scope, k) : v === false ? f(scope, k) : refuse(v);
        };
      }
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
      case "in":
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        return this.binary(node.op, args, locals);
      case "call":
        return this.call(args, locals);
      case "rcall":
        return this.method(args, locals);
      default:
        return unsupported();
    }
  }

  guard(name: string): (value: unknown) => boolean {
    return this.guards.get(name) ?? unsupported();
  }

  variable(name: string, locals: Locals): Compiled {
    const cell = locals.get(name);
    if (cell !== undefined) return () => cell.value;
    const guard = this.guard(name);
    const unset = new Absent(`unknown variable: ${name}`);
    return (scope) => {
      const v = scope[name];
      if (v === undefined) return unset;
      return guard(v) ? v : bail();
    };
  }

  binary(op: string, args: unknown, locals: Locals): Compiled {
    const [left, right] = pair(args);
    const l = this.compile(left, locals);
    // A literal right side (`input.amount > 100.0`): one closure call less.
    if (isNode(right) && right.op === "value" && literal(right.args)) {
      const at = this.constant(right.args);
      switch (op) {
        case "==":
          return (scope, k) => equal(l(scope, k), k[at]);
        case "!=":
          return (scope, k) => notEqual(l(scope, k), k[at]);
        case "<":
          return (scope, k) => {
            const v = l(scope, k) as number;
            const c = k[at] as number;
            return ordered(v, c) ?? v < c;
          };
        case "<=":
          return (scope, k) => {
            const v = l(scope, k) as number;
            const c = k[at] as number;
            return ordered(v, c) ?? v <= c;
          };
        case ">":
          return (scope, k) => {
            const v = l(scope, k) as number;
            const c = k[at] as number;
            return ordered(v, c) ?? v > c;
          };
        case ">=":
          return (scope, k) => {
            const v = l(scope, k) as number;
            const c = k[at] as number;
            return ordered(v, c) ?? v >= c;
          };
      }
      this.constants.pop(); // not taken here: the general case below compiles the literal itself
    }
    const r = this.compile(right, locals);
    switch (op) {
      case "==":
        return (scope, k) => equal(l(scope, k), r(scope, k));
      case "!=":
        return (scope, k) => notEqual(l(scope, k), r(scope, k));
      case "<":
        return (scope, k) => {
          const a = l(scope, k) as number;
          const b = r(scope, k) as number;
          return ordered(a, b) ?? a < b;
        };
      case "<=":
        return (scope, k) => {
          const a = l(scope, k) as number;
          const b = r(scope, k) as number;
          return ordered(a, b) ?? a <= b;
        };
      case ">":
        return (scope, k) => {
          const a = l(scope, k) as number;
          const b = r(scope, k) as number;
          return ordered(a, b) ?? a > b;
        };
      case ">=":
        return (scope, k) => {
          const a = l(scope, k) as number;
          const b = r(scope, k) as number;
          return ordered(a, b) ?? a >= b;
        };
      case "in":
        return (scope, k) => member(l(scope, k), r(scope, k));
      case "+":
        return (scope, k) => add(l(scope, k), r(scope, k));
      default:
        return (scope, k) => arithmetic(op, l(scope, k), r(scope, k));
    }
  }

  call(args: unknown, locals: Locals): Compiled {
    const [name, params] = pair(args);
    if (!Array.isArray(params)) return unsupported();
    if (name === "has" && params.length === 1) {
      const target = params[0];
      if (!isNode(target) || target.op !== ".") return unsupported();
      const [object, key] = pair(target.args);
      if (typeof key !== "string") return unsupported();
      const o = this.compile(object, locals);
      return (scope, k) => {
        const v = o(scope, k);
        // An absent operand: cel-js's `has` words its error its own way (it decides).
        if (!isRecord(v)) bail();
        return Object.hasOwn(v, key) && v[key] !== undefined;
      };
    }
    if (name === "from_context" && params.length === 1) {
      const a = this.compile(params[0], locals);
      return (scope, k) => {
        const v = a(scope, k);
        return v instanceof Absent ? v : fromContext(v, scope["run"]);
      };
    }
    if (name === "size" && params.length === 1) {
      const a = this.compile(params[0], locals);
      return (scope, k) => size(a(scope, k));
    }
    if (name === "matches" && params.length === 2) {
      const s = this.compile(params[0], locals);
      const p = this.compile(params[1], locals);
      // cel-js evaluates a call's arguments last to first.
      return (scope, k) => {
        const pattern = p(scope, k);
        return re2Matches(str(s(scope, k)), str(pattern));
      };
    }
    if ((name === "duration" || name === "timestamp") && params.length === 1) {
      // Of a literal: one value, computed at load by cel-js itself (an error leaves the whole expression to cel-js).
      const arg = params[0];
      if (!isNode(arg) || arg.op !== "value" || typeof arg.args !== "string") return unsupported();
      let value: unknown;
      try {
        value = celEvaluate(`${name}(${JSON.stringify(arg.args)})`);
      } catch {
        return unsupported();
      }
      if (!isTime(value)) return unsupported();
      const at = this.constant(value);
      return (_scope, k) => k[at];
    }
    if (name === "untrusted" && params.length === 1) {
      const a = this.compile(params[0], locals);
      // Throws outside a run or for a value that is no scalar: cel-js then gives its error.
      return (scope, k) => untrusted(a(scope, k));
    }
    if (name === "string" && params.length === 1) {
      const a = this.compile(params[0], locals);
      return (scope, k) => {
        const v = a(scope, k);
        if (typeof v === "string") return v;
        if (typeof v === "bigint") return v.toString();
        return refuse(v);
      };
    }
    return unsupported();
  }

  method(args: unknown, locals: Locals): Compiled {
    if (!Array.isArray(args) || args.length !== 3) return unsupported();
    const [name, receiver, params] = args as [unknown, unknown, unknown];
    if (!Array.isArray(params)) return unsupported();
    switch (name) {
      case "size": {
        if (params.length !== 0) return unsupported();
        const a = this.compile(receiver, locals);
        return (scope, k) => size(a(scope, k));
      }
      case "contains":
      case "startsWith":
      case "endsWith":
      case "matches": {
        if (params.length !== 1) return unsupported();
        const a = this.compile(receiver, locals);
        const b = this.compile(params[0], locals);
        // A method call evaluates its argument, then its receiver (cel-js: last to first);
        // `matches` is cel-js's macro (environment.ts): receiver, then pattern.
        if (name === "matches") return (scope, k) => re2Matches(str(a(scope, k)), str(b(scope, k)));
        if (name === "contains") {
          return (scope, k) => {
            const arg = b(scope, k);
            const text = a(scope, k);
            return typeof text === "string" && typeof arg === "string" ? text.includes(arg) : refuse(arg, text);
          };
        }
        if (name === "startsWith") {
          return (scope, k) => {
            const arg = b(scope, k);
            const text = a(scope, k);
            return typeof text === "string" && typeof arg === "string" ? text.startsWith(arg) : refuse(arg, text);
          };
        }
        return (scope, k) => {
          const arg = b(scope, k);
          const text = a(scope, k);
          return typeof text === "string" && typeof arg === "string" ? text.endsWith(arg) : refuse(arg, text);
        };
      }
      case "exists":
      case "all":
      case "exists_one":
      case "filter":
      case "map":
        return this.comprehension(name, receiver, params, locals);
      default:
        return unsupported();
    }
  }

  comprehension(name: string, receiver: unknown, params: readonly unknown[], locals: Locals): Compiled {
    const variable = params[0];
    if (!isNode(variable) || variable.op !== "id" || typeof variable.args !== "string") return unsupported();
    if (params.length !== 2 && !(name === "map" && params.length === 3)) return unsupported();
    const items = this.compile(receiver, locals);
    // One cell per comprehension, shared by every expression of this shape: safe because an
    // evaluation is synchronous and never re-enters an expression (nothing here calls out but RE2).
    const cell = { value: undefined as unknown };
    const inner = new Map(locals);
    inner.set(variable.args, cell);
    // An absent field inside the body may be absorbed by another element: `bool` bails on it (cel-js decides).
    const body = this.compile(params[1], inner);
    switch (name) {
      case "exists":
        // Every element is tested: an erring one could be absorbed by a later true (cel-js decides then).
        return (scope, k) => {
          const xs = items(scope, k);
          if (!Array.isArray(xs)) return refuse(xs);
          let found = false;
          for (let i = 0; i < xs.length; i++) {
            cell.value = xs[i];
            if (bool(body(scope, k))) {
              found = true;
              break;
            }
          }
          return found;
        };
      case "all":
        return (scope, k) => {
          const xs = items(scope, k);
          if (!Array.isArray(xs)) return refuse(xs);
          let every = true;
          for (let i = 0; i < xs.length; i++) {
            cell.value = xs[i];
            if (!bool(body(scope, k))) {
              every = false;
              break;
            }
          }
          return every;
        };
      case "exists_one":
        return (scope, k) => {
          const xs = items(scope, k);
          if (!Array.isArray(xs)) return refuse(xs);
          let n = 0;
          for (let i = 0; i < xs.length; i++) {
            cell.value = xs[i];
            if (bool(body(scope, k))) n++;
          }
          return n === 1;
        };
      case "filter":
        return (scope, k) => {
          const xs = items(scope, k);
          if (!Array.isArray(xs)) return refuse(xs);
          const out: unknown[] = [];
          for (let i = 0; i < xs.length; i++) {
            cell.value = xs[i];
            if (bool(body(scope, k))) out.push(xs[i]);
          }
          return out;
        };
      default: {
        if (params.length === 3) {
          const transform = present(this.compile(params[2], inner));
          return (scope, k) => {
            const xs = items(scope, k);
          if (!Array.isArray(xs)) return refuse(xs);
            const out: unknown[] = [];
            for (let i = 0; i < xs.length; i++) {
              cell.value = xs[i];
              if (bool(body(scope, k))) out.push(transform(scope, k));
            }
            return out;
          };
        }
        return (scope, k) => {
          const xs = items(scope, k);
          if (!Array.isArray(xs)) return refuse(xs);
          const out = new Array<unknown>(xs.length);
          for (let i = 0; i < xs.length; i++) {
            cell.value = xs[i];
            const v = body(scope, k);
            out[i] = v instanceof Absent ? bail() : v;
          }
          return out;
        };
      }
    }
  }
}

/** `closure` with an `Absent` value turned into `BAIL` (a `map` value: cel-js decides). */
function present(closure: Compiled): Compiled {
  return (scope, k) => {
    const v = closure(scope, k);
    return v instanceof Absent ? bail() : v;
  };
}

function pair(args: unknown): [unknown, unknown] {
  if (!Array.isArray(args) || args.length !== 2) return unsupported();
  return [args[0], args[1]];
}

/** A compiled expression: closures shared by every expression of the same shape, and its literals. */
export interface FastExpression {
  readonly closure: Compiled;
  readonly constants: readonly unknown[];
}

/**
 * The shape of an expression: its tree with each literal replaced by its type. Two
 * expressions of one shape compile to the same closures (and meet their literals in the
 * same order), so only the literals differ.
 */
function shapeOf(node: unknown): string {
  if (Array.isArray(node)) return `[${node.map(shapeOf).join(",")}]`;
  if (isNode(node)) return node.op === "value" ? `#${typeof node.args}` : `${node.op}(${shapeOf(node.args)})`;
  return typeof node === "string" ? JSON.stringify(node) : `?${typeof node}`;
}

/** Closures per shape and declared variables: a bundle has few shapes, however many rules. */
const MAX_SHAPES = 10_000;
const shapes = new Map<string, Compiled>();
/** Literal arrays by content: rules with the same literals share one (fewer objects for a request to touch). */
const literalSets = new Map<string, readonly unknown[]>();

function literalKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literalKey).join(",")}]`;
  if (value instanceof Date) return `timestamp:${value.getTime()}`;
  if (value instanceof Duration) return `duration:${value.seconds}:${value.nanos}`;
  if (typeof value === "number" && Object.is(value, -0)) return "number:-0";
  return `${typeof value}:${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
}

function internLiterals(constants: readonly unknown[]): readonly unknown[] {
  const key = literalKey(constants);
  const known = literalSets.get(key);
  if (known !== undefined) return known;
  if (literalSets.size >= MAX_SHAPES) literalSets.clear();
  const frozen = Object.freeze([...constants]);
  literalSets.set(key, frozen);
  return frozen;
}

/**
 * The closures of a checked expression's AST, or undefined when it uses something outside
 * the fast path (it then always runs on cel-js). `variables` are the declared cel-js types.
 */
export function compileClosure(ast: unknown, variables: Readonly<Record<string, string>>): FastExpression | undefined {
  const guards = new Map<string, (value: unknown) => boolean>();
  for (const [name, type] of Object.entries(variables)) {
    const guard = variableGuard(type);
    if (guard !== undefined) guards.set(name, guard);
  }
  const compiler = new Compiler(guards);
  let closure: Compiled;
  try {
    closure = compiler.compile(ast, new Map());
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  const key = `${JSON.stringify(Object.entries(variables).sort())}${shapeOf(ast)}`;
  const shared = shapes.get(key);
  if (shared !== undefined) closure = shared;
  else {
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(key, closure);
  }
  return { closure, constants: internLiterals(compiler.constants) };
}

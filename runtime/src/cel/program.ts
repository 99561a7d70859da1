/**
 * One CEL expression compiled for repeated evaluation: parsed and type-checked once (a
 * checked cel-js AST evaluates without re-checking), then run per request.
 *
 * `compileCel` never throws: a source cel-js refuses is a value the caller reports.
 * `run` throws for an evaluation error (cel-js reports them so).
 *
 * `run` first tries the expression's closures (closures.ts), which answer only where they
 * know cel-js's answer; for anything else — and for every error — cel-js runs the
 * expression, so its value or error is the one given. cel-js is the semantics; the closures
 * are a faster way to the same result.
 */
import type { Environment } from "@marcbachmann/cel-js";
import { type Compiled, compileClosure, type FastExpression } from "./closures.js";
import { type CostBound, compileCost } from "./cost.js";
import { celVariables } from "./environment.js";

export type Activation = Readonly<Record<string, unknown>>;

export interface CelProgram {
  readonly source: string;
  /** The value, or a throw for an evaluation error. */
  run(activation: Activation): unknown;
  /** The variables the expression names (`input`, `resource`…), to skip building others. */
  readonly variables: ReadonlySet<string>;
  /**
   * Per variable, the fields it is only ever read through (`resource.status`): a variable
   * missing here is used whole (passed on, iterated, compared) and needs all its fields.
   */
  readonly fields: ReadonlyMap<string, ReadonlySet<string>>;
  /** The expression's cost bound per request (cost.ts); undefined when it is not metered. */
  readonly cost: CostBound | undefined;
  /** Its equality guards (`guardsOf`): each one false makes the whole expression false. */
  readonly guards: readonly Guard[];
  /** Whether closures cover the expression (else every run is cel-js's own). */
  readonly fast: boolean;
  /**
   * The closures and the expression's literals, for a caller that keeps them next to its
   * own data (rules.ts) and runs `runCelJs` where they throw or give a non-primitive.
   */
  readonly closure: Compiled | undefined;
  readonly constants: readonly unknown[];
  /** cel-js alone: the reference the closures are tested against. */
  runCelJs(activation: Activation): unknown;
  /**
   * The closures alone: their value, or a throw where they leave the answer to cel-js
   * (tests use it to check the closures agree with cel-js wherever they answer).
   */
  runFast(activation: Activation): unknown;
}

export type CompileResult = { readonly ok: true; readonly program: CelProgram } | { readonly ok: false; readonly message: string };

/** The short message of a cel-js error (its `message` carries a code frame). */
export function celErrorMessage(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as Error & { summary?: unknown }).summary;
    const text = typeof summary === "string" && summary !== "" ? summary : error.message;
    const firstLine = text.split("\n", 1)[0] ?? text;
    return firstLine.charAt(0).toLowerCase() + firstLine.slice(1);
  }
  return String(error);
}

/** A node of cel-js's AST, as far as the variable scan needs it. */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as { op?: unknown }).op === "string" && "args" in value;
}

interface Uses {
  readonly variables: Set<string>;
  readonly fields: Map<string, Set<string>>;
}

/**
 * Every identifier of the tree (comprehension variables included: a superset is fine),
 * and for each the fields it is selected by, unless it is also used whole.
 */
function uses(root: unknown): Uses {
  const variables = new Set<string>();
  const whole = new Set<string>();
  const fields = new Map<string, Set<string>>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
    } else if (isNode(item)) {
      if (item.op === "id" && typeof item.args === "string") {
        variables.add(item.args);
        whole.add(item.args);
      } else if (item.op === "." && Array.isArray(item.args) && isNode(item.args[0]) && item.args[0].op === "id") {
        const name = item.args[0].args as string;
        variables.add(name);
        const set = fields.get(name) ?? new Set<string>();
        fields.set(name, set);
        set.add(String(item.args[1]));
      } else stack.push(item.args);
    }
  }
  for (const name of whole) fields.delete(name);
  return { variables, fields };
}

export function compileCel(env: Environment, source: string): CompileResult {
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = env.parse(source);
  } catch (error) {
    return { ok: false, message: celErrorMessage(error) };
  }
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, message: celErrorMessage(checked.error) };
  const { variables, fields } = uses(parsed.ast);
  const declared = celVariables(env);
  const fast = declared === undefined ? undefined : compileClosure(parsed.ast, declared);
  const program: CelProgram = {
    source,
    run: fast === undefined ? parsed : fastThenCelJs(fast, parsed),
    variables,
    fields,
    cost: compileCost(parsed.ast),
    guards: guardsOf(parsed.ast),
    fast: fast !== undefined,
    closure: fast?.closure,
    constants: fast?.constants ?? NO_CONSTANTS,
    runCelJs: parsed,
    runFast: fast === undefined ? refuseFast : (activation) => fast.closure(activation, fast.constants),
  };
  return { ok: true, program };
}

const NO_CONSTANTS: readonly unknown[] = Object.freeze([]);

/** `variable.field == "value"`: a conjunct of a condition comparing a field with a string literal. */
export interface Guard {
  readonly variable: string;
  readonly field: string;
  readonly value: string;
}

/**
 * The guards of an expression: its conjuncts — operands of its top-level `&&` tree — of
 * the form `v.f == "literal"` (or `"literal" == v.f`) for a variable `v`. cel-js absorbs
 * errors in `&&` (a `false` operand on either side wins), so when `v.f` holds a string
 * other than the literal the expression is false, whatever its other conjuncts give: the
 * rule index (decide/rule-index.ts) skips such a rule without evaluating it.
 */
export function guardsOf(root: unknown): readonly Guard[] {
  const guards: Guard[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isNode(node) || !Array.isArray(node.args) || node.args.length !== 2) continue;
    if (node.op === "&&") {
      stack.push(node.args[1], node.args[0]);
      continue;
    }
    if (node.op !== "==") continue;
    const [l, r] = node.args as [unknown, unknown];
    const guard = fieldEqualsString(l, r) ?? fieldEqualsString(r, l);
    if (guard !== undefined) guards.push(guard);
  }
  return Object.freeze(guards);
}

function fieldEqualsString(selection: unknown, literal: unknown): Guard | undefined {
  if (!isNode(selection) || selection.op !== "." || !Array.isArray(selection.args)) return undefined;
  const [object, field] = selection.args as [unknown, unknown];
  if (!isNode(object) || object.op !== "id" || typeof object.args !== "string" || typeof field !== "string") return undefined;
  if (!isNode(literal) || literal.op !== "value" || typeof literal.args !== "string") return undefined;
  return { variable: object.args, field, value: literal.args };
}

function refuseFast(): never {
  throw new Error("no fast path for this expression");
}

/** Whether cel-js would hand its activation to the closures as is (a plain object). */
function plainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null) return false;
  const c = value.constructor;
  return c === Object || c === undefined;
}

/**
 * The closures' value when it is a primitive (a list or map result is rebuilt by cel-js,
 * so callers get what cel-js gives); cel-js's value or error otherwise.
 */
function fastThenCelJs(fast: FastExpression, celJs: (activation: Activation) => unknown): (activation: Activation) => unknown {
  const { closure, constants } = fast;
  return (activation) => {
    if (plainObject(activation)) {
      try {
        const value = closure(activation, constants);
        const t = typeof value;
        if (t === "boolean" || t === "string" || t === "bigint" || t === "number") return value;
      } catch {
        // The closures do not know cel-js's answer here (BAIL, or an error cel-js may absorb or word differently).
      }
    }
    return celJs(activation);
  };
}

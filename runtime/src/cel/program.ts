/**
 * One CEL expression compiled for repeated evaluation: parsed and type-checked once (a
 * checked cel-js AST evaluates without re-checking), then run per request.
 *
 * `compileCel` never throws: a source cel-js refuses is a value the caller reports.
 * `run` throws for an evaluation error (cel-js reports them so); `tryRun` turns that into
 * a value, for callers that must not throw.
 */
import type { Environment } from "@marcbachmann/cel-js";

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
  const program: CelProgram = { source, run: parsed, variables, fields };
  return { ok: true, program };
}

/**
 * The one cel-js configuration every Paybill expression runs in: conditions, effect keys
 * and values (decide/), and the conformance and differential tests. Built once per set of
 * variables; parsing and checking happen at load, never per request.
 *
 * Differences from a plain cel-js Environment, and why:
 * - `matches` (method and function) runs on RE2 (re2.ts): a parse-time macro takes every
 *   `x.matches(p)` call before cel-js's backtracking overload can, whatever `x` is.
 * - mixed list and map literals are allowed (`[1, "a"]` is a `list(dyn)`), as the Paybill
 *   checker types them (spec/language.md §8.5).
 *
 * This file must not evaluate anything itself; program.ts compiles and runs expressions.
 */
import { Environment } from "@marcbachmann/cel-js";
import { fromContext } from "./from-context.js";
import { re2Matches } from "./re2.js";
import { untrusted } from "./untrusted.js";

/** A variable's cel-js type (`dyn`, `int`, `map<string, dyn>`, `list<string>`…). */
export type CelVariables = Readonly<Record<string, string>>;

/** The checker and evaluator cel-js hands to a macro (only what the macro uses). */
interface CelType {
  readonly name: string;
  readonly kind: string;
}
interface MacroChecker {
  check(node: unknown, ctx: unknown): CelType;
  getType(name: string): CelType;
  createError(code: string, message: string, node: unknown): Error;
}
interface MacroEvaluator {
  run(node: unknown, ctx: unknown): unknown;
}
interface MatchesMacro {
  readonly receiver: unknown;
  readonly pattern: unknown;
  readonly ast: unknown;
}

/** Only a receiver type for the macro's signature: it never holds a value. */
class Re2MatchesHook {}

function stringLike(type: CelType): boolean {
  return type.kind === "dyn" || type.name === "string";
}

function asString(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  throw new Error(`no such overload: matches on a ${what} that is not a string`);
}

const matchesMacro = {
  typeCheck(checker: MacroChecker, macro: MatchesMacro, ctx: unknown): CelType {
    const receiver = checker.check(macro.receiver, ctx);
    const pattern = checker.check(macro.pattern, ctx);
    if (!stringLike(receiver) || !stringLike(pattern)) {
      throw checker.createError(
        "no_matching_overload",
        `found no matching overload for '${receiver.name}.matches(${pattern.name})'`,
        macro.ast,
      );
    }
    return checker.getType("bool");
  },
  evaluate(evaluator: MacroEvaluator, macro: MatchesMacro, ctx: unknown): boolean {
    const text = asString(evaluator.run(macro.receiver, ctx), "receiver");
    return re2Matches(text, asString(evaluator.run(macro.pattern, ctx), "pattern"));
  },
};

/** The variables each environment was built with (the fast path guards them by type). */
const declared = new WeakMap<Environment, CelVariables>();

/** The variables `env` was declared with, when celEnvironment built it. */
export function celVariables(env: Environment): CelVariables | undefined {
  return declared.get(env);
}

/** A cel-js environment with Paybill's functions and the given variables. */
export function celEnvironment(variables: CelVariables): Environment {
  const env = new Environment({ homogeneousAggregateLiterals: false });
  env.registerType("PaybillRe2MatchesHook", Re2MatchesHook);
  env.registerFunction(
    "PaybillRe2MatchesHook.matches(ast): bool",
    ({ ast, receiver, args }: { ast: unknown; receiver: unknown; args: readonly unknown[] }) => ({
      ast,
      receiver,
      pattern: args[0],
      typeCheck: matchesMacro.typeCheck,
      evaluate: matchesMacro.evaluate,
    }),
  );
  env.registerFunction("matches(string, string): bool", re2Matches);
  // A macro, not a function: it reads the `run` variable besides its argument (from-context.ts).
  env.registerFunction("from_context(ast): bool", ({ args }: { args: readonly unknown[] }) => ({
    args,
    typeCheck: (checker: MacroChecker, macro: { args: readonly unknown[] }, ctx: unknown): CelType => {
      checker.check(macro.args[0], ctx);
      return checker.getType("bool");
    },
    evaluate: (evaluator: MacroEvaluator, macro: { args: readonly unknown[] }, ctx: { getValue(name: string): unknown }): boolean =>
      fromContext(evaluator.run(macro.args[0], ctx), ctx.getValue("run")),
  }));
  // Provenance within a workflow run (untrusted.ts): errs outside one.
  env.registerFunction("untrusted(dyn): bool", untrusted);
  for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
  declared.set(env, Object.freeze({ ...variables }));
  return env;
}

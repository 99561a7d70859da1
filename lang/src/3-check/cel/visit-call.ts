/**
 * Function calls `f(x)` and method calls `x.f(y)`, resolved against `functions.ts`.
 * Macros are handed to `macros.ts` first.
 *
 * With a `dyn` argument several overloads may match; the result is their common type
 * (`dyn` if they differ). When exactly one overload has the call's shape (method or not,
 * and its number of arguments), a wrong argument is a type mismatch at that argument;
 * otherwise the call is reported at the function's name with the overloads that exist.
 */
import type { CelCall, CelExpr } from "../../ast/cel.js";
import { closest } from "../../2-resolve/suggest.js";
import { type CelType, T, typeName } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import { FUNCTION_NAMES, FUNCTIONS, type Overload, type Param, paramName, signature } from "./functions.js";
import { checkMacro, isMacroName } from "./macros.js";
import { mismatchHelp } from "./mismatch-help.js";
import { checkLookup, isLookup } from "./visit-lookup.js";
import { isDyn, joinAll, unwrap } from "./type-utils.js";
import { checkWindow, WINDOW_FUNCTIONS } from "./windows.js";

/** Names from other languages, mapped to CEL's: `length` → `size`, `includes` → `contains`. */
const ALIASES = new Map([
  ["length", "size"], ["len", "size"], ["count", "size"], ["lower", "lowerAscii"], ["toLowerCase", "lowerAscii"], ["upper", "upperAscii"],
  ["toUpperCase", "upperAscii"], ["includes", "contains"], ["match", "matches"], ["any", "exists"], ["some", "exists"], ["every", "all"],
]);

function suggestFunction(name: string): string | undefined {
  const best = ALIASES.has(name) ? name : closest(name, [...FUNCTION_NAMES, ...ALIASES.keys()]);
  return best === undefined ? undefined : (ALIASES.get(best) ?? best);
}

function accepts(param: Param, arg: CelType): boolean {
  const type = unwrap(arg);
  if (isDyn(type) || param === "any") return true;
  if (param === "list" || param === "map") return type.kind === param;
  return type.kind === "primitive" && param.kind === "primitive" && type.name === param.name;
}

export function checkCall(c: Checker, expr: CelCall, scope: Scope): CelType {
  const name = expr.fn.startsWith(".") ? expr.fn.slice(1) : expr.fn;
  if (isLookup(expr)) return checkLookup(c, expr, scope);
  if (isMacroName(name)) return checkMacro(c, expr, name, scope);
  if (expr.per !== undefined || (expr.target === undefined && WINDOW_FUNCTIONS.has(name))) return checkWindow(c, expr, name);

  const receiver = expr.target === undefined ? undefined : c.check(expr.target, scope);
  const overloads = FUNCTIONS.get(name);
  if (overloads === undefined) {
    // The arguments are left alone: they may use a variable the intended macro would bind
    // (`list.any(x, x > 1)` for `exists`), and that would be a second report of one mistake.
    if (receiver?.kind === "error") return T.error;
    const suggestion = suggestFunction(name);
    return c.report("celUnknownFunction", expr.fnSpan, `unknown function \`${name}\``, suggestion && `did you mean \`${suggestion}\`?`);
  }
  const args = expr.args.map((a) => c.check(a, scope));
  if (receiver?.kind === "error" || args.some((a) => a.kind === "error")) return T.error;
  const shaped = overloads.filter((o) => (o.receiver === undefined) === (receiver === undefined) && o.params.length === args.length);
  const matching = shaped.filter(
    (o) => (o.receiver === undefined || (receiver !== undefined && accepts(o.receiver, receiver))) && o.params.every((p, i) => accepts(p, args[i] ?? T.error)),
  );
  if (matching.length > 0) return joinAll(matching.map((o) => o.result));

  const only = shaped.length === 1 ? shaped[0] : undefined;
  if (only !== undefined && (only.receiver === undefined || (receiver !== undefined && accepts(only.receiver, receiver)))) {
    const wrong = only.params.findIndex((p, i) => !accepts(p, args[i] ?? T.error));
    const param = only.params[wrong];
    const node = expr.args[wrong];
    const found = args[wrong];
    if (param !== undefined && node !== undefined && found !== undefined) return argumentMismatch(c, name, only, node, param, found);
  }
  const call = `${receiver === undefined ? "" : `${typeName(receiver)}.`}${name}(${args.map(typeName).join(", ")})`;
  const help = `\`${name}\` is defined for ${overloads.map((o) => `\`${signature(name, o)}\``).join(", ")}`;
  return c.report("celUnknownFunction", expr.fnSpan, `no overload of \`${name}\` matches \`${call}\``, help);
}

function argumentMismatch(c: Checker, name: string, overload: Overload, node: CelExpr, param: Param, found: CelType): CelType {
  const help = `\`${name}\` is \`${signature(name, overload)}\``;
  if (typeof param === "string") return c.mismatchDescribed(node, `a ${paramName(param)}`, found, help);
  return c.mismatch(node, param, found, mismatchHelp(param, found, node) ?? help);
}

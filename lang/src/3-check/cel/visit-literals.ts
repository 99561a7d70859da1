/**
 * Literals and constructed values: `1`, `5u`, `"s"`, `[a, b]`, `{k: v}`, and message
 * construction `T{…}` (which Paybill conditions do not allow).
 *
 * A list or map literal's size is known, so its type carries it as `max`: a comprehension
 * over `[1, 2, 3]` has a cost bound.
 */
import type { CelList, CelLiteral, CelMap, CelStruct } from "../../ast/cel.js";
import { type CelType, T } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import { isDyn, isError, isPrimitive, joinAll, listOf, mapOf, unwrap } from "./type-utils.js";

export function literalType(expr: CelLiteral): CelType {
  return T[expr.type];
}

export function checkList(c: Checker, expr: CelList, scope: Scope): CelType {
  const elements = expr.elements.map((e) => c.check(e, scope));
  if (elements.some(isError)) return T.error;
  return listOf(joinAll(elements), expr.elements.length);
}

const KEY_TYPES = [T.int, T.uint, T.bool, T.string];

export function checkMap(c: Checker, expr: CelMap, scope: Scope): CelType {
  const keys: CelType[] = [];
  const values: CelType[] = [];
  let failed = false;
  for (const entry of expr.entries) {
    const key = c.check(entry.key, scope);
    const value = c.check(entry.value, scope);
    const k = unwrap(key);
    if (isError(key) || isError(value)) failed = true;
    else if (!isDyn(k) && !isPrimitive(k, "int", "uint", "bool", "string")) {
      c.mismatch(entry.key, KEY_TYPES, key, "map keys are `int`, `uint`, `bool` or `string` values");
      failed = true;
    }
    keys.push(key);
    values.push(value);
  }
  if (failed) return T.error;
  return mapOf(joinAll(keys), joinAll(values), expr.entries.length);
}

export function checkStruct(c: Checker, expr: CelStruct): CelType {
  return c.report(
    "celUnknownFunction",
    expr.span,
    `message construction \`${expr.typeName}{…}\` is not supported in conditions`,
    "compare fields one by one, e.g. `resource.status == \"open\"`",
  );
}

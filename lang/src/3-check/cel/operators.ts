/**
 * The overloads of CEL's arithmetic and ordering operators (cel-spec's standard
 * definitions), as data, and how a call to one is resolved and blamed.
 *
 * Ordering allows `int`, `uint` and `double` to be compared with each other (as current
 * cel-spec does); arithmetic does not mix them. `list + list` is handled by the caller,
 * since its result depends on the element types.
 */
import type { CelBinary } from "../../ast/cel.js";
import { type CelType, T } from "./cel-types.js";
import type { Checker } from "./checker.js";
import { mismatchHelp } from "./mismatch-help.js";
import { isDyn, joinAll, sameType, unwrap } from "./type-utils.js";

/** `left op right -> result` */
export type Signature = readonly [left: CelType, right: CelType, result: CelType];

const NUMBERS = [T.int, T.uint, T.double];
const same = (types: readonly CelType[], result?: CelType): Signature[] => types.map((t) => [t, t, result ?? t]);

export const ARITHMETIC: Readonly<Record<"+" | "-" | "*" | "/" | "%", readonly Signature[]>> = {
  "+": [
    ...same([...NUMBERS, T.string, T.bytes]),
    [T.timestamp, T.duration, T.timestamp],
    [T.duration, T.timestamp, T.timestamp],
    [T.duration, T.duration, T.duration],
  ],
  "-": [...same(NUMBERS), [T.timestamp, T.timestamp, T.duration], [T.timestamp, T.duration, T.timestamp], [T.duration, T.duration, T.duration]],
  "*": same(NUMBERS),
  "/": same(NUMBERS),
  "%": same([T.int, T.uint]),
};

export const ORDERING: readonly Signature[] = [
  ...NUMBERS.flatMap((l) => NUMBERS.map((r): Signature => [l, r, T.bool])),
  ...same([T.string, T.bytes, T.bool, T.timestamp, T.duration], T.bool),
];

const accepts = (param: CelType, arg: CelType): boolean => isDyn(arg) || sameType(param, arg);

/**
 * The result of `expr` given its operand types, or `error` after reporting the operand
 * at fault: the left one when no overload takes it, else the right one — except that a
 * literal on the left facing a non-literal is blamed (`1 + input.amount`: the `1`).
 */
export function resolveOperator(c: Checker, expr: CelBinary, signatures: readonly Signature[], leftType: CelType, rightType: CelType): CelType {
  const left = unwrap(leftType);
  const right = unwrap(rightType);
  const byLeft = signatures.filter((s) => accepts(s[0], left));
  if (byLeft.length === 0) return c.mismatch(expr.left, signatures.map((s) => s[0]), leftType);
  const matching = byLeft.filter((s) => accepts(s[1], right));
  if (matching.length > 0) return joinAll(matching.map((s) => s[2]));

  if (expr.left.kind === "CelLiteral" && expr.right.kind !== "CelLiteral" && !isDyn(left)) {
    const byRight = signatures.filter((s) => accepts(s[1], right));
    if (byRight.length > 0) return blame(c, expr.left, byRight.map((s) => s[0]), leftType, right);
  }
  return blame(c, expr.right, byLeft.map((s) => s[1]), rightType, left);
}

/** Reports `found` where one of `expected` was needed; the help prefers the other operand's type. */
function blame(c: Checker, node: CelBinary["left"], expected: readonly CelType[], found: CelType, other: CelType): CelType {
  const preferred = expected.find((t) => sameType(t, other)) ?? (expected.length === 1 ? expected[0] : undefined);
  const help = preferred === undefined ? undefined : mismatchHelp(preferred, found, node);
  return c.mismatch(node, expected, found, help);
}

/**
 * Prints CEL expressions in canonical form: single spaces around binary operators, none
 * inside brackets, and only the parentheses that precedence requires (so `(a)` prints as
 * `a`, and the printed text parses back to the same tree).
 */
import type { CelExpr } from "../ast/cel.js";
import { PRECEDENCE } from "../ast/cel-precedence.js";

const CONDITIONAL = 0;
const UNARY = 6;
const MEMBER = 7;

function precedenceOf(expr: CelExpr): number {
  switch (expr.kind) {
    case "CelConditional":
      return CONDITIONAL;
    case "CelBinary":
      return PRECEDENCE[expr.op];
    case "CelUnary":
      return UNARY;
    case "CelLiteral":
      // `-1` is a literal, but as the target of `.` or `[` it must be wrapped, or it
      // would read as `-(1.f())`.
      return expr.raw.startsWith("-") ? UNARY : MEMBER;
    default:
      return MEMBER;
  }
}

function wrap(expr: CelExpr, needed: boolean): string {
  return needed ? `(${printCel(expr)})` : printCel(expr);
}

export function printCel(expr: CelExpr): string {
  switch (expr.kind) {
    case "CelLiteral":
      return expr.raw;
    case "CelIdent":
      return expr.absolute ? `.${expr.name}` : expr.name;
    case "CelSelect":
      return `${wrap(expr.operand, precedenceOf(expr.operand) < MEMBER)}.${expr.field}`;
    case "CelCall": {
      const args = expr.args.map(printCel).join(", ");
      if (expr.target === undefined) return `${expr.fn}(${args}${expr.per === undefined ? "" : `, per ${expr.per.name}`})`;
      return `${wrap(expr.target, precedenceOf(expr.target) < MEMBER)}.${expr.fn}(${args})`;
    }
    case "CelIndex":
      return `${wrap(expr.operand, precedenceOf(expr.operand) < MEMBER)}[${printCel(expr.index)}]`;
    case "CelUnary": {
      const operand = wrap(expr.operand, precedenceOf(expr.operand) < UNARY);
      // `- -1` must not print as `--1`… which would in fact parse the same; but `-` before a
      // negative literal reads badly, so keep a space there.
      return expr.op === "-" && operand.startsWith("-") ? `- ${operand}` : `${expr.op}${operand}`;
    }
    case "CelBinary": {
      const p = PRECEDENCE[expr.op];
      const left = wrap(expr.left, precedenceOf(expr.left) < p);
      const right = wrap(expr.right, precedenceOf(expr.right) <= p);
      return `${left} ${expr.op} ${right}`;
    }
    case "CelConditional": {
      const [condition, then, otherwise] = conditionalParts(expr);
      return `${condition} ? ${then} : ${otherwise}`;
    }
    case "CelList":
      return `[${expr.elements.map(printCel).join(", ")}]`;
    case "CelMap":
      return `{${expr.entries.map((e) => `${printCel(e.key)}: ${printCel(e.value)}`).join(", ")}}`;
    case "CelStruct":
      return `${expr.typeName}{${expr.fields.map((f) => `${f.name}: ${printCel(f.value)}`).join(", ")}}`;
    case "Missing":
      return "";
  }
}

/** The three parts of `c ? a : b` as printCel prints them (parenthesised where precedence needs). */
export function conditionalParts(expr: Extract<CelExpr, { kind: "CelConditional" }>): [string, string, string] {
  return [wrap(expr.condition, precedenceOf(expr.condition) <= CONDITIONAL), wrap(expr.then, precedenceOf(expr.then) <= CONDITIONAL), printCel(expr.otherwise)];
}

/**
 * The operands of a top-level `||` or `&&` chain, for breaking a long condition over
 * lines; a single operand when the expression is not such a chain.
 */
export function logicalChain(expr: CelExpr): { op: "||" | "&&" | undefined; operands: CelExpr[] } {
  if (expr.kind !== "CelBinary" || (expr.op !== "||" && expr.op !== "&&")) return { op: undefined, operands: [expr] };
  const op = expr.op;
  const operands: CelExpr[] = [];
  let current: CelExpr = expr;
  // Left-associative: the chain runs down the left spine.
  while (current.kind === "CelBinary" && current.op === op) {
    operands.push(current.right);
    current = current.left;
  }
  operands.push(current);
  return { op, operands: operands.reverse() };
}

/** Prints one operand of a logical chain, parenthesised where the chain's operator binds tighter. */
export function printChainOperand(expr: CelExpr, op: "||" | "&&", first: boolean): string {
  const p = PRECEDENCE[op];
  return wrap(expr, first ? precedenceOf(expr) < p : precedenceOf(expr) <= p);
}

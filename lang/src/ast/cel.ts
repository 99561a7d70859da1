/**
 * The AST of CEL expressions embedded in `.paybill` files (policy conditions, effect keys
 * and assignments, test inputs).
 *
 * Spans are offsets into the host `.paybill` file, so a diagnostic about a sub-expression
 * points at its exact column there. Literals keep their source text (`raw`); meaning is
 * assigned by the checker, not the parser.
 */
import type { Span } from "../source/source-file.js";
import type { Missing } from "./nodes.js";

export type CelExpr =
  | CelLiteral
  | CelIdent
  | CelSelect
  | CelCall
  | CelIndex
  | CelUnary
  | CelBinary
  | CelConditional
  | CelList
  | CelMap
  | CelStruct
  | Missing;

export type CelLiteralType = "int" | "uint" | "double" | "string" | "bytes" | "bool" | "null";

export interface CelLiteral {
  readonly kind: "CelLiteral";
  readonly span: Span;
  readonly type: CelLiteralType;
  readonly raw: string;
}

export interface CelIdent {
  readonly kind: "CelIdent";
  readonly span: Span;
  readonly name: string;
  /** `.name`: resolved from the root scope. */
  readonly absolute: boolean;
}

export interface CelSelect {
  readonly kind: "CelSelect";
  readonly span: Span;
  readonly operand: CelExpr;
  readonly field: string;
  readonly fieldSpan: Span;
}

/** `f(args)` (no target) or `target.f(args)`; macros such as `exists` are calls too. */
export interface CelCall {
  readonly kind: "CelCall";
  readonly span: Span;
  readonly target: CelExpr | undefined;
  readonly fn: string;
  readonly fnSpan: Span;
  readonly args: readonly CelExpr[];
  /** `per day` as the last argument of a call without a target: the window of `total(…)` and `count(…)`. */
  readonly per?: CelWindow;
}

/** The `per <period>` of a window call: `total(send_money.amount, per day)`. */
export interface CelWindow {
  /** The period: `second`, `minute`, `hour`, `day`, `week`, `month` or `year` (checked, not parsed). */
  readonly name: string;
  /** Where the period's name is. */
  readonly span: Span;
}

export interface CelIndex {
  readonly kind: "CelIndex";
  readonly span: Span;
  readonly operand: CelExpr;
  readonly index: CelExpr;
}

export interface CelUnary {
  readonly kind: "CelUnary";
  readonly span: Span;
  readonly op: "!" | "-";
  readonly operand: CelExpr;
}

export type CelBinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "+" | "-" | "*" | "/" | "%";

export interface CelBinary {
  readonly kind: "CelBinary";
  readonly span: Span;
  readonly op: CelBinaryOp;
  readonly left: CelExpr;
  readonly right: CelExpr;
}

export interface CelConditional {
  readonly kind: "CelConditional";
  readonly span: Span;
  readonly condition: CelExpr;
  readonly then: CelExpr;
  readonly otherwise: CelExpr;
}

export interface CelList {
  readonly kind: "CelList";
  readonly span: Span;
  readonly elements: readonly CelExpr[];
}

export interface CelMapEntry {
  readonly span: Span;
  readonly key: CelExpr;
  readonly value: CelExpr;
}

export interface CelMap {
  readonly kind: "CelMap";
  readonly span: Span;
  readonly entries: readonly CelMapEntry[];
}

export interface CelStructField {
  readonly span: Span;
  readonly name: string;
  readonly value: CelExpr;
}

/** A message construction `pkg.Type{field: value}`. */
export interface CelStruct {
  readonly kind: "CelStruct";
  readonly span: Span;
  readonly typeName: string;
  readonly fields: readonly CelStructField[];
}

/**
 * The fast parser's token cursor and its CEL grammar: the same productions as
 * `cel-parser.ts`, hand-written, building the same nodes with the same spans and the same
 * field order.
 *
 * It only reads files without errors. Wherever Chevrotain would report anything (a token
 * that does not fit, an invalid escape, an expression deeper than MAX_EXPRESSION_DEPTH) it
 * throws DECLINE, and `parse` hands the file to the Chevrotain parser, so diagnostics and
 * error recovery stay Chevrotain's. Every choice tests exactly the tokens Chevrotain's
 * computed lookahead tests (see `fast-classes.ts`): where that lookahead would pick a path
 * that later fails, this parser picks it too, fails, and declines.
 */
import type { IToken } from "./chevrotain.js";
import type { CelBinaryOp, CelExpr, CelLiteralType, CelMapEntry, CelStructField, CelWindow } from "../ast/cel.js";
import { foldBinary } from "../ast/cel-precedence.js";
import { depth } from "../ast/cel-walk.js";
import type { Span } from "../source/source-file.js";
import { MAX_EXPRESSION_DEPTH } from "./cel-parser.js";
import { BINARY, CEL_START, CLASSES, EOF_IDX, idx, NAME, UNARY } from "./fast-classes.js";
import { decodeString } from "./strings.js";
import * as T from "./tokens.js";

/** Thrown to give a file up to the Chevrotain parser; never escapes `fastParse`. */
export const DECLINE = new Error("the fast parser declines this file");

/** Lookahead reads up to three tokens past the current one. */
const PADDING = 3;

const DOT = idx(T.Dot);
const QUESTION = idx(T.Question);
const COLON = idx(T.Colon);
const COMMA = idx(T.Comma);
const PER = idx(T.Per);
const LPAREN = idx(T.LParen);
const RPAREN = idx(T.RParen);
const LBRACKET = idx(T.LBracket);
const RBRACKET = idx(T.RBracket);
const LCURLY = idx(T.LCurly);
const RCURLY = idx(T.RCurly);
const MINUS = idx(T.Minus);
const BANG = idx(T.Bang);

const BINARY_OPS: CelBinaryOp[] = [];
for (const [type, op] of [
  [T.OrOr, "||"], [T.AndAnd, "&&"], [T.EqEq, "=="], [T.NotEq, "!="], [T.Less, "<"], [T.LessEq, "<="], [T.Greater, ">"],
  [T.GreaterEq, ">="], [T.In, "in"], [T.Plus, "+"], [T.Minus, "-"], [T.Star, "*"], [T.Slash, "/"], [T.Percent, "%"],
] as const) {
  BINARY_OPS[idx(type)] = op;
}


const LITERALS: (CelLiteralType | undefined)[] = [];
for (const [type, literal] of [
  [T.IntLiteral, "int"], [T.UintLiteral, "uint"], [T.DoubleLiteral, "double"], [T.StringLiteral, "string"], [T.BytesLiteral, "bytes"],
  [T.True, "bool"], [T.False, "bool"], [T.Null, "null"],
] as const) {
  LITERALS[idx(type)] = literal;
}

export class FastCelParser {
  protected readonly text: string;
  protected readonly tokens: readonly IToken[];
  /** `tokenTypeIdx` of every token, then PADDING end-of-input entries. */
  protected readonly types: Int32Array;
  /** Index of the next token. */
  protected pos = 0;

  constructor(text: string, tokens: readonly IToken[]) {
    this.text = text;
    this.tokens = tokens;
    const types = new Int32Array(tokens.length + PADDING).fill(EOF_IDX);
    for (let i = 0; i < tokens.length; i++) types[i] = (tokens[i] as IToken).tokenTypeIdx;
    this.types = types;
  }

  // ---- the cursor ----

  /** The type index of the token `k` ahead (1 is the next one). */
  protected la(k: number): number {
    return this.types[this.pos + k - 1] as number;
  }

  protected is(k: number, classes: number): boolean {
    return ((CLASSES[this.types[this.pos + k - 1] as number] as number) & classes) !== 0;
  }

  /** The next token, consumed; the caller has checked its type. */
  protected next(): IToken {
    return this.tokens[this.pos++] as IToken;
  }

  protected expect(type: number): IToken {
    if (this.types[this.pos] !== type) throw DECLINE;
    return this.tokens[this.pos++] as IToken;
  }

  protected expectName(): IToken {
    if (!this.is(1, NAME)) throw DECLINE;
    return this.tokens[this.pos++] as IToken;
  }

  /** Offset just after the last consumed token. */
  protected here(): number {
    const last = this.tokens[this.pos - 1] as IToken;
    return last.startOffset + last.image.length;
  }

  protected spanFrom(start: IToken): Span {
    return { start: start.startOffset, end: this.here() };
  }

  protected tokenSpan(token: IToken): Span {
    const at = token.startOffset;
    return { start: at, end: at + token.image.length };
  }

  /** The decoded text of a string or bytes literal; an invalid escape is Chevrotain's to report. */
  protected decoded(token: IToken): string {
    const decoded = decodeString(token.image);
    if (decoded.error !== undefined) throw DECLINE;
    return decoded.value;
  }

  /** `CelParser.bounded`: a tree deeper than MAX_EXPRESSION_DEPTH is PB1006, so Chevrotain's. */
  protected bounded(expr: CelExpr): CelExpr {
    if (expr.span.end - expr.span.start > MAX_EXPRESSION_DEPTH && depth(expr) > MAX_EXPRESSION_DEPTH) throw DECLINE;
    return expr;
  }

  // ---- the grammar ----

  protected celExpr(): CelExpr {
    const condition = this.celChain();
    if (this.types[this.pos] !== QUESTION) return condition;
    this.pos++;
    const then = this.celChain();
    this.expect(COLON);
    const otherwise = this.celExpr();
    return { kind: "CelConditional", span: { start: condition.span.start, end: otherwise.span.end }, condition, then, otherwise };
  }

  /** Binary operators in one loop, folded by precedence as the Chevrotain parser folds them (`foldBinary`). */
  private celChain(): CelExpr {
    const first = this.celUnary();
    if (!this.is(1, BINARY)) return first;
    const operands = [first];
    const ops: CelBinaryOp[] = [];
    while (this.is(1, BINARY)) {
      ops.push(BINARY_OPS[this.next().tokenTypeIdx] as CelBinaryOp);
      operands.push(this.celUnary());
    }
    return foldBinary(operands, ops);
  }

  private celUnary(): CelExpr {
    if (!this.is(1, UNARY)) return this.celMember();
    const ops: IToken[] = [];
    while (this.is(1, UNARY)) ops.push(this.next());
    let result = this.celMember();
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i] as IToken;
      const span = { start: op.startOffset, end: result.span.end };
      // `-` directly before a number is a negative literal (as in `CelParser.celUnary`).
      if (op.tokenTypeIdx === MINUS && result.kind === "CelLiteral" && i === ops.length - 1 && (result.type === "int" || result.type === "double")) {
        result = { kind: "CelLiteral", span, type: result.type, raw: `-${result.raw}` };
      } else {
        result = { kind: "CelUnary", span, op: op.tokenTypeIdx === BANG ? "!" : "-", operand: result };
      }
    }
    return result;
  }

  private celMember(): CelExpr {
    let operand = this.celPrimary();
    for (;;) {
      const t = this.types[this.pos];
      if (t === DOT) {
        this.pos++;
        const name = this.expectName();
        const fieldSpan = this.tokenSpan(name);
        if (this.types[this.pos] === LPAREN) {
          this.pos++;
          const args = this.celArgs();
          this.expect(RPAREN);
          operand = { kind: "CelCall", span: { start: operand.span.start, end: this.here() }, target: operand, fn: name.image, fnSpan: fieldSpan, args };
        } else {
          operand = { kind: "CelSelect", span: { start: operand.span.start, end: this.here() }, operand, field: name.image, fieldSpan };
        }
      } else if (t === LBRACKET) {
        this.pos++;
        const index = this.celExpr();
        this.expect(RBRACKET);
        operand = { kind: "CelIndex", span: { start: operand.span.start, end: this.here() }, operand, index };
      } else if (t === LCURLY) {
        // Chevrotain enters the repetition on `{` and then finds no alternative unless the
        // operand is a dotted name (the struct alternative's gate).
        const typeName = qualifiedName(operand);
        if (typeName === undefined) throw DECLINE;
        this.pos++;
        const fields = this.celFieldInits();
        this.expect(RCURLY);
        operand = { kind: "CelStruct", span: { start: operand.span.start, end: this.here() }, typeName, fields };
      } else {
        return operand;
      }
    }
  }

  private celPrimary(): CelExpr {
    const t = this.types[this.pos] as number;
    if (t === DOT || this.is(1, NAME)) {
      const start = this.tokens[this.pos] as IToken;
      let absolute = false;
      if (t === DOT) {
        this.pos++;
        absolute = true;
      }
      const name = this.expectName();
      if (this.types[this.pos] !== LPAREN) return { kind: "CelIdent", span: this.spanFrom(start), name: name.image, absolute };
      this.pos++;
      const args: CelExpr[] = [];
      const per = this.celWindowArgs(args);
      this.expect(RPAREN);
      const fn = absolute ? `.${name.image}` : name.image;
      return { kind: "CelCall", span: this.spanFrom(start), target: undefined, fn, fnSpan: this.tokenSpan(name), args, ...(per === undefined ? {} : { per }) };
    }
    if (t === LPAREN) {
      this.pos++;
      const inner = this.celExpr();
      this.expect(RPAREN);
      return inner;
    }
    if (t === LBRACKET) {
      const start = this.next();
      const elements = this.celListItems();
      this.expect(RBRACKET);
      return { kind: "CelList", span: this.spanFrom(start), elements };
    }
    if (t === LCURLY) {
      const start = this.next();
      const entries = this.celMapInits();
      this.expect(RCURLY);
      return { kind: "CelMap", span: this.spanFrom(start), entries };
    }
    const type = LITERALS[t];
    if (type === undefined) throw DECLINE;
    const token = this.next();
    if ((type === "string" || type === "bytes") && token.image.includes("\\")) this.decoded(token);
    return { kind: "CelLiteral", span: this.tokenSpan(token), type, raw: token.image };
  }

  /** `a, b` (no trailing comma). */
  private celArgs(): CelExpr[] {
    const args: CelExpr[] = [];
    if (!this.is(1, CEL_START)) return args;
    args.push(this.celExpr());
    while (this.types[this.pos] === COMMA) {
      this.pos++;
      args.push(this.celExpr());
    }
    return args;
  }

  /** `a, b` into `args`, the last of which may be a window (`x, per day`), which it returns. */
  private celWindowArgs(args: CelExpr[]): CelWindow | undefined {
    if (!this.is(1, CEL_START)) return undefined;
    args.push(this.celExpr());
    while (this.types[this.pos] === COMMA) {
      this.pos++;
      if (this.types[this.pos] === PER && this.is(2, NAME)) {
        this.pos++;
        const period = this.next();
        return { name: period.image, span: this.tokenSpan(period) };
      }
      args.push(this.celExpr());
    }
    return undefined;
  }

  /** `a, b,` (a trailing comma is allowed). */
  private celListItems(): CelExpr[] {
    const items: CelExpr[] = [];
    if (!this.is(1, CEL_START)) return items;
    items.push(this.celExpr());
    while (this.types[this.pos] === COMMA && this.is(2, CEL_START)) {
      this.pos++;
      items.push(this.celExpr());
    }
    if (this.types[this.pos] === COMMA) this.pos++;
    return items;
  }

  private celMapInits(): CelMapEntry[] {
    const entries: CelMapEntry[] = [];
    if (!this.is(1, CEL_START)) return entries;
    for (;;) {
      const key = this.celExpr();
      this.expect(COLON);
      const value = this.celExpr();
      entries.push({ span: { start: key.span.start, end: value.span.end }, key, value });
      if (this.types[this.pos] !== COMMA || !this.is(2, CEL_START)) break;
      this.pos++;
    }
    if (this.types[this.pos] === COMMA) this.pos++;
    return entries;
  }

  private celFieldInits(): CelStructField[] {
    const fields: CelStructField[] = [];
    if (!this.is(1, NAME)) return fields;
    for (;;) {
      const name = this.next();
      this.expect(COLON);
      const value = this.celExpr();
      fields.push({ span: { start: name.startOffset, end: value.span.end }, name: name.image, value });
      if (this.types[this.pos] !== COMMA || !this.is(2, NAME)) break;
      this.pos++;
    }
    if (this.types[this.pos] === COMMA) this.pos++;
    return fields;
  }
}

/** `a.b.c` as text when an expression is a plain dotted name (as in `cel-parser.ts`). */
function qualifiedName(expr: CelExpr): string | undefined {
  if (expr.kind === "CelIdent") return expr.absolute ? `.${expr.name}` : expr.name;
  if (expr.kind === "CelSelect") {
    const base = qualifiedName(expr.operand);
    return base === undefined ? undefined : `${base}.${expr.field}`;
  }
  return undefined;
}

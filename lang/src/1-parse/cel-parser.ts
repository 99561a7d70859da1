/**
 * The CEL expression grammar (cel-spec's `Expr` production), as the base class of the
 * Paybill parser so conditions are parsed inline, with spans in the host file.
 *
 * Precedence, lowest first: `?:`, `||`, `&&`, relations and `in`, `+ -`, `* / %`, unary
 * `! -`, member access / index / call. Macros (`exists`, `all`, `map`, …) are plain calls
 * here; the checker gives them meaning.
 *
 * Depth is bounded twice: brackets by a token pre-scan (`depth-guard.ts`) before parsing,
 * and operator chains (`a + a + … `, `!!!…`, `a.b.c…`) here, because a chain of N operators
 * is a tree N deep and later stages walk trees recursively.
 */
import {
  EmbeddedActionsParser,
  type IOrAlt,
  type IRecognitionException,
  type IRuleConfig,
  type IToken,
  type ParserMethod,
  type TokenType,
} from "./chevrotain.js";
import type {
  CelBinaryOp,
  CelExpr,
  CelWindow,
  CelLiteralType,
  CelMapEntry,
  CelStructField,
} from "../ast/cel.js";
import type { Missing } from "../ast/nodes.js";
import type { Span } from "../source/source-file.js";
import { errorMessages } from "./error-messages.js";
import { foldBinary } from "../ast/cel-precedence.js";
import { depth } from "../ast/cel-walk.js";
import { decodeString } from "./strings.js";
import * as T from "./tokens.js";

/** Deepest CEL tree the parser builds; deeper expressions are reported as PB1006. */
export const MAX_EXPRESSION_DEPTH = 200;

const BINARY_OPS = new Map<TokenType, CelBinaryOp>([
  [T.OrOr, "||"], [T.AndAnd, "&&"], [T.EqEq, "=="], [T.NotEq, "!="], [T.Less, "<"], [T.LessEq, "<="],
  [T.Greater, ">"], [T.GreaterEq, ">="], [T.In, "in"], [T.Plus, "+"], [T.Minus, "-"], [T.Star, "*"],
  [T.Slash, "/"], [T.Percent, "%"],
]);

/** Recovery for rules that yield lists: an empty one. */
export const LIST = { recoveryValueFunc: () => [] };

/** What `celWindowArgs` reads. */
interface WindowArgs {
  readonly args: CelExpr[];
  readonly per?: CelWindow;
}
/** Recovery for rules whose result is optional to their parent. */
export const NONE = { recoveryValueFunc: () => undefined };


export interface DepthProblem {
  readonly span: Span;
  readonly depth: number;
}

export class CelParser extends EmbeddedActionsParser {
  /** Length of the text being parsed, for spans at end of file. */
  protected textLength = 0;
  /** Expressions that exceeded MAX_EXPRESSION_DEPTH, reported by the caller. */
  depthProblems: DepthProblem[] = [];
  /** Invalid escapes in string literals, reported as PB0005. */
  escapeProblems: { span: Span; text: string }[] = [];

  /**
   * `validate` runs Chevrotain's grammar checks (ambiguities, left recursion, …). They cost
   * a large part of a cold start, and the grammar does not change at run time, so `parse`
   * skips them and a test builds the parser once with them on.
   */
  constructor(tokens: TokenType[], validate: boolean) {
    super(tokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: errorMessages, skipValidations: !validate });
  }

  /**
   * Every rule gives back `Missing` when recovery had to abandon it (Chevrotain's default
   * is `undefined`, which a parent would dereference). Rules that yield lists or optional
   * items say otherwise in their own config.
   */
  // biome-ignore lint/suspicious/noExplicitAny: mirrors Chevrotain's own signature for RULE
  protected define<F extends (...args: any[]) => any>(
    name: string,
    implementation: F,
    config?: { recoveryValueFunc: (e: IRecognitionException) => unknown },
  ): ParserMethod<Parameters<F>, ReturnType<F>> {
    // The declared result type does not admit `undefined`; callers of NONE rules collect
    // results through `add`, which drops it.
    const recovery = { recoveryValueFunc: (e: IRecognitionException) => this.missingAt(e), ...config } as IRuleConfig<ReturnType<F>>;
    return this.RULE(name, implementation, recovery);
  }

  /** Appends an item a recovering rule may not have produced. */
  protected add<T>(list: T[], item: T | undefined): void {
    if (item !== undefined && item !== null) list.push(item);
  }

  beginParse(textLength: number): void {
    this.textLength = textLength;
    this.depthProblems = [];
    this.escapeProblems = [];
  }

  /** Records the first invalid escape of a string or bytes literal token. */
  protected checkEscapes(token: IToken): string {
    if (token.isInsertedInRecovery || !Number.isFinite(token.startOffset)) return "";
    const decoded = decodeString(token.image);
    if (decoded.error !== undefined) {
      const at = token.startOffset | 0;
      this.escapeProblems.push({ span: { start: at + decoded.error.offset, end: at + decoded.error.end }, text: decoded.error.text });
    }
    return decoded.value;
  }

  // ---- helpers shared with the Paybill grammar ----

  // Offsets pass through `| 0` on their way into a span. Chevrotain's EOF and recovery
  // tokens carry `NaN` offsets, so V8 stores every token's offset as a boxed double; copied
  // as is, a boxed value would turn the fields of every span in the process into boxed
  // doubles too (three allocations per span instead of one). Offsets are always integers.

  /** The span from `start` (a token) to the last consumed token. */
  protected spanFrom(start: IToken): Span {
    const from = Number.isFinite(start.startOffset) ? start.startOffset | 0 : this.here();
    return { start: from, end: Math.max(from, this.here()) };
  }

  protected tokenSpan(token: IToken): Span {
    if (!Number.isFinite(token.startOffset)) return { start: this.here(), end: this.here() };
    const at = token.startOffset | 0;
    return { start: at, end: at + token.image.length };
  }

  /** Offset just after the last consumed token (where an inserted token would go). */
  protected here(): number {
    const last = this.LA(0);
    if (Number.isFinite(last.startOffset)) return (last.startOffset + last.image.length) | 0;
    const next = this.LA(1);
    return Number.isFinite(next.startOffset) ? next.startOffset | 0 : this.textLength;
  }

  protected missingAt(e: IRecognitionException): Missing {
    const token = e.token;
    const at = Number.isFinite(token.startOffset) ? token.startOffset | 0 : this.textLength;
    return { kind: "Missing", span: { start: at, end: at } };
  }

  /**
   * Called by the host grammar on every complete expression. A tree is never deeper than
   * its text is long, so only long expressions are walked.
   */
  protected bounded(expr: CelExpr): CelExpr {
    if (expr.span.end - expr.span.start <= MAX_EXPRESSION_DEPTH) return expr;
    const levels = depth(expr);
    if (levels <= MAX_EXPRESSION_DEPTH) return expr;
    this.depthProblems.push({ span: expr.span, depth: levels });
    return { kind: "Missing", span: expr.span };
  }

  private opOf(token: IToken): CelBinaryOp {
    return BINARY_OPS.get(token.tokenType) ?? "==";
  }

  // ---- the grammar ----

  celExpr = this.define(
    "celExpr",
    (): CelExpr => {
      const condition = this.SUBRULE(this.celChain);
      let result = condition;
      this.OPTION(() => {
        this.CONSUME(T.Question);
        const then = this.SUBRULE2(this.celChain);
        this.CONSUME(T.Colon);
        const otherwise = this.SUBRULE(this.celExpr);
        result = this.ACTION(() => ({ kind: "CelConditional", span: { start: condition.span.start, end: otherwise.span.end }, condition, then, otherwise }));
      });
      return result;
    },
  );

  /**
   * All binary operators in one flat loop, folded by precedence (shunting-yard). One rule
   * instead of one per precedence level keeps the parser's stack shallow and its hot
   * path short: a literal is reached through five rules, not nine.
   */
  private celChain = this.define("celChain", (): CelExpr => {
    const operands = [this.SUBRULE(this.celUnary)];
    const ops: CelBinaryOp[] = [];
    this.MANY(() => {
      const op = this.CONSUME(T.BinaryOperator);
      const right = this.SUBRULE2(this.celUnary);
      this.ACTION(() => {
        ops.push(this.opOf(op));
        operands.push(right);
      });
    });
    return this.ACTION(() => (ops.length === 0 ? (operands[0] as CelExpr) : foldBinary(operands, ops)));
  });


  private celUnary = this.define("celUnary", (): CelExpr => {
    const ops: IToken[] = [];
    this.MANY(() => {
      ops.push(this.CONSUME(T.UnaryOperator));
    });
    const operand = this.SUBRULE(this.celMember);
    return this.ACTION(() => {
      let result = operand;
      for (let i = ops.length - 1; i >= 0; i--) {
        const op = ops[i] as IToken;
        const span = { start: op.startOffset | 0, end: result.span.end };
        // `-` directly before a number is a negative literal, as in cel-go (so the
        // smallest int64 can be written).
        if (op.tokenType === T.Minus && result.kind === "CelLiteral" && i === ops.length - 1 && (result.type === "int" || result.type === "double")) {
          result = { kind: "CelLiteral", span, type: result.type, raw: `-${result.raw}` };
        } else {
          result = { kind: "CelUnary", span, op: op.tokenType === T.Bang ? "!" : "-", operand: result };
        }
      }
      return result;
    });
  });

  private celMember = this.define("celMember", (): CelExpr => {
    let operand = this.SUBRULE(this.celPrimary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            const name = this.CONSUME(T.Identifier);
            let args: CelExpr[] | undefined;
            this.OPTION(() => {
              this.CONSUME(T.LParen);
              args = this.SUBRULE(this.celArgs);
              this.CONSUME(T.RParen);
            });
            operand = this.ACTION(() => {
              const span = { start: operand.span.start, end: this.here() };
              const fieldSpan = this.tokenSpan(name);
              return args === undefined
                ? { kind: "CelSelect", span, operand, field: name.image, fieldSpan }
                : { kind: "CelCall", span, target: operand, fn: name.image, fnSpan: fieldSpan, args };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const index = this.SUBRULE(this.celExpr);
            this.CONSUME(T.RBracket);
            operand = this.ACTION(() => ({ kind: "CelIndex", span: { start: operand.span.start, end: this.here() }, operand, index }));
          },
        },
        {
          GATE: () => qualifiedName(operand) !== undefined,
          ALT: () => {
            this.CONSUME(T.LCurly);
            const fields = this.SUBRULE(this.celFieldInits);
            this.CONSUME(T.RCurly);
            operand = this.ACTION(() => ({ kind: "CelStruct", span: { start: operand.span.start, end: this.here() }, typeName: qualifiedName(operand) ?? "", fields }));
          },
        },
      ]);
    });
    return operand;
  });

  /**
   * Alternatives of `OR` calls are built once per parser and reused (Chevrotain's advice for
   * hot rules): building a dozen closures at every primary expression was the largest
   * source of garbage in a parse. So they must not capture a rule's local variables: each
   * alternative reads its first token itself.
   */
  private readonly primaryAlternatives: IOrAlt<CelExpr>[] = [
      {
        ALT: () => {
          const start = this.LA(1);
          let absolute = false;
          this.OPTION(() => {
            this.CONSUME(T.Dot);
            absolute = true;
          });
          const name = this.CONSUME(T.Identifier);
          let call: WindowArgs | undefined;
          this.OPTION2(() => {
            this.CONSUME(T.LParen);
            call = this.SUBRULE(this.celWindowArgs);
            this.CONSUME(T.RParen);
          });
          return this.ACTION((): CelExpr => {
            const span = this.spanFrom(start);
            if (call === undefined) return { kind: "CelIdent", span, name: name.image, absolute };
            const fn = absolute ? `.${name.image}` : name.image;
            const { args, per } = call;
            return { kind: "CelCall", span, target: undefined, fn, fnSpan: this.tokenSpan(name), args, ...(per === undefined ? {} : { per }) };
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.LParen);
          const inner = this.SUBRULE(this.celExpr);
          this.CONSUME2(T.RParen);
          return inner;
        },
      },
      {
        ALT: () => {
          const start = this.CONSUME(T.LBracket);
          const elements = this.SUBRULE(this.celListItems);
          this.CONSUME(T.RBracket);
          return this.ACTION(() => ({ kind: "CelList", span: this.spanFrom(start), elements }));
        },
      },
      {
        ALT: () => {
          const start = this.CONSUME(T.LCurly);
          const entries = this.SUBRULE(this.celMapInits);
          this.CONSUME(T.RCurly);
          return this.ACTION(() => ({ kind: "CelMap", span: this.spanFrom(start), entries }));
        },
      },
      { ALT: () => this.literal(this.CONSUME(T.IntLiteral), "int") },
      { ALT: () => this.literal(this.CONSUME(T.UintLiteral), "uint") },
      { ALT: () => this.literal(this.CONSUME(T.DoubleLiteral), "double") },
      { ALT: () => this.literal(this.CONSUME(T.StringLiteral), "string") },
      { ALT: () => this.literal(this.CONSUME(T.BytesLiteral), "bytes") },
      { ALT: () => this.literal(this.CONSUME(T.True), "bool") },
      { ALT: () => this.literal(this.CONSUME(T.False), "bool") },
    { ALT: () => this.literal(this.CONSUME(T.Null), "null") },
  ];

  private celPrimary = this.define("celPrimary", (): CelExpr => this.OR(this.primaryAlternatives));

  private literal(token: IToken, type: CelLiteralType): CelExpr {
    return this.ACTION(() => {
      if (type === "string" || type === "bytes") this.checkEscapes(token);
      return { kind: "CelLiteral", span: this.tokenSpan(token), type, raw: token.image };
    });
  }

  /** Call arguments: `a, b` (no trailing comma, as in CEL). */
  private celArgs = this.define("celArgs", (): CelExpr[] => {
    const args: CelExpr[] = [];
    this.OPTION(() => {
      args.push(this.SUBRULE(this.celExpr));
      this.MANY(() => {
        this.CONSUME(T.Comma);
        args.push(this.SUBRULE2(this.celExpr));
      });
    });
    return args;
  }, LIST);

  /** A function's arguments, the last of which may be a window: `send_money.amount, per day` (`total`, `count`). */
  private celWindowArgs = this.define("celWindowArgs", (): WindowArgs => {
    const args: CelExpr[] = [];
    let per: CelWindow | undefined;
    this.OPTION(() => {
      args.push(this.SUBRULE(this.celExpr));
      this.MANY({
        GATE: () => per === undefined,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.OR([
            {
              ALT: () => {
                this.CONSUME(T.Per);
                const period = this.CONSUME2(T.Identifier);
                per = this.ACTION(() => ({ name: period.image, span: this.tokenSpan(period) }));
              },
            },
            { ALT: () => args.push(this.SUBRULE2(this.celExpr)) },
          ]);
        },
      });
    });
    return per === undefined ? { args } : { args, per };
  }, { recoveryValueFunc: () => ({ args: [] }) });

  /** List elements: `a, b,` (a trailing comma is allowed). */
  private celListItems = this.define("celListItems", (): CelExpr[] => {
    const items: CelExpr[] = [];
    this.OPTION(() => {
      items.push(this.SUBRULE(this.celExpr));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBracket,
        DEF: () => {
          this.CONSUME(T.Comma);
          items.push(this.SUBRULE2(this.celExpr));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    return items;
  }, LIST);

  private celMapInits = this.define("celMapInits", (): CelMapEntry[] => {
    const entries: CelMapEntry[] = [];
    const entry = (): void => {
      const key = this.SUBRULE(this.celExpr);
      this.CONSUME(T.Colon);
      const value = this.SUBRULE2(this.celExpr);
      this.ACTION(() => entries.push({ span: { start: key.span.start, end: value.span.end }, key, value }));
    };
    this.OPTION(() => {
      entry();
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RCurly,
        DEF: () => {
          this.CONSUME(T.Comma);
          const key = this.SUBRULE3(this.celExpr);
          this.CONSUME2(T.Colon);
          const value = this.SUBRULE4(this.celExpr);
          this.ACTION(() => entries.push({ span: { start: key.span.start, end: value.span.end }, key, value }));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    return entries;
  }, LIST);

  private celFieldInits = this.define("celFieldInits", (): CelStructField[] => {
    const fields: CelStructField[] = [];
    this.OPTION(() => {
      const name = this.CONSUME(T.Identifier);
      this.CONSUME(T.Colon);
      const value = this.SUBRULE(this.celExpr);
      this.ACTION(() => fields.push({ span: { start: name.startOffset | 0, end: value.span.end }, name: name.image, value }));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RCurly,
        DEF: () => {
          this.CONSUME(T.Comma);
          const name2 = this.CONSUME2(T.Identifier);
          this.CONSUME2(T.Colon);
          const value2 = this.SUBRULE2(this.celExpr);
          this.ACTION(() => fields.push({ span: { start: name2.startOffset | 0, end: value2.span.end }, name: name2.image, value: value2 }));
        },
      });
      this.OPTION2(() => this.CONSUME3(T.Comma));
    });
    return fields;
  }, LIST);
}

/** `a.b.c` as text when an expression is a plain dotted name, else undefined. */
function qualifiedName(expr: CelExpr | undefined): string | undefined {
  if (expr === undefined || typeof expr !== "object" || !("kind" in expr)) return undefined;
  if (expr.kind === "CelIdent") return expr.absolute ? `.${expr.name}` : expr.name;
  if (expr.kind === "CelSelect") {
    const base = qualifiedName(expr.operand);
    return base === undefined ? undefined : `${base}.${expr.field}`;
  }
  return undefined;
}

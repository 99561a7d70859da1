/**
 * Token classes for the hand-written fast parser: one bit set per token type, indexed by
 * Chevrotain's `tokenTypeIdx`, so "is this a name?" or "can a CEL expression start here?"
 * is one array read.
 *
 * The sets are the lookahead sets Chevrotain computes for `PaybillParser` (maxLookahead 3,
 * token categories included): a contextual keyword is a NAME, `in` is both RESERVED and
 * BINARY. `fast-parser.ts` decides exactly where Chevrotain's generated lookahead would, so
 * the two parsers take the same path through every file the fast one accepts.
 */
import { EOF, type TokenType } from "./chevrotain.js";
import * as T from "./tokens.js";

/** `Identifier` or a contextual keyword: what `CONSUME(Identifier)` accepts. */
export const NAME = 1 << 0;
/** A reserved word (`ReservedWord` category). */
export const RESERVED = 1 << 1;
/** A binary operator (`BinaryOperator` category, `in` included). */
export const BINARY = 1 << 2;
/** `!` or `-`. */
export const UNARY = 1 << 3;
/** What a CEL expression can start with. */
export const CEL_START = 1 << 4;
/** What a `.paybill` value can start with. */
export const VALUE_START = 1 << 5;
/** `=`, `{`, `:`: a token after which the word before it starts a new entry. */
export const NOT_A_VALUE_END = 1 << 6;
/** Words that begin the entry after an action list (`ENTRY_STARTS` of the grammar). */
export const ENTRY_START = 1 << 7;
/** Entry starts of a workflow state (`STATE_STARTS`). */
export const STATE_START = 1 << 8;
/** Statement starts of a test (`TEST_STARTS`). */
export const TEST_START = 1 << 9;
/** `permit`, `forbid` (`RULE_STARTS`). */
export const RULE_START = 1 << 10;
/** `read`, `insert`, `update`, `delete`. */
export const DATA_OP = 1 << 11;
/** A keyword that starts a declaration. */
export const DECLARATION_START = 1 << 12;
/** A statement of a test body. */
export const TEST_STATEMENT = 1 << 13;

/** The index of a token type, the number the fast parser compares. */
export const idx = (type: TokenType): number => type.tokenTypeIdx ?? -1;

export const EOF_IDX = idx(EOF);

const all = [...T.ALL_TOKENS, EOF];
export const CLASSES = new Uint16Array(Math.max(...all.map(idx)) + 1);

const mark = (bit: number, types: readonly TokenType[]): void => {
  for (const type of types) {
    const i = idx(type);
    CLASSES[i] = (CLASSES[i] as number) | bit;
  }
};

mark(NAME, [T.Identifier, ...T.CONTEXTUAL_KEYWORDS]);
mark(RESERVED, T.RESERVED_WORDS);
mark(BINARY, [T.OrOr, T.AndAnd, T.EqEq, T.NotEq, T.LessEq, T.GreaterEq, T.Less, T.Greater, T.In, T.Plus, T.Minus, T.Star, T.Slash, T.Percent]);
mark(UNARY, [T.Bang, T.Minus]);
mark(CEL_START, [
  T.Bang, T.Minus, T.Dot, T.Identifier, ...T.CONTEXTUAL_KEYWORDS, T.LParen, T.LBracket, T.LCurly, T.IntLiteral, T.UintLiteral,
  T.DoubleLiteral, T.StringLiteral, T.BytesLiteral, T.True, T.False, T.Null,
]);
mark(VALUE_START, [T.StringLiteral, T.True, T.False, T.Duration, T.Minus, T.IntLiteral, T.DoubleLiteral, T.LBracket, T.Identifier, ...T.CONTEXTUAL_KEYWORDS]);
mark(NOT_A_VALUE_END, [T.Equals, T.LCurly, T.Colon]);
mark(ENTRY_START, [T.When, T.Next, T.Final, T.Await, T.Allow, T.Permit, T.Forbid, T.Require]);
mark(STATE_START, [T.Allow, T.Next, T.Await, T.Final]);
mark(TEST_START, [T.Tenant, T.Given, T.Do, T.Expect]);
mark(RULE_START, [T.Permit, T.Forbid, T.Require]);
mark(DATA_OP, [T.Read, T.Insert, T.Update, T.Delete]);
mark(DECLARATION_START, [T.Provider, T.Isolation, T.Cloud, T.Plan, T.Tenant, T.Agent, T.Group, T.Entity, T.Action, T.Policy, T.Workflow, T.Test, T.Const]);
mark(TEST_STATEMENT, [T.As, T.Tenant, T.Given, T.Do, T.Expect]);

/**
 * Lexing: text to tokens, comments kept aside for the formatter, lexical errors collected.
 *
 * The lexer never fails: an unexpected character becomes PB0001 and is skipped, an
 * unterminated string becomes PB0002 and is handed on as a string token so the parser does
 * not report the same typo again.
 *
 * It is written by hand, one `switch` on the first character, and gives exactly what a
 * Chevrotain `Lexer` built from `LEXED_TOKENS` gives (the token definitions in `tokens.ts`
 * stay the specification; a property test compares the two on generated text). Chevrotain's
 * lexer tries the token regular expressions one after another at every offset, and building
 * it analyses every pattern at start-up; this is several times faster on both counts.
 * Order of the rules, where two could match: the first in `LEXED_TOKENS` wins.
 */
import type { IToken, TokenType } from "./chevrotain.js";
import { type Diagnostic, diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../source/source-file.js";
import { scanString } from "./scanners.js";
import * as T from "./tokens.js";

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  readonly diagnostics: Diagnostic[];
}

/** The options a Chevrotain lexer over `LEXED_TOKENS` would take (the grammar test builds one). */
export const LEXER_OPTIONS = { positionTracking: "onlyOffset", ensureOptimizations: true } as const;

/**
 * A token with the fields the parser reads. A class of its own, not an object literal:
 * literals shaped like Chevrotain's tokens share a hidden class with its EOF token, whose
 * `NaN` offset makes V8 box every token's offset as a heap number.
 */
class Token implements IToken {
  image: string;
  startOffset: number;
  tokenTypeIdx: number;
  tokenType: TokenType;

  constructor(image: string, startOffset: number, tokenType: TokenType) {
    this.image = image;
    this.startOffset = startOffset;
    this.tokenTypeIdx = tokenType.tokenTypeIdx ?? 0;
    this.tokenType = tokenType;
  }
}

/** Shows user text inside a message: escaped, and cut to a readable length. */
export function quoteText(text: string, max = 24): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return `\`${shown.replace(/[\u0000-\u001f\u007f-\u009f`]/g, (c) => (c === "`" ? "\\`" : `\\u{${c.charCodeAt(0).toString(16)}}`))}\``;
}

export function lex(file: SourceFile): LexResult {
  const text = file.text;
  const length = text.length;
  const tokens: IToken[] = [];
  const comments: IToken[] = [];
  // Unexpected characters first, then unterminated strings and comments: the order
  // Chevrotain's lexer gave them in (`parse` sorts later; this keeps ties as they were).
  const unexpectedChars: Diagnostic[] = [];
  const diagnostics: Diagnostic[] = [];
  let offset = 0;
  while (offset < length) {
    const end = match(text, offset);
    if (end < 0) {
      // Skip to the next offset where some token could start, and report the run as one.
      const start = offset;
      do offset++;
      while (offset < length && match(text, offset) < 0);
      unexpected(file, start, offset, unexpectedChars);
      continue;
    }
    const type = matched;
    if (type === T.WhiteSpace) {
      // skipped
    } else if (type === T.Identifier) {
      // Keywords are looked up, not matched: one rule for every word keeps the lexer fast.
      const image = text.slice(offset, end);
      tokens.push(new Token(image, offset, T.KEYWORDS.get(image) ?? T.Identifier));
    } else if (type === T.LineComment || type === T.BlockComment) {
      comments.push(new Token(text.slice(offset, end), offset, type));
    } else if (type === T.UnterminatedString) {
      diagnostics.push(
        diagnostic(
          "unterminatedString",
          file,
          { start: offset, end },
          "this string has no closing quote",
          "close it with the same quote it opens with; a one-line string cannot span lines (use `\"\"\"` for that)",
        ),
      );
      tokens.push(new Token(text.slice(offset, end), offset, T.StringLiteral));
    } else if (type === T.UnterminatedComment) {
      diagnostics.push(
        diagnostic(
          "unterminatedComment",
          file,
          { start: offset, end: offset + 2 },
          "this block comment has no closing `*/`",
          "close it with `*/`, or use `//` for a comment that ends with the line",
        ),
      );
    } else {
      tokens.push(new Token(text.slice(offset, end), offset, type));
    }
    offset = end;
  }
  return { tokens, comments, diagnostics: unexpectedChars.length === 0 ? diagnostics : [...unexpectedChars, ...diagnostics] };
}

function unexpected(file: SourceFile, start: number, end: number, diagnostics: Diagnostic[]): void {
  const text = file.text.slice(start, end);
  const plural = [...text].length > 1;
  diagnostics.push(
    diagnostic(
      "unexpectedCharacter",
      file,
      { start, end },
      `unexpected character${plural ? "s" : ""} ${quoteText(text)}`,
      "remove it; names use letters, digits and `_`, strings are quoted with `\"`",
    ),
  );
}

// ---- matching one token ----

/** The type of the token `match` found last. */
let matched: TokenType = T.WhiteSpace;

/** The end of the token starting at `offset` (its type in `matched`), or -1 if none starts there. */
function match(text: string, offset: number): number {
  const c = text.charCodeAt(offset);
  switch (c) {
    case 32: case 9: case 10: case 13: case 12: case 11: case 0xfeff: {
      let i = offset + 1;
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      return found(T.WhiteSpace, i);
    }
    case 34: case 39: // " '
      return stringAt(text, offset);
    case 114: case 82: case 98: case 66: { // r R b B: a prefixed string, or a name
      const end = stringAt(text, offset);
      return end >= 0 ? end : word(text, offset);
    }
    case 47: { // /
      const next = text.charCodeAt(offset + 1);
      if (next === 47) {
        let i = offset + 2;
        while (i < text.length) {
          const d = text.charCodeAt(i);
          if (d === 10 || d === 13) break;
          i++;
        }
        return found(T.LineComment, i);
      }
      if (next === 42) {
        const close = text.indexOf("*/", offset + 2);
        return close < 0 ? found(T.UnterminatedComment, text.length) : found(T.BlockComment, close + 2);
      }
      return found(T.Slash, offset + 1);
    }
    case 46: // .
      return isDigit(text.charCodeAt(offset + 1)) ? found(T.DoubleLiteral, fraction(text, offset + 1)) : found(T.Dot, offset + 1);
    case 123: return found(T.LCurly, offset + 1);
    case 125: return found(T.RCurly, offset + 1);
    case 40: return found(T.LParen, offset + 1);
    case 41: return found(T.RParen, offset + 1);
    case 91: return found(T.LBracket, offset + 1);
    case 93: return found(T.RBracket, offset + 1);
    case 44: return found(T.Comma, offset + 1);
    case 58: return found(T.Colon, offset + 1);
    case 64: return found(T.AtSign, offset + 1);
    case 63: return found(T.Question, offset + 1);
    case 124: return text.charCodeAt(offset + 1) === 124 ? found(T.OrOr, offset + 2) : -1;
    case 38: return text.charCodeAt(offset + 1) === 38 ? found(T.AndAnd, offset + 2) : -1;
    case 61: return text.charCodeAt(offset + 1) === 61 ? found(T.EqEq, offset + 2) : found(T.Equals, offset + 1);
    case 33: return text.charCodeAt(offset + 1) === 61 ? found(T.NotEq, offset + 2) : found(T.Bang, offset + 1);
    case 60: return text.charCodeAt(offset + 1) === 61 ? found(T.LessEq, offset + 2) : found(T.Less, offset + 1);
    case 62: return text.charCodeAt(offset + 1) === 61 ? found(T.GreaterEq, offset + 2) : found(T.Greater, offset + 1);
    case 43: return found(T.Plus, offset + 1);
    case 45: return found(T.Minus, offset + 1);
    case 42: return found(T.Star, offset + 1);
    case 37: return found(T.Percent, offset + 1);
    default:
      if (isDigit(c)) return number(text, offset);
      if (isWordStart(c)) return word(text, offset);
      return -1;
  }
}

function found(type: TokenType, end: number): number {
  matched = type;
  return end;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 0xfeff;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isWordStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isWord = (c: number): boolean => isWordStart(c) || isDigit(c);

/** `[A-Za-z_][A-Za-z0-9_]*` */
function word(text: string, offset: number): number {
  let i = offset + 1;
  while (i < text.length && isWord(text.charCodeAt(i))) i++;
  return found(T.Identifier, i);
}

/** A string or bytes literal, terminated or not (see `scanString`), or -1 for none. */
function stringAt(text: string, offset: number): number {
  const scan = scanString(text, offset);
  if (scan === undefined) return -1;
  if (!scan.terminated) return found(T.UnterminatedString, Math.max(scan.end, offset + 1));
  return found(scan.bytes ? T.BytesLiteral : T.StringLiteral, scan.end);
}

function digits(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** `[eE][+-]?\d+` at `i`: its end, or `i` when there is none. */
function exponent(text: string, i: number): number {
  const e = text.charCodeAt(i);
  if (e !== 101 && e !== 69) return i;
  let j = i + 1;
  const sign = text.charCodeAt(j);
  if (sign === 43 || sign === 45) j++;
  const end = digits(text, j);
  return end > j ? end : i;
}

/** `\d+` then an optional exponent, starting after a `.` at `i - 1`. */
function fraction(text: string, i: number): number {
  return exponent(text, digits(text, i));
}

const DURATION_UNITS = ["ms", "s", "m", "h", "d", "w"];

/** A number starting with a digit: a duration, a double, a uint or an int, in that order. */
function number(text: string, offset: number): number {
  const whole = digits(text, offset);
  for (const unit of DURATION_UNITS) {
    const end = whole + unit.length;
    if (text.startsWith(unit, whole) && !isWord(text.charCodeAt(end))) return found(T.Duration, end);
  }
  if (text.charCodeAt(whole) === 46 && isDigit(text.charCodeAt(whole + 1))) return found(T.DoubleLiteral, fraction(text, whole + 1));
  const withExponent = exponent(text, whole);
  if (withExponent > whole) return found(T.DoubleLiteral, withExponent);
  const x = text.charCodeAt(offset + 1);
  let hexEnd = -1;
  if (text.charCodeAt(offset) === 48 && (x === 120 || x === 88) && isHex(text.charCodeAt(offset + 2))) {
    hexEnd = offset + 3;
    while (isHex(text.charCodeAt(hexEnd))) hexEnd++;
    if (isUintSuffix(text.charCodeAt(hexEnd))) return found(T.UintLiteral, hexEnd + 1);
  }
  if (isUintSuffix(text.charCodeAt(whole))) return found(T.UintLiteral, whole + 1);
  return found(T.IntLiteral, hexEnd >= 0 ? hexEnd : whole);
}

const isUintSuffix = (c: number): boolean => c === 117 || c === 85;

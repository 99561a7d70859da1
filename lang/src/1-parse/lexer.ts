/**
 * Lexing: text to tokens, comments kept aside for the formatter, lexical errors collected.
 *
 * The lexer never fails: an unexpected character becomes PB0001 and is skipped, an
 * unterminated string becomes PB0002 and is handed on as a string token so the parser does
 * not report the same typo again.
 */
import { createTokenInstance, type IToken, Lexer } from "./chevrotain.js";
import { type Diagnostic, diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../source/source-file.js";
import { Identifier, KEYWORDS, LEXED_TOKENS, StringLiteral, UnterminatedComment, UnterminatedString } from "./tokens.js";

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  readonly diagnostics: Diagnostic[];
}

// Validations of the token definitions run in a test (grammar.test.ts), not at every start.
export const LEXER_OPTIONS = { positionTracking: "onlyOffset", ensureOptimizations: true } as const;
const lexer = new Lexer(LEXED_TOKENS, { ...LEXER_OPTIONS, skipValidations: true });

/** Shows user text inside a message: escaped, and cut to a readable length. */
export function quoteText(text: string, max = 24): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return `\`${shown.replace(/[\u0000-\u001f\u007f-\u009f`]/g, (c) => (c === "`" ? "\\`" : `\\u{${c.charCodeAt(0).toString(16)}}`))}\``;
}

export function lex(file: SourceFile): LexResult {
  const result = lexer.tokenize(file.text);
  const diagnostics: Diagnostic[] = [];
  for (const error of result.errors) {
    const text = file.text.slice(error.offset, error.offset + error.length);
    const plural = [...text].length > 1;
    diagnostics.push(
      diagnostic(
        "unexpectedCharacter",
        file,
        { start: error.offset, end: error.offset + error.length },
        `unexpected character${plural ? "s" : ""} ${quoteText(text)}`,
        "remove it; names use letters, digits and `_`, strings are quoted with `\"`",
      ),
    );
  }
  const tokens: IToken[] = [];
  for (const token of result.tokens) {
    if (token.tokenType === UnterminatedString) {
      const end = (token.startOffset + token.image.length) | 0;
      diagnostics.push(
        diagnostic(
          "unterminatedString",
          file,
          { start: token.startOffset | 0, end },
          "this string has no closing quote",
          "close it with the same quote it opens with; a one-line string cannot span lines (use `\"\"\"` for that)",
        ),
      );
      tokens.push(createTokenInstance(StringLiteral, token.image, token.startOffset, end - 1, Number.NaN, Number.NaN, Number.NaN, Number.NaN));
    } else if (token.tokenType === UnterminatedComment) {
      diagnostics.push(
        diagnostic(
          "unterminatedComment",
          file,
          { start: token.startOffset | 0, end: (token.startOffset + 2) | 0 },
          "this block comment has no closing `*/`",
          "close it with `*/`, or use `//` for a comment that ends with the line",
        ),
      );
    } else {
      if (token.tokenType === Identifier) {
        // Keywords are looked up, not matched: one regex for every word keeps the lexer fast.
        const keyword = KEYWORDS.get(token.image);
        if (keyword !== undefined) {
          token.tokenType = keyword;
          token.tokenTypeIdx = keyword.tokenTypeIdx ?? token.tokenTypeIdx;
        }
      }
      tokens.push(token);
    }
  }
  const comments = (result.groups.comments ?? []) as IToken[];
  return { tokens, comments, diagnostics };
}

/**
 * A pre-scan of the token stream that refuses bracket nesting deeper than the parser can
 * take without exhausting the call stack (the parser is recursive descent, about ten
 * frames per CEL parenthesis).
 */
import type { IToken } from "./chevrotain.js";
import { LBracket, LCurly, LParen, RBracket, RCurly, RParen } from "./tokens.js";

/** Deepest bracket nesting a file may use. Real projects stay under 20. */
export const MAX_NESTING = 100;

/** The first opening bracket that goes past MAX_NESTING, if any. */
export function findExcessiveNesting(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === LParen || type === LBracket || type === LCurly) {
      depth++;
      if (depth > MAX_NESTING) return token;
    } else if (type === RParen || type === RBracket || type === RCurly) {
      if (depth > 0) depth--;
    }
  }
  return undefined;
}

/** The bracket depth after `tokens`, counted as `findExcessiveNesting` counts it. */
export function nestingAfter(tokens: readonly IToken[]): number {
  let depth = 0;
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === LParen || type === LBracket || type === LCurly) depth++;
    else if ((type === RParen || type === RBracket || type === RCurly) && depth > 0) depth--;
  }
  return depth;
}

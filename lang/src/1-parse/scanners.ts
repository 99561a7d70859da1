/**
 * Hand-written scanners for the tokens whose regular expressions would backtrack or
 * recurse in proportion to their length (a 10 MB string literal overflowed V8's regex
 * stack). Each runs in one linear pass and returns what Chevrotain's custom patterns
 * expect: a one-element match array, or null.
 */

export interface StringScan {
  readonly end: number;
  readonly terminated: boolean;
  readonly bytes: boolean;
}

const isQuote = (c: number): boolean => c === 34 || c === 39;

/**
 * A CEL string or bytes literal starting at `offset`: an optional `r`/`b` prefix (either
 * order, each at most once), then `"`, `'`, `"""` or `'''`. Raw strings take no escapes.
 * An unterminated one-line string ends at the line break; a triple-quoted one at the end
 * of the text.
 */
export function scanString(text: string, offset: number): StringScan | undefined {
  let i = offset;
  let raw = false;
  let bytes = false;
  for (let k = 0; k < 2; k++) {
    const c = text.charCodeAt(i);
    if ((c === 114 || c === 82) && !raw) raw = true;
    else if ((c === 98 || c === 66) && !bytes) bytes = true;
    else break;
    i++;
  }
  const quote = text.charCodeAt(i);
  if (!isQuote(quote)) return undefined;
  const triple = text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote;
  i += triple ? 3 : 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92 && !raw) {
      const next = text.charCodeAt(i + 1);
      if (!triple && (next === 10 || next === 13)) return { end: i + 1, terminated: false, bytes };
      i += 2;
      continue;
    }
    if (c === quote) {
      if (!triple) return { end: i + 1, terminated: true, bytes };
      if (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote) return { end: i + 3, terminated: true, bytes };
    } else if (!triple && (c === 10 || c === 13)) {
      return { end: i, terminated: false, bytes };
    }
    i++;
  }
  return { end: text.length, terminated: false, bytes };
}

const match = (text: string, offset: number, end: number): [string] => [text.slice(offset, end)];

export function execString(text: string, offset: number): [string] | null {
  const scan = scanString(text, offset);
  return scan?.terminated && !scan.bytes ? match(text, offset, scan.end) : null;
}

export function execBytes(text: string, offset: number): [string] | null {
  // Bytes need a `b` prefix: a string that starts with a quote is not one (cheap reject,
  // since the lexer tries bytes before strings).
  const first = text.charCodeAt(offset);
  if (first === 34 || first === 39) return null;
  const scan = scanString(text, offset);
  return scan?.terminated && scan.bytes ? match(text, offset, scan.end) : null;
}

export function execUnterminatedString(text: string, offset: number): [string] | null {
  const scan = scanString(text, offset);
  return scan !== undefined && !scan.terminated ? match(text, offset, Math.max(scan.end, offset + 1)) : null;
}

/** `/* … *\/`, or (unterminated) everything to the end of the text. */
export function execBlockComment(text: string, offset: number, terminated: boolean): [string] | null {
  if (text.charCodeAt(offset) !== 47 || text.charCodeAt(offset + 1) !== 42) return null;
  const close = text.indexOf("*/", offset + 2);
  if (terminated) return close < 0 ? null : match(text, offset, close + 2);
  return close < 0 ? match(text, offset, text.length) : null;
}

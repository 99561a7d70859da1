/**
 * A misspelt keyword (`plna`, `permt`, `stat`, `alow`) makes the parser report what it
 * expected instead (`expected a declaration`, `expected }`), which does not say what went
 * wrong. When a syntax error stands on a name that is one slip from keywords (the edit
 * distance of "did you mean"), it is reported as that: PB1010, "did you mean `plan`?" (the
 * language server offers the fix). A misspelt declaration keyword also silences the errors
 * that follow it up to the next line that starts a declaration: they only restate that the
 * declaration was not understood. And a declaration keyword that starts a line inside an
 * unclosed body is reported at the `{` left open.
 */
import type { SourceFile } from "../source/source-file.js";
import { type Diagnostic, diagnostic } from "../diagnostics/diagnostic.js";
import { editDistance } from "../2-resolve/suggest.js";
import { KEYWORDS } from "./tokens.js";

const DECLARATION_WORDS = ["provider", "isolation", "cloud", "plan", "tenant", "entity", "agent", "action", "policy", "workflow", "test", "group", "const", "package", "import"];
/** CEL's reserved words that Paybill does not use: never what a slip meant. */
const UNUSED = new Set(["true", "false", "null", "break", "continue", "else", "function", "loop", "namespace", "return", "void", "while"]);

/** Keywords a slip could have meant: the language's words of four letters or more. */
const CANDIDATES: readonly string[] = [...KEYWORDS.keys()].filter((k) => k.length >= 4 && !UNUSED.has(k));

const SYNTAX_CODES = new Set(["PB1001", "PB1002", "PB1004"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The keywords `word` is one slip from (the closest ones, at most two edits and a third of its length). */
export function meantKeywords(word: string): string[] {
  if (KEYWORDS.has(word) || word.length < 3) return [];
  const limit = Math.min(2, Math.max(1, Math.floor(word.length / 3)));
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const k of CANDIDATES) {
    const d = editDistance(word.toLowerCase(), k);
    if (d > limit || d > best) continue;
    if (d < best) found = [];
    best = d;
    found.push(k);
  }
  return found.sort();
}

/**
 * A declaration keyword at the start of a line where the parser still reads the body of an
 * earlier declaration means that body's `{` was never closed: reported at that `{` (PB1001),
 * which is where the `}` is missing, not at the next declaration. `openAt(offset)` gives the
 * unclosed `{` before an offset, if any.
 */
function unclosedBrace(source: SourceFile, d: Diagnostic, word: string | undefined, openAt: (offset: number) => number | undefined): Diagnostic | undefined {
  if (word === undefined || !DECLARATION_WORDS.includes(word)) return undefined;
  if (d.span.start > 0 && source.text[d.span.start - 1] !== "\n") return undefined;
  const brace = openAt(d.span.start);
  if (brace === undefined) return undefined;
  // No line numbers in the words: an edit elsewhere moves the span, never the message.
  return diagnostic("expectedToken", source, { start: brace, end: brace + 1 }, `this \`{\` is never closed: a \`${word}\` at the start of a later line begins the next declaration inside it`, `add \`}\` before that \`${word}\``);
}

export function explainMisspeltKeywords(source: SourceFile, diagnostics: readonly Diagnostic[], openAt: (offset: number) => number | undefined = () => undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  let silentUntil = -1;
  for (const d of diagnostics) {
    if (d.span.start < silentUntil && SYNTAX_CODES.has(d.code)) continue;
    const unclosed = SYNTAX_CODES.has(d.code) ? unclosedBrace(source, d, NAME.exec(source.text.slice(d.span.start, d.span.start + 64))?.[0], openAt) : undefined;
    if (unclosed !== undefined) {
      out.push(unclosed);
      continue;
    }
    const word = SYNTAX_CODES.has(d.code) ? NAME.exec(source.text.slice(d.span.start, d.span.start + 64))?.[0] : undefined;
    const meant = word === undefined ? [] : meantKeywords(word);
    if (word === undefined || meant.length === 0) {
      out.push(d);
      continue;
    }
    const options = meant.map((k) => `\`${k}\``).join(" or ");
    out.push(
      diagnostic("misspeltKeyword", source, { start: d.span.start, end: d.span.start + word.length }, `\`${word}\` is not a keyword, and a keyword belongs here`, `did you mean ${options}?`),
    );
    if (meant.some((k) => DECLARATION_WORDS.includes(k))) silentUntil = nextDeclarationLine(source.text, d.span.start + word.length);
  }
  return out;
}

/** The offset of the next line that starts (in its first column) with a declaration keyword, or the end. */
function nextDeclarationLine(text: string, from: number): number {
  let at = text.indexOf("\n", from);
  while (at >= 0) {
    const word = NAME.exec(text.slice(at + 1, at + 20))?.[0];
    if (word !== undefined && DECLARATION_WORDS.includes(word)) return at + 1;
    at = text.indexOf("\n", at + 1);
  }
  return text.length;
}

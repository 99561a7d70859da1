/**
 * The parse stage: text to `{ ast, diagnostics }`. Never throws for any input.
 *
 * Wires the lexer, the depth guard and the parsers, then turns what they recorded into
 * diagnostics: at most one per position, sorted, capped at MAX_DIAGNOSTICS_PER_FILE.
 *
 * A file the lexer found clean goes to the hand-written fast parser first; it gives the
 * same tree the Chevrotain parser gives, or declines at the first thing Chevrotain would
 * report. Only then is the Chevrotain parser run (and, the first time, built), so its
 * diagnostics and error recovery are the only ones there are.
 */
import type { IRecognitionException, IToken } from "./chevrotain.js";
import type { Comment, FileNode } from "../ast/nodes.js";
import { type Diagnostic, compareDiagnostics, diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile, Span } from "../source/source-file.js";
import { MAX_EXPRESSION_DEPTH } from "./cel-parser.js";
import { findExcessiveNesting, MAX_NESTING } from "./depth-guard.js";
import { decode } from "./error-messages.js";
import { fastParse } from "./fast-parser.js";
import { explainMisspeltKeywords } from "./misspelt-keywords.js";
import { lex, quoteText } from "./lexer.js";
import { type Lookout, PaybillParser } from "./paybill-parser.js";
import { BlockComment, LCurly, RCurly } from "./tokens.js";

export interface ParseResult {
  readonly source: SourceFile;
  readonly ast: FileNode;
  readonly diagnostics: readonly Diagnostic[];
}

export const MAX_DIAGNOSTICS_PER_FILE = 100;

// One parser instance is reused, built on first need (building it costs a grammar analysis,
// which a clean project never pays); `beginParse` clears every field it keeps per run, so no
// state leaks from one parse to the next.
let shared: PaybillParser | undefined;
const parser = (): PaybillParser => {
  shared ??= new PaybillParser();
  return shared;
};

export function parse(source: SourceFile): ParseResult {
  return parseFile(source, true);
}

/** `parse` with the Chevrotain parser only: the reference the fast parser is tested against. */
export function parseWithChevrotain(source: SourceFile): ParseResult {
  return parseFile(source, false);
}

function parseFile(source: SourceFile, fastPath: boolean): ParseResult {
  const lexed = lex(source);
  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  const comments = commentsOf(lexed.comments);
  const tooDeep = findExcessiveNesting(lexed.tokens);
  if (tooDeep !== undefined) {
    diagnostics.push(
      diagnostic(
        "nestingTooDeep",
        source,
        { start: tooDeep.startOffset | 0, end: (tooDeep.startOffset | 0) + 1 },
        `brackets are nested more than ${MAX_NESTING} deep here`,
        "split the expression or the value into smaller named parts",
      ),
    );
    return { source, ast: emptyFile(source, comments), diagnostics: finish(source, diagnostics) };
  }

  if (fastPath && lexed.diagnostics.length === 0) {
    const fast = fastParse(source.text, lexed.tokens);
    if (fast !== undefined) {
      const ast: FileNode = {
        kind: "File",
        span: { start: 0, end: source.text.length },
        package: fast.package,
        imports: fast.imports,
        declarations: fast.declarations,
        comments,
      };
      return { source, ast, diagnostics: [] };
    }
  }

  const run = runParser(source, lexed.tokens, undefined);
  if (run === undefined) {
    diagnostics.push(
      diagnostic("nestingTooDeep", source, { start: 0, end: 0 }, "this file is nested too deeply to parse", "split deeply nested expressions or values into smaller named parts"),
    );
    return { source, ast: emptyFile(source, comments), diagnostics: finish(source, diagnostics) };
  }
  const parsed = run.parsed;
  diagnostics.push(...run.diagnostics);
  // The parser hands back an incomplete tree after an error it could not recover from at
  // the top; the file node itself is always rebuilt here so its span and comments are right.
  const ast: FileNode = {
    kind: "File",
    span: { start: 0, end: source.text.length },
    package: parsed?.package,
    imports: parsed?.imports ?? [],
    declarations: parsed?.declarations ?? [],
    comments,
  };
  return { source, ast, diagnostics: finish(source, diagnostics) };
}

/** The offset of the innermost `{` still open before `offset` (tokens in order; strings and comments are not tokens). */
function unclosedBefore(tokens: readonly IToken[], offset: number): number | undefined {
  const open: number[] = [];
  for (const t of tokens) {
    if (t.startOffset >= offset) break;
    if (t.tokenType === LCurly) open.push(t.startOffset);
    else if (t.tokenType === RCurly) open.pop();
  }
  return open.at(-1);
}

/**
 * The Chevrotain parser over `tokens` (of `source`'s text): its tree and what it recorded,
 * as diagnostics. With a lookout, only what it recorded before the lookout's boundary.
 * Undefined when the stack overflowed.
 */
export function runParser(source: SourceFile, tokens: IToken[], lookout: Lookout | undefined): { parsed: FileNode | undefined; diagnostics: Diagnostic[] } | undefined {
  const p = parser();
  p.beginParse(source.text.length);
  p.source = source.text;
  p.input = tokens;
  p.watch(lookout);
  let parsed: FileNode | undefined;
  try {
    parsed = p.file();
  } catch (error) {
    // The depth guard keeps nesting far below what the stack holds; should a host run us
    // on a much smaller stack, the file is reported, not the process crashed.
    if (!(error instanceof RangeError)) throw error;
    shared = undefined; // its internal stacks are unreliable after an overflow
    return undefined;
  } finally {
    p.watch(undefined);
  }
  const until = lookout?.boundary;
  const diagnostics: Diagnostic[] = [];
  const endOfInput = lastEnd(tokens);
  const syntax = p.errors.slice(0, until?.errors).map((error) => syntaxDiagnostic(source, error, endOfInput));
  diagnostics.push(...explainMisspeltKeywords(source, syntax.sort(compareDiagnostics), (offset) => unclosedBefore(tokens, offset)));
  for (const problem of p.depthProblems.slice(0, until?.depthProblems)) {
    diagnostics.push(
      diagnostic(
        "expressionTooDeep",
        source,
        problem.span,
        `this expression is nested ${problem.depth} levels deep, more than the ${MAX_EXPRESSION_DEPTH} allowed`,
        "split it into smaller conditions or policies",
      ),
    );
  }
  for (const span of p.misplaced.slice(0, until?.misplaced)) {
    diagnostics.push(
      diagnostic("misplacedPackage", source, span, "`package` and `import` must come before every declaration", "move this line to the top of the file"),
    );
  }
  for (const { span, word } of p.reservedNames.slice(0, until?.reservedNames)) {
    diagnostics.push(
      diagnostic("reservedWord", source, span, `\`${word}\` is a reserved word and cannot be used as a name`, `choose another name, such as \`${word}_\``),
    );
  }
  for (const problem of p.escapeProblems.slice(0, until?.escapeProblems)) {
    diagnostics.push(
      diagnostic(
        "invalidEscape",
        source,
        problem.span,
        `invalid escape ${quoteText(problem.text)} in a string`,
        "write `\\\\` for a backslash; the escapes are `\\n \\r \\t \\\" \\' \\\\ \\` \\? \\a \\b \\f \\v`, `\\xHH`, `\\uHHHH`, `\\UHHHHHHHH` and octal `\\ooo`",
      ),
    );
  }
  return { parsed, diagnostics };
}

/** The comments the lexer set aside, as the tree keeps them. */
export function commentsOf(tokens: readonly IToken[]): Comment[] {
  return tokens.map((token) => {
    const block = token.tokenType === BlockComment;
    // Spaces at the end of a line comment are not part of what it says (and the formatter
    // drops them), so they are not part of the comment.
    const text = block ? token.image : token.image.trimEnd();
    const start = token.startOffset | 0; // an integer kept unboxed (see `CelParser.spanFrom`)
    return { span: { start, end: start + text.length }, text, block };
  });
}

export function emptyFile(source: SourceFile, comments: Comment[]): FileNode {
  return { kind: "File", span: { start: 0, end: source.text.length }, package: undefined, imports: [], declarations: [], comments };
}

function lastEnd(tokens: readonly IToken[]): number {
  const last = tokens[tokens.length - 1];
  return last === undefined ? 0 : (last.startOffset + last.image.length) | 0;
}

function syntaxDiagnostic(source: SourceFile, error: IRecognitionException, endOfInput: number): Diagnostic {
  const { kind, message, help } = decode(error.message);
  const token = error.token;
  const span: Span = Number.isFinite(token.startOffset)
    ? { start: token.startOffset | 0, end: (token.startOffset + token.image.length) | 0 }
    : { start: endOfInput, end: endOfInput };
  return diagnostic(kind, source, span, message, help);
}

/** Sorts, keeps one diagnostic per start position, and caps the count. */
export function finish(source: SourceFile, diagnostics: Diagnostic[]): Diagnostic[] {
  diagnostics.sort(compareDiagnostics);
  const kept: Diagnostic[] = [];
  let lastStart = -1;
  for (const d of diagnostics) {
    if (d.span.start === lastStart) {
      // One report per position: the most specific (lowest) code wins.
      const previous = kept[kept.length - 1] as Diagnostic;
      if (d.code < previous.code) kept[kept.length - 1] = d;
      continue;
    }
    lastStart = d.span.start;
    kept.push(d);
  }
  if (kept.length <= MAX_DIAGNOSTICS_PER_FILE) return kept;
  const shown = kept.slice(0, MAX_DIAGNOSTICS_PER_FILE);
  const hidden = kept.length - MAX_DIAGNOSTICS_PER_FILE;
  const firstHidden = kept[MAX_DIAGNOSTICS_PER_FILE] as Diagnostic;
  shown.push(
    diagnostic(
      "tooManyErrors",
      source,
      firstHidden.span,
      `${hidden} more ${hidden === 1 ? "problem" : "problems"} in this file ${hidden === 1 ? "is" : "are"} not shown`,
      "fix the ones above first; later errors are often caused by earlier ones",
    ),
  );
  return shown;
}

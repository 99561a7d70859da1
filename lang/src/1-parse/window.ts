/**
 * Parsing a window of a file: the text between two top-level boundaries, as it is parsed
 * inside the whole file, without parsing the rest. The language server re-parses an edited
 * part of a file with it (`lsp/reparse.ts`).
 *
 * The window is lexed in a copy of the text blanked before it (so offsets stay the same),
 * followed by the next declaration, and parsed by the Chevrotain parser under a lookout
 * (`Lookout` in `paybill-parser.ts`): after the window's own tokens come the file's next
 * few real tokens, so the parser's lookahead sees what it sees in the whole file, then
 * tripwires. The answer stands only when the parser took nothing from before the window,
 * read no tripwire, and stood between top-level items once every window token was
 * consumed. Then nothing outside the window changes how the window parses, nor does the
 * window change how the rest parses: the whole file's parse is the rest's parse with the
 * window's in its place. Anything else (a bracket or comment left open, a `package` in the
 * window, recovery that skips past it) answers undefined, and the caller parses in full.
 */
import type { Comment, Declaration } from "../ast/nodes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../source/source-file.js";
import { findExcessiveNesting, nestingAfter } from "./depth-guard.js";
import { EOF, type IToken, type TokenType } from "./chevrotain.js";
import { lex } from "./lexer.js";
import { commentsOf, finish, runParser } from "./parse.js";
import { Lookout } from "./paybill-parser.js";

/** Real tokens after the window the parser may look at (its lookahead is 3). */
const LOOKAHEAD = 4;

/**
 * A token past what the window parse may look at: the end of input to the parser, and the
 * window's answer void if it is read before the boundary. Enough of them that no lookahead
 * reaches past them without reading one.
 */
class Tripwire implements IToken {
  constructor(private readonly lookout: Lookout) {}

  private trip(): void {
    if (this.lookout.boundary === undefined) this.lookout.strayed = true;
  }

  get image(): string {
    this.trip();
    return "";
  }

  get startOffset(): number {
    this.trip();
    return Number.NaN;
  }

  get tokenTypeIdx(): number {
    this.trip();
    return EOF.tokenTypeIdx ?? 0;
  }

  get tokenType(): TokenType {
    this.trip();
    return EOF;
  }
}

const tripwires = (lookout: Lookout): IToken[] => Array.from({ length: LOOKAHEAD }, () => new Tripwire(lookout));

export interface WindowParse {
  /** The declarations that start in the window. */
  readonly declarations: readonly Declaration[];
  readonly comments: readonly Comment[];
  /** The window's diagnostics, against the whole `source`: all of the file's when the rest of it is clean. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses `source.text` from `from` to `to`. The caller vouches that the whole file's lexer
 * and parser are between top-level items at `from` (just after the `}` that closes a
 * declaration, or where the first declaration starts), and that a declaration starts at
 * `to` and ends at `next` (or `to` is the end of the text) whose text, and all after it,
 * is as it was when the file parsed clean.
 */
export function parseWindow(source: SourceFile, from: number, to: number, next: number): WindowParse | undefined {
  const text = source.text;
  const window = new SourceFile(source.name, " ".repeat(from) + text.slice(from, next));
  const lexed = lex(window);
  const tokens = lexed.tokens;
  let size = 0;
  while (size < tokens.length && (tokens[size]?.startOffset ?? to) < to) size++;
  // The lexer must be back in step with the whole file's at `to`: a token starts right there.
  if (to < text.length && tokens[size]?.startOffset !== to) return undefined;
  if (lexed.diagnostics.some((d) => d.span.start >= to)) return undefined;
  const own = tokens.slice(0, size);
  // Brackets: none too deep, and none left open for the rest of the file to be counted in.
  if (findExcessiveNesting(own) !== undefined || nestingAfter(own) !== 0) return undefined;

  // With the end of the text in the window, the parser sees the real end of input.
  const lookout = new Lookout(size);
  const seen = to < text.length ? [...tokens.slice(0, size + LOOKAHEAD), ...tripwires(lookout)] : tokens;
  const run = runParser(window, seen, lookout);
  const boundary = lookout.boundary;
  if (run === undefined || lookout.strayed || boundary === undefined) return undefined;
  // At `from` the whole file has its package and imports behind it; here they would be the window's.
  if (boundary.package !== undefined || boundary.imports > 0) return undefined;

  const declarations = boundary.declarations;
  const comments = commentsOf(lexed.comments.filter((c) => c.startOffset < to));
  const found = finish(window, [...lexed.diagnostics, ...run.diagnostics]);
  return { declarations, comments, diagnostics: found.map((d) => ({ ...d, file: source })) };
}

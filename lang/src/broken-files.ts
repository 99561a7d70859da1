/**
 * What of a file with syntax errors is still checked, and which names it may hide.
 *
 * A declaration of a broken file is kept when no syntax error lies inside it (from its
 * first character to its last, inclusive): it parsed as written, so it is checked like any
 * other. Everything else of the file — the declarations an error falls in, and the text the
 * parser skipped — is lost, and a name written there may be one that other declarations
 * use. A diagnostic that says a name is missing (or that nothing provides something a lost
 * declaration could have provided) is therefore dropped when its name is a word of lost
 * text: a false "unknown name" is worse than a missing one while the file does not parse.
 *
 * A file whose `package` line may be lost or ignored loses every declaration: they could be
 * checked in the wrong module. That is an error before its first declaration with either a
 * `package` line that did not parse or, with no `package` line, a word before the first
 * declaration one edit from `package` or containing it; or a `package` line after a
 * declaration (PB1008). Must not parse; works on parse results only.
 */
import type { ParseResult } from "./1-parse/parse.js";
import { KEYWORDS } from "./1-parse/tokens.js";
import { editDistance } from "./2-resolve/suggest.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";

export interface Salvaged {
  /** Every file: clean ones as they are, broken ones with only their intact declarations. */
  readonly files: readonly ParseResult[];
  /** The words (names, possibly) of every broken file's lost text. */
  readonly lostWords: ReadonlySet<string>;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/g;
/** `package` or `import` after a declaration (PB1008). */
const MISPLACED = "PB1008";

export function salvage(parsed: readonly ParseResult[]): Salvaged {
  const lostWords = new Set<string>();
  const files = parsed.map((file): ParseResult => {
    const errors = file.diagnostics.filter((d) => d.severity === "error").map((d) => d.span.start);
    if (errors.length === 0) return file;
    const { ast, source } = file;
    const firstDeclaration = ast.declarations[0]?.span.start ?? source.text.length;
    const headerEnd = Math.max(ast.package?.span.end ?? 0, ...ast.imports.map((i) => i.span.end));
    const misplacedPackage = file.diagnostics.some((d) => d.code === MISPLACED && source.text.startsWith("package", d.span.start));
    const headerLost =
      misplacedPackage || (errors.some((at) => at < firstDeclaration) && (ast.package === undefined ? wordsBefore(file, firstDeclaration).some(mayBePackage) : errors.some((at) => at <= headerEnd)));
    const kept = headerLost ? [] : ast.declarations.filter((d) => !errors.some((at) => at >= d.span.start && at <= d.span.end));
    let from = headerLost ? 0 : headerEnd;
    for (const d of kept) {
      addWords(lostWords, source.text.slice(from, d.span.start));
      from = d.span.end;
    }
    addWords(lostWords, source.text.slice(from));
    return { ...file, ast: { ...ast, declarations: kept, ...(headerLost ? { package: undefined, imports: [] } : {}) } };
  });
  return { files, lostWords };
}

/** The words before the file's first declaration, after its leading comments. */
function wordsBefore({ source, ast }: ParseResult, end: number): string[] {
  let at = 0;
  for (const c of ast.comments) {
    if (c.span.start >= end || source.text.slice(at, c.span.start).trim() !== "") break;
    at = c.span.end;
  }
  return source.text.slice(at, Math.max(at, end)).match(WORD) ?? [];
}

/** A word one edit from `package`, or with it inside (`permitpackage`: a space lost). */
const mayBePackage = (word: string): boolean => word.includes("package") || editDistance(word, "package") <= 1;

function addWords(into: Set<string>, text: string): void {
  for (const word of text.match(WORD) ?? []) if (!KEYWORDS.has(word)) into.add(word);
}

/**
 * Codes that report a missing name, or a missing provider of something (a plan granting a
 * feature, a policy permitting an action, a workflow context field), at the name concerned.
 */
const MISSING = new Set([
  "PB2002", // unknownName
  "PB2005", // unknownImportMember
  "PB2006", // notImported
  "PB2007", // wrongKind
  "PB3001", // unknownType
  "PB3010", // celUndeclared
  "PB3011", // celUnknownValue
  "PB4001", // featureNotGranted
  "PB4020", // deadState
  "PB4022", // piiNeedsPermit
  "PB4102", // testContextUnknownField
  "PB4140", // windowUnknownAction
]);

/**
 * Whether `d` may be only the echo of a lost declaration: a missing-name code at a name
 * that lost text contains, as a word or inside one (`actionclose {`: a space lost).
 */
export function mayBeLost(d: Diagnostic, lostWords: ReadonlySet<string>): boolean {
  if (!MISSING.has(d.code) || lostWords.size === 0) return false;
  const written = d.file.text.slice(d.span.start, d.span.end).match(WORD) ?? [];
  return written.some((word) => !KEYWORDS.has(word) && (lostWords.has(word) || (word.length >= 3 && [...lostWords].some((lost) => lost.includes(word)))));
}

/**
 * The diagnostics catalogue: every code the language can report, as data.
 *
 * Codes are stable; once published a code keeps its meaning forever. Each entry is
 * documented in `spec/diagnostics.md` under a `## PBxxxx` heading with a failing example and
 * its fix; a test keeps the two in step. Messages follow the style guide in that file:
 * lowercase, no final period, user input in backticks, detail in `help`.
 *
 * Ranges: PB0xxx lexical, PB1xxx syntax, PB2xxx names and modules, PB3xxx types,
 * PB4xxx rules, PB9xxx tool and project level.
 */

export type Severity = "error" | "warning" | "info";

export interface CatalogEntry {
  readonly code: string;
  readonly severity: Severity;
  /** A one-line summary, as in the spec's heading. */
  readonly title: string;
}

const entry = (code: string, severity: Severity, title: string): CatalogEntry => ({ code, severity, title });

export const CATALOG = {
  unexpectedCharacter: entry("PB0001", "error", "unexpected character"),
  unterminatedString: entry("PB0002", "error", "unterminated string"),
  unterminatedComment: entry("PB0003", "error", "unterminated block comment"),
  notUtf8: entry("PB0004", "error", "file is not UTF-8 text"),
  invalidEscape: entry("PB0005", "error", "invalid escape sequence in a string"),
  expectedToken: entry("PB1001", "error", "expected a specific token"),
  unexpectedToken: entry("PB1002", "error", "unexpected token"),
  expectedOneOrMore: entry("PB1003", "error", "expected at least one item"),
  expectedDeclaration: entry("PB1004", "error", "expected a declaration"),
  nestingTooDeep: entry("PB1005", "error", "brackets nested too deeply"),
  expressionTooDeep: entry("PB1006", "error", "expression nested too deeply"),
  reservedWord: entry("PB1007", "error", "reserved word used as a name"),
  misplacedPackage: entry("PB1008", "error", "`package` or `import` after a declaration"),
  tooManyErrors: entry("PB1009", "info", "further errors in this file not shown"),
  unreadableFile: entry("PB9001", "error", "file cannot be read"),
  noSourceFiles: entry("PB9002", "error", "no `.paybill` files found"),
  formatterFailed: entry("PB9003", "error", "the formatter could not keep a file's meaning"),
} as const satisfies Record<string, CatalogEntry>;

export type DiagnosticKind = keyof typeof CATALOG;

export const ALL_CODES: readonly CatalogEntry[] = Object.values(CATALOG);

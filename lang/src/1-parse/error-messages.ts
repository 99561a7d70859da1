/**
 * Turns Chevrotain's recognition errors into Paybill's messages.
 *
 * Chevrotain asks a provider for a message string; we encode the catalogue kind and an
 * optional help line into that string (`kind \0 message \0 help`) and `syntax-errors.ts`
 * decodes it into a diagnostic. Messages name tokens by their labels (`}`, `a name`).
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "./chevrotain.js";
import type { DiagnosticKind } from "../diagnostics/catalog.js";
import { quoteText } from "./lexer.js";
import { Identifier, RESERVED_WORDS } from "./tokens.js";

const SEP = "\u0000";

const DECLARATIONS_HELP =
  "a file holds `provider`, `isolation`, `cloud`, `plan`, `tenant`, `entity`, `agent`, `action`, `policy`, `workflow` and `test` declarations";

export function encode(kind: DiagnosticKind, message: string, help = ""): string {
  return `${kind}${SEP}${message}${SEP}${help}`;
}

export function decode(text: string): { kind: DiagnosticKind; message: string; help: string | undefined } {
  const [kind, message, help] = text.split(SEP);
  return { kind: kind as DiagnosticKind, message: message ?? text, help: help === undefined || help === "" ? undefined : help };
}

const reserved = new Set<TokenType>(RESERVED_WORDS);

export function labelOf(type: TokenType): string {
  if (type === EOF) return "end of file";
  return type.LABEL ?? type.name;
}

/** How a found token is named in a message: its text in backticks, or what it is. */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return "end of file";
  return quoteText(token.image, 24);
}

/** `a`, `a or b`, `a, b or c` — at most six, then "…". */
function alternatives(labels: string[]): string {
  const unique = [...new Set(labels)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const shown = unique.length > 6 ? [...unique.slice(0, 6), "…"] : unique;
  if (shown.length <= 1) return shown[0] ?? "something else";
  return `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

// Put punctuation first, then descriptive labels, so `}` shows before `a name`.
const rank = (label: string): number => (label.startsWith("`") ? 0 : 1);

function reservedMisuse(actual: IToken, expected: TokenType[]): string | undefined {
  if (!reserved.has(actual.tokenType)) return undefined;
  if (!expected.includes(Identifier)) return undefined;
  return encode(
    "reservedWord",
    `\`${actual.image}\` is a reserved word and cannot be used as a name`,
    `choose another name, such as \`${actual.image}_\``,
  );
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    if (expected === EOF) {
      return encode(
        "expectedDeclaration",
        `expected a declaration, found ${describeToken(actual)}`,
        DECLARATIONS_HELP,
      );
    }
    const misuse = reservedMisuse(actual, [expected]);
    if (misuse !== undefined) return misuse;
    const help = CLOSERS.get(expected)
      ? `every \`${CLOSERS.get(expected)}\` needs a matching ${labelOf(expected)}`
      : `${ruleName === "file" ? "" : `while reading ${describeRule(ruleName)}: `}insert ${labelOf(expected)} here`;
    return encode("expectedToken", `expected ${labelOf(expected)}, found ${describeToken(actual)}`, help);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return encode(
      "expectedDeclaration",
      `expected a declaration, found ${describeToken(firstRedundant)}`,
      DECLARATIONS_HELP,
    );
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0];
    const expected = expectedPathsPerAlt.flatMap((paths) => paths.map((path) => path[0])).filter((t): t is TokenType => t !== undefined);
    if (first !== undefined) {
      const misuse = reservedMisuse(first, expected);
      if (misuse !== undefined) return misuse;
    }
    const what = RULE_WORDS[ruleName] ?? (ruleName.startsWith("cel") ? RULE_WORDS.celExpr : undefined);
    return encode(
      "unexpectedToken",
      `expected ${what ?? alternatives(expected.map(labelOf))}, found ${first === undefined ? "end of file" : describeToken(first)}`,
      RULE_HELP[ruleName] ?? (what === undefined ? `this is where ${describeRule(ruleName)} should be` : `expected one of ${alternatives(expected.map(labelOf))}`),
    );
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const first = actual[0];
    const expected = expectedIterationPaths.map((path) => path[0]).filter((t): t is TokenType => t !== undefined);
    return encode(
      "expectedOneOrMore",
      `expected ${alternatives(expected.map(labelOf))}, found ${first === undefined ? "end of file" : describeToken(first)}`,
      `${describeRule(ruleName)} needs at least one item`,
    );
  },
};

/** Help for places where listing the expected tokens would say less than a sentence. */
const RULE_HELP: Record<string, string> = {
  value:
    "a value is a string (`\"eu-west-1\"`), a number (`3`, `99 usd per month`), a duration (`10m`), a name, `true`, `false` or a list (`[a, b]`)",
  celPrimary: "an expression is a name, a literal or an operation, such as `input.amount > 100.0`",
  celExpr: "an expression is a name, a literal or an operation, such as `input.amount > 100.0`",
  name: "a name is letters, digits and `_`, starting with a letter or `_`",
  declaration: DECLARATIONS_HELP,
};

const CLOSERS = new Map<TokenType, string>();
export function registerClosers(pairs: [TokenType, string][]): void {
  for (const [type, opener] of pairs) CLOSERS.set(type, opener);
}

/** Rule names are camelCase grammar names; users read them as plain words. */
const RULE_WORDS: Record<string, string> = {
  celExpr: "an expression",
  declaration: "a declaration",
  name: "a name",
  quantity: "a number",
  value: "a value",
  typeRef: "a type",
  rule: "a `permit` or `forbid` rule",
  actionSelector: "an action",
  principalSelector: "an agent, `role r` or `any agent`",
  testStatement: "a test step (`as`, `tenant`, `given`, `do` or `expect`)",
  stateEntry: "a state entry (`allow`, `next`, `await`, `final` or `key = value`)",
  workflowEntry: "a workflow entry (`start`, `state`, `key = value` or a block)",
  actionEntry: "an action entry (`input`, `effect`, `requires` or `key = value`)",
  entry: "an entry (`key = value` or `name { … }`)",
};

export function describeRule(ruleName: string): string {
  const known = RULE_WORDS[ruleName];
  if (known !== undefined) return known;
  if (ruleName.startsWith("cel")) return "an expression";
  const words = ruleName.replace(/Decl$/, "").replace(/([A-Z])/g, " $1").toLowerCase().trim();
  return `${/^[aeiou]/.test(words) ? "an" : "a"} ${words}`;
}

/**
 * The hand-written lexer against its specification: a Chevrotain `Lexer` built from the
 * token definitions in `tokens.ts` (what `lex` used to run). Both must give the same
 * tokens (type, offset, text), the same comments and the same lexical diagnostics on any
 * text, including text made of the pieces where the rules compete (numbers and durations,
 * prefixed strings and names, comments and `/`, unterminated literals, stray characters).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type IToken, Lexer } from "../src/1-parse/chevrotain.js";
import { LEXER_OPTIONS, lex } from "../src/1-parse/lexer.js";
import { Identifier, KEYWORDS, LEXED_TOKENS, StringLiteral, UnterminatedComment, UnterminatedString } from "../src/1-parse/tokens.js";
import { SourceFile } from "../src/source/source-file.js";

const scale = Number(process.env.FUZZ_SCALE ?? "1");
const runs = (n: number): number => Math.max(1, Math.round(n * scale));

const reference = new Lexer(LEXED_TOKENS, { ...LEXER_OPTIONS, skipValidations: true });

type Seen = { tokens: string[]; comments: string[]; problems: string[] };

const show = (type: string, token: IToken): string => `${type}@${token.startOffset}:${JSON.stringify(token.image)}`;

/** What the Chevrotain lexer says, in the terms `lex` reports it. */
function expected(text: string): Seen {
  const result = reference.tokenize(text);
  const problems = result.errors.map((e) => `PB0001@${e.offset}-${e.offset + e.length}`);
  const tokens: string[] = [];
  for (const token of result.tokens) {
    const end = token.startOffset + token.image.length;
    if (token.tokenType === UnterminatedString) {
      problems.push(`PB0002@${token.startOffset}-${end}`);
      tokens.push(show(StringLiteral.name, token));
    } else if (token.tokenType === UnterminatedComment) {
      problems.push(`PB0003@${token.startOffset}-${token.startOffset + 2}`);
    } else if (token.tokenType === Identifier) {
      tokens.push(show((KEYWORDS.get(token.image) ?? Identifier).name, token));
    } else {
      tokens.push(show(token.tokenType.name, token));
    }
  }
  const comments = (result.groups.comments ?? []).map((t) => show(t.tokenType.name, t));
  return { tokens, comments, problems };
}

function actual(text: string): Seen {
  const result = lex(new SourceFile("a.paybill", text));
  return {
    tokens: result.tokens.map((t) => show(t.tokenType.name, t)),
    comments: result.comments.map((t) => show(t.tokenType.name, t)),
    problems: result.diagnostics.map((d) => `${d.code}@${d.span.start}-${d.span.end}`),
  };
}

const PIECES = [
  " ", "  ", "\n", "\r\n", "\t", "\f", "\v", "\uFEFF", "a", "Z", "_x", "r", "R", "b", "B", "rb", "br", "rr", "e", "E", "u", "U", "x", "X",
  "ms", "s", "m", "h", "d", "w", "day", "0", "1", "42", "007", "0x", "0X1f", "ff", ".", ".5", "1.", "1.5", "e3", "e+", "e-2",
  '"', "'", '"""', "'''", '"abc"', "'x'", '\\"', "\\", "\\n", "/", "//", "/*", "*/", "*", "//x\n", "{", "}", "(", ")", "[", "]",
  ",", ":", "@", "?", "|", "||", "&", "&&", "=", "==", "!", "!=", "<", "<=", ">", ">=", "+", "-", "%", "#", "$", "~", "`", "^",
  "é", "😀", "\u0000", "permit", "in", "true", "package", "state", "null",
];

describe("hand-written lexer", () => {
  it("agrees with a Chevrotain lexer over the same token definitions, on pieces where rules compete", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(actual(text)).toEqual(expected(text));
      }),
      { numRuns: runs(3000) },
    );
  });

  it("agrees with it on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (text) => {
        expect(actual(text)).toEqual(expected(text));
      }),
      { numRuns: runs(300) },
    );
  });

  it("agrees with it on every sample", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const root = new URL("./samples/", import.meta.url);
    const files: string[] = [];
    const walk = (dir: URL): void => {
      for (const name of readdirSync(dir)) {
        const child = new URL(name, dir);
        if (statSync(child).isDirectory()) walk(new URL(`${name}/`, dir));
        else if (name.endsWith(".paybill")) files.push(readFileSync(child, "utf8"));
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(20);
    for (const text of files) expect(actual(text)).toEqual(expected(text));
  });

  it("reads words as names or keywords, and numbers by their shape", () => {
    expect(actual("permit x1 10ms 10msx 1.5e3 0x1Fu 7u .5 1e")).toEqual({
      tokens: [
        'Kw_permit@0:"permit"',
        'Identifier@7:"x1"',
        'Duration@10:"10ms"',
        'IntLiteral@15:"10"',
        'Identifier@17:"msx"',
        'DoubleLiteral@21:"1.5e3"',
        'UintLiteral@27:"0x1Fu"',
        'UintLiteral@33:"7u"',
        'DoubleLiteral@36:".5"',
        'IntLiteral@39:"1"',
        'Identifier@40:"e"',
      ],
      comments: [],
      problems: [],
    });
  });
});

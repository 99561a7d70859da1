/**
 * The grammar passes Chevrotain's own checks (ambiguity, left recursion, duplicate
 * occurrence indices). `parse` skips them for a fast start, so this test is where a
 * grammar mistake shows up.
 */
import { describe, expect, it } from "vitest";
import { Lexer } from "../src/1-parse/chevrotain.js";
import { LEXER_OPTIONS } from "../src/1-parse/lexer.js";
import { PaybillParser } from "../src/1-parse/paybill-parser.js";
import { KEYWORDS, LEXED_TOKENS } from "../src/1-parse/tokens.js";

describe("grammar", () => {
  it("passes Chevrotain's self-analysis with validations on", () => {
    expect(() => new PaybillParser(true)).not.toThrow();
  });

  it("the token definitions pass the lexer's validations", () => {
    expect(() => new Lexer(LEXED_TOKENS, { ...LEXER_OPTIONS, skipValidations: false })).not.toThrow();
  });

  it("every keyword has a distinct token type", () => {
    const types = new Set(KEYWORDS.values());
    expect(types.size).toBe(KEYWORDS.size);
    expect(KEYWORDS.get("permit")?.name).toBe("Kw_permit");
    expect(KEYWORDS.get("import")?.name).toBe("Reserved_import");
  });
});

// A misspelt keyword is reported as one, with the keyword meant, and not again as the errors it causes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, SourceFile } from "../src/index.js";
import { meantKeywords } from "../src/1-parse/misspelt-keywords.js";

const codes = (text: string) => parse(new SourceFile("x.paybill", text)).diagnostics.map((d) => [d.code, d.message, d.help]);

describe("misspelt keywords (PB1010)", () => {
  it("reports each slip once, with what it may have meant, and nothing the slip caused", () => {
    const text = 'import std.isolation.{pooled}\nplna free {\n  price = 0\n  isolation = pooled\n}\nagent bot {}\naction go {}\npolicy p { permt bot to go }\nworkflow w {\n  agent = bot\n  start a\n  stat a { allow go next b }\n  state b { final }\n}\n';
    expect(codes(text)).toEqual([
      ["PB1010", "`plna` is not a keyword, and a keyword belongs here", "did you mean `plan`?"],
      ["PB1010", "`permt` is not a keyword, and a keyword belongs here", "did you mean `permit`?"],
      ["PB1010", "`stat` is not a keyword, and a keyword belongs here", "did you mean `start` or `state`?"],
    ]);
  });

  it("suggests the keyword a dropped, doubled or swapped letter came from", () => {
    const words = ["permit", "forbid", "policy", "workflow", "entity", "action", "tenant", "require", "approval", "untrusted"];
    fc.assert(
      fc.property(fc.constantFrom(...words), fc.nat(), fc.constantFrom("drop", "double", "swap"), (word, at, slip) => {
        const i = at % (word.length - 1);
        const typo = slip === "drop" ? word.slice(0, i) + word.slice(i + 1) : slip === "double" ? word.slice(0, i) + word[i] + word.slice(i) : word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
        if (typo === word) return;
        expect(meantKeywords(typo)).toContain(word);
      }),
      { numRuns: 300 },
    );
    // A keyword, a short word or a far one: nothing meant.
    expect([meantKeywords("permit"), meantKeywords("xy"), meantKeywords("customer")]).toEqual([[], [], []]);
  });
});

describe("an unclosed brace (PB1001)", () => {
  it("is reported at the `{` left open, not at the declaration that follows it", () => {
    const text = "agent bot {}\naction go {\n  input { n: int }\n\npolicy p { permit bot to go }\n";
    const found = parse(new SourceFile("x.paybill", text)).diagnostics;
    expect(found.map((d) => [d.code, d.span.start, d.message, d.help])).toEqual([
      ["PB1001", text.indexOf("go {") + 3, "this `{` is never closed: a `policy` at the start of a later line begins the next declaration inside it", "add `}` before that `policy`"],
    ]);
  });
});

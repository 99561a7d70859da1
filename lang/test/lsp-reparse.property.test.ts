// A law of the language server's re-parse after an edit (`reparse.ts`): whenever it gives
// an answer for a new text, the answer is exactly what parsing the whole new text gives
// (tree and diagnostics), and it does answer for the edit typed most, a character changed
// inside a declaration.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../src/1-parse/parse.js";
import { DocumentStore } from "../src/lsp/documents.js";
import { reparse } from "../src/lsp/reparse.js";
import { SourceFile } from "../src/source/source-file.js";
import { DATA, RULES } from "./support/lsp-fixture.js";

const TEXT = `${DATA}\n${RULES.replace("package shop\n", "")}\nworkflow w {\n}\n`;
const NAME = "shop.paybill";
const CHARS = ["a", "x", "0", "1", " ", "{", "}", "(", ")", ".", ",", "<", "=", "!", "&", "@", '"', "'", "/", "*", "\n", "ü", "_", "-", "permit"];

const replaced = (text: string, at: number, insert: string, remove: number) => text.slice(0, at) + insert + text.slice(at + remove);

describe("reparse", () => {
  it("gives what a full parse gives, whenever it answers", () => {
    const before = parse(new SourceFile(NAME, TEXT));
    expect(before.diagnostics).toEqual([]);
    let answered = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: TEXT.length - 1 }),
        fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 4 }).map((parts) => parts.join("")),
        fc.boolean(),
        (at, insert, sameLength) => {
          const text = replaced(TEXT, at, insert, sameLength ? insert.length : 1);
          const quick = reparse(before, NAME, text);
          if (quick === undefined) return;
          answered++;
          const full = parse(new SourceFile(NAME, text));
          expect(quick.source.text).toBe(text);
          expect(quick.diagnostics).toEqual(full.diagnostics);
          expect(quick.ast).toEqual(full.ast);
        },
      ),
      { numRuns: 1000 },
    );
    // Not vacuous: a good share of the generated edits are ones it answers for.
    expect(answered).toBeGreaterThan(5);
  });

  it("answers for a character changed inside a condition, and again after it", () => {
    const at = TEXT.indexOf("100.0") + 1;
    const once = reparse(parse(new SourceFile(NAME, TEXT)), NAME, replaced(TEXT, at, "1", 1));
    expect(once?.ast).toEqual(parse(new SourceFile(NAME, replaced(TEXT, at, "1", 1))).ast);
    const twice = once === undefined ? undefined : reparse(once, NAME, TEXT);
    expect(twice?.ast).toEqual(parse(new SourceFile(NAME, TEXT)).ast);
  });

  it("declines an edit that changes the length, touches a comment or breaks the syntax", () => {
    const before = parse(new SourceFile(NAME, TEXT));
    const at = TEXT.indexOf("100.0");
    expect(reparse(before, NAME, replaced(TEXT, at, "1000", 3))).toBeUndefined();
    expect(reparse(before, NAME, replaced(TEXT, TEXT.indexOf("customer's"), "x", 1))).toBeUndefined();
    expect(reparse(before, NAME, replaced(TEXT, at, "(", 1))).toBeUndefined();
  });

  it("keeps a document's last clean tree while it has a syntax error, and gives the full parse's tree after the fix", () => {
    const store = new DocumentStore(() => NAME);
    const at = TEXT.indexOf("< 100.0");
    const broken = replaced(TEXT, at, "<", 0);
    const fixed = replaced(TEXT, TEXT.indexOf("100.0") + 1, "1", 1);
    store.set("file:///shop.paybill", TEXT, 1, true);
    const during = store.set("file:///shop.paybill", broken, 2, true);
    expect(during.parsed.diagnostics.length).toBeGreaterThan(0);
    expect(during.lastClean?.source.text).toBe(TEXT);
    const after = store.set("file:///shop.paybill", fixed, 3, true);
    expect(after.lastClean).toBeUndefined();
    expect(after.parsed.diagnostics).toEqual([]);
    expect(after.parsed.ast).toEqual(parse(new SourceFile(NAME, fixed)).ast);
  });
});

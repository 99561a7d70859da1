// Laws of the language server's re-parse after an edit (`reparse.ts`, `1-parse/window.ts`):
// whenever it gives an answer for a new text, the answer is exactly what parsing the whole
// new text gives (tree and diagnostics), for edits of any length, ones that break the
// syntax and ones that fix it; and it does answer for the edits typed most. A base that is
// not consumed stays as it was; one that is (the store's, its nodes moved in place) is let
// go by everyone: the workspace never keeps a tree that no longer matches its text.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ParseResult, parse } from "../src/1-parse/parse.js";
import { typeName } from "../src/3-check/cel/cel-types.js";
import { describeType } from "../src/3-check/field-types.js";
import type { Model } from "../src/3-check/model.js";
import type { Analysis } from "../src/lsp/analysis.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import { checkProject } from "../src/check-project.js";
import { DocumentStore } from "../src/lsp/documents.js";
import { reparse } from "../src/lsp/reparse.js";
import { Workspace } from "../src/lsp/workspace.js";
import { SourceFile } from "../src/source/source-file.js";
import { DATA, RULES } from "./support/lsp-fixture.js";

const TEXT = `${DATA}\n${RULES.replace("package shop\n", "")}\nworkflow w {\n}\n`;
const SAMPLES = ["every-construct", "design-example"].map((name) => readFileSync(new URL(`./samples/parse/${name}/input.paybill`, import.meta.url), "utf8"));
const TEXTS = [TEXT, ...SAMPLES];
const NAME = "shop.paybill";
const CHARS = ["a", "x", "0", "1", " ", "{", "}", "(", ")", ".", ",", "<", "=", "!", "&", "@", '"', "'", "/", "*", "\n", "ü", "_", "-", "permit"];
const FRAGMENTS = [
  ...CHARS,
  "//",
  "/*",
  "*/",
  '"""',
  "resource.",
  "&& input.reason",
  "package p\n",
  "import std.clouds\n",
  "policy p {\n  permit bot to close_order\n}\n",
  "entity X { id uuid @id }\n",
  "agent a { roles = [] }",
  "}\n\n",
];

const replaced = (text: string, at: number, insert: string, remove: number) => text.slice(0, at) + insert + text.slice(at + remove);

/** A diagnostic as a user sees it (its file by name and text, not by object). */
const shape = (d: Diagnostic) => ({ code: d.code, severity: d.severity, message: d.message, help: d.help, span: d.span, file: d.file.name, text: d.file.text });

function expectFullParse(quick: ParseResult, text: string): void {
  const full = parse(new SourceFile(NAME, text));
  expect(quick.source.text).toBe(text);
  expect(quick.diagnostics.map(shape)).toEqual(full.diagnostics.map(shape));
  expect(quick.ast).toEqual(full.ast);
}

interface Edit {
  readonly at: number;
  readonly remove: number;
  readonly insert: string;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  remove: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 80 })),
  insert: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 4 }).map((parts) => parts.join("")),
});

const apply = (text: string, e: Edit) => {
  const at = e.at % (text.length + 1);
  return replaced(text, at, e.insert, Math.min(e.remove, text.length - at));
};

/** Every field's type and every CEL sub-expression's type (a record's with its fields and their docs), in a stable order. */
function typesOf(model: Model): string[] {
  const shown: string[] = [];
  for (const fields of [...model.entityFields.values(), ...model.inputFields.values()]) {
    for (const f of fields) shown.push(`${f.node.span.start} ${f.name}: ${describeType(f.type)}${f.optional ? "?" : ""}${f.pii ? " pii" : ""}`);
  }
  for (const types of model.celTypes.values()) {
    for (const [expr, type] of types) {
      const fields = type.kind === "message" ? [...type.fields].map(([name, field]) => `${name}=${typeName(field.type)} ${field.doc ?? ""}`).join(", ") : "";
      shown.push(`${expr.span.start}-${expr.span.end} ${typeName(type)} ${fields}`);
    }
  }
  return shown.sort();
}

describe("reparse", () => {
  it("gives what a full parse gives, whenever it answers, for an edit of any length", () => {
    const bases = TEXTS.map((text) => parse(new SourceFile(NAME, text)));
    for (const base of bases) expect(base.diagnostics).toEqual([]);
    let answered = 0;
    let broken = 0;
    fc.assert(
      fc.property(fc.nat({ max: TEXTS.length - 1 }), edit, (which, e) => {
        const before = bases[which] as ParseResult;
        const text = apply(before.source.text, e);
        const quick = reparse(before, NAME, text);
        if (quick === undefined) return;
        answered++;
        if (quick.diagnostics.length > 0) broken++;
        expectFullParse(quick, text);
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: a good share of the generated edits are ones it answers for, syntax errors among them.
    expect(answered).toBeGreaterThan(150);
    expect(broken).toBeGreaterThan(30);
  });

  it("keeps giving a full parse's tree and diagnostics along a sequence of edits, into syntax errors and out", () => {
    let run = 0;
    fc.assert(
      fc.property(fc.nat({ max: TEXTS.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 12 }), (which, edits) => {
        const store = new DocumentStore(() => NAME);
        const uri = `file:///r${run++}.paybill`;
        let text = TEXTS[which] as string;
        store.set(uri, text, 1, true);
        for (const [i, e] of edits.entries()) {
          text = apply(text, e);
          expectFullParse(store.set(uri, text, i + 2, true).parsed, text);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("moves a consumed base's later declarations in place into a full parse's tree, and leaves a base it does not consume as it was", () => {
    let moved = 0;
    fc.assert(
      fc.property(fc.nat({ max: TEXTS.length - 1 }), edit, (which, e) => {
        const original = TEXTS[which] as string;
        const text = apply(original, e);
        const kept = parse(new SourceFile(NAME, original));
        const copied = reparse(kept, NAME, text);
        expect(kept.ast).toEqual(parse(new SourceFile(NAME, original)).ast);
        const consumed = reparse(parse(new SourceFile(NAME, original)), NAME, text, { consume: true });
        expect(consumed === undefined).toBe(copied === undefined);
        if (consumed === undefined) return;
        if (consumed.diagnostics.length === 0 && text.length !== original.length) moved++;
        expectFullParse(consumed, text);
      }),
      { numRuns: 800 },
    );
    // Not vacuous: clean texts of a new length, the ones whose nodes are moved in place.
    expect(moved).toBeGreaterThan(20);
  });

  it("keeps no tree in the workspace that differs from its text's, whatever the edits and whenever it checks", () => {
    const NAMES = ["data.paybill", "rules.paybill"] as const;
    const uri = (name: string) => `file:///project/${name}`;
    /** Every project tree an analysis holds is what parsing its own text gives. */
    const expectTreesOfTheirTexts = (analysis: Analysis | undefined) => {
      for (const unit of analysis?.units.values() ?? []) if (!unit.std) expect(unit.ast).toEqual(parse(unit.source).ast);
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 1 }), edit, fc.boolean()), { minLength: 1, maxLength: 10 }), (steps) => {
        const ws = new Workspace("/project");
        const texts = [DATA, RULES];
        for (const [i, name] of NAMES.entries()) ws.update(uri(name), texts[i] as string, 1, true);
        ws.checked();
        for (const [v, [file, e, ask]] of steps.entries()) {
          texts[file] = apply(texts[file] as string, e);
          ws.update(uri(NAMES[file] as string), texts[file] as string, v + 2, true);
          if (ask) expectTreesOfTheirTexts(ws.checked());
          expectTreesOfTheirTexts(ws.lastClean());
        }
        const expected = checkProject(NAMES.map((name, i) => new SourceFile(name, texts[i] as string)));
        expect(ws.diagnostics().map(shape)).toEqual(expected.diagnostics.map(shape));
        expectTreesOfTheirTexts(ws.checked());
        // The model of trees moved in place has the types a first check of fresh trees gives.
        const model = ws.checked().model;
        if (expected.model !== undefined && model !== undefined) expect(typesOf(model)).toEqual(typesOf(expected.model));
      }),
      { numRuns: 150 },
    );
  });

  it("answers for a character changed inside a condition, and again after it", () => {
    const at = TEXT.indexOf("100.0") + 1;
    const once = reparse(parse(new SourceFile(NAME, TEXT)), NAME, replaced(TEXT, at, "1", 1));
    expect(once?.ast).toEqual(parse(new SourceFile(NAME, replaced(TEXT, at, "1", 1))).ast);
    const twice = once === undefined ? undefined : reparse(once, NAME, TEXT);
    expect(twice?.ast).toEqual(parse(new SourceFile(NAME, TEXT)).ast);
  });

  it("answers for edits that change the length, touch a comment, break the syntax or add a declaration", () => {
    const before = parse(new SourceFile(NAME, TEXT));
    const at = TEXT.indexOf("100.0");
    const edits = [
      replaced(TEXT, at, "1000", 3), // longer
      replaced(TEXT, at, "", 3), // `< .0`: shorter, and a syntax error
      replaced(TEXT, at - 2, "<", 0), // `<< 100.0`: a syntax error
      replaced(TEXT, at, '"', 0), // a string left open, to the end of its line
      replaced(TEXT, TEXT.indexOf("policy bot_closes"), "// Who may close.\n", 0), // a comment between declarations
      replaced(TEXT, TEXT.indexOf("action close_order"), "agent helper { roles = [] }\n\n", 0), // a new declaration
      replaced(TEXT, TEXT.indexOf("status enum"), "// ", 0), // a field commented out
      replaced(TEXT, TEXT.indexOf("policy bot_closes"), "pol\n", 0), // a new declaration's first letters, between two
    ];
    for (const text of edits) {
      const quick = reparse(before, NAME, text);
      expect(quick, text).toBeDefined();
      if (quick !== undefined) expectFullParse(quick, text);
    }
    for (const broken of [edits[2], edits[edits.length - 1]]) expect(reparse(before, NAME, broken as string)?.diagnostics.length).toBeGreaterThan(0);
  });

  it("declines what could change how the rest of the file parses", () => {
    const before = parse(new SourceFile(NAME, TEXT));
    const at = TEXT.indexOf("100.0");
    expect(reparse(before, NAME, replaced(TEXT, at, "(", 0))).toBeUndefined(); // a bracket left open
    expect(reparse(before, NAME, replaced(TEXT, at, "/* ", 0))).toBeUndefined(); // a comment left open
    expect(reparse(before, NAME, replaced(TEXT, TEXT.indexOf("shop"), "x", 0))).toBeUndefined(); // the package line
    expect(reparse(before, NAME, replaced(TEXT, TEXT.indexOf("customer's"), "x", 1))).toBeUndefined(); // a comment above every declaration
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

/**
 * Keeps `spec/diagnostics.md` and the diagnostics catalogue in step.
 *
 * Every catalogued code has exactly one `## <code> <title>` section with the catalogue's
 * title, and no section names a code the catalogue lacks. In a section, a ```paybill fence
 * directly followed by a ```text fence is the failing example and its documented output (the
 * diagnostics with the section's code, rendered as below); every later ```paybill fence is a
 * fix and must yield no diagnostic at all.
 *
 * Lexical and syntax codes (PB0xxx, PB1xxx) are checked with `parse`. Name, type and rule
 * codes (PB2xxx–PB4xxx) need a whole project: their examples and fixes are checked with
 * `checkProject` and the standard library, as `paybillc check` checks a one-file project, and
 * such an example must produce no diagnostic with another code (warnings included), so the
 * documented output is everything the example reports.
 *
 * `UPDATE_SNAPSHOTS=1` rewrites the documented outputs from the parser and the checker, for a
 * deliberate change of wording.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ALL_CODES, checkProject, type Diagnostic, parse, SourceFile } from "@paybill/lang";
import { afterAll, describe, expect, it } from "vitest";
import { UPDATE_SNAPSHOTS } from "./support/golden.js";

const docUrl = new URL("../../spec/diagnostics.md", import.meta.url);
const doc = readFileSync(docUrl, "utf8");
const update = UPDATE_SNAPSHOTS;

/**
 * Codes whose section has no `.paybill` example, each with the reason. Neither `parse` nor
 * `checkProject` on one file can produce them, so there is nothing to check beyond the heading.
 */
const NO_EXAMPLE: Record<string, string> = {
  PB0004: "the CLI rejects a file that is not UTF-8 before parsing; parse() is given decoded text",
  PB9001: "the CLI reports a file it cannot read; there is no text to parse",
  PB9002: "the CLI reports a project path with no .paybill files; there is no text to parse",
  PB9003: "format() reports its own bug (output that re-parses differently); any example would be a bug to fix",
  PB9004: "`paybillc build` compares with the committed placements record or the previous build; a single text has neither (compiler/test/terraform-build.test.ts, build-ci.test.ts have the cases)",
  PB9005: "`paybillc build --sign` reports a key file it cannot use; there is no text to parse (compiler/test/build-sign.test.ts)",
  PB9006: "`paybillc build --release` reports a bad number; there is no text to parse (compiler/test/build-sign.test.ts)",
  PB9007: "`paybillc build --check` compares files on disk; a single text has none (compiler/test/build-ci.test.ts)",
  PB9008: "`paybillc build` reports a placements record it cannot read; there is no text to parse (compiler/test/build-ci.test.ts)",
  PB9009: "`paybillc keygen` refuses to overwrite a key file; there is no text to parse (compiler/test/build-sign.test.ts)",
  PB9011: "`paybillc init` refuses a directory that holds one of its files; there is no text to parse (compiler/test/init.test.ts)",
  PB9012: "`paybillc explain --agent` names an agent the compiled project lacks; there is no text to parse (compiler/test/explain-agent.test.ts)",
  PB9013: "`paybillc explain --state` names a state the agent's workflows lack; there is no text to parse (compiler/test/explain-agent.test.ts)",
  PB9014: "`paybillc explain` options that do not go together; there is no text to parse (compiler/test/explain-agent.test.ts)",
  PB9015: "`paybillc replay` reads an audit export, not a .paybill file (compiler/test/replay-cli.test.ts)",
  PB9016: "`paybillc replay` reads bundles, not a .paybill file (compiler/test/replay-cli.test.ts)",
  PB9017: "`paybillc replay` needs a tenant's plan the export does not record; there is no text to parse (compiler/test/replay-cli.test.ts)",
  PB9018: "every command takes the project once, as an argument or with --project; there is no text to parse (compiler/test/project-locate.test.ts)",
  PB9010: "the compiler derives cloud resource names from the runtime's derivation, which the language checker does not load; `paybillc check` reports it (compiler/test/terraform-names-check.test.ts has the cases)",
  PB1003: "only a one-or-more repetition reports it, and the grammar has none today",
  PB2004: "an import cycle needs two modules, so two files; an example is one file (lang/test/samples/check/import-cycle has the two)",
};

interface Fence {
  readonly lang: string;
  readonly text: string;
  /** Offsets of `text` in the document. */
  readonly start: number;
  readonly end: number;
  /** Offset just after the closing fence. */
  readonly close: number;
}

interface Section {
  readonly code: string;
  readonly title: string;
  readonly fences: readonly Fence[];
}

function sections(markdown: string): Section[] {
  const headings = [...markdown.matchAll(/^## (.*)$/gm)];
  return headings.flatMap((heading, i) => {
    const [code = "", ...title] = (heading[1] ?? "").split(" ");
    if (!/^PB/i.test(code)) return []; // a prose section
    const from = (heading.index ?? 0) + heading[0].length;
    const to = headings[i + 1]?.index ?? markdown.length;
    const fences: Fence[] = [];
    for (const m of markdown.slice(from, to).matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
      const start = from + (m.index ?? 0) + 4 + (m[1] ?? "").length;
      const text = m[2] ?? "";
      fences.push({ lang: m[1] ?? "", text, start, end: start + text.length, close: from + (m.index ?? 0) + m[0].length });
    }
    return [{ code, title: title.join(" "), fences }];
  });
}

/** The example: a paybill fence with an output fence right after it (blank lines between). */
function example(section: Section): { input: Fence; output: Fence } | undefined {
  const [input, output] = section.fences;
  if (input?.lang !== "paybill" || output?.lang !== "text") return undefined;
  if (doc.slice(input.close, output.start - "```text\n".length).trim() !== "") return undefined;
  return { input, output };
}

function render(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const at = d.file.position(d.span.start);
      const help = d.help === undefined ? "" : `\n  help: ${d.help}`;
      return `${d.file.name}:${at.line}:${at.column}: ${d.severity} ${d.code}: ${d.message}${help}\n`;
    })
    .join("");
}

/** Names, types and rules: codes the checker reports, for which an example is a whole project. */
const semantic = (code: string): boolean => /^PB[234]\d{3}$/.test(code);

/** What the example or fix of `code`'s section reports: parsed alone, or checked as a project. */
function diagnose(code: string, text: string): readonly Diagnostic[] {
  const source = new SourceFile("example.paybill", text);
  return semantic(code) ? checkProject([source]).diagnostics : parse(source).diagnostics;
}

const all = sections(doc);
const rewrites: { start: number; end: number; text: string }[] = [];

afterAll(() => {
  if (!update || rewrites.length === 0) return;
  let text = doc;
  for (const r of [...rewrites].sort((a, b) => b.start - a.start)) text = text.slice(0, r.start) + r.text + text.slice(r.end);
  writeFileSync(docUrl, text);
});

describe("diagnostics catalogue", () => {
  it("has unique codes and titles", () => {
    const codes = ALL_CODES.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    const titles = ALL_CODES.map((e) => e.title);
    expect(new Set(titles).size).toBe(titles.length);
    for (const code of codes) expect(code).toMatch(/^PB\d{4}$/);
  });

  it("has exactly one section per code, headed by its title", () => {
    for (const entry of ALL_CODES) {
      const found = all.filter((s) => s.code === entry.code);
      expect(found.map((s) => `${s.code} ${s.title}`), entry.code).toEqual([`${entry.code} ${entry.title}`]);
    }
  });

  it("documents no unknown code", () => {
    const known = new Set(ALL_CODES.map((e) => e.code));
    expect(all.map((s) => s.code).filter((code) => !known.has(code))).toEqual([]);
  });

  it("lists only catalogued codes as having no example, and those have none", () => {
    const known = new Set(ALL_CODES.map((e) => e.code));
    for (const code of Object.keys(NO_EXAMPLE)) {
      expect(known.has(code), code).toBe(true);
      const section = all.find((s) => s.code === code);
      expect(section?.fences.filter((f) => f.lang === "paybill") ?? [], code).toEqual([]);
    }
  });
});

describe("diagnostics examples", () => {
  for (const section of all) {
    if (NO_EXAMPLE[section.code] !== undefined) continue;
    it(`${section.code} example produces it`, () => {
      const found = example(section);
      expect(found, `${section.code} needs a paybill example followed by a text output fence`).toBeDefined();
      if (found === undefined) return;
      const reported = diagnose(section.code, found.input.text);
      const produced = reported.filter((d) => d.code === section.code);
      expect(produced.length, `${section.code} example`).toBeGreaterThan(0);
      if (semantic(section.code)) {
        expect(render(reported.filter((d) => d.code !== section.code)), `${section.code} example reports only ${section.code}`).toBe("");
      }
      const actual = render(produced);
      if (update) {
        if (actual !== found.output.text) rewrites.push({ start: found.output.start, end: found.output.end, text: actual });
        return;
      }
      expect(actual).toBe(found.output.text);
    });

    const fixes = section.fences.filter((f) => f.lang === "paybill").slice(1);
    fixes.forEach((fix, i) => {
      it(`${section.code} fix ${i + 1} is clean`, () => {
        expect(render(diagnose(section.code, fix.text))).toBe("");
      });
    });
  }
});

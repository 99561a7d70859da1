/**
 * Code frames and JSON records for diagnostics: exact expected text for each layout rule.
 */
import { type Diagnostic, diagnostic, diagnosticToJson, MAX_SOURCE_WIDTH, parse, renderDiagnostic, SourceFile } from "@paybill/lang";
import { describe, expect, it } from "vitest";

const plain = { color: false };

/** A diagnostic on the first occurrence of `marked` in `text`. */
function at(text: string, marked: string, message: string, help?: string): Diagnostic {
  const start = text.indexOf(marked);
  if (start < 0) throw new Error(`\`${marked}\` is not in the text`);
  return diagnostic("expectedToken", new SourceFile("examples/x.paybill", text), { start, end: start + marked.length }, message, help);
}

const frame = (...lines: string[]): string => lines.join("\n");
const brace = (text: string, marked: string): Diagnostic => at(text, marked, "expected `}`, found `usd`", "every `{` needs a matching `}`");

describe("renderDiagnostic", () => {
  it("prints the header, location, source line, carets under the span and help", () => {
    const d = brace("plan x {\n  price = = 0 usd\n}\n", "usd");
    expect(renderDiagnostic(d, plain)).toBe(
      frame(
        "error[PB1001]: expected `}`, found `usd`",
        "  --> examples/x.paybill:2:15",
        "   |",
        " 2 |   price = = 0 usd",
        "   |               ^^^",
        "   = help: every `{` needs a matching `}`",
      ),
    );
  });

  it("leaves out the help line when there is none", () => {
    const d = at("plan x {}", "x", "a message", undefined);
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: a message", "  --> examples/x.paybill:1:6", "   |", " 1 | plan x {}", "   |      ^"));
  });

  it("widens the gutter for longer line numbers", () => {
    const text = `${"\n".repeat(99)}plan bad`;
    const d = at(text, "bad", "m", "h");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: m", "    --> examples/x.paybill:100:6", "     |", " 100 | plan bad", "     |      ^^^", "     = help: h"));
  });

  it("underlines a multi-line span to the end of its first line", () => {
    const d = at("plan x {\n  price = {\n    a = 1\n  }\n}", "{\n    a = 1\n  }", "m", "h");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: m", "  --> examples/x.paybill:2:11", "   |", " 2 |   price = {", "   |           ^", "   = help: h"));
  });

  it("gives a zero-width span one caret, also at the end of a line", () => {
    const text = "plan x {\n  price = 0 usd\n";
    const d = diagnostic("expectedToken", new SourceFile("x.paybill", text), { start: 24, end: 24 }, "expected `}`, found end of file");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: expected `}`, found end of file", "  --> x.paybill:2:16", "   |", " 2 |   price = 0 usd", "   |                ^"));
  });

  it("expands tabs so the caret stays under the span", () => {
    const d = at("plan x {\n\tprice =\t= 0\n}", "= 0", "m", "h");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: m", "  --> examples/x.paybill:2:10", "   |", " 2 |     price =    = 0", "   |                ^^^", "   = help: h"));
  });

  it("counts wide characters as two cells", () => {
    const d = at("plan 日本 { a = b }", "{", "m", "h");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: m", "  --> examples/x.paybill:1:9", "   |", " 1 | plan 日本 { a = b }", "   |           ^", "   = help: h"));
  });

  it("replaces control characters so the terminal is not disturbed", () => {
    const d = at("plan \u001b[31mx { }", "x", "m", "h");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: m", "  --> examples/x.paybill:1:11", "   |", " 1 | plan \ufffd[31mx { }", "   |           ^", "   = help: h"));
  });

  it("shows a line that ends in CRLF without its line break", () => {
    const d = at("plan x {\r\n  price = = 0\r\n}\r\n", "= 0", "m", "h");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB1001]: m", "  --> examples/x.paybill:2:11", "   |", " 2 |   price = = 0", "   |           ^^^", "   = help: h"));
  });

  it("clips a long line around the span with an ellipsis at each cut", () => {
    const text = `plan x { limits { ${"seat = 1, ".repeat(30)}bad = = 1 ${"more = 2, ".repeat(30)}} }`;
    const d = at(text, "= = 1", "m", "h");
    const start = text.indexOf("= = 1");
    const shown = text.slice(start - 30, start - 30 + MAX_SOURCE_WIDTH - 2);
    expect(renderDiagnostic(d, plain)).toBe(
      frame("error[PB1001]: m", `  --> examples/x.paybill:1:${start + 1}`, "   |", ` 1 | …${shown}…`, `   | ${" ".repeat(31)}^^^^^`, "   = help: h"),
    );
  });

  it("clips a span longer than the window to the window", () => {
    const text = `x${"a".repeat(300)}`;
    const d = diagnostic("unexpectedCharacter", new SourceFile("f", text), { start: 0, end: text.length }, "m");
    const lines = renderDiagnostic(d, plain).split("\n");
    expect(lines[3]).toBe(` 1 | x${"a".repeat(MAX_SOURCE_WIDTH - 3)}…`);
    expect(lines[4]).toBe(`   | ${"^".repeat(MAX_SOURCE_WIDTH - 2)}`);
  });

  // How fast rendering is, is measured in bench/, not asserted here: the output is small.
  it("stays small on a 10 MB line", () => {
    const text = `${"a".repeat(5_000_000)}!${"b".repeat(5_000_000)}`;
    const d = diagnostic("unexpectedCharacter", new SourceFile("big", text), { start: 5_000_000, end: 5_000_001 }, "unexpected character `!`");
    const rendered = renderDiagnostic(d, plain);
    expect(rendered.length).toBeLessThan(1_000);
    const lines = rendered.split("\n");
    expect(lines[3]).toBe(` 1 | …${"a".repeat(30)}!${"b".repeat(MAX_SOURCE_WIDTH - 2 - 31)}…`);
    expect(lines[4]).toBe(`   | ${" ".repeat(31)}^`);
  });

  it("shows no source lines for a file without text", () => {
    const d = diagnostic("notUtf8", new SourceFile("bin.paybill", ""), { start: 0, end: 0 }, "this file is not UTF-8 text", "save it as UTF-8");
    expect(renderDiagnostic(d, plain)).toBe(frame("error[PB0004]: this file is not UTF-8 text", "  --> bin.paybill:1:1", "   = help: save it as UTF-8"));
  });

  it("labels warnings and infos by their severity", () => {
    const d = diagnostic("tooManyErrors", new SourceFile("f", "x"), { start: 0, end: 1 }, "2 more problems in this file are not shown");
    expect(renderDiagnostic(d, plain).split("\n")[0]).toBe("info[PB1009]: 2 more problems in this file are not shown");
  });

  it("colours with ANSI escapes only when asked, and the text is otherwise the same", () => {
    const d = brace("plan x {\n  price = = 0 usd\n}\n", "usd");
    const colored = renderDiagnostic(d, { color: true });
    expect(colored).toContain("\u001b[1;31merror[PB1001]\u001b[0m");
    expect(colored.replace(/\u001b\[[0-9;]*m/g, "")).toBe(renderDiagnostic(d, plain));
    expect(renderDiagnostic(d, plain)).not.toContain("\u001b");
  });

  it("renders what the parser reports, one frame per error", () => {
    const source = new SourceFile("three.paybill", "plan a { price = = 1 }\ntenant b { plan = }\nagent c { roles = [x }\n");
    const frames = parse(source).diagnostics.map((d) => renderDiagnostic(d, plain));
    expect(frames.map((f) => f.split("\n").slice(0, 2).join("\n"))).toEqual([
      "error[PB1002]: expected a value, found `=`\n  --> three.paybill:1:18",
      "error[PB1002]: expected a value, found `}`\n  --> three.paybill:2:19",
      "error[PB1001]: expected `]`, found `}`\n  --> three.paybill:3:22",
    ]);
    expect(frames[2]?.split("\n").slice(3).join("\n")).toBe(" 3 | agent c { roles = [x }\n   |                      ^\n   = help: every `[` needs a matching `]`");
  });
});

describe("diagnosticToJson", () => {
  it("gives 1-based positions with an exclusive end, and help only when present", () => {
    const d = brace("plan x {\n  price = = 0 usd\n}\n", "usd");
    expect(diagnosticToJson(d)).toEqual({
      code: "PB1001",
      severity: "error",
      file: "examples/x.paybill",
      line: 2,
      column: 15,
      endLine: 2,
      endColumn: 18,
      message: "expected `}`, found `usd`",
      help: "every `{` needs a matching `}`",
    });
    expect("help" in diagnosticToJson(at("plan x", "x", "m", undefined))).toBe(false);
  });

  it("keeps the field order stable for diffs in CI logs", () => {
    expect(Object.keys(diagnosticToJson(brace("plan x", "x")))).toEqual(["code", "severity", "file", "line", "column", "endLine", "endColumn", "message", "help"]);
  });
});

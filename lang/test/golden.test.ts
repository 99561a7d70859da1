/**
 * Golden tests: one folder per case under `samples/<suite>/<case>/`, holding
 * `input.paybill` and the expected output. Adding a case is adding a folder.
 *
 *   parse/   → ast.txt          the tree with positions (debugPrint); no diagnostics allowed
 *   errors/  → diagnostics.txt  every diagnostic with its position, code, message and help
 *   format/  → output.paybill   the formatted text, which must itself be a fixed point
 *   check/   → diagnostics.txt  a project (every `.paybill` file in the folder) checked with
 *                               the standard library: resolution, types and rules
 *
 * `UPDATE_SNAPSHOTS=1` rewrites expectations (a missing one fails without it);
 * `FILTER=name` runs matching cases only.
 */
import { readdirSync, readFileSync, } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkProject, debugPrint, type Diagnostic, format, parse, SourceFile } from "@paybill/lang";
import { describe, expect, it } from "vitest";
import { expectGolden } from "./support/golden.js";

const root = fileURLToPath(new URL("./samples/", import.meta.url));
const filter = process.env.FILTER;

function cases(suite: string): string[] {
  return readdirSync(join(root, suite))
    .filter((name) => filter === undefined || name.includes(filter))
    .sort();
}

/** The expectation at `path`; a missing one fails unless UPDATE_SNAPSHOTS=1 (support/golden.ts). */
function check(path: string, actual: string): void {
  expectGolden(path, actual);
}

function load(dir: string): SourceFile {
  return new SourceFile("input.paybill", readFileSync(join(dir, "input.paybill"), "utf8"));
}

export function printDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const a = d.file.position(d.span.start);
      const b = d.file.position(d.span.end);
      const help = d.help === undefined ? "" : `\n    help: ${d.help}`;
      const file = d.file.name === "input.paybill" ? "" : `${d.file.name}:`;
      return `${file}${a.line}:${a.column}-${b.line}:${b.column} ${d.code} ${d.severity}: ${d.message}${help}`;
    })
    .join("\n")
    .concat("\n");
}

describe("parse samples", () => {
  for (const name of cases("parse")) {
    it(name, () => {
      const dir = join(root, "parse", name);
      const source = load(dir);
      const result = parse(source);
      expect(printDiagnostics(result.diagnostics).trim()).toBe("");
      check(join(dir, "ast.txt"), debugPrint(result.ast, source));
    });
  }
});

describe("error samples", () => {
  for (const name of cases("errors")) {
    it(name, () => {
      const dir = join(root, "errors", name);
      const result = parse(load(dir));
      expect(result.diagnostics.length).toBeGreaterThan(0);
      check(join(dir, "diagnostics.txt"), printDiagnostics(result.diagnostics));
    });
  }
});

describe("format samples", () => {
  for (const name of cases("format")) {
    it(name, () => {
      const dir = join(root, "format", name);
      const result = format(load(dir));
      if (!result.ok) throw new Error(printDiagnostics(result.diagnostics));
      check(join(dir, "output.paybill"), result.text);
      const again = format(new SourceFile("output.paybill", result.text));
      expect(again.ok && again.text).toBe(result.text);
    });
  }
});

describe("check samples", () => {
  for (const name of cases("check")) {
    it(name, () => {
      const dir = join(root, "check", name);
      const files = readdirSync(dir)
        .filter((f) => f.endsWith(".paybill"))
        .map((f) => new SourceFile(f, readFileSync(join(dir, f), "utf8")));
      const result = checkProject(files);
      check(join(dir, "diagnostics.txt"), printDiagnostics(result.diagnostics));
    });
  }
});

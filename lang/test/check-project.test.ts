/**
 * Whole-project checking: the standard library and the example check clean, and the
 * result does not depend on the order files are given in (a law, checked on generated
 * subsets and orders of a real project, so the diagnostics are not all empty).
 */
import { readdirSync, readFileSync } from "node:fs";
import { checkProject, type Diagnostic, loadStdlib, SourceFile } from "@paybill/lang";
import fc from "fast-check";
import { printFile } from "@paybill/lang";
import { fileNode } from "./support/arbitraries.js";
import { describe, expect, it } from "vitest";

const exampleDir = new URL("../../examples/helpdesk/", import.meta.url);
// Files only: a demo run leaves a `.paybill/` state folder next to them (git-ignored).
const example = readdirSync(exampleDir, { withFileTypes: true })
  .filter((f) => f.isFile() && f.name.endsWith(".paybill"))
  .map((f) => f.name)
  .sort()
  .map((f) => new SourceFile(f, readFileSync(new URL(f, exampleDir), "utf8")));

const show = (diagnostics: readonly Diagnostic[]): string[] =>
  diagnostics.map((d) => {
    const p = d.file.position(d.span.start);
    return `${d.file.name}:${p.line}:${p.column} ${d.code} ${d.message}`;
  });

describe("checkProject", () => {
  it("the standard library checks clean on its own", () => {
    expect(loadStdlib().map((f) => f.name)).toEqual(["<stdlib>/std/clouds.paybill", "<stdlib>/std/isolation.paybill", "<stdlib>/std/policies.paybill"]);
    expect(show(checkProject([]).diagnostics)).toEqual([]);
  });

  it("examples/helpdesk checks clean and yields a typed model", () => {
    const result = checkProject(example);
    expect(show(result.diagnostics)).toEqual([]);
    const model = result.model;
    expect(model?.units.map((u) => u.source.name)).toEqual(example.map((f) => f.name));
    expect([...(model?.features ?? [])].sort()).toEqual(["audit_export", "macros", "refunds", "tickets"]);
    const typed = [...(model?.celTypes.values() ?? [])].reduce((n, types) => n + types.size, 0);
    expect(model?.celTypes.size).toBeGreaterThan(20);
    expect(typed).toBeGreaterThan(200);
    expect(model?.references.size).toBeGreaterThan(100);
  });

  it("reports a type error inside a condition at the column of the offending operand", () => {
    const text = `import std.isolation.{pooled}
cloud aws primary { region = "eu-west-1" }
plan free { price = 0, isolation = pooled on primary }
agent bot { roles = [support] }
entity Ticket { id uuid @id, amount decimal }
policy p { permit bot to read Ticket when resource.amount == "x" }
`;
    const [d, ...rest] = checkProject([new SourceFile("p.paybill", text)]).diagnostics;
    expect(rest).toEqual([]);
    expect(d?.code).toBe("PB3002");
    const line = text.split("\n")[5] ?? "";
    expect(d?.file.position(d.span.start)).toEqual({ line: 6, column: line.indexOf('"x"') + 1 });
  });

  it("a field may be called like an Object.prototype member (`__proto__`, `constructor`)", () => {
    const text = [
      "entity Odd {",
      "  id uuid @id",
      "  __proto__ int",
      "  constructor string",
      "}",
      "agent bot { roles = [r] }",
      "action touch {",
      "  input { odd: Odd.id }",
      "  effect read Odd(input.odd)",
      "}",
      'policy p { permit bot to touch when resource.__proto__ > 1 && resource.constructor == "x" }',
      "",
    ].join("\n");
    expect(show(checkProject([new SourceFile("odd.paybill", text)]).diagnostics)).toEqual([]);
  });

  it("does not depend on the order or the subset of files (law)", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(example, { minLength: 1 }), fc.infiniteStream(fc.nat()), (files, seeds) => {
        const reordered = [...files].sort(() => (seeds.next().value % 3) - 1);
        expect(show(checkProject(reordered).diagnostics)).toEqual(show(checkProject(files).diagnostics));
      }),
      { numRuns: 40 },
    );
  });

  it("is deterministic: the same input twice gives the same diagnostics", () => {
    const broken = example.map((f) => (f.name === "agents.paybill" ? new SourceFile(f.name, f.text.replace("Ticket.id", "Tikcet.id")) : f));
    const first = show(checkProject(broken).diagnostics);
    expect(first.length).toBeGreaterThan(0);
    expect(show(checkProject(broken).diagnostics)).toEqual(first);
  });

  it("never throws on generated projects, and every diagnostic lies in its file (law)", () => {
    fc.assert(
      fc.property(fc.array(fileNode, { minLength: 1, maxLength: 3 }), (asts) => {
        const files = asts.map((ast, i) => new SourceFile(`g${i}.paybill`, printFile(ast)));
        const result = checkProject(files);
        for (const d of result.diagnostics) {
          expect(d.span.start).toBeGreaterThanOrEqual(0);
          expect(d.span.end).toBeLessThanOrEqual(d.file.text.length);
          expect(d.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

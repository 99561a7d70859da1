/**
 * The laws of the front end, checked on generated input:
 *   parse ∘ print = id (up to spans), format is idempotent, and any text yields a tree
 *   and well-formed diagnostics, never an exception.
 */
import { ALL_CODES, format, parse, printFile, SourceFile, sameTree, withoutPositions } from "@paybill/lang";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fileNode } from "./support/arbitraries.js";
import { readFileSync, readdirSync } from "node:fs";

/** `FUZZ_SCALE=20 npx vitest run lang/test/properties.test.ts` for a long local run. */
const scale = Number(process.env.FUZZ_SCALE ?? "1");
const runs = (n: number): number => Math.max(1, Math.round(n * scale));

const codes = new Set(ALL_CODES.map((c) => c.code));

function parseText(text: string) {
  return parse(new SourceFile("generated.paybill", text));
}

/** Every diagnostic has a known code, a message and a span inside the text. */
function expectWellFormed(text: string): void {
  const result = parseText(text);
  for (const d of result.diagnostics) {
    expect(codes.has(d.code), d.code).toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
  }
}

const examples = readdirSync(new URL("./samples/parse/", import.meta.url)).map((dir) =>
  readFileSync(new URL(`./samples/parse/${dir}/input.paybill`, import.meta.url), "utf8"),
);

describe("laws", () => {
  it("parse(print(ast)) equals ast up to spans", () => {
    fc.assert(
      fc.property(fileNode, (ast) => {
        const text = printFile(ast);
        const again = parseText(text);
        if (again.diagnostics.length > 0 || !sameTree(ast, again.ast)) {
          throw new Error(
            `printed text does not parse back to the same tree:\n${text}\n${again.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n")}\n${JSON.stringify(withoutPositions(again.ast))}`,
          );
        }
      }),
      { numRuns: runs(300) },
    );
  });

  it("format is idempotent", () => {
    fc.assert(
      fc.property(fileNode, (ast) => {
        const once = format(new SourceFile("a.paybill", printFile(ast)));
        expect(once.ok).toBe(true);
        if (!once.ok) return;
        const twice = format(new SourceFile("a.paybill", once.text));
        expect(twice).toEqual(once);
      }),
      { numRuns: runs(200) },
    );
  });

  it("any text gives a tree and well-formed diagnostics, never an exception", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400, unit: "binary" }), expectWellFormed), { numRuns: runs(500) });
  });

  it("token soup gives a tree and well-formed diagnostics", () => {
    const tokens = ["plan", "policy", "permit", "to", "when", "{", "}", "(", ")", "[", "]", ",", ":", "=", "==", "&&", "x", "1", '"s"', "@id", "state", "next", "in", "import", "//c\n", "/*", "10m", "?", ".", "-"];
    fc.assert(fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 120 }), (parts) => expectWellFormed(parts.join(" "))), { numRuns: runs(500) });
  });

  it("mutated valid files give diagnostics, and format either refuses or reaches a fixed point", () => {
    const mutation = fc.record({
      example: fc.constantFrom(...examples),
      at: fc.nat(),
      length: fc.nat({ max: 12 }),
      insert: fc.constantFrom("", "{", "}", "(", ")", "=", ",", "\"", "/*", "//", "x", "when", "plan p {", "\n"),
    });
    fc.assert(
      fc.property(mutation, ({ example, at, length, insert }) => {
        const start = at % (example.length + 1);
        const text = example.slice(0, start) + insert + example.slice(start + length);
        expectWellFormed(text);
        const once = format(new SourceFile("m.paybill", text));
        if (!once.ok) {
          expect(once.diagnostics.some((d) => d.code === "PB9003")).toBe(false);
          return;
        }
        const twice = format(new SourceFile("m.paybill", once.text));
        expect(twice.ok && twice.text).toBe(once.text);
      }),
      { numRuns: runs(400) },
    );
  });
});

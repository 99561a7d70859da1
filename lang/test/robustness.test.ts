/**
 * Hostile input at the library level: huge and deeply nested files give a tree and
 * diagnostics, never an exception or a stack overflow.
 */
import { MAX_NESTING, parse, SourceFile } from "@paybill/lang";
import { describe, expect, it } from "vitest";

const run = (text: string) => parse(new SourceFile("hostile.paybill", text));
const codes = (text: string) => run(text).diagnostics.map((d) => d.code);

describe("hostile input", () => {
  it("10,000 nested parentheses are PB1005, not a stack overflow", () => {
    expect(codes(`policy p { permit a to b when ${"(".repeat(10_000)}x${")".repeat(10_000)} }`)).toEqual(["PB1005"]);
  });

  it("nesting at the limit still parses", () => {
    const depth = MAX_NESTING - 1; // the policy's own `{` is one level
    expect(codes(`policy p { permit a to b when ${"[".repeat(depth)}x${"]".repeat(depth)} }`)).toEqual([]);
  });

  it("long operator chains are PB1006, not deep trees", () => {
    expect(codes(`policy p { permit a to b when ${Array(5000).fill("x").join(" + ")} }`)).toEqual(["PB1006"]);
    expect(codes(`policy p { permit a to b when ${"!".repeat(5000)}x }`)).toEqual(["PB1006"]);
    expect(codes(`policy p { permit a to b when x${".f".repeat(5000)} }`)).toEqual(["PB1006"]);
  });

  it("a 10 MB string literal and a 10 MB comment", () => {
    expect(codes(`plan p { region = "${"y".repeat(10 << 20)}" }`)).toEqual([]);
    expect(codes(`plan p { region = r"""${"y\\\n".repeat(3 << 20)}""" }`)).toEqual([]);
    expect(codes(`plan p {} /* ${"z".repeat(10 << 20)} */`)).toEqual([]);
    expect(codes(`plan p {} /* ${"z".repeat(10 << 20)}`)).toEqual(["PB0003"]);
  });

  it("an unterminated string is one error and the rest of the file still parses", () => {
    const result = run('plan a { region = "eu-west-1 }\nplan b { price = 1 usd }\n');
    const found = result.diagnostics.map((d) => d.code);
    // The string swallowed the `}`: one more error, at the `{` it left open (PB1001), no cascade.
    expect([...found].sort()).toEqual(["PB0002", "PB1001"]);
    expect(result.diagnostics.find((d) => d.code === "PB1001")?.span.start).toBe(7);
    expect(result.ast.declarations.map((d) => d.kind)).toContain("Plan");
  });

  it("raw strings take no escapes, as in CEL", () => {
    const result = run('plan a { pattern = r"a\\" }');
    expect(result.diagnostics).toEqual([]);
    const attribute = result.ast.declarations[0]?.kind === "Plan" ? result.ast.declarations[0].body[0] : undefined;
    expect(attribute?.kind === "Attribute" && attribute.value.kind === "String" && attribute.value.value).toBe("a\\");
  });

  it("a file of many errors reports at most 100 and says how many more", () => {
    const result = run("plan p { x = = }\n".repeat(500));
    expect(result.diagnostics.length).toBe(101);
    expect(result.diagnostics[100]?.code).toBe("PB1009");
    expect(result.diagnostics[100]?.message).toMatch(/^\d+ more problems in this file are not shown$/);
  });
});

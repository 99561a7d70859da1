/**
 * `next` targets with `by agent|host` and a guard `when <cel>` (spec/language.md §5.8):
 * both parsers build the same tree, the formatter keeps it, the checker refuses another
 * mover (PB4150), a target said twice (PB4151) and a guard that is not a bool over
 * `tenant` and `context`; an agent's `runs = required`.
 */
import { checkProject } from "../src/check-project.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import { format } from "../src/format/format.js";
import { describe, expect, it } from "vitest";
import type { NextDecl, StateDecl, WorkflowDecl } from "../src/ast/nodes.js";
import { parse, parseWithChevrotain } from "../src/1-parse/parse.js";
import { SourceFile } from "../src/source/source-file.js";

const head = `agent bot { runs = required }
action look { input { n: int } }
policy p { permit bot to look }
`;

function project(states: string, agent = head): SourceFile[] {
  return [new SourceFile("flow.paybill", `${agent}workflow w {\n  agent = bot\n  start a\n${states}}\n`)];
}

const codes = (diagnostics: readonly Diagnostic[]): string[] => diagnostics.map((d) => `${d.code} ${d.message}`);

describe("next with by and when", () => {
  const text = `${head}workflow w {
  agent = bot
  start a
  state a { allow look next b by agent when context.budget.steps > 1 && tenant.region == "eu", c, d by host }
  state b { next c by agent }
  state c { final }
  state d { next c }
}
`;

  it("both parsers build the same tree, with the edges only where a target says something", () => {
    const source = new SourceFile("flow.paybill", text);
    const fast = parse(source);
    const reference = parseWithChevrotain(source);
    expect(fast.diagnostics).toEqual([]);
    expect(JSON.stringify(fast.ast)).toBe(JSON.stringify(reference.ast));
    const workflow = fast.ast.declarations.find((i): i is WorkflowDecl => i.kind === "Workflow");
    const next = (state: string) => (workflow?.body.find((e): e is StateDecl => e.kind === "State" && e.name.name === state)?.body.find((e) => e.kind === "Next") as NextDecl | undefined);
    const a = next("a");
    expect(a?.states.map((s) => s.name)).toEqual(["b", "c", "d"]);
    expect(a?.edges?.map((e) => [e.state.name, e.by?.name, e.when?.kind])).toEqual([
      ["b", "agent", "CelBinary"],
      ["c", undefined, undefined],
      ["d", "host", undefined],
    ]);
    expect(next("d")?.edges).toBeUndefined();
  });

  it("the formatter keeps them", () => {
    const formatted = format(new SourceFile("flow.paybill", text));
    expect(formatted.ok).toBe(true);
    if (!formatted.ok) return;
    expect(formatted.text).toContain('next b by agent when context.budget.steps > 1 && tenant.region == "eu", c, d by host');
    expect(formatted.text).toContain("state b { next c by agent }");
  });

  it("checks clean", () => {
    expect(codes(checkProject([new SourceFile("flow.paybill", text)]).diagnostics)).toEqual([]);
  });

  it("PB4150: a mover other than agent or host", () => {
    const result = checkProject(project("  state a { allow look next b by bot }\n  state b { final }\n"));
    expect(codes(result.diagnostics)).toEqual([
      "PB4150 `by bot`: an edge is taken `by agent` (the run's agent, and the host) or `by host` (the host only)",
    ]);
  });

  it("PB4151: a target with by or when named twice in a state", () => {
    const result = checkProject(project("  state a { allow look next b by agent next b }\n  state b { final }\n"));
    expect(codes(result.diagnostics)).toEqual([
      "PB4151 state `a` names `b` in `next` more than once, and this edge says `by` or `when`",
    ]);
  });

  it("a guard is a bool over tenant and context: no input, principal or resource", () => {
    expect(codes(checkProject(project("  state a { allow look next b when tenant.plan }\n  state b { final }\n")).diagnostics).map((c) => c.slice(0, 6))).toEqual(["PB3005"]);
    const input = checkProject(project("  state a { allow look next b when input.n > 1 }\n  state b { final }\n"));
    expect(codes(input.diagnostics).join("\n")).toMatch(/`input`/);
  });

  it("`runs` takes `required` only", () => {
    const result = checkProject(project("  state a { allow look next b }\n  state b { final }\n", head.replace("runs = required", "runs = always")));
    expect(codes(result.diagnostics)).toHaveLength(1);
    expect(codes(result.diagnostics)[0]).toContain("`required`");
  });
});

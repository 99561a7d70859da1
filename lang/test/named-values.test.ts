// PB3011 for every kind of name a string may be compared with, and none for a name that exists.
import { describe, expect, it } from "vitest";
import { checkProject, SourceFile } from "../src/index.js";

const PROJECT = `import std.isolation.{pooled}
plan free { price = 0, isolation = pooled, features = [notes] }
entity Note { id uuid @id, status enum(open, done) }
agent bot {}
action finish { input { note: Note.id } effect update Note(input.note) set { status = done } }
workflow w {
  agent = bot
  start a
  state a { allow finish next b }
  state b { final }
}
`;

const codes = (condition: string): string[] =>
  checkProject([new SourceFile("a.paybill", `${PROJECT}policy p { permit bot to finish when ${condition} }\n`)])
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.message}`);

describe("strings compared with declared names (PB3011)", () => {
  it.each([
    ['tenant.plan == "fre"', "a plan of this project"],
    ['"note" in tenant.features', "a feature of this project"],
    ['tenant.state == "actve"', "a tenant state"],
    ['principal.id != "robot"', "an agent of this project"],
    ['action.name == "finsh"', "an action of this project"],
    ['context.workflow.name == "ww"', "a workflow of this project"],
    ['context.workflow.state in ["a", "c"]', "a state of any workflow"],
    ['resource.status == "closed"', "a value of `enum(open, done)`"],
  ])("%s is refused as not %s", (condition, what) => {
    const found = codes(condition);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^PB3011 \`\\w+\` is not ${what.replace(/[()`]/g, "\\$&")}, so this comparison never holds$`));
  });

  it("accepts the names that exist", () => {
    expect(codes('tenant.plan == "free" && "notes" in tenant.features && tenant.state == "active" && principal.id == "bot" && action.name == "finish" && context.workflow.name == "w" && context.workflow.state in ["a", "b"] && resource.status != "done"')).toEqual([]);
  });
});

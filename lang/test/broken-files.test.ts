/**
 * Errors do not hide errors: a syntax error in one file leaves the other files checked, and
 * the intact declarations of the broken file too; a name the broken part may declare gives
 * no false "unknown name" anywhere. The law: a single-character corruption of one file
 * leaves the diagnostics of every file unrelated to it exactly as they were.
 */
import { checkProject, type Diagnostic, SourceFile } from "@paybill/lang";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const show = (diagnostics: readonly Diagnostic[]): string[] =>
  diagnostics.map((d) => {
    const p = d.file.position(d.span.start);
    return `${d.file.name}:${p.line}:${p.column} ${d.code} ${d.message}`;
  });

const check = (files: Record<string, string>): string[] => show(checkProject(Object.entries(files).map(([name, text]) => new SourceFile(name, text))).diagnostics);

const DATA = `entity Ticket { id uuid @id, amount decimal, status enum(open, closed) }
agent bot { roles = [support] }
action close { input { t: Ticket.id } effect update Ticket(input.t) set { status = closed } }
`;

describe("a file with a syntax error", () => {
  it("does not hide a type error in another file", () => {
    const rules = 'policy p { permit bot to close when resource.amount == "x" }\n';
    expect(check({ "data.paybill": DATA.replace("agent bot {", "agent bot {{"), "rules.paybill": rules })).toEqual([
      "data.paybill:2:12 PB1001 expected `}`, found `{`",
      "rules.paybill:1:56 PB3002 expected `double`, found `string`",
    ]);
  });

  it("keeps its declarations that parsed intact, before the error and after it", () => {
    const broken = `entity Ticket { id uuid @id, amount decimal }
agent bot { roles = [support }
action close { input { t: Ticket.id } effect read Ticket(input.t) }
policy p { permit bot to close when resource.amount == "x" }
`;
    // The agent is lost (its name is not reported unknown), the rest is checked.
    expect(check({ "one.paybill": broken })).toEqual(["one.paybill:2:30 PB1001 expected `]`, found `}`", "one.paybill:4:56 PB3002 expected `double`, found `string`"]);
  });

  it("gives no false unknown-name error for a name it declares, wherever the name is used", () => {
    const plans = `import std.isolation.{pooled}
cloud aws primary { region = "eu-west-1" }
plan free { price = 0, isolation = pooled on primary, features = [tickets] }
plan enterprise { price = 0, isolation = pooled on primary, features = [tickets] }
`;
    const rules = `action close { input { t: Ticket.id } effect update Ticket(input.t) set { status = closed } requires feature tickets }
policy p { permit bot to close when tenant.plan == "enterprise" && resource.status == "open" }
policy q { permit nobody to close }
`;
    const clean = check({ "data.paybill": DATA.replace(/action close .*\n/, ""), "plans.paybill": plans, "rules.paybill": rules });
    expect(clean).toEqual(["rules.paybill:3:19 PB2002 no agent is called `nobody`"]);
    // The entity and the agent, the enterprise plan, and the plan granting the feature are each lost in turn.
    expect(check({ "data.paybill": DATA.replace(/action close .*\n/, "").replace("amount decimal", "amount decimal,,"), "plans.paybill": plans, "rules.paybill": rules })).toEqual([
      "data.paybill:1:45 PB1001 expected `}`, found `,`",
      "rules.paybill:3:19 PB2002 no agent is called `nobody`",
    ]);
    expect(check({ "data.paybill": DATA.replace(/action close .*\n/, "").replace("agent bot {", "agent bot ("), "plans.paybill": plans, "rules.paybill": rules })).toEqual([
      expect.stringMatching(/^data\.paybill:2:11 PB100\d /),
      "rules.paybill:3:19 PB2002 no agent is called `nobody`",
    ]);
    expect(check({ "data.paybill": DATA.replace(/action close .*\n/, ""), "plans.paybill": plans.replace("plan enterprise {", "plan enterprise { price = = 1,"), "rules.paybill": rules })).toEqual([
      "plans.paybill:4:27 PB1002 expected a value, found `=`",
      "rules.paybill:3:19 PB2002 no agent is called `nobody`",
    ]);
    expect(check({ "data.paybill": DATA.replace(/action close .*\n/, ""), "plans.paybill": plans.replace("plan free {", "plann free {"), "rules.paybill": rules })).toEqual([
      "plans.paybill:3:1 PB1010 `plann` is not a keyword, and a keyword belongs here",
      "rules.paybill:3:19 PB2002 no agent is called `nobody`",
    ]);
  });

  it("reports nothing twice, and a corrupted package line loses the whole file rather than moving it", () => {
    const a = "package shop\nentity Ticket { id uuid @id, amount decimal }\n";
    const b = "package shop\nagent bot { roles = [r] }\naction close { input { t: Ticket.id } effect read Ticket(input.t) }\npolicy p { permit bot to close when resource.amount > 1 }\n";
    expect(check({ "a.paybill": a, "b.paybill": b })).toEqual([]);
    const got = check({ "a.paybill": a.replace("package", "packge"), "b.paybill": b });
    expect(got).toEqual(["a.paybill:1:1 PB1010 `packge` is not a keyword, and a keyword belongs here"]);
    expect(new Set(got).size).toBe(got.length);
    // Stray characters before the line, or a declaration above it (PB1008): the same.
    expect(check({ "a.paybill": `{${a.slice(1)}`, "b.paybill": b })).toEqual(["a.paybill:1:1 PB1004 expected a declaration, found `{`"]);
    expect(check({ "a.paybill": `entity X { id uuid @id }\n${a}`, "b.paybill": b })).toEqual(["a.paybill:2:1 PB1008 `package` and `import` must come before every declaration"]);
  });
});

// ---- the law ----

/**
 * A generated file: an entity, an agent, an action and a policy, every name ending in the
 * file's own tag `_x<i><i>`: one character changed can never turn one file's name into
 * another's. A policy may use another file's agent and action (the file then refers to it),
 * and conditions may hold type errors, unknown fields and unknown names, so the
 * diagnostics are not all empty.
 */
interface GenFile {
  readonly condition: string;
  readonly unknownAgent: boolean;
  /** Index of another file whose agent and action a second policy uses. */
  readonly uses: number | undefined;
}

const tag = (i: number): string => `_x${i}${i}`;

function fileText(i: number, f: GenFile, count: number): string {
  const t = tag(i);
  const lines = [
    `entity Ent${t} { id uuid @id, amount decimal, note string }`,
    `agent bot${t} { roles = [role${t}] }`,
    `action act${t} { input { e: Ent${t}.id } effect read Ent${t}(input.e) }`,
    `policy pol${t} { permit bot${t} to act${t} when ${f.condition} }`,
  ];
  if (f.unknownAgent) lines.push(`policy lost${t} { permit zzmissing${t} to act${t} }`);
  if (f.uses !== undefined && f.uses % count !== i) {
    const o = tag(f.uses % count);
    lines.push(`policy use${t} { permit bot${o} to act${o} when resource.amount > 2.0 }`);
  }
  return `${lines.join("\n")}\n`;
}

const genFile = fc.record({
  condition: fc.constantFrom("resource.amount > 1.0", 'resource.amount == "x"', "resource.nothere == 1", 'resource.note == "n"', "true"),
  unknownAgent: fc.boolean(),
  uses: fc.option(fc.nat(3), { nil: undefined }),
});

const corruption = fc.record({
  file: fc.nat(),
  at: fc.nat(),
  kind: fc.constantFrom("replace", "delete", "insert"),
  char: fc.constantFrom("{", "}", "(", ")", "[", "]", "=", '"', ",", ".", " ", "a", "Z", "_", "1", "/", "!", "&"),
});

function corrupt(text: string, c: { at: number; kind: string; char: string }): string {
  const at = c.at % (text.length + (c.kind === "insert" ? 1 : 0));
  if (c.kind === "insert") return text.slice(0, at) + c.char + text.slice(at);
  if (c.kind === "delete") return text.slice(0, at) + text.slice(at + 1);
  return text.slice(0, at) + c.char + text.slice(at + 1);
}

const diagnosticsOf = (texts: readonly string[]): Map<string, string[]> => {
  const result = checkProject(texts.map((text, i) => new SourceFile(`f${i}.paybill`, text)));
  const byFile = new Map<string, string[]>(texts.map((_, i) => [`f${i}.paybill`, []]));
  for (const line of show(result.diagnostics)) byFile.get(line.slice(0, line.indexOf(":")))?.push(line);
  return byFile;
};

describe("a single-character corruption (law)", () => {
  it("leaves the diagnostics of every file that does not refer to the corrupted file, nor it to them, as they were", () => {
    let unrelated = 0;
    let brokenRuns = 0;
    fc.assert(
      fc.property(fc.array(genFile, { minLength: 2, maxLength: 4 }), corruption, (files, c) => {
        const texts = files.map((f, i) => fileText(i, f, files.length));
        const target = c.file % texts.length;
        const corrupted = texts.map((text, i) => (i === target ? corrupt(text, c) : text));
        const before = diagnosticsOf(texts);
        const after = diagnosticsOf(corrupted);
        if ((after.get(`f${target}.paybill`) ?? []).some((l) => / PB[01]\d{3} /.test(l))) brokenRuns++;
        const related = (a: string, b: string): boolean => a.includes(tag(texts.indexOf(b))) || b.includes(tag(texts.indexOf(a)));
        texts.forEach((text, i) => {
          if (i === target || related(text, texts[target] as string)) return;
          unrelated++;
          expect(after.get(`f${i}.paybill`)).toEqual(before.get(`f${i}.paybill`));
        });
      }),
      { numRuns: 80 },
    );
    // The law was tested, on broken files mostly.
    expect(unrelated).toBeGreaterThan(40);
    expect(brokenRuns).toBeGreaterThan(20);
  });

  it("adds no diagnostic to another file when the corrupted file no longer parses, unless the corruption broke the declaration at its name", () => {
    fc.assert(
      fc.property(fc.array(genFile, { minLength: 2, maxLength: 3 }), corruption, (files, c) => {
        const texts = files.map((f, i) => fileText(i, f, files.length));
        const target = c.file % texts.length;
        const corrupted = texts.map((text, i) => (i === target ? corrupt(text, c) : text));
        const after = diagnosticsOf(corrupted);
        fc.pre((after.get(`f${target}.paybill`) ?? []).some((l) => / PB[01]\d{3} /.test(l)));
        const before = diagnosticsOf(texts);
        const declared = (text: string): Set<string> => new Set([...text.matchAll(/\b(?:entity|agent|action|policy) (\w+) \{/g)].map((m) => m[1] as string));
        // Names whose declaration the corruption broke at the name itself: `agent {ot_x22 {`.
        const erased = [...declared(texts[target] as string)].filter((w) => !declared(corrupted[target] as string).has(w));
        texts.forEach((_, i) => {
          if (i === target) return;
          for (const line of after.get(`f${i}.paybill`) ?? []) {
            if (before.get(`f${i}.paybill`)?.includes(line)) continue;
            expect(line).toMatch(/ PB2002 no \w+ is called `(\w+)`$/);
            expect(erased).toContain(/`(\w+)`$/.exec(line)?.[1]);
          }
        });
      }),
      { numRuns: 60 },
    );
  });
});

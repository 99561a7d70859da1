// The language server's workspace in process: the lifecycle (parsed → resolved → checked,
// re-checked once per change), diagnostics equal to `checkProject` on every check sample,
// and rename through imports between packages.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { checkProject, parse, SourceFile, withoutPositions } from "../src/index.js";
import { rename } from "../src/lsp/rename.js";
import { Workspace } from "../src/lsp/workspace.js";
import { DATA, RULES } from "./support/lsp-fixture.js";

const ROOT = "/project";
const uri = (name: string): string => pathToFileURL(`${ROOT}/${name}`).href;
const SAMPLES = fileURLToPath(new URL("./samples/check/", import.meta.url));

describe("lsp workspace", () => {
  it("moves parsed → resolved → checked, and checks once per change", () => {
    const ws = new Workspace(ROOT);
    ws.update(uri("data.paybill"), DATA, 1, true);
    ws.update(uri("rules.paybill"), RULES, 1, true);
    expect(ws.stage).toBe("parsed");
    ws.resolved();
    expect(ws.stage).toBe("resolved");
    const first = ws.checked();
    expect(ws.stage).toBe("checked");
    expect(ws.checked()).toBe(first);
    expect(ws.analyses).toBe(1);
    ws.update(uri("rules.paybill"), RULES.replace("permit bot", "permit nobody"), 2, true);
    expect(ws.stage).toBe("parsed");
    expect(ws.checked().diagnostics.map((d) => d.code)).toContain("PB2002");
    expect(ws.analyses).toBe(2);
    ws.remove(uri("rules.paybill"));
    expect(ws.checked().diagnostics).toEqual([]);
  });

  it("keeps the last clean analysis when a syntax error is fixed back to the same text, and re-checks any other text", () => {
    const ws = new Workspace(ROOT);
    const broken = RULES.replace("< 100.0", "<< 100.0");
    const typo = RULES.replace("resource.amount", "resource.amounx");
    ws.update(uri("data.paybill"), DATA, 1, true);
    ws.update(uri("rules.paybill"), typo, 1, true);
    const first = ws.checked();
    expect(ws.analyses).toBe(1);
    ws.update(uri("rules.paybill"), broken, 2, true);
    expect(ws.diagnostics().map((d) => d.code)).toEqual(checkProject([new SourceFile("data.paybill", DATA), new SourceFile("rules.paybill", broken)]).diagnostics.map((d) => d.code));
    ws.update(uri("rules.paybill"), typo, 3, true);
    const expected = checkProject([new SourceFile("data.paybill", DATA), new SourceFile("rules.paybill", typo)]).diagnostics;
    expect(expected.length).toBeGreaterThan(0);
    expect(ws.diagnostics()).toEqual(expected);
    expect(ws.checked()).toBe(first);
    expect(ws.analyses).toBe(1);
    ws.update(uri("rules.paybill"), RULES, 4, true);
    expect(ws.diagnostics()).toEqual([]);
    expect(ws.analyses).toBe(2);
  });

  it("checks a syntax error's intact declarations on the base's nodes, lent in place and moved back", () => {
    const ws = new Workspace(ROOT);
    // A type error after the broken declaration: its span is in the moved part.
    const clean = `${RULES}\npolicy later {\n  permit bot to close_order when resource.amount < "x"\n}\n`;
    ws.update(uri("data.paybill"), DATA, 1, true);
    ws.update(uri("rules.paybill"), clean, 1, true);
    const before = ws.checked().units.get("rules.paybill")?.ast;
    const spans = JSON.stringify(before);
    const broken = clean.replace("< 100.0", "<< 100.0");
    ws.update(uri("rules.paybill"), broken, 2, true);
    const want = checkProject([new SourceFile("data.paybill", DATA), new SourceFile("rules.paybill", broken)]).diagnostics;
    expect(want.map((d) => d.code)).toEqual(["PB1002", "PB3002"]);
    const shape = (d: (typeof want)[number]) => [d.file.name, d.span.start, d.span.end, d.code, d.message];
    expect(ws.diagnostics().map(shape)).toEqual(want.map(shape));
    // The base tree is as it was, and the broken tree read afterwards is a full parse's.
    expect(JSON.stringify(before)).toBe(spans);
    expect(withoutPositions(ws.store.get(uri("rules.paybill"))?.parsed.ast)).toEqual(withoutPositions(parse(new SourceFile("rules.paybill", broken)).ast));
    expect(JSON.stringify(ws.store.get(uri("rules.paybill"))?.parsed.ast)).toBe(JSON.stringify(parse(new SourceFile("rules.paybill", broken)).ast));
    // Fixed back: the clean analysis still holds, its spans intact.
    ws.update(uri("rules.paybill"), clean, 3, true);
    expect(ws.checked().units.get("rules.paybill")?.ast).toBe(before);
    expect(ws.diagnostics().map((d) => d.code)).toEqual(["PB3002"]);
  });

  it("names files relative to the folder, as paybillc check run there does", () => {
    const ws = new Workspace(ROOT);
    expect(ws.nameOf(uri("sub/a.paybill"))).toBe("sub/a.paybill");
    expect(ws.uriOf("sub/a.paybill")).toBe(uri("sub/a.paybill"));
  });

  it("gives checkProject's diagnostics on every check sample", () => {
    const cases = readdirSync(SAMPLES);
    expect(cases.length).toBeGreaterThan(10);
    for (const name of cases) {
      const dir = join(SAMPLES, name);
      const files = readdirSync(dir).filter((f) => f.endsWith(".paybill"));
      const ws = new Workspace(ROOT);
      for (const f of files) ws.update(uri(f), readFileSync(join(dir, f), "utf8"), 1, false);
      const want = checkProject(files.map((f) => new SourceFile(f, readFileSync(join(dir, f), "utf8")))).diagnostics;
      const shape = (d: (typeof want)[number]) => [d.file.name, d.span.start, d.span.end, d.code, d.message, d.help];
      expect(ws.checked().diagnostics.map(shape), name).toEqual(want.map(shape));
    }
  });

  it("renames through `import m.{x}` in another package", () => {
    const ws = new Workspace(ROOT);
    const other = "package billing\nimport shop.{Order}\n\naction refund {\n  input { order: Order.id }\n}\n";
    ws.update(uri("data.paybill"), DATA, 1, true);
    ws.update(uri("rules.paybill"), RULES, 1, true);
    ws.update(uri("billing.paybill"), other, 1, true);
    expect(ws.checked().diagnostics).toEqual([]);
    const unit = ws.unitOf(uri("billing.paybill"));
    if (unit === undefined) throw new Error("no unit");
    const result = rename(ws.checked(), unit, other.indexOf("Order.id") + 1, "Purchase", (n) => ws.uriOf(n));
    if (!result.ok) throw new Error(result.message);
    const changes = result.edit.changes ?? {};
    expect(Object.keys(changes).sort()).toEqual([uri("billing.paybill"), uri("data.paybill"), uri("rules.paybill")].sort());
    expect(changes[uri("billing.paybill")]).toHaveLength(2);
    // Clash: billing already sees an entity called `Invoice` once it declares one.
    ws.update(uri("billing.paybill"), `${other}\nentity Invoice {\n  id uuid @id\n}\n`, 2, true);
    const again = ws.unitOf(uri("billing.paybill"));
    if (again === undefined) throw new Error("no unit");
    const clash = rename(ws.checked(), again, other.indexOf("Order.id") + 1, "Invoice", (n) => ws.uriOf(n));
    expect(clash.ok).toBe(false);
  });
});

describe("lsp workspace diagnostics", () => {
  it("with a syntax error, gives checkProject's syntax errors without checking", () => {
    const ws = new Workspace(ROOT);
    const broken = RULES.replace("agent bot {", "agent bot {{");
    ws.update(uri("data.paybill"), DATA, 1, true);
    ws.update(uri("rules.paybill"), broken, 1, true);
    const want = checkProject([new SourceFile("data.paybill", DATA), new SourceFile("rules.paybill", broken)]).diagnostics;
    expect(ws.diagnostics()).toEqual(want);
    expect(ws.stage).toBe("parsed");
    expect(ws.analyses).toBe(0);
    ws.update(uri("rules.paybill"), RULES, 2, true);
    expect(ws.diagnostics()).toEqual([]);
    expect(ws.stage).toBe("checked");
  });
});

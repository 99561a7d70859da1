/**
 * Every ```paybill block of README.md and spec/*.md checks: the blocks of one document are
 * the files of one project (the spec builds its running example block by block), checked with
 * the standard library, and none may have an error. A block that is an excerpt on purpose (one
 * state of a workflow, a declaration with `…` for what is left out) is fenced ```paybill fragment
 * and not checked. spec/diagnostics.md has its own test (catalog.test.ts): its blocks fail on
 * purpose.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkProject, SourceFile } from "../src/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ALL = ["README.md", ...readdirSync(join(ROOT, "spec")).filter((f) => f.endsWith(".md") && f !== "diagnostics.md").map((f) => `spec/${f}`)];

/**
 * Documents whose blocks do not check yet, each with why. The test below holds them to still
 * failing, so fixing one means taking it off this list.
 */
const NOT_YET: Readonly<Record<string, string>> = {};
const DOCUMENTS = ALL.filter((d) => !Object.hasOwn(NOT_YET, d));

function blocksOf(document: string): { checked: SourceFile[]; fragments: number } {
  const text = readFileSync(join(ROOT, document), "utf8");
  const checked: SourceFile[] = [];
  let fragments = 0;
  for (const m of text.matchAll(/^```paybill( fragment)?\n([\s\S]*?)^```$/gm)) {
    if (m[1] !== undefined) {
      fragments++;
      continue;
    }
    const line = text.slice(0, m.index).split("\n").length;
    checked.push(new SourceFile(`${document}:${line}`, m[2] as string));
  }
  return { checked, fragments };
}

describe("paybill blocks of the documentation", () => {
  it.each(DOCUMENTS)("%s: its blocks check without an error", (document) => {
    const { checked } = blocksOf(document);
    const errors = checkProject(checked)
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => `${d.file.name} ${d.code} ${d.message}`);
    expect(errors).toEqual([]);
  });

  it.each(Object.keys(NOT_YET))("%s is on the list of documents that do not check yet, and still does not", (document) => {
    expect(checkProject(blocksOf(document).checked).diagnostics.some((d) => d.severity === "error")).toBe(true);
  });

  it("checks nearly every block: few are fragments", () => {
    const all = ALL.map(blocksOf);
    expect(all.reduce((n, b) => n + b.checked.length, 0)).toBeGreaterThanOrEqual(20);
    expect(all.reduce((n, b) => n + b.fragments, 0)).toBeLessThanOrEqual(3);
  });
});

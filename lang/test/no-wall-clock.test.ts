/**
 * Tests check behaviour, never time (CONTRIBUTING.md): on a loaded machine a test that
 * asserts a duration, or kills the process it runs on a timer, fails by chance. No test file
 * in the workspace measures elapsed time (`performance.now()`, `Date.now()` differences) or
 * gives a child process a kill timer (`timeout:` in a `spawn`/`execFile` call); how fast
 * things are is measured in bench/.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROOT, workspaceTestFiles } from "./support/test-files.js";

const SELF = fileURLToPath(import.meta.url);

/** What in `text` times the test or its children: each a short description with its line. */
export function clockUses(text: string): string[] {
  const found: string[] = [];
  const line = (index: number) => text.slice(0, index).split("\n").length;
  for (const m of text.matchAll(/performance\.now\(\)|Date\.now\(\)\s*-\s*\w|-\s*Date\.now\(\)/g)) found.push(`${line(m.index)}: measures elapsed time (\`${m[0]}\`)`);
  for (const m of text.matchAll(/\b(spawn|spawnSync|execFile|execFileSync|exec|execSync|fork)\(/g)) {
    const call = text.slice(m.index, text.indexOf(";", m.index) + 1 || undefined);
    if (/\btimeout\s*:/.test(call)) found.push(`${line(m.index)}: kills \`${m[1]}\`'s child on a timer (\`timeout:\`)`);
  }
  return found;
}

describe("no test depends on the wall clock", () => {
  it("the check finds what it looks for", () => {
    expect(clockUses("const t = performance.now();")).toHaveLength(1);
    // Written in two pieces so that this file does not itself read as a timed assertion.
    expect(clockUses("expect(Date.now() - started)" + ".toBeLessThan(200);")).toHaveLength(1);
    expect(clockUses('spawnSync(node, [f], { encoding: "utf8", timeout: 60_000 });')).toHaveLength(1);
    expect(clockUses("execFile(f, args, { cwd, timeout: 120_000 }, (e) => done(e));")).toHaveLength(1);
    expect(clockUses("const at = new Date(Date.now() + 6 * day);\nspawn(node, [f], { cwd });")).toEqual([]);
  });

  it("in every test file of the workspace", () => {
    const files = workspaceTestFiles().filter((f) => f !== SELF);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) => clockUses(readFileSync(file, "utf8")).map((use) => `${file.slice(ROOT.length)}:${use}`));
    expect(offenders).toEqual([]);
  });
});

/**
 * Golden tests cannot lie (CONTRIBUTING.md): a missing expectation fails instead of being
 * written from the output under test, and only `UPDATE_SNAPSHOTS=1` writes one. Every golden
 * runner in the workspace goes through `support/golden.ts`: no test file reads
 * UPDATE_SNAPSHOTS itself or writes a file because it is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectGolden } from "./support/golden.js";
import { ROOT, workspaceTestFiles } from "./support/test-files.js";

const scratch = mkdtempSync(join(tmpdir(), "paybill-golden-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("golden expectations", () => {
  it("a missing expectation fails, and is not written", () => {
    const path = join(scratch, "case", "expected.txt");
    expect(() => expectGolden(path, "output\n", false)).toThrow(/the expectation .*expected\.txt is missing: write it with `UPDATE_SNAPSHOTS=1/);
    expect(existsSync(path)).toBe(false);
  });

  it("UPDATE_SNAPSHOTS=1 writes it; then it is compared", () => {
    const path = join(scratch, "written", "expected.txt");
    expectGolden(path, "output\n", true);
    expect(readFileSync(path, "utf8")).toBe("output\n");
    expect(() => expectGolden(path, "output\n", false)).not.toThrow();
    expect(() => expectGolden(path, "other\n", false)).toThrow();
  });

  it("every runner compares through support/golden.ts", () => {
    const files = workspaceTestFiles();
    expect(files.length).toBeGreaterThan(20);
    const helper = join(ROOT, "lang/test/support/golden.ts");
    const offenders = files.filter((file) => {
      if (file === helper) return false;
      const text = readFileSync(file, "utf8");
      return /process\.env\.UPDATE_SNAPSHOTS/.test(text) || /\|\|\s*!existsSync\(/.test(text);
    });
    expect(offenders.map((f) => f.slice(ROOT.length))).toEqual([]);
  });
});

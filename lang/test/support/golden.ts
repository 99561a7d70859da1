/**
 * The one way a golden test compares with its expectation file, for every runner in the
 * workspace (lang, compiler): `UPDATE_SNAPSHOTS=1` writes the expectation; without it, a
 * missing expectation FAILS. A golden test never passes by writing what it produced, so a
 * case added without its expectation, or an expectation deleted by mistake, cannot pass in
 * CI unnoticed (CONTRIBUTING.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { expect } from "vitest";

/** Whether this run rewrites expectations (`UPDATE_SNAPSHOTS=1`). */
export const UPDATE_SNAPSHOTS = process.env.UPDATE_SNAPSHOTS === "1";

/** `actual` equals the file at `path`; with UPDATE_SNAPSHOTS=1 the file is written instead. */
export function expectGolden(path: string, actual: string, update = UPDATE_SNAPSHOTS): void {
  if (update) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    expect.fail(`the expectation ${relative(process.cwd(), path)} is missing: write it with \`UPDATE_SNAPSHOTS=1 npx vitest run <this test file>\`, review it and commit it`);
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}

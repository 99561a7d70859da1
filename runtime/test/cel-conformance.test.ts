/**
 * cel-spec's conformance cases (shipped in @bufbuild/cel-spec 0.6.1, cel-spec v0.25.1)
 * through the runtime's CEL path (celEnvironment + compileCel + run: the closures of
 * cel/closures.ts with cel-js behind them, as conditions run), with the named skip list in
 * support/cel-conformance-skips.ts. Every case not skipped must pass; every test skipped by
 * name must still fail (else its entry is stale); every entry must name something in the
 * suite. Then the closures alone, on every case of the suite, skipped or not: wherever they
 * answer, cel-js alone gives the same value.
 */
import { describe, expect, it } from "vitest";
import { type Case, conformanceCases, runCase, runFastCase } from "./support/cel-conformance.js";
import { SKIPS } from "./support/cel-conformance-skips.js";

const cases = conformanceCases();

function skipOf(c: Case): string | undefined {
  return SKIPS[c.file] ?? SKIPS[`${c.file}/${c.section}`] ?? SKIPS[c.id];
}

describe("cel-spec conformance", () => {
  const byFile = new Map<string, Case[]>();
  for (const c of cases) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);

  for (const [file, fileCases] of byFile) {
    const run = fileCases.filter((c) => skipOf(c) === undefined);
    it.skipIf(run.length === 0)(`${file}: ${run.length} of ${fileCases.length} cases pass`, () => {
      const failures = run.flatMap((c) => {
        const outcome = runCase(c);
        return outcome.kind === "pass" ? [] : [`${c.id}: ${outcome.detail}`];
      });
      expect(failures).toEqual([]);
    });
  }

  it("every skip-list entry names a file, section or test of the suite", () => {
    const names = new Set(cases.flatMap((c) => [c.file, `${c.file}/${c.section}`, c.id]));
    expect(Object.keys(SKIPS).filter((k) => !names.has(k))).toEqual([]);
  });

  it("every test skipped by name still fails (no stale entries)", () => {
    const stale = cases.filter((c) => Object.hasOwn(SKIPS, c.id) && runCase(c).kind === "pass").map((c) => c.id);
    expect(stale).toEqual([]);
  });

  it("reports the count", () => {
    const run = cases.filter((c) => skipOf(c) === undefined);
    // Printed for the record (the closing note quotes it); the assertions are above.
    console.log(`cel-spec conformance: ${run.length} passed, ${cases.length - run.length} skipped by name, of ${cases.length}`);
    expect(run.length).toBeGreaterThanOrEqual(957); // the count when the list was written: it may only grow
  });

  it("the closures agree with cel-js alone on every case they answer", () => {
    const counts = { answered: 0, declined: 0, "not-compiled": 0, unsupported: 0 };
    const disagreements: string[] = [];
    for (const c of cases) {
      const outcome = runFastCase(c);
      if (outcome.kind === "disagree") disagreements.push(`${c.id}: ${outcome.detail}`);
      else counts[outcome.kind]++;
    }
    console.log(`cel-spec conformance, closures: ${counts.answered} answered, ${counts.declined} left to cel-js, ${counts["not-compiled"]} not compiled`);
    expect(disagreements).toEqual([]);
    // The fast path must carry real weight, or this test proves nothing about it.
    expect(counts.answered).toBeGreaterThanOrEqual(402); // the count when written: it may only grow
  });
});

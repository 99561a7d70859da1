/**
 * `untrusted(x)`: whether a value, normalised, appeared in untrusted output in the current
 * workflow run (spec/runtime.md §Provenance). The matching rules live here, once, for the
 * decider (through cel-js and the closures) and for what the runtime records (runs/provenance.ts):
 *
 * - normalising: a string as is, an int, uint or double as its decimal text, a bool as
 *   `true`/`false`; then Unicode NFKC, lower case (`toLowerCase`), every run of whitespace
 *   (`\s`, Unicode) one space, no space at either end;
 * - a value matches a recorded one when the two are equal, or when one contains the other
 *   and the contained one has at least `MIN_CONTAINED` UTF-16 code units; the empty string
 *   matches nothing.
 *
 * A decision is synchronous and never nested, so the run's recorded values are handed to
 * the function through one module slot that the decider sets around its policies
 * (`setUntrusted`). Absent (outside a run) the function throws: the condition errs, so a
 * forbid using it denies and a permit does not apply (fail closed).
 */

/** The shortest value that counts when contained in another (shorter ones must be equal). */
export const MIN_CONTAINED = 4;

/** A value as the matching rules compare it; undefined for a value that is not a string or scalar. */
export function normaliseUntrusted(value: unknown): string | undefined {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "bigint" || typeof value === "boolean") text = String(value);
  else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else return undefined;
  // Printable ASCII words with single spaces between them: NFKC and the whitespace rule change nothing.
  if (PLAIN.test(text)) return text.toLowerCase();
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

const PLAIN = /^[!-~]+(?: [!-~]+)*$/;

/** Whether normalised `text` matches one of the normalised `recorded` values. */
export function matchesRecorded(text: string, recorded: readonly string[]): boolean {
  if (text === "") return false;
  const long = text.length >= MIN_CONTAINED;
  for (const value of recorded) {
    // The lengths say which way containment can go (equal lengths: only equality).
    if (value.length > text.length) {
      if (long && value.includes(text)) return true;
    } else if (value.length < text.length) {
      if (value.length >= MIN_CONTAINED && text.includes(value)) return true;
    } else if (value === text) return true;
  }
  return false;
}

/** The run's recorded values for the decision in progress; undefined outside a run. */
let current: readonly string[] | undefined;

/** Sets what `untrusted()` sees (the decider, around its policies); returns what it saw before, to put back. */
export function setUntrusted(recorded: readonly string[] | undefined): readonly string[] | undefined {
  const before = current;
  current = recorded;
  return before;
}

/** The function a condition calls (cel-js and the closures alike). */
export function untrusted(value: unknown): boolean {
  if (current === undefined) {
    throw new Error("untrusted() needs a workflow run: the runtime remembers untrusted values only within a run");
  }
  const text = normaliseUntrusted(value);
  if (text === undefined) throw new Error("untrusted() takes a string, a number or a bool");
  return matchesRecorded(text, current);
}

/** Whether a condition's source calls `untrusted` (a text test: a false positive only loads the run's values). */
export function callsUntrusted(source: string): boolean {
  return /\buntrusted\s*\(/.test(source);
}

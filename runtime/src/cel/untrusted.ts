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

import { isLowerPlain, PLAIN } from "./plain-text.js";

/** The shortest value that counts when contained in another (shorter ones must be equal). */
export const MIN_CONTAINED = 4;

/** A value as the matching rules compare it; undefined for a value that is not a string or scalar. */
export function normaliseUntrusted(value: unknown): string | undefined {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "bigint" || typeof value === "boolean") text = String(value);
  else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else return undefined;
  if (isLowerPlain(text)) return text;
  if (PLAIN.test(text)) return text.toLowerCase();
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}


/** Whether normalised `text` matches one of the normalised `recorded` values. */
export function matchesRecorded(text: string, recorded: readonly string[]): boolean {
  if (text === "") return false;
  const index = Object.isFrozen(recorded) ? indexOf(recorded) : undefined;
  if (index === undefined) return scan(text, recorded);
  // Shorter than MIN_CONTAINED: only an equal value matches.
  if (text.length < MIN_CONTAINED) return index.exact.has(text);
  // Equal to a value or contained in one: every 4-unit piece of text is in some value, so
  // the filter first (most texts fail it), then one search of all values joined.
  if (mayBeContained(index.grams, text) && (text.includes(SEPARATOR) ? scan(text, recorded) : index.joined.includes(text))) return true;
  // A value of at least MIN_CONTAINED units, shorter than text, contained in it.
  const shorter = index.shorter;
  for (let i = 0; i < shorter.length; i++) {
    const value = shorter[i] as string;
    if (value.length >= text.length) break;
    if (text.includes(value)) return true;
  }
  return false;
}

/** The rules one value at a time (a list that may change, or whose values hold the separator). */
function scan(text: string, recorded: readonly string[]): boolean {
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

/**
 * A frozen list of recorded values arranged for matching, built once per list (a decider
 * that decides many requests of one run with the same list): all values joined by a
 * separator that normalising never leaves in a value (whitespace becomes one space); a
 * filter of the 4-unit pieces (`MIN_CONTAINED`) of every value, so a text that is in none
 * is told in a few lookups (a false positive only costs the search); the short values for
 * equality; and those that may be contained in a longer text, shortest first.
 */
interface Index {
  readonly joined: string;
  readonly grams: Uint32Array;
  readonly exact: ReadonlySet<string>;
  readonly shorter: readonly string[];
}

const SEPARATOR = "\n";
const GRAM_BITS = 16;
const indexes = new WeakMap<readonly string[], Index | null>();

/** Where the 4-unit piece of `text` at `at` falls in the filter. */
function gram(text: string, at: number): number {
  const h = Math.imul(text.charCodeAt(at) ^ Math.imul(text.charCodeAt(at + 1), 0x9e3779b1) ^ Math.imul(text.charCodeAt(at + 2), 0x85ebca6b) ^ Math.imul(text.charCodeAt(at + 3), 0xc2b2ae35), 0x27d4eb2f);
  return h >>> (32 - GRAM_BITS);
}

function hasGram(grams: Uint32Array, text: string, at: number): boolean {
  const g = gram(text, at);
  return ((grams[g >>> 5] as number) & (1 << (g & 31))) !== 0;
}

/** False when some piece of `text` (its first, middle and last) is in no value: then text is contained in none. */
function mayBeContained(grams: Uint32Array, text: string): boolean {
  const last = text.length - MIN_CONTAINED;
  return hasGram(grams, text, 0) && hasGram(grams, text, last) && hasGram(grams, text, last >>> 1);
}

/** The index of a frozen `recorded`, or undefined when a value holds the separator (then each value is searched alone). */
function indexOf(recorded: readonly string[]): Index | undefined {
  const kept = indexes.get(recorded);
  if (kept !== undefined) return kept ?? undefined;
  let index: Index | null = null;
  if (!recorded.some((value) => value.includes(SEPARATOR))) {
    const grams = new Uint32Array((1 << GRAM_BITS) >>> 5);
    for (const value of recorded) {
      for (let at = 0; at + MIN_CONTAINED <= value.length; at++) {
        const g = gram(value, at);
        grams[g >>> 5] = (grams[g >>> 5] as number) | (1 << (g & 31));
      }
    }
    index = {
      joined: recorded.join(SEPARATOR),
      grams,
      exact: new Set(recorded.filter((value) => value.length < MIN_CONTAINED)),
      shorter: recorded.filter((value) => value.length >= MIN_CONTAINED).sort((a, b) => a.length - b.length),
    };
  }
  indexes.set(recorded, index);
  return index ?? undefined;
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

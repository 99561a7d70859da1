/**
 * "Did you mean …?": the closest known name by edit distance, when it is close enough to
 * be a plausible typo.
 */

/** Edits (insert, delete, replace, or swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      // `trail` for `trial`: two swapped letters are one slip, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The best candidate within a third of the name's length (at least 1, at most 3 edits), or
 * one the name is a clear abbreviation of (`stat` for `status`).
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const lower = candidate.toLowerCase();
    const distance =
      lower === name.toLowerCase() ? 0.5 : name.length >= 3 && lower.startsWith(name.toLowerCase()) ? limit : editDistance(name, candidate);
    if (distance <= limit && (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best))) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` did you mean \`x\`?` or nothing: for the end of a help line. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const best = closest(name, candidates);
  return best === undefined ? undefined : `did you mean \`${best}\`?`;
}

/** "Did you mean" suggestions: the closest candidates by edit distance, case-insensitively. */

export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

/**
 * Candidates close enough to `word` to be what the user meant, best first. "Close enough" allows
 * about one edit per three characters, so `Dens` finds `Dense` but `foo` finds nothing.
 */
export function closest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.ceil(word.length / 3));
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const d = editDistance(word, c);
    const prefix = c.toLowerCase().startsWith(word.toLowerCase()) || word.toLowerCase().startsWith(c.toLowerCase());
    if (d <= limit || (prefix && Math.min(word.length, c.length) >= 3)) scored.push({ c, d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return [...new Set(scored.map((s) => s.c))].slice(0, max);
}

/** `; did you mean "Dense"?` or `; did you mean one of "Conv1D", "Conv2D"?`, or '' with no candidate. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const found = closest(word, candidates);
  if (found.length === 0) return '';
  if (found.length === 1) return `; did you mean "${found[0]}"?`;
  return `; did you mean one of ${found.map((f) => `"${f}"`).join(', ')}?`;
}

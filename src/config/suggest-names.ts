/**
 * Did-you-mean over lists that spell one thing several ways (`he_uniform` / `HeUniform`, `acc` /
 * `accuracy`): suggests each thing once, in the first spelling that came close, and only the
 * closest ones.
 */
import { closest, editDistance } from '../util/suggest.js';

/** `; did you mean "x"?` (or one of up to three), or '' when nothing is close. */
export function suggestOnce(word: string, candidates: Iterable<string>, sameThing: (c: string) => string = spellingKey): string {
  const seen = new Set<string>();
  const picked: string[] = [];
  for (const c of closest(word, candidates, 50)) {
    const k = sameThing(c);
    if (seen.has(k)) continue;
    seen.add(k);
    picked.push(c);
  }
  // Only the closest: "rellu" means "relu", not also "elu" and "celu".
  const best = Math.min(...picked.map((c) => editDistance(word, c)));
  const top = picked.filter((c) => editDistance(word, c) === best).slice(0, 3);
  if (top.length === 0) return '';
  if (top.length === 1) return `; did you mean "${top[0]}"?`;
  return `; did you mean one of ${top.map((f) => `"${f}"`).join(', ')}?`;
}

/** `HeUniform`, `he_uniform` and `he-uniform` are one name. */
export function spellingKey(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

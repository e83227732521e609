/**
 * Free text to integer sequences, as Keras's TextVectorization does by default: lowercase, strip
 * punctuation, split on whitespace; 0 is padding, 1 the out-of-vocabulary token, then the words by
 * descending frequency (ties alphabetical, so the vocabulary never depends on row order).
 */

/** Keras's `lower_and_strip_punctuation` then `whitespace` split. */
export function tokenize(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '')
    .split(/\s+/)
    .filter((t) => t !== '');
}

export interface TextOptions {
  /** Vocabulary size including padding (0) and OOV (1); unlimited when absent. */
  maxTokens?: number;
  /** Sequence length every row is padded or truncated to. */
  maxLen: number;
  /** Where zeros go when a row is short (`post`, as TextVectorization; `pre` as pad_sequences). */
  padding: 'pre' | 'post';
  /** Which end is cut when a row is long. */
  truncating: 'pre' | 'post';
}

/** The words of the vocabulary, most frequent first (ids start at 2). */
export function fitVocabulary(texts: Iterable<string>, maxTokens: number | undefined): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([w]) => w);
  return maxTokens === undefined ? words : words.slice(0, Math.max(0, maxTokens - 2));
}

/** Writes one row's ids (padded/truncated to maxLen) into `out` at `offset`. */
export function vectorize(
  text: string,
  index: Map<string, number>,
  opts: Pick<TextOptions, 'maxLen' | 'padding' | 'truncating'>,
  out: Float32Array,
  offset: number,
): void {
  let ids = tokenize(text).map((w) => index.get(w) ?? 1);
  if (ids.length > opts.maxLen) ids = opts.truncating === 'pre' ? ids.slice(ids.length - opts.maxLen) : ids.slice(0, opts.maxLen);
  const start = opts.padding === 'pre' ? opts.maxLen - ids.length : 0;
  for (let i = 0; i < opts.maxLen; i++) out[offset + i] = 0;
  ids.forEach((id, i) => (out[offset + start + i] = id));
}

export function vocabularyIndex(words: string[]): Map<string, number> {
  return new Map(words.map((w, i) => [w, i + 2]));
}

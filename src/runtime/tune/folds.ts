/**
 * k-fold cross-validation splits of a CSV/TSV training file, stratified by class: each class's rows
 * are shuffled with the seeded PRNG and dealt to the folds in turn, so every fold holds each class
 * in about the same proportion. Fold files keep the header and the original row order.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../util/atomic.js';
import { DataError } from '../../util/errors.js';
import { Prng } from '../../util/prng.js';

export interface FoldFiles {
  train: string;
  validation: string;
}

/** Splits `file` (with a header row) into k folds by its `label` column; returns the files written under `dir`. */
export async function writeFolds(file: string, label: string | number, k: number, seed: number, dir: string): Promise<FoldFiles[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new DataError(`cannot read the training data "${file}" to split it into ${k} folds`);
  });
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const delim = /\.tsv$/i.test(file) ? '\t' : ',';
  const header = lines[0] ?? '';
  const rows = lines.slice(1);
  const names = splitRow(header, delim);
  const col = typeof label === 'number' ? label : names.indexOf(label);
  if (col < 0) throw new DataError(`cross-validation: the label column "${String(label)}" is not in the header of "${file}" (columns: ${names.join(', ')})`);
  if (rows.length < k) throw new DataError(`cross-validation: "${file}" has ${rows.length} rows, fewer than cv: ${k} folds`);
  const byClass = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const c = splitRow(r, delim)[col] ?? '';
    byClass.set(c, [...(byClass.get(c) ?? []), i]);
  });
  const fold = new Int32Array(rows.length);
  const rng = new Prng(seed);
  let next = 0;
  for (const c of [...byClass.keys()].sort()) {
    const idx = Int32Array.from(byClass.get(c) ?? []);
    rng.shuffle(idx);
    // Dealing continues across classes, so small classes do not all land in fold 0.
    for (const i of idx) fold[i] = next++ % k;
  }
  await fs.mkdir(dir, { recursive: true });
  const ext = delim === '\t' ? 'tsv' : 'csv';
  const out: FoldFiles[] = [];
  for (let f = 0; f < k; f++) {
    const train = path.join(dir, `fold-${f}-train.${ext}`);
    const validation = path.join(dir, `fold-${f}-validation.${ext}`);
    await writeFileAtomic(train, [header, ...rows.filter((_, i) => fold[i] !== f)].join('\n') + '\n');
    await writeFileAtomic(validation, [header, ...rows.filter((_, i) => fold[i] === f)].join('\n') + '\n');
    out.push({ train, validation });
  }
  return out;
}

/** Fields of one row; quoted fields may hold the delimiter. */
function splitRow(line: string, delim: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delim) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

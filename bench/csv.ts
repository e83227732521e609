/**
 * CSV reading speed: rows per second parsed into float32 tensors, for an in-memory parse of the
 * whole text (what `data.train: {csv: ...}` does) and for the streamed reader (`stream: true`,
 * 4 MB blocks, batches of 4096 as tensors), with and without the shuffle buffer.
 *
 *   node dist/bench/run.js --only csv [--rows 1000000] [--quick]
 *
 * The file: a header and N rows of 4 numeric columns (4 decimals) and a 0/1 label.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv } from '../src/runtime/data/csv.js';
import { loadStreamingData } from '../src/runtime/data/stream.js';
import type { BenchModule, BenchSection } from './types.js';
import { markdownTable, median } from './types.js';

function csvText(rows: number): string {
  const parts: string[] = ['a,b,c,d,y\n'];
  let seed = 7;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let start = 0; start < rows; start += 10_000) {
    let block = '';
    for (let i = start; i < Math.min(rows, start + 10_000); i++) {
      const a = rnd();
      const b = rnd();
      block += `${a.toFixed(4)},${b.toFixed(4)},${rnd().toFixed(4)},${rnd().toFixed(4)},${a > b ? 1 : 0}\n`;
    }
    parts.push(block);
  }
  return parts.join('');
}

async function timeIt(rounds: number, fn: () => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

export const bench: BenchModule = {
  name: 'csv',
  description: 'CSV rows/s parsed into float32 tensors: whole-file parse vs the streaming reader',
  async run(ctx): Promise<BenchSection> {
    const i = ctx.argv.indexOf('--rows');
    const rows = i >= 0 ? Number(ctx.argv[i + 1]) : ctx.quick ? 50_000 : 1_000_000;
    const rounds = ctx.quick ? 1 : 3;
    await tf.setBackend('cpu');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kerats-bench-csv-'));
    const file = path.join(dir, 'bench.csv');
    const text = csvText(rows);
    writeFileSync(file, text);
    const mb = Buffer.byteLength(text) / 2 ** 20;
    ctx.log(`  ${rows} rows, ${mb.toFixed(1)} MB`);
    const out: { mode: string; seconds: number }[] = [];
    try {
      out.push({
        mode: 'in-memory parse + tensor',
        seconds: await timeIt(rounds, () => {
          const d = parseCsv(text, 'bench.csv', () => ({ features: [0, 1, 2, 3], label: 4 }));
          tf.tensor(d.x, [d.rows, 4]).dispose();
        }),
      });
      const src = { kind: 'csv' as const, path: file, given: 'bench.csv', label: 'y', stream: true };
      const data = await loadStreamingData({ train: src }, src, { encoding: 'binary' });
      for (const shuffle of [false, true]) {
        out.push({
          mode: `streamed, batches of 4096${shuffle ? ', shuffled' : ''}`,
          seconds: await timeIt(rounds, async () => {
            for await (const b of data.train.batches(4096, { epoch: 0, shuffle, seed: 1 })) tf.dispose([b.x, b.y] as tf.Tensor[]);
          }),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const table = markdownTable(
      ['reader', 'rows', 'seconds', 'rows/s', 'MB/s'],
      out.map((o) => [o.mode, String(rows), o.seconds.toFixed(2), Math.round(rows / o.seconds).toLocaleString('en-US'), (mb / o.seconds).toFixed(1)]),
    );
    return {
      rows: out.map((o) => ({ reader: o.mode, rows, seconds: o.seconds, rows_per_s: rows / o.seconds, mb_per_s: mb / o.seconds })),
      table,
      notes: [`median of ${rounds} run(s); 4 numeric columns + a 0/1 label; tfjs cpu backend for tensor creation`],
    };
  },
};

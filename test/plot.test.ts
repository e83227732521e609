/** Plots: every run folder has history.svg; `kerats plot -o x.png` writes a PNG that decodes to a real image. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { ROOT, hasStackTrace, kerats, tempDir } from './helpers/cli.js';
import { textChart } from '../src/runtime/plot/text-chart.js';

/** IHDR width/height and the decoded, unfiltered-agnostic pixel bytes of a PNG. */
function readPng(buf: Buffer): { width: number; height: number; raw: Buffer } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  return { width, height, raw: inflateSync(Buffer.concat(idat)) };
}

describe('plots', () => {
  it('a run folder has history.svg, and kerats plot writes a PNG image with drawn pixels', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.yaml');
    writeFileSync(
      file,
      `name: plotme
seed: 2
data:
  train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species}
  validation_split: 0.2
model:
  input_shape: [4]
  layers: [{Dense: {units: 3, activation: softmax}}]
compile: {optimizer: Adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 4, batch_size: 32}
`,
    );
    const run = path.join(dir, 'run');
    const r = await kerats(['train', file, '--out', run, '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const svg = readFileSync(path.join(run, 'history.svg'), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const label of ['loss', 'accuracy', 'validation', 'epoch']) assert.ok(svg.includes(`>${label}<`), `the chart shows "${label}"`);
    assert.ok((svg.match(/<path[^>]*class="[^"]*"?/g) ?? []).length > 0 || svg.includes('<path'), 'lines are drawn');

    const png = path.join(dir, 'h.png');
    const p = await kerats(['plot', run, '-o', png, '--json'], { cwd: dir });
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout), { output: png, format: 'png', epochs: 4 });
    const { width, height, raw } = readPng(readFileSync(png));
    assert.ok(width > 300 && height > 150, `${width}x${height}`);
    // Scanlines are 1 filter byte + width × 4 (RGBA); a chart has far more than one colour.
    assert.equal(raw.length, height * (1 + width * 4));
    const distinct = new Set<number>();
    for (let i = 0; i < raw.length && distinct.size < 50; i += 97) distinct.add(raw[i] ?? 0);
    assert.ok(distinct.size > 10, 'the image is not blank');

    const bad = await kerats(['plot', run, '-o', path.join(dir, 'h.jpg')], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\.svg or \.png/);
    assert.ok(!hasStackTrace(bad.stderr));
  });

  it('the terminal chart marks the highest and lowest loss and both series', () => {
    const chart = textChart({ loss: [2, 1, 0.5, 0.25], val_loss: [2.5, 1.2, 0.7, 0.6] }, { height: 5 });
    const lines = chart.split('\n');
    assert.match(lines[0] ?? '', /● loss {2}○ val_loss/);
    assert.match(lines[1] ?? '', /^\s+2\.50 ┤○/);
    // Four epochs spread over the minimum 24 columns (0, 8, 15, 23).
    assert.match(lines[5] ?? '', /^\s+0\.250 ┤ {15}● {7}●$/);
    assert.equal(textChart({ loss: [1] }), '', 'one epoch is not a chart');
  });

  it('a 2-epoch chart is readable: 24 columns wide, labels aligned on the axis and under the first and last epoch', () => {
    const lines = textChart({ loss: [1.2, 0.8], val_loss: [1.3, 1.1] }, { height: 5 }).trimEnd().split('\n');
    const axis = lines.findIndex((l) => l.includes('└'));
    const rows = lines.slice(1, axis);
    // Every row's axis sits in the same column, after a right-aligned value label.
    assert.deepEqual(new Set(rows.map((r) => r.indexOf('┤'))), new Set([10]));
    assert.equal(lines[axis]?.indexOf('└'), 10);
    assert.equal(lines[axis], `${' '.repeat(9)} └┬${'─'.repeat(22)}┬`);
    const labels = lines[axis + 1] ?? '';
    assert.equal(labels.indexOf('epoch 1'), 11, 'under the first column');
    assert.equal(labels.length, lines[axis]?.length, '"epoch 2" ends under the last column');
    assert.match(labels, /epoch 2$/);
    assert.match(rows[0] ?? '', /^\s+1\.30 ┤/);
    assert.match(rows[2] ?? '', /^\s+1\.05 ┤/);
  });
});

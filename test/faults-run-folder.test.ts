/**
 * Damaged run folders and junk input (issue 19): each damage is refused with exit 2 and a message
 * naming the file at fault; `predict` rejects empty, header-only and non-text inputs with file:line,
 * as `train` does. One small Iris run is trained through the real binary and copied per case; the
 * binary's exit codes and stderr are checked on some cases, the rest go through the CLI's main in
 * this process (the same code, no process start-up each).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { hasStackTrace, kerats, ROOT, tempDir, writeIrisConfig } from './helpers/cli.js';
import { useBackend } from '../src/runtime/backend.js';
import { runPredict } from '../src/runtime/data/predict-run.js';
import { KeratsError } from '../src/util/errors.js';
import { runMain } from './helpers/main-in-process.js';

const tmp = tempDir();
const irisText = readFileSync(path.join(ROOT, 'data/iris.csv'), 'utf8');
const header = irisText.split('\n')[0] ?? '';

const trained = (async () => {
  const cfg = writeIrisConfig(path.join(tmp, 'iris.yaml'), { name: 'iris', seed: 3, units: 6, epochs: 2, batchSize: 32 });
  const r = await kerats(['train', cfg, '-q', '-o', path.join(tmp, 'run')]);
  assert.equal(r.code, 0, r.stderr);
  return path.join(tmp, 'run');
})();

let copies = 0;
async function damagedCopy(damage: (dir: string) => void): Promise<string> {
  const dir = path.join(tmp, `copy-${++copies}`);
  cpSync(await trained, dir, { recursive: true });
  damage(dir);
  return dir;
}

function write(name: string, data: string | Uint8Array): string {
  const file = path.join(tmp, name);
  writeFileSync(file, data);
  return file;
}

const rows = irisText.split('\n').slice(1, 6).join('\n') + '\n';

test('evaluate and predict refuse each damaged run folder with exit 2, naming the file', async (t) => {
  const input = write('five.csv', `${header}\n${rows}`);
  const weightsBytes = readFileSync(path.join(await trained, 'weights.bin')).byteLength;
  const cases: { name: string; damage: (dir: string) => void; file: string; says: RegExp }[] = [
    { name: 'truncated weights.bin', damage: (d) => truncateSync(path.join(d, 'weights.bin'), weightsBytes - 10), file: 'weights.bin', says: new RegExp(`is ${weightsBytes - 10} bytes but .*needs ${weightsBytes} \\(10 bytes short`) },
    {
      name: 'weights.bin of double length',
      damage: (d) => {
        const w = readFileSync(path.join(d, 'weights.bin'));
        writeFileSync(path.join(d, 'weights.bin'), Buffer.concat([w, w]));
      },
      file: 'weights.bin',
      says: new RegExp(`${weightsBytes} bytes too long`),
    },
    { name: 'weights.bin empty', damage: (d) => truncateSync(path.join(d, 'weights.bin'), 0), file: 'weights.bin', says: /is 0 bytes but/ },
    { name: 'weights.bin missing', damage: (d) => rmSync(path.join(d, 'weights.bin')), file: 'weights.bin', says: /the file is missing/ },
    {
      name: 'NaN weights',
      damage: (d) => {
        const w = readFileSync(path.join(d, 'weights.bin'));
        new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4).fill(NaN, 0, 3);
        writeFileSync(path.join(d, 'weights.bin'), w);
      },
      file: 'weights.bin',
      says: /not finite.*holds 3 NaN values/,
    },
    { name: 'model.json cut short', damage: (d) => writeFileSync(path.join(d, 'model.json'), readFileSync(path.join(d, 'model.json'), 'utf8').slice(0, 100)), file: 'model.json', says: /not valid JSON/ },
    { name: 'model.json not a model', damage: (d) => writeFileSync(path.join(d, 'model.json'), '{"hello": 1}'), file: 'model.json', says: /no "modelTopology"/ },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const dir = await damagedCopy(c.damage);
      // The binary for the first damage (exit code and stderr as a shell sees them); the CLI's main in
      // this process for the others: the same messages without a Node + TensorFlow.js start-up each.
      const cli = c === cases[0] ? kerats : runMain;
      for (const args of [['predict', dir, input, '-o', path.join(tmp, 'p.csv')], ['evaluate', dir]]) {
        const r = await cli(args);
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.ok(r.stderr.includes(path.join(dir, c.file)), `${args[0]} names ${c.file}: ${r.stderr}`);
        assert.match(r.stderr, c.says);
        assert.doesNotMatch(r.stderr, /looks like a bug/);
        assert.ok(!hasStackTrace(r.stderr));
      }
    });
  }
  await t.test('corrupt preprocessing.json: predict names it', async () => {
    const dir = await damagedCopy((d) => writeFileSync(path.join(d, 'preprocessing.json'), '{"features": ["a"'));
    const r = await runMain(['predict', dir, input]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(path.join(dir, 'preprocessing.json')), r.stderr);
    assert.match(r.stderr, /not valid JSON/);
    assert.doesNotMatch(r.stderr, /looks like a bug/);
  });
});

/** The 13 junk inputs of issue 19: none may come out as "Wrote 0 predictions". */
function junkInputs(): { name: string; file: string; says: RegExp; line: number }[] {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(irisText.slice(0, 200), 'utf16le')]);
  return [
    { name: 'empty file', file: write('empty.csv', ''), says: /the file is empty/, line: 1 },
    { name: 'blank lines only', file: write('blank.csv', '\n\n   \n'), says: /the file is empty/, line: 1 },
    { name: 'header only', file: write('header.csv', `${header}\n`), says: /no data rows/, line: 1 },
    { name: 'one line of junk text', file: write('junk.csv', 'lorem ipsum dolor sit amet\n'), says: /has no feature column "sepal_length"/, line: 1 },
    { name: 'NUL bytes', file: write('nul.csv', Buffer.alloc(64)), says: /binary file.*NUL/, line: 1 },
    { name: 'gzip-compressed CSV', file: write('gz.csv', gzipSync(irisText)), says: /gzip-compressed.*gunzip/, line: 1 },
    { name: 'ZIP archive', file: write('zip.csv', zipSync({ 'iris.csv': new TextEncoder().encode(irisText) })), says: /ZIP archive/, line: 1 },
    { name: 'JSON object', file: write('obj.csv', '{"sepal_length": 5.1, "sepal_width": 3.5}\n'), says: /looks like JSON/, line: 1 },
    { name: 'JSON list', file: write('list.csv', '[[5.1, 3.5, 1.4, 0.2]]\n'), says: /looks like JSON/, line: 1 },
    { name: 'HTML page', file: write('page.csv', '<!DOCTYPE html>\n<html><body>Not Found</body></html>\n'), says: /HTML page/, line: 1 },
    { name: 'PNG image', file: write('img.csv', png), says: /PNG image/, line: 1 },
    { name: 'UTF-16 text', file: write('utf16.csv', utf16), says: /UTF-16/, line: 1 },
    { name: 'CSV of other columns', file: write('other.csv', 'a,b,c\n1,2,3\n'), says: /has no feature column "sepal_length" \(its columns are "a", "b", "c"\)/, line: 1 },
  ];
}

test('predict refuses the 13 junk inputs: exit 2 with file:line, never "Wrote 0 predictions"', async (t) => {
  const run = await trained;
  await useBackend('cpu');
  const junk = junkInputs();
  assert.equal(junk.length, 13);
  for (const j of junk) {
    await t.test(j.name, async () => {
      await assert.rejects(
        runPredict({ runDir: run, input: j.file, out: path.join(tmp, 'junk-out.csv'), batchSize: 8, idColumns: [], skipBadRows: false }),
        (e: unknown) => {
          assert.ok(e instanceof KeratsError, String(e));
          assert.equal(e.exitCode, 2);
          assert.match(e.message, j.says);
          assert.equal(e.problems[0]?.loc?.file, j.file, e.message);
          assert.equal(e.problems[0]?.loc?.line, j.line, e.message);
          return true;
        },
      );
    });
  }
  // The same through the binary, for three of them: exit code and the file:line prefix.
  for (const j of [junk[0], junk[2], junk[5]]) {
    if (!j) continue;
    const r = await kerats(['predict', run, j.file, '-o', path.join(tmp, 'cli-out.csv')]);
    assert.equal(r.code, 2, `${j.name}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`${j.file}:${j.line}:`), r.stderr);
    assert.doesNotMatch(r.stderr + r.stdout, /Wrote 0 predictions/);
  }
});

test('a run whose weights turn NaN says so, saves no model and keeps the last finite checkpoint', async () => {
  // A linear regression whose learning rate jumps a millionfold at epoch 3: the weights overflow.
  const cfg = write(
    'diverge.yaml',
    `name: diverge\nseed: 1\ndata:\n  train: {csv: ${path.join(ROOT, 'data/iris.csv')}, label: petal_width, features: [sepal_length, sepal_width, petal_length]}\n` +
      'model:\n  input_shape: [3]\n  layers:\n    - Dense: {units: 8}\n    - Dense: {units: 1}\n' +
      'compile: {optimizer: {SGD: {learning_rate: 0.001}}, loss: mse}\n' +
      'fit:\n  epochs: 6\n  batch_size: 16\n  callbacks:\n    - LearningRateScheduler: {schedule: {step: {every: 2, factor: 1000000}}}\n',
  );
  const out = path.join(tmp, 'diverge');
  const r = await kerats(['train', cfg, '--out', out], { cwd: tmp });
  assert.equal(r.code, 2, r.stderr);
  const m = /training diverged: after epoch (\d+) the weight "([^"]+)" holds NaN or infinite values, so the model is not saved; the last finite checkpoint \(after epoch (\d+)\) is kept in (\S+)\. Lower the learning rate/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const [, bad, , kept, where] = m;
  assert.equal(Number(kept), Number(bad) - 1);
  assert.ok(!existsSync(path.join(out, 'model.json')), 'no model saved at --out');
  const checkpoint = path.join(tmp, where ?? '');
  const state = JSON.parse(readFileSync(path.join(checkpoint, 'state.json'), 'utf8')) as { epoch: number };
  assert.equal(state.epoch, Number(kept));
  const w = readFileSync(path.join(checkpoint, 'weights.bin'));
  assert.ok(new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4).every(Number.isFinite), 'the kept checkpoint is finite');
});

test('predict into a folder that does not exist: exit 2 naming it, before anything is predicted', async () => {
  const run = await trained;
  const out = path.join(tmp, 'no-such-folder', 'out.csv');
  const r = await kerats(['predict', run, path.join(ROOT, 'data/iris.csv'), '-o', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`its folder "${path.dirname(out)}" does not exist (ENOENT)`), r.stderr);
  assert.ok(!hasStackTrace(r.stderr));
});

/** Hostile and unusual inputs through the real binary: each fails cleanly (exit 2, no stack) or works. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync, createWriteStream } from 'node:fs';
import path from 'node:path';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

const TINY = `name: tiny
seed: 1
data:
  train: {synthetic: {samples: 16, x_shape: [3], classes: 2}}
model:
  input_shape: [3]
  layers:
    - Dense: {units: 2, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
fit: {epochs: 1, batch_size: 8}
`;

function clean(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  assert.match(r.stderr, re);
}

test('two trains started at the same moment on the same config write two separate, complete run folders', async () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'tiny.yaml');
  writeFileSync(cfg, TINY);
  const runs = path.join(dir, 'runs');
  const [a, b] = await Promise.all([kerats(['train', cfg, '--json', '--runs', runs]), kerats(['train', cfg, '--json', '--runs', runs])]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const da = (JSON.parse(a.stdout) as { run_dir: string }).run_dir;
  const db = (JSON.parse(b.stdout) as { run_dir: string }).run_dir;
  assert.notEqual(da, db);
  for (const d of [da, db]) assert.ok(existsSync(path.join(d, 'model.json')) && existsSync(path.join(d, 'weights.bin')));
  assert.deepEqual(readdirSync(path.join(runs, 'tiny')).filter((n) => n.includes('partial')), []);
});

test('paths with spaces and non-ASCII characters work for configs, data and run folders', async () => {
  const dir = path.join(tempDir(), 'mes données é', '配置 files');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'iris ü.csv'), 'a,b,label\n' + Array.from({ length: 20 }, (_, i) => `${i % 4},${(i * 3) % 5},${i % 2 ? 'oui' : 'non'}`).join('\n') + '\n');
  writeFileSync(path.join(dir, 'modèle 1.yaml'), TINY.replace('{synthetic: {samples: 16, x_shape: [3], classes: 2}}', '{csv: "iris ü.csv", label: label}').replace('[3]', '[2]'));
  const runs = path.join(dir, 'runs ñ');
  const r = await kerats(['train', path.join(dir, 'modèle 1.yaml'), '--json', '--runs', runs]);
  assert.equal(r.code, 0, r.stderr);
  const runDir = (JSON.parse(r.stdout) as { run_dir: string }).run_dir;
  assert.ok(runDir.startsWith(runs));
  const s = await kerats(['summary', runDir, '--json']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal((JSON.parse(s.stdout) as { total_params: number }).total_params, 2 * 2 + 2);
});

test('configs never run code: a model.json and a config carrying JavaScript load inertly or fail cleanly', async () => {
  const dir = tempDir();
  const marker = path.join(dir, 'PWNED');
  const js = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
  const modelJson = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: { name: js, layers: [{ class_name: `constructor`, config: { units: 1, activation: js, name: `(() => { ${js} })()` } }] },
    },
    weightsManifest: [],
  };
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  const r = await kerats(['summary', path.join(dir, 'model.json')]);
  assert.ok(r.code === 2 || r.code === 0, r.stderr);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  writeFileSync(path.join(dir, 'c.yaml'), TINY.replace('Dense: {units: 2, activation: softmax}', `Dense: {units: 2, activation: !!js/function "function () { ${js} }"}`));
  const c = await kerats(['train', path.join(dir, 'c.yaml'), '--runs', path.join(dir, 'runs')]);
  assert.equal(c.code, 2, c.stderr);
  assert.ok(!hasStackTrace(c.stderr));
  writeFileSync(path.join(dir, 'p.yaml'), TINY.replace('Dense: {units: 2, activation: softmax}', '__proto__: {units: 2}'));
  clean(await kerats(['validate', path.join(dir, 'p.yaml')]), /unknown layer "__proto__"|__proto__/);
  assert.ok(!existsSync(marker), 'nothing ran');
});

test('huge or hostile inputs fail cleanly: 1e12 epochs, a 10^12-parameter layer (before allocating), a YAML bomb', async () => {
  const dir = tempDir();
  const file = (name: string, text: string) => { const f = path.join(dir, name); writeFileSync(f, text); return f; };
  clean(await kerats(['train', file('e.yaml', TINY.replace('epochs: 1', 'epochs: 1e12'))]), /"epochs" must be <= 1000000, got 1000000000000/);
  const started = Date.now();
  const big = await kerats(['train', file('b.yaml', TINY.replace('input_shape: [3]', 'input_shape: [1000000]').replace('units: 2', 'units: 1000000')), '--runs', path.join(dir, 'runs')]);
  clean(big, /layer 1 \(Dense\) would have 1,000,001,000,000 parameters/);
  assert.ok(Date.now() - started < 60_000, 'refused at once, nothing allocated');
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
  clean(await kerats(['validate', file('bomb.yaml', bomb + '\n' + TINY)]), /expands YAML aliases more than 100 times/);
});

test('a CSV with a 100 MB line fails cleanly, and the message does not flood the terminal', async () => {
  const dir = tempDir();
  const csv = path.join(dir, 'huge.csv');
  await new Promise<void>((resolve, reject) => {
    const w = createWriteStream(csv);
    w.on('error', reject);
    w.write('a,b,label\n1,2,x\n1,');
    const chunk = '9'.repeat(1 << 20);
    for (let i = 0; i < 100; i++) w.write(chunk);
    w.end(',y\n3,4,x\n', () => resolve());
  });
  writeFileSync(path.join(dir, 'c.yaml'), TINY.replace('{synthetic: {samples: 16, x_shape: [3], classes: 2}}', '{csv: huge.csv, label: label}').replace('[3]', '[2]'));
  const r = await kerats(['train', path.join(dir, 'c.yaml'), '--runs', path.join(dir, 'runs')], { timeoutMs: 300_000 });
  clean(r, /huge\.csv:3:\d+: error: column "b" is not a finite number/);
  assert.ok(r.stderr.length < 5000, `stderr is ${r.stderr.length} characters`);
  assert.match(r.stderr, /characters omitted/);
});

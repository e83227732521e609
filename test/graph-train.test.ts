/**
 * Every seed config trains to completion with a finite loss (1 epoch on its tiny synthetic data),
 * and the headline model trains through the real `kerats train` binary.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfig } from '../src/config/load.js';
import { runTraining } from '../src/runtime/train-run.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const DIR = path.join(ROOT, 'configs', 'seeds');
const out = tempDir('kerats-graph-train-');

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`${file} trains one epoch with a finite loss`, async () => {
    const config = await loadConfig(path.join(DIR, file));
    const r = await runTraining(config, { backend: 'wasm', runsRoot: out, out: path.join(out, file), argv: [] });
    assert.equal(r.epochs_completed, 1);
    const loss = r.history.loss?.[0];
    assert.ok(loss !== undefined && Number.isFinite(loss), `loss ${String(loss)}`);
  });
}

test('kerats train on the multi-input multi-output headline model logs each output\'s loss', async () => {
  const r = await kerats(['train', path.join(DIR, 'headline-multi-io.yaml'), '--out', path.join(out, 'cli-headline'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!hasStackTrace(r.stderr));
  const j = JSON.parse(r.stdout) as { history: Record<string, number[]> };
  for (const k of ['loss', 'main_output_loss', 'aux_output_loss']) assert.ok(Number.isFinite(j.history[k]?.[0]), k);
  // loss = 1.0 * main + 0.2 * aux (compile.loss_weights), as Keras sums them.
  const [total, main, aux] = ['loss', 'main_output_loss', 'aux_output_loss'].map((k) => j.history[k]?.[0] as number) as [number, number, number];
  assert.ok(Math.abs(total - (main + 0.2 * aux)) < 0.05, `${total} vs ${main} + 0.2 * ${aux}`);
});

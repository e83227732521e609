/**
 * The `tensorflow` backend built by `kerats setup tensorflow` (pip's TensorFlow, see
 * src/runtime/tf-native/) against the wasm backend, through the real CLI: the same parameter
 * counts, the same losses epoch by epoch to float tolerance, the same accuracy band, the same
 * predictions from one run folder, and a checkpoint written on wasm resumed on tensorflow. Also:
 * kerats' wasm kernel overrides never reach the tensorflow backend, and `--backend auto` chooses by
 * model size and says why. Skips, with the reason printed, where nothing is set up (CI sets it up
 * from the Python reference venv; see .ci/run).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { kerats, ROOT, tempDir, trainAndKill, writeIrisConfig } from './helpers/cli.js';
import { useBackend } from '../src/runtime/backend.js';
import { setUpState } from '../src/runtime/tf-native/load.js';
import { tfCacheRoot } from '../src/runtime/tf-native/record.js';
import { NATIVE_TF_MIN_BATCH, NATIVE_TF_MIN_PARAMS } from '../src/runtime/auto-choice.js';

const state = setUpState('tensorflow');
const skip = state.state === 'ready' ? undefined : state.state === 'none'
  ? `the tensorflow backend is not set up in ${tfCacheRoot()} (kerats setup tensorflow --python ~/.cache/kerats/pyref/bin/python)`
  : `the tensorflow backend is not usable: ${state.reason}`;
const tfVersion = state.state === 'ready' ? state.record.tf_version : '';

interface TrainJson {
  run_dir: string;
  backend: string;
  epochs_completed: number;
  history: Record<string, number[]>;
  validation?: Record<string, number>;
  tensorflow: { version: string; device: string; origin: string } | null;
  backend_choice: string | null;
}

async function train(args: string[], cwd = ROOT): Promise<TrainJson> {
  const r = await kerats(['train', ...args, '--json'], { cwd, timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as TrainJson;
}

/** Largest |a - b| / max(|a|, 1e-3) over two equally long series. */
function maxRelDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number)) / Math.max(Math.abs(v), 1e-3)));
}

describe('the tensorflow backend (kerats setup tensorflow)', { skip }, () => {
  it('kerats backends and doctor say it is available and which TensorFlow it runs on', async () => {
    const r = await kerats(['backends']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^tensorflow\\s+available — TensorFlow ${tfVersion.replace(/\./g, '\\.')} CPU, built from a local TensorFlow`, 'm'));
    const d = await kerats(['doctor', '--json']);
    const checks = (JSON.parse(d.stdout) as { checks: { name: string; status: string; detail: string }[] }).checks;
    const setup = checks.find((c) => c.name === 'setup:tensorflow');
    assert.equal(setup?.status, 'ok');
    assert.match(setup?.detail ?? '', new RegExp(`^loads: TensorFlow ${tfVersion.replace(/\./g, '\\.')} CPU`));
  });

  it('configs/iris.yaml: same parameters, same losses to float tolerance, same accuracy band as wasm; the manifest records TensorFlow', async () => {
    const runs = tempDir();
    const onTf = await train(['configs/iris.yaml', '--backend', 'tensorflow', '--runs', runs]);
    const onWasm = await train(['configs/iris.yaml', '--backend', 'wasm', '--runs', runs]);
    assert.equal(onTf.backend, 'tensorflow');
    assert.equal(onTf.tensorflow?.version, tfVersion);
    assert.equal(onTf.tensorflow?.origin, 'built from a local TensorFlow');
    assert.equal(onWasm.tensorflow, null);
    assert.equal(readFileSync(path.join(onTf.run_dir, 'summary.txt'), 'utf8'), readFileSync(path.join(onWasm.run_dir, 'summary.txt'), 'utf8'));
    // Same seed, same initial weights, same batches: the first epochs agree to float rounding; dropout
    // masks come from the same seeded stream, so later epochs stay close too.
    const first = (h: Record<string, number[]>): number[] => (h.loss ?? []).slice(0, 5);
    assert.ok(maxRelDiff(first(onTf.history), first(onWasm.history)) < 1e-3, `losses ${first(onTf.history).join(',')} vs ${first(onWasm.history).join(',')}`);
    for (const r of [onTf, onWasm]) assert.ok((r.validation?.accuracy ?? 0) >= 0.9, `val accuracy ${r.validation?.accuracy} on ${r.backend}`);
    assert.ok(Math.abs((onTf.validation?.loss ?? 0) - (onWasm.validation?.loss ?? 1)) < 0.02, `val loss ${onTf.validation?.loss} vs ${onWasm.validation?.loss}`);
    const manifest = JSON.parse(readFileSync(path.join(onTf.run_dir, 'manifest.json'), 'utf8')) as { backend: string; tensorflow: { version: string; device: string } };
    assert.equal(manifest.backend, 'tensorflow');
    assert.equal(manifest.tensorflow.version, tfVersion);
    assert.equal(manifest.tensorflow.device, 'CPU');
  });

  it('predictions from one run folder are the same on tensorflow and wasm', async () => {
    const dir = tempDir();
    const cfg = writeIrisConfig(path.join(dir, 'iris.yaml'), { name: 'iris', seed: 3, units: 8, epochs: 3, batchSize: 16 });
    const run = await train([cfg, '--backend', 'wasm', '--runs', path.join(dir, 'runs')], dir);
    const outs: Record<string, string[][]> = {};
    for (const backend of ['tensorflow', 'wasm']) {
      const out = path.join(dir, `pred-${backend}.csv`);
      const r = await kerats(['predict', run.run_dir, path.join(ROOT, 'data', 'iris.csv'), '-o', out, '--backend', backend], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      outs[backend] = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
    }
    const [a, b] = [outs.tensorflow ?? [], outs.wasm ?? []];
    assert.equal(a.length, 151);
    assert.deepEqual(a[0], b[0]);
    const probCols = (a[0] ?? []).map((h, i) => (h.startsWith('prob_') ? i : -1)).filter((i) => i >= 0);
    assert.equal(probCols.length, 3);
    let worst = 0;
    for (let r = 1; r < a.length; r++) for (const c of probCols) worst = Math.max(worst, Math.abs(Number(a[r]?.[c]) - Number(b[r]?.[c])));
    assert.ok(worst < 1e-5, `largest probability difference ${worst}`);
  });

  it('a run checkpointed on wasm resumes on tensorflow and ends where an uninterrupted wasm run does', async () => {
    const dir = tempDir();
    const cfg = writeIrisConfig(path.join(dir, 'tiny.yaml'), { name: 'tiny', seed: 5, units: 8, epochs: 5, batchSize: 8, learningRate: 0.01 });
    const full = await train([cfg, '--backend', 'wasm', '--out', path.join(dir, 'full')], dir);
    const runs = path.join(dir, 'runs');
    await trainAndKill([cfg, '--backend', 'wasm', '--runs', runs], dir, 2, 'SIGKILL');
    const partial = readdirSync(path.join(runs, 'tiny')).find((n) => n.includes('.partial-'));
    assert.ok(partial, 'an interrupted run folder');
    const resumed = await train([cfg, '--backend', 'tensorflow', '--runs', runs, '--resume', path.join(runs, 'tiny', partial)], dir);
    assert.equal(resumed.backend, 'tensorflow');
    assert.equal(resumed.epochs_completed, 5);
    assert.ok(maxRelDiff(resumed.history.loss ?? [], full.history.loss ?? []) < 1e-3, `${resumed.history.loss?.join(',')} vs ${full.history.loss?.join(',')}`);
  });

  it('--backend auto picks tensorflow for a model and batch above the measured rule and wasm for iris, printing why', async () => {
    const dir = tempDir();
    // 8 * 6500 + 3 = 52,003 parameters, batch 64: on the TensorFlow side of the rule.
    const big = writeIrisConfig(path.join(dir, 'big.yaml'), { name: 'big', seed: 1, units: 6500, epochs: 1, batchSize: NATIVE_TF_MIN_BATCH });
    const r = await kerats(['train', big, '--runs', path.join(dir, 'runs')], { cwd: dir, timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`backend auto: tensorflow: the model has 52,003 parameters and batch 64 \\(rule: tensorflow from ${NATIVE_TF_MIN_PARAMS.toLocaleString('en-US')} parameters`));
    assert.match(r.stdout, /^Backend: tensorflow/m);
    const small = await train(['configs/iris.yaml', '--set', 'fit.epochs=2', '--runs', path.join(dir, 'runs')]);
    assert.equal(small.backend, 'wasm');
    assert.match(small.backend_choice ?? '', /^wasm: the model has 131 parameters and batch 16 \(rule: /);
  });
});

describe('kernels on the tensorflow backend', { skip }, () => {
  it("kerats' wasm kernel overrides stay on wasm: the tensorflow backend keeps tfjs-node's own kernels", async () => {
    const active = await useBackend('tensorflow');
    assert.deepEqual(active.kernels, []);
    assert.equal(active.tensorflow?.version, tfVersion);
    const own = new Map(tf.getKernelsForBackend('tensorflow').map((k) => [k.kernelName, k.kernelFunc]));
    assert.ok(own.size > 100, `tfjs-node registers its kernels (${own.size})`);
    // Activating wasm installs kerats' overrides (BatchMatMul, conv gradients, ...) for wasm only.
    const wasm = await useBackend('wasm');
    assert.ok(wasm.kernels.includes('BatchMatMul') && wasm.kernels.includes('Conv2DBackpropFilter'));
    const after = tf.getKernelsForBackend('tensorflow');
    assert.equal(after.length, own.size);
    for (const k of after) {
      assert.equal(k.kernelFunc, own.get(k.kernelName), `${k.kernelName} on tensorflow is still tfjs-node's`);
      assert.notEqual(k.kernelFunc, tf.getKernel(k.kernelName, 'wasm')?.kernelFunc, `${k.kernelName} on tensorflow is not the wasm kernel`);
    }
    // And back on tensorflow it computes.
    await useBackend('tensorflow');
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    assert.deepEqual(Array.from(x.matMul(x).dataSync()), [7, 10, 15, 22]);
    assert.equal(tf.getBackend(), 'tensorflow');
  });
});

/**
 * The fused wasm paths of src/runtime/wasm-kernels/fused-layers.ts (LayerNormalization,
 * BatchNormalization in training, Dense and Conv2D with bias + activation) against tfjs-layers' own
 * generic path on the cpu backend: outputs, the gradients of every input and weight, and the
 * BatchNormalization moving averages agree to a relative error of 1e-4, for several shapes
 * including batch 1 and odd sizes. Runs with the native addon as built (OpenBLAS);
 * fused-norm-bundled/-plain run it with KERATS_NATIVE_BLAS=bundled and =0.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setFusedLayersEnabled } from '../src/runtime/wasm-kernels/fused-layers.js';
import { nativeNorm, nativeBlasStatus } from '../src/runtime/native/blas.js';
import { Adam, AdamW } from '../src/registry/optimizers/rules.js';
import { randoms, relativeError, useWasmWithTrainingKernels } from './helpers/numeric.js';

const TOL = 1e-4;

interface Result {
  label: string;
  data: Float32Array;
  shape: number[];
}

/**
 * Builds `make()` on `backend`, sets its weights from `weights` (scaled randoms of each weight's
 * shape), runs it on x in training mode and returns the output, the gradients of a non-linear loss
 * with respect to x and every trainable weight, then every weight after the call (moving averages).
 */
function runLayer(backend: string, make: () => tf.layers.Layer, xShape: number[], seed: number): Result[] {
  tf.setBackend(backend);
  const results: Result[] = [];
  tf.tidy(() => {
    const layer = make();
    layer.build(xShape);
    layer.setWeights(layer.getWeights().map((w, i) => {
      const r = randoms(w.size, seed + 100 + i);
      // Variances must stay positive; gammas near 1 as trained ones are.
      const name = layer.weights[i]?.name ?? '';
      const v = /variance/.test(name) ? r.map((q) => 1.5 + q) : /gamma/.test(name) ? r.map((q) => 1 + 0.5 * q) : r;
      return tf.tensor(v, w.shape);
    }));
    const x = tf.tensor(randoms(xShape.reduce((a, b) => a * b, 1), seed).map((q) => 2 * q + 0.3), xShape);
    const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const f = (xx: tf.Tensor): tf.Scalar => {
      const y = layer.apply(xx, { training: true }) as tf.Tensor;
      return tf.sum(tf.mul(y, tf.sin(tf.mul(y, 3))));
    };
    const profiled = results;
    const { value, grads } = tf.variableGrads(() => f(x), vars);
    const dx = tf.grad(f)(x);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    profiled.push({ label: 'y', data: y.dataSync() as Float32Array, shape: y.shape });
    assert.ok(Number.isFinite(value.dataSync()[0]));
    profiled.push({ label: 'dx', data: dx.dataSync() as Float32Array, shape: dx.shape });
    for (const v of vars) {
      const g = grads[v.name] as tf.Tensor;
      profiled.push({ label: `d ${v.name.replace(/.*\//, '').replace(/_\d+$/, '')}`, data: g.dataSync() as Float32Array, shape: g.shape });
    }
    layer.getWeights().forEach((w, i) => profiled.push({ label: `weight ${layer.weights[i]?.name.replace(/.*\//, '').replace(/_\d+$/, '')}`, data: w.dataSync() as Float32Array, shape: w.shape }));

  });
  return results;
}

function assertClose(label: string, want: Result[], got: Result[]): void {
  assert.equal(got.length, want.length, label);
  want.forEach((w, i) => {
    const g = got[i] as Result;
    assert.equal(g.label, w.label, label);
    assert.deepEqual(g.shape, w.shape, `${label} ${w.label}: shape`);
    const rel = relativeError(w.data, g.data);
    assert.ok(Number.isFinite(rel) && rel <= TOL, `${label} ${w.label}: relative error ${rel.toExponential(2)} > ${TOL}`);
  });
}

/** The kernels one training-mode forward + backward of the layer runs on wasm. */
async function kernelsOf(make: () => tf.layers.Layer, xShape: number[]): Promise<string[]> {
  tf.setBackend('wasm');
  const layer = make();
  layer.build(xShape);
  const x = tf.randomUniform(xShape);
  const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const prof = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor), vars);
    return [value, ...Object.values(grads)];
  });
  x.dispose();

  return prof.kernels.map((k) => k.name);
}

function check(label: string, make: () => tf.layers.Layer, xShape: number[], seed: number): void {
  const want = runLayer('cpu', make, xShape, seed);
  const got = runLayer('wasm', make, xShape, seed);
  assertClose(`${label} ${JSON.stringify(xShape)}`, want, got);
}

before(useWasmWithTrainingKernels);

let seed = 1;

describe('fused normalisation and bias + activation layers on wasm', () => {
  it('uses the addon\'s C loops exactly when the addon is in use', () => {
    assert.equal(nativeNorm() !== undefined, nativeBlasStatus().available, nativeBlasStatus().detail);
  });

  it('the addon\'s loops refuse offsets outside the WebAssembly memory instead of writing there', (t) => {
    const norm = nativeNorm();
    if (!norm) return t.skip(`addon not in use: ${nativeBlasStatus().detail}`);
    const mem = new ArrayBuffer(64 * 4);
    const view = new Float32Array(mem);
    view.set([1, 2, 3, 4, 1, 1, 1, 1, 0, 0, 0, 0]); // x = [[1, 2], [3, 4]], gamma = [1, 1], beta = [0, 0]
    // Two rows of two: y at 16, mean at 20, rstd at 22.
    norm.layerNorm(mem, 0, 4, 8, 16, 20, 22, 2, 2, 0);
    assert.deepEqual([...view.subarray(16, 24)], [-1, 1, -1, 1, 1.5, 3.5, 2, 2]);
    assert.throws(() => norm.layerNorm(mem, 0, 4, 8, 62, 20, 22, 2, 2, 0), /outside the WebAssembly memory/);
    assert.throws(() => norm.biasActGrad(mem, 0, 0, 60, 0, 4, 2, 1), /outside the WebAssembly memory/);
    assert.throws(() => norm.adam(mem, 0, 8, 16, 24, 32, 40, 60, 8, 0.1, 0.9, 0.999, 1e-7), /outside the WebAssembly memory/);
    assert.throws(() => norm.batchNorm(mem, 0, 4, 8, 16, 20, 22, 24, 0, 2, 0), /positive/);
  });

  it('LayerNormalization: output and gradients equal the generic path', () => {
    check('LayerNorm', () => tf.layers.layerNormalization({ epsilon: 1e-6 }), [4, 7, 64], 1);
    check('LayerNorm batch 1', () => tf.layers.layerNormalization({}), [1, 13], 2);
    check('LayerNorm odd', () => tf.layers.layerNormalization({ epsilon: 1e-3 }), [3, 5, 3], 3);
    check('LayerNorm two axes', () => tf.layers.layerNormalization({ axis: [-2, -1] }), [2, 3, 5], 4);
  });

  it('BatchNormalization in training: output, gradients and moving averages equal the generic path', () => {
    check('BatchNorm dense', () => tf.layers.batchNormalization({ momentum: 0.9 }), [16, 10], 5);
    check('BatchNorm image', () => tf.layers.batchNormalization({}), [3, 5, 7, 6], 6);
    check('BatchNorm batch 1', () => tf.layers.batchNormalization({ epsilon: 0.01 }), [1, 4, 4, 3], 7);
  });

  it('Dense with bias and each covered activation: output and gradients equal the generic path', () => {
    for (const activation of ['relu', 'linear', 'elu', 'sigmoid', 'tanh'] as const) {
      check(`Dense ${activation}`, () => tf.layers.dense({ units: 9, activation }), [5, 11], 10);
      check(`Dense ${activation} batch 1`, () => tf.layers.dense({ units: 3, activation }), [1, 7], 11);
    }
    check('Dense relu on sequences', () => tf.layers.dense({ units: 6, activation: 'relu' }), [3, 5, 4], 12);
  });

  it('Conv2D and Conv1D with bias and activation: output and gradients equal the generic path', () => {
    check('Conv2D relu valid', () => tf.layers.conv2d({ filters: 5, kernelSize: 3, activation: 'relu' }), [2, 9, 8, 3], 20);
    check('Conv2D relu same stride 2', () => tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), [1, 7, 7, 2], 21);
    check('Conv2D linear deep', () => tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'linear' }), [2, 6, 6, 16], 22);
    check('Conv1D relu valid', () => tf.layers.conv1d({ filters: 6, kernelSize: 5, activation: 'relu' }), [3, 17, 4], 24);
    check('Conv1D relu same stride 2 batch 1', () => tf.layers.conv1d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), [1, 9, 2], 25);
    check('Conv2D sigmoid', () => tf.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'sigmoid' }), [1, 5, 6, 1], 23);
  });

  it('Adam and AdamW: weights and moments after several steps equal the tensor-op rule on cpu', () => {
    const shapes = [[7, 5], [1], [33]];
    const run = (backend: string, make: () => Adam): Result[] => {
      tf.setBackend(backend);
      const vars = shapes.map((shape, i) => tf.variable(tf.tensor(randoms(shape.reduce((a, b) => a * b, 1), 40 + i), shape), true, `adam_w${i}_${backend}_${seed++}`));
      const opt = make();
      for (let step = 0; step < 4; step++) {
        const grads: tf.NamedTensorMap = {};
        vars.forEach((v, i) => {
          grads[v.name] = tf.tensor(randoms(v.size, 100 * step + i).map((q) => q * (1 + step)), v.shape);
        });
        opt.applyGradients(grads);
        tf.dispose(Object.values(grads));
      }
      const out = vars.map((v, i) => ({ label: `w${i}`, data: v.dataSync() as Float32Array, shape: v.shape }));
      tf.dispose(vars);
      opt.dispose();
      return out;
    };
    const adam = (): Adam => new Adam({ learningRate: 0.01 }, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    const adamW = (): Adam => new AdamW({ learningRate: 0.02, weightDecay: 0.004 }, { beta1: 0.8, beta2: 0.99, epsilon: 1e-6, amsgrad: false });
    assertClose('Adam', run('cpu', adam), run('wasm', adam));
    assertClose('AdamW', run('cpu', adamW), run('wasm', adamW));
  });

  it('a model of every fused layer trains on wasm without leaking tensors, its loss going down', async () => {
    tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.batchNormalization({}),
        tf.layers.reshape({ targetShape: [36, 4] }),
        tf.layers.conv1d({ filters: 5, kernelSize: 3, activation: 'relu' }),
        tf.layers.layerNormalization({}),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'tanh' }),
        tf.layers.dense({ units: 2, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
    const x = tf.tensor(randoms(16 * 8 * 8 * 2, 77), [16, 8, 8, 2]);
    const y = tf.tensor(randoms(16 * 2, 78).map((q) => (q > 0 ? 1 : 0)), [16, 2]);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 30; step++) {
      losses.push(Number(await model.trainOnBatch(x, y)));
      counts.push(tf.memory().numTensors);
    }
    assert.equal(counts[29], counts[2], `tensors per step: ${counts.join(',')}`);
    assert.ok((losses[29] as number) < 0.8 * (losses[0] as number), `loss ${losses[0]} -> ${losses[29]}`);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('runs one kernel per layer forward and one for its bias/activation or normalisation backward', async () => {
    const ln = await kernelsOf(() => tf.layers.layerNormalization({}), [4, 8, 16]);
    assert.deepEqual(ln.filter((k) => k.startsWith('Kerats')), ['KeratsLayerNorm', 'KeratsLayerNormGrad'], ln.join(','));
    tf.setBackend('wasm');
    const w = tf.variable(tf.ones([3, 4]));
    const opt = new Adam({ learningRate: 0.01 }, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    const adamKernels = (await tf.profile(() => opt.applyGradients({ [w.name]: tf.onesLike(w) }))).kernels.map((k) => k.name);
    assert.ok(adamKernels.includes('KeratsAdam') && !adamKernels.includes('Sqrt'), adamKernels.join(','));
    const dense = await kernelsOf(() => tf.layers.dense({ units: 8, activation: 'relu' }), [4, 16]);
    for (const k of ['Step', 'Cast', 'Relu']) assert.ok(!dense.includes(k), `${k} in ${dense.join(',')}`);
    assert.ok(dense.includes('KeratsBiasActGrad'), dense.join(','));
    const conv1d = await kernelsOf(() => tf.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu' }), [2, 9, 3]);
    assert.ok(conv1d.includes('KeratsBiasActGrad') && conv1d.includes('FusedConv2D') && !conv1d.includes('Step'), conv1d.join(','));
    setFusedLayersEnabled(false);
    try {
      const generic = await kernelsOf(() => tf.layers.layerNormalization({}), [4, 8, 16]);
      assert.ok(!generic.some((k) => k.startsWith('Kerats')) && generic.length > 10, generic.join(','));
    } finally {
      setFusedLayersEnabled(true);
    }
  });
});

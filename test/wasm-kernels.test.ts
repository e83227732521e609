/**
 * The wasm training kernels (src/runtime/wasm-kernels) against the cpu backend: forward results and
 * gradients on random inputs agree to a relative error of 1e-4, for the shapes Keras layers produce;
 * whole-model gradients agree; and a small CNN trains on wasm.
 *
 * With the optional OpenBLAS addon built (native/), matrix products, convolutions and MaxPoolGrad
 * run natively and these tests check those kernels; test/wasm-kernels-plain.test.ts runs the same
 * tests with the addon turned off and test/wasm-kernels-bundled.test.ts with its bundled SGEMM
 * instead of OpenBLAS, so every path is checked in one `npm test`.
 * test/kernels-tensorflow.test.ts runs the same equivalence tests on the `tensorflow` backend
 * (KERATS_KERNEL_TEST_BACKEND=tensorflow) when `kerats setup tensorflow` has built it.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/runtime/wasm-kernels/index.js';
import { nativeBlas, nativeBlasStatus } from '../src/runtime/native/blas.js';
import { useBackend } from '../src/runtime/backend.js';
import { randoms, relativeError } from './helpers/numeric.js';

/** The backend compared with cpu: wasm, or tensorflow (test/kernels-tensorflow.test.ts). */
const UNDER_TEST = process.env['KERATS_KERNEL_TEST_BACKEND'] === 'tensorflow' ? 'tensorflow' : 'wasm';
/** Tests of kerats' wasm kernels themselves (registration, the OpenBLAS addon, wasm memory) skip on another backend. */
const wasmOnly = UNDER_TEST === 'wasm' ? undefined : `checks kerats' wasm kernels themselves, not the ${UNDER_TEST} backend`;

const TOL = 1e-4;

interface Array_ {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
}
type Fn = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

let seed = 1;
function input(shape: number[], map?: (v: number) => number): Array_ {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = randoms(n, seed++);
  if (map) for (let i = 0; i < n; i++) data[i] = map(data[i] as number);
  return { data, shape };
}

/** Runs fn on `backend` with fresh tensors built from the same arrays; returns plain arrays. */
function runOn(backend: string, fn: Fn, inputs: Array_[]): Array_[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const ts = inputs.map((a) => tf.tensor(a.data, a.shape));
    const out = fn(...ts);
    return (Array.isArray(out) ? out : [out]).map((t) => ({ data: t.dataSync(), shape: t.shape }));
  });
}

/** Largest |cpu - wasm| over the largest |cpu|, per output; asserts shapes match and error <= TOL. */
function assertSameOnBothBackends(label: string, fn: Fn, inputs: Array_[]): void {
  const cpu = runOn('cpu', fn, inputs);
  const wasm = runOn(UNDER_TEST, fn, inputs);
  tf.setBackend(UNDER_TEST);
  assert.equal(wasm.length, cpu.length, label);
  cpu.forEach((c, i) => {
    const w = wasm[i] as Array_;
    assert.deepEqual(w.shape, c.shape, `${label}: output ${i} shape`);
    const rel = relativeError(c.data, w.data);
    assert.ok(rel <= TOL, `${label}: output ${i} relative error ${rel.toExponential(2)} > ${TOL}`);
  });
}

const lossOf = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, tf.sin(tf.mul(y, 3))));

before(async () => {
  if (UNDER_TEST === 'tensorflow') {
    await useBackend('tensorflow');
    return;
  }
  registerWasmTrainingKernels();
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
});

describe('registerWasmTrainingKernels', { skip: wasmOnly }, () => {
  it('registers the missing training kernels and is idempotent', () => {
    const names = registerWasmTrainingKernels();
    for (const k of ['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum', 'MaxPoolGrad', 'Tile', 'GatherV2']) {
      assert.ok(names.includes(k), `${k} in ${names.join(',')}`);
      assert.ok(tf.getKernel(k, 'wasm'), `${k} registered`);
    }
    const fn = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    assert.deepEqual(registerWasmTrainingKernels(), names);
    assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, fn);
  });

  it('can be undone and redone after the backend is initialised', () => {
    const names = registerWasmTrainingKernels();
    unregisterWasmTrainingKernels();
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    assert.deepEqual(registerWasmTrainingKernels(), names);
    assertSameOnBothBackends('matMul transposeB after re-register', (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true), [
      input([24, 40]),
      input([30, 40]),
    ]);
  });
});

describe('native OpenBLAS acceleration', { skip: wasmOnly }, () => {
  it('is used exactly when the addon is built and not turned off (CI requires it)', () => {
    const status = nativeBlasStatus();
    if (process.env['KERATS_REQUIRE_NATIVE_BLAS'] === '1' && process.env['KERATS_NATIVE_BLAS'] !== '0') {
      assert.ok(status.available, `the native addon is required here: ${status.detail}`);
    }
    const names = registerWasmTrainingKernels();
    for (const k of ['_FusedMatMul', 'Conv2D', 'FusedConv2D']) assert.equal(names.includes(k), status.available, `${k}: ${status.detail}`);
    if (status.available) assert.match(status.detail, /(OpenBLAS|bundled SGEMM) .*\d+ threads?/);
    if (status.available && process.env['KERATS_NATIVE_BLAS'] === 'bundled') assert.equal(status.gemm, 'bundled', status.detail);
  });

  it('refuses offsets outside the WebAssembly memory instead of writing there', (t) => {
    const blas = nativeBlas();
    if (!blas) return t.skip(`addon not in use: ${nativeBlasStatus().detail}`);
    const mem = new ArrayBuffer(64 * 4);
    const view = new Float32Array(mem);
    view.set([1, 2, 3, 4], 0); // a = [[1, 2], [3, 4]]
    view.set([5, 6, 7, 8], 4); // b = [[5, 6], [7, 8]]
    blas.gemm(mem, 0, 0, 2, 2, 2, 0, 4, 8, 1, 0, 0, 0, 0);
    assert.deepEqual([...view.subarray(8, 12)], [19, 22, 43, 50]);
    assert.throws(() => blas.gemm(mem, 0, 0, 2, 2, 2, 0, 4, 62, 1, 0, 0, 0, 0), /outside the WebAssembly memory/);
    // im2col of a 4x4 image into 2x2 patches of 3x3: 36 floats from offset 40 end past the 64.
    assert.throws(() => blas.im2col(mem, 0, 40, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 0, 0, 2, 2), /outside the WebAssembly memory/);
    blas.im2col(mem, 0, 20, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 0, 0, 2, 2);
    // The image is the 16 floats written so far (a, b, the product): its top-left 3x3 patch.
    assert.deepEqual([...view.subarray(20, 29)], [1, 2, 3, 5, 6, 7, 19, 22, 43]);
    assert.throws(() => blas.gemm(new ArrayBuffer(16), 0, 0, 0, 2, 2, 0, 0, 0, 1, 0, 0, 0, 0), /positive/);
  });
});

describe('fused kernels (Dense and Conv2D with bias and activation)', () => {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const;
  it('fused matMul with bias, each activation, values and gradients', () => {
    for (const activation of activations) {
      const fm = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor): tf.Tensor =>
        tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation, leakyreluAlpha: 0.1 });
      assertSameOnBothBackends(`fused ${activation}`, fm, [input([64, 48]), input([48, 40]), input([40])]);
      assertSameOnBothBackends(`fused ${activation} grads`, (a, b, c) => tf.grads((p, q, r) => lossOf(fm(p, q, r)))([a, b, c] as tf.Tensor[]), [
        input([64, 48]),
        input([48, 40]),
        input([40]),
      ]);
    }
  });

  it('fused conv2d with bias, deep enough for im2col + GEMM (3x3x8) and pointwise (1x1), each activation', () => {
    for (const activation of activations) {
      for (const [xs, k, pad] of [[[2, 9, 9, 8], 3, 'same'], [[2, 6, 6, 40], 1, 'valid']] as const) {
        const fc = (x: tf.Tensor, f: tf.Tensor, bias: tf.Tensor): tf.Tensor =>
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad, bias, activation, leakyreluAlpha: 0.1 });
        const shapes = [input([...xs]), input([k, k, xs[3], 12]), input([12])];
        assertSameOnBothBackends(`fused conv ${activation} ${k}x${k}`, fc, shapes);
        assertSameOnBothBackends(`fused conv ${activation} ${k}x${k} grads`, (x, f, b) => tf.grads((p, q, r) => lossOf(fc(p, q, r)))([x, f, b] as tf.Tensor[]), shapes);
      }
    }
  });
});

describe('BatchMatMul', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`transposeA=${ta} transposeB=${tb}: values, gradients, batched and broadcast`, () => {
      const a2 = ta ? [33, 20] : [20, 33];
      const b2 = tb ? [17, 33] : [33, 17];
      const mm = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.matMul(a, b, ta, tb);
      assertSameOnBothBackends('2-D', mm, [input(a2), input(b2)]);
      assertSameOnBothBackends('2-D grads', (a, b) => tf.grads((p, q) => lossOf(mm(p, q)))([a, b] as tf.Tensor[]), [input(a2), input(b2)]);
      assertSameOnBothBackends('batch 3', mm, [input([3, ...a2]), input([3, ...b2])]);
      assertSameOnBothBackends('b broadcast', mm, [input([2, 3, ...a2]), input([1, ...b2])]);
      assertSameOnBothBackends('a broadcast', mm, [input([1, ...a2]), input([4, ...b2])]);
      assertSameOnBothBackends('batched grads', (a, b) => tf.grads((p, q) => lossOf(mm(p, q)))([a, b] as tf.Tensor[]), [
        input([2, ...a2]),
        input([2, ...b2]),
      ]);
    });
  }

  it('Dense-sized products (XNNPACK path) and tiny ones (stock loop)', () => {
    assertSameOnBothBackends('128x512 . 512x256', (a, b) => tf.grads((p, q) => lossOf(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D)))([a, b] as tf.Tensor[]), [
      input([128, 512]),
      input([512, 256]),
    ]);
    assertSameOnBothBackends('3x4 . 4x2', (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, true), [input([4, 3]), input([2, 4])]);
  });
});

describe('convolution gradients', () => {
  // [x shape, kernel size, out channels, stride, padding]: Keras-style conv layers, including
  // both filter-gradient methods (kh·kw·cin < cout and >=) and strides that do not divide.
  const cases: Array<[number[], number, number, number, 'same' | 'valid']> = [
    [[2, 9, 9, 3], 3, 8, 1, 'same'],
    [[1, 9, 9, 1], 3, 16, 1, 'valid'],
    [[3, 10, 11, 8], 3, 4, 2, 'same'],
    [[2, 10, 11, 3], 3, 5, 2, 'valid'],
    [[2, 7, 7, 8], 5, 3, 3, 'valid'],
    [[2, 8, 8, 1], 2, 8, 2, 'same'],
    [[1, 12, 12, 3], 3, 32, 2, 'valid'],
    [[2, 9, 9, 3], 1, 4, 1, 'valid'],
  ];
  for (const [xs, k, cout, s, pad] of cases) {
    const cin = xs[3] as number;
    it(`conv2d x[${xs}] ${k}x${k}x${cout} stride ${s} ${pad}`, () => {
      const conv = (x: tf.Tensor, f: tf.Tensor): tf.Tensor => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad);
      assertSameOnBothBackends('grads', (x, f) => tf.grads((p, q) => lossOf(conv(p, q)))([x, f] as tf.Tensor[]), [input(xs), input([k, k, cin, cout])]);
    });
    it(`depthwiseConv2d x[${xs}] ${k}x${k} multiplier 1 and 2, stride ${s} ${pad}`, () => {
      for (const m of [1, 2]) {
        const dw = (x: tf.Tensor, f: tf.Tensor): tf.Tensor => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad);
        assertSameOnBothBackends(`m=${m} grads`, (x, f) => tf.grads((p, q) => lossOf(dw(p, q)))([x, f] as tf.Tensor[]), [input(xs), input([k, k, cin, m])]);
      }
    });
  }

  it('conv1d, separableConv2d and conv2dTranspose (Conv1D, SeparableConv2D, Conv2DTranspose layers)', () => {
    assertSameOnBothBackends('conv1d', (x, f) => tf.grads((p, q) => lossOf(tf.conv1d(p as tf.Tensor3D, q as tf.Tensor3D, 2, 'same')))([x, f] as tf.Tensor[]), [
      input([2, 20, 3]),
      input([5, 3, 6]),
    ]);
    assertSameOnBothBackends(
      'separableConv2d',
      (x, d, p) => tf.grads((a, b, c) => lossOf(tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 1, 'same')))([x, d, p] as tf.Tensor[]),
      [input([2, 8, 8, 3]), input([3, 3, 3, 2]), input([1, 1, 6, 4])],
    );
    assertSameOnBothBackends(
      'conv2dTranspose',
      (x, f) => tf.grads((a, b) => lossOf(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 9, 9, 3], 2, 'same')))([x, f] as tf.Tensor[]),
      [input([2, 5, 5, 4]), input([3, 3, 3, 4])],
    );
  });
});

describe('Identity', { skip: wasmOnly }, () => {
  it('tf.clone and the tensors saved for gradients share data: either copy outlives the other, both free it', () => {
    const backend = tf.engine().backend;
    const ids = backend.numDataIds();
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    assert.equal(backend.numDataIds(), ids + 1, 'the clone shares the data instead of copying it');
    a.dispose();
    assert.deepEqual([...b.dataSync()], [1, 2, 3]);
    b.dispose();
    assert.equal(backend.numDataIds(), ids, 'no wasm memory left behind');
    assertSameOnBothBackends('clone grads', (x) => tf.grads((p) => lossOf(tf.clone(tf.mul(p, tf.clone(p)))))([x] as tf.Tensor[]), [input([5, 7])]);
    assert.equal(backend.numDataIds(), ids);
  });
});

describe('pooling, reductions, gather, slicing and broadcasting', () => {
  it('maxPool gradients, including ties (first maximum wins, as on cpu)', () => {
    for (const [xs, k, s, pad] of [[[2, 8, 8, 3], 2, 2, 'valid'], [[2, 9, 7, 5], 2, 2, 'valid'], [[3, 9, 9, 4], 3, 2, 'same'], [[1, 7, 7, 1], 2, 1, 'same']] as const) {
      const pool = (x: tf.Tensor): tf.Tensor => tf.maxPool(x as tf.Tensor4D, k, s, pad);
      assertSameOnBothBackends(`maxPool ${xs}`, (x) => tf.grads((p) => lossOf(pool(p)))([x] as tf.Tensor[]), [input([...xs])]);
      assertSameOnBothBackends(`maxPool ties ${xs}`, (x) => tf.grads((p) => lossOf(pool(p)))([x] as tf.Tensor[]), [input([...xs], Math.round)]);
    }
  });

  it('gather gradient (Embedding) through UnsortedSegmentSum, out-of-range ids dropped', () => {
    const ids = { data: new Int32Array([0, 3, 3, 1, 7, 0, 2, 3]), shape: [2, 4] };
    assertSameOnBothBackends('gather grad', (x, i) => tf.grads((p) => lossOf(tf.gather(p, tf.cast(i as tf.Tensor, 'int32'))))([x] as tf.Tensor[]), [
      input([8, 5]),
      ids,
    ]);
    // TensorFlow refuses out-of-range segment ids ("segment_ids[5] = 9 is out of range [0, 4)", as Keras on TensorFlow does); tfjs drops them.
    const seg = { data: new Int32Array(UNDER_TEST === 'tensorflow' ? [0, 2, 2, 3, 1, 0] : [0, 2, 2, -1, 1, 9]), shape: [6] };
    assertSameOnBothBackends('unsortedSegmentSum', (x, i) => tf.unsortedSegmentSum(x as tf.Tensor, tf.cast(i as tf.Tensor, 'int32') as tf.Tensor1D, 4), [input([6, 3]), seg]);
  });

  it('gather (Embedding forward) along the first, a middle and the last axis, with repeated ids, int32 params too', () => {
    const ids = { data: new Int32Array([0, 3, 3, 1, 2, 0]), shape: [2, 3] };
    const take = (axis: number) => (x: tf.Tensor, i: tf.Tensor): tf.Tensor => tf.gather(x, tf.cast(i, 'int32'), axis);
    assertSameOnBothBackends('gather axis 0', (x, i) => take(0)(x as tf.Tensor, i as tf.Tensor), [input([4, 5]), ids]);
    assertSameOnBothBackends('gather axis 1', (x, i) => take(1)(x as tf.Tensor, i as tf.Tensor), [input([2, 4, 3]), ids]);
    // tfjs-node 4.22's GatherV2 does not normalise a negative axis (it reads shape[-1]: "index value 0
    // is not in [0, NaN]"); kerats' wasm kernel does, and is what the negative case is for.
    const last = UNDER_TEST === 'tensorflow' ? 2 : -1;
    assertSameOnBothBackends('gather axis -1', (x, i) => take(last)(x as tf.Tensor, i as tf.Tensor), [input([3, 2, 4]), ids]);
    assertSameOnBothBackends('gather int32', (x, i) => tf.cast(take(0)(tf.cast(x as tf.Tensor, 'int32'), i as tf.Tensor), 'float32'), [input([4, 3], (v) => Math.round(v * 9)), ids]);
  });

  it('sum and mean over leading and other axes, keepDims', () => {
    assertSameOnBothBackends(
      'reductions',
      (x) => [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2]), tf.sum(x, 0), tf.mean(x, [1, 0], true), tf.sum(x, [1, 2]), tf.mean(x, -1), tf.sum(x)],
      [input([4, 5, 6, 7])],
    );
  });

  it('tile, slice, unstack and split (RNN sequence handling)', () => {
    assertSameOnBothBackends(
      'tile',
      (x) => [tf.tile(x, [2, 1, 3, 1]), tf.tile(x, [1, 1, 1, 4]), tf.tile(tf.reshape(x, [840]), [3]), tf.tile(tf.cast(x, 'int32'), [1, 2, 1, 1])],
      [input([4, 5, 6, 7], (v) => v * 5)],
    );
    assertSameOnBothBackends(
      'slicing',
      (x) => [tf.slice(x, [1, 0, 2, 3], [2, 5, 3, -1]), ...tf.unstack(x, 1), ...tf.split(x, [1, 2, 3], 2), ...tf.split(x, 2, 0)],
      [input([4, 5, 6, 7])],
    );
  });

  it('comparisons and maximum with a broadcast middle axis (GlobalMaxPooling1D gradient)', () => {
    assertSameOnBothBackends(
      'broadcast compare',
      (a, b) => [tf.equal(a, b), tf.greater(a, b), tf.maximum(a, b), tf.minimum(b, a), tf.logicalAnd(tf.greater(a, 0), tf.greater(b, 0))],
      [input([3, 5, 4], Math.round), input([3, 1, 4], Math.round)],
    );
    assertSameOnBothBackends('max over time grad', (x) => tf.grads((p) => lossOf(tf.max(p, 1)))([x] as tf.Tensor[]), [input([3, 7, 5])]);
  });
});

/** Gradients of a model's loss w.r.t. all its weights, on one backend, from given weights. */
function modelGrads(backend: string, build: () => tf.LayersModel, weights: Array_[], x: Array_, y: Array_): Array_[] {
  tf.setBackend(backend);
  const model = build();
  model.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
  const out = tf.tidy(() => {
    const xt = tf.tensor(x.data, x.shape, x.data instanceof Int32Array ? 'int32' : 'float32');
    const yt = tf.tensor(y.data, y.shape);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt, { training: true }) as tf.Tensor) as tf.Scalar);
    return model.trainableWeights.map((w) => {
      const g = grads[w.originalName] as tf.Tensor;
      return { data: g.dataSync(), shape: g.shape };
    });
  });
  model.dispose();
  return out;
}

function assertModelGradsMatch(label: string, build: () => tf.LayersModel, x: Array_, y: Array_): void {
  tf.setBackend(UNDER_TEST);
  const ref = build();
  // Fixed weights, not the layers' random initial ones, so the comparison is the same every run
  // (float32 noise through an LSTM depends on the weights): each random-initialised weight becomes
  // seeded values of the same magnitude; constant ones (zero biases, LSTM forget-gate ones) stay.
  const weights = ref.getWeights().map((w, i) => {
    const data = w.dataSync() as Float32Array;
    const scale = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const constant = data.every((v) => v === data[0]);
    return { data: constant ? data : randoms(data.length, 7919 + i).map((v) => v * scale), shape: w.shape };
  });
  ref.dispose();
  const cpu = modelGrads('cpu', build, weights, x, y);
  const wasm = modelGrads(UNDER_TEST, build, weights, x, y);
  tf.setBackend(UNDER_TEST);
  cpu.forEach((c, i) => {
    const w = wasm[i] as Array_;
    const rel = relativeError(c.data, w.data);
    assert.ok(rel <= TOL, `${label}: weight ${i} gradient relative error ${rel.toExponential(2)}`);
  });
}

describe('whole-model gradients match the cpu backend', () => {
  it('Conv2D / DepthwiseConv2D / SeparableConv2D / BatchNormalization / pooling / Dense', () => {
    const build = (): tf.LayersModel => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
      // No bias before BatchNormalization: its exact gradient is 0, so only rounding noise is left to compare.
      m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false }));
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.separableConv2d({ filters: 8, kernelSize: 3, activation: 'relu' }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 4 }));
      return m;
    };
    const y = { data: new Float32Array(16).map((_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0)), shape: [4, 4] };
    assertModelGradsMatch('image model', build, input([4, 12, 12, 3]), y);
  });

  it('Embedding / Conv1D / LSTM / GlobalMaxPooling1D / Dense', () => {
    const build = (): tf.LayersModel => {
      const inp = tf.input({ shape: [10], dtype: 'int32' });
      const e = tf.layers.embedding({ inputDim: 20, outputDim: 6 }).apply(inp) as tf.SymbolicTensor;
      const c = tf.layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu' }).apply(e) as tf.SymbolicTensor;
      const r = tf.layers.lstm({ units: 5, returnSequences: true }).apply(c) as tf.SymbolicTensor;
      const g = tf.layers.globalMaxPooling1d({}).apply(r) as tf.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 3 }).apply(g) as tf.SymbolicTensor });
    };
    const ids = { data: new Int32Array(30).map((_, i) => (i * 7) % 20), shape: [3, 10] };
    const y = { data: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), shape: [3, 3] };
    assertModelGradsMatch('sequence model', build, ids, y);
  });
});

describe(`training on ${UNDER_TEST}`, () => {
  it('a small CNN (Conv2D-MaxPool-Conv2D-Flatten-Dense) learns: loss goes down', async () => {
    tf.setBackend(UNDER_TEST);
    // Class 1 images have a bright 3x3 square somewhere, class 0 do not.
    const n = 64;
    const noise = randoms(n * 14 * 14, 99);
    const xs = new Float32Array(n * 14 * 14);
    const ys = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const cls = i % 2;
      ys[i * 2 + cls] = 1;
      for (let p = 0; p < 196; p++) xs[i * 196 + p] = 0.2 * (noise[i * 196 + p] as number);
      if (cls === 1) {
        const r = 2 + (i % 8);
        const c = 2 + ((i >> 3) % 8);
        for (let dr = 0; dr < 3; dr++) for (let dc = 0; dc < 3; dc++) xs[i * 196 + (r + dr) * 14 + c + dc] = 1;
      }
    }
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [14, 14, 1], filters: 8, kernelSize: 3, activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.tensor4d(xs, [n, 14, 14, 1]);
    const y = tf.tensor2d(ys, [n, 2]);
    const hist = await model.fit(x, y, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
    const losses = hist.history['loss'] as number[];
    const first = losses[0] as number;
    const last = losses[losses.length - 1] as number;
    assert.ok(Number.isFinite(last), 'loss is finite');
    assert.ok(last < first * 0.5, `loss ${first.toFixed(4)} -> ${last.toFixed(4)} should at least halve`);
    // The kernels free every intermediate: further steps leave the backend's tensor count unchanged.
    const before = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
    assert.equal(tf.engine().backend.numDataIds(), before);
    tf.dispose([x, y]);
    model.dispose();
  });
});

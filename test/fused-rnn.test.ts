/**
 * The fused recurrent path of kerats' LSTM/GRU/SimpleRNN (registry/layers/fused-rnn.ts +
 * native/kerats_rnn.c) against tfjs's generic per-step path on the same wasm backend: forward outputs and every gradient (input, kernel,
 * recurrent kernel, bias, initial states) of LSTM, GRU (reset_after true and false) and SimpleRNN,
 * over batch 1 and odd sizes, return_sequences/return_state, go_backwards, masking and
 * Bidirectional; then a small training run on both paths. Without the addon (KERATS_NATIVE_BLAS=0,
 * test/fused-rnn-plain.test.ts) every layer must take the generic path and say why.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { nativeBlas } from '../src/runtime/native/blas.js';
import { recurrentPath, setFusedRnnEnabled } from '../src/registry/layers/fused-rnn.js';
import { recordedPaths } from '../src/runtime/profile/kernel-path.js';
import { FusedLSTM, FusedSimpleRNN } from '../src/registry/layers/fused-rnn-layers.js';
import { KerasGRU } from '../src/registry/layers/keras-gru.js';
import { randoms, relativeError, useWasmWithTrainingKernels } from './helpers/numeric.js';

const TOL = 1e-4;

type Kind = 'LSTM' | 'GRU' | 'GRU_before' | 'SimpleRNN';

interface Case {
  kind: Kind;
  batch: number;
  steps: number;
  features: number;
  units: number;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  initialState?: boolean;
  mask?: boolean;
  useBias?: boolean;
}

function makeLayer(c: Case): tf.layers.Layer {
  const common = {
    units: c.units,
    returnSequences: c.returnSequences ?? false,
    returnState: c.returnState ?? false,
    goBackwards: c.goBackwards ?? false,
    useBias: c.useBias ?? true,
    recurrentActivation: 'sigmoid' as const,
  };
  switch (c.kind) {
    case 'LSTM': return new FusedLSTM(common);
    case 'GRU': return new KerasGRU({ ...common, resetAfter: true });
    case 'GRU_before': return new KerasGRU({ ...common, resetAfter: false });
    default: return new FusedSimpleRNN(common);
  }
}

/** Sets every weight to seeded values of the initialisers' magnitude (deterministic across paths). */
function seedWeights(layer: tf.layers.Layer, seed: number): void {
  layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(randoms(w.size, seed + i, 0.5), w.shape)));
}

interface Result {
  outputs: Float32Array[];
  grads: Map<string, Float32Array>;
  fused: boolean[];
}

/** Forward + gradients of a scalar loss of every output, with respect to x, the initial states and the weights. */
function run(c: Case, layer: tf.layers.Layer, paths: () => object[]): Result {
  const x = tf.variable(tf.tensor(randoms(c.batch * c.steps * c.features, 11), [c.batch, c.steps, c.features]), true, `x${Math.random()}`);
  const nStates = c.kind === 'LSTM' ? 2 : 1;
  const states = c.initialState
    ? Array.from({ length: nStates }, (_, i) => tf.variable(tf.tensor(randoms(c.batch * c.units, 21 + i), [c.batch, c.units]), true, `s${i}${Math.random()}`))
    : [];
  // Some sequences end early (mask 0 from a per-sample position on), one starts masked.
  const mask = c.mask
    ? tf.tensor2d(Array.from({ length: c.batch }, (_, b) => Array.from({ length: c.steps }, (_, t) => (t < c.steps - (b % 3) && !(b === 1 && t === 0) ? 1 : 0))), undefined, 'bool')
    : undefined;
  const outputs: Float32Array[] = [];
  const vars = [x, ...states, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
  const { value, grads } = tf.variableGrads(() => {
    const kwargs: Record<string, unknown> = {};
    if (states.length > 0) kwargs['initialState'] = states;
    if (mask) kwargs['mask'] = mask;
    const out = layer.apply(x, kwargs) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    for (const o of list) outputs.push(o.dataSync() as Float32Array);
    return tf.addN(list.map((o) => tf.sum(tf.mul(o, tf.sin(tf.mul(o, 3)))))) as tf.Scalar;
  }, vars);
  const named = new Map<string, Float32Array>();
  vars.forEach((v, i) => {
    const g = grads[v.name];
    assert.ok(g, `gradient ${i} missing`);
    named.set(i === 0 ? 'x' : i <= states.length ? `state${i - 1}` : `weight ${layer.trainableWeights[i - 1 - states.length]?.name}`, g.dataSync() as Float32Array);
  });
  const fused = paths().map((l) => recurrentPath(l)?.fused === true);
  tf.dispose([value, ...Object.values(grads), x, ...states, ...(mask ? [mask] : [])]);
  return { outputs, grads: named, fused };
}

let fusedAvailable = false;

before(async () => {
  await useWasmWithTrainingKernels();
  fusedAvailable = nativeBlas()?.rnnForward !== undefined;
});

/** Runs the case on the fused and the generic path and compares everything. */
function compare(label: string, c: Case, wrap?: (l: tf.layers.Layer) => tf.layers.Layer): void {
  const inner = makeLayer(c);
  const layer = wrap ? wrap(inner) : inner;
  const bi = layer as unknown as { forwardLayer?: object; backwardLayer?: object };
  const paths = (): object[] => (bi.forwardLayer && bi.backwardLayer ? [bi.forwardLayer, bi.backwardLayer] : [layer]);
  // Build, then give the weights fixed values.
  tf.tidy(() => {
    layer.apply(tf.zeros([c.batch, c.steps, c.features]));
  });
  seedWeights(layer, 100 + c.units);
  setFusedRnnEnabled(true);
  const fused = run(c, layer, paths);
  setFusedRnnEnabled(false);
  const generic = run(c, layer, paths);
  setFusedRnnEnabled(true);
  assert.deepEqual(fused.fused, paths().map(() => fusedAvailable), `${label}: fused path taken where available`);
  assert.ok(generic.fused.every((f) => !f), `${label}: generic run is generic`);
  assert.equal(fused.outputs.length, generic.outputs.length);
  fused.outputs.forEach((o, i) => {
    const e = relativeError(generic.outputs[i] as Float32Array, o);
    assert.ok(e <= TOL, `${label}: output ${i} relative error ${e.toExponential(2)}`);
  });
  assert.deepEqual([...fused.grads.keys()], [...generic.grads.keys()]);
  for (const [name, g] of generic.grads) {
    const e = relativeError(g, fused.grads.get(name) as Float32Array);
    assert.ok(e <= TOL, `${label}: gradient of ${name} relative error ${e.toExponential(2)}`);
  }
  layer.dispose();
}

const KINDS: Kind[] = ['LSTM', 'GRU', 'GRU_before', 'SimpleRNN'];

describe('fused recurrent layers match the generic path', () => {
  for (const kind of KINDS) {
    it(`${kind}: last output, batch 4, 5 steps`, () => compare(kind, { kind, batch: 4, steps: 5, features: 3, units: 6 }));
    it(`${kind}: batch 1, 2 steps, return_sequences`, () => compare(kind, { kind, batch: 1, steps: 2, features: 2, units: 3, returnSequences: true }));
    it(`${kind}: odd sizes, return_sequences + return_state + initial state`, () =>
      compare(kind, { kind, batch: 3, steps: 7, features: 5, units: 7, returnSequences: true, returnState: true, initialState: true }));
    it(`${kind}: go_backwards, return_sequences, masking`, () =>
      compare(kind, { kind, batch: 5, steps: 6, features: 4, units: 5, returnSequences: true, goBackwards: true, mask: true }));
    it(`${kind}: masking, return_state, no bias`, () =>
      compare(kind, { kind, batch: 4, steps: 5, features: 3, units: 4, returnState: true, mask: true, useBias: false, initialState: true }));
    it(`${kind}: Bidirectional, return_sequences`, () =>
      compare(kind, { kind, batch: 3, steps: 4, features: 3, units: 5, returnSequences: true }, (l) =>
        tf.layers.bidirectional({ layer: l as tf.RNN, mergeMode: 'concat' }) as unknown as tf.layers.Layer));
  }
});

describe('fused recurrent fallback', () => {
  it('recurrent_dropout in training runs the generic path and says why', () => {
    const layer = new FusedLSTM({ units: 3, recurrentDropout: 0.5, recurrentActivation: 'sigmoid' });
    tf.tidy(() => {
      layer.apply(tf.ones([2, 3, 2]), { training: true });
    });
    const p = recurrentPath(layer);
    assert.equal(p?.fused, false);
    assert.match(p && !p.fused ? p.reason : '', fusedAvailable ? /dropout/ : /addon|turned off/);
    layer.dispose();
  });

  it('hard_sigmoid gates run the generic path', () => {
    const layer = new KerasGRU({ units: 3, recurrentActivation: 'hardSigmoid' });
    tf.tidy(() => {
      layer.apply(tf.ones([2, 3, 2]));
    });
    assert.equal(recurrentPath(layer)?.fused, false);
    // What `kerats profile --verbose` prints: the generic path, with a reason.
    const note = recordedPaths().get(layer.name);
    assert.equal(note?.path, 'generic');
    assert.match(note?.reason ?? '', /\S/);
    layer.dispose();
  });
});

describe('native recurrent kernels', () => {
  it('refuse tensors outside the WebAssembly memory instead of writing there', (t) => {
    const blas = nativeBlas();
    if (!blas?.rnnForward || !blas.rnnBackward || !blas.rnnWorkspace) return t.skip('addon not in use or without recurrent kernels');
    const mem = new ArrayBuffer(256 * 4);
    const view = new Float32Array(mem);
    // LSTM, B=2, T=3, I=2, U=2: x 12, W 16, R 16, hseq 12, last 4 + 4; the workspace (90 floats) would end past the 256.
    const ws = blas.rnnWorkspace(0, 2, 3, 2);
    assert.equal(ws, 2 * 3 * (7 * 2 + 1));
    assert.throws(() => blas.rnnForward?.(mem, 0, 2, 3, 2, 2, 0, 0, 12, 28, -1, -1, -1, -1, 44, 56, 60, 200), /outside the WebAssembly memory/);
    assert.throws(() => blas.rnnForward?.(mem, 0, 2, 3, 2, 2, 0, 0, 12, 28, -1, -1, -1, -1, 44, 56, 60, -5), /outside the WebAssembly memory/);
    assert.throws(() => blas.rnnBackward?.(mem, 1, 2, 3, 2, 2, 0, 0, 12, 28, 250, 44, 56, -1, 0, 12, 28, -1, 56, -1), /outside the WebAssembly memory/);
    assert.throws(() => blas.rnnForward?.(mem, 7, 2, 3, 2, 2, 0, 0, 12, 28, -1, -1, -1, -1, 44, 56, 60, 64), /bad recurrent layer sizes/);
    assert.ok(view.every((v) => v === 0), 'nothing written');
  });
});

describe('training with the fused path', () => {
  it('an Embedding + LSTM classifier learns the same on both paths', async () => {
    const n = 48;
    const ids = Array.from({ length: n }, (_, i) => Array.from({ length: 6 }, (_, t) => (i * 7 + t * 3) % 10));
    const labels = ids.map((row) => (row.reduce((a, b) => a + b, 0) % 2 === 0 ? 1 : 0));
    const losses: number[][] = [];
    const paths: boolean[] = [];
    for (const fused of [true, false]) {
      setFusedRnnEnabled(fused);
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6 }),
          new FusedLSTM({ units: 8, returnSequences: true, recurrentActivation: 'sigmoid' }),
          new KerasGRU({ units: 6, recurrentActivation: 'sigmoid', resetAfter: true }),
          tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      model.layers.forEach((l, i) => seedWeights(l, 500 + 10 * i));
      model.compile({ optimizer: tf.train.adam(0.02), loss: 'binaryCrossentropy' });
      const xs = tf.tensor2d(ids);
      const ys = tf.tensor2d(labels, [n, 1]);
      const h = await model.fit(xs, ys, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
      losses.push(h.history['loss'] as number[]);
      paths.push(recurrentPath(model.layers[1] as object)?.fused === true);
      tf.dispose([xs, ys]);
      model.dispose();
    }
    setFusedRnnEnabled(true);
    const [fused, generic] = losses as [number[], number[]];
    assert.deepEqual(paths, [fusedAvailable, false]);
    assert.ok((fused.at(-1) as number) < (fused[0] as number) * 0.9, `loss goes down: ${fused.join(', ')}`);
    fused.forEach((l, i) => assert.ok(Math.abs(l - (generic[i] as number)) <= 1e-3 * Math.max(1, Math.abs(l)), `epoch ${i}: ${l} vs ${generic[i]}`));
  });
});

/**
 * The training-step memory estimate against a real step's peak (tf.profile's peak bytes of live
 * tensors, wasm backend) for small versions of the keras.io models whose estimates were questioned:
 * the timeseries Transformer (MultiHeadAttention over the time steps, with and without attention
 * dropout; the estimate once counted 8 floats per attention score where tfjs keeps about 2, and
 * put such models at 1.5-3x their real peak) and the Oxford-pets U-Net (SeparableConv2D,
 * BatchNormalization, UpSampling2D, residual Adds). Within 1.5x either way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfigText } from '../src/config/load.js';
import { useBackend } from '../src/runtime/backend.js';
import { estimateStepMemory } from '../src/runtime/memory-estimate.js';
import { fusedPaths } from '../src/runtime/fused-paths.js';
import { setFusedLayersEnabled } from '../src/runtime/wasm-kernels/fused-layers.js';
import { setFusedAttentionEnabled } from '../src/runtime/wasm-kernels/fused-attention-op.js';
import { setFusedRnnEnabled } from '../src/registry/layers/fused-rnn.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { train } from '../src/runtime/training/trainer.js';

const BATCH = 4;

/** One keras.io timeseries-Transformer encoder block (head_size as key_dim) at `steps` time steps. */
const transformer = (steps: number, keyDim: number, dropout: number): string => `
model:
  inputs: [{name: x, shape: [${steps}, 1]}]
  layers:
    - MultiHeadAttention: {key_dim: ${keyDim}, num_heads: 4, dropout: ${dropout}, inputs: [x, x]}
    - Dropout: ${dropout}
    - LayerNormalization: {epsilon: 1.0e-6}
    - Add: {inputs: [layer_normalization, x], name: res}
    - Conv1D: {filters: 4, kernel_size: 1, activation: relu}
    - Conv1D: {filters: 1, kernel_size: 1}
    - LayerNormalization: {epsilon: 1.0e-6}
    - Add: {inputs: [layer_normalization_1, res]}
    - GlobalAveragePooling1D: {data_format: channels_first}
    - Dense: {units: 2, activation: softmax}
`;

/** The Oxford-pets U-Net's entry block, one down block and one up block, on 32x32 images. */
const UNET = `
model:
  inputs: [{name: image, shape: [32, 32, 3]}]
  layers:
    - Conv2D: {filters: 16, kernel_size: 3, strides: 2, padding: same}
    - BatchNormalization
    - Activation: {activation: relu, name: entry}
    - SeparableConv2D: {filters: 32, kernel_size: 3, padding: same}
    - BatchNormalization
    - Activation: relu
    - SeparableConv2D: {filters: 32, kernel_size: 3, padding: same}
    - BatchNormalization
    - MaxPooling2D: {pool_size: 3, strides: 2, padding: same}
    - Conv2D: {filters: 32, kernel_size: 1, strides: 2, padding: same, inputs: entry}
    - Add: {inputs: [max_pooling2d, conv2d_1], name: down}
    - Activation: relu
    - Conv2DTranspose: {filters: 32, kernel_size: 3, padding: same}
    - BatchNormalization
    - UpSampling2D: 2
    - UpSampling2D: {size: 2, inputs: down, name: skip_up}
    - Conv2D: {filters: 32, kernel_size: 1, padding: same, inputs: skip_up}
    - Add: {inputs: [up_sampling2d, conv2d_2]}
    - UpSampling2D: 2
    - Conv2D: {filters: 3, kernel_size: 3, activation: softmax, padding: same}
`;

async function ratio(yaml: string): Promise<{ estimate: number; measured: number }> {
  const config = loadConfigText(`name: mem\nseed: 1\n${yaml}\ncompile: {optimizer: adam, loss: sparse_categorical_crossentropy}\n`, 'mem.yaml');
  const model = buildModel(config.model, { seed: 1 });
  const out = (model.outputs[0] as tf.SymbolicTensor).shape.slice(1, -1) as number[];
  const x = tf.randomUniform([BATCH, ...((model.inputs[0] as tf.SymbolicTensor).shape.slice(1) as number[])], 0, 1, 'float32', 3);
  const y = tf.zeros([BATCH, ...out]);
  try {
    // One step: the batch, the forward pass kept for backprop, gradients, the optimizer's slots.
    const info = await tf.profile(async () => {
      await train(model, config.compile, { x, y, size: BATCH }, { epochs: 1, batchSize: BATCH, shuffle: false, callbacks: [] });
    });
    const est = estimateStepMemory(model, BATCH, config.compile.optimizer, fusedPaths(tf.getBackend()));
    if (process.env.KERATS_MEM_DEBUG) console.error(JSON.stringify({ ...est, measured: info.peakBytes, largestLayer: est.largestLayer?.name, paths: fusedPaths(tf.getBackend()) }));
    return { estimate: est.total, measured: info.peakBytes };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** Every fused wasm path off: tfjs-layers' own ops, as the cpu and tensorflow backends run them. */
function genericOps(): () => void {
  const was = setFusedLayersEnabled(false);
  setFusedRnnEnabled(false);
  setFusedAttentionEnabled(false);
  return () => {
    setFusedLayersEnabled(was);
    setFusedRnnEnabled(process.env.KERATS_FUSED_RNN !== '0');
    setFusedAttentionEnabled(process.env.KERATS_FUSED_ATTENTION !== '0');
  };
}

/** [name, model, the fused wasm kernels on (whichever the machine has) or off]. */
const CASES: [string, string, boolean][] = [
  ['transformer block, 200 steps, key_dim 16, no dropout', transformer(200, 16, 0), true],
  ['transformer block, 200 steps, key_dim 64, attention dropout 0.25', transformer(200, 64, 0.25), true],
  ['U-Net down and up blocks, 32x32', UNET, true],
  ['transformer block, 200 steps, key_dim 16, no dropout, fused kernels off (generic ops)', transformer(200, 16, 0), false],
  ['U-Net down and up blocks, 32x32, fused kernels off (generic ops)', UNET, false],
];

for (const [name, yaml, fused] of CASES) {
  test(`${name}: the estimate is within 1.5x of a real step's peak`, async () => {
    await useBackend('wasm');
    const restore = fused ? () => {} : genericOps();
    try {
      if (!fused) assert.deepEqual(fusedPaths('wasm'), { layers: false, recurrent: false, attention: false });
      const { estimate, measured } = await ratio(yaml);
      const r = estimate / measured;
      assert.ok(r > 1 / 1.5 && r < 1.5, `estimated ${estimate} bytes, measured ${measured} (ratio ${r.toFixed(2)})`);
    } finally {
      restore();
    }
  });
}

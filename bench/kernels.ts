/**
 * Training throughput on the wasm backend with and without the kerats training kernels
 * (src/runtime/wasm-kernels), alternating the two in one process so machine noise hits both.
 *
 *   node dist/bench/kernels.js [--rounds 3] [--steps 6] [--models mlp,cnn]
 *
 * Models (Adam, batch 128, random data, `model.trainOnBatch`):
 *   mlp: Dense 784-512-512-10
 *   cnn: Conv2D(32,3)-MaxPool-Conv2D(64,3)-MaxPool-Flatten-Dense(10) on 28x28x1
 *   lstm (opt-in): LSTM(64, sequences)-LSTM(64)-Dense(10) on 40 steps x 32 features (no
 *     Embedding: stock wasm cannot train one, UnsortedSegmentSum is missing)
 * Stock tfjs-backend-wasm 4.22 cannot train the CNN (Conv2DBackpropFilter is not registered), so the
 * "stock" CNN column adds only that kernel as a plain loop (the tfjs cpu backend's method).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/runtime/wasm-kernels/index.js';

const BATCH = 128;

interface Options {
  rounds: number;
  steps: number;
  models: string[];
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { rounds: 3, steps: 6, models: ['mlp', 'cnn'] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--rounds' && v) opts.rounds = Number(v);
    if (argv[i] === '--steps' && v) opts.steps = Number(v);
    if (argv[i] === '--models' && v) opts.models = v.split(',');
  }
  return opts;
}

function buildMlp(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

function buildCnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

function buildLstm(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.lstm({ inputShape: [40, 32], units: 64, returnSequences: true, recurrentInitializer: 'glorotUniform' }));
  m.add(tf.layers.lstm({ units: 64, recurrentInitializer: 'glorotUniform' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

const MODELS: Record<string, { build: () => tf.LayersModel; input: number[] }> = {
  mlp: { build: buildMlp, input: [784] },
  cnn: { build: buildCnn, input: [28, 28, 1] },
  lstm: { build: buildLstm, input: [40, 32] },
};

/** The cpu backend's Conv2DBackpropFilter loop on the wasm heap: the stock baseline for the CNN. */
const loopConv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as {
    readSync(id: object): Float32Array;
    makeOutput(shape: number[], dtype: tf.DataType, offset?: number, values?: Float32Array): tf.TensorInfo;
  };
  const x = inputs['x'] as tf.TensorInfo;
  const dy = inputs['dy'] as tf.TensorInfo;
  const a = attrs ?? {};
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a['filterShape'] as [number, number, number, number],
    a['strides'] as number,
    1,
    a['pad'] as 'same' | 'valid',
  );
  const xv = be.readSync(x.dataId);
  const dyv = be.readSync(dy.dataId);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const dW = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) {
          let s = 0;
          for (let b = 0; b < batchSize; b++) {
            for (let oh = 0; oh < outHeight; oh++) {
              const ih = oh * info.strideHeight + kh - top;
              if (ih < 0 || ih >= inHeight) continue;
              for (let ow = 0; ow < outWidth; ow++) {
                const iw = ow * info.strideWidth + kw - left;
                if (iw < 0 || iw >= inWidth) continue;
                s +=
                  (xv[((b * inHeight + ih) * inWidth + iw) * inChannels + ci] as number) *
                  (dyv[((b * outHeight + oh) * outWidth + ow) * outChannels + co] as number);
              }
            }
          }
          dW[((kh * filterWidth + kw) * inChannels + ci) * outChannels + co] = s;
        }
      }
    }
  }
  return be.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32', undefined, dW);
};

let loopKernelRegistered = false;

function useKernels(on: boolean): void {
  if (on) {
    if (loopKernelRegistered) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    loopKernelRegistered = false;
    registerWasmTrainingKernels();
  } else {
    unregisterWasmTrainingKernels();
    if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
      tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: loopConv2DBackpropFilter });
      loopKernelRegistered = true;
    }
  }
}

/** Samples/s of `steps` trainOnBatch calls after one warm-up step. */
async function samplesPerSecond(name: string, steps: number): Promise<number> {
  const spec = MODELS[name];
  if (!spec) throw new Error(`unknown model ${name}`);
  const model = spec.build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([BATCH, ...spec.input]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10);
  await model.trainOnBatch(x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const secs = (performance.now() - t0) / 1000;
  tf.dispose([x, y]);
  model.dispose();
  return (steps * BATCH) / secs;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await tf.setBackend('wasm');
  await tf.ready();
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, batch ${BATCH}, ${opts.steps} steps x ${opts.rounds} rounds`);
  for (const name of opts.models) {
    const stock: number[] = [];
    const ours: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
        useKernels(on);
        const sps = await samplesPerSecond(name, opts.steps);
        (on ? ours : stock).push(sps);
        console.log(`  ${name} round ${r + 1} ${on ? 'kerats' : 'stock '}: ${sps.toFixed(0)} samples/s`);
      }
    }
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
    const s = median(stock);
    const o = median(ours);
    console.log(`${name}: stock ${s.toFixed(0)} samples/s, kerats kernels ${o.toFixed(0)} samples/s, ratio ${(o / s).toFixed(2)}x`);
  }
  useKernels(true);
}

await main();

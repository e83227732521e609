/**
 * Peak memory of one training step, from shapes alone (no tensor is allocated): known before
 * training, so a step that cannot fit (WebAssembly's 4 GB, the machine's free memory) is refused
 * up front with the largest batch size that fits, instead of aborting mid-epoch.
 *
 * What a tfjs training step holds at its peak, in one of two phases:
 *   - backprop: the weights and the optimizer's slots, every tensor the forward pass made (tfjs keeps
 *     each intermediate until the gradient scope ends), the backward pass's gradients of them (about
 *     1.4 times as many again: BACKWARD_FACTOR), and the weights' gradients; a recurrent layer also
 *     holds a gradient of its kernels per time step until they are summed;
 *   - the update: weights, slots, gradients and the update rule's temporaries for every weight
 *     (kerats' optimizers update all weights in one scope; Adam makes 12 weight-sized tensors).
 * The per-layer counts were read from tfjs-layers' call() code and fitted to tf.profile's peak bytes
 * of a real step on the bench models: `node dist/bench/memory.js` prints estimate and measurement.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NamedEntry } from '../config/types.js';

const FLOAT = 4;

export interface LayerMemory {
  name: string;
  type: string;
  /** Bytes this layer keeps per sample for the backward pass. */
  perSample: number;
}

export interface StepMemory {
  batchSize: number;
  weights: number;
  gradients: number;
  optimizerSlots: number;
  /** Activations (and other forward intermediates) kept for backprop, at `batchSize`. */
  activations: number;
  /** The backward pass's largest temporary at `batchSize`. */
  largestTemporary: number;
  /** The estimated peak in bytes. */
  total: number;
  /** The layer that keeps the most per sample (named in messages). */
  largestLayer?: LayerMemory;
  /** Backprop's bytes that do not grow with the batch, and its bytes per sample. */
  fixed: number;
  perSample: number;
  /** The update phase's bytes (weights, slots, gradients, the update's temporaries). */
  update: number;
}

/** Gradients of the forward intermediates made by the backward pass, per intermediate (fitted). */
const BACKWARD_FACTOR = 1.4;

/**
 * Slots per weight the optimizer keeps, and the weight-sized temporaries one update makes (counted
 * in src/registry/optimizers/rules.ts: Adam's update is 12 tensor ops).
 */
export function optimizerCost(opt: NamedEntry | undefined): { slots: number; temporaries: number } {
  if (!opt) return { slots: 2, temporaries: 12 };
  const a = opt.args;
  const on = (k: string) => a[k] === true || (typeof a[k] === 'number' && (a[k] as number) > 0);
  const clip = ['clipnorm', 'clipvalue', 'global_clipnorm'].some(on) ? 2 : 0;
  const decay = on('weight_decay') || opt.type === 'AdamW' ? 2 : 0;
  const extra = clip + decay;
  switch (opt.type) {
    case 'SGD':
      return on('momentum') ? { slots: 1, temporaries: 6 + extra } : { slots: 0, temporaries: 2 + extra };
    case 'RMSprop':
      return { slots: 1 + (on('momentum') ? 1 : 0) + (on('centered') ? 1 : 0), temporaries: 8 + (on('centered') ? 3 : 0) + (on('momentum') ? 3 : 0) + extra };
    case 'Adam':
    case 'AdamW':
      return { slots: 2 + (on('amsgrad') ? 1 : 0), temporaries: 12 + (on('amsgrad') ? 1 : 0) + extra };
    case 'Adagrad':
      return { slots: 1, temporaries: 6 + extra };
    case 'Nadam':
      return { slots: 2, temporaries: 16 + extra };
    default: // Adamax, Adadelta
      return { slots: 2, temporaries: 12 + extra };
  }
}

const prod = (shape: readonly (number | null)[]): number => shape.reduce((a: number, b) => a * (b ?? 1), 1);

function outputShapes(layer: tf.layers.Layer): (number | null)[][] {
  const s = layer.outputShape as (number | null)[] | (number | null)[][];
  return Array.isArray(s[0]) ? (s as (number | null)[][]) : [s as (number | null)[]];
}

function inputShape(layer: tf.layers.Layer): (number | null)[] {
  // The first call's input (tfjs keeps the shapes on its inbound nodes; Layer.inputShape is not public).
  const nodes = (layer as unknown as { inboundNodes?: { inputShapes?: (number | null)[] | (number | null)[][] }[] }).inboundNodes;
  const s = nodes?.[0]?.inputShapes;
  if (!Array.isArray(s) || s.length === 0) return [];
  return (Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
}

/** Output-sized tensors per call of an activation (relu: 1; softmax: max, sub, exp, sum, div). */
function activationTensors(name: unknown): number {
  if (name === undefined || name === null || name === 'linear') return 0;
  if (name === 'softmax' || name === 'log_softmax' || name === 'logSoftmax') return 3;
  if (name === 'gelu' || name === 'swish' || name === 'silu' || name === 'selu' || name === 'elu') return 3;
  return 1;
}

/** Floats per sample the layer keeps for backprop (tfjs keeps every intermediate until the step ends). */
function keptPerSample(layer: tf.layers.Layer): number {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const out = outputShapes(layer).reduce((n, s) => n + prod(s.slice(1)), 0);
  const act = activationTensors(cfg.activation);
  switch (cls) {
    case 'InputLayer':
    case 'Flatten':
    case 'Reshape':
    case 'Permute':
      return 0; // a reshape shares its input's memory
    case 'Dense':
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'Conv1DTranspose':
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
    case 'SeparableConv1D':
    case 'SeparableConv2D':
    case 'DepthwiseConv2D':
      return out * (1 + (cfg.useBias === false ? 0 : 1) + act);
    case 'Dropout':
    case 'SpatialDropout1D':
    case 'SpatialDropout2D':
    case 'GaussianDropout':
    case 'AlphaDropout':
      return out * 3.25; // random mask, its comparison (bytes), the cast mask, the scaled output
    case 'BatchNormalization':
      return out * 4;
    case 'LayerNormalization':
      return out * 8;
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      const units = Number(cfg.units) || 0;
      const inShape = inputShape(layer);
      const steps = Number(inShape[1] ?? 1) || 1;
      const inDim = Number(inShape[inShape.length - 1] ?? 1) || 1;
      const gates = cls === 'LSTM' ? 4 : cls === 'GRU' ? 3 : 1;
      // Per step: x·W and h·U (gates*units each), their sum and bias, the gate slices, the gate
      // activations (hard sigmoid: 3 ops) and the state arithmetic, the input slice (fitted: an LSTM
      // keeps about 33 units and 1.7 input widths of floats per step).
      const perStep = (gates * 8 + 1) * units + 1.7 * inDim;
      return steps * perStep + out;
    }
    case 'MultiHeadAttention': {
      const inShape = inputShape(layer);
      const t = Number(inShape[1] ?? 1) || 1;
      const dim = Number(inShape[inShape.length - 1] ?? 1) || 1;
      const heads = Number(cfg.numHeads ?? cfg.num_heads) || 1;
      const key = Number(cfg.keyDim ?? cfg.key_dim) || dim;
      // Q, K, V projections (+bias, + head transposes), weighted sum, output projection: per
      // head feature. Scores and softmax: per score, about 2.2 (4.3 with attention dropout: its
      // mask, cast and scaled copy). Fitted to tf.profile's peak of a real step on wasm (one MHA
      // at T 100/200, key_dim 16/64, 4 heads, dropout 0/0.25; and the keras.io timeseries
      // Transformer, T 500: 391 MB per sample measured, 400 MB estimated; 8 per score, the old
      // figure, put it at 1.5x).
      const perScore = Number(cfg.dropout) > 0 ? 4.3 : 2.2;
      return t * heads * key * 12 + heads * t * t * perScore + out * 2;
    }
    case 'Embedding':
      return out + 1;
    case 'Activation':
      return out * Math.max(1, act);
    default:
      return out * (1 + act);
  }
}

/** A recurrent layer's per-step kernel gradients, held until backprop through time sums them. */
function perStepGradients(layer: tf.layers.Layer): number {
  if (!['LSTM', 'GRU', 'SimpleRNN'].includes(layer.getClassName())) return 0;
  const steps = Number(inputShape(layer)[1] ?? 1) || 1;
  return 4 * steps * layer.countParams();
}

/** Every layer, nested models' layers included (iteratively: no recursion on a deep model). */
function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const stack: tf.layers.Layer[] = [...model.layers].reverse();
  while (stack.length > 0) {
    const l = stack.pop() as tf.layers.Layer;
    const inner = (l as Partial<tf.LayersModel>).layers;
    if (Array.isArray(inner)) stack.push(...[...inner].reverse());
    else out.push(l);
  }
  return out;
}

/** The estimate at `batchSize` for `model` trained with `optimizer`. */
export function estimateStepMemory(model: tf.LayersModel, batchSize: number, optimizer?: NamedEntry): StepMemory {
  const weights = model.countParams() * FLOAT;
  const gradients = weights;
  const cost = optimizerCost(optimizer);
  const slots = cost.slots * weights;
  const all = allLayers(model);
  const layers: LayerMemory[] = all.map((l) => ({ name: l.name, type: l.getClassName(), perSample: keptPerSample(l) * FLOAT * (1 + BACKWARD_FACTOR) }));
  // The batch itself (inputs and targets) and the step's copy of it.
  const io = [...model.inputs, ...model.outputs].reduce((n, t) => n + prod(t.shape.slice(1)), 0) * FLOAT * 2;
  const perSample = layers.reduce((n, l) => n + l.perSample, 0) + io;
  const largestLayer = layers.reduce<LayerMemory | undefined>((m, l) => (!m || l.perSample > m.perSample ? l : m), undefined);
  const bptt = all.reduce((n, l) => n + perStepGradients(l), 0) * FLOAT;
  // Two phases peak separately: backprop (grows with the batch) and the update (does not).
  const backpropFixed = weights + slots + gradients + bptt;
  const update = weights + slots + gradients + cost.temporaries * weights;
  const backprop = backpropFixed + perSample * batchSize;
  const total = Math.max(backprop, update);
  return {
    batchSize,
    weights,
    gradients,
    optimizerSlots: slots,
    activations: perSample * batchSize,
    largestTemporary: Math.max(bptt, cost.temporaries * weights),
    total,
    ...(largestLayer ? { largestLayer } : {}),
    fixed: backpropFixed,
    perSample,
    update,
  };
}

/** The largest batch size whose step fits in `limit` bytes (0 when not even the weights fit). */
export function largestBatchThatFits(m: StepMemory, limit: number): number {
  if (m.update > limit) return 0;
  if (m.perSample <= 0) return m.fixed <= limit ? Number.MAX_SAFE_INTEGER : 0;
  return Math.max(0, Math.floor((limit - m.fixed) / m.perSample));
}

/** `1.23 GB`, `45.6 MB`: decimal units, as Keras prints model sizes. */
export function formatMemory(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

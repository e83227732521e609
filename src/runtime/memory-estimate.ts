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
 *
 * On wasm, kerats' fused kernels (src/runtime/wasm-kernels/fused-layers.ts, fused-attention.ts,
 * rnn-kernels.ts) replace a layer's chain of ops by one kernel with its own gradient, and keep far
 * less: `FusedPaths` says which of them the step will take (src/runtime/fused-paths.ts asks the
 * backend), and those layers, and a fused Adam update, get their own counts (fusedPerSample). The
 * generic counts above are unchanged: they are what the cpu and tensorflow backends (and wasm with
 * the fused paths off) keep.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NamedEntry } from '../config/types.js';

const FLOAT = 4;

/** The fused wasm paths a training step takes (all false: tfjs-layers' own ops everywhere). */
export interface FusedPaths {
  /** Dense, Conv1D/Conv2D (bias + activation), LayerNormalization, BatchNormalization and Adam's update. */
  layers: boolean;
  /** LSTM, GRU and SimpleRNN over the whole sequence (wasm with the native addon). */
  recurrent: boolean;
  /** MultiHeadAttention's scaled dot-product attention (wasm with the native addon). */
  attention: boolean;
}

export const GENERIC_PATHS: FusedPaths = { layers: false, recurrent: false, attention: false };

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
export function optimizerCost(opt: NamedEntry | undefined, paths: FusedPaths = GENERIC_PATHS): { slots: number; temporaries: number } {
  // The fused Adam step (not amsgrad) makes the new weight, m and v in one kernel: 3 weight-sized
  // tensors instead of 12 (measured: the bench MLP's update phase peaks at 7 weights' bytes).
  const fusedAdam = paths.layers && (!opt || ((opt.type === 'Adam' || opt.type === 'AdamW') && opt.args.amsgrad !== true));
  if (!opt) return { slots: 2, temporaries: fusedAdam ? 3 : 12 };
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
      if (fusedAdam) return { slots: 2, temporaries: 3 + extra };
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

/** Activations the fused bias + activation kernels handle (fused-layers.ts FUSED_ACTIVATIONS). */
const FUSED_ACTIVATIONS = new Set(['linear', 'relu', 'elu', 'sigmoid', 'tanh']);

const isOne = (v: unknown): boolean => (Array.isArray(v) ? v.every((d) => d === 1) : v === undefined || v === null || v === 1);

/** Whether fused-layers.ts runs this Dense/Conv1D/Conv2D/norm layer as one kernel (the checks of its *Call functions). */
function takesFusedLayer(cls: string, cfg: Record<string, unknown>, rank: number): boolean {
  const act = cfg.activation ?? 'linear';
  switch (cls) {
    case 'Dense':
      return cfg.useBias !== false && FUSED_ACTIVATIONS.has(String(act)) && rank >= 2;
    case 'Conv1D':
    case 'Conv2D':
      return cfg.useBias !== false && FUSED_ACTIVATIONS.has(String(act)) && (cfg.dataFormat ?? 'channelsLast') === 'channelsLast' &&
        (cfg.padding === 'same' || cfg.padding === 'valid') && isOne(cfg.dilationRate) && rank === (cls === 'Conv1D' ? 3 : 4);
    case 'LayerNormalization': {
      const axes = (Array.isArray(cfg.axis) ? (cfg.axis as number[]) : [Number(cfg.axis ?? -1)]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
      return cfg.center !== false && cfg.scale !== false && axes.every((a, i) => a === rank - axes.length + i);
    }
    case 'BatchNormalization':
      return cfg.center !== false && cfg.scale !== false && (cfg.axis === -1 || cfg.axis === rank - 1) && rank >= 2;
    default:
      return false;
  }
}

/** Floats of the native recurrent kernel's workspace per sample and time step (native/kerats_rnn.c ws_per_step + the mask). */
function rnnWorkspacePerStep(cls: string, units: number): number {
  return (cls === 'LSTM' ? 7 * units : cls === 'SimpleRNN' ? 2 * units : 5 * units) + 1;
}

/**
 * Bytes per sample a layer on a fused path holds at backprop's peak, forward and backward
 * together; undefined when the layer takes the generic path. Fitted on wasm (tf.profile's peak of
 * a real step, two batch sizes each to split fixed and per-sample bytes):
 *   - Dense/Conv (one kernel forward, saving only x, W and y; dz and db in one kernel backward):
 *     4 outputs and 2 inputs (bench MLP at batch 1024/2048 and CNN at 32/128 fit within 2%);
 *   - LayerNormalization/BatchNormalization (y, row mean and 1/std forward; dx in one kernel): NORM_FUSED outputs;
 *   - LSTM/GRU/SimpleRNN (the whole-sequence kernel's workspace and hidden sequence, and their
 *     gradients): 2.1 times workspace + hidden states per step (bench stacked LSTM at batch 16/64);
 *   - MultiHeadAttention (packed Q/K/V projection, the softmax weights, context, output): see below.
 */
function fusedPerSample(layer: tf.layers.Layer, paths: FusedPaths): number | undefined {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const inShape = inputShape(layer);
  const out = outputShapes(layer).reduce((n, s) => n + prod(s.slice(1)), 0);
  const inp = prod(inShape.slice(1));
  if (paths.layers && takesFusedLayer(cls, cfg, inShape.length)) {
    if (cls === 'LayerNormalization' || cls === 'BatchNormalization') return out * NORM_FUSED * FLOAT;
    // tanh runs as its own kernel after the fused one: its input is kept too.
    return (out * (4 + (cfg.activation === 'tanh' ? 1 : 0)) + inp * 2) * FLOAT;
  }
  if (paths.recurrent && (cls === 'LSTM' || cls === 'GRU' || cls === 'SimpleRNN')) {
    const recurrentOk = cls === 'SimpleRNN' || cfg.recurrentActivation === 'sigmoid';
    if (cfg.stateful === true || Number(cfg.dropout) > 0 || Number(cfg.recurrentDropout) > 0 || cfg.activation !== 'tanh' || !recurrentOk) return undefined;
    const units = Number(cfg.units) || 0;
    const steps = Number(inShape[1] ?? 1) || 1;
    return (steps * (rnnWorkspacePerStep(cls, units) + units) * 2.1 + out) * FLOAT;
  }
  if (paths.attention && cls === 'MultiHeadAttention' && !(Number(cfg.dropout) > 0)) {
    const t = Number(inShape[1] ?? 1) || 1;
    const heads = Number(cfg.numHeads ?? cfg.num_heads) || 1;
    const key = Number(cfg.keyDim ?? cfg.key_dim) || 1;
    const value = Number(cfg.valueDim ?? cfg.value_dim) || key;
    // Per head feature: the packed projection, the context and their gradients; per score: the
    // softmax weights kept for the gradient and the gradient's own score-sized buffer.
    return (t * heads * (2 * key + value) * ATTENTION_FUSED_FEATURE + heads * t * t * ATTENTION_FUSED_SCORE + out * 2) * FLOAT;
  }
  return undefined;
}

/** Fused norm layers: floats per output element (fitted, see fusedPerSample). */
const NORM_FUSED = 4;
/** Fused attention: floats per projected head feature and per attention score (fitted, see fusedPerSample). */
const ATTENTION_FUSED_FEATURE = 7.5;
const ATTENTION_FUSED_SCORE = 1.5;

/** A recurrent layer's per-step kernel gradients, held until backprop through time sums them. */
function perStepGradients(layer: tf.layers.Layer, paths: FusedPaths): number {
  if (!['LSTM', 'GRU', 'SimpleRNN'].includes(layer.getClassName())) return 0;
  // The fused kernel sums the kernels' gradients over the steps itself.
  if (paths.recurrent && fusedPerSample(layer, paths) !== undefined) return 0;
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

/**
 * The estimate at `batchSize` for `model` trained with `optimizer`, on the fused paths `paths`
 * (fusedPaths(backend) in src/runtime/fused-paths.ts; default: the generic tfjs ops).
 */
export function estimateStepMemory(model: tf.LayersModel, batchSize: number, optimizer?: NamedEntry, paths: FusedPaths = GENERIC_PATHS): StepMemory {
  const weights = model.countParams() * FLOAT;
  const gradients = weights;
  const cost = optimizerCost(optimizer, paths);
  const slots = cost.slots * weights;
  const all = allLayers(model);
  const layers: LayerMemory[] = all.map((l) => ({
    name: l.name,
    type: l.getClassName(),
    perSample: fusedPerSample(l, paths) ?? keptPerSample(l) * FLOAT * (1 + BACKWARD_FACTOR),
  }));
  // The batch itself (inputs and targets) and the step's copy of it.
  const io = [...model.inputs, ...model.outputs].reduce((n, t) => n + prod(t.shape.slice(1)), 0) * FLOAT * 2;
  const perSample = layers.reduce((n, l) => n + l.perSample, 0) + io;
  const largestLayer = layers.reduce<LayerMemory | undefined>((m, l) => (!m || l.perSample > m.perSample ? l : m), undefined);
  const bptt = all.reduce((n, l) => n + perStepGradients(l, paths), 0) * FLOAT;
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

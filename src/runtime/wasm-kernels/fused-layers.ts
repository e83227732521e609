/**
 * Routes the training of LayerNormalization, BatchNormalization, Dense, Conv2D and Conv1D on the wasm
 * backend through one-kernel-each forward and backward passes (src/runtime/wasm-kernels/fused-norm.ts).
 *
 * tfjs-core fuses matmul/conv + bias + activation only when no gradient is being recorded, so during
 * training a Dense(relu) runs BatchMatMul, Add, Relu forward and Step, Cast, Multiply, Sum backward;
 * tfjs-layers' LayerNormalization runs moments, four Tiles and a batchNorm whose gradient is some 25
 * element-wise kernels, and BatchNormalization's is similar. Here each layer's `call` (patched on
 * the tfjs-layers class, so models built any way, saved files and the engine are unchanged) runs
 * registered kernels with registered gradients or a custom-gradient op instead, when the backend is
 * wasm and the case is covered; every other case runs tfjs-layers' own `call`.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeNorm } from '../native/blas.js';
import { ADAM_STEP, BATCH_NORM_GRAD, BATCH_NORM_TRAIN, BIAS_ACT_GRAD, LAYER_NORM, LAYER_NORM_GRAD, fusedNormKernels } from './fused-norm.js';

const BACKEND = 'wasm';

type Kwargs = Record<string, unknown>;
type CallFn = (this: LayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

/** The tfjs-layers internals read here (public fields of the layer classes, not in their d.ts). */
interface LayerLike {
  activation?: { getClassName(): string };
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  movingMean?: tf.LayerVariable;
  movingVariance?: tf.LayerVariable;
  axis?: number | number[];
  momentum?: number;
  epsilon?: number;
  rank?: number;
  strides?: number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
  invokeCallHook?(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): void;
}

/** Activations whose derivative the bias-gradient kernel computes from the layer's output. */
const FUSED_ACTIVATIONS = new Set(['linear', 'relu', 'elu', 'sigmoid', 'tanh']);
/** Those the wasm _FusedMatMul/FusedConv2D kernels apply themselves (tanh runs as a Tanh kernel after). */
const KERNEL_ACTIVATIONS = new Set(['linear', 'relu', 'elu', 'sigmoid']);

let active = false;
/** Off: tfjs-layers' own calls even while installed (the benchmark times both in one process). */
let enabled = true;
const patched = new Map<LayerLike, CallFn>();

function engine(): { runKernel(name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap): tf.Tensor | tf.Tensor[] } {
  return tf.engine() as unknown as ReturnType<typeof engine>;
}
function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = engine().runKernel(name, inputs, attrs);
  return Array.isArray(out) ? out : [out];
}

/** Whether the fused path may run now: the wasm backend is active and the kernels are installed. */
function onWasm(...ts: tf.Tensor[]): boolean {
  return active && enabled && tf.getBackend() === BACKEND && ts.every((t) => t.dtype === 'float32');
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : undefined;
}

function activationOf(layer: LayerLike): string | undefined {
  const name = layer.activation?.getClassName() ?? 'linear';
  return FUSED_ACTIVATIONS.has(name) ? name : undefined;
}

/** act(z) where z came out of a fused kernel applying `kernelAct`. */
function finish(z: tf.Tensor, activation: string): tf.Tensor {
  return KERNEL_ACTIVATIONS.has(activation) ? z : run('Tanh', { x: z })[0] as tf.Tensor;
}

// ---- Dense: y = act(x·W + b) forward in one kernel, dz and db in one, then two GEMMs ----

const denseOps = new Map<string, (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

function denseOp(activation: string): (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  let op = denseOps.get(activation);
  if (op) return op;
  const kernelAct = KERNEL_ACTIVATIONS.has(activation) ? activation : 'linear';
  op = tf.customGrad((...args) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    // The stock wasm kernel reads its operands as [batch, rows, cols], as tfjs-core's fused.matMul passes them.
    const [m, k] = x.shape;
    const n = w.shape[1];
    const a3 = tf.reshape(x, [1, m, k]);
    const b3 = tf.reshape(w, [1, k, n]);
    const z3 = run('_FusedMatMul', { a: a3, b: b3, bias: b }, { transposeA: false, transposeB: false, activation: kernelAct })[0] as tf.Tensor;
    const z = tf.reshape(z3, [m, n]);
    const y = finish(z, activation);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [dz, db] = run(BIAS_ACT_GRAD, { dy, y: sy }, { activation }) as [tf.Tensor2D, tf.Tensor1D];
        return [tf.matMul(dz, sw, false, true), tf.matMul(sx, dz, true, false), db];
      },
    };
  }) as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  denseOps.set(activation, op);
  return op;
}

function denseCall(layer: LayerLike, input: tf.Tensor): tf.Tensor | undefined {
  const activation = activationOf(layer);
  if (!activation || !layer.kernel || !layer.bias || input.rank < 2) return undefined;
  const w = layer.kernel.read();
  const b = layer.bias.read();
  if (!onWasm(input, w, b) || w.rank !== 2 || b.rank !== 1) return undefined;
  const [k, units] = w.shape as [number, number];
  if (input.shape[input.rank - 1] !== k) return undefined;
  if (input.rank === 2) return denseOp(activation)(input, w, b);
  const lead = input.shape.slice(0, -1);
  return tf.reshape(denseOp(activation)(tf.reshape(input, [-1, k]), w, b), [...lead, units]);
}

// ---- Conv2D: y = act(conv(x, W) + b) forward in one kernel, dz and db in one, then the two conv gradients ----

interface ConvGeometry {
  strides: [number, number];
  pad: 'same' | 'valid';
}

const convOps = new Map<string, (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

function convOp(activation: string, g: ConvGeometry): (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  const key = `${activation}/${g.strides.join('x')}/${g.pad}`;
  let op = convOps.get(key);
  if (op) return op;
  const kernelAct = KERNEL_ACTIVATIONS.has(activation) ? activation : 'linear';
  const attrs = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC' };
  op = tf.customGrad((...args) => {
    const [x, w, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const z = run('FusedConv2D', { x, filter: w, bias: b }, { ...attrs, dilations: [1, 1], activation: kernelAct })[0] as tf.Tensor;
    const y = finish(z, activation);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const [dz, db] = run(BIAS_ACT_GRAD, { dy, y: sy }, { activation }) as [tf.Tensor4D, tf.Tensor1D];
        const dx = run('Conv2DBackpropInput', { dy: dz, filter: sw }, { ...attrs, inputShape: sx.shape })[0] as tf.Tensor;
        const dw = run('Conv2DBackpropFilter', { x: sx, dy: dz }, { ...attrs, filterShape: sw.shape })[0] as tf.Tensor;
        return [dx, dw, db];
      },
    };
  }) as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  convOps.set(key, op);
  return op;
}

function conv2dCall(layer: LayerLike, input: tf.Tensor): tf.Tensor | undefined {
  const activation = activationOf(layer);
  if (!activation || layer.rank !== 2 || !layer.kernel || !layer.bias || input.rank !== 4) return undefined;
  if (layer.dataFormat !== 'channelsLast' || (layer.padding !== 'same' && layer.padding !== 'valid')) return undefined;
  const dilation = layer.dilationRate;
  if (Array.isArray(dilation) ? dilation.some((d) => d !== 1) : dilation !== undefined && dilation !== 1) return undefined;
  const strides = layer.strides;
  if (!strides || strides.length !== 2) return undefined;
  const w = layer.kernel.read();
  const b = layer.bias.read();
  if (!onWasm(input, w, b) || w.rank !== 4 || b.rank !== 1) return undefined;
  return convOp(activation, { strides: [strides[0] as number, strides[1] as number], pad: layer.padding })(input, w, b);
}

/** Conv1D as tfjs runs it, a Conv2D over [batch, 1, steps, channels] with a [1, k, in, out] filter. */
function conv1dCall(layer: LayerLike, input: tf.Tensor): tf.Tensor | undefined {
  const activation = activationOf(layer);
  if (!activation || layer.rank !== 1 || !layer.kernel || !layer.bias || input.rank !== 3) return undefined;
  if (layer.dataFormat !== 'channelsLast' || (layer.padding !== 'same' && layer.padding !== 'valid')) return undefined;
  const dilation = layer.dilationRate;
  if (Array.isArray(dilation) ? dilation.some((d) => d !== 1) : dilation !== undefined && dilation !== 1) return undefined;
  const stride = layer.strides?.[0];
  const w = layer.kernel.read();
  const b = layer.bias.read();
  if (stride === undefined || !onWasm(input, w, b) || w.rank !== 3 || b.rank !== 1) return undefined;
  const [n, steps, channels] = input.shape as [number, number, number];
  const [k, inC, filters] = w.shape as [number, number, number];
  const y = convOp(activation, { strides: [1, stride], pad: layer.padding })(tf.reshape(input, [n, 1, steps, channels]), tf.reshape(w, [1, k, inC, filters]), b);
  return tf.reshape(y, [n, y.shape[2] as number, filters]);
}

// ---- LayerNormalization: one kernel forward (y, row means, row 1/std), one backward ----

/** The number of trailing axes normalised, when they are x's last ones in order; else undefined. */
function trailingAxes(axis: number | number[] | undefined, rank: number): number | undefined {
  const axes = (Array.isArray(axis) ? axis : [axis ?? -1]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  return axes.every((a, i) => a === rank - axes.length + i) ? axes.length : undefined;
}

function layerNormCall(layer: LayerLike, input: tf.Tensor): tf.Tensor | undefined {
  if (!layer.gamma || !layer.beta || input.rank < 1) return undefined;
  const n = trailingAxes(layer.axis, input.rank);
  const gamma = layer.gamma.read();
  const beta = layer.beta.read();
  if (n === undefined || !onWasm(input, gamma, beta)) return undefined;
  const d = input.shape.slice(input.rank - n).reduce((p, q) => p * q, 1);
  if (gamma.size !== d || beta.size !== d || d === 0 || input.size === 0) return undefined;
  return run(LAYER_NORM, { x: input, gamma, beta }, { epsilon: layer.epsilon ?? 1e-3 })[0];
}

// ---- BatchNormalization in training: one kernel forward (y, batch mean and variance), one backward ----

function batchNormCall(layer: LayerLike, input: tf.Tensor, kwargs: Kwargs): tf.Tensor | undefined {
  if (kwargs['training'] !== true || !layer.gamma || !layer.beta || !layer.movingMean || !layer.movingVariance || input.rank < 2) return undefined;
  const axis = typeof layer.axis === 'number' ? layer.axis : undefined;
  if (axis !== -1 && axis !== input.rank - 1) return undefined;
  const gamma = layer.gamma.read();
  const beta = layer.beta.read();
  const c = input.shape[input.rank - 1] as number;
  if (!onWasm(input, gamma, beta) || gamma.size !== c || beta.size !== c || input.size === 0) return undefined;
  const [y, mean, variance] = run(BATCH_NORM_TRAIN, { x: input, gamma, beta }, { epsilon: layer.epsilon ?? 1e-3 }) as [tf.Tensor, tf.Tensor, tf.Tensor];
  // tfjs-layers' moving-average update, unchanged: moving -= (moving - batch) · (1 - momentum).
  const momentum = layer.momentum ?? 0.99;
  for (const [variable, value] of [[layer.movingMean, mean], [layer.movingVariance, variance]] as const) {
    tf.tidy(() => {
      const orig = variable.read();
      variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
    });
  }
  return y;
}

// ---- Adam: one pass instead of 12 element-wise kernels over every weight ----

/**
 * Runs one Adam step (m, v and w updated as src/runtime/training/optimizers/rules.ts's Adam does)
 * as one wasm kernel; returns false, having done nothing, when the fused path does not apply.
 */
export function fusedAdamStep(w: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, alpha: number, beta1: number, beta2: number, epsilon: number): boolean {
  if (!onWasm(w, g, m, v) || w.size === 0 || g.size !== w.size || m.size !== w.size || v.size !== w.size) return false;
  const [w2, m2, v2] = run(ADAM_STEP, { w, g, m, v }, { alpha, beta1, beta2, epsilon }) as [tf.Tensor, tf.Tensor, tf.Tensor];
  m.assign(m2);
  v.assign(v2);
  w.assign(w2);
  return true;
}

// ---- gradients of the registered kernels ----

function registerGradients(): void {
  if (!tf.getGradient(LAYER_NORM)) {
    tf.registerGradient({
      kernelName: LAYER_NORM,
      inputsToSave: ['x', 'gamma'],
      outputsToSave: [false, true, true],
      gradFunc: (dys, saved) => {
        const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
        const [x, gamma, mean, rstd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dg, db] = run(LAYER_NORM_GRAD, { dy, x, gamma, mean, rstd }) as [tf.Tensor, tf.Tensor, tf.Tensor];
        return { x: () => dx, gamma: () => dg, beta: () => db };
      },
    });
  }
  if (!tf.getGradient(BATCH_NORM_TRAIN)) {
    tf.registerGradient({
      kernelName: BATCH_NORM_TRAIN,
      inputsToSave: ['x', 'gamma'],
      // The batch mean and variance feed only the moving averages, never the loss: their gradients are ignored.
      outputsToSave: [false, true, false, true],
      gradFunc: (dys, saved) => {
        const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
        const [x, gamma, mean, rstd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dg, db] = run(BATCH_NORM_GRAD, { dy, x, gamma, mean, rstd }) as [tf.Tensor, tf.Tensor, tf.Tensor];
        return { x: () => dx, gamma: () => dg, beta: () => db };
      },
    });
  }
}

// ---- installing ----

type Fast = (layer: LayerLike, input: tf.Tensor, kwargs: Kwargs) => tf.Tensor | undefined;

const FAST_CALLS: Readonly<Record<string, Fast>> = {
  Dense: denseCall,
  Conv2D: conv2dCall,
  Conv1D: conv1dCall,
  LayerNormalization: layerNormCall,
  BatchNormalization: batchNormCall,
};

function layerPrototype(className: string): LayerLike | undefined {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className] as unknown as [{ prototype: LayerLike }] | undefined;
  return entry?.[0]?.prototype;
}

function patchLayers(): void {
  for (const [className, fast] of Object.entries(FAST_CALLS)) {
    const proto = layerPrototype(className) as (LayerLike & { call: CallFn }) | undefined;
    if (!proto || patched.has(proto)) continue;
    const original = proto.call;
    patched.set(proto, original);
    proto.call = function fusedCall(this: LayerLike, inputs, kwargs) {
      const input = single(inputs);
      if (!active || !enabled || !input) return original.call(this, inputs, kwargs);
      const out = tf.tidy(() => fast(this, input, kwargs ?? {}));
      if (!out) return original.call(this, inputs, kwargs);
      // What Dense's own call does first (a debugging hook of tfjs-layers; the others have none).
      if (className === 'Dense') this.invokeCallHook?.(inputs, kwargs);
      return out;
    };
  }
}

/**
 * Registers the fused kernels for wasm (the addon's C loops when it has them, else JavaScript) and
 * routes the layers through them. `register(name, f)` installs one kernel the way the caller tracks
 * its kernels (so unregistering removes them too).
 */
export function installFusedLayers(register: (kernelName: string, kernelFunc: tf.KernelFunc) => void): void {
  for (const [name, f] of fusedNormKernels(nativeNorm())) register(name, f);
  registerGradients();
  patchLayers();
  active = true;
}

/** Turns the fused layer paths off (false) or back on; returns the previous setting. */
export function setFusedLayersEnabled(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether Dense/Conv/norm layers and Adam take the fused kernels on wasm now (installed and not turned off). */
export function fusedLayersActive(): boolean {
  return active && enabled;
}

/** Back to tfjs-layers' own `call`s (the kernels are removed by the caller). */
export function uninstallFusedLayers(): void {
  active = false;
  for (const [proto, original] of patched) (proto as LayerLike & { call: CallFn }).call = original;
  patched.clear();
}

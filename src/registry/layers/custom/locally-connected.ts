/**
 * Keras 2's LocallyConnected1D / LocallyConnected2D: like Conv1D/Conv2D, but each output position
 * has its own (unshared) filter. Weights have Keras 2's shapes (implementation=1), so parameter
 * counts match:
 *   1D: kernel (out_len, kernel_size * in_ch, filters), bias (out_len, filters)
 *   2D: kernel (out_rows * out_cols, kh * kw * in_ch, filters), bias (out_rows, out_cols, filters)
 * where out = floor((in - kernel) / stride) + 1 (padding "valid", the only one Keras supports).
 * Each position's patch is flattened in (row, col, channel) order, as Keras does.
 */
import * as tf from '@tensorflow/tfjs';
import { deserializeInit, register, type ConfigDict, type Initializer, type Kwargs, type Shape } from './util.js';

export interface LocallyConnectedArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  dataFormat?: string;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: Initializer | ConfigDict;
  biasInitializer?: Initializer | ConfigDict;
  implementation?: number;
  name?: string;
  trainable?: boolean;
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  dtype?: tf.DataType;
}

const ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  softmax: (x) => tf.softmax(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
};

export const LOCALLY_CONNECTED_ACTIVATIONS = Object.keys(ACTIVATIONS);

const tupleOf = (v: number | number[] | undefined, n: number, def: number): number[] =>
  v === undefined ? Array<number>(n).fill(def) : Array.isArray(v) ? v : Array<number>(n).fill(v);

abstract class LocallyConnectedBase extends tf.layers.Layer {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly activationName: string;
  readonly useBias: boolean;
  readonly implementation: number;
  readonly kernelInit: Initializer;
  readonly biasInit: Initializer;
  protected kernel: tf.LayerVariable | null = null;
  protected bias: tf.LayerVariable | null = null;

  constructor(args: LocallyConnectedArgs, readonly rank: 1 | 2) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    this.filters = args.filters;
    this.kernelSize = tupleOf(args.kernelSize, rank, 1);
    this.strides = tupleOf(args.strides, rank, 1);
    if ((args.padding ?? 'valid') !== 'valid') throw new Error(`${this.getClassName()} supports only padding "valid" (as Keras does), got "${args.padding}"`);
    if ((args.dataFormat ?? 'channels_last').replace('_', '').toLowerCase() !== 'channelslast') {
      throw new Error(`${this.getClassName()} supports only data_format "channels_last"`);
    }
    this.activationName = args.activation ?? 'linear';
    if (!(this.activationName in ACTIVATIONS)) {
      throw new Error(`${this.getClassName()} activation must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got "${this.activationName}"`);
    }
    this.useBias = args.useBias ?? true;
    this.implementation = args.implementation ?? 1;
    this.kernelInit = deserializeInit(args.kernelInitializer, () => tf.initializers.glorotUniform({}));
    this.biasInit = deserializeInit(args.biasInitializer, () => tf.initializers.zeros());
  }

  /** Output spatial sizes for the given input spatial sizes. */
  protected outSizes(spatial: (number | null)[]): number[] {
    return spatial.map((d, i) => {
      if (typeof d !== 'number') throw new Error(`${this.getClassName()} needs known spatial dimensions (unshared weights per position)`);
      return Math.floor((d - (this.kernelSize[i] as number)) / (this.strides[i] as number)) + 1;
    });
  }

  protected inputDims(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (s.length !== this.rank + 2) throw new Error(`expected ndim=${this.rank + 2}, found ndim=${s.length}`);
    return s;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.inputDims(inputShape);
    const outs = this.outSizes(s.slice(1, -1));
    const positions = outs.reduce((a, b) => a * b, 1);
    const patch = this.kernelSize.reduce((a, b) => a * b, 1) * (s[s.length - 1] as number);
    this.kernel = this.addWeight('kernel', [positions, patch, this.filters], 'float32', this.kernelInit, undefined, true);
    if (this.useBias) this.bias = this.addWeight('bias', [...outs, this.filters], 'float32', this.biasInit, undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = this.inputDims(inputShape);
    return [s[0] ?? null, ...this.outSizes(s.slice(1, -1)), this.filters];
  }

  /** (B, positions, patch) patches in Keras's order. */
  protected abstract patches(x: tf.Tensor): tf.Tensor;

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const p = tf.transpose(this.patches(x), [1, 0, 2]); // (positions, B, patch)
      let y = tf.transpose(tf.matMul(p, (this.kernel as tf.LayerVariable).read()), [1, 0, 2]); // (B, positions, filters)
      const outShape = this.computeOutputShape(x.shape) as number[];
      y = tf.reshape(y, [x.shape[0] as number, ...outShape.slice(1)]);
      if (this.bias) y = tf.add(y, this.bias.read());
      return (ACTIVATIONS[this.activationName] as (t: tf.Tensor) => tf.Tensor)(y);
    });
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: 'valid',
      dataFormat: 'channels_last',
      activation: this.activationName,
      useBias: this.useBias,
      implementation: this.implementation,
      kernelInitializer: { className: this.kernelInit.getClassName(), config: this.kernelInit.getConfig() },
      biasInitializer: { className: this.biasInit.getClassName(), config: this.biasInit.getConfig() },
    };
  }
}

export class LocallyConnected1D extends LocallyConnectedBase {
  static className = 'LocallyConnected1D';
  constructor(args: LocallyConnectedArgs) {
    super(args, 1);
  }
  protected patches(x: tf.Tensor): tf.Tensor {
    const [B, L, C] = x.shape as [number, number, number];
    const [out] = this.outSizes([L]) as [number];
    const k = this.kernelSize[0] as number;
    const s = this.strides[0] as number;
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < out; i++) parts.push(tf.reshape(tf.slice(x, [0, i * s, 0], [B, k, C]), [B, 1, k * C]));
    return tf.concat(parts, 1);
  }
}

export class LocallyConnected2D extends LocallyConnectedBase {
  static className = 'LocallyConnected2D';
  constructor(args: LocallyConnectedArgs) {
    super(args, 2);
  }
  protected patches(x: tf.Tensor): tf.Tensor {
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const [oh, ow] = this.outSizes([H, W]) as [number, number];
    const [kh, kw] = this.kernelSize as [number, number];
    const [sh, sw] = this.strides as [number, number];
    const parts: tf.Tensor[] = [];
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) parts.push(tf.reshape(tf.slice(x, [0, r * sh, c * sw, 0], [B, kh, kw, C]), [B, 1, kh * kw * C]));
    }
    return tf.concat(parts, 1);
  }
}

register(LocallyConnected1D);
register(LocallyConnected2D);

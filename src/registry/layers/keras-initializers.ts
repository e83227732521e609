/**
 * Initializers with Keras's semantics and reliable seeds. tfjs's own classes differ from Keras in
 * ways a user notices:
 *  - `RandomUniform({minval: 0})` silently becomes -0.05 (tfjs uses `||` for defaults);
 *  - VarianceScaling's truncated normal omits Keras's 0.8796 correction, so he_normal,
 *    glorot_normal and lecun_normal start with ~12% too small a spread;
 *  - Orthogonal prints a console warning for any matrix over 2000 elements (every LSTM) and takes
 *    ~30 s for an LSTM(128) recurrent kernel;
 *  - Identity refuses non-square matrices, which Keras accepts;
 *  - a seeded initializer draws the same numbers for every weight it is applied to.
 * These classes keep tfjs's class names and config keys, so a saved model still loads in plain
 * tfjs, and they replace tfjs's registrations so layers that clone themselves through their
 * config (Bidirectional) get Keras semantics too.
 */
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { mixSeed } from './seed.js';

type Shape = number[];
type Config = tf.serialization.ConfigDict;
type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'normal' | 'uniform' | 'untruncatedNormal';

/** tfjs does not export the Initializer base class at runtime; reach it through an instance. */
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as abstract new () => Initializer;

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function optSeed(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function floatDtype(dtype?: tf.DataType): 'float32' | 'int32' {
  return dtype === 'int32' ? 'int32' : 'float32';
}

/** Base for random initializers: each `apply` call gets its own seed from the configured one. */
abstract class SeededInitializer extends InitializerBase {
  seed: number | undefined;
  private calls = 0;
  constructor(config: Config) {
    super();
    this.seed = optSeed(config.seed);
  }
  protected nextSeed(): number | undefined {
    if (this.seed === undefined) return undefined;
    const n = this.calls++;
    return n === 0 ? this.seed : mixSeed(this.seed, n);
  }
}

export class KerasZeros extends InitializerBase {
  static className = 'Zeros';
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    return tf.zeros(shape, dtype);
  }
  override getConfig(): Config {
    return {};
  }
}

export class KerasOnes extends InitializerBase {
  static className = 'Ones';
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    return tf.ones(shape, dtype);
  }
  override getConfig(): Config {
    return {};
  }
}

export class KerasConstant extends InitializerBase {
  static className = 'Constant';
  readonly value: number;
  constructor(config: Config) {
    super();
    this.value = num(config.value, 0);
  }
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    return tf.fill(shape, this.value, dtype);
  }
  override getConfig(): Config {
    return { value: this.value };
  }
}

export class KerasRandomUniform extends SeededInitializer {
  static className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor(config: Config) {
    super(config);
    this.minval = num(config.minval, -0.05);
    this.maxval = num(config.maxval, 0.05);
  }
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    return tf.randomUniform(shape, this.minval, this.maxval, floatDtype(dtype), this.nextSeed());
  }
  override getConfig(): Config {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}

export class KerasRandomNormal extends SeededInitializer {
  static className = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(config: Config) {
    super(config);
    this.mean = num(config.mean, 0);
    this.stddev = num(config.stddev, 0.05);
  }
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    return tf.randomNormal(shape, this.mean, this.stddev, floatDtype(dtype), this.nextSeed());
  }
  override getConfig(): Config {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

export class KerasTruncatedNormal extends KerasRandomNormal {
  static override className = 'TruncatedNormal';
  override apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    return tf.truncatedNormal(shape, this.mean, this.stddev, floatDtype(dtype), this.nextSeed());
  }
}

/** Keras's `compute_fans`: kernels are channels-last, the receptive field multiplies both fans. */
export function computeFans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0] ?? 1, shape[0] ?? 1];
  if (shape.length === 2) return [shape[0] ?? 1, shape[1] ?? 1];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [(shape[shape.length - 2] ?? 1) * receptive, (shape[shape.length - 1] ?? 1) * receptive];
}

export class KerasVarianceScaling extends SeededInitializer {
  static className = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  constructor(config: Config) {
    super(config);
    this.scale = num(config.scale, 1);
    const mode = config.mode;
    this.mode = mode === 'fanOut' || mode === 'fanAvg' ? mode : 'fanIn';
    const d = config.distribution;
    this.distribution = d === 'uniform' || d === 'untruncatedNormal' ? d : 'normal';
  }
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, n);
    const dt = floatDtype(dtype);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * scale);
      return tf.randomUniform(shape, -limit, limit, dt, this.nextSeed());
    }
    if (this.distribution === 'untruncatedNormal') return tf.randomNormal(shape, 0, Math.sqrt(scale), dt, this.nextSeed());
    // Keras: the stddev of a unit normal truncated at two stddevs is 0.8796; divide it out.
    return tf.truncatedNormal(shape, 0, Math.sqrt(scale) / 0.8796256610342398, dt, this.nextSeed());
  }
  override getConfig(): Config {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

/**
 * Gram-Schmidt (modified, twice for stability) on the n rows of `a` (each of length m): the Q of
 * a QR decomposition with R's diagonal made positive, which is exactly what Keras computes with
 * `q * sign(diag(r))`. Done in plain JS: tfjs's linalg.qr takes ~30 s for an LSTM(128) kernel.
 */
function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    const vj = j * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const vi = i * m;
        let dot = 0;
        for (let k = 0; k < m; k++) dot += (a[vi + k] as number) * (a[vj + k] as number);
        for (let k = 0; k < m; k++) a[vj + k] = (a[vj + k] as number) - dot * (a[vi + k] as number);
      }
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += (a[vj + k] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < m; k++) a[vj + k] = (a[vj + k] as number) / norm;
  }
  return a;
}

export class KerasOrthogonal extends SeededInitializer {
  static className = 'Orthogonal';
  readonly gain: number;
  constructor(config: Config) {
    super(config);
    this.gain = num(config.gain, 1);
  }
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2) throw new Error(`the orthogonal initializer needs a weight of rank 2 or more, got shape [${shape.join(', ')}]`);
    const cols = shape[shape.length - 1] ?? 1;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const a = tf.tidy(() => tf.randomNormal([n, m], 0, 1, 'float32', this.nextSeed()).dataSync());
    const q = orthonormalColumns(Float64Array.from(a), m, n);
    return tf.tidy(() => {
      // q holds n orthonormal vectors of length m: the columns of an m x n matrix.
      let mat: tf.Tensor2D = tf.tensor2d(Float32Array.from(q), [n, m]);
      if (rows >= cols) mat = mat.transpose();
      return tf.mul(mat, this.gain).reshape(shape).cast(floatDtype(dtype));
    });
  }
  override getConfig(): Config {
    return { gain: this.gain, seed: this.seed ?? null };
  }
}

export class KerasIdentity extends InitializerBase {
  static className = 'Identity';
  readonly gain: number;
  constructor(config: Config) {
    super();
    this.gain = num(config.gain, 1);
  }
  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    if (shape.length !== 2) throw new Error(`the identity initializer needs a 2-D weight, got shape [${shape.join(', ')}]`);
    return tf.tidy(() => tf.mul(tf.eye(shape[0] ?? 1, shape[1] ?? 1), this.gain).cast(floatDtype(dtype)));
  }
  override getConfig(): Config {
    return { gain: this.gain };
  }
}

// Replace tfjs's registrations: layers rebuilt from their config (Bidirectional) then use these.
for (const cls of [KerasZeros, KerasOnes, KerasConstant, KerasRandomUniform, KerasRandomNormal, KerasTruncatedNormal,
  KerasVarianceScaling, KerasOrthogonal, KerasIdentity]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

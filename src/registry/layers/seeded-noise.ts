/**
 * Dropout and noise layers that are reproducible from a seed. tfjs's versions either take no seed
 * (GaussianNoise, GaussianDropout, AlphaDropout draw from Math.random) or take a fixed one and then
 * apply the same mask at every training step (Dropout, SpatialDropout1D), which is not dropout.
 * These subclasses draw a fresh seed from a deterministic stream at each call, and keep tfjs's
 * class names so saved models load anywhere.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dropout, SpatialDropout1D } from '@tensorflow/tfjs-layers/dist/layers/core.js';
import type { AlphaDropout, GaussianDropout, GaussianNoise } from '@tensorflow/tfjs-layers/dist/layers/noise.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { SeedStream } from './seed.js';

type Inputs = tf.Tensor | tf.Tensor[];

function one(inputs: Inputs): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}

function training(kwargs: Kwargs): boolean {
  return kwargs.training === true;
}

// tfjs exports only factory functions; the classes are reached through an instance.
const DropoutBase = tf.layers.dropout({ rate: 0.5 }).constructor as typeof Dropout;
const SpatialDropout1DBase = tf.layers.spatialDropout1d({ rate: 0.5 }).constructor as typeof SpatialDropout1D;
const GaussianNoiseBase = tf.layers.gaussianNoise({ stddev: 1 }).constructor as typeof GaussianNoise;
const GaussianDropoutBase = tf.layers.gaussianDropout({ rate: 0.5 }).constructor as typeof GaussianDropout;
const AlphaDropoutBase = tf.layers.alphaDropout({ rate: 0.5 }).constructor as typeof AlphaDropout;

/** Runs tfjs's own `call` with the next seed of the stream in place of the fixed one. */
function withStreamSeed(layer: object, stream: SeedStream, run: () => Inputs): Inputs {
  const self = layer as { seed?: number };
  const saved = self.seed;
  self.seed = stream.next() ?? saved;
  try {
    return run();
  } finally {
    self.seed = saved;
  }
}

export class SeededDropout extends DropoutBase {
  private readonly stream: SeedStream;
  constructor(args: ConstructorParameters<typeof Dropout>[0], seed: number | undefined) {
    super(args);
    this.stream = new SeedStream(seed);
  }
  override call(inputs: Inputs, kwargs: Kwargs): Inputs {
    return withStreamSeed(this, this.stream, () => super.call(inputs, kwargs));
  }
}

export class SeededSpatialDropout1D extends SpatialDropout1DBase {
  private readonly stream: SeedStream;
  constructor(args: ConstructorParameters<typeof SpatialDropout1D>[0], seed: number | undefined) {
    super(args);
    this.stream = new SeedStream(seed);
  }
  override call(inputs: Inputs, kwargs: Kwargs): Inputs {
    return withStreamSeed(this, this.stream, () => super.call(inputs, kwargs));
  }
}

export class SeededGaussianNoise extends GaussianNoiseBase {
  private readonly stream: SeedStream;
  constructor(args: ConstructorParameters<typeof GaussianNoise>[0], seed: number | undefined) {
    super(args);
    this.stream = new SeedStream(seed);
  }
  override call(inputs: Inputs, kwargs: Kwargs): Inputs {
    const x = one(inputs);
    if (!training(kwargs)) return x;
    const seed = this.stream.next();
    return tf.tidy(() => tf.add(x, tf.randomNormal(x.shape, 0, this.stddev, 'float32', seed)));
  }
}

export class SeededGaussianDropout extends GaussianDropoutBase {
  private readonly stream: SeedStream;
  constructor(args: ConstructorParameters<typeof GaussianDropout>[0], seed: number | undefined) {
    super(args);
    this.stream = new SeedStream(seed);
  }
  override call(inputs: Inputs, kwargs: Kwargs): Inputs {
    const x = one(inputs);
    if (!training(kwargs) || this.rate <= 0 || this.rate >= 1) return x;
    const seed = this.stream.next();
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    return tf.tidy(() => tf.mul(x, tf.randomNormal(x.shape, 1, stddev, 'float32', seed)));
  }
}

export class SeededAlphaDropout extends AlphaDropoutBase {
  private readonly stream: SeedStream;
  constructor(args: ConstructorParameters<typeof AlphaDropout>[0], seed: number | undefined) {
    super(args);
    this.stream = new SeedStream(seed);
  }
  override call(inputs: Inputs, kwargs: Kwargs): Inputs {
    const x = one(inputs);
    if (!training(kwargs) || this.rate <= 0 || this.rate >= 1) return x;
    const seed = this.stream.next();
    const rate = this.rate;
    const noiseShape = (this.noiseShape ?? x.shape).map((d, i) => d ?? x.shape[i] ?? 1);
    return tf.tidy(() => {
      // Keras's AlphaDropout: dropped units go to SELU's negative saturation, then an affine
      // transform restores the mean and variance.
      const alphaP = -1.6732632423543772 * 1.0507009873554805;
      const kept = tf.cast(tf.greaterEqual(tf.randomUniform(noiseShape, 0, 1, 'float32', seed), rate), 'float32');
      const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5;
      const b = -a * alphaP * rate;
      const y = tf.add(tf.mul(x, kept), tf.mul(tf.sub(1, kept), alphaP));
      return tf.add(tf.mul(y, a), b);
    });
  }
}

/**
 * A seeded dropout function for tfjs's recurrent cells (`dropoutFunc`), which otherwise draw
 * their masks from Math.random.
 */
export function seededDropoutFunc(seed: number | undefined): ((x: tf.Tensor, rate: number) => tf.Tensor) | undefined {
  if (seed === undefined) return undefined;
  const stream = new SeedStream(seed);
  return (x, rate) => tf.dropout(x, rate, undefined, stream.next());
}

/**
 * Dropout and noise layers, all active during training only and reproducible from the run's
 * seed (see seeded-noise.ts).
 * Not offered: SpatialDropout2D/3D and ActivityRegularization (tfjs-layers has no such layers).
 */
import type { LayerEntry } from '../types.js';
import type { ArgSpec } from '../types.js';
import { SALT } from './args.js';
import { subSeed } from './seed.js';
import { SeededAlphaDropout, SeededDropout, SeededGaussianDropout, SeededGaussianNoise, SeededSpatialDropout1D } from './seeded-noise.js';

const rateArg: ArgSpec = {
  schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
  description: 'Fraction of the input units to drop.',
  required: true,
};
const seedArg: ArgSpec = { schema: { type: 'integer' }, description: 'Random seed; by default derived from the run\'s seed and the layer.' };
const noiseShapeArg: ArgSpec = {
  schema: { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] } },
  description: 'Shape of the binary dropout mask, including the batch dimension (null entries follow the input).',
};

function seedOf(a: Record<string, unknown>, layerSeed: number | undefined): number | undefined {
  return typeof a.seed === 'number' ? a.seed : subSeed(layerSeed, SALT.noise);
}

export const Dropout: LayerEntry = {
  name: 'Dropout',
  category: 'regularization',
  description: 'Randomly sets input units to 0 with frequency `rate` at each step during training only, scaling the rest by 1/(1 - rate).',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  positional: 'rate',
  args: { rate: rateArg, noise_shape: noiseShapeArg, seed: seedArg },
  build(a, common, ctx) {
    return new SeededDropout({ ...common, rate: a.rate as number, noiseShape: a.noise_shape as number[] | undefined }, seedOf(a, ctx.seed));
  },
};

export const SpatialDropout1D: LayerEntry = {
  name: 'SpatialDropout1D',
  category: 'regularization',
  description: 'Dropout of whole 1-D feature maps (channels) instead of single elements.',
  inputShape: '3-D tensor (batch_size, timesteps, channels).',
  outputShape: 'Same shape as input.',
  positional: 'rate',
  args: { rate: rateArg, seed: seedArg },
  build(a, common, ctx) {
    return new SeededSpatialDropout1D({ ...common, rate: a.rate as number }, seedOf(a, ctx.seed));
  },
};

export const GaussianNoise: LayerEntry = {
  name: 'GaussianNoise',
  category: 'regularization',
  description: 'Adds zero-centred Gaussian noise during training only.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  positional: 'stddev',
  args: {
    stddev: { schema: { type: 'number', minimum: 0 }, description: 'Standard deviation of the noise.', required: true },
    seed: seedArg,
  },
  build(a, common, ctx) {
    return new SeededGaussianNoise({ ...common, stddev: a.stddev as number }, seedOf(a, ctx.seed));
  },
};

export const GaussianDropout: LayerEntry = {
  name: 'GaussianDropout',
  category: 'regularization',
  description: 'Multiplies the input by 1-centred Gaussian noise with stddev sqrt(rate / (1 - rate)), during training only.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  positional: 'rate',
  args: { rate: rateArg, seed: seedArg },
  build(a, common, ctx) {
    return new SeededGaussianDropout({ ...common, rate: a.rate as number }, seedOf(a, ctx.seed));
  },
};

export const AlphaDropout: LayerEntry = {
  name: 'AlphaDropout',
  category: 'regularization',
  description: 'Dropout that keeps the mean and variance of its input (for SELU networks), during training only.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  positional: 'rate',
  args: { rate: rateArg, noise_shape: noiseShapeArg, seed: seedArg },
  build(a, common, ctx) {
    return new SeededAlphaDropout({ ...common, rate: a.rate as number, noiseShape: a.noise_shape as number[] | undefined }, seedOf(a, ctx.seed));
  },
};

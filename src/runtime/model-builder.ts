/**
 * Builds a tf.Sequential from the normalised model spec. Every shape problem is found here, at
 * build time, and reported in Keras's words against the user's config line:
 *   layer 3 (Conv2D) expects rank 4 input, got (None, 784) from layer 2 (Dense)
 * Initial weights are a pure function of the run's seed: each layer gets a seed derived from it
 * and its index.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelSpec } from '../config/types.js';
import { layers as layerRegistry } from '../registry/layers/index.js';
import { splitCommonArgs } from '../registry/layers/common.js';
import { mixSeed } from '../registry/layers/seed.js';
import type { LayerEntry, TfLayerCommonArgs } from '../registry/types.js';
import { ConfigError } from '../util/errors.js';
import { checkParamBudget } from './param-budget.js';
import { isFunctional } from '../config/model-spec.js';
import { buildFunctional } from './graph/build-graph.js';
import { describeLayer } from './graph/names.js';

type Shape = (number | null)[];

/** `(None, 28, 28, 1)`: Keras's notation, None for unknown (batch) dimensions. */
export function formatShape(shape: readonly (number | null | undefined)[]): string {
  const dims = shape.map((d) => (d === null || d === undefined ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** The seed of the layer at 1-based `index`, or undefined for an unseeded run. */
export function layerSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : mixSeed(seed, index);
}

/** Keras's default layer name: `Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`. */
export function kerasLayerName(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function describe(spec: LayerSpec): string {
  if (spec.origin) return describeLayer(spec);
  return `layer ${spec.index} (${spec.type})`;
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, ' ').trim();
}

/** The input shape (batch dimension excluded) from the spec or from the first layer's own args. */
function inputShapeOf(spec: ModelSpec, first: LayerSpec, common: TfLayerCommonArgs): { shape?: Shape; batch?: Shape } {
  if (common.batchInputShape) return { batch: common.batchInputShape };
  if (common.inputShape) return { shape: common.inputShape };
  const isEmbedding = first.type === 'Embedding';
  // Embedding's input_dim is its vocabulary size; a loader that read it as the input shape would
  // hand us [input_dim], which no Embedding model means.
  const fromVocab = isEmbedding && spec.inputShape?.length === 1 && spec.inputShape[0] === first.args.input_dim;
  if (spec.inputShape && !fromVocab) return { shape: spec.inputShape };
  if (isEmbedding) {
    const len = first.args.input_length;
    if (len !== undefined && len !== null) return { shape: Array.isArray(len) ? (len as number[]) : [len as number] };
    // Keras: Embedding(max_features, 128) first in a Sequential takes sequences of any length.
    return { batch: [spec.batchSize ?? null, null] };
  }
  return {};
}

function noInputShapeError(first: LayerSpec): ConfigError {
  return new ConfigError({
    message:
      `the model's input shape is unknown: ${describe(first)} is the first layer and has no input_shape. ` +
      `Add "input_shape: [...]" (one sample's shape, without the batch dimension) under "model", ` +
      `or to the first layer's arguments (e.g. {${first.type}: {..., input_shape: [4]}}), or start model.layers with {Input: {shape: [...]}}`,
    loc: first.loc,
  });
}

interface TfInputSpec {
  ndim?: number;
  minNDim?: number;
  maxNDim?: number;
}

function expectedRank(layer: tf.layers.Layer): TfInputSpec | undefined {
  const specs = (layer as unknown as { inputSpec?: TfInputSpec[] | null }).inputSpec;
  return specs?.[0] ?? undefined;
}

/** A fix to suggest when a layer gets the wrong rank. */
function rankHint(want: number, got: number, entry: LayerEntry): string {
  if (want > got) {
    if (entry.category === 'recurrent') return '; sequences are (batch, timesteps, features): add a Reshape (e.g. {Reshape: [timesteps, features]}) or RepeatVector before it';
    return '; add a Reshape layer before it to restore the spatial dimensions, e.g. {Reshape: [28, 28, 1]}';
  }
  return '; add a Flatten or a global pooling layer (e.g. GlobalAveragePooling2D) before it';
}

function checkRank(layer: tf.layers.Layer, entry: LayerEntry, spec: LayerSpec, inShape: Shape, from: string): void {
  const s = expectedRank(layer);
  if (!s) return;
  const got = inShape.length;
  let want: string | undefined;
  let wantN = got;
  if (s.ndim !== undefined && s.ndim !== null && s.ndim !== got) { want = `rank ${s.ndim}`; wantN = s.ndim; }
  else if (s.minNDim !== undefined && s.minNDim !== null && got < s.minNDim) { want = `rank ${s.minNDim} or more`; wantN = s.minNDim; }
  else if (s.maxNDim !== undefined && s.maxNDim !== null && got > s.maxNDim) { want = `rank ${s.maxNDim} or less`; wantN = s.maxNDim; }
  if (!want) return;
  throw new ConfigError({
    message: `${describe(spec)} expects ${want} input, got ${formatShape(inShape)} from ${from}${rankHint(wantN, got, entry)}`,
    loc: spec.loc,
  });
}

/** Builds the Sequential model, or throws a ConfigError naming the layer at fault. */
export function buildSequential(spec: ModelSpec, opts: { seed?: number } = {}): tf.Sequential {
  const first = spec.layers[0];
  if (!first) throw new ConfigError('the model has no layers: add at least one under model.layers, e.g. - Dense: {units: 1}');

  const model = tf.sequential({ name: spec.name });
  const usedNames = new Map<string, LayerSpec>();
  const counters = new Map<string, number>();
  let prev: LayerSpec | undefined;

  for (const layerSpec of spec.layers) {
    const entry = layerRegistry.find(layerSpec.type);
    if (!entry) throw new ConfigError({ message: layerRegistry.unknownMessage(layerSpec.type), loc: layerSpec.loc });
    const { own, common } = splitCommonArgs(layerSpec.args, Object.keys(entry.args));
    const isFirst = layerSpec === first;

    let inShape: Shape;
    if (isFirst) {
      const { shape, batch } = inputShapeOf(spec, layerSpec, common);
      delete common.inputShape;
      delete common.batchInputShape;
      if (batch) {
        common.batchInputShape = batch;
        inShape = [...batch];
      } else if (shape) {
        common.inputShape = shape;
        if (spec.batchSize !== undefined && common.batchSize === undefined) common.batchSize = spec.batchSize;
        inShape = [common.batchSize ?? null, ...shape];
      } else {
        throw noInputShapeError(layerSpec);
      }
    } else {
      // Keras ignores input shapes on later layers of a Sequential model; so do we.
      delete common.inputShape;
      delete common.batchInputShape;
      delete common.batchSize;
      inShape = (model.outputs[0]?.shape ?? []) as Shape;
    }

    // Keras-style default names (dense, dense_1, conv2d, batch_normalization); user names must be unique.
    if (common.name !== undefined) {
      const clash = usedNames.get(common.name);
      if (clash) {
        throw new ConfigError({
          message: `${describe(layerSpec)} is named "${common.name}", like ${describe(clash)}; layer names must be unique within a model`,
          loc: layerSpec.loc,
        });
      }
    } else {
      const base = kerasLayerName(entry.name);
      let n = counters.get(base) ?? 0;
      let candidate = n === 0 ? base : `${base}_${n}`;
      while (usedNames.has(candidate)) candidate = `${base}_${++n}`;
      counters.set(base, n + 1);
      common.name = candidate;
    }
    usedNames.set(common.name, layerSpec);

    let layer: tf.layers.Layer;
    try {
      layer = entry.build(own, common, { seed: layerSeed(opts.seed, layerSpec.index) });
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError({ message: `${describe(layerSpec)}: ${errorText(e)}`, loc: layerSpec.loc });
    }

    const from = prev ? describe(prev) : spec.inputShape ? 'the model\'s input_shape' : 'its input_shape';
    checkRank(layer, entry, layerSpec, inShape, from);
    // Before model.add allocates the weights: a 10^12-parameter typo is refused with its figure.
    checkParamBudget(layer, inShape, describe(layerSpec), layerSpec.loc);
    try {
      model.add(layer);
    } catch (e) {
      // Most layers declare their rank only when built; tfjs then says "expected ndim=4, found ndim=2".
      const m = /expected (min_|max_)?ndim=(\d+)/.exec(errorText(e));
      if (m) {
        const want = Number(m[2]);
        const kind = m[1] === 'min_' ? ' or more' : m[1] === 'max_' ? ' or less' : '';
        throw new ConfigError({
          message: `${describe(layerSpec)} expects rank ${want}${kind} input, got ${formatShape(inShape)} from ${from}${rankHint(want, inShape.length, entry)}`,
          loc: layerSpec.loc,
        });
      }
      throw new ConfigError({
        message: `${describe(layerSpec)} cannot take input ${formatShape(inShape)} from ${from}: ${errorText(e)}`,
        loc: layerSpec.loc,
      });
    }

    const outShape = (model.outputs[0]?.shape ?? []) as Shape;
    if (outShape.some((d) => d !== null && d <= 0)) {
      throw new ConfigError({
        message: `${describe(layerSpec)} turns input ${formatShape(inShape)} from ${from} into ${formatShape(outShape)}: ` +
          'the input is smaller than the layer\'s window; use padding: same, a smaller kernel/pool size, or fewer downsampling layers before it',
        loc: layerSpec.loc,
      });
    }
    prev = layerSpec;
  }
  return model;
}

/**
 * Contract 4: the model a spec describes. A plain stack of layers becomes a tf.Sequential (as
 * Keras's Sequential); named inputs, `inputs` on layers, `Call` entries or several outputs make a
 * functional model (`tf.model`), with the models under `models:` built once each and shared.
 */
export function buildModel(spec: ModelSpec, opts: { seed?: number; allowPlugins?: boolean } = {}): tf.LayersModel {
  const nested = new Map<string, tf.LayersModel>();
  const build = (s: ModelSpec, seed: number | undefined, stack: string[]): tf.LayersModel =>
    isFunctional(s)
      ? buildFunctional(s, { seed, nested, stack, buildNested: (n, sd) => build(n, sd, [...stack, n.name]) })
      : buildSequential(s, { seed });
  return build(spec, opts.seed, []);
}

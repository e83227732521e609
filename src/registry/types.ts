/**
 * The registry contract: one entry maps a Keras name to everything kerats knows about it —
 * its argument schema (with a description per argument, which becomes the JSON Schema and
 * `kerats docs`), and the function that builds the TensorFlow.js object.
 *
 * Adding a layer, optimizer, loss, metric or callback means adding one entry; the schema in
 * `schemas/kerats.schema.json` is generated from these entries (`npm run schema`).
 */
import type * as tf from '@tensorflow/tfjs';

/** A JSON Schema fragment (draft-07). Kept loose on purpose: it is data, emitted verbatim. */
export type JsonSchema = { [key: string]: unknown };

/** One Keras argument: its JSON Schema, a one-line description, and the Keras default. */
export interface ArgSpec {
  schema: JsonSchema;
  description: string;
  /** Keras's default; shown by `kerats docs` and in the schema's `default`. */
  default?: unknown;
  /** True when Keras requires the argument (no default). */
  required?: boolean;
}

export type ArgMap = Record<string, unknown>;

/** What every registry entry has in common. */
export interface RegistryEntry {
  /** The canonical Keras class or string name: `Dense`, `Adam`, `categorical_crossentropy`. */
  name: string;
  /** Other names accepted for it (Keras aliases such as `mse`, `Convolution2D`). Matched case-insensitively too. */
  aliases?: string[];
  /** What it computes, one or two sentences (Keras docstring style). */
  description: string;
  /** Keras argument names to their specs. */
  args: Record<string, ArgSpec>;
  /** The argument a scalar shorthand fills (`Dropout: 0.1` means `{rate: 0.1}`). */
  positional?: string;
}

/** Context a layer builder gets besides its own arguments. */
export interface LayerBuildContext {
  /** Seed for this layer's initializers and dropout, derived from the config's seed and the layer index. */
  seed?: number;
  /**
   * A model under `models:` by name, built once and shared (functional models only; the graph
   * builder provides it): `TimeDistributed: {model: NAME}` wraps it.
   */
  nestedModel?: (name: string) => tf.layers.Layer;
}

export interface LayerEntry extends RegistryEntry {
  category:
    | 'core'
    | 'convolution'
    | 'pooling'
    | 'recurrent'
    | 'embedding'
    | 'normalization'
    | 'regularization'
    | 'reshaping'
    | 'activation'
    | 'preprocessing'
    | 'merging'
    | 'attention';
  /** Shape of the input, shape of the output, in Keras docstring words. */
  inputShape?: string;
  outputShape?: string;
  /**
   * Builds the tfjs layer from Keras-named, already-validated arguments (defaults not yet filled:
   * the builder applies Keras's defaults, which differ from tfjs's). The common arguments
   * (`name`, `trainable`, `dtype`, `input_shape`, `input_dim`, `batch_size`, `batch_input_shape`)
   * are translated by the registry, not by each builder; they arrive in `common`.
   */
  build(args: ArgMap, common: TfLayerCommonArgs, ctx: LayerBuildContext): tf.layers.Layer;
}

/** The tfjs names of the arguments every layer accepts, already translated from Keras names. */
export interface TfLayerCommonArgs {
  name?: string;
  trainable?: boolean;
  dtype?: tf.DataType;
  inputShape?: (number | null)[];
  batchSize?: number;
  batchInputShape?: (number | null)[];
}

/** What the data loaders hand to the trainer, and what travels with the model in the run folder. */
import type * as tf from '@tensorflow/tfjs';

/**
 * How labels become target tensors, decided by the loss (see `targetEncodingFor` in the loss
 * registry): class ids for sparse losses, one-hot rows for categorical ones, 0/1 floats for binary
 * ones, raw values for regression.
 */
export type TargetEncoding = 'sparse' | 'categorical' | 'binary' | 'regression';

/** Tensors by the model's input or output layer name (multi-input / multi-output models). */
export type TensorMap = Record<string, tf.Tensor>;

/**
 * In-memory examples: x is float32 [n, ...inputShape]; y is float32, shaped by the encoding.
 * Multi-input/multi-output models take maps keyed by input / output layer name instead.
 */
export interface Examples {
  x: tf.Tensor | TensorMap;
  y: tf.Tensor | TensorMap;
  /** Per-sample weights, [n] (Keras's `sample_weight`); multiplies each sample's loss. */
  sampleWeight?: tf.Tensor;
  /** Number of rows (x.shape[0]). */
  size: number;
}

/** One batch of streamed examples; the consumer (the trainer) disposes its tensors. */
export interface ExampleBatch {
  x: tf.Tensor | TensorMap;
  y: tf.Tensor | TensorMap;
  sampleWeight?: tf.Tensor;
}

/**
 * Examples that never exist as whole tensors: the trainer pulls batches per epoch. `size` (rows
 * per epoch), when known, sizes the progress bar; otherwise steps are counted as they come.
 */
export interface StreamingExamples {
  kind: 'stream';
  size?: number;
  batches(batchSize: number, opts: { epoch: number; shuffle: boolean; seed: number }): AsyncIterable<ExampleBatch>;
}

/** Either kind of examples the trainer accepts. */
export type AnyExamples = Examples | StreamingExamples;

export function isStreaming(d: AnyExamples): d is StreamingExamples {
  return (d as Partial<StreamingExamples>).kind === 'stream';
}

/**
 * Preprocessing state saved as `preprocessing.json` in the run folder and applied again by
 * `evaluate` and `predict`: which columns are features, in which order, and what the label
 * vocabulary is (class id i is `classes[i]`).
 */
export interface PreprocessingState {
  features: string[];
  /** The label column (single-output models; see `outputs` for several). */
  label?: string;
  /** String labels in class-id order; absent when labels were numeric. */
  classes?: string[];
  /** Number of classes for classification encodings (also when labels were numeric ids and `classes` is absent). */
  numClasses?: number;
  /** Encoding of the (first) output's targets. */
  encoding: TargetEncoding;
  /**
   * Multi-output models trained from one table (`label: {species_out: species, petal_out: petal_width}`):
   * each output's label column, vocabulary and encoding, by output layer name, in the config's order.
   */
  outputs?: Record<string, OutputLabels>;
  /** Keras's `sample_weight` as a data column: weighs each row's loss; never a feature. */
  sample_weight?: string;
}

/** One output's labels: the column, its class vocabulary (classification) and target encoding. */
export interface OutputLabels {
  label: string;
  classes?: string[];
  numClasses?: number;
  encoding: TargetEncoding;
}

/** `E` is `AnyExamples` where streamed data is possible (`loadTrainingData` in stream.ts). */
export interface LoadedData<E extends AnyExamples = Examples> {
  train: E;
  validation?: E;
  test?: Examples;
  preprocessing: PreprocessingState;
  /** Classes seen in training labels (for classification), to size and check the output layer. */
  numClasses?: number;
}

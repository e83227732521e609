/**
 * The checked, normalised config: what `src/config` hands to the runtime. Every name here is
 * canonical (Keras class names resolved case-insensitively, shorthands expanded), so the runtime
 * never re-reads YAML or re-validates. Locations travel along so runtime errors (a shape mismatch,
 * a missing CSV column) can still point at the user's text.
 */

import type { BlockOrigin } from './block-origin.js';
import type { DeferredArg } from './deferred.js';

/** A place in the user's config (1-based line and column), or the command line. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A `{ClassName: {args}}` entry after normalisation. */
export interface NamedEntry {
  /** Canonical registry name (`Dense`, `Adam`, `EarlyStopping`). */
  type: string;
  /** Arguments exactly as the user wrote them (Keras names), shorthand expanded. */
  args: Record<string, unknown>;
  /** Where the entry's key is in the config file. */
  loc?: SourceLocation;
}

export interface LayerSpec extends NamedEntry {
  /** 1-based position in `model.layers`, as error messages count ("layer 3 (Conv2D)"). */
  index: number;
  /**
   * Functional models: what the layer is called on, by name (a model input, a layer, `LAYER@N`, or
   * `#N` for the N-th entry of the list); the previous entry when absent. Taken out of `args`.
   */
  inputs?: string[];
  /** Where `inputs` is written. */
  inputsLoc?: SourceLocation;
  /** For a layer expanded from a block: its place in the block and the uses that led to it. */
  origin?: BlockOrigin;
  /** Arguments a block computes from shapes (`${input.shape[-1]}`), filled in by the model builder. */
  deferred?: DeferredArg[];
}

/** One input of a functional model (`model.inputs`), like Keras `Input(shape, name, dtype)`. */
export interface GraphInput {
  name: string;
  /** One sample's shape; null for a dimension of any size. */
  shape: (number | null)[];
  dtype?: 'float32' | 'int32';
  batchSize?: number;
  loc?: SourceLocation;
}

export interface ModelSpec {
  /** Model name shown by `summary` (`Model: "iris"`); the config's `name`. */
  name: string;
  /** Input shape without the batch dimension, from `model.input_shape`, the first layer, or `Input`. */
  /** One sample's shape; null for a dimension of any length (`input_shape: [null]`). */
  inputShape?: (number | null)[];
  batchSize?: number;
  dtype?: 'float32' | 'int32';
  layers: LayerSpec[];
  /** Functional models: named inputs (`model.inputs`). */
  inputs?: GraphInput[];
  /** Functional models: names of the layers whose outputs the model returns (`model.outputs`). */
  outputs?: string[];
  outputsLoc?: SourceLocation;
  /** Where each name of `outputs` is written. */
  outputLocs?: (SourceLocation | undefined)[];
  /** Models defined under `models:`, callable as layers (`Call: {layer: NAME}`); shared by every nested spec. */
  models?: Record<string, ModelSpec>;
  /** Where the model is defined (its `model:` or `models.NAME:` key). */
  loc?: SourceLocation;
  /** `model.keras_json`: a Keras to_json() architecture used instead of `layers` (src/saving/keras-json). */
  kerasJson?: { path: string; given: string; loc?: SourceLocation };
  /** `model.base`: transfer learning from a saved model (src/saving/transfer.ts `buildFromBase`). */
  base?: { from: string; path: string; trainable?: boolean | string[]; pop?: number; loc?: SourceLocation };
}

export interface CsvSource {
  kind: 'csv';
  /** Absolute path (resolved against the config file's folder). */
  path: string;
  /** The path as the user wrote it, for messages. */
  given: string;
  label: string;
  /** Feature columns; all but the label when omitted. */
  features?: string[];
  loc?: SourceLocation;
  /** File format (`csv` unless the key was `tsv`, `json` or `ndjson`). */
  format?: 'csv' | 'tsv' | 'json' | 'ndjson';
  /** `label: 4`: the label is the column at this 0-based position. */
  labelPosition?: number;
  /**
   * Multi-output models: the label column of each output, by output layer name
   * (`label: {species_out: species, petal_out: petal_width}`); `label` is then the first of them.
   */
  labels?: Record<string, string>;
  /** Keras's `sample_weight` as a column (`sample_weight: weight`): weighs each row's loss; not a feature. */
  sampleWeight?: string;
  /** Features chosen by a glob (`pixel*`) or a regular expression over the column names. */
  featurePattern?: { glob?: string; regex?: string };
  /** false: the file has no header line (names from `columns`, else "0", "1", ...). */
  header?: boolean;
  columns?: string[];
  delimiter?: string;
  missing?: 'error' | 'drop' | 'fill';
  fill?: number | string | Record<string, number | string>;
  /** Per-feature preprocessing requests, by column name or `'*'` (see runtime/data/preprocess.ts). */
  preprocess?: Record<string, unknown>;
  /**
   * Stream the file through training in chunks instead of loading it whole (`stream: true`);
   * `auto` (the default) streams files larger than the streaming threshold.
   */
  stream?: boolean | 'auto';
  /** Sliding windows over the rows (Keras `timeseries_dataset_from_array`). */
  timeseries?: { sequenceLength: number; sequenceStride: number; samplingRate: number; targetOffset?: number };
}

/** Arrays in binary files: NumPy `.npy` / `.npz`, or IDX (the MNIST format, plain or `.gz`). */
export interface ArraySource {
  kind: 'arrays';
  format: 'npy' | 'npz' | 'idx';
  /** Absolute path of the x file; `given` as written. */
  path: string;
  given: string;
  /** The labels file (npy / idx), absolute and as written. */
  labelsPath?: string;
  labelsGiven?: string;
  /** `.npz`: the names of the x and y arrays inside the archive. */
  xKey?: string;
  yKey?: string;
  /** Multiplies every x value (e.g. 1/255). */
  rescale?: number;
  loc?: SourceLocation;
}

/** A folder with one subfolder of PNG / JPEG images per class (Keras `image_dataset_from_directory`). */
export interface ImageSource {
  kind: 'images';
  path: string;
  given: string;
  /** [height, width] every image is resized to (bilinear). */
  imageSize: [number, number];
  colorMode: 'grayscale' | 'rgb' | 'rgba';
  rescale?: number;
  loc?: SourceLocation;
}

export interface SyntheticSource {
  kind: 'synthetic';
  samples: number;
  /** Shape of one x sample. */
  xShape: number[];
  /** Classification: integer labels in [0, classes). */
  classes?: number;
  /** Regression: shape of one y sample. */
  yShape?: number[];
  seed?: number;
  loc?: SourceLocation;
  /** Functional models: named inputs (`inputs: {main_input: {x_shape: [100], int_max: 10000}}`); see runtime/data/synthetic-multi.ts. */
  inputs?: Record<string, { xShape: number[]; intMax?: number }>;
  /** Functional models: named outputs (`{classes: 2}`, `{y_shape: [1]}` or `{copy_of: INPUT}`). */
  outputs?: Record<string, { classes?: number; yShape?: number[]; copyOf?: string }>;
}

/**
 * A built-in dataset (`data: {dataset: fashion_mnist}`), as `keras.datasets.<name>.load_data()`
 * gives it: its train split is the training data, its test split the test data.
 */
export interface DatasetSource {
  kind: 'dataset';
  /** Dataset name as in keras.datasets (`mnist`, `fashion_mnist`, `cifar10`, `imdb`, `boston_housing`). */
  name: string;
  /** Keras `load_data` arguments (`num_words`, `maxlen`, `skip_top`, `seed`, `test_split`, ...). */
  options: Record<string, number>;
  loc?: SourceLocation;
}

export type DataSource = CsvSource | SyntheticSource | ArraySource | ImageSource | DatasetSource;

export interface DataSpec {
  train: DataSource;
  /** Keras semantics: the last fraction of the training data, taken before shuffling. */
  validationSplit?: number;
  validation?: DataSource;
  test?: DataSource;
}

/**
 * One loss: a Keras loss string (`"mse"`, canonical name) or a loss class with arguments
 * (`{CategoricalCrossentropy: {from_logits: true}}` → `{type, args}`).
 */
export type LossRef = string | NamedEntry;

export interface CompileSpec {
  optimizer: NamedEntry;
  /**
   * One loss for every output, a list with one loss per output (in `model.outputs` order), or a
   * map by output layer name (multi-output models). Lists become maps once the model's output
   * names are known (`bindOutputs` in config/compile-outputs.ts).
   */
  loss: LossRef | LossRef[] | Record<string, LossRef>;
  /** Keras's `loss_weights`: a list in output order or a map by output name; 1 for each when absent. */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Keras metric strings (canonical names, `accuracy` kept as written; the trainer resolves it):
   * one list for every output, a list of lists (one per output, in output order), or lists by
   * output name.
   */
  metrics: MetricRef[] | MetricRef[][] | Record<string, MetricRef[]>;
  /**
   * Where the user wrote each part, by its path in their words (`loss`, `loss.out_a`, `loss[1]`,
   * `loss_weights`, `metrics.out_b`), so errors found against the built model point at the text.
   */
  at?: Record<string, SourceLocation>;
}

/** A compile section whose losses and metrics are one for all outputs or maps by output name (no lists). */
export interface BoundCompileSpec extends CompileSpec {
  loss: LossRef | Record<string, LossRef>;
  metrics: MetricRef[] | Record<string, MetricRef[]>;
}

/**
 * One metric: a Keras metric string (`"accuracy"`, kept as written) or a metric class with
 * arguments (`{AUC: {num_thresholds: 100}}`, `{TopKCategoricalAccuracy: {k: 3}}` → `{type, args}`).
 */
export type MetricRef = string | NamedEntry;

export interface FitSpec {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  callbacks: NamedEntry[];
  /** Keras's `initial_epoch` (0-based): the epoch to start at when resuming. */
  initialEpoch?: number;
  /** Batches per epoch (Keras's `steps_per_epoch`); all the data when absent. */
  stepsPerEpoch?: number;
  /** Validate every n epochs (`validation_freq: 2`), or at the listed 1-based epochs. */
  validationFreq?: number | number[];
  /** Keras's `class_weight`: weight by class id, or by class name (resolved with preprocessing.classes). */
  classWeight?: Record<string, number>;
  /** 0 silent, 1 progress bar, 2 one line per epoch; `auto` is 1. */
  verbose?: 0 | 1 | 2 | 'auto';
}

export interface KeratsConfig {
  name: string;
  seed?: number;
  /** `plugins:` as written (paths relative to the config file); loaded by src/runtime/plugins.ts. */
  plugins?: string[];
  data?: DataSpec;
  model: ModelSpec;
  compile: CompileSpec;
  fit: FitSpec;
  /**
   * The training sections a model-only file lacks (`compile`, `data`): summary, validate,
   * plot-model and export need none; train refuses naming them (config/training-needs.ts).
   */
  missing?: ('compile' | 'data')[];
  /** Absolute path of the config file. */
  file: string;
  /** The validated document with defaults filled, as stored in the run folder (`config.json`). */
  resolved: Record<string, unknown>;
}

/**
 * The checked, normalised config: what `src/config` hands to the runtime. Every name here is
 * canonical (Keras class names resolved case-insensitively, shorthands expanded), so the runtime
 * never re-reads YAML or re-validates. Locations travel along so runtime errors (a shape mismatch,
 * a missing CSV column) can still point at the user's text.
 */

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
}

export interface ModelSpec {
  /** Model name shown by `summary` (`Model: "iris"`); the config's `name`. */
  name: string;
  /** Input shape without the batch dimension, from `model.input_shape`, the first layer, or `Input`. */
  inputShape?: number[];
  batchSize?: number;
  dtype?: 'float32' | 'int32';
  layers: LayerSpec[];
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
}

export type DataSource = CsvSource | SyntheticSource;

export interface DataSpec {
  train: DataSource;
  /** Keras semantics: the last fraction of the training data, taken before shuffling. */
  validationSplit?: number;
  validation?: DataSource;
  test?: DataSource;
}

export interface CompileSpec {
  optimizer: NamedEntry;
  /** Keras loss string (canonical name). */
  loss: string;
  /** Keras metric strings (canonical names, `accuracy` kept as written; the trainer resolves it). */
  metrics: string[];
}

export interface FitSpec {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  callbacks: NamedEntry[];
}

export interface KeratsConfig {
  name: string;
  seed?: number;
  data?: DataSpec;
  model: ModelSpec;
  compile: CompileSpec;
  fit: FitSpec;
  /** Absolute path of the config file. */
  file: string;
  /** The validated document with defaults filled, as stored in the run folder (`config.json`). */
  resolved: Record<string, unknown>;
}

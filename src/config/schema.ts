/**
 * The config's JSON Schema (draft-07), built from the registries. This one object is both what
 * `kerats` validates against (after normalisation) and what `npm run schema` writes to
 * `schemas/kerats.schema.json` for editors, so the two can never disagree.
 *
 * Editors see the user's raw text, so the schema also accepts the shorthands normalisation
 * expands (`Dropout: 0.1`, `optimizer: adam`, `- Flatten`); names are matched exactly here, while
 * kerats itself also accepts any case.
 */
import { callbacks } from '../registry/callbacks.js';
import { COMMON_LAYER_ARGS } from '../registry/layers/common.js';
import { unsupportedArgSpec, unsupportedKerasArgs } from '../registry/keras-arguments.js';
import { NESTED_LAYER_SCHEMA } from '../registry/layers/nested.js';
import { layers } from '../registry/layers/index.js';
import { losses } from '../registry/losses.js';
import { metrics } from '../registry/metrics.js';
import { optimizers } from '../registry/optimizers.js';
import type { Registry } from '../registry/registry.js';
import type { ArgSpec, JsonSchema, RegistryEntry } from '../registry/types.js';
import { DATASETS } from '../runtime/data/datasets/catalog.js';

export const SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** Keras's defaults for `fit` (the schema's `default`s, filled into the resolved config). */
export const FIT_DEFAULTS = { epochs: 1, batch_size: 32, shuffle: true } as const;

/** Keras's `compile(optimizer='rmsprop')` default, when kerats has RMSprop. */
export const DEFAULT_OPTIMIZER = 'rmsprop';

/** `Input: {shape: [...]}` as a first layer, for when the layer registry has no `Input` entry. */
export const INPUT_ENTRY: RegistryEntry = {
  name: 'Input',
  description: 'Declares the model input: the shape of one sample (without the batch dimension). Must be the first entry.',
  positional: 'shape',
  args: {
    shape: {
      schema: { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] }, minItems: 1 },
      description: 'Shape of one input sample, without the batch dimension; null for a dimension of any length (`[null]`: sequences of any length).',
      required: true,
    },
    batch_size: { schema: { type: 'integer', minimum: 1 }, description: 'Fixed batch size of the input.' },
    dtype: { schema: { enum: ['float32', 'int32'] }, description: 'Data type of the input.', default: 'float32' },
    name: { schema: { type: 'string', minLength: 1 }, description: 'Name of the input.' },
  },
};

/**
 * `Call: {layer: NAME, inputs: [...]}` in a functional model: calls a layer defined earlier (a shared
 * layer: one set of weights) or a model from `models:` on new inputs. Not a registry layer: the
 * graph builder resolves it.
 */
export const CALL_ENTRY: RegistryEntry = {
  name: 'Call',
  description: 'Calls a layer defined earlier in the model (shared weights) or a model from `models:` on the given inputs, like `shared_lstm(tweet_b)` in Keras.',
  positional: 'layer',
  args: {
    layer: {
      schema: { type: 'string', minLength: 1 },
      description: 'Name of the layer (given by its `name`) or of the model under `models:` to call.',
      required: true,
    },
    name: { schema: { type: 'string', minLength: 1 }, description: 'A name for this call\'s output, to refer to it in `inputs` and `model.outputs` (otherwise `LAYER@N`, N counting calls from 0).' },
  },
};

/** `inputs:` on a layer of a functional model: what it is called on. */
export const INPUTS_ARG: ArgSpec = {
  schema: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }] },
  description: 'Functional models: the input(s) this layer is called on, by name (a model input, a layer, or `LAYER@N` for the N-th call of a shared layer); the previous entry when omitted.',
};

/** The layer registry plus `Input` when no registry entry answers to that name, plus `Call`. */
export function layerEntries(): readonly RegistryEntry[] {
  return layers.find('Input') ? [...layers.all(), CALL_ENTRY] : [INPUT_ENTRY, ...layers.all(), CALL_ENTRY];
}

/** Finds a layer by any spelling, including the built-in `Input` and `Call` entries. */
export function findLayer(name: string): RegistryEntry | undefined {
  const lower = name.toLowerCase();
  return layers.find(name) ?? (lower === 'input' ? INPUT_ENTRY : lower === 'call' ? CALL_ENTRY : undefined);
}

/** An argument that is itself a layer (`Bidirectional: {layer: {LSTM: {units: 8}}}`). */
export function isNestedLayerArg(spec: ArgSpec | undefined): boolean {
  return spec?.schema === NESTED_LAYER_SCHEMA;
}

/** The arguments a layer accepts: its own plus the common ones (name, trainable, input_shape...). */
export function layerArgs(entry: RegistryEntry): Record<string, ArgSpec> {
  if (entry === INPUT_ENTRY) return entry.args;
  if (entry === CALL_ENTRY) return { ...entry.args, inputs: INPUTS_ARG };
  return { ...unsupportedArgSpecs(entry), ...COMMON_LAYER_ARGS, inputs: INPUTS_ARG, ...entry.args };
}

/** Keras arguments the entry lacks, each accepting only Keras's default (src/registry/keras-arguments.ts). */
function unsupportedArgSpecs(entry: RegistryEntry): Record<string, ArgSpec> {
  return Object.fromEntries(Object.entries(unsupportedKerasArgs(entry)).map(([n, u]) => [n, unsupportedArgSpec(entry, n, u)]));
}

/**
 * Argument schemas that many entries share (initializers, regularizers, constraints,
 * activations) are written once under `definitions.arg` and referenced; inlined, they would make
 * the schema file megabytes long.
 */
class SharedArgSchemas {
  private readonly uses = new Map<string, string[]>();
  private readonly names = new Map<string, string>();
  readonly definitions: Record<string, JsonSchema> = {};

  constructor(entries: { args: Record<string, ArgSpec> }[]) {
    for (const e of entries) {
      for (const [arg, spec] of Object.entries(e.args)) {
        const json = JSON.stringify(spec.schema);
        if (json.length < 200) continue;
        this.uses.set(json, [...(this.uses.get(json) ?? []), arg]);
      }
    }
    for (const [json, args] of this.uses) {
      if (args.length < 2) continue;
      // `kernel_initializer` and `bias_initializer` share a schema: call it `initializer`.
      const shortest = [...args].sort((a, b) => a.length - b.length || a.localeCompare(b))[0] ?? 'value';
      const base = shortest.split('_').pop() ?? shortest;
      let name = base;
      for (let i = 2; name in this.definitions; i++) name = `${base}${i}`;
      this.names.set(json, name);
      this.definitions[name] = JSON.parse(json) as JsonSchema;
    }
  }

  property(spec: ArgSpec): JsonSchema {
    const shared = isNestedLayerArg(spec) ? 'layerItem' : this.names.get(JSON.stringify(spec.schema));
    const ref = shared === 'layerItem' ? '#/definitions/layerItem' : `#/definitions/arg/${shared}`;
    const prop: JsonSchema = shared
      ? { description: spec.description, allOf: [{ $ref: ref }] }
      : { ...spec.schema, description: spec.description };
    if (spec.default !== undefined) prop.default = spec.default;
    return prop;
  }
}

/** `definitions.<kind>.<Name>`: the argument map of one entry. */
function argsDefinition(entry: RegistryEntry, args: Record<string, ArgSpec>, shared: SharedArgSchemas): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, spec] of Object.entries(args)) properties[name] = shared.property(spec);
  const required = Object.entries(args).filter(([, s]) => s.required).map(([n]) => n);
  const def: JsonSchema = { description: entry.description, type: 'object', additionalProperties: false, properties };
  if (required.length > 0) def.required = required;
  return def;
}

/** What an entry's value may be instead of an argument map: its positional shorthand, or empty. */
function shorthand(entry: RegistryEntry, args: Record<string, ArgSpec>): JsonSchema {
  const options: JsonSchema[] = [];
  const pos = entry.positional ? args[entry.positional] : undefined;
  if (pos) options.push(pos.schema);
  const needsArgs = Object.entries(args).some(([n, s]) => s.required && n !== entry.positional);
  if (!needsArgs && !(pos && pos.required)) options.push({ type: 'null' });
  if (options.length === 0) return { type: 'object' };
  return options.length === 1 ? (options[0] as JsonSchema) : { anyOf: options };
}

/** `{Name: args}` one-key maps for one registry kind, plus the per-entry definitions. */
function entryKind(
  kind: string,
  noun: string,
  entries: readonly RegistryEntry[],
  argsOf: (e: RegistryEntry) => Record<string, ArgSpec>,
  shared: SharedArgSchemas,
): { definitions: Record<string, JsonSchema>; entry: JsonSchema } {
  const definitions: Record<string, JsonSchema> = {};
  const properties: Record<string, JsonSchema> = {};
  for (const e of entries) {
    const args = argsOf(e);
    definitions[e.name] = argsDefinition(e, args, shared);
    const def = { $ref: `#/definitions/${kind}/${e.name}` };
    // A wrapper's positional layer may stand alone: `Bidirectional: {LSTM: 8}`.
    const wrapsLayer = e.positional !== undefined && isNestedLayerArg(args[e.positional]);
    properties[e.name] = {
      description: e.description,
      if: { type: 'object' },
      then: wrapsLayer ? { anyOf: [def, { $ref: '#/definitions/layerEntry' }] } : def,
      else: shorthand(e, args),
    };
  }
  const entry: JsonSchema = {
    description: `One ${noun}: a one-key map from its Keras class name to its arguments, e.g. "${entries[0]?.name ?? 'Name'}: {...}".`,
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties,
  };
  return { definitions, entry };
}

function namesWithLowercase(r: Registry<RegistryEntry>): string[] {
  return [...new Set(r.allNames().flatMap((n) => [n, n.toLowerCase()]))];
}

/** `data.dataset`: a built-in dataset by name, or `{name, <load_data options>}`. */
function datasetSchema(): JsonSchema {
  const names = DATASETS.map((d) => d.name);
  const int = (min: number, description: string): JsonSchema => ({ type: 'integer', minimum: min, description });
  return {
    description:
      'A built-in dataset, as keras.datasets.<name>.load_data() gives it (its train split trains, its test split tests): ' +
      `${names.join(', ')}. Downloaded once into $KERATS_HOME/datasets (~/.kerats/datasets) and verified by SHA-256.`,
    if: { type: 'string' },
    then: { enum: names },
    else: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { enum: names, description: 'The dataset.' },
        num_words: int(1, 'imdb: keep the num_words most frequent words; rarer ones become oov_char.'),
        skip_top: int(0, 'imdb: the most frequent words to replace by oov_char.'),
        maxlen: int(1, 'imdb: drop reviews of maxlen words or more (as Keras), pad the rest with 0 at the front to maxlen.'),
        seed: { type: 'integer', minimum: 0, description: 'imdb, boston_housing: seed of the shuffle (Keras default 113).' },
        test_split: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'boston_housing: fraction held out as test data (default 0.2).' },
        start_char: int(0, 'imdb: index marking the start of a review (default 1).'),
        oov_char: int(0, 'imdb: index of out-of-vocabulary words (default 2).'),
        index_from: int(0, 'imdb: word indices start here (default 3).'),
      },
    },
  };
}

/** One sample's shape: positive ints, null for a dimension of any length. */
const sampleShape: JsonSchema = { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] }, minItems: 1 };
const shape = (min: number): JsonSchema => ({ type: 'array', items: { type: 'integer', minimum: 1 }, minItems: min });

/** `inputs` and `outputs` of a functional model (in `model` and in each `models:` entry). */
const GRAPH_MODEL_PROPERTIES: Record<string, JsonSchema> = {
  inputs: {
    description: 'Functional models: the model inputs, each `{name, shape}` (like Keras `Input(shape=..., name=...)`).',
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'shape'],
      properties: {
        name: { type: 'string', minLength: 1, description: 'Name of the input; layers refer to it in `inputs`, data in `data.*.inputs`.' },
        shape: { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] }, minItems: 1, description: 'Shape of one sample, without the batch dimension (null for any length).' },
        dtype: { enum: ['float32', 'int32'], description: 'Data type of the input (int32 for token ids).', default: 'float32' },
        batch_size: { type: 'integer', minimum: 1, description: 'Fixed batch size (stateful recurrent layers).' },
      },
    },
  },
  outputs: {
    description: 'Functional models: the layer(s) whose outputs are the model\'s outputs, by name; the last layer when omitted.',
    anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true }],
  },
};

const PREPROCESS_NAMES = ['standardize', 'min_max', 'one_hot', 'integer_lookup', 'none'];

/** Keys every table source (csv, tsv, json, ndjson) accepts besides its path, label and features. */
const TABLE_SOURCE_PROPERTIES: Record<string, JsonSchema> = {
  tsv: { type: 'string', minLength: 1, description: 'Path of a tab-separated file, relative to the config file.' },
  json: { type: 'string', minLength: 1, description: 'Path of a JSON file holding a list of records (one object per example).' },
  ndjson: { type: 'string', minLength: 1, description: 'Path of an NDJSON file: one JSON object per line.' },
  header: { type: 'boolean', default: true, description: 'Whether the first line names the columns; with false, names come from `columns` or are "0", "1", ...' },
  columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true, description: 'Column names of a file without a header line.' },
  delimiter: { type: 'string', minLength: 1, maxLength: 1, description: 'Field separator (one character; `,` for csv, tab for tsv).' },
  missing: {
    enum: ['error', 'drop', 'fill'],
    default: 'error',
    description: 'Missing values (empty, NA, NaN, null, ?): error names the row and column; drop removes the row; fill writes `fill`.',
  },
  fill: {
    anyOf: [
      { type: ['number', 'string'] },
      { type: 'object', additionalProperties: { type: ['number', 'string'] } },
    ],
    description: "The value for missing cells with `missing: fill`: one value, or a map by column name ('*' for the rest).",
  },
  preprocess: {
    type: 'object',
    description:
      "Preprocessing per feature column ('*' for all others), fitted on the training rows and saved with the model: " +
      'standardize, min_max, one_hot, integer_lookup (categories as ids 1..k), none, or `{text: {max_len, max_tokens}}`.',
    additionalProperties: {
      anyOf: [
        { enum: PREPROCESS_NAMES },
        {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: {
            text: {
              type: 'object',
              additionalProperties: false,
              required: ['max_len'],
              description: 'Text column → word ids like Keras TextVectorization (lowercase, strip punctuation, split on whitespace; 0 pads, 1 is out-of-vocabulary).',
              properties: {
                max_len: { type: 'integer', minimum: 1, description: 'Every row is padded or truncated to this many tokens.' },
                max_tokens: { type: 'integer', minimum: 3, description: 'Vocabulary size including padding and OOV (the Embedding input_dim).' },
                padding: { enum: ['pre', 'post'], default: 'post', description: 'Where zeros go in short rows.' },
                truncating: { enum: ['pre', 'post'], default: 'post', description: 'Which end of long rows is cut.' },
              },
            },
          },
        },
      ],
    },
  },
  timeseries: {
    type: 'object',
    additionalProperties: false,
    required: ['sequence_length'],
    description: "Sliding windows over the rows, like Keras's timeseries_dataset_from_array: x is [sequence_length, features] per window.",
    properties: {
      sequence_length: { type: 'integer', minimum: 1, description: 'Rows per window.' },
      sequence_stride: { type: 'integer', minimum: 1, default: 1, description: 'Rows between the starts of consecutive windows.' },
      sampling_rate: { type: 'integer', minimum: 1, default: 1, description: 'Step between rows inside a window.' },
      target_offset: {
        type: 'integer',
        minimum: 0,
        description: "The target of the window starting at row s is the label at row s + target_offset (default: the row after the window's last).",
      },
    },
  },
};

/** Array files and image folders. */
function tableSourceDefinitions(): Record<string, JsonSchema> {
  const rescale: JsonSchema = { type: 'number', exclusiveMinimum: 0, description: 'Multiplies every pixel / x value (e.g. 0.00392156862745098 for 1/255).' };
  return {
    arrays: {
      description: 'NumPy .npy / .npz arrays or IDX files (the MNIST format, plain or .gz): x with one sample per row, labels beside it.',
      type: 'object',
      additionalProperties: false,
      properties: {
        npy: { type: 'string', minLength: 1, description: 'Path of the x array (.npy).' },
        npz: { type: 'string', minLength: 1, description: 'Path of an .npz archive holding x and y arrays.' },
        idx: { type: 'string', minLength: 1, description: 'Path of an IDX images file (e.g. train-images-idx3-ubyte.gz).' },
        labels: { type: 'string', minLength: 1, description: 'Path of the labels array (.npy or IDX), one per sample.' },
        x: { type: 'string', minLength: 1, description: '.npz: name of the x array (default x, x_train, images or arr_0).' },
        y: { type: 'string', minLength: 1, description: '.npz: name of the labels array (default y, y_train, labels or arr_1).' },
        rescale,
      },
    },
    images: {
      description: "A folder with one subfolder of PNG/JPEG images per class, like Keras's image_dataset_from_directory.",
      type: 'object',
      additionalProperties: false,
      required: ['images', 'image_size'],
      properties: {
        images: { type: 'string', minLength: 1, description: 'The folder, relative to the config file; class names are the subfolder names (sorted).' },
        image_size: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2, description: 'Every image is resized to [height, width] (bilinear).' },
        color_mode: { enum: ['grayscale', 'rgb', 'rgba'], default: 'rgb', description: 'Channels per pixel: 1, 3 or 4.' },
        rescale,
      },
    },
  };
}

function dataDefinitions(): Record<string, JsonSchema> {
  return {
    source: {
      description:
        'Where examples come from: a table (`csv`, `tsv`, `json`, `ndjson` with `label`), arrays (`npy`, `npz`, `idx`), ' +
        'an image folder (`images`) or generated data (`synthetic`).',
      type: 'object',
      if: { required: ['synthetic'] },
      then: {
        additionalProperties: false,
        properties: {
          synthetic: { description: 'Randomly generated examples, for smoke tests and benchmarks.', allOf: [{ $ref: '#/definitions/synthetic' }] },
        },
      },
      else: {
        if: { required: ['images'] },
        then: { $ref: '#/definitions/images' },
        else: {
          if: { anyOf: [{ required: ['npy'] }, { required: ['npz'] }, { required: ['idx'] }] },
          then: { $ref: '#/definitions/arrays' },
          else: { $ref: '#/definitions/csv' },
        },
      },
    },
    ...tableSourceDefinitions(),
    csv: {
      description: 'A table: a CSV or TSV file (with or without a header row), JSON records or NDJSON lines.',
      type: 'object',
      additionalProperties: false,
      required: ['label'],
      anyOf: [{ required: ['csv'] }, { required: ['tsv'] }, { required: ['json'] }, { required: ['ndjson'] }],
      properties: {
        ...TABLE_SOURCE_PROPERTIES,
        csv: { type: 'string', minLength: 1, description: 'Path of the CSV file, relative to the config file.' },
        stream: {
          description:
            'Stream the file through training in chunks instead of loading it whole: true, false, or auto ' +
            '(the default: stream files larger than 256 MB, or KERATS_STREAM_THRESHOLD_MB). Streamed rows are shuffled within a bounded buffer.',
          anyOf: [{ type: 'boolean' }, { const: 'auto' }],
        },
        label: {
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'integer', minimum: 0 },
            { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } },
          ],
          description:
            'The column holding the target (class name or value): its name, or its 0-based position (`label: 4`); ' +
            'for a model with several outputs, one column per output layer name (`{species_out: species, petal_out: petal_width}`).',
        },
        sample_weight: {
          type: 'string',
          minLength: 1,
          description:
            "Keras's fit(sample_weight=...) as a column: each row's loss is multiplied by its value (a number >= 0); the column is not a feature. " +
            'Validation and test files use the same column when they have it.',
        },
        features: {
          anyOf: [
            { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
            {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              maxProperties: 1,
              properties: {
                pattern: { type: 'string', minLength: 1, description: 'Glob over column names: `*` any text, `?` one character (`pixel*`).' },
                regex: { type: 'string', minLength: 1, description: 'Regular expression over column names (`^px_\\d+$`).' },
              },
            },
          ],
          description: 'Feature columns, in order (a list of names, or `{pattern: "pixel*"}` / `{regex: ...}`); all columns but the label when omitted.',
        },
      },
    },
    synthetic: {
      description: 'Random examples: x uniform in [0, 1); y integer classes or regression targets.',
      type: 'object',
      additionalProperties: false,
      required: ['samples'],
      properties: {
        samples: { type: 'integer', minimum: 1, description: 'Number of examples.' },
        inputs: {
          description: 'Functional models: one entry per model input name, instead of x_shape. Floats uniform in [0, 1), or integer ids below int_max.',
          type: 'object',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['x_shape'],
            properties: {
              x_shape: { ...shape(1), description: 'Shape of one sample of this input.' },
              int_max: { type: 'integer', minimum: 1, description: 'Integer inputs in [0, int_max) (token ids for an Embedding).' },
            },
          },
        },
        outputs: {
          description: 'Functional models: one entry per model output name: `{classes: K}`, `{y_shape: [...]}` or `{copy_of: INPUT}` (the target is that input, for autoencoders).',
          type: 'object',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            maxProperties: 1,
            properties: {
              classes: { type: 'integer', minimum: 2, description: 'Classification target with this many classes.' },
              y_shape: { ...shape(1), description: 'Regression target of this shape.' },
              copy_of: { type: 'string', minLength: 1, description: 'The target is this input, unchanged.' },
            },
          },
        },
        x_shape: { ...shape(1), description: 'Shape of one x sample, e.g. [28, 28, 1].' },
        classes: { type: 'integer', minimum: 2, description: 'Classification: labels are integers in [0, classes).' },
        y_shape: { ...shape(1), description: 'Regression: shape of one y sample, e.g. [1].' },
        seed: { type: 'integer', description: 'Seed of the generator, for reproducible data.' },
      },
    },
  };
}

/** Builds the whole schema. Deterministic: the same registries give byte-identical JSON. */
export function buildSchema(): JsonSchema {
  const shared = new SharedArgSchemas([
    ...layerEntries().map((e) => ({ args: layerArgs(e) })),
    ...optimizers.all(),
    ...callbacks.all(),
    ...losses.all(),
    ...metrics.all(),
  ]);
  const layerKind = entryKind('layer', 'layer', layerEntries(), layerArgs, shared);
  const optKind = entryKind('optimizer', 'optimizer', optimizers.all(), (e) => e.args, shared);
  const cbKind = entryKind('callback', 'callback', callbacks.all(), (e) => e.args, shared);
  // Losses and metrics with arguments: `{CategoricalCrossentropy: {from_logits: true}}`, `{AUC: {num_thresholds: 50}}`.
  const lossKind = entryKind('loss', 'loss', losses.all().filter((e) => Object.keys(e.args).length > 0), (e) => e.args, shared);
  const metricKind = entryKind('metric', 'metric', metrics.all().filter((e) => Object.keys(e.args).length > 0), (e) => e.args, shared);
  const lossItem: JsonSchema = { anyOf: [{ enum: losses.allNames() }, { $ref: '#/definitions/lossEntry' }] };
  const metricItem: JsonSchema = { anyOf: [{ enum: metrics.allNames() }, { $ref: '#/definitions/metricEntry' }] };
  const hasRmsprop = optimizers.find(DEFAULT_OPTIMIZER) !== undefined;

  const optimizer: JsonSchema = {
    description: 'The optimizer: a name (`adam`) or a one-key map with its arguments (`{Adam: {learning_rate: 0.001}}`).',
    if: { type: 'string' },
    then: { enum: namesWithLowercase(optimizers) },
    else: { $ref: '#/definitions/optimizerEntry' },
  };
  if (hasRmsprop) optimizer.default = DEFAULT_OPTIMIZER;

  return {
    $schema: SCHEMA_DRAFT,
    title: 'kerats config',
    description: 'A kerats training config: the data, a Keras Sequential model, and compile and fit settings.',
    type: 'object',
    additionalProperties: false,
    // A model-only file (no compile, fit or data) is a whole config for summary, validate,
    // plot-model and export; train says what it lacks (config/training-needs.ts).
    required: ['model'],
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema this file follows (for editors); ignored by kerats.' },
      extends: {
        description: 'Base config file(s) this one starts from (paths relative to this file). Maps merge key by key; lists and scalars replace.',
        oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }],
      },
      name: { type: 'string', minLength: 1, description: 'Name of the model and its runs; the config file\'s name when omitted.' },
      seed: { type: 'integer', minimum: 0, description: 'Seed for weight initialisation, shuffling and dropout, for reproducible runs.' },
      report: { type: 'boolean', default: true, description: 'Write report.html (history charts, metrics, confusion matrix, model graph, manifest; see `kerats report`) into the run folder at the end of `kerats train`; false to skip it.' },
      plugins: {
        description: 'ES modules (paths relative to this file) that register custom layers; loaded only with --allow-plugins, since they are code.',
        type: 'array',
        items: { type: 'string', minLength: 1 },
      },
      data: {
        description: 'Training, validation and test data.',
        type: 'object',
        additionalProperties: false,
        // A built-in dataset brings its own train and test splits; otherwise `train` is required.
        if: { required: ['dataset'] },
        then: {
          additionalProperties: false,
          properties: {
            dataset: { description: 'The built-in dataset (see below).' },
            validation_split: { description: 'Fraction of the dataset\'s training split held out for validation (the last rows).' },
          },
        },
        else: { required: ['train'] },
        properties: {
          dataset: datasetSchema(),
          train: { description: 'The training data.', allOf: [{ $ref: '#/definitions/source' }] },
          validation_split: {
            type: 'number',
            minimum: 0,
            exclusiveMaximum: 1,
            description: 'Fraction of the training data held out for validation (the last rows, before shuffling), as in Keras.',
          },
          validation: { description: 'Separate validation data (instead of validation_split).', allOf: [{ $ref: '#/definitions/source' }] },
          test: { description: 'Test data, for `kerats evaluate` and the end-of-training report.', allOf: [{ $ref: '#/definitions/source' }] },
        },
      },
      model: {
        description: 'A Keras Sequential model: the input shape and the layers in order.',
        type: 'object',
        additionalProperties: false,
        // A Keras to_json() architecture or a saved model (`from`) brings its own layers; otherwise `layers` is required.
        if: { anyOf: [{ required: ['keras_json'] }, { required: ['from'] }] },
        then: {},
        else: { required: ['layers'] },
        properties: {
          keras_json: { type: 'string', minLength: 1, description: 'A Keras `model.to_json()` file (Keras 2 or 3; path relative to this file) to use as the model architecture instead of `layers`.' },
          from: {
            type: 'string',
            minLength: 1,
            description: 'Fine-tune a saved model: a Keras .keras or .h5 file, a kerats run folder or a model.json (relative to this file), with its weights; `layers` (optional) are added on top, `trainable` and `pop` as in `base`.',
          },
          trainable: {
            description: 'With `from`: false freezes every layer of the saved model; a list names the layers to freeze; true (default) fine-tunes all.',
            anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true }],
          },
          pop: { type: 'integer', minimum: 0, description: 'With `from`: how many top layers of the saved model to remove before adding `layers`.' },
          base: {
            description: 'Transfer learning: start from a saved model (a kerats run folder, a model.json, or a Keras .keras / .h5 file), drop its top `pop` layers, freeze layers, and add `layers` on top.',
            type: 'object',
            additionalProperties: false,
            required: ['from'],
            properties: {
              from: { type: 'string', minLength: 1, description: 'Run folder, model.json, .keras or .h5 file of the base model (relative to this file).' },
              trainable: {
                description: 'false freezes every base layer; a list names the base layers to freeze; true (default) fine-tunes all.',
                anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true }],
                default: true,
              },
              pop: { type: 'integer', minimum: 0, description: 'How many top layers of the base model to remove before adding `layers`.', default: 0 },
            },
          },
          input_shape: { ...sampleShape, description: 'Shape of one input sample, without the batch dimension, null for any length (or give it on the first layer, or as an Input entry).' },
          layers: {
            description: 'The layers, in order; each a one-key map like `Dense: {units: 16}`, or a bare name like `Flatten`.',
            type: 'array',
            minItems: 1,
            items: { $ref: '#/definitions/layerItem' },
          },
          ...GRAPH_MODEL_PROPERTIES,
        },
      },
      models: {
        description: 'Models defined once and used as layers of `model` (or of each other) with `Call: {layer: NAME}`: their weights are shared by every call. Sequential (just `layers`) or functional (`inputs`, `outputs`).',
        type: 'object',
        additionalProperties: {
          description: 'One model: `layers` (with `input_shape` on the model or its first layer for a Sequential model), or `inputs`, `layers` and `outputs`.',
          type: 'object',
          additionalProperties: false,
          required: ['layers'],
          properties: {
            input_shape: { ...sampleShape, description: 'Shape of one input sample, without the batch dimension; null for any length.' },
            layers: { description: 'The model\'s layers, in order.', type: 'array', minItems: 1, items: { $ref: '#/definitions/layerItem' } },
            ...GRAPH_MODEL_PROPERTIES,
          },
        },
      },
      blocks: {
        description: 'Reusable groups of layers with parameters, used in `layers` like a layer: `- TransformerBlock: {embed_dim: 128}`. Inside, `${expr}` computes a value from the parameters (numbers, names, + - * / // % **, parentheses, min, max, int) and the shapes of the block\'s tensors as Keras writes them (`${input.shape[-1]}`, `${len(input.shape)}`), known once the layers before are built.',
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['layers'],
          description: 'One block: its parameters, its input names and its layers.',
          properties: {
            params: {
              description: 'Parameter names, in order; `{name: default}` for an optional one. E.g. [embed_dim, num_heads, {rate: 0.1}, {norm: LayerNormalization}]. A parameter used as an item of `layers` (`- ${norm}`) takes a layer or a block: a name, or `{Dropout: {rate: 0.1}}`.',
              anyOf: [
                { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object', minProperties: 1, maxProperties: 1 }] } },
                { type: 'object' },
              ],
            },
            inputs: {
              description: 'Names the block\'s layers use for the block\'s inputs; [input] when omitted.',
              anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
            },
            layers: {
              description: 'The block\'s layers, as in model.layers; `${param}` and `${expr}` in values are replaced per instance, `name` and `inputs` are local to the block. `- ${norm}` (or `- ${norm}: {name: ln}` to add arguments) is the layer a parameter holds.',
              type: 'array',
              minItems: 1,
              items: { type: ['object', 'string'] },
            },
          },
        },
      },
      compile: {
        description: 'Arguments of Keras `model.compile`.',
        type: 'object',
        additionalProperties: false,
        required: hasRmsprop ? ['loss'] : ['optimizer', 'loss'],
        properties: {
          optimizer,
          loss: {
            description: 'The loss, as a Keras loss string or a one-key map with its arguments (`{CategoricalCrossentropy: {from_logits: true, label_smoothing: 0.1}}`); for models with several outputs, one loss for all of them, a list with one loss per output in `model.outputs` order, or a map from output layer name to loss.',
            if: { type: 'object' },
            then: { anyOf: [{ $ref: '#/definitions/lossEntry' }, { type: 'object', minProperties: 1, additionalProperties: { description: 'The loss of this output.', ...lossItem } }] },
            else: {
              if: { type: 'array' },
              then: { type: 'array', minItems: 1, items: { description: 'The loss of the output at this position of `model.outputs`.', ...lossItem } },
              else: { enum: losses.allNames() },
            },
          },
          loss_weights: {
            description: 'Multi-output models: weight of each output\'s loss in the total, as a list in `model.outputs` order or a map by output name (1 each when omitted).',
            if: { type: 'array' },
            then: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1 },
            else: { type: 'object', minProperties: 1, additionalProperties: { type: 'number', minimum: 0 } },
          },
          metrics: {
            description: 'Metrics reported during training and evaluation, as Keras metric strings (one list for every output); for models with several outputs also a list of lists (one list per output, in `model.outputs` order) or a map from output layer name to its metrics.',
            if: { type: 'object' },
            then: {
              type: 'object',
              additionalProperties: {
                description: 'Metrics of this output.',
                if: { type: 'array' },
                then: { type: 'array', items: metricItem },
                else: { enum: metrics.allNames() },
              },
            },
            else: {
              type: 'array',
              items: {
                if: { type: 'array' },
                then: { type: 'array', description: 'Metrics of the output at this position of `model.outputs`.', items: metricItem },
                else: metricItem,
              },
            },
            default: [],
          },
        },
      },
      fit: {
        description: 'Arguments of Keras `model.fit`.',
        type: 'object',
        additionalProperties: false,
        properties: {
          epochs: { type: 'integer', minimum: 1, maximum: 1_000_000, default: FIT_DEFAULTS.epochs, description: 'Number of passes over the training data.' },
          batch_size: { type: 'integer', minimum: 1, default: FIT_DEFAULTS.batch_size, description: 'Examples per gradient update.' },
          shuffle: { type: 'boolean', default: FIT_DEFAULTS.shuffle, description: 'Whether to shuffle the training data before each epoch.' },
          initial_epoch: { type: 'integer', minimum: 0, description: 'Epoch at which to start training (0-based, as in Keras); useful for resuming a previous run.' },
          steps_per_epoch: { type: 'integer', minimum: 1, description: 'Batches per epoch; all the training data when omitted.' },
          validation_freq: {
            description: 'Validate every N epochs (an integer), or after the listed epochs (1-based, e.g. [1, 5, 10]).',
            anyOf: [{ type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 }],
          },
          class_weight: {
            description: 'Weight of each class in the loss, by class id (`0: 1.0, 1: 5.0`) or by class name from the labels (`cat: 2.0`); classes not listed weigh 1.',
            type: 'object',
            minProperties: 1,
            additionalProperties: { type: 'number', minimum: 0 },
          },
          verbose: { description: 'Progress output: 0 silent, 1 progress bar, 2 one line per epoch, `auto` (1).', enum: [0, 1, 2, 'auto'] },
          callbacks: {
            description: 'Callbacks, each a one-key map like `EarlyStopping: {patience: 5}`, or a bare name.',
            type: 'array',
            default: [],
            items: {
              if: { type: 'string' },
              then: { enum: callbacks.names() },
              else: { $ref: '#/definitions/callbackEntry' },
            },
          },
        },
      },
      tune: {
        description: 'Hyperparameter search for `kerats tune` (ignored by `kerats train`): the metric to rank trials by, the strategy, optional k-fold cross-validation, and the search space.',
        type: 'object',
        additionalProperties: false,
        required: ['space'],
        properties: {
          metric: { type: 'string', minLength: 1, default: 'val_loss', description: 'Logged metric that ranks trials, e.g. val_accuracy or val_loss (the final epoch\'s value, averaged over folds).' },
          mode: { enum: ['min', 'max'], description: 'Whether a lower or higher metric is better; inferred from the name when omitted (max for accuracy-like metrics, min otherwise).' },
          strategy: { enum: ['grid', 'random', 'hyperband'], default: 'grid', description: 'grid: every combination of the listed values; random: `trials` samples drawn with `seed`; hyperband: KerasTuner\'s Hyperband (brackets of successive halving up to `max_epochs`, reduction `factor`).' },
          trials: { type: 'integer', minimum: 1, description: 'Number of trials for strategy random.' },
          max_epochs: { type: 'integer', minimum: 1, description: 'strategy hyperband: the most epochs one configuration trains (KerasTuner\'s max_epochs); each trial\'s fit.epochs is set by its bracket and round.' },
          factor: { type: 'integer', minimum: 2, default: 3, description: 'strategy hyperband: the reduction factor: each round keeps 1/factor of the configurations and trains them factor times longer.' },
          hyperband_iterations: { type: 'integer', minimum: 1, default: 1, description: 'strategy hyperband: how many times to run all the brackets (each time with new samples).' },
          seed: { type: 'integer', minimum: 0, description: 'Seed of random sampling and of the cross-validation folds (the config\'s seed when omitted).' },
          cv: { type: 'integer', minimum: 2, maximum: 100, description: 'k-fold cross-validation on the training data (stratified by class for CSV sources): each trial trains k times.' },
          space: {
            type: 'object',
            minProperties: 1,
            description: 'Config path (the --set syntax, e.g. model.layers[0].Dense.units) → a list of values, or (random and hyperband) {uniform: [lo, hi]}, {log_uniform: [lo, hi]} or {int_uniform: [lo, hi]}.',
            additionalProperties: {
              anyOf: [
                { type: 'array', minItems: 1 },
                {
                  type: 'object',
                  additionalProperties: false,
                  minProperties: 1,
                  maxProperties: 1,
                  properties: {
                    uniform: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: '[lo, hi]: a float drawn uniformly between lo and hi.' },
                    log_uniform: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2, description: '[lo, hi]: a float drawn uniformly on a log scale (learning rates).' },
                    int_uniform: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2, description: '[lo, hi]: an integer drawn uniformly from lo to hi inclusive.' },
                  },
                },
              ],
            },
          },
        },
      },
    },
    definitions: {
      ...dataDefinitions(),
      layerItem: {
        description: 'One layer: a one-key map like `Dense: {units: 16}`, or a bare name like `Flatten`.',
        if: { type: 'string' },
        then: { enum: layerEntries().map((e) => e.name) },
        else: { $ref: '#/definitions/layerEntry' },
      },
      layerEntry: layerKind.entry,
      optimizerEntry: optKind.entry,
      callbackEntry: cbKind.entry,
      lossEntry: lossKind.entry,
      metricEntry: metricKind.entry,
      loss: lossKind.definitions,
      metric: metricKind.definitions,
      arg: shared.definitions,
      layer: layerKind.definitions,
      optimizer: optKind.definitions,
      callback: cbKind.definitions,
    },
  };
}

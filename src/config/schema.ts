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
import { NESTED_LAYER_SCHEMA } from '../registry/layers/nested.js';
import { layers } from '../registry/layers/index.js';
import { losses } from '../registry/losses.js';
import { metrics } from '../registry/metrics.js';
import { optimizers } from '../registry/optimizers.js';
import type { Registry } from '../registry/registry.js';
import type { ArgSpec, JsonSchema, RegistryEntry } from '../registry/types.js';

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
      schema: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
      description: 'Shape of one input sample, without the batch dimension.',
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
  return { ...COMMON_LAYER_ARGS, inputs: INPUTS_ARG, ...entry.args };
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

function dataDefinitions(): Record<string, JsonSchema> {
  return {
    source: {
      description: 'Where examples come from: a CSV file (`csv`, `label`) or generated data (`synthetic`).',
      type: 'object',
      if: { required: ['synthetic'] },
      then: {
        additionalProperties: false,
        properties: {
          synthetic: { description: 'Randomly generated examples, for smoke tests and benchmarks.', allOf: [{ $ref: '#/definitions/synthetic' }] },
        },
      },
      else: { $ref: '#/definitions/csv' },
    },
    csv: {
      description: 'A CSV file with a header row.',
      type: 'object',
      additionalProperties: false,
      required: ['csv', 'label'],
      properties: {
        csv: { type: 'string', minLength: 1, description: 'Path of the CSV file, relative to the config file.' },
        label: { type: 'string', minLength: 1, description: 'The column holding the target (class name or value).' },
        features: {
          type: 'array',
          items: { type: 'string' },
          minItems: 1,
          uniqueItems: true,
          description: 'Feature columns, in order; all columns but the label when omitted.',
        },
      },
    },
    synthetic: {
      description: 'Random examples: x uniform in [0, 1); y integer classes or regression targets.',
      type: 'object',
      additionalProperties: false,
      required: ['samples', 'x_shape'],
      properties: {
        samples: { type: 'integer', minimum: 1, description: 'Number of examples.' },
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
  ]);
  const layerKind = entryKind('layer', 'layer', layerEntries(), layerArgs, shared);
  const optKind = entryKind('optimizer', 'optimizer', optimizers.all(), (e) => e.args, shared);
  const cbKind = entryKind('callback', 'callback', callbacks.all(), (e) => e.args, shared);
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
    required: ['model', 'compile'],
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema this file follows (for editors); ignored by kerats.' },
      extends: {
        description: 'Base config file(s) this one starts from (paths relative to this file). Maps merge key by key; lists and scalars replace.',
        oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }],
      },
      name: { type: 'string', minLength: 1, description: 'Name of the model and its runs; the config file\'s name when omitted.' },
      seed: { type: 'integer', minimum: 0, description: 'Seed for weight initialisation, shuffling and dropout, for reproducible runs.' },
      data: {
        description: 'Training, validation and test data.',
        type: 'object',
        additionalProperties: false,
        required: ['train'],
        properties: {
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
        required: ['layers'],
        properties: {
          input_shape: { ...shape(1), description: 'Shape of one input sample, without the batch dimension (or give it on the first layer, or as an Input entry).' },
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
            input_shape: { ...shape(1), description: 'Shape of one input sample, without the batch dimension.' },
            layers: { description: 'The model\'s layers, in order.', type: 'array', minItems: 1, items: { $ref: '#/definitions/layerItem' } },
            ...GRAPH_MODEL_PROPERTIES,
          },
        },
      },
      blocks: {
        description: 'Reusable groups of layers with parameters, used in `layers` like a layer: `- TransformerBlock: {embed_dim: 128}`. Inside, `${expr}` computes a value from the parameters (numbers, names, + - * / // % **, parentheses, min, max, int).',
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['layers'],
          description: 'One block: its parameters, its input names and its layers.',
          properties: {
            params: {
              description: 'Parameter names, in order; `{name: default}` for an optional one. E.g. [embed_dim, num_heads, {rate: 0.1}].',
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
              description: 'The block\'s layers, as in model.layers; `${param}` and `${expr}` in values are replaced per instance, `name` and `inputs` are local to the block.',
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
            description: 'The loss, as a Keras loss string; or a map from output layer name to loss, for models with several outputs.',
            if: { type: 'object' },
            then: { type: 'object', minProperties: 1, additionalProperties: { description: 'The loss of this output.', enum: losses.allNames() } },
            else: { enum: losses.allNames() },
          },
          loss_weights: {
            description: 'Multi-output models: weight of each output\'s loss in the total, as a list in `model.outputs` order or a map by output name (1 each when omitted).',
            if: { type: 'array' },
            then: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1 },
            else: { type: 'object', minProperties: 1, additionalProperties: { type: 'number', minimum: 0 } },
          },
          metrics: {
            description: 'Metrics reported during training and evaluation, as Keras metric strings; or a map from output layer name to its metrics.',
            if: { type: 'object' },
            then: {
              type: 'object',
              additionalProperties: {
                description: 'Metrics of this output.',
                if: { type: 'array' },
                then: { type: 'array', items: { enum: metrics.allNames() } },
                else: { enum: metrics.allNames() },
              },
            },
            else: { type: 'array', items: { enum: metrics.allNames() } },
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
      arg: shared.definitions,
      layer: layerKind.definitions,
      optimizer: optKind.definitions,
      callback: cbKind.definitions,
    },
  };
}

/** The schema file's text: what `npm run schema` writes and the test compares. */
export function schemaText(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}

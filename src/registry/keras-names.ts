/**
 * Keras names for activations, initializers, regularizers and constraints, translated to what
 * tfjs-layers accepts. tfjs rejects several Keras spellings (`l2`, `he_uniform`, `max_norm`) and
 * differs from Keras in some semantics, so every layer builder passes these arguments through here.
 *
 * Accepted forms, as in Keras:
 *   - a string, snake_case or CamelCase: `he_uniform`, `HeUniform`, `l2`, `max_norm`, `NonNeg`;
 *   - a one-key map with arguments: `{RandomNormal: {mean: 0, stddev: 0.05}}`, `{l1_l2: {l1: 0.01, l2: 0.01}}`;
 *   - a one-key map with the first argument alone: `{l2: 0.001}`, `{Constant: 0.1}`, `{MaxNorm: 3}`;
 *   - Keras's serialised form: `{class_name: "L2", config: {l2: 0.01}}`.
 * Unknown names and arguments throw a plain Error (the model builder turns it into a ConfigError
 * with the layer's location).
 */
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers.js';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import { didYouMean } from '../util/suggest.js';
import type { RegistryEntry, ArgSpec, JsonSchema } from './types.js';
import { EXTRA_ACTIVATIONS } from './layers/keras-activations.js';
import {
  KerasConstant, KerasIdentity, KerasOnes, KerasOrthogonal, KerasRandomNormal, KerasRandomUniform,
  KerasTruncatedNormal, KerasVarianceScaling, KerasZeros,
} from './layers/keras-initializers.js';

/** `he_uniform`, `HeUniform` and `heuniform` are one name. */
export function normalizeName(name: string): string {
  return name.replace(/[_\s-]/g, '').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------------------------

/**
 * Keras activation name → tfjs activation class name. `hard_sigmoid` is tfjs's 0.2x+0.5 (Keras 2's
 * formula; Keras 3 uses x/6+0.5). `gelu` is the exact (erf) form, Keras's default.
 */
export const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  hard_sigmoid: 'hardSigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  log_softmax: 'logSoftmax',
  softplus: 'softplus',
  softsign: 'softsign',
  elu: 'elu',
  selu: 'selu',
  swish: 'swish',
  silu: 'swish',
  gelu: 'gelu',
  mish: 'mish',
  ...EXTRA_ACTIVATIONS,
};

const ACTIVATION_BY_KEY = new Map(Object.entries(ACTIVATIONS).map(([k, v]) => [normalizeName(k), v]));

export const ACTIVATION_SCHEMA: JsonSchema = { anyOf: [{ enum: Object.keys(ACTIVATIONS) }, { type: 'null' }] };

/** The tfjs activation for a Keras activation name; undefined for null/absent (linear). */
export function toTfActivation(name: unknown): string | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') throw new Error(`activation must be a name such as "relu", got ${JSON.stringify(name)}`);
  const found = ACTIVATION_BY_KEY.get(normalizeName(name));
  if (!found) throw new Error(`unknown activation "${name}"${didYouMean(name, Object.keys(ACTIVATIONS))}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// A Keras object spec: name + arguments
// ---------------------------------------------------------------------------------------------

interface ObjectKind {
  /** Canonical snake_case name (as Keras's string shorthand). */
  name: string;
  /** Keras class name. */
  className: string;
  /** Further accepted spellings (compared after normalizeName). */
  aliases?: string[];
  description: string;
  args: Record<string, ArgSpec>;
  /** The argument a scalar in `{name: value}` fills. */
  positional?: string;
}

interface ParsedObject {
  given: string;
  args: Record<string, unknown>;
}

/** Reads `name`, `{Name: args}`, `{Name: scalar}` or `{class_name, config}`. */
function parseObject(value: unknown, what: string): ParsedObject {
  if (typeof value === 'string') return { given: value, args: {} };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const rec = value as Record<string, unknown>;
    if (typeof rec.class_name === 'string') {
      const config = rec.config;
      return { given: rec.class_name, args: config && typeof config === 'object' ? { ...(config as Record<string, unknown>) } : {} };
    }
    const keys = Object.keys(rec);
    if (keys.length === 1) {
      const given = keys[0] as string;
      const inner = rec[given];
      if (inner === null || inner === undefined) return { given, args: {} };
      if (typeof inner === 'object' && !Array.isArray(inner)) return { given, args: { ...(inner as Record<string, unknown>) } };
      return { given, args: { __positional: inner } };
    }
  }
  throw new Error(`${what} must be a name or a one-key map such as {Name: {arg: value}}, got ${JSON.stringify(value)}`);
}

function resolveKind<K extends ObjectKind>(parsed: ParsedObject, table: K[], what: string): { kind: K; args: Record<string, unknown> } {
  const key = normalizeName(parsed.given);
  const kind = table.find((k) => [k.name, k.className, ...(k.aliases ?? [])].some((n) => normalizeName(n) === key));
  if (!kind) {
    const names = table.flatMap((k) => [k.name, k.className]);
    throw new Error(`unknown ${what} "${parsed.given}"${didYouMean(parsed.given, names)}`);
  }
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed.args)) {
    if (k === '__positional') {
      if (!kind.positional) throw new Error(`${what} "${parsed.given}" takes no arguments; write it as "${kind.name}"`);
      args[kind.positional] = v;
      continue;
    }
    const spec = kind.args[k];
    if (!spec) {
      const takes = Object.keys(kind.args);
      const hint = takes.length ? `; it takes ${takes.join(', ')}` : '; it takes no arguments';
      throw new Error(`${what} "${parsed.given}" has no argument "${k}"${hint}`);
    }
    if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
      throw new Error(`${what} "${parsed.given}": argument "${k}" must be a number, got ${JSON.stringify(v)}`);
    }
    if (spec.schema.type === 'number' || spec.schema.type === 'integer') {
      if (typeof v !== 'number') throw new Error(`${what} "${parsed.given}": argument "${k}" must be a number, got ${JSON.stringify(v)}`);
    }
    args[k] = v;
  }
  return { kind, args };
}

/** JSON Schema for a name-or-map argument over a table of kinds. */
function objectSchema(table: ObjectKind[], nullable: boolean): JsonSchema {
  // Aliases too (Keras's `"uniform"`, `"normal"`, `"zero"`...): the resolver accepts them, and a
  // layer's Keras default may be one (Embedding's `embeddings_initializer: uniform`), so a resolved
  // config that writes the default out must still validate.
  const spellings = (k: ObjectKind): string[] => [k.name, k.className, ...(k.aliases ?? [])];
  const names = table.flatMap(spellings);
  const mapForms = table.flatMap((k) => {
    const argsSchema: JsonSchema = {
      type: 'object',
      properties: Object.fromEntries(Object.entries(k.args).map(([a, s]) => [a, { ...s.schema, description: s.description }])),
      additionalProperties: false,
    };
    const inner: JsonSchema[] = [argsSchema, { type: 'null' }];
    const positional = k.positional ? k.args[k.positional] : undefined;
    if (positional) inner.push(positional.schema);
    return spellings(k).map((n) => ({
      type: 'object',
      properties: { [n]: { description: k.description, anyOf: inner } },
      required: [n],
      additionalProperties: false,
    }));
  });
  const forms: JsonSchema[] = [{ enum: names }, ...mapForms];
  if (nullable) forms.push({ type: 'null' });
  return { anyOf: forms };
}

// ---------------------------------------------------------------------------------------------
// Initializers
// ---------------------------------------------------------------------------------------------

const seedArg: ArgSpec = { schema: { type: 'integer' }, description: 'Random seed; by default derived from the run\'s seed and the layer.' };
const numArg = (description: string, def: number): ArgSpec => ({ schema: { type: 'number' }, description, default: def });

interface InitializerKind extends ObjectKind {
  make(args: Record<string, unknown>, seed: number | undefined): Initializer;
}

const n = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const s = (args: Record<string, unknown>, seed: number | undefined): number | undefined =>
  typeof args.seed === 'number' ? args.seed : seed;

function varianceScalingKind(name: string, className: string, scale: number, mode: 'fanIn' | 'fanAvg',
  distribution: 'normal' | 'uniform', description: string): InitializerKind {
  return {
    name, className, description, args: { seed: seedArg },
    make: (a, seed) => new KerasVarianceScaling({ scale, mode, distribution, seed: s(a, seed) ?? null }),
  };
}

const INITIALIZER_KINDS: InitializerKind[] = [
  { name: 'zeros', className: 'Zeros', aliases: ['zero'], description: 'All zeros.', args: {}, make: () => new KerasZeros() },
  { name: 'ones', className: 'Ones', aliases: ['one'], description: 'All ones.', args: {}, make: () => new KerasOnes() },
  {
    name: 'constant', className: 'Constant', description: 'A constant value.', positional: 'value',
    args: { value: numArg('The value of every element.', 0) },
    make: (a) => new KerasConstant({ value: n(a.value, 0) }),
  },
  {
    name: 'random_uniform', className: 'RandomUniform', aliases: ['uniform'], description: 'Uniform on [minval, maxval).',
    args: { minval: numArg('Lower bound.', -0.05), maxval: numArg('Upper bound.', 0.05), seed: seedArg },
    make: (a, seed) => new KerasRandomUniform({ minval: n(a.minval, -0.05), maxval: n(a.maxval, 0.05), seed: s(a, seed) ?? null }),
  },
  {
    name: 'random_normal', className: 'RandomNormal', aliases: ['normal'], description: 'Normal distribution.',
    args: { mean: numArg('Mean.', 0), stddev: numArg('Standard deviation.', 0.05), seed: seedArg },
    make: (a, seed) => new KerasRandomNormal({ mean: n(a.mean, 0), stddev: n(a.stddev, 0.05), seed: s(a, seed) ?? null }),
  },
  {
    name: 'truncated_normal', className: 'TruncatedNormal', description: 'Normal distribution with values beyond two stddevs redrawn.',
    args: { mean: numArg('Mean.', 0), stddev: numArg('Standard deviation.', 0.05), seed: seedArg },
    make: (a, seed) => new KerasTruncatedNormal({ mean: n(a.mean, 0), stddev: n(a.stddev, 0.05), seed: s(a, seed) ?? null }),
  },
  varianceScalingKind('glorot_uniform', 'GlorotUniform', 1, 'fanAvg', 'uniform', 'Uniform in ±sqrt(6 / (fan_in + fan_out)) (Xavier).'),
  varianceScalingKind('glorot_normal', 'GlorotNormal', 1, 'fanAvg', 'normal', 'Truncated normal, stddev sqrt(2 / (fan_in + fan_out)).'),
  varianceScalingKind('he_uniform', 'HeUniform', 2, 'fanIn', 'uniform', 'Uniform in ±sqrt(6 / fan_in).'),
  varianceScalingKind('he_normal', 'HeNormal', 2, 'fanIn', 'normal', 'Truncated normal, stddev sqrt(2 / fan_in).'),
  varianceScalingKind('lecun_uniform', 'LecunUniform', 1, 'fanIn', 'uniform', 'Uniform in ±sqrt(3 / fan_in).'),
  varianceScalingKind('lecun_normal', 'LecunNormal', 1, 'fanIn', 'normal', 'Truncated normal, stddev sqrt(1 / fan_in).'),
  {
    name: 'orthogonal', className: 'Orthogonal', description: 'A random orthogonal matrix (times gain).',
    args: { gain: numArg('Multiplicative factor.', 1), seed: seedArg },
    make: (a, seed) => new KerasOrthogonal({ gain: n(a.gain, 1), seed: s(a, seed) ?? null }),
  },
  {
    name: 'identity', className: 'Identity', aliases: ['IdentityInitializer'], description: 'The identity matrix (times gain); 2-D weights only.',
    args: { gain: numArg('Multiplicative factor.', 1) },
    make: (a) => new KerasIdentity({ gain: n(a.gain, 1) }),
  },
  {
    name: 'variance_scaling', className: 'VarianceScaling', description: 'Samples scaled to the weight\'s fan-in/fan-out.',
    args: {
      scale: numArg('Scaling factor (positive).', 1),
      mode: { schema: { enum: ['fan_in', 'fan_out', 'fan_avg'] }, description: 'Which fan divides the scale.', default: 'fan_in' },
      distribution: {
        schema: { enum: ['truncated_normal', 'untruncated_normal', 'uniform', 'normal'] },
        description: 'Distribution to sample from.',
        default: 'truncated_normal',
      },
      seed: seedArg,
    },
    make: (a, seed) => {
      const mode = String(a.mode ?? 'fan_in');
      const dist = String(a.distribution ?? 'truncated_normal');
      const modes: Record<string, string> = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' };
      const dists: Record<string, string> = { truncated_normal: 'normal', normal: 'normal', untruncated_normal: 'untruncatedNormal', uniform: 'uniform' };
      if (!modes[mode]) throw new Error(`initializer "VarianceScaling": mode must be fan_in, fan_out or fan_avg, got "${mode}"`);
      if (!dists[dist]) throw new Error(`initializer "VarianceScaling": distribution must be truncated_normal, untruncated_normal or uniform, got "${dist}"`);
      const scale = n(a.scale, 1);
      if (scale <= 0) throw new Error(`initializer "VarianceScaling": scale must be positive, got ${scale}`);
      return new KerasVarianceScaling({ scale, mode: modes[mode] ?? 'fanIn', distribution: dists[dist] ?? 'normal', seed: s(a, seed) ?? null });
    },
  },
];

/** Canonical snake_case initializer names. */
export const INITIALIZER_NAMES = INITIALIZER_KINDS.map((k) => k.name);

/** The initializers as docs entries: the Keras class name, its string name as an alias. */
export function initializerDocs(): RegistryEntry[] {
  return INITIALIZER_KINDS.map((k) => ({
    name: k.className,
    aliases: [k.name, ...(k.aliases ?? [])],
    description: k.description,
    args: k.args,
    ...(k.positional ? { positional: k.positional } : {}),
  }));
}

export const INITIALIZER_SCHEMA: JsonSchema = objectSchema(INITIALIZER_KINDS, false);

/**
 * A tfjs initializer for a Keras initializer spec, or undefined for null/absent. `seed` (the
 * layer's seed, salted per weight) applies unless the spec carries its own `seed`.
 */
export function toTfInitializer(value: unknown, seed?: number): Initializer | undefined {
  if (value === undefined || value === null) return undefined;
  const { kind, args } = resolveKind(parseObject(value, 'initializer'), INITIALIZER_KINDS, 'initializer');
  return kind.make(args, seed);
}

// ---------------------------------------------------------------------------------------------
// Regularizers
// ---------------------------------------------------------------------------------------------

interface RegularizerKind extends ObjectKind {
  make(args: Record<string, unknown>): Regularizer;
}

const factor = (d: number): ArgSpec => ({ schema: { type: 'number', minimum: 0 }, description: 'Regularization factor.', default: d });

const REGULARIZER_KINDS: RegularizerKind[] = [
  {
    name: 'l1', className: 'L1', description: 'Adds l1 * sum(|w|) to the loss.', positional: 'l1', args: { l1: factor(0.01) },
    make: (a) => tf.regularizers.l1({ l1: n(a.l1, 0.01) }),
  },
  {
    name: 'l2', className: 'L2', description: 'Adds l2 * sum(w²) to the loss.', positional: 'l2', args: { l2: factor(0.01) },
    make: (a) => tf.regularizers.l2({ l2: n(a.l2, 0.01) }),
  },
  {
    // Keras 3's L1L2 defaults both factors to 0 (the old `l1_l2()` function used 0.01).
    name: 'l1_l2', className: 'L1L2', description: 'Adds l1 * sum(|w|) + l2 * sum(w²) to the loss; both factors default to 0 as in Keras.',
    args: { l1: factor(0), l2: factor(0) },
    make: (a) => tf.regularizers.l1l2({ l1: n(a.l1, 0), l2: n(a.l2, 0) }),
  },
];

export const REGULARIZER_NAMES = REGULARIZER_KINDS.map((k) => k.name);
export const REGULARIZER_SCHEMA: JsonSchema = objectSchema(REGULARIZER_KINDS, true);

export function toTfRegularizer(value: unknown): Regularizer | undefined {
  if (value === undefined || value === null) return undefined;
  const { kind, args } = resolveKind(parseObject(value, 'regularizer'), REGULARIZER_KINDS, 'regularizer');
  return kind.make(args);
}

// ---------------------------------------------------------------------------------------------
// Constraints
// ---------------------------------------------------------------------------------------------

interface ConstraintKind extends ObjectKind {
  make(args: Record<string, unknown>): Constraint;
}

const axisArg: ArgSpec = { schema: { type: 'integer' }, description: 'Axis along which norms are computed (0 for a Dense kernel\'s input axis).', default: 0 };

const CONSTRAINT_KINDS: ConstraintKind[] = [
  {
    name: 'max_norm', className: 'MaxNorm', aliases: ['maxnorm'], description: 'Rescales weights whose norm exceeds max_value.', positional: 'max_value',
    args: { max_value: { schema: { type: 'number', exclusiveMinimum: 0 }, description: 'Maximum norm.', default: 2 }, axis: axisArg },
    make: (a) => tf.constraints.maxNorm({ maxValue: n(a.max_value, 2), axis: n(a.axis, 0) }),
  },
  {
    name: 'non_neg', className: 'NonNeg', aliases: ['nonneg'], description: 'Clips weights to be non-negative.', args: {},
    make: () => tf.constraints.nonNeg(),
  },
  {
    name: 'unit_norm', className: 'UnitNorm', aliases: ['unitnorm'], description: 'Rescales weights to unit norm.', args: { axis: axisArg },
    make: (a) => tf.constraints.unitNorm({ axis: n(a.axis, 0) }),
  },
  {
    name: 'min_max_norm', className: 'MinMaxNorm', aliases: ['minmaxnorm'], description: 'Keeps weight norms within [min_value, max_value].',
    args: {
      min_value: { schema: { type: 'number', minimum: 0 }, description: 'Minimum norm.', default: 0 },
      max_value: { schema: { type: 'number', minimum: 0 }, description: 'Maximum norm.', default: 1 },
      rate: { schema: { type: 'number', minimum: 0, maximum: 1 }, description: 'Rate of enforcement (1 = strict).', default: 1 },
      axis: axisArg,
    },
    make: (a) => tf.constraints.minMaxNorm({ minValue: n(a.min_value, 0), maxValue: n(a.max_value, 1), rate: n(a.rate, 1), axis: n(a.axis, 0) }),
  },
];

export const CONSTRAINT_NAMES = CONSTRAINT_KINDS.map((k) => k.name);
export const CONSTRAINT_SCHEMA: JsonSchema = objectSchema(CONSTRAINT_KINDS, true);

export function toTfConstraint(value: unknown): Constraint | undefined {
  if (value === undefined || value === null) return undefined;
  const { kind, args } = resolveKind(parseObject(value, 'constraint'), CONSTRAINT_KINDS, 'constraint');
  return kind.make(args);
}

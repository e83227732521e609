/**
 * Keras 3's own argument list for every layer (keras-arguments.json, written by
 * scripts/keras-arguments.py from the real Keras), and what kerats makes of each argument a
 * layer entry does not support: it is accepted only with Keras's default value, otherwise refused
 * by name — in a config and in a Keras `to_json()` file alike. No Keras argument is dropped.
 */
import table from './keras-arguments.json' with { type: 'json' };
import type { ArgSpec, RegistryEntry } from './types.js';

interface KerasArg {
  default?: unknown;
  default_repr?: string;
  required?: boolean;
}
interface KerasLayer {
  class: string;
  args: Record<string, KerasArg>;
  config_defaults?: Record<string, unknown>;
}
interface KerasArgumentTable {
  keras_version: string;
  base_args: string[];
  layers: Record<string, KerasLayer>;
}

const TABLE = table as unknown as KerasArgumentTable;

/** The Keras version the table was read from. */
export const KERAS_ARGUMENTS_VERSION = TABLE.keras_version;

/** The base Layer arguments kerats translates itself (src/registry/layers/common.ts). */
const HANDLED_BASE_ARGS = new Set(['name', 'trainable', 'dtype', 'input_shape', 'input_dim', 'batch_size', 'batch_input_shape']);

/** Why kerats lacks an argument, where there is more to say than "not supported". */
const REASONS: Record<string, string> = {
  lora_rank: 'LoRA fine-tuning is not available',
  lora_alpha: 'LoRA fine-tuning is not available',
  quantization_config: 'quantized layers are not available',
  groups: 'TensorFlow.js has no grouped convolution',
  output_padding: 'TensorFlow.js transposed convolutions have no output_padding',
  autocast: 'kerats computes in float32 only',
  weights: 'load weights with `transfer:` or a checkpoint instead',
  use_cudnn: 'the cuDNN kernels are not used',
  synchronized: 'there is no multi-device training',
  flash_attention: 'there is no flash attention kernel',
};

const byLowerName = new Map(Object.keys(TABLE.layers).map((k) => [k.toLowerCase(), k]));

/** The Keras 3 class name an entry stands for (its name or an alias), or undefined for kerats-only layers. */
export function kerasClassOf(entry: Pick<RegistryEntry, 'name' | 'aliases'>): string | undefined {
  for (const n of [entry.name, ...(entry.aliases ?? [])]) {
    const k = byLowerName.get(n.toLowerCase());
    if (k) return k;
  }
  return undefined;
}

/** Keras 3's arguments of a layer class (its own and the base Layer ones), with their default(s). */
export function kerasArguments(kerasClass: string): Record<string, { required: boolean; defaults: unknown[] }> | undefined {
  const layer = TABLE.layers[kerasClass];
  if (!layer) return undefined;
  const out: Record<string, { required: boolean; defaults: unknown[] }> = {};
  const add = (name: string, a: KerasArg | undefined): void => {
    const defaults: unknown[] = [];
    if (a && 'default' in a) defaults.push(a.default);
    const cfg = layer.config_defaults?.[name];
    if (cfg !== undefined && !defaults.some((d) => sameValue(d, cfg))) defaults.push(cfg);
    out[name] = { required: a?.required === true, defaults };
  };
  for (const [name, a] of Object.entries(layer.args)) add(name, a);
  for (const name of TABLE.base_args) {
    if (name in out) continue;
    add(name, name === 'trainable' || name === 'autocast' ? { default: true } : { default: null });
  }
  return out;
}

/** Equal as JSON, with an int equal to a tuple of copies of it (`strides: 1` is `(1, 1)`). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && Array.isArray(b)) return b.length > 0 && b.every((x) => x === a);
  if (typeof b === 'number' && Array.isArray(a)) return sameValue(b, a);
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface UnsupportedArg {
  /** The values kerats accepts for it: Keras's defaults, which it computes anyway. */
  accepted: unknown[];
  reason: string;
}

/** The Keras arguments of `entry` that kerats does not support, with the values it still accepts. */
export function unsupportedKerasArgs(entry: RegistryEntry): Record<string, UnsupportedArg> {
  const cls = kerasClassOf(entry);
  const args = cls ? kerasArguments(cls) : undefined;
  if (!args) return {};
  const out: Record<string, UnsupportedArg> = {};
  for (const [name, a] of Object.entries(args)) {
    if (name in entry.args || HANDLED_BASE_ARGS.has(name)) continue;
    out[name] = { accepted: a.defaults, reason: REASONS[name] ?? 'kerats does not support it yet' };
  }
  return out;
}

/** The schema property for an unsupported argument: only Keras's default passes. */
export function unsupportedArgSpec(entry: RegistryEntry, name: string, u: UnsupportedArg): ArgSpec {
  const shown = u.accepted.map((v) => JSON.stringify(v)).join(' or ');
  return {
    // A required Keras argument kerats lacks (Lambda's Python `function`) accepts no value at all.
    schema: u.accepted.length > 0 ? { enum: u.accepted, 'x-kerats-unsupported': u.reason } : { not: {}, 'x-kerats-unsupported': u.reason },
    description: `Keras argument ${entry.name}(${name}=...) is not supported (${u.reason}); only Keras's default ${shown || '(none)'} is accepted.`,
  };
}

/** The refusal message for a Keras argument set to a value kerats cannot honour. */
export function unsupportedArgMessage(layer: string, name: string, value: unknown, u: UnsupportedArg): string {
  const shown = u.accepted.map((v) => JSON.stringify(v)).join(' or ');
  return `${layer}: Keras argument "${name}" is not supported by kerats (${u.reason}); ` +
    `got ${JSON.stringify(value)}${shown ? `, only Keras's default ${shown} is accepted` : ''}: remove it or rebuild the model without it`;
}

/** True when `value` is one of the values kerats accepts for an unsupported argument. */
export function isAccepted(u: UnsupportedArg, value: unknown): boolean {
  return u.accepted.some((d) => sameValue(d, value));
}

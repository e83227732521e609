/**
 * Keras's learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py),
 * declared in configs as `{ExponentialDecay: {initial_learning_rate, decay_steps, decay_rate}}`.
 * A schedule maps a step count to a rate: the optimizer evaluates it at its iteration count before
 * every update (like Keras), LearningRateScheduler at the epoch index.
 */
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import type { ArgSpec, JsonSchema, RegistryEntry } from './types.js';

export type Schedule = (step: number) => number;

type Args = Record<string, unknown>;

interface ScheduleDef {
  description: string;
  /** JSON Schema of the arguments (with a description per key). */
  args: Record<string, JsonSchema>;
  required: string[];
  make(a: Args): Schedule;
}

const n = (a: Args, k: string, def = 0): number => (typeof a[k] === 'number' ? (a[k] as number) : def);
const pos = (description: string): JsonSchema => ({ type: 'number', exclusiveMinimum: 0, description });

export const SCHEDULES: Record<string, ScheduleDef> = {
  ExponentialDecay: {
    description: 'initial_learning_rate * decay_rate ^ (step / decay_steps); the exponent is floored when `staircase`.',
    args: {
      initial_learning_rate: pos('The rate at step 0.'),
      decay_steps: pos('Steps over which the rate is multiplied by decay_rate once.'),
      decay_rate: pos('The decay factor.'),
      staircase: { type: 'boolean', default: false, description: 'Decay in discrete intervals (floor of step / decay_steps).' },
    },
    required: ['initial_learning_rate', 'decay_steps', 'decay_rate'],
    make: (a) => (step) => {
      let p = step / n(a, 'decay_steps', 1);
      if (a.staircase === true) p = Math.floor(p);
      return n(a, 'initial_learning_rate') * Math.pow(n(a, 'decay_rate'), p);
    },
  },
  InverseTimeDecay: {
    description: 'initial_learning_rate / (1 + decay_rate * step / decay_steps); floored when `staircase`.',
    args: {
      initial_learning_rate: pos('The rate at step 0.'),
      decay_steps: pos('How often to apply decay.'),
      decay_rate: { type: 'number', minimum: 0, description: 'The decay rate.' },
      staircase: { type: 'boolean', default: false, description: 'Decay in discrete intervals.' },
    },
    required: ['initial_learning_rate', 'decay_steps', 'decay_rate'],
    make: (a) => (step) => {
      let p = step / n(a, 'decay_steps', 1);
      if (a.staircase === true) p = Math.floor(p);
      return n(a, 'initial_learning_rate') / (1 + n(a, 'decay_rate') * p);
    },
  },
  PiecewiseConstantDecay: {
    description: 'values[0] up to boundaries[0] (inclusive), values[1] up to boundaries[1], ..., the last value after the last boundary.',
    args: {
      boundaries: { type: 'array', items: { type: 'number' }, minItems: 1, description: 'Increasing step boundaries.' },
      values: { type: 'array', items: { type: 'number' }, minItems: 2, description: 'One rate per interval: one more value than boundaries.' },
    },
    required: ['boundaries', 'values'],
    make: (a) => {
      const b = a.boundaries as number[];
      const v = a.values as number[];
      if (v.length !== b.length + 1) {
        throw new ConfigError(`PiecewiseConstantDecay: "values" needs one more entry than "boundaries" (${b.length + 1}), got ${v.length}`);
      }
      return (step) => {
        const i = b.findIndex((x) => step <= x);
        return v[i === -1 ? b.length : i] ?? 0;
      };
    },
  },
  PolynomialDecay: {
    description: '(initial - end) * (1 - step / decay_steps) ^ power + end, step capped at decay_steps (or cycled with `cycle`).',
    args: {
      initial_learning_rate: pos('The rate at step 0.'),
      decay_steps: pos('Steps to decay over.'),
      end_learning_rate: { type: 'number', minimum: 0, default: 0.0001, description: 'The final rate.' },
      power: { type: 'number', default: 1.0, description: 'The power of the polynomial.' },
      cycle: { type: 'boolean', default: false, description: 'Restart the decay after decay_steps (with a growing period).' },
    },
    required: ['initial_learning_rate', 'decay_steps'],
    make: (a) => (step) => {
      const init = n(a, 'initial_learning_rate');
      const end = n(a, 'end_learning_rate', 0.0001);
      let steps = n(a, 'decay_steps', 1);
      let s = step;
      if (a.cycle === true) steps *= step === 0 ? 1 : Math.ceil(step / steps);
      else s = Math.min(step, steps);
      return (init - end) * Math.pow(1 - s / steps, n(a, 'power', 1)) + end;
    },
  },
  CosineDecay: {
    description: 'Cosine decay from initial_learning_rate (or warmup_target after a linear warmup of warmup_steps) to alpha * that rate over decay_steps.',
    args: {
      initial_learning_rate: pos('The rate at step 0.'),
      decay_steps: pos('Steps to decay over.'),
      alpha: { type: 'number', minimum: 0, default: 0, description: 'Minimum rate as a fraction of the rate decayed from.' },
      warmup_target: { type: ['number', 'null'], default: null, description: 'Rate reached at the end of the warmup; no warmup when null.' },
      warmup_steps: { type: 'integer', minimum: 0, default: 0, description: 'Steps of linear warmup from initial_learning_rate to warmup_target.' },
    },
    required: ['initial_learning_rate', 'decay_steps'],
    make: (a) => {
      const init = n(a, 'initial_learning_rate');
      const decaySteps = n(a, 'decay_steps', 1);
      const alpha = n(a, 'alpha');
      const decay = (s: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / decaySteps))) + alpha);
      if (typeof a.warmup_target !== 'number') return (step) => decay(Math.min(step, decaySteps), init);
      const target = a.warmup_target;
      const warm = n(a, 'warmup_steps');
      return (step) => {
        const s = Math.min(step, decaySteps + warm);
        if (s < warm) return init + ((target - init) * s) / warm;
        return decay(s - warm, target);
      };
    },
  },
};

/** Per schedule name, the JSON Schema of its argument map. */
/** The schedules as docs entries (`kerats docs CosineDecay`). */
export function scheduleDocs(): RegistryEntry[] {
  return Object.entries(SCHEDULES).map(([name, def]) => ({
    name,
    description: def.description,
    args: Object.fromEntries(Object.entries(def.args).map(([k, schema]) => {
      const { description, default: d, ...rest } = schema as JsonSchema & { description?: string; default?: unknown };
      const spec: ArgSpec = { schema: rest, description: description ?? '' };
      if (d !== undefined) spec.default = d;
      if (def.required.includes(k)) spec.required = true;
      return [k, spec];
    })),
  }));
}

export function scheduleProperties(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [name, d] of Object.entries(SCHEDULES)) {
    out[name] = { description: d.description, type: 'object', additionalProperties: false, required: d.required, properties: d.args };
  }
  return out;
}

/** JSON Schema of `{ScheduleName: {args}}` (exactly one key), for the config schema. */
export function scheduleSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'A Keras learning-rate schedule: one key naming it, with its arguments.',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: scheduleProperties(),
  };
}

/** True for a `{OneKey: {...}}` value whose key names a schedule (case-insensitive). */
export function isScheduleSpec(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && findSchedule(keys[0] ?? '') !== undefined;
}

function findSchedule(name: string): string | undefined {
  return Object.keys(SCHEDULES).find((k) => k.toLowerCase() === name.toLowerCase());
}

/** Builds a schedule from `{Name: {args}}`; `what` names the setting in error messages. */
export function buildSchedule(spec: unknown, what: string): Schedule {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || Object.keys(spec).length !== 1) {
    throw new ConfigError(`${what}: expected a number or one schedule such as {ExponentialDecay: {initial_learning_rate: 0.01, decay_steps: 100, decay_rate: 0.9}}, got ${JSON.stringify(spec)}`);
  }
  const [given, raw] = Object.entries(spec)[0] as [string, unknown];
  const name = findSchedule(given);
  const names = Object.keys(SCHEDULES);
  if (!name) throw new ConfigError(`${what}: unknown learning-rate schedule "${given}"; expected one of ${names.join(', ')}${didYouMean(given, names)}`);
  const def = SCHEDULES[name] as ScheduleDef;
  const args = (typeof raw === 'object' && raw !== null ? raw : {}) as Args;
  for (const k of Object.keys(args)) {
    if (!(k in def.args)) throw new ConfigError(`${what}: ${name} has no argument "${k}"; its arguments are ${Object.keys(def.args).join(', ')}${didYouMean(k, Object.keys(def.args))}`);
  }
  for (const k of def.required) {
    if (typeof args[k] !== 'number' && !Array.isArray(args[k])) throw new ConfigError(`${what}: ${name} needs "${k}" (a number), got ${args[k] === undefined ? 'none' : JSON.stringify(args[k])}`);
  }
  return def.make(args);
}

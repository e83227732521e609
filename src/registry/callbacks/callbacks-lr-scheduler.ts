/**
 * LearningRateScheduler (Keras): at the start of every epoch, sets the rate to `schedule(epoch)`
 * and logs it as `learning_rate` at the epoch's end. Keras takes a Python function; kerats takes a
 * declarative schedule evaluated at the 0-based epoch index:
 * - any Keras schedule: `{ExponentialDecay: {initial_learning_rate: 0.01, decay_steps: 10, decay_rate: 0.5}}`
 *   (its steps are epochs here), `{PiecewiseConstantDecay: {boundaries: [10, 20], values: [...]}}`, ...;
 * - `{step: {every: 10, factor: 0.5}}`: the starting rate times factor^floor(epoch / every);
 * - `{exponential: {factor: 0.9}}`: the starting rate times factor^epoch.
 * The starting rate is the optimizer's at the start of training (kept across a resume).
 */
import type { SourceLocation } from '../../config/types.js';
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { JsonSchema } from '../types.js';
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';
import { checkSettableRate } from './monitor.js';
import { buildSchedule, isScheduleSpec, scheduleProperties, SCHEDULES } from '../schedules.js';

type EpochRule = (epoch: number, initialLr: number) => number;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The JSON Schema of the `schedule` argument: one key, a Keras schedule or `step` / `exponential`. */
export function epochScheduleSchema(): JsonSchema {
  return {
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: {
      step: {
        description: 'The starting rate times factor^floor(epoch / every).',
        type: 'object',
        additionalProperties: false,
        required: ['every', 'factor'],
        properties: {
          every: { type: 'integer', minimum: 1, description: 'Epochs between reductions.' },
          factor: { type: 'number', exclusiveMinimum: 0, description: 'Multiplier applied every `every` epochs.' },
        },
      },
      exponential: {
        description: 'The starting rate times factor^epoch.',
        type: 'object',
        additionalProperties: false,
        required: ['factor'],
        properties: { factor: { type: 'number', exclusiveMinimum: 0, description: 'Multiplier applied every epoch.' } },
      },
      ...scheduleProperties(),
    },
  };
}

/** Parses the `schedule` argument; throws ConfigError (at `loc`) for anything else. */
export function parseEpochSchedule(spec: unknown, loc?: SourceLocation): EpochRule {
  const what = 'LearningRateScheduler: schedule';
  try {
    if (isScheduleSpec(spec)) {
      const f = buildSchedule(spec, what);
      return (epoch) => f(epoch);
    }
    const obj = (typeof spec === 'object' && spec !== null ? spec : {}) as Record<string, Record<string, unknown> | undefined>;
    const step = obj.step;
    if (step && num(step.every) && num(step.factor)) {
      const every = step.every;
      const factor = step.factor;
      return (epoch, lr0) => lr0 * Math.pow(factor, Math.floor(epoch / every));
    }
    const exp = obj.exponential;
    if (exp && num(exp.factor)) {
      const factor = exp.factor;
      return (epoch, lr0) => lr0 * Math.pow(factor, epoch);
    }
    const names = ['step', 'exponential', ...Object.keys(SCHEDULES)];
    const given = Object.keys(obj)[0] ?? JSON.stringify(spec);
    throw new ConfigError(
      `${what}: expected {step: {every: N, factor: F}}, {exponential: {factor: F}} or a Keras schedule (${Object.keys(SCHEDULES).join(', ')}), got ${JSON.stringify(spec)}${didYouMean(given, names)}`,
    );
  } catch (e) {
    if (e instanceof ConfigError && loc) throw new ConfigError(e.problems.map((p) => ({ ...p, loc: p.loc ?? loc })));
    throw e;
  }
}

export class LearningRateScheduler implements Callback {
  readonly name = 'LearningRateScheduler';
  private initialLr: number | undefined;

  constructor(private readonly rule: EpochRule, private readonly verbose: number, private readonly loc?: SourceLocation) {}

  onTrainBegin(ctx: TrainingContext): void {
    checkSettableRate('LearningRateScheduler', ctx, this.loc);
    this.initialLr ??= ctx.getLearningRate();
  }

  onEpochBegin(epoch: number, ctx: TrainingContext): void {
    const lr = this.rule(epoch, this.initialLr ?? ctx.getLearningRate());
    if (!Number.isFinite(lr) || lr < 0) {
      throw new ConfigError(`LearningRateScheduler: the schedule gave the learning rate ${lr} at epoch ${epoch + 1}; it must be a non-negative number`);
    }
    ctx.setLearningRate(lr);
    if (this.verbose > 0) ctx.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${Number(lr.toPrecision(6))}.`);
  }

  onEpochEnd(_epoch: number, logs: Logs, ctx: TrainingContext): void {
    logs.learning_rate = ctx.getLearningRate();
  }

  getState(): unknown {
    return { initial_lr: this.initialLr ?? null };
  }

  setState(state: unknown): void {
    const s = (state ?? {}) as { initial_lr?: unknown };
    if (typeof s.initial_lr === 'number') this.initialLr = s.initial_lr;
  }
}

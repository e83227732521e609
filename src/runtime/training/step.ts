/**
 * The loss of one batch as Keras computes it for (multi-output) models: per output, the
 * per-sample loss weighted by the sample weights (`sample_weight` × `class_weight`), summed and
 * divided by the batch size (Keras's `sum_over_batch_size`); the total is Σ loss_weight · loss
 * plus the layers' regularization penalties. Statistics for the epoch averages are packed in one
 * 1-D tensor, [total, each output's loss (multi-output only), each metric's statistics], so
 * one read-back per batch suffices.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../data/types.js';
import type { EpochProgress } from '../../registry/callbacks/callbacks-types.js';
import type { StatefulMetric } from '../../registry/metrics-state.js';
import { modelInputs, pickOutput, type Plan } from './outputs.js';

export interface StepInput {
  x: tf.Tensor | TensorMap;
  y: tf.Tensor | TensorMap;
  sampleWeight?: tf.Tensor;
}

/** Keras's `class_weight`, as a lookup of a batch's labels (class id → weight, 1 for classes not listed). */
export class ClassWeights {
  private readonly table: number[];
  constructor(weights: Record<number, number>) {
    const ids = Object.keys(weights).map(Number);
    const max = ids.length > 0 ? Math.max(...ids) : -1;
    this.table = Array.from({ length: max + 1 }, (_, i) => weights[i] ?? 1);
  }
  /** Per-sample weights [batch] for labels (ids [batch]/[batch,1], one-hot rows, or 0/1 floats). Call inside tidy. */
  lookup(y: tf.Tensor): tf.Tensor {
    const last = y.shape[y.shape.length - 1] ?? 1;
    const ids = y.rank > 1 && last > 1 ? tf.argMax(y, -1) : tf.cast(tf.round(tf.reshape(y, [y.shape[0] ?? -1])), 'int32');
    // Ids beyond the table (classes not listed) get weight 1: the table ends with a 1 they clip to.
    const table = tf.tensor1d([...this.table, 1]);
    return tf.gather(table, tf.clipByValue(tf.cast(ids, 'int32'), 0, this.table.length));
  }
}

export interface StepParts {
  plan: Plan;
  metrics: StatefulMetric[][];
  classWeights?: ClassWeights;
  which: string;
}

/**
 * Forward pass and packed statistics. Returns the total loss (to differentiate) and the packed
 * statistics. Call inside a tidy / minimize closure.
 */
export function forward(model: tf.LayersModel, b: StepInput, parts: StepParts, training: boolean): { total: tf.Scalar; stats: tf.Tensor1D } {
  const { plan, metrics } = parts;
  const out = model.apply(modelInputs(model, b.x, parts.which), { training });
  const preds = Array.isArray(out) ? out : [out as tf.Tensor];
  const perOutput: tf.Scalar[] = [];
  const weighted: tf.Tensor[] = [];
  const statParts: tf.Tensor[] = [];
  for (const o of plan.outputs) {
    const yPred = preds[o.index] as tf.Tensor;
    const yTrue = pickOutput(b.y, o, plan, parts.which);
    let w: tf.Tensor | undefined = b.sampleWeight ? tf.reshape(tf.cast(b.sampleWeight, 'float32'), [-1]) : undefined;
    if (parts.classWeights) {
      const cw = parts.classWeights.lookup(yTrue);
      w = w ? tf.mul(w, cw) : cw;
    }
    const per = o.loss.compute(yTrue, yPred);
    const n = per.shape[0] ?? 1;
    const value = (w ? tf.div(tf.sum(tf.mul(per, w)), n) : tf.mean(per)) as tf.Scalar;
    perOutput.push(value);
    weighted.push(o.weight === 1 ? value : tf.mul(value, o.weight));
    for (const m of metrics[o.index] ?? []) statParts.push(tf.reshape(m.batchStats(yTrue, yPred, w), [-1]));
  }
  const penalties = model.calculateLosses();
  const all = [...weighted, ...penalties];
  const total = (all.length === 1 ? all[0] : tf.addN(all)) as tf.Scalar;
  const head = [tf.reshape(total, [1]), ...(plan.multi ? perOutput.map((v) => tf.reshape(v, [1])) : [])];
  return { total, stats: tf.concat([...head, ...statParts]) as tf.Tensor1D };
}

/** Epoch accumulation of the packed statistics (batch-size weighted loss means, metric totals). */
export class EpochTotals {
  private lossSums: number[];
  private seen = 0;
  private metricSums: number[];

  constructor(private readonly plan: Plan, private readonly metrics: StatefulMetric[][]) {
    this.lossSums = new Array<number>(plan.multi ? plan.outputs.length + 1 : 1).fill(0);
    let n = 0;
    for (const ms of metrics) for (const m of ms) n += m.statsSize;
    this.metricSums = new Array<number>(n).fill(0);
    for (const ms of metrics) for (const m of ms) m.reset();
  }

  /** A copy of the sums so far (JSON-able). */
  snapshot(): EpochProgress {
    return { lossSums: [...this.lossSums], seen: this.seen, metricSums: [...this.metricSums] };
  }

  /**
   * Continues from a snapshot. Metrics get the summed statistics in one `accumulate`, which leaves
   * them exactly where the batch-by-batch additions had (the same float64 additions, same order).
   */
  restore(p: EpochProgress): void {
    if (p.lossSums.length !== this.lossSums.length || p.metricSums.length !== this.metricSums.length) {
      throw new Error(`epoch progress has ${p.lossSums.length}+${p.metricSums.length} sums, the model logs ${this.lossSums.length}+${this.metricSums.length}`);
    }
    this.lossSums = [...p.lossSums];
    this.seen = p.seen;
    this.metricSums = [...p.metricSums];
    let off = 0;
    for (const ms of this.metrics) {
      for (const m of ms) {
        m.reset();
        m.accumulate(this.metricSums.slice(off, off + m.statsSize));
        off += m.statsSize;
      }
    }
  }

  add(stats: Float32Array, size: number): void {
    const nLoss = this.lossSums.length;
    for (let i = 0; i < nLoss; i++) this.lossSums[i] = (this.lossSums[i] ?? 0) + (stats[i] ?? 0) * size;
    this.seen += size;
    for (let i = 0; i < this.metricSums.length; i++) this.metricSums[i] = (this.metricSums[i] ?? 0) + (stats[nLoss + i] ?? 0);
    let off = nLoss;
    for (const ms of this.metrics) {
      for (const m of ms) {
        m.accumulate(stats.subarray(off, off + m.statsSize));
        off += m.statsSize;
      }
    }
  }

  logs(): Record<string, number> {
    const mean = (i: number) => (this.seen > 0 ? (this.lossSums[i] ?? 0) / this.seen : 0);
    const logs: Record<string, number> = { loss: mean(0) };
    if (this.plan.multi) this.plan.outputs.forEach((o, i) => (logs[o.lossKey ?? `${o.name}_loss`] = mean(i + 1)));
    for (const ms of this.metrics) for (const m of ms) logs[m.name] = m.result();
    return logs;
  }
}

/** Names logged per epoch, in Keras's order: loss, per-output losses, metrics. */
export function logKeysOf(plan: Plan, metrics: StatefulMetric[][]): string[] {
  const keys = ['loss'];
  if (plan.multi) for (const o of plan.outputs) keys.push(o.lossKey ?? `${o.name}_loss`);
  for (const ms of metrics) for (const m of ms) keys.push(m.name);
  return keys;
}
